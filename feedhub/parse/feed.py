"""Feed documents -> FeedData. The one module that imports feedparser.

What is done here rather than left to feedparser, and why:

* Decoding. feedparser decodes strictly and, when the declared codec fails
  on a single bad byte, falls back to windows-1252 or ISO-8859-2: a GB2312
  feed with one truncated character comes out as mojibake from end to end.
  Here the bytes are decoded once, with the supersets browsers use for the
  legacy labels (WHATWG Encoding Standard: gb2312/gbk -> GB18030, big5 ->
  Big5-HKSCS, shift_jis -> windows-31j, euc-kr -> windows-949), replacing
  only the bad bytes, and feedparser is handed UTF-8.
* Well-formedness fixes that let feedparser keep its strict (expat) parser
  instead of redoing the work with its slow loose parser: whitespace before
  the XML declaration, and C0 control characters that XML 1.0 §2.2 forbids.
* Sanitising and relative-URI rewriting inside HTML are switched off
  (``sanitize_html=False, resolve_relative_uris=False``): nh3 sanitises once
  later, and these pure-Python passes are over half of feedparser's time
  (real/ + chinese/ of the corpus: 11.7 s with them, 5.7 s without).
* Links. feedparser resolves link elements against xml:base whatever the
  flags say; no Content-Location is passed, so a relative xml:base stays
  relative and everything is then joined to the document URL here. A
  content's own xml:base (or, without one, the entry link) becomes
  EntryData.content_base.
* feedparser's entity slip in links: its loose parser (for documents that
  are not well-formed) reads the "&lang" of "...&lang=zh_CN" as the HTML
  entity 〈, and so for every HTML 4 entity name; links are given back
  their parameter (normalize.undo_entity_slip). Ids are left as they come:
  an entry is known by its id, and publishing maps ids (normalize.public_id).
* Dates: see feedhub.parse.dates (naive dates are in the source's timezone).
* JSON Feed, which feedparser 6 does not read: see feedhub.parse.jsonfeed.
"""

from __future__ import annotations

import calendar
import codecs
import html
import io
import re
import xml.sax
from datetime import datetime, timezone as dt_timezone
from html.parser import HTMLParser
from typing import Any, Mapping
from urllib.parse import urlsplit

import feedparser
import feedparser.api

from feedhub.parse.dates import parse_date
from feedhub.errors import ParseError
from feedhub.parse.jsonfeed import absolute_url as _absolute_url
from feedhub.parse.jsonfeed import collapse_space, parse_json_feed, text_to_html
from feedhub.normalize import undo_entity_slip
from feedhub.types import EntryData, FeedData

__all__ = ["parse_feed"]

# feedparser's strict parser with expat's text buffering: see parse/saxdriver.py.
# The libxml2 driver feedparser prefers is never installed by feedhub; it
# stays in the list behind ours, as feedparser has it.
SAX_DRIVER = "feedhub.parse.saxdriver"
if feedparser.api.PREFERRED_XML_PARSERS[:1] != [SAX_DRIVER]:
    feedparser.api.PREFERRED_XML_PARSERS = [SAX_DRIVER, *feedparser.api.PREFERRED_XML_PARSERS]


def parse_feed(
    content: bytes,
    *,
    url: str,
    content_type: str | None = None,
    encoding: str | None = None,
    timezone: str = "UTC",
) -> FeedData:
    """Parse one RSS, RDF, Atom or JSON Feed document.

    ``url`` is where it was read from (the base for relative links);
    ``content_type`` the HTTP Content-Type header, charset included;
    ``encoding`` a per-source override of every declared charset;
    ``timezone`` the IANA zone for dates written without one.

    Raises ParseError (one line) when the document is not a usable feed.
    """
    if not content or not content.strip():
        raise ParseError("not a feed: empty document")
    if content[:2] == b"\x1f\x8b":
        raise ParseError("not a feed: the body is gzip data (a Content-Encoding was not undone)")
    mime, charset = _split_content_type(content_type)
    override = _codec(encoding)
    if encoding and override is None:
        raise ParseError(f"unknown encoding {encoding!r} configured for this source")

    if _is_json(content, mime):
        text = _decode_json(content, charset, override)
        return parse_json_feed(text, url=url, timezone=timezone)

    text, lines_dropped = _prepare_xml(_decode_xml(content, charset, override))
    if not text.strip():
        raise ParseError("not a feed: empty document")
    # We re-encoded to UTF-8, so the charset we pass on must say so; the media
    # type is kept (feedparser only uses it to flag non-XML types as bozo).
    headers = {"content-type": f"{mime}; charset=utf-8"} if mime else None
    parsed = feedparser.parse(
        io.BytesIO(text.encode("utf-8")),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    _check_usable(parsed, text, mime, lines_dropped)
    return _feed_data(parsed, url=url, timezone=timezone)


# --- decoding -----------------------------------------------------------------

# Legacy labels read with the superset codec that real publishers actually
# use under that name (WHATWG Encoding Standard, §4.2 "Names and labels").
_SUPERSET_LABELS = {
    "gb18030": "gb2312 gbk gb_2312 gb_2312-80 csgb2312 x-gbk cp936 ms936 windows-936 euc-cn chinese "
    "iso-ir-58 csiso58gb231280 gb18030",
    "big5hkscs": "big5 big5-tw cn-big5 csbig5 x-x-big5 big5-hkscs big5hkscs",
    "cp932": "shift_jis shift-jis sjis x-sjis ms_kanji csshiftjis windows-31j ms932",
    "cp949": "euc-kr euc_kr ks_c_5601-1987 ks_c_5601-1989 ksc5601 cseuckr windows-949",
    "cp1252": "us-ascii ascii ansi_x3.4-1968",
}
_SUPERSETS = {label: codec for codec, labels in _SUPERSET_LABELS.items() for label in labels.split()}
_UTF16_32 = {"utf-16", "utf-16-be", "utf-16-le", "utf-32", "utf-32-be", "utf-32-le"}

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# "<?" in UTF-16/32 without a byte-order mark (XML 1.0 Appendix F.1).
_WIDE_MARKERS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_XML_DECL_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:\-]+)["']""")


def _codec(label: str | None) -> str | None:
    """A label from a document or header -> a Python codec name, or None."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _split_content_type(content_type: str | None) -> tuple[str, str | None]:
    if not content_type:
        return "", None
    mime, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'") or None
    return mime.strip().lower(), charset


def _bom(content: bytes) -> tuple[str, int] | None:
    for mark, codec in _BOMS:
        if content.startswith(mark):
            return codec, len(mark)
    return None


def _decode_xml(content: bytes, http_charset: str | None, override: str | None) -> str:
    """Decode an XML document; never fails, replaces only undecodable bytes.
    ``override`` is a codec name (already mapped to its superset)."""
    if override:
        return content.decode(override, "replace")  # a BOM left in is stripped later
    bom = _bom(content)
    if bom:
        # A byte-order mark outranks every declaration (WHATWG "BOM sniff").
        return content[bom[1]:].decode(bom[0], "replace")
    for marker, codec in _WIDE_MARKERS:
        if content.startswith(marker):
            return content.decode(codec, "replace")

    # From here the document is ASCII-compatible, so a declared UTF-16/32
    # is a mistake (illformed/rssant__utf-8.not-utf-16.xml) and is ignored.
    declared = [
        codec
        for codec in (_codec(http_charset), _codec(_xml_declared_encoding(content)))
        if codec and codec not in _UTF16_32
    ]
    # UTF-8 first: it validates itself (legacy text is almost never valid
    # UTF-8), while GB18030 or Big5 decode almost any byte string, so a
    # successful strict decode with them proves little.
    for codec in ["utf-8", *declared]:
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            pass
    legacy = [codec for codec in declared if codec != "utf-8"]
    if legacy:
        # A few bad bytes (a truncated character, a stray byte) must not turn
        # a GB2312 document into windows-1252 mojibake, as feedparser does.
        return content.decode(legacy[0], "replace")
    as_utf8 = content.decode("utf-8", "replace")
    bad = as_utf8.count("\ufffd")
    good = len(as_utf8) - len(as_utf8.encode("ascii", "ignore")) - bad  # valid non-ASCII characters
    if good >= 100 * bad:
        return as_utf8  # UTF-8 with a cut-off tail (chinese/rssant__https-tmioe-com-feed.xml)
    return content.decode("cp1252", "replace")  # the web's legacy default (WHATWG)


def _xml_declared_encoding(content: bytes) -> str | None:
    m = _XML_DECL_ENCODING.match(content[:1024])
    return m.group(1).decode("ascii") if m else None


_LEADING = re.compile(r"^[\ufeff\s]+")
_XML_DECL = re.compile(r"^<\?xml[^>]*\?>")
# XML 1.0 §2.2 Char: these code points may not appear in a document, even
# escaped; expat stops at them and feedparser falls back to its loose parser.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _prepare_xml(text: str) -> tuple[str, int]:
    """Make the decoded text acceptable to expat; return it with the number
    of lines removed from its start (to report line numbers of the original)."""
    leading = _LEADING.match(text)
    dropped = 0
    if leading:
        # Whitespace before "<?xml" is a fatal error (XML 1.0 §2.8, the
        # declaration must come first); several real feeds start with "\n".
        dropped = leading.group().count("\n")
        text = text[leading.end():]
    text = _XML_DECL.sub('<?xml version="1.0" encoding="utf-8"?>', text, count=1)
    return _FORBIDDEN.sub("", _defuse_entities(text)), dropped


# An entity declaration in the DTD's internal subset: a general or parameter
# entity, internal (a quoted value) or external (SYSTEM/PUBLIC).
_ENTITY_DECL = re.compile(r"""<!ENTITY\s+(%\s*)?(\S+)\s+(?:(SYSTEM|PUBLIC)\b|(["'])(.*?)\4)""", re.S)
_MAX_EXPANSION = 1 << 20  # characters entities may add to a document


def _defuse_entities(text: str) -> str:
    """Drop a DOCTYPE whose entities could attack the parser (issue #6).

    Billion laughs (entities built from entities), quadratic blow-up (one big
    entity referenced many times: 325 MB in feedparser for a 100 KB document)
    and external entities (file:///etc/passwd, http://127.0.0.1/...) all live
    in the internal subset. A harmless subset (short internal values, no
    nesting, a bounded total expansion; real feeds use it for &nbsp; and
    friends) is kept. Otherwise the whole DOCTYPE goes: its references become
    undefined, and feedparser's lenient parser keeps them as text.
    """
    start = text.find("<!DOCTYPE", 0, 8192)
    if start < 0:
        return text
    bracket = text.find("[", start)
    close = text.find(">", start)
    if bracket < 0 or close < bracket:
        return text  # no internal subset: only a public identifier, as RSS 0.91 has
    end = re.compile(r"\]\s*>").search(text, bracket)
    if end is None:
        return text[:start]  # an unterminated subset: nothing after it is a document
    declarations = _ENTITY_DECL.findall(text, bracket, end.start())
    expansion = 0
    safe = True
    for parameter, name, external, _quote, value in declarations:
        # A value referring to another entity (not a character reference) nests.
        if parameter or external or re.search(r"&[^#]|%", value):
            safe = False
            break
        expansion += len(value) * text.count(f"&{name};", end.end())
    if safe and expansion <= _MAX_EXPANSION:
        return text
    return text[:start] + text[end.end():]


def _is_json(content: bytes, mime: str) -> bool:
    start = content.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if start == b"<":
        return False
    return start == b"{" or "json" in mime


def _decode_json(content: bytes, http_charset: str | None, override: str | None) -> str:
    """RFC 8259 §8.1 says UTF-8, but GBK JSON Feeds exist
    (illformed/rssant__gbk_gb18030.json): after UTF-8, try the HTTP charset,
    then GB18030 (its strict decode fails on most non-GB text)."""
    if override:
        return content.decode(override, "replace").lstrip("\ufeff")
    for codec in filter(None, ["utf-8-sig", _codec(http_charset), "gb18030"]):
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            pass
    return content.decode("utf-8", "replace")


# --- is it a feed? ----------------------------------------------------------------

_HTML_START = re.compile(r"^(?:<\?[^>]*>|<!--.*?-->|\s)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
_ROOT = re.compile(r"^(?:<\?[^>]*>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>|\s)*<([A-Za-z_][\w.:-]*)", re.DOTALL)


def _check_usable(parsed: Any, text: str, mime: str, lines_dropped: int) -> None:
    """Accept anything with a feed version or an entry (bozo or not, as
    feedparser's loose parser recovers most broken feeds); otherwise say
    in one line what the document is instead."""
    if parsed.get("version") or parsed.entries:
        return
    root = _ROOT.match(text)
    if _HTML_START.match(text[:4096]) or (mime == "text/html" and not root):
        raise ParseError("not a feed: the document is an HTML page")
    if root is None:
        raise ParseError("not a feed: no XML element found")
    error = parsed.get("bozo_exception")
    if isinstance(error, xml.sax.SAXParseException):
        line = error.getLineNumber() + lines_dropped
        raise ParseError(f"malformed XML at line {line}: {error.getMessage()}")
    raise ParseError(f"not a feed: the root element <{root.group(1)}> is not RSS, RDF or Atom")


# --- feedparser's result -> FeedData ----------------------------------------------


def _feed_data(parsed: Any, *, url: str, timezone: str) -> FeedData:
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
    for link in feed.get("links") or ():
        if link.get("rel") == "self":
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


# --- text helpers -----------------------------------------------------------------


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
