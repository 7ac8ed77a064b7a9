"""linkding's bundles (saved searches): reads and rules; the routes are routes/bundles.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from . import profiles
from .errors import Invalid
from .models import Bundle
from .schemas.common import MAX_INT
from .search import SearchSyntaxError, parse

FIELDS = (
    "name",
    "search",
    "any_tags",
    "all_tags",
    "excluded_tags",
    "filter_unread",
    "filter_shared",
    "order",
)


def find_own(session: Session, owner_id: int | None, bundle_id: int) -> Bundle | None:
    return session.scalars(
        select(Bundle).where(Bundle.id == bundle_id, Bundle.owner_id == owner_id)
    ).first()


def in_order(owner_id: int) -> Select:
    """The owner's bundles, in their order."""
    return select(Bundle).where(Bundle.owner_id == owner_id).order_by(Bundle.order, Bundle.id)


def check_search(data: dict[str, Any]) -> None:
    """A bundle's search must parse (400 naming `search` otherwise)."""
    if data.get("search"):
        try:
            parse(data["search"])
        except SearchSyntaxError as error:
            raise Invalid({"search": [str(error)]}) from None


def apply(bundle: Bundle, data: dict[str, Any]) -> None:
    for key in FIELDS:
        if key in data:
            value = data[key]
            if key.endswith("_tags"):
                value = " ".join(value.split())
            setattr(bundle, key, value)


def next_order(session: Session, owner_id: int) -> int:
    """The place after the owner's last bundle. Two bundles made at once must not both take
    it, so the owner's profile row is locked first (the transaction's end releases it)."""
    profiles.lock(session, owner_id)
    last = session.scalar(select(func.max(Bundle.order)).where(Bundle.owner_id == owner_id))
    return 0 if last is None else min(last + 1, MAX_INT)
