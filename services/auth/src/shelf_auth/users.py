"""Reading and writing users."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import User
from .passwords import hash_password, password_problems

USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,150}$")


class UserError(ValueError):
    """A user cannot be created as asked; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))
        self.errors = errors


def find_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def any_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is not None


def create_user(*, session: Session, username: str, password: str, email: str = "",
                is_admin: bool = False) -> User:
    errors: dict[str, list[str]] = {}
    if not USERNAME.match(username):
        errors["username"] = ["Use 1-150 letters, digits or . _ @ + -"]
    elif find_by_username(session, username) is not None:
        errors["username"] = ["This username is taken."]
    if problems := password_problems(password, username=username):
        errors["password"] = problems
    if errors:
        raise UserError(errors)
    user = User(username=username, email=email, password_hash=hash_password(password),
                is_admin=is_admin)
    session.add(user)
    session.flush()
    return user
