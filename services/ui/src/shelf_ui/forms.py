"""The forms. Every one is a FlaskForm, so every one carries a CSRF token (and CSRFProtect
refuses any POST without a valid one, forms or not). A form shown again after an error keeps
what the user typed, passwords excepted."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from .clients.api import SORTS
from .preferences import PAGE_SIZES, THEMES

SORT_LABELS = {
    "added_desc": "Newest first",
    "added_asc": "Oldest first",
    "modified_desc": "Recently changed",
    "modified_asc": "Least recently changed",
    "title_asc": "Title A-Z",
    "title_desc": "Title Z-A",
}


THEME_LABELS = {"auto": "Automatic (as the system)", "light": "Light", "dark": "Dark"}


def web_address(_form, field) -> None:
    """http or https with a host (api checks the same; localhost and addresses are fine)."""
    try:
        parts = urlsplit((field.data or "").strip())
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter a web address starting with http:// or https://.")


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class LoginForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=150)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=4096)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class SignUpForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[DataRequired(), Length(max=150)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    email = EmailField(
        "Email (optional, for password resets)",
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=4096)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    login = StringField(
        "Username or email",
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autofocus": True},
    )


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=4096)],
        render_kw={"autocomplete": "new-password", "autofocus": True},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class BookmarkForm(FlaskForm):
    url = URLField(
        "URL",
        validators=[DataRequired(), web_address, Length(max=2048)],
        render_kw={"autofocus": True, "inputmode": "url"},
    )
    title = StringField(
        "Title",
        validators=[Length(max=512)],
        description="Left empty, Shelf fills it from the page.",
    )
    description = TextAreaField(
        "Description", validators=[Length(max=10_000)], render_kw={"rows": 3}
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=2000)],
        description="Separated by spaces.",
        render_kw={
            "list": "tag-names",
            "autocomplete": "off",
            "autocapitalize": "none",
            "data-tag-input": "",
        },
    )
    notes = TextAreaField(
        "Notes", validators=[Length(max=100_000)], description="Markdown.", render_kw={"rows": 5}
    )
    unread = BooleanField("Mark as unread")
    shared = BooleanField("Share")

    def tag_names(self) -> list[str]:
        seen: dict[str, str] = {}
        for name in (self.tags.data or "").replace(",", " ").split():
            seen.setdefault(name.lower(), name)
        return list(seen.values())

    def payload(self) -> dict:
        return {
            "url": (self.url.data or "").strip(),
            "title": self.title.data or "",
            "description": self.description.data or "",
            "notes": self.notes.data or "",
            "tag_names": self.tag_names(),
            "unread": bool(self.unread.data),
            "shared": bool(self.shared.data),
        }


class BulkForm(FlaskForm):
    """The bulk bar of the list; the ticked bookmarks come as `ids`."""

    action = SelectField(
        "With the selected",
        choices=[
            SelectChoice(value, label)
            for value, label in (
                ("archive", "Archive"),
                ("unarchive", "Unarchive"),
                ("mark_read", "Mark as read"),
                ("mark_unread", "Mark as unread"),
                ("tag", "Add tags"),
                ("untag", "Remove tags"),
                ("delete", "Delete"),
            )
        ],
    )
    tags = StringField(
        "Tags",
        render_kw={
            "list": "tag-names",
            "autocomplete": "off",
            "placeholder": "tags for add/remove",
            "data-tag-input": "",
        },
    )
    next = HiddenField()


class TagNameForm(FlaskForm):
    """A tag's new name (rename) or the name of the tag to merge it into."""

    name = StringField(
        "New name",
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "autofocus": True},
    )


class TagMergeForm(FlaskForm):
    into = StringField(
        "Merge into the tag",
        validators=[DataRequired(), Length(max=64)],
        render_kw={
            "list": "tag-names",
            "autocomplete": "off",
            "autocapitalize": "none",
            "autofocus": True,
        },
    )


def _filter_choices(subject: str) -> list[SelectChoice]:
    return [
        SelectChoice("off", f"{subject}: either"),
        SelectChoice("yes", f"{subject} only"),
        SelectChoice("no", f"Not {subject.lower()}"),
    ]


class BundleForm(FlaskForm):
    """A bundle: a saved search (linkding's fields), shown beside the list."""

    name = StringField("Name", validators=[DataRequired(), Length(max=256)])
    search = StringField(
        "Search",
        validators=[Optional(), Length(max=256)],
        description='linkding\'s search language: words, "phrases", #tags, and / or / not.',
    )
    any_tags = StringField(
        "Any of these tags",
        validators=[Optional(), Length(max=1024)],
        render_kw={"list": "tag-names", "autocomplete": "off", "data-tag-input": ""},
    )
    all_tags = StringField(
        "All of these tags",
        validators=[Optional(), Length(max=1024)],
        render_kw={"list": "tag-names", "autocomplete": "off", "data-tag-input": ""},
    )
    excluded_tags = StringField(
        "None of these tags",
        validators=[Optional(), Length(max=1024)],
        render_kw={"list": "tag-names", "autocomplete": "off", "data-tag-input": ""},
    )
    filter_unread = SelectField("Unread", default="off", choices=_filter_choices("Unread"))
    filter_shared = SelectField("Shared", default="off", choices=_filter_choices("Shared"))

    FIELDS = (
        "name",
        "search",
        "any_tags",
        "all_tags",
        "excluded_tags",
        "filter_unread",
        "filter_shared",
    )

    def payload(self) -> dict:
        return {
            name: " ".join((getattr(self, name).data or "").split())
            if name.endswith("_tags")
            else (getattr(self, name).data or "").strip()
            for name in self.FIELDS
        }


class ImportForm(FlaskForm):
    file = FileField(
        "Bookmark file",
        validators=[FileRequired("Choose a file.")],
        description="A browser export (HTML), linkding's export, Pinboard JSON, "
        "Pocket HTML or a Shelf JSON export.",
    )
    folders_as_tags = BooleanField("Tag bookmarks with their folder names", default=True)


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(max=4096)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", "The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    revoke_api_key = BooleanField(
        "Also revoke my API key",
        description="Scripts, apps and the browser extension using it stop working until you "
        "make a new one. Do this if someone else may know your key.",
    )


class EmailForm(FlaskForm):
    email = EmailField(
        "Email", validators=[Optional(), Length(max=254)], render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        "Your password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class PreferencesForm(FlaskForm):
    page_size = SelectField(
        "Bookmarks per page",
        coerce=int,
        choices=[SelectChoice(size, str(size)) for size in PAGE_SIZES],
    )
    sort = SelectField("Sort", choices=[SelectChoice(sort, SORT_LABELS[sort]) for sort in SORTS])
    new_tab = BooleanField("Open links in a new tab")
    theme = SelectField(
        "Theme",
        default="auto",
        choices=[SelectChoice(theme, THEME_LABELS[theme]) for theme in THEMES],
    )


class SharingForm(FlaskForm):
    enable_sharing = BooleanField("Let me share bookmarks with the other users")
    enable_public_sharing = BooleanField(
        "Also show my shared bookmarks on the public page (anyone, without logging in)"
    )


class AutoTaggingForm(FlaskForm):
    rules = TextAreaField(
        "Auto-tagging rules",
        validators=[Optional(), Length(max=10_000)],
        render_kw={
            "rows": 6,
            "spellcheck": "false",
            "placeholder": "youtube.com video\nreddit.com/r/python python reddit",
        },
        description="One rule a line: a web address pattern, then the tags it gives. Bookmarks "
        "of matching pages get those tags when they are saved. # starts a comment.",
    )


class AdminBookmarksForm(FlaskForm):
    """The filters of the admin's list of everyone's bookmarks (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=2000)])
    owner = StringField("Owner", validators=[Optional(), Length(max=150)])
    broken = SelectField(
        "Links",
        default="off",
        choices=[
            SelectChoice("off", "Working or broken"),
            SelectChoice("yes", "Broken links only"),
            SelectChoice("no", "Working links only"),
        ],
    )
    archived = SelectField(
        "Archive",
        default="off",
        choices=[
            SelectChoice("off", "Archived or not"),
            SelectChoice("no", "Not archived"),
            SelectChoice("yes", "Archived only"),
        ],
    )


class UserCreateForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=150)])
    email = EmailField("Email", validators=[Optional(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=4096)],
        render_kw={"autocomplete": "new-password"},
    )
    is_admin = BooleanField("Administrator")


class ScheduleForm(FlaskForm):
    cron = StringField(
        "Cron expression (UTC)",
        validators=[DataRequired(), Length(max=100)],
        description='Five fields: minute hour day month weekday, e.g. "0 3 * * *".',
    )
    enabled = BooleanField("Enabled")


__all__ = [
    "ActionForm",
    "AdminBookmarksForm",
    "AutoTaggingForm",
    "BookmarkForm",
    "BulkForm",
    "BundleForm",
    "EmailForm",
    "ForgotPasswordForm",
    "ImportForm",
    "LoginForm",
    "PasswordForm",
    "PreferencesForm",
    "ResetPasswordForm",
    "ScheduleForm",
    "SharingForm",
    "SignUpForm",
    "TagMergeForm",
    "TagNameForm",
    "UserCreateForm",
]
