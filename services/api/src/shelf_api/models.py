"""api's tables: bookmarks, tags, the links between them, bundles, and the outbox.

Every row that belongs to someone carries `owner_id`: the id of a user in auth. api keeps no
user table and cannot join on one; every query names its owner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    validates,
)

from shelf_kit.db import UtcDateTime, utcnow

from .tag_names import MAX_LENGTH, fold
from .urls import normalize_url

# Deterministic constraint names on every database, so later migrations can name what they
# drop (SQLite's batch mode needs that).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are never reused, on either database (Postgres's sequences never do; on SQLite every
# table with an id has AUTOINCREMENT, migration 0006): a client holding a deleted bookmark's id
# must never reach another bookmark with it, nor a new user a deleted one's rows.
IDS_NEVER_REUSED = {"sqlite_autoincrement": True}
URL_LENGTH = 2048  # linkding's limit; the API refuses longer URLs (and longer normalized forms)
FILTER_CHOICES = ("off", "yes", "no")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


bookmark_tags = Table(
    "bookmark_tags",
    Base.metadata,
    Column("bookmark_id", ForeignKey("bookmarks.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_bookmark_tags_tag_id", "tag_id"),  # "bookmarks with this tag"
    # On SQLite the rows live in the primary key alone (migration 0010), not twice.
    sqlite_with_rowid=False,
)


class Bookmark(Base):
    __tablename__ = "bookmarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    # The URL as the owner gave it, and its normalized form (see urls.py), kept in step by
    # `_keep_url_normalized` below; only the normalized form is unique per owner.
    url: Mapped[str] = mapped_column(String(URL_LENGTH))
    url_normalized: Mapped[str] = mapped_column(String(URL_LENGTH))
    title: Mapped[str] = mapped_column(String(512), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")  # Markdown
    # What the page itself says, filled in by tasks after the bookmark is saved.
    website_title: Mapped[str | None] = mapped_column(String(512), nullable=True)
    website_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    favicon_url: Mapped[str | None] = mapped_column(String(URL_LENGTH), nullable=True)
    preview_image_url: Mapped[str | None] = mapped_column(String(URL_LENGTH), nullable=True)
    page_text: Mapped[str] = mapped_column(Text, default="")  # the readable text, for search
    unread: Mapped[bool] = mapped_column(Boolean, default=False)
    is_archived: Mapped[bool] = mapped_column(Boolean, default=False)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # Link-rot checks (scheduled in tasks): the last answer, and when it was asked.
    is_broken: Mapped[bool] = mapped_column(Boolean, default=False)
    last_checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Failed checks in a row: two make a link broken, one success clears it.
    link_check_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    date_added: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Set by the API on the owner's edits (linkding's meaning), not on background updates.
    date_modified: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    tags: Mapped[list[Tag]] = relationship(
        secondary=bookmark_tags, back_populates="bookmarks", passive_deletes=True
    )

    @validates("url")
    def _keep_url_normalized(self, _key: str, url: str) -> str:
        self.url_normalized = normalize_url(url)
        return url

    __table_args__ = (
        # One bookmark per page per owner; two owners may bookmark the same page.
        Index("uq_bookmarks_owner_url_normalized", "owner_id", "url_normalized", unique=True),
        # The list queries: /api/bookmarks/ and /archived/ by date, modified_since, the
        # unread filter, and everyone's shared bookmarks.
        Index("ix_bookmarks_owner_archived_added", "owner_id", "is_archived", "date_added"),
        Index("ix_bookmarks_owner_modified", "owner_id", "date_modified"),
        Index(
            "ix_bookmarks_owner_unread", "owner_id", "unread", sqlite_where=text("unread IS 1")
        ),  # on SQLite the unread ones (0010)
        # On SQLite over the shared ones only (migration 0010): the list of shared bookmarks
        # asks for `shared IS 1`, the term the index names.
        Index(
            "ix_bookmarks_shared_added", "shared", "date_added", sqlite_where=text("shared IS 1")
        ),
        IDS_NEVER_REUSED,
    )


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(MAX_LENGTH))  # as first spelled
    # fold(name) (tag_names.py), kept in step by `_keep_name_folded`: one tag per folded name
    # and owner, whatever its case in any script ("Ünï" and "ünï", "ΟΔΟΣ" and "οδος").
    name_folded: Mapped[str] = mapped_column(String(MAX_LENGTH))
    date_added: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    bookmarks: Mapped[list[Bookmark]] = relationship(
        secondary=bookmark_tags, back_populates="tags", passive_deletes=True
    )

    @validates("name")
    def _keep_name_folded(self, _key: str, name: str) -> str:
        self.name_folded = fold(name)
        return name

    __table_args__ = (
        Index("uq_tags_owner_name_folded", "owner_id", "name_folded", unique=True),
        IDS_NEVER_REUSED,
    )


class Bundle(Base):
    """A saved search, shown as a tab above the bookmark list."""

    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(256))
    search: Mapped[str] = mapped_column(String(256), default="")
    # Space-separated tag names.
    any_tags: Mapped[str] = mapped_column(String(1024), default="")
    all_tags: Mapped[str] = mapped_column(String(1024), default="")
    excluded_tags: Mapped[str] = mapped_column(String(1024), default="")
    filter_unread: Mapped[str] = mapped_column(String(3), default="off")
    filter_shared: Mapped[str] = mapped_column(String(3), default="off")
    order: Mapped[int] = mapped_column(Integer)
    date_created: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    date_modified: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(f"filter_unread IN {FILTER_CHOICES}", name="filter_unread"),
        CheckConstraint(f"filter_shared IN {FILTER_CHOICES}", name="filter_shared"),
        Index("ix_bundles_owner_order", "owner_id", "order"),
        IDS_NEVER_REUSED,
    )


class OutboxMessage(Base):
    """A message for another service, written in the same transaction as the change it is
    about; a relay delivers it, retrying until the other side accepts (DESIGN.md section 4),
    and deletes it in the transaction that marks it delivered."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(100))  # e.g. the tasks job kind "fetch_metadata"
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The job's priority (tasks runs lower first): the relay delivers due messages in this
    # order, then by id (contract C4), so a bookmark added by hand overtakes an import's
    # backlog after tasks was away.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        # The relay's question, "what is due?", reads only undelivered messages.
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
        ),
        # A delivered message is deleted as it is marked (outbox.py): this finds it.
        Index(
            "ix_outbox_delivered",
            "id",
            sqlite_where=text("delivered_at IS NOT NULL"),
            postgresql_where=text("delivered_at IS NOT NULL"),
        ),
        IDS_NEVER_REUSED,
    )


PROFILE_DEFAULTS: dict[str, Any] = {
    "theme": "auto",
    "bookmark_date_display": "relative",
    "bookmark_link_target": "_blank",
    "web_archive_integration": "disabled",
    "tag_search": "strict",
    "enable_sharing": False,
    "enable_public_sharing": False,
    "enable_favicons": False,
    "display_url": False,
    "permanent_notes": False,
    "search_preferences": {},
    # linkding's auto-tagging: "<URL pattern> <tag> <tag>..." per line (see auto_tags.py).
    "auto_tagging_rules": "",
}


class Profile(Base):
    """A user's preferences (linkding's user profile), and the username api last saw for them,
    so `/api/bookmarks/shared/?user=<name>` can narrow to one user without asking auth."""

    __tablename__ = "profiles"

    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(150), nullable=True)
    # The two preferences that queries read are columns; the others live in `preferences`.
    enable_sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    enable_public_sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    date_modified: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    # One profile per name: the name is the newest caller's (profiles.remember).
    __table_args__ = (Index("uq_profiles_username", "username", unique=True),)

    def as_dict(self) -> dict[str, Any]:
        values = {**PROFILE_DEFAULTS, **(self.preferences or {})}
        values["enable_sharing"] = self.enable_sharing
        values["enable_public_sharing"] = self.enable_public_sharing
        return values


class FeedKey(Base):
    """A user's key to their RSS feeds (/feeds/<key>/...): the key is the only credential a
    feed reader has, so it is random (160 bits), one per user, and replaced (never kept
    beside the new one) when the user asks for a new key."""

    __tablename__ = "feed_keys"

    owner_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("uq_feed_keys_key", "key", unique=True),)


IMPORT_STATES = ("pending", "running", "done", "failed")


class Import(Base):
    """A bookmark file being imported in batches by a tasks job (large files only; small ones
    are imported at once). Its parsed entries are rows of `import_entries`, and `processed` is
    the cursor: each batch reads the entries from there on, and advances it in the same
    transaction as the bookmarks it wrote. `detail` says why an import failed."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(10), default="pending")
    total: Mapped[int] = mapped_column(Integer)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(f"state IN {IMPORT_STATES}", name="state"),
        Index("ix_imports_owner_created", "owner_id", "created_at"),
        IDS_NEVER_REUSED,
    )


class ImportEntry(Base):
    """One parsed entry of a large import, at its position in the file: a batch loads only its
    own rows (the whole file's entries in one value were read again by every batch). They go
    when the import is done, or with the import."""

    __tablename__ = "import_entries"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("imports.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)


ASSET_TYPES = ("snapshot", "upload")
ASSET_STATES = ("pending", "complete", "failure")


class Asset(Base):
    """A file kept with a bookmark: an HTML snapshot the browser made, or an upload. The file
    lives under SHELF_API_ASSETS_DIR; the row names it."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    bookmark_id: Mapped[int] = mapped_column(ForeignKey("bookmarks.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(Integer)
    asset_type: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(512))
    file: Mapped[str] = mapped_column(String(255))  # relative to the assets folder
    file_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="complete")
    date_created: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(f"asset_type IN {ASSET_TYPES}", name="asset_type"),
        CheckConstraint(f"status IN {ASSET_STATES}", name="status"),
        Index("ix_assets_bookmark_id", "bookmark_id"),
        IDS_NEVER_REUSED,
    )
