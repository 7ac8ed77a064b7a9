"""What templates need beyond Jinja: Markdown notes cleaned to safe HTML, dates, links that can
only be web links, and the geometry of the throughput chart."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask
from markupsafe import Markup

# What notes may contain once rendered: text formatting, lists, code, quotes, tables, links.
# No script, style, iframe, form, image (no tracking pixels), event handler or style attribute.
ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def markdown(text: str | None) -> Markup:
    """Notes as HTML: Markdown rendered, then cleaned by nh3 to the allow-list above (links get
    rel="noopener noreferrer nofollow"). Only the cleaned HTML is marked safe.

    Markdown and nh3 (~2 MiB) are loaded by the first note shown, not by every ui process."""
    if not text:
        return Markup("")
    import markdown as markdown_lib
    import nh3

    html = markdown_lib.markdown(
        text, extensions=["fenced_code", "tables", "sane_lists"], output_format="html"
    )
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )


def web_link(url: str | None) -> str:
    """The URL when it is an http(s) URL, else "#": a stored `javascript:` URL never becomes a
    link that runs (the Content-Security-Policy would stop it too)."""
    if not url:
        return "#"
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return "#"
    return url if scheme in ("http", "https") else "#"


def host(url: str | None) -> str:
    try:
        return urlsplit(url or "").hostname or ""
    except ValueError:
        return ""


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def date(value: str | None) -> str:
    when = parse_time(value)
    return when.strftime("%Y-%m-%d") if when else ""


def date_time(value: str | None) -> str:
    when = parse_time(value)
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else ""


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last, and `around` either side of the
    current one; None where numbers are left out (shown as "…")."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) == 2:
            numbers.append(number - 1)  # a gap of one page: show it rather than "…"
        elif numbers and number - (numbers[-1] or 0) > 2:
            numbers.append(None)
        numbers.append(number)
    return numbers


# -- the throughput chart -----------------------------------------------------------------------

CHART_WIDTH = 600
CHART_HEIGHT = 160
CHART_TOP = 10
CHART_BOTTOM = 24  # room for the labels


def throughput_bars(points: list[tuple[str, int, int]]) -> dict:
    """Bars for an inline SVG: each point a stacked bar, completed below failed."""
    if not points:
        return {"bars": [], "max": 0, "total": 0, "width": CHART_WIDTH, "height": CHART_HEIGHT}
    peak = max(done + failed for _label, done, failed in points) or 1
    slot = CHART_WIDTH / len(points)
    bar_width = max(slot * 0.7, 1.0)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    base = CHART_HEIGHT - CHART_BOTTOM
    bars = []
    label_every = max(1, len(points) // 6)
    for index, (label, done, failed) in enumerate(points):
        x = index * slot + (slot - bar_width) / 2
        done_height = usable * done / peak
        failed_height = usable * failed / peak
        when = parse_time(label)
        bars.append(
            {
                "x": round(x, 1),
                "width": round(bar_width, 1),
                "done": done,
                "failed": failed,
                "done_y": round(base - done_height, 1),
                "done_height": round(done_height, 1),
                "failed_y": round(base - done_height - failed_height, 1),
                "failed_height": round(failed_height, 1),
                "label": when.strftime("%H:%M") if when else label,
                "show_label": index % label_every == 0,
                "label_x": round(index * slot + slot / 2, 1),
            }
        )
    total = sum(done + failed for _label, done, failed in points)
    return {
        "bars": bars,
        "max": peak,
        "total": total,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "base": base,
    }


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=markdown, web_link=web_link, host=host, date=date, date_time=date_time
    )
    app.jinja_env.globals["page_numbers"] = page_numbers
