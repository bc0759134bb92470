"""What every output format shares: clean text, safe links, the attribution line.

The Atom feed and the HTML pages must credit a story's sources in the same
words, so the attribution is built here once, as an HTML fragment.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from html import escape
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feedhub import PROJECT_URL
from feedhub.errors import PublishError
from feedhub.normalize import as_uri, public_id, to_iri, undo_entity_slip
from feedhub.types import CategoryView, SiteInfo, SourceInfo, Story, StoryCopy

# A category's files under output/ (DESIGN.md, "The output").
FEED_FILE = "atom.xml"
PAGE_FILE = "index.html"

# A category without stories still needs an atom:updated (RFC 4287 §4.2.15);
# a fixed instant keeps its file byte-identical from run to run.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Characters outside XML 1.0's Char production (§2.2): C0 controls other than
# tab, LF and CR; the non-characters U+FFFE/U+FFFF; and surrogate code points,
# which in a Python str are always unpaired. lxml refuses them with ValueError,
# and HTML forbids the same controls, so every text is cleaned before output.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    # Every forbidden character is "Other" (Cc, Cs, Cn) to Unicode, so a
    # printable text has none: the common case, checked at half the regex's
    # cost (publishing calls this a hundred times a story).
    if text.isprintable():
        return text
    return _NOT_XML_CHAR.sub("", text)


# Cached: each link is asked for by every format and page a story is
# published in, five times or more in a cycle (bench/README.md).
@lru_cache(maxsize=1024)
def web_iri(url: str | None) -> str | None:
    """``url`` as a valid IRI (RFC 3987) if it is an absolute http(s) URL
    with a host, else None: what the HTML pages link (non-ASCII letters are
    shown as written there).

    Links to originals are put into pages and feeds as they are; refusing any
    other scheme keeps a ``javascript:`` or ``file:`` URL from ever becoming
    a live link. feedparser's entity slip ("…〈=zh_CN") is undone for links
    stored before parse.py undid it; a literal space, "|", a stray "%" are
    percent-encoded (RFC 3986 §2.1).
    """
    if not url:
        return None
    url = xml_safe(url).strip()
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
    except ValueError:  # e.g. an unclosed "[" in an IPv6 host
        return None
    return to_iri(undo_entity_slip(url) or url)


@lru_cache(maxsize=1024)
def web_url(url: str | None) -> str | None:
    """web_iri as a URI (RFC 3987 §3.1: the host in IDNA, every other
    non-ASCII character percent-encoded): what the feeds link. RSS 2.0 asks
    for URLs, and the W3C validator reads a non-ASCII character in an Atom
    link or id as an error ("IRI found where URL expected")."""
    iri = web_iri(url)
    return None if iri is None else as_uri(iri)


def feed_path(view: CategoryView) -> str:
    """The category's feed, as a URL path relative to output/."""
    return f"{quote(view.slug)}/{FEED_FILE}"


def page_path(view: CategoryView) -> str:
    """The category's page, as a URL path relative to output/."""
    return f"{quote(view.slug)}/{PAGE_FILE}"


# --- Entry pages and history (issue #5) ---------------------------------------

# An entry page's file name: 16 hex digits of the SHA-256 of the story's id.
# The id never changes, so neither does the name; 64 bits make a clash within
# one category (even of millions of stories) vanishingly unlikely. Only names
# of this shape are ever removed from a category folder.
ENTRY_FILE_RE = re.compile(r"^[0-9a-f]{16}\.html$")
ARCHIVE_DIR = "archive"  # <slug>/archive/<n>.xml: RFC 5005 archive documents
PAGES_DIR = "page"  # <slug>/page/<n>.html: the same stories as archive n, as HTML
ARCHIVE_FILE_RE = re.compile(r"^([1-9][0-9]*)\.xml$")
PAGE_FILE_RE = re.compile(r"^([1-9][0-9]*)\.html$")


@dataclass(frozen=True)
class ArchivePage:
    """One archive document of a category (<slug>/archive/<number>.xml) and
    its HTML twin (<slug>/page/<number>.html): the same stories, newest first.

    Pages are numbered from the oldest; ``first`` and ``last`` are the oldest
    and newest pages published, so that the page knows its neighbours.
    """

    number: int
    stories: tuple[Story, ...]
    first: int
    last: int
    # For a page without stories (all of its slots are still in the feed):
    # the newest date among its slots, fixed once the page is full, so that
    # its atom:updated is plausible and stable.
    empty_updated: datetime | None = None

    @property
    def older(self) -> int | None:
        return self.number - 1 if self.number > self.first else None

    @property
    def newer(self) -> int | None:
        return self.number + 1 if self.number < self.last else None


@dataclass(frozen=True)
class CategoryHistory:
    """What one publish writes and removes of one category's history.

    ``pages`` are written as archive/<n>.xml and page/<n>.html; with
    ``entries_of_pages`` the page of every story on them is written too (a
    rebuild). ``entries`` are further stories whose page is written (new or
    changed ones, and on a rebuild those of the feed). ``removed_pages`` and
    ``removed_entries`` (story ids) are deleted: what fell out of the
    retention. ``sweep`` (a rebuild) deletes every archive, page and story
    file of the category folder that this publish neither wrote nor found
    unchanged, whatever left it there.
    """

    pages: Iterable[ArchivePage] = ()
    entries: Iterable[Story] = ()
    removed_pages: Sequence[int] = ()
    removed_entries: Sequence[str] = ()
    entries_of_pages: bool = False
    sweep: bool = False


def entry_file(story_id: str) -> str:
    """The story's page in its category folder, e.g. "3f2a9c0d1b7e4a65.html"."""
    return hashlib.sha256(story_id.encode("utf-8", "surrogatepass")).hexdigest()[:16] + ".html"


def archive_path(view: CategoryView, number: int) -> str:
    """Archive document ``number``, as a URL path relative to output/."""
    return f"{quote(view.slug)}/{ARCHIVE_DIR}/{number}.xml"


def list_page_path(view: CategoryView, number: int) -> str:
    """The HTML page of archive ``number``, as a URL path relative to output/."""
    return f"{quote(view.slug)}/{PAGES_DIR}/{number}.html"


_DEFAULT_PORTS = {"http": 80, "https": 443}
# Name-based UUIDs of what a site without a base_url must still identify.
SITE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, PROJECT_URL)


def local_source_id(name: str, site: SiteInfo) -> str:
    """The public identifier of a source that has no public address (a
    ``file:`` source, read from the aggregator's own disk): nothing local is
    published, not its path (issue #13). Under the site's base_url (RFC
    3986 §3.5: a fragment of the home page, which the site's owner may
    mint), else a name-based UUID (RFC 4122 §4.3), as a feed id is without a
    base_url. Both are stable while the source keeps its name."""
    if site.base_url:
        base = web_url(site.base_url) or site.base_url
        return f"{base.split('#', 1)[0]}#source-{quote(xml_safe(name), safe='')}"
    return f"urn:uuid:{uuid.uuid5(SITE_NAMESPACE, 'source/' + name)}"


def source_feed_url(source: SourceInfo) -> str | None:
    """The source feed's public address: its http(s) URL (as a URI), else
    None (a file: source)."""
    return web_url(source.feed_url)


def source_address(source: SourceInfo, site: SiteInfo) -> str:
    """What RSS's <source url> and JSON Feed's source feed_url say: the
    feed's public URL, else the source's public identifier."""
    return source_feed_url(source) or local_source_id(source.name, site)


def source_feed_id(feed_id: str | None, feed_url: str, *, name: str = "", site: SiteInfo | None = None) -> str:
    """The id atom:source gives a source feed: the feed's own id when it is
    an absolute IRI (RFC 4287 §4.2.6; some feeds say "example"), as a URI,
    else its http(s) URL, else (a file: source, whose path is not
    published) local_source_id; an http(s) one in the canonical form of
    RFC 3986 §6.2.2 (scheme and host in lower case, no default port, "/" for
    an empty path), which the W3C validator asks of every atom:id. Not
    applied to entry ids: those are published as first given (public_id),
    and never change."""
    value = as_uri(xml_safe(feed_id or "").strip()) or web_url(feed_url)
    if value is None:
        return local_source_id(name, site or _NO_SITE)
    try:
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return value
        host = parts.hostname.lower()
        if ":" in host:  # IPv6
            host = f"[{host}]"
        port = parts.port
    except ValueError:
        return value
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + host + (f":{port}" if port and port != _DEFAULT_PORTS[scheme] else "")
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


_HEX = {b"&amp;": b"&#x26;", b"&lt;": b"&#x3C;", b"&gt;": b"&#x3E;"}


def hex_references(document: bytes, elements: Sequence[str], count: int = 0) -> bytes:
    """``document`` with "&", "<" and ">" in the text of ``elements`` (tags
    as serialised, e.g. "title", "dc:creator"; simple text content only)
    written as hexadecimal character references instead of &amp; &lt; &gt;.

    The RSS Advisory Board's RSS Profile asks this of plain text: a reader
    that guesses whether a title is HTML takes "&lt;b&gt;" for markup, but
    not "&#x3C;b&#x3E;", and the W3C validator warns about the former (in
    Atom too: "1&amp;1" reads to it as an HTML entity). To an XML parser
    the document is the same; attributes and other elements are untouched.
    """
    names = "|".join(re.escape(name) for name in elements)
    pattern = re.compile(rb"(<(" + names.encode() + rb")(?:\s[^>]*)?>)([^<]*)(</\2>)")

    def rewrite(match: re.Match[bytes]) -> bytes:
        text = re.sub(rb"&(?:amp|lt|gt);", lambda m: _HEX[m.group(0)], match.group(3))
        return match.group(1) + text + match.group(4)

    return pattern.sub(rewrite, document, count=count)


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def story_link(story: Story) -> str | None:
    """The original article as a URI: the story's link, else its canonical copy's."""
    return web_url(story.link) or web_url(story.canonical.link)


def story_iri(story: Story) -> str | None:
    """story_link as an IRI, for the HTML pages."""
    return web_iri(story.link) or web_iri(story.canonical.link)


def published_id(story: Story) -> str:
    """The story's id in every feed format: its stored id when that is a
    valid URI, which is every id feedhub stores now; an id stored before
    (an IRI, an invalid "urn:uuid:") as normalize.public_id publishes it."""
    return public_id(xml_safe(story.id))


def story_page_url(story: Story, view: CategoryView, site: SiteInfo, *, from_archive: bool = False) -> str:
    """The story's page, <slug>/<16 hex>.html: absolute under the base_url,
    else relative to a document of the category folder (or of its archive/)."""
    name = entry_file(story.id)
    if site.base_url:
        return f"{site.base_url}{quote(view.slug)}/{name}"
    return ("../" if from_archive else "") + name


def entry_link(story: Story, view: CategoryView, site: SiteInfo, *, from_archive: bool = False) -> str:
    """The link every format gives an entry: the original article, else the
    story's own page, so that no entry goes without one (issue #13)."""
    return story_link(story) or story_page_url(story, view, site, from_archive=from_archive)


def first_text(*candidates: str | None) -> str:
    """The first candidate with visible text once cleaned, else ""."""
    for text in candidates:
        cleaned = xml_safe(text or "").strip()
        if cleaned:
            return cleaned
    return ""


def story_author(story: Story) -> str:
    """The story's author; an empty or blank one falls back to its source's
    name, so every entry names someone (RFC 4287 §4.1.2)."""
    return first_text(story.author, story.canonical.author, story.canonical.source.name)


def _credit(copy: StoryCopy, fallback_link: str | None = None) -> str:
    """One source's name, linking its copy of the article when there is one."""
    name = escape(xml_safe(copy.source.name))
    link = web_url(copy.link) or fallback_link
    if link is None:
        return name
    return f'<a href="{escape(link, quote=True)}">{name}</a>'


def published_html(story: Story, language: str) -> str:
    """The story as every feed format carries it: its HTML, then the
    attribution line, without characters XML forbids."""
    # Atom, RSS and JSON Feed each ask for it: made once per story (a pass
    # over the whole text, bench/README.md). Kept by the story's identity,
    # with a weak reference that tells a story from a later one at the same
    # address, so that no story is kept alive for it.
    key = (id(story), language)
    known = _PUBLISHED.get(key)
    if known is not None and known[0]() is story:
        return known[1]
    html = xml_safe(story.content + attribution_html(story, language))
    if len(_PUBLISHED) >= _PUBLISHED_KEPT:
        _PUBLISHED.clear()

    def forget(ref: weakref.ref[Story]) -> None:  # the story is gone: so is its text
        if _PUBLISHED.get(key, (None,))[0] is ref:
            _PUBLISHED.pop(key, None)

    _PUBLISHED[key] = (weakref.ref(story, forget), html)
    return html


_PUBLISHED: dict[tuple[int, str], tuple[weakref.ref[Story], str]] = {}
_PUBLISHED_KEPT = 1024  # the stories of the largest views, and more


def attribution_html(story: Story, language: str) -> str:
    """The visible credit closing every published story (DESIGN.md, "Every
    published Atom entry"): the canonical source, then the others, if any."""
    if is_chinese(language):
        source_label, also_label, sep, origin_label = "文章来源：", "同时刊载于：", "、", "（转载自 {}）"
    else:
        source_label, also_label, sep, origin_label = "Source: ", "Also reported by: ", ", ", " (originally published by {})"
    # A reprint shown (no copy of the original is in the story, or a
    # priority chose it) also credits the outlet it names (issue #17).
    origin = xml_safe(story.canonical.origin or "").strip()
    credit = _credit(story.canonical, story_link(story)) + (origin_label.format(escape(origin)) if origin else "")
    html = f'<p class="attribution">{source_label}{credit}</p>'
    if story.others:
        others = sep.join(_credit(copy) for copy in story.others)
        html += f'<p class="also">{also_label}{others}</p>'
    return html


# --- Feed formats (issue #5: which ones are written is configurable) ----------


@dataclass(frozen=True)
class FeedFormat:
    """One published feed format: its name in the config, its file in the
    category folder, and the media type it is linked and served with."""

    name: str
    file: str
    media_type: str
    label: str  # as shown in the pages' navigation


# In preference order: the first enabled one is the category's main feed,
# listed in feeds.opml and linked first from the pages.
FEED_FORMATS: dict[str, FeedFormat] = {
    # RFC 4287 §7 registers application/atom+xml.
    "atom": FeedFormat("atom", FEED_FILE, "application/atom+xml", "Atom"),
    # Not IANA-registered, but what every reader and browser looks for in
    # <link rel="alternate"> (RSS Advisory Board, "RSS Autodiscovery").
    "rss": FeedFormat("rss", "rss.xml", "application/rss+xml", "RSS"),
    # JSON Feed 1.1 moved from application/json to this more specific type.
    "json": FeedFormat("json", "feed.json", "application/feed+json", "JSON Feed"),
}
DEFAULT_FORMATS: tuple[str, ...] = tuple(FEED_FORMATS)


def feed_formats(names: Sequence[str]) -> tuple[FeedFormat, ...]:
    """The formats named, once each, in preference order (atom, rss, json).

    Raises ValueError on an unknown name or an empty selection: a category
    must be published in at least one format.
    """
    unknown = [name for name in names if name not in FEED_FORMATS]
    if unknown:
        raise ValueError(f"unknown feed format {unknown[0]!r}: choose from {', '.join(FEED_FORMATS)}")
    chosen = tuple(fmt for name, fmt in FEED_FORMATS.items() if name in names)
    if not chosen:
        raise ValueError(f"no feed format chosen: choose at least one of {', '.join(FEED_FORMATS)}")
    return chosen


def format_path(view: CategoryView, fmt: FeedFormat) -> str:
    """The category's feed in ``fmt``, as a URL path relative to output/."""
    return slug_format_path(view.slug, fmt)


def slug_format_path(slug: str, fmt: FeedFormat) -> str:
    """format_path for the category of ``slug``."""
    return f"{quote(slug)}/{fmt.file}"


_NO_SITE = SiteInfo(title="", base_url=None, language="", timezone="UTC")


@lru_cache(maxsize=16)
def site_zone(name: str) -> tzinfo:
    """The site's timezone (an IANA name, checked when the config is read)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PublishError(f"unknown site.timezone {name!r}: use an IANA name such as Asia/Shanghai") from error


def site_time(moment: datetime, site: SiteInfo) -> datetime:
    """``moment`` as the site's readers read it: the same instant, in the
    site's timezone (issue #17: 2024-05-03T10:00:00+08:00 for Asia/Shanghai,
    as the portals feedhub serves show their dates), in every format.

    RFC 4287 §3.3 and RFC 3339 §5.6 allow any offset, RFC 822 §5.1 (RSS)
    a "+HHMM" zone, and JSON Feed asks for RFC 3339. Neither has a place
    for the seconds of an offset, which zones had before standard time
    (Shanghai's +08:05:43 until 1901): such a moment is written in UTC."""
    local = moment.astimezone(site_zone(site.timezone))
    offset = local.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        return moment.astimezone(timezone.utc)
    return local
