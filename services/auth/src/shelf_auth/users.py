"""Reading and writing users."""

from __future__ import annotations

import re

from marshmallow import ValidationError
from marshmallow.validate import Email
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import outbox, revocations
from .models import User
from .passwords import hash_password, password_problems

USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")
USERNAME_RULE = "Use 1-150 letters, digits or . _ @ + -"
SIGNUP_MODES = ("open", "closed", "auto")


class UserError(ValueError):
    """A user cannot be created or changed as asked; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
        self.errors = errors


def email_problems(email: str) -> list[str]:
    if email == "":
        return []
    try:
        Email()(email)
    except ValidationError:
        return ["Not a valid email address."]
    return ["Use at most 254 characters."] if len(email) > 254 else []


def find_by_id(*, session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_by_username(*, session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def find_by_login(*, session: Session, login: str) -> list[User]:
    """The user with this username, or else every user with this email address."""
    user = find_by_username(session=session, username=login)
    if user is not None:
        return [user]
    if "@" not in login:
        return []
    query = select(User).where(func.lower(User.email) == login.lower()).order_by(User.id)
    return list(session.scalars(query))


def any_admin(*, session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is not None


def signup_open(*, session: Session, mode: str) -> bool:
    """SHELF_AUTH_SIGNUP: "auto" is open until an administrator exists."""
    return mode == "open" or (mode == "auto" and not any_admin(session=session))


def create_user(
    *, session: Session, username: str, password: str, email: str = "", is_admin: bool = False
) -> User:
    errors: dict[str, list[str]] = {}
    if not USERNAME.match(username):
        errors["username"] = [USERNAME_RULE]
    elif find_by_username(session=session, username=username) is not None:
        errors["username"] = ["This username is taken."]
    if problems := password_problems(password, username=username):
        errors["password"] = problems
    if problems := email_problems(email):
        errors["email"] = problems
    if errors:
        raise UserError(errors)
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        is_admin=is_admin,
        is_active=True,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # someone took the name between the check and the insert
        raise UserError({"username": ["This username is taken."]}) from None
    return user


def set_password(*, user: User, password: str, field: str = "password") -> None:
    if problems := password_problems(password, username=user.username):
        raise UserError({field: problems})
    user.password_hash = hash_password(password)


def set_email(*, user: User, email: str) -> None:
    if problems := email_problems(email):
        raise UserError({"email": problems})
    user.email = email


def list_users(
    *, session: Session, search: str = "", limit: int, offset: int
) -> tuple[list[User], int]:
    """One page of users by id, and how many match `search` (part of a username or email)."""
    where = []
    if search:
        pattern = (
            "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        where.append(
            or_(
                func.lower(User.username).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    page = session.scalars(select(User).where(*where).order_by(User.id).limit(limit).offset(offset))
    return list(page), total


def purge_user_job(user_id: int) -> dict:
    """The job that has tasks delete what every service keeps for a deleted user (C2)."""
    return {
        "kind": "purge_user",
        "args": {"user_id": user_id},
        "idempotency_key": f"purge_user:{user_id}",
    }


def delete_user(*, session: Session, user: User) -> None:
    """Delete the user, void their tokens, and ask tasks (through the outbox, in this
    transaction) to purge what other services keep for them. The database cascades to the
    user's sessions, API key and reset tokens."""
    revocations.void_user_tokens(session=session, user=user)
    outbox.add(session, purge_user_job(user.id))
    session.delete(user)
    session.flush()
