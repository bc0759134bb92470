"""Pure functions that turn a parsed entry into a clean, storable one.

Canonical URLs (to find the same article at another source), sanitised HTML
with absolute links, text titles, stable ids and content hashes. nh3 (the
Rust ammonia sanitiser) is the only library imported here; it replaces
feedparser's pure-Python sanitiser and relative-URI pass, which were half of
feedparser's time in the peer's profile (issue #2).
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import nh3

from feedhub.types import Entry, EntryData, FeedData

# XML 1.0 §2.2 forbids C0 controls other than tab, LF and CR, the surrogates,
# and U+FFFE/U+FFFF. feedgen raises ValueError on them (issue #2), and an XML
# reader rejects the whole feed, so they go before anything is stored.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Query parameters that only track the reader, never select the article.
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|spm|from|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|_hsenc|_hsmi|ref_src)$", re.I)

# Dates this far past the fetch are wrong clocks or typos: they would pin an
# entry to the top of the feed for years (issue #3).
FUTURE_TOLERANCE = timedelta(minutes=10)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def strip_forbidden(text: str) -> str:
    return _XML_FORBIDDEN.sub("", text)


def canonical_url(url: str | None) -> str | None:
    """A key under which the same article at two addresses compares equal.

    http and https, `www.` and `m.` hosts, default ports, a trailing slash, the
    fragment, tracking parameters and the order of the query do not make
    another article. The scheme is left out of the key.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    for prefix in ("www.", "m.", "wap."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/+$", "", parts.path) or ""
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING_PARAMS.match(k))
    return host + path + ("?" + urlencode(query) if query else "")


def absolute_http_url(url: str | None, base: str | None) -> str | None:
    """`url` made absolute against `base`; None unless it is http(s)."""
    if not url:
        return None
    url = strip_forbidden(url.strip())
    joined = urljoin(base or "", url) if base else url
    scheme = urlsplit(joined).scheme.lower()
    return joined if scheme in ("http", "https") else None


def sanitize_html(fragment: str, base: str | None) -> str:
    """Remove active content (script, event handlers, javascript: URLs...) and
    make every link and image absolute, in one pass of nh3."""
    if not fragment:
        return ""

    # ammonia resolves relative URLs itself (url_relative): a Python
    # callback per attribute was a fifth of the normalising time (bench/).
    relative = ("rewrite_with_base", base) if base and _is_absolute_http(base) else None
    try:
        cleaned = nh3.clean(strip_forbidden(fragment), url_relative=relative, link_rel="noopener noreferrer")
    except ValueError:  # a base ammonia's URL parser refuses: links stay as written
        cleaned = nh3.clean(strip_forbidden(fragment), link_rel="noopener noreferrer")
    return cleaned.strip()


def _is_absolute_http(url: str) -> bool:
    return url.startswith(("http://", "https://"))


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, whitespace collapsed."""
    # A space before each tag keeps "<p>a</p><p>b</p>" two words.
    text = nh3.clean((fragment or "").replace("<", " <"), tags=set())
    return " ".join(html.unescape(text).split())


def _title_text(title: str | None) -> str:
    return " ".join(strip_forbidden(html.unescape(title or "")).split())


def clean_title(title: str | None, content_text: str, link: str | None) -> str:
    """A text title that is never empty: the title, else the text's start, else the link."""
    text = _title_text(title)
    if text:
        return text
    if content_text:
        return content_text[:80] + ("…" if len(content_text) > 80 else "")
    return link or "Untitled"


def fingerprint(title: str, text: str) -> str:
    """A hash of the title and text, insensitive to markup, width and case."""
    normal = unicodedata.normalize("NFKC", f"{title}\n{text}").casefold()
    return hashlib.sha256(" ".join(normal.split()).encode("utf-8")).hexdigest()


def clamp_date(value: datetime | None, fetched_at: datetime) -> datetime | None:
    """Future dates become the fetch time; dates before 1970 are dropped."""
    if value is None:
        return None
    if value > fetched_at + FUTURE_TOLERANCE:
        return fetched_at
    if value < _EPOCH:
        return None
    return value


def normalize_entry(data: EntryData, feed: FeedData, source_name: str, fetched_at: datetime) -> Entry:
    """One parsed entry -> a clean Entry with a stable id."""
    return _normalize(data, feed, source_name, fetched_at, with_text=False)[0]


def _normalize(data: EntryData, feed: FeedData, source_name: str, fetched_at: datetime,
               with_text: bool = True) -> tuple[Entry, str | None]:
    """The clean Entry and, ``with_text``, the plain text of its content
    (which near-duplicate signatures need too: computed once). Without, the
    text is made only if the entry needs it (no title, no id nor link): a
    pass of nh3 per entry saved, a fifth of normalising (bench/README.md)."""
    base = feed.link or feed.url
    link = absolute_http_url(data.link, base)
    content_base = data.content_base or link or base
    body = data.content if data.content and len(data.content) >= len(data.summary or "") else data.summary
    content = sanitize_html(body or "", content_base)
    summary = sanitize_html(data.summary or "", content_base) if data.summary and data.summary != body else ""
    title_text = _title_text(data.title)
    # The source's own id is what stays stable across edits; without one, the
    # link; without either, the content itself (such an entry changes identity
    # when edited, which nothing better can avoid).
    raw_id = strip_forbidden(data.id or "").strip()
    needs_text = with_text or not (raw_id or link) or not title_text
    text = html_to_text(content) if needs_text else ""
    title = title_text or clean_title(None, text, link)
    entry_id = raw_id or link or "sha256:" + fingerprint(title, text)
    canonical = absolute_http_url(data.canonical_link, link or base)
    entry = Entry(
        source=source_name,
        entry_id=entry_id,
        link=link,
        canonical_url=canonical_url(canonical or link),
        title=title,
        author=" ".join(strip_forbidden(data.author or "").split()) or None,
        published=clamp_date(data.published, fetched_at),
        updated=clamp_date(data.updated, fetched_at),
        content=content,
        summary=summary,
        tags=tuple(dict.fromkeys(t for t in (" ".join(strip_forbidden(t).split()) for t in data.tags) if t)),
        content_hash=hashlib.sha256(f"{title}\x00{content}".encode("utf-8", "replace")).hexdigest(),
    )
    return entry, text if with_text else None


def normalize_feed(feed: FeedData, source_name: str, fetched_at: datetime) -> list[Entry]:
    """Every entry of a feed, normalised; duplicate ids inside one feed keep the first."""
    return [entry for entry, _ in normalize_feed_with_text(feed, source_name, fetched_at, with_text=False)]


def normalize_feed_with_text(feed: FeedData, source_name: str, fetched_at: datetime,
                             with_text: bool = True) -> list[tuple[Entry, str | None]]:
    """normalize_feed, each entry with the plain text of its content (None
    unless ``with_text``)."""
    seen: set[str] = set()
    entries = []
    for data in feed.entries:
        entry, text = _normalize(data, feed, source_name, fetched_at, with_text)
        if entry.entry_id in seen:
            continue
        seen.add(entry.entry_id)
        entries.append((entry, text))
    return entries
