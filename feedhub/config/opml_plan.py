"""Deciding an OPML import: which outlines are feeds, which become sources,
named what, in which categories; which are skipped and why.

Pure functions over frozen dataclasses (`find_feeds`, `plan_import`,
`url_key`, `category_name`): the OPML document comes in as an
:class:`~feedhub.config.opml_document.OpmlDocument`, the config as an
:class:`ExistingConfig`, and a :class:`Plan` goes out, for yaml_edit.py to
write. How the readers' dialects differ is in opml_import.py's docstring.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from feedhub.config.opml_document import OpmlDocument, Outline
from feedhub.errors import FeedhubError

# Where feeds that sit in no folder go unless --category names another.
# FreshRSS calls its default folder the same, so its export merges into it.
DEFAULT_CATEGORY = "Uncategorized"

# Outline types that are feeds feedhub reads. No type at all is a feed too
# (Miniflux writes none). Anything else with an xmlUrl is reported and left
# out: FreshRSS's HTML+XPath, XML+XPath, JSON+DotNotation sources point at
# pages feedhub cannot parse, and "link"/"include" point at pages or other
# OPML files.
FEED_TYPES = frozenset({"rss", "atom", "feed", "json", "jsonfeed"})

# Nested folders are joined into one category name: Tech > Linux -> "Tech / Linux".
FOLDER_SEPARATOR = " / "

# An OPML file is someone else's document: a name longer than this is cut, so
# that a hostile one cannot bloat the config.
MAX_NAME = 120

# ${VAR} in any string of the config is replaced by the environment variable
# (load.py). A feed URL from an OPML file must never smuggle one in: polled,
# it would send the variable's value (a token, a cookie) to that server.
_ENV_RE = re.compile(r"\$\{(?=[A-Za-z_][A-Za-z0-9_]*\})")


# --- what the config holds --------------------------------------------------


@dataclass(frozen=True)
class ExistingSource:
    name: str
    url: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExistingConfig:
    sources: tuple[ExistingSource, ...]
    categories: tuple[str, ...]  # those listed under `categories:`
    implicit_categories: bool = False  # `implicit_categories: true`


# --- what is decided --------------------------------------------------------


@dataclass(frozen=True)
class FoundFeed:
    """A feed outline, once per URL: Feedly lists a feed in each of its folders."""

    url: str
    name: str  # cleaned text/title; "" when the outline has neither
    html_url: str | None
    folders: tuple[tuple[str, ...], ...]  # folder paths it sits in, and its category paths


@dataclass(frozen=True)
class Skipped:
    name: str
    url: str
    reason: str
    already: bool = False  # the feed is in the config already (not an unusable outline)


@dataclass(frozen=True)
class NewSource:
    name: str
    url: str
    categories: tuple[str, ...]
    wanted_name: str | None = None  # the OPML's name, when taken and so changed


@dataclass(frozen=True)
class Plan:
    sources: tuple[NewSource, ...]
    categories: tuple[str, ...]  # to append to `categories:`
    skipped: tuple[Skipped, ...]

    @property
    def changes(self) -> bool:
        return bool(self.sources or self.categories)


# --- deciding ---------------------------------------------------------------


def clean_text(value: str | None) -> str:
    """Whitespace collapsed (Feedly leaves trailing spaces), a ${VAR} defused,
    cut to MAX_NAME characters."""
    text = " ".join((value or "").split())
    text = _ENV_RE.sub("$ {", text)
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1].rstrip() + "…"


def url_key(url: str) -> str:
    """What makes two feed URLs the same feed here: scheme and host in any
    case, a default port, a trailing slash, a fragment or credentials make no
    difference; the path's case and the query do."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if not parts.scheme or not parts.netloc:
        return url.rstrip("/")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port is not None and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{parts.path.rstrip('/')}{query}"


def category_key(name: str) -> str:
    """Category names the user would call the same: "tech" is "Tech", "ＡＩ" is "AI"."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def category_name(path: tuple[str, ...]) -> str:
    return FOLDER_SEPARATOR.join(path)


def _category_paths(attribute: str | None) -> list[tuple[str, ...]]:
    """OPML 2.0 `category`: "tech,/news/world" -> [("tech",), ("news", "world")]."""
    paths = []
    for entry in (attribute or "").split(","):
        path = tuple(part for part in (clean_text(p) for p in entry.split("/")) if part)
        if path:
            paths.append(path)
    return paths


def _feed_url_problem(url: str) -> str | None:
    """Why this URL cannot be a source, or None."""
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return "the URL contains spaces or control characters"
    if _ENV_RE.search(url):
        return "the URL contains ${…}, which the config would replace by an environment variable"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        # file: URLs and relative paths would read this machine's files; the
        # exec:/filter: of newsboat and Liferea run programs.
        return "not an http(s) URL"
    return None


def find_feeds(outlines: tuple[Outline, ...]) -> tuple[tuple[FoundFeed, ...], tuple[Skipped, ...]]:
    """Which outlines are feeds, and in which folders.

    An outline with an xmlUrl is a feed (if its type allows); one without is a
    folder, named by its text or title (Flym and others give folders
    type="rss" too); a folder with no name adds no level. The same URL met
    twice is one feed in every folder it was met in.
    """
    found: dict[str, dict] = {}
    skipped: list[Skipped] = []

    def walk(outline: Outline, path: tuple[str, ...]) -> None:
        xml_url = (outline.xml_url or "").strip()
        kind = (outline.type or "").strip()
        name = clean_text(outline.text) or clean_text(outline.title)
        if xml_url:
            problem = None
            if kind and kind.lower() not in FEED_TYPES:
                problem = f'type "{kind}" is not a feed feedhub reads'
            problem = problem or _feed_url_problem(xml_url)
            if problem:
                skipped.append(Skipped(name, xml_url, problem))
            else:
                paths = [path] if path else []
                paths += _category_paths(outline.category)
                entry = found.setdefault(url_key(xml_url), {
                    "url": xml_url, "name": name, "html_url": (outline.html_url or "").strip() or None, "folders": []})
                entry["folders"] += [p for p in paths if p not in entry["folders"]]
                entry["name"] = entry["name"] or name
            # A feed's own children (rare) are read as if beside it.
            for child in outline.children:
                walk(child, path)
            return
        if outline.url and kind.lower() in ("link", "include"):
            skipped.append(Skipped(name, outline.url.strip(), f'type "{kind}" is a link, not a feed'))
        for child in outline.children:
            walk(child, (*path, name) if name else path)

    for outline in outlines:
        walk(outline, ())
    feeds = tuple(FoundFeed(e["url"], e["name"], e["html_url"], tuple(e["folders"])) for e in found.values())
    return feeds, tuple(skipped)


def _host(url: str | None) -> str:
    try:
        host = urlsplit(url or "").hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def unique_name(wanted: str, url: str, taken: set[str]) -> str:
    """`wanted`, else `wanted (host)`, else `wanted (2)`, `wanted (3)`…"""
    if wanted not in taken:
        return wanted
    host = _host(url)
    if host and f"{wanted} ({host})" not in taken:
        return f"{wanted} ({host})"
    n = 2
    while f"{wanted} ({n})" in taken:
        n += 1
    return f"{wanted} ({n})"


def plan_import(document: OpmlDocument, existing: ExistingConfig, default_category: str = DEFAULT_CATEGORY) -> Plan:
    """Which feeds become sources, named what, in which categories; which are skipped and why."""
    feeds, skipped = find_feeds(document.outlines)
    skipped_list = list(skipped)
    present = {}
    for source in existing.sources:
        present.setdefault(url_key(source.url), source.name)
    taken = {s.name for s in existing.sources}
    known = _known_categories(existing)
    declared = {category_key(c) for c in existing.categories}

    default = clean_text(default_category)
    if not default:
        raise FeedhubError("--category: give a category name for the feeds outside any folder")

    sources: list[NewSource] = []
    new_categories = _created_by_sources(existing, declared)
    for feed in feeds:
        key = url_key(feed.url)
        if key in present:
            skipped_list.append(Skipped(feed.name or feed.url, feed.url,
                                        f'already in the config as "{present[key]}"', already=True))
            continue
        wanted = feed.name or _host(feed.html_url) or _host(feed.url) or feed.url
        name = unique_name(wanted, feed.url, taken)
        taken.add(name)
        present[key] = name  # the same feed twice in the OPML was merged by find_feeds
        categories = _feed_categories(feed, default, known, declared, new_categories)
        sources.append(NewSource(name, feed.url, categories, wanted if name != wanted else None))
    if not sources:
        new_categories.clear()  # nothing imported: the config stays as it is
    return Plan(tuple(sources), tuple(new_categories.values()), tuple(skipped_list))


def _known_categories(existing: ExistingConfig) -> dict[str, str]:
    """Known categories, by the key that makes "tech" the same as "Tech": those
    listed, then those sources name, then sources' own (a source with no
    categories has one named after it)."""
    known: dict[str, str] = {}
    for name in (*existing.categories, *(c for s in existing.sources for c in s.categories),
                 *(s.name for s in existing.sources if not s.categories)):
        known.setdefault(category_key(name), name)
    return known


def _created_by_sources(existing: ExistingConfig, declared: set[str]) -> dict[str, str]:
    """The categories to list before the imported ones, by category_key."""
    new_categories: dict[str, str] = {}
    if not existing.categories and not existing.implicit_categories:
        # Once `categories:` lists any, a source naming one it does not list
        # is a mistake (load.py): a config that had no list, its sources
        # creating their categories, gets theirs listed too, first. (With a
        # list already, such a name is a typo check-config reports: left alone.)
        for source in existing.sources:
            for name in source.categories:
                if category_key(name) not in declared:
                    new_categories.setdefault(category_key(name), name)
    return new_categories


def _feed_categories(feed: FoundFeed, default: str, known: dict[str, str], declared: set[str],
                     new_categories: dict[str, str]) -> tuple[str, ...]:
    """The categories of a feed's folders (`default` when it is in none), each
    spelled as a known one; those `categories:` does not list yet are added
    to `new_categories`."""
    categories: list[str] = []
    for wanted_category in [category_name(p) for p in feed.folders] or [default]:
        resolved = known.setdefault(category_key(wanted_category), wanted_category)
        if resolved not in categories:
            categories.append(resolved)
        if category_key(resolved) not in declared:
            new_categories.setdefault(category_key(resolved), resolved)
    return tuple(categories)
