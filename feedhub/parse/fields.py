"""feedparser's result -> FeedData: the feed's and its entries' fields,
with the links, authors, titles and dates read as feed.py's list says. Works
on the dictionaries feedparser returns; feedparser itself is imported by
feed.py alone."""

from __future__ import annotations

import calendar
import html
import re
from datetime import datetime, timezone as dt_timezone
from html.parser import HTMLParser
from typing import Any, Mapping
from urllib.parse import urlsplit

from feedhub.normalize import undo_entity_slip
from feedhub.parse.dates import parse_date
from feedhub.parse.jsonfeed import absolute_url as _absolute_url
from feedhub.parse.jsonfeed import collapse_space, text_to_html
from feedhub.types import EntryData, FeedData


def feed_data(parsed: Any, *, url: str, timezone: str) -> FeedData:
    feed = parsed.feed
    version = parsed.get("version") or "unknown"
    feed_author = _author(feed, version)
    # RFC 4287 §4.2.1: an Atom entry without authors has the feed's.
    inherited_author = feed_author if version.startswith("atom") else None
    entries = tuple(_entry(e, url, timezone, inherited_author, version) for e in parsed.entries)
    return FeedData(
        url=_self_link(feed) or url,
        version=version,
        title=_title(feed, version),
        link=absolute_url(url, feed.get("link")),
        id=_id(feed.get("id")),
        updated=_date(feed, ("updated", "published"), timezone),
        author=feed_author,
        language=collapse_space(feed.get("language")),
        entries=entries,
        ttl_seconds=_ttl_seconds(feed),
        hub=_hub_link(feed),
    )


def _entry(e: Any, url: str, timezone: str, inherited_author: str | None, version: str) -> EntryData:
    link = absolute_url(url, e.get("link"))
    canonical = next(
        (absolute_url(url, other.get("href")) for other in e.get("links", ()) if other.get("rel") == "canonical"),
        None,
    )
    content, base = _content(e)
    return EntryData(
        # "id" is the guid or atom:id; feedparser never invents one (it only
        # copies a permalink guid into "link", which is fine to keep).
        id=_id(dict.get(e, "id")),
        link=link,
        title=_title(e, version),
        author=_author(e, version) or inherited_author,
        published=_date(e, ("published", "created"), timezone),
        updated=_date(e, ("updated",), timezone),
        content=content,
        summary=_summary(e),
        content_base=(absolute_url(url, base) if base else None) or link or url,
        tags=_tags(e),
        canonical_link=canonical,
    )


def absolute_url(base: str, value: Any) -> str | None:
    """jsonfeed.absolute_url for a link feedparser read: its entity slip undone."""
    return undo_entity_slip(_absolute_url(base, value))


def _html_value(detail: Mapping[str, Any]) -> str | None:
    """A text construct's value as HTML (plain text is escaped), or None
    for other media types (application/xml, an out-of-line src, ...)."""
    value = detail.get("value") or ""
    kind = detail.get("type") or "text/html"
    if not value.strip():
        return None
    if "html" in kind:
        return value
    if kind.startswith("text/"):
        return text_to_html(value)
    return None


def _content(e: Any) -> tuple[str | None, str | None]:
    """The fullest body and the xml:base in force where it was written."""
    best: tuple[str | None, str | None] = (None, None)
    for detail in e.get("content", ()):
        value = _html_value(detail)
        if value and len(value) > len(best[0] or ""):
            best = (value, detail.get("base") or None)
    if best[0] is None and "summary_detail" in e:
        best = (_html_value(e["summary_detail"]), e["summary_detail"].get("base") or None)
    return best


def _summary(e: Any) -> str | None:
    # feedparser copies content:encoded into "summary" when there is no
    # description; only a real summary element leaves a summary_detail.
    detail = dict.get(e, "summary_detail")
    return _html_value(detail) if detail else None


def _title(node: Any, version: str) -> str | None:
    title = node.get("title")
    if not title:
        return None
    kind = (node.get("title_detail") or {}).get("type", "text/plain")
    if "html" in kind:
        return collapse_space(html_to_text(title))
    if not version.startswith("atom"):
        # RSS titles are often escaped twice ("AT&amp;amp;T"); Atom type="text"
        # is plain text by definition (RFC 4287 §3.1.1.1) and is left alone.
        title = _unescape(title)
    return collapse_space(title)


def _author(node: Any, version: str) -> str | None:
    if not version.startswith("atom"):
        # RSS <author>/<managingEditor> is free text, usually "email (Name)".
        # feedparser's email regex stops at 4-letter TLDs and splits
        # "jonas@insanity.industries (Jonas)" into name "stries (Jonas", so
        # the raw string is read here instead.
        return _person_name(node.get("author"))
    names = []
    for person in node.get("authors") or ():
        name = collapse_space(person.get("name"))
        if name and name not in names:
            names.append(name)
    return ", ".join(names) or collapse_space(node.get("author"))


_EMAIL_THEN_NAME = re.compile(r"^\S+@\S+\s*\((?P<name>[^()]+)\)$")  # "dave@userland.com (Dave Winer)"
_NAME_THEN_EMAIL = re.compile(r"^(?P<name>[^<>]+?)\s*<[^<>@\s]+@[^<>\s]+>$")  # "Dave Winer <dave@userland.com>"


def _person_name(raw: Any) -> str | None:
    text = collapse_space(raw)
    if text is None:
        return None
    m = _EMAIL_THEN_NAME.match(text) or _NAME_THEN_EMAIL.match(text)
    return collapse_space(m.group("name")) if m else text


def _tags(e: Any) -> tuple[str, ...]:
    tags: list[str] = []
    for tag in e.get("tags") or ():
        term = collapse_space(tag.get("term")) or collapse_space(tag.get("label"))
        if term and term not in tags:
            tags.append(term)
    return tuple(tags)


def _date(node: Any, keys: tuple[str, ...], timezone: str) -> datetime | None:
    """The first of ``keys`` that gives a date. The raw string is parsed by
    feedhub.parse.dates (naive -> source timezone); feedparser's own UTC tuple is the
    fallback for the formats only it knows (W3C-DTF variants, Korean, ...)."""
    for key in keys:
        raw = dict.get(node, key)
        if raw:
            found = parse_date(raw, timezone)
            if found is not None:
                return found
        fallback = dict.get(node, key + "_parsed")
        if fallback:
            try:
                return datetime.fromtimestamp(calendar.timegm(fallback), dt_timezone.utc)
            except (OverflowError, ValueError, OSError):
                pass
    return None


def _self_link(feed: Any) -> str | None:
    return _absolute_link(feed, "self")


def _hub_link(feed: Any) -> str | None:
    """The WebSub hub (rel="hub", W3C WebSub §4: atom:link in Atom and RSS)."""
    return _absolute_link(feed, "hub")


def _absolute_link(feed: Any, rel: str) -> str | None:
    for link in feed.get("links") or ():
        if link.get("rel") == rel:
            href = undo_entity_slip((link.get("href") or "").strip()) or ""
            parts = urlsplit(href)
            if parts.scheme in ("http", "https") and parts.netloc:
                return href
    return None


_DAY = 86400
_SYNDICATION_PERIODS = {"hourly": 3600, "daily": _DAY, "weekly": 7 * _DAY, "monthly": 30 * _DAY, "yearly": 365 * _DAY}


def _ttl_seconds(feed: Any) -> int | None:
    """RSS 2.0 <ttl> (minutes), else the RSS 1.0 syndication module's
    updatePeriod / updateFrequency (times per period, default 1)."""
    ttl = _positive_int(feed.get("ttl"))
    if ttl:
        return ttl * 60
    period = _SYNDICATION_PERIODS.get((feed.get("sy_updateperiod") or "").strip().lower())
    if period is None:
        return None
    frequency = _positive_int(feed.get("sy_updatefrequency")) or 1
    return max(period // frequency, 1)


def _positive_int(value: Any) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _id(value: Any) -> str | None:
    """Ids are opaque (RFC 4287 §4.2.6): only surrounding whitespace goes."""
    return (value.strip() or None) if isinstance(value, str) else None


_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _unescape(text: str) -> str:
    return html.unescape(text) if _ENTITY.search(text) else text


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment: tags dropped, entities decoded."""
    if "<" not in markup and "&" not in markup:
        return markup
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)
