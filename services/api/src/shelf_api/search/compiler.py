"""A search tree compiled to a SQLAlchemy condition on `bookmarks`.

Words and phrases are case-insensitive substrings of the title, description, notes, URL or the
fetched page text, found through the database's own indexes. Case is folded the same way on
both databases, in every script: Unicode's simple case folding, character by character, as
tags are (tag_names.py says what it joins and what it keeps apart).

- SQLite: the FTS5 table `bookmarks_fts` (trigram tokenizer, case folded by the tokenizer's
  Unicode folding) keeps which rows hold each trigram, not where (`detail=none`, migration
  0010: a quarter of the size of positions). A term of 3 characters or more asks it for the
  rows holding every one of the term's trigrams; a term of exactly 3 is one trigram, so those
  rows are the answer; a longer one is then matched on those rows alone (`substring_on`:
  `LIKE` where its ASCII-only folding folds as the tokenizer does, else `GLOB` with the
  classes below), so a row with the trigrams apart is not found. Trigrams need 3 characters,
  so words of 1 or 2 characters fall back to `GLOB` on the columns with a class per character
  of its case variants (`[pP][äÄ]`): a scan, in SQL.
- Postgres: a regular expression with the same classes (`[pP][äÄ]`) on the columns joined by
  U+001F (`searched_text`), which one pg_trgm GIN index serves (migration 0004; it too needs 3
  characters to narrow anything). The classes make the match independent of the database's
  locale, whose `ILIKE` folds only ASCII under `C` and leaves a final sigma apart.
  No search term holds U+001F, so no match spans two columns; a term that does is matched
  column by column.
`#tag` compares the tag's folded name (`tags.name_folded`), on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    any_,
    column,
    exists,
    false,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    true,
)

from ..models import Bookmark, Tag, bookmark_tags
from ..tag_names import case_variants, fold
from .parser import And, Keyword, Node, Not, Or, Term
from .parser import Tag as TagNode

SEARCHED = (Bookmark.title, Bookmark.description, Bookmark.notes, Bookmark.url, Bookmark.page_text)
TRIGRAM = 3
SEPARATOR = "\x1f"  # between the columns in Postgres's searched text
FTS = table("bookmarks_fts", column("rowid"))  # SQLite only, made by migration 0002


def compile_search(node: Node | None, *, dialect: str, lax_tags: bool = False) -> ColumnElement:
    if node is None:
        return true()
    return _Compiler(dialect, lax_tags).compile(node)


def narrowed_by_index(node: Node | None, *, lax_tags: bool) -> bool:
    """Whether SQLite can find every bookmark `node` matches by id from a list it makes once
    (rather than by reading the owner's whole list): a term of 3 characters or more (the rows
    of bookmarks_fts holding its trigrams, and with lax tags the tag's bookmarks too), a `#tag`
    (its bookmarks), an `and` with one such operand, an `or` of nothing else."""
    if isinstance(node, TagNode):
        return True
    if isinstance(node, Term):
        return len(node.text) >= TRIGRAM
    if isinstance(node, And):
        return any(narrowed_by_index(operand, lax_tags=lax_tags) for operand in node.operands)
    if isinstance(node, Or):
        return all(narrowed_by_index(operand, lax_tags=lax_tags) for operand in node.operands)
    return False


def searched_text() -> ColumnElement:
    """title || E'\\x1f' || description || ... : the expression migration 0004 indexes, to the
    letter (the separator a literal, not a parameter, or the planner does not see the index)."""
    separator: ColumnElement[Any] = literal_column("E'\\x1f'")
    joined: ColumnElement[Any] = SEARCHED[0].expression
    for field in SEARCHED[1:]:
        joined = joined.op("||")(separator).op("||")(field)
    return joined


def has_tag(name: str) -> ColumnElement:
    return exists(
        select(1)
        .select_from(bookmark_tags.join(Tag, Tag.id == bookmark_tags.c.tag_id))
        .where(bookmark_tags.c.bookmark_id == Bookmark.id, Tag.name_folded == fold(name))
    )


def in_tag(name: str) -> ColumnElement:
    """has_tag for SQLite: `id IN (the tag's bookmarks)`, the list made once per statement.
    A page checks each of the owner's bookmarks against it as cheaply as against a term's
    rows, and a count can look the tag's bookmarks up by id (`narrowed_by_index`) instead
    of running a correlated EXISTS for each of the owner's bookmarks."""
    return Bookmark.id.in_(
        select(bookmark_tags.c.bookmark_id)
        .join(Tag, Tag.id == bookmark_tags.c.tag_id)
        .where(Tag.name_folded == fold(name))
    )


def has_tag_any(name: str) -> ColumnElement:
    """has_tag for Postgres in an OR beside trigram matches: `id = ANY(ids)`, the ids computed
    once (an InitPlan), can join the trigram indexes' BitmapOr through the primary key, where
    a correlated EXISTS makes the whole OR a filter over every row (a search for a word with
    lax tags then read all of an owner's bookmarks: 261 ms against 12 ms on 100,000)."""
    tagged = (
        select(func.array_agg(bookmark_tags.c.bookmark_id))
        .select_from(bookmark_tags.join(Tag, Tag.id == bookmark_tags.c.tag_id))
        .where(Tag.name_folded == fold(name))
    )
    # no such tag: an empty array (false), not NULL, which NOT would keep unknown
    ids = func.coalesce(tagged.scalar_subquery(), literal_column("'{}'::integer[]"))
    return Bookmark.id == any_(ids)


def is_untagged() -> ColumnElement:
    return ~exists(select(1).where(bookmark_tags.c.bookmark_id == Bookmark.id))


def _classes(value: str, literal, same: frozenset[str] = frozenset()) -> str:
    """Each character as the class of its case variants (`ä`: `[Ää]`), or as `literal` makes
    it when it has none. Characters of `same` are one class too."""
    parts = []
    for char in value:
        variants = same if char in same else case_variants(char)
        parts.append("[" + "".join(sorted(variants)) + "]" if len(variants) > 1 else literal(char))
    return "".join(parts)


def regex_pattern(value: str) -> str:
    """Postgres (an ARE): a backslash makes any other character literal."""
    return _classes(value, lambda char: char if char.isalnum() else "\\" + char)


def glob_pattern(value: str) -> str:
    """SQLite's GLOB: `*`, `?` and `[` are literal only inside a class."""
    return "*" + _classes(value, _glob_literal) + "*"


def trigrams_query(value: str) -> str:
    """An FTS5 query for the rows holding every trigram of `value` (each quoted: one token)."""
    grams = dict.fromkeys(value[i : i + TRIGRAM] for i in range(len(value) - TRIGRAM + 1))
    return " ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


# What the trigram tokenizer folds beyond Unicode case: these three are one to it.
_TOKENIZER_SAME = frozenset("\ufffd\ufffe\uffff")
# ASCII letters that non-ASCII characters fold into (the Kelvin sign, the long s), which LIKE
# would keep apart.
_FOLDED_INTO = frozenset("kKsS")


def folds_as_like(value: str) -> bool:
    """Whether SQLite's LIKE (ASCII letters folded, every other character as is) folds `value`
    as the trigram tokenizer does: no character with case variants beyond ASCII's."""
    return all(
        char not in _FOLDED_INTO
        if char.isascii()
        else len(case_variants(char)) == 1 and char not in _TOKENIZER_SAME
        for char in value
    )


def like_pattern(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def substring_on(value: str) -> ColumnElement:
    """`value` as a case-folded substring of one of the columns, as the tokenizer folds it
    (SQLite; the rows to try come from bookmarks_fts)."""
    if folds_as_like(value):
        pattern = like_pattern(value)
        return or_(*(column.like(pattern, escape="\\") for column in SEARCHED))
    pattern = "*" + _classes(value, _glob_literal, _TOKENIZER_SAME) + "*"
    return or_(*(column.op("GLOB")(pattern) for column in SEARCHED))


def _glob_literal(char: str) -> str:
    return f"[{char}]" if char in "*?[" else char


class _Compiler:
    def __init__(self, dialect: str, lax_tags: bool) -> None:
        self.dialect = dialect
        self.lax_tags = lax_tags

    def compile(self, node: Node) -> ColumnElement:
        if isinstance(node, And):
            return and_(*(self.compile(operand) for operand in node.operands))
        if isinstance(node, Or):
            return or_(*(self.compile(operand) for operand in node.operands))
        if isinstance(node, Not):
            return not_(self.compile(node.operand))
        if isinstance(node, TagNode):
            return in_tag(node.name) if self.dialect == "sqlite" else has_tag(node.name)
        if isinstance(node, Keyword):
            if node.name == "unread":
                return Bookmark.unread.is_(True)
            if node.name == "untagged":
                return is_untagged()
            return true()
        if isinstance(node, Term):
            condition = self.substring(node.text)
            if self.lax_tags and not node.phrase:
                tagged = has_tag_any if self.dialect == "postgresql" else in_tag
                condition = or_(condition, tagged(node.text))
            return condition
        raise TypeError(f"not a search node: {node!r}")  # pragma: no cover

    def substring(self, value: str) -> ColumnElement:
        if value == "":
            return true()
        if self.dialect == "postgresql":
            pattern = regex_pattern(value)
            if SEPARATOR in value:
                return or_(*(column.regexp_match(pattern) for column in SEARCHED))
            return searched_text().regexp_match(pattern)
        if len(value) >= TRIGRAM:
            matching = select(FTS.c.rowid).where(
                literal_column("bookmarks_fts").op("MATCH")(trigrams_query(value))
            )
            if len(value) == TRIGRAM:
                return Bookmark.id.in_(matching)
            return and_(Bookmark.id.in_(matching), substring_on(value))
        if self.dialect == "sqlite":
            pattern = glob_pattern(value)
            return or_(*(column.op("GLOB")(pattern) for column in SEARCHED))
        return false()  # pragma: no cover - only SQLite and Postgres are supported
