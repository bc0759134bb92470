"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/) -> FeedData.

Standard library only; feedparser 6 does not read JSON Feed. Every field is
type-checked: a value of the wrong type is ignored, never an error, because
real feeds get details wrong (see illformed/lemon24-reader__invalid.json).
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from feedhub.parse.dates import parse_date
from feedhub.errors import ParseError
from feedhub.types import EntryData, FeedData

# The helpers after parse_json_feed are shared with parse.py.
__all__ = ["parse_json_feed", "text_to_html", "absolute_url", "collapse_space"]

# file: for sources read from disk (the offline demo) whose links are relative.
_LINK_SCHEMES = {"http", "https", "ftp", "file"}
_VERSION = re.compile(r"^https?://jsonfeed\.org/version/(?P<number>[^/]+)/?$")


def parse_json_feed(text: str, *, url: str, timezone: str = "UTC") -> FeedData:
    """Parse a decoded JSON Feed document read from ``url``.

    Raises ParseError when the text is not JSON or not a JSON Feed.
    """
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        message = error.msg.removesuffix(" at")  # "Invalid control character at"
        raise ParseError(f"not a feed: invalid JSON at line {error.lineno} column {error.colno}: {message}") from None
    except RecursionError:
        raise ParseError("not a feed: the JSON document is nested too deeply") from None
    if not isinstance(doc, dict):
        raise ParseError("not a feed: the JSON document is not a JSON Feed (not an object)")
    version = _version(doc)
    items = doc.get("items")
    if version is None and not isinstance(items, list):
        raise ParseError("not a feed: the JSON document is not a JSON Feed (no jsonfeed.org version, no items)")

    home = absolute_url(url, doc.get("home_page_url"))
    feed_url = absolute_url(url, doc.get("feed_url"))
    # The spec says nothing about relative URLs; the site's home page, then
    # the feed's own URL, are the natural bases (like an HTML page's).
    base = home or feed_url or url
    feed_author = _author(doc)
    entries = tuple(
        _entry(item, base, timezone, feed_author)
        for item in (items if isinstance(items, list) else ())
        if isinstance(item, dict)
    )
    return FeedData(
        url=feed_url if feed_url and urlsplit(feed_url).scheme in ("http", "https") else url,
        version=version or "json",
        title=collapse_space(doc.get("title")),
        link=home,
        id=None,  # JSON Feed has no feed-level id
        updated=None,  # nor a feed-level date
        author=feed_author,
        language=collapse_space(doc.get("language")),
        entries=entries,
        ttl_seconds=None,
        hub=_websub_hub(doc.get("hubs")),
    )


def _websub_hub(hubs: Any) -> str | None:
    """JSON Feed 1.1 "hubs": [{"type": "WebSub", "url": ...}]."""
    for hub in hubs if isinstance(hubs, list) else ():
        if isinstance(hub, dict) and str(hub.get("type", "")).lower() == "websub":
            url = hub.get("url")
            if isinstance(url, str) and urlsplit(url.strip()).scheme in ("http", "https"):
                return url.strip()
    return None


def text_to_html(text: str) -> str:
    """Plain text as HTML: escaped, blank lines -> paragraphs, newlines -> <br>."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line.strip(), quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def _version(doc: dict[str, Any]) -> str | None:
    value = doc.get("version")
    m = _VERSION.match(value.strip()) if isinstance(value, str) else None
    if not m:
        return None
    return {"1": "json10", "1.0": "json10", "1.1": "json11"}.get(m["number"], "json")


def _entry(item: dict[str, Any], base: str, timezone: str, feed_author: str | None) -> EntryData:
    # "external_url" is the page an item talks about (linkblogs); it is the
    # best link there is only when the item has no "url" of its own.
    link = absolute_url(base, item.get("url")) or absolute_url(base, item.get("external_url"))
    content_html = _string(item.get("content_html"))
    content_text = _string(item.get("content_text"))
    if content_html:
        content = content_html
    elif content_text:
        content = text_to_html(content_text)
    else:
        content = None
    summary = _string(item.get("summary"))  # plain text in JSON Feed
    return EntryData(
        id=_id(item.get("id")),
        link=link,
        title=collapse_space(item.get("title")),
        # 1.1 §"authors": an item without authors has the feed's.
        author=_author(item) or feed_author,
        published=_date(item.get("date_published"), timezone),
        updated=_date(item.get("date_modified"), timezone),
        content=content,
        summary=text_to_html(summary) if summary else None,
        content_base=link or base,
        tags=_tags(item.get("tags")),
        canonical_link=None,
    )


def _id(value: Any) -> str | None:
    """1.1: "If an id is presented as a number or other type, a JSON Feed
    reader must coerce it to a string." An empty id is no id."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _author(node: dict[str, Any]) -> str | None:
    """Names of ``authors`` (1.1), else of ``author`` (1.0), joined."""
    people = node.get("authors")
    if not isinstance(people, list) or not people:
        people = [node.get("author")]
    names: list[str] = []
    for person in people:
        name = collapse_space(person.get("name")) if isinstance(person, dict) else None
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    tags: list[str] = []
    for tag in value:
        text = collapse_space(tag)
        if text and text not in tags:
            tags.append(text)
    return tuple(tags)


def _date(value: Any, timezone: str) -> datetime | None:
    return parse_date(value, timezone) if isinstance(value, str) else None


def absolute_url(base: str, value: Any) -> str | None:
    """Resolve ``value`` against ``base``; None unless the result is an
    absolute URL a reader can open. Other schemes are dropped: feedparser
    turns an Atom id or RSS guid into the link when there is none, giving
    "tag:" or "urn:" links, and javascript:/data: links are never wanted."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        resolved = urljoin(base, value.strip())
        parts = urlsplit(resolved)
    except ValueError:  # e.g. an invalid IPv6 host, "http://[x/"
        return None
    scheme = parts.scheme.lower()
    if scheme not in _LINK_SCHEMES or (scheme != "file" and not parts.netloc):
        return None
    return resolved


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def collapse_space(value: Any) -> str | None:
    """A one-line text: runs of ASCII whitespace -> one space, ends trimmed;
    None for non-strings and empty text. The ideographic space U+3000 and
    no-break spaces inside the text are kept: CJK titles use them on purpose."""
    if not isinstance(value, str):
        return None
    return _ASCII_SPACE.sub(" ", value).strip() or None
