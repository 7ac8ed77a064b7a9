"""Tag names: the one set of rules every way in follows (the API, imports of every format,
auto-tagging rules and what they give), and the key that makes two spellings one tag.

The rules: a name is at most MAX_LENGTH (64) characters, holds no whitespace (names are split
on it, as linkding splits its tag strings) and no control characters or lone surrogates; a
bookmark has at most MAX_PER_BOOKMARK (100) tags. The API refuses what breaks them (400);
an import keeps the bookmark and says what it changed (`imported`); auto-tagging rules are
refused when saved and, if older rules break them, give only the tags that pass (`usable`).

Identity: `fold(name)` is the name in Unicode normalization form C, case-folded character by
character with Unicode's simple case folding: `Ünï`/`ünï`, `PÄ`/`pä`, `ΟΔΟΣ`/`οδος`
(final sigma too), `ДОМ`/`дом`, `ẞ`/`ß` are one. Simple folding never changes a name's
length, so `ß` and `ss` stay apart (full folding would join them); so do Turkish `İ`/`i` and
`I`/dotless i (U+0131), whose pairs depend on the language (Unicode's default pairs `I` with
`i`). Search
folds the same way (`search/compiler.py`), on SQLite and Postgres alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

MAX_LENGTH = 64
MAX_PER_BOOKMARK = 100
TOO_LONG = f"Ensure this field has no more than {MAX_LENGTH} characters."
TOO_MANY = f"Ensure this field has no more than {MAX_PER_BOOKMARK} elements."
SPACES = "Tag names cannot contain spaces."
CONTROL = "Tag names cannot contain control characters."
BLANK = "This field may not be blank."
_UNSAFE = frozenset({"Cc", "Cs"})  # control characters, halves of UTF-16 pairs
_CASED_RANGE = 0x20000  # every character with a case mapping lies below this


def fold_char(char: str) -> str:
    """Unicode's simple case folding of one character (always one character)."""
    folded = char.casefold()
    if len(folded) == 1:
        return folded
    lowered = char.lower()  # where full folding expands (ß -> ss), simple folding lowers
    return lowered if len(lowered) == 1 else char


def fold(text: str) -> str:
    """The key under which two spellings are one tag (see the module's docstring)."""
    return "".join(map(fold_char, unicodedata.normalize("NFC", text)))


@cache
def _same_when_folded() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for code in range(_CASED_RANGE):
        char = chr(code)
        folded = fold_char(char)
        if folded != char:
            groups.setdefault(folded, {folded}).add(char)
    return {key: frozenset(chars) for key, chars in groups.items()}


def case_variants(char: str) -> frozenset[str]:
    """Every character that folds as `char` does, itself included (a Greek sigma: the capital,
    the small and the final one)."""
    return _same_when_folded().get(fold_char(char), frozenset({char}))


def _unsafe(name: str) -> bool:
    return any(unicodedata.category(char) in _UNSAFE and not char.isspace() for char in name)


def problem(name: str, *, spaces_split: bool = False) -> str | None:
    """Why the API refuses this name (DRF's messages), or None. With `spaces_split`, the
    name is one item of a bookmark's `tag_names`, which whitespace splits into several."""
    if not name.strip():
        return BLANK
    if _unsafe(name):
        return CONTROL
    if not spaces_split and any(char.isspace() for char in name):
        return SPACES
    if len(name) > MAX_LENGTH:
        return TOO_LONG
    return None


def split(names: Iterable[str]) -> list[str]:
    """Names split on whitespace, in order, the first spelling of each folded name kept."""
    seen: dict[str, str] = {}
    for name in names:
        for part in name.split():
            seen.setdefault(fold(part), part)
    return list(seen.values())


def usable(names: Iterable[str]) -> list[str]:
    """Only the names the API would take (what older auto-tagging rules give)."""
    return [name for name in split(names) if problem(name) is None]


def imported(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """An imported bookmark's tags made to follow the rules, and what was changed: control
    characters dropped, names shortened to MAX_LENGTH, the first MAX_PER_BOOKMARK kept."""
    changes: list[str] = []
    kept: list[str] = []
    for name in split(names):
        clean = "".join(char for char in name if unicodedata.category(char) not in _UNSAFE)
        if clean != name:
            changes.append(f"control characters removed from the tag {_quoted(name)}")
        if len(clean) > MAX_LENGTH:
            changes.append(f"the tag {_quoted(clean)} shortened to {MAX_LENGTH} characters")
            clean = clean[:MAX_LENGTH]
        if clean:
            kept.append(clean)
    kept = split(kept)  # two names may have become one
    if len(kept) > MAX_PER_BOOKMARK:
        changes.append(f"kept the first {MAX_PER_BOOKMARK} of its {len(kept)} tags")
        kept = kept[:MAX_PER_BOOKMARK]
    return kept, changes


def _quoted(name: str) -> str:
    shown = name if len(name) <= 40 else name[:40] + "…"
    return repr(shown)
