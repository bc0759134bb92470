"""Feed documents -> FeedData: ``parse_feed``, and the one module that
imports feedparser. decode.py turns the bytes into text feedparser's strict
parser takes, fields.py reads feedparser's result into FeedData, and
jsonfeed.py reads JSON Feed.

What is done rather than left to feedparser, and why:

* Decoding (decode.py). feedparser decodes strictly and, when the declared
  codec fails on a single bad byte, falls back to windows-1252 or
  ISO-8859-2: a GB2312 feed with one truncated character comes out as
  mojibake from end to end. Here the bytes are decoded once, with the
  supersets browsers use for the legacy labels (WHATWG Encoding Standard:
  gb2312/gbk -> GB18030, big5 -> Big5-HKSCS, shift_jis -> windows-31j,
  euc-kr -> windows-949), replacing only the bad bytes, and feedparser is
  handed UTF-8.
* Well-formedness fixes (decode.py) that let feedparser keep its strict
  (expat) parser instead of redoing the work with its slow loose parser:
  whitespace before the XML declaration, and C0 control characters that
  XML 1.0 §2.2 forbids.
* Sanitising and relative-URI rewriting inside HTML are switched off
  (``sanitize_html=False, resolve_relative_uris=False``): nh3 sanitises once
  later, and these pure-Python passes are over half of feedparser's time
  (real/ + chinese/ of the corpus: 11.7 s with them, 5.7 s without).
* Links (fields.py). feedparser resolves link elements against xml:base
  whatever the flags say; no Content-Location is passed, so a relative
  xml:base stays relative and everything is then joined to the document URL
  there. A content's own xml:base (or, without one, the entry link) becomes
  EntryData.content_base.
* feedparser's entity slip in links (fields.py): its loose parser (for
  documents that are not well-formed) reads the "&lang" of "...&lang=zh_CN"
  as the HTML entity 〈, and so for every HTML 4 entity name; links are
  given back their parameter (normalize.undo_entity_slip). Ids are left as
  they come: an entry is known by its id, and publishing maps ids
  (normalize.public_id).
* Dates: see feedhub.parse.dates (naive dates are in the source's timezone).
* JSON Feed, which feedparser 6 does not read: see feedhub.parse.jsonfeed.
"""

from __future__ import annotations

import io
import re
import xml.sax
from typing import Any

import feedparser
import feedparser.api

from feedhub.errors import ParseError
from feedhub.parse.decode import codec_name, decode_json, decode_xml, is_json, prepare_xml, split_content_type
from feedhub.parse.fields import feed_data
from feedhub.parse.jsonfeed import parse_json_feed
from feedhub.types import FeedData

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
    mime, charset = split_content_type(content_type)
    override = codec_name(encoding)
    if encoding and override is None:
        raise ParseError(f"unknown encoding {encoding!r} configured for this source")

    if is_json(content, mime):
        text = decode_json(content, charset, override)
        return parse_json_feed(text, url=url, timezone=timezone)

    text, lines_dropped = prepare_xml(decode_xml(content, charset, override))
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
    return feed_data(parsed, url=url, timezone=timezone)


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
