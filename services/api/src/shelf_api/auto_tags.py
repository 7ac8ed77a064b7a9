"""linkding's auto-tagging rules: tags a bookmark gets from its URL.

The rules are the profile's `auto_tagging_rules`, one per line: a URL pattern, then the tags
it gives, separated by spaces; `#` starts a comment.

    youtube.com video
    reddit.com/r/python python reddit
    example.org/search?lang=en english

A pattern matches a URL when its host is the URL's host or a parent domain of it (labels, not
characters: `example.com` matches `www.example.com`, not `badexample.com`), its path (if any)
starts the URL's path, and each of its query parameters is in the URL's query (a parameter with
no value only needs to be present). Matching ignores case, and the tags are lower case.

A tag the API would refuse (tag_names.py: too long, control characters) is never given, even
by rules saved before the profile refused them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from . import tag_names

_SCHEME = re.compile(r"^https?://")


def tags_for(rules: str | None, url: str) -> list[str]:
    """The tags the rules give `url`, in the order the rules name them."""
    if not rules:
        return []
    try:
        target = urlsplit(url.strip().lower())
        host = target.hostname
    except ValueError:
        return []
    if not host:
        return []
    found: dict[str, None] = {}
    for line in rules.lower().splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) < 2:
            continue
        try:
            pattern = urlsplit("//" + _SCHEME.sub("", parts[0]))
            pattern_host = pattern.hostname
        except ValueError:
            continue
        if not pattern_host or not _host_matches(pattern_host, host):
            continue
        if pattern.path and not target.path.startswith(pattern.path):
            continue
        if pattern.query and not _query_matches(pattern.query, target.query):
            continue
        found.update(dict.fromkeys(parts[1:]))
    return tag_names.usable(found)


def rule_problems(rules: str) -> list[str]:
    """What in the rules would give a tag the API refuses, line by line."""
    problems = []
    for number, line in enumerate(rules.splitlines(), 1):
        for name in line.lower().split("#", 1)[0].split()[1:]:
            problem = tag_names.problem(name)
            if problem:
                problems.append(f"Line {number}: the tag {name[:40]!r}: {problem}")
    return problems


def _host_matches(pattern: str, host: str) -> bool:
    return host == pattern or host.endswith("." + pattern)


def _query_matches(expected: str, actual: str) -> bool:
    wanted = parse_qs(expected, keep_blank_values=True)
    present = parse_qs(actual, keep_blank_values=True)
    return all(
        key in present and all(value == "" or value in present[key] for value in values)
        for key, values in wanted.items()
    )
