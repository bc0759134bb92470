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
import html.entities
import re
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

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
    """A text title that is never empty: the title, else the text's start,
    else the link. (An entry with none of the three is dropped: is_empty.)"""
    text = _title_text(title)
    if text:
        return text
    if content_text:
        return content_text[:80] + ("…" if len(content_text) > 80 else "")
    return link or LEGACY_UNTITLED


# What clean_title gave an entry with no title, link nor text before such
# entries were dropped (issue #13): stores still hold them under this title.
LEGACY_UNTITLED = "Untitled"


def is_empty(title: str, link: str | None, content_html: str, content_text: str | None = None) -> bool:
    """True when an entry has nothing to show: no title, no link, and no
    text (a truncated document's last item, an item of whitespace or of a
    lone image). Publishing it would give an "Untitled" story whose only
    text is the attribution line, linking nowhere; it is dropped and counted
    (issue #13)."""
    if title.strip() or link:
        return False
    return not (html_to_text(content_html) if content_text is None else content_text)


def is_empty_stored(title: str, link: str | None, content_html: str) -> bool:
    """is_empty for an entry stored before empty ones were dropped, whose
    title is then the LEGACY_UNTITLED placeholder."""
    return is_empty("" if title == LEGACY_UNTITLED else title, link, content_html)


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


def normalize_entry(data: EntryData, feed: FeedData, source_name: str, fetched_at: datetime) -> Entry | None:
    """One parsed entry -> a clean Entry with a stable id; None when it has
    nothing to show (is_empty)."""
    return _normalize(data, feed, source_name, fetched_at, with_text=False)[0]


def _normalize(data: EntryData, feed: FeedData, source_name: str, fetched_at: datetime,
               with_text: bool = True) -> tuple[Entry | None, str | None]:
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
    if is_empty(title_text, link, content, text):
        return None, None
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
    return normalize_feed_counted(feed, source_name, fetched_at, with_text)[0]


def normalize_feed_counted(feed: FeedData, source_name: str, fetched_at: datetime,
                           with_text: bool = True) -> tuple[list[tuple[Entry, str | None]], int]:
    """normalize_feed_with_text, and how many entries were dropped as empty
    (is_empty), for ``feedhub status``."""
    seen: set[str] = set()
    entries = []
    empty = 0
    for data in feed.entries:
        entry, text = _normalize(data, feed, source_name, fetched_at, with_text)
        if entry is None:
            empty += 1
            continue
        if entry.entry_id in seen:
            continue
        seen.add(entry.entry_id)
        entries.append((entry, text))
    return entries, empty


# --- Public identifiers and links (issue #13) --------------------------------
#
# What feedhub publishes as an id or a link must be a valid IRI (RFC 3987),
# and a valid URI (RFC 3986: ASCII only) wherever a URI is required: RSS
# links and guids, and, for the W3C feed validator, which reads every
# non-ASCII character in atom:id and atom:link as an error, Atom too.

# feedparser's loose parser (used for documents that are not well-formed,
# such as a query written with a bare "&") decodes "&lang" in
# "...&lang=zh_CN" as the HTML 4 entity &lang; (U+2329): the link comes out
# as "...〈=zh_CN". Every name of html.entities.name2codepoint does the same
# (&para, &times, &copy, &reg, &not, &sect, &cent, &pound, &yen, &micro ...).
# In a URL, such a character right before "=" and right after the previous
# parameter's value (a real parameter name follows "?" or "&") is the slip:
# it is turned back into "&name". Only the non-ASCII ones are undone: "&amp",
# "&lt", "&gt" and "&quot" are left as they come.
_SLIPPED = {chr(code): name for code, name in html.entities.codepoint2name.items() if code > 127}
_SLIP = re.compile("([^?&])([" + re.escape("".join(_SLIPPED)) + "])(?==)")


def undo_entity_slip(url: str | None) -> str | None:
    """``url`` with feedparser's decoded entity names in its query and
    fragment put back as parameters ("…〈=zh_CN" -> "…&lang=zh_CN")."""
    if not url or url.isascii():
        return url
    start = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=-1)
    if start < 0:
        return url
    tail = _SLIP.sub(lambda m: f"{m.group(1)}&{_SLIPPED[m.group(2)]}", url[start:])
    return url[:start] + tail


# RFC 3986 §2: unreserved, sub-delims, ":" "@" (pchar), "/" "?" and "%"
# (a percent-encoded octet is left as it is; a stray "%" is fixed below).
_URI_SAFE = "!$&'()*+,;=:@/?%~-._"
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3987 §2.2: ucschar, the non-ASCII characters an IRI may hold outside
# its query (which may also hold iprivate; such IRIs are not worth a case).
_UCSCHAR = ("\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
            "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
            "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
            "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd")
# RFC 3987 §4.1: bidirectional formatting characters MUST NOT appear in an IRI.
_BIDI_FORMATTING = "\u200e\u200f\u202a-\u202e"
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
# RFC 3986 §3 (and RFC 3987 §2.2 with ipchar): scheme ":" hier-part [ "?"
# query ] [ "#" fragment ]. Checked as: only these characters, "%" only in
# %XX, one "#" at most, "[" and "]" only around an IP-literal host (a
# character class and three cheap checks: a regex of alternatives per
# character took 70 µs an id).
_URI_CHARS = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%\[\]]*$")
_IRI_CHARS = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#%\[\]" + _UCSCHAR + "]*$")
_IP_LITERAL = re.compile(r"^[^:]*://(?:[^/?#\[\]@]*@)?\[[0-9A-Fa-f:.]+\](?::[0-9]*)?(?:[/?#][^\[\]]*)?$")


class _Grammar:
    """RFC 3986 §3 URI or RFC 3987 §2.2 IRI syntax, as a ``match`` method."""

    def __init__(self, chars: re.Pattern[str]) -> None:
        self.chars = chars

    def match(self, value: str) -> bool:
        return bool(self.chars.match(value) and not _STRAY_PERCENT.search(value) and value.count("#") <= 1
                    and ("[" not in value and "]" not in value or _IP_LITERAL.match(value)))


_URI = _Grammar(_URI_CHARS)
_IRI = _Grammar(_IRI_CHARS)
# RFC 4122 §3: the string form of a UUID (hex digits in either case on input).
_UUID_URN = re.compile(r"^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", re.I)
# RFC 8141 §2: "urn:" NID ":" NSS, NID of 2 to 32 letters, digits and "-".
_URN = re.compile(rf"^urn:[A-Za-z0-9][A-Za-z0-9\-]{{0,30}}[A-Za-z0-9]:{_PCHAR}(?:{_PCHAR}|/)*"
                  rf"(?:\?[+=](?:{_PCHAR}|[/?])*)*(?:#(?:{_PCHAR}|[/?])*)?$", re.I)
# RFC 4151 §2.1: "tag:" authorityName "," date ":" specific [ "#" fragment ],
# the authority a DNS name or an e-mail address, the date YYYY[-MM[-DD]].
# (Lower case is only RECOMMENDED for the DNS name; the W3C validator wants
# it, but a valid tag is never rewritten.)
_DNSNAME = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*"
_TAG = re.compile(rf"^tag:(?:[A-Za-z0-9\-._]+@)?{_DNSNAME},[0-9]{{4}}(?:-[0-9]{{2}}(?:-[0-9]{{2}})?)?:"
                  rf"(?:{_PCHAR}|[/?])*(?:#(?:{_PCHAR}|[/?])*)?$", re.I)


def valid_uri(value: str) -> bool:
    """An absolute URI (RFC 3986 §4.3) that a published id or link may be:
    http(s) with a host, a UUID URN of RFC 4122, a URN of RFC 8141, a tag of
    RFC 4151, or any other scheme's URI but file:, which names a local file."""
    return _valid(value, _URI)


def valid_iri(value: str) -> bool:
    """valid_uri for an IRI (RFC 3987 §2.2): non-ASCII letters allowed."""
    return _valid(value, _IRI)


def _valid(value: str, grammar: _Grammar) -> bool:
    if not grammar.match(value):
        return False
    scheme = value.split(":", 1)[0].lower()
    if scheme in ("http", "https"):
        try:  # RFC 9110 §4.2.1: an http(s) URI has a host
            return bool(urlsplit(value).hostname)
        except ValueError:
            return False
    if scheme == "urn":
        if value[4:9].lower() == "uuid:":
            return bool(_UUID_URN.match(value))
        return bool(_URN.match(iri_to_uri(value)))
    if scheme == "tag":
        return bool(_TAG.match(iri_to_uri(value)))
    return scheme != "file"


def iri_to_uri(iri: str) -> str:
    """The URI of an IRI (RFC 3987 §3.1): a non-ASCII host in its IDNA
    ASCII form (RFC 3490, Python's "idna" codec), every other non-ASCII
    character as the %XX of its UTF-8 bytes; characters no URI may hold
    (space, "<", ">", '"', "{", "}", "|", "\\", "^", "`", and "[", "]" or a
    second "#" outside an IPv6 host) percent-encoded too, and a "%" that
    starts no %XX written "%25". A valid URI is returned unchanged."""
    if _URI.match(iri):
        return iri
    scheme, colon, rest = iri.partition(":")
    authority = ""
    if colon and rest.startswith("//"):
        end = min((i for i in (rest.find(c, 2) for c in "/?#") if i >= 0), default=len(rest))
        authority, rest = rest[:end], rest[end:]
        userinfo, at, hostport = authority[2:].rpartition("@")
        if not hostport.startswith("["):
            host, sep, port = hostport.partition(":")
            try:
                host = host.encode("idna").decode("ascii") if not host.isascii() else host
            except UnicodeError:  # a label too long for DNS: RFC 3986 §3.2.2 allows %XX
                host = quote(host, safe="!$&'()*+,;=-._~")
            hostport = host + sep + port
        authority = "//" + quote(userinfo + at, safe=_URI_SAFE) + hostport
    fragment_at = rest.find("#")
    if fragment_at >= 0:
        rest = quote(rest[:fragment_at], safe=_URI_SAFE) + "#" + quote(rest[fragment_at + 1:], safe=_URI_SAFE)
    else:
        rest = quote(rest, safe=_URI_SAFE)
    return (scheme + colon if colon else "") + authority + _STRAY_PERCENT.sub("%25", rest)


def to_iri(url: str) -> str:
    """``url`` as a valid IRI (RFC 3987 §2.2): what iri_to_uri does, but
    with non-ASCII letters kept (pages show them as written), and the
    characters RFC 3987 §4.1 forbids (bidirectional formatting ones, and
    non-characters) percent-encoded."""
    if _IRI.match(url) and not _BIDI.search(url):
        return url
    uri = iri_to_uri(url)
    # Decode back the UTF-8 of letters an IRI may hold; keep the rest encoded.
    return re.sub(r"(?:%[0-9A-F]{2})+", _decode_ucschar, uri)


_IRI_LETTER = re.compile(f"^[{_UCSCHAR}]$")
_BIDI = re.compile(f"[{_BIDI_FORMATTING}]")


def _decode_ucschar(match: re.Match[str]) -> str:
    """A run of %XX: the characters an IRI may hold decoded (RFC 3987 §3.2),
    the others left as they were written."""
    encoded = match.group(0)
    try:
        text = bytes.fromhex(encoded.replace("%", "")).decode("utf-8")
    except UnicodeDecodeError:
        return encoded
    return "".join(c if _IRI_LETTER.match(c) and not _BIDI.match(c) else quote(c, safe="") for c in text)


# Ids that are not valid URIs are published as a name-based UUID (RFC 4122
# §4.3) of the id in this namespace: the same on every run and machine.
_PUBLIC_ID_NAMESPACE = uuid.UUID("2b0f6a1e-9c47-5d3a-8e61-4f0c9b7d2a53")


@lru_cache(maxsize=4096)
def public_id(value: str) -> str:
    """The id under which an entry is published (atom:id, RSS guid, JSON
    Feed id): ``value`` when it is a valid URI (valid_uri); a valid IRI
    converted to its URI (RFC 3987 §3.1), feedparser's entity slip undone
    first; anything else (an invalid "urn:uuid:", a space, a bare "%", a
    file: URL) a UUID URN derived from it (RFC 4122 §4.3), stable from run
    to run. Ids that were valid URIs never change (a reader shows an entry
    whose id changed twice, RFC 4287 §4.2.6.1)."""
    value = value.strip()
    return as_uri(value) or f"urn:uuid:{uuid.uuid5(_PUBLIC_ID_NAMESPACE, value)}"


def as_uri(value: str) -> str | None:
    """``value`` if it is a valid URI; the URI of a valid IRI (RFC 3987
    §3.1), feedparser's entity slip undone first; else None."""
    if valid_uri(value):
        return value
    if not value.isascii():
        undone = undo_entity_slip(value) or value
        if valid_iri(undone):
            uri = iri_to_uri(undone)
            if valid_uri(uri):
                return uri
    return None
