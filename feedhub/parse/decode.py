"""Bytes -> text that feedparser's strict parser takes, and JSON text: the
decoding and the well-formedness fixes of feed.py's list (see there why
they are done here rather than left to feedparser), and the defusing of
entity declarations that could attack the parser (issue #6)."""

from __future__ import annotations

import codecs
import re

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


def codec_name(label: str | None) -> str | None:
    """A label from a document or header -> a Python codec name, or None."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def split_content_type(content_type: str | None) -> tuple[str, str | None]:
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


def decode_xml(content: bytes, http_charset: str | None, override: str | None) -> str:
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
        for codec in (codec_name(http_charset), codec_name(_xml_declared_encoding(content)))
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


def prepare_xml(text: str) -> tuple[str, int]:
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


def is_json(content: bytes, mime: str) -> bool:
    start = content.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if start == b"<":
        return False
    return start == b"{" or "json" in mime


def decode_json(content: bytes, http_charset: str | None, override: str | None) -> str:
    """RFC 8259 §8.1 says UTF-8, but GBK JSON Feeds exist
    (illformed/rssant__gbk_gb18030.json): after UTF-8, try the HTTP charset,
    then GB18030 (its strict decode fails on most non-GB text)."""
    if override:
        return content.decode(override, "replace").lstrip("\ufeff")
    for codec in filter(None, ["utf-8-sig", codec_name(http_charset), "gb18030"]):
        try:
            return content.decode(codec)
        except UnicodeDecodeError:
            pass
    return content.decode("utf-8", "replace")
