"""`feedhub import-opml FILE`: a feed reader's OPML export -> sources in the config.

Most users arrive with an export from Miniflux, FreshRSS, Inoreader, Feedly,
newsboat or lemon24/reader. Their dialects differ only in details: folders
are outlines without an xmlUrl (some of them say type="rss" all the same);
a feed's name is in `text`, `title` or both (newsboat before 2.33 wrote only
`title`, reader writes neither for an untitled feed); FreshRSS adds
web-scraping sources (type="HTML+XPath" and friends) that are not feeds;
newsboat's OPML 2.0 export carries its tags in a `category` attribute; Feedly
lists a feed once in each of its folders.

The deciding is done by pure functions over frozen dataclasses
(`find_feeds`, `plan_import`, `url_key`, `category_name`, `report_lines`);
reading the XML and editing the YAML are thin I/O around them. The config is
edited with ruamel.yaml's round-trip mode, so its comments, key order and
quoting stay as they were; new categories and sources are appended to their
lists, and the file is replaced atomically, and only after the result has
passed the same validation as `feedhub check-config`.

ruamel.yaml is imported here and nowhere else (load.py reads with PyYAML).
"""

from __future__ import annotations

import difflib
import io
import os
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from feedhub.config.load import read_config_text
from feedhub.errors import ConfigError, FeedhubError

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
# Deeper than this is not a reader's folder tree (and would exhaust Python's stack).
MAX_DEPTH = 64

# ${VAR} in any string of the config is replaced by the environment variable
# (load.py). A feed URL from an OPML file must never smuggle one in: polled,
# it would send the variable's value (a token, a cookie) to that server.
_ENV_RE = re.compile(r"\$\{(?=[A-Za-z_][A-Za-z0-9_]*\})")


class OpmlError(FeedhubError):
    """The OPML file cannot be read or is not an OPML subscription list."""


# --- what the OPML file says ------------------------------------------------


@dataclass(frozen=True)
class Outline:
    """One <outline>, its attributes by lowercase name (dialects differ in case)."""

    text: str | None = None
    title: str | None = None
    xml_url: str | None = None
    html_url: str | None = None
    type: str | None = None
    category: str | None = None  # OPML 2.0: comma-separated, slash-delimited paths
    url: str | None = None  # type="link"/"include" outlines
    children: tuple[Outline, ...] = ()


@dataclass(frozen=True)
class OpmlDocument:
    outlines: tuple[Outline, ...]


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


# --- the decisions ----------------------------------------------------------


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


@dataclass(frozen=True)
class Result:
    """What import_opml did (or, with dry_run, would do)."""

    plan: Plan
    opml_path: Path
    config_path: Path
    dry_run: bool
    diff: str  # unified diff of the config file
    written: bool
    earlier_problems: tuple[str, ...] = ()  # the config's own, before the import


# --- pure functions ---------------------------------------------------------


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

    # Known categories, by the key that makes "tech" the same as "Tech": those
    # listed, then those sources name, then sources' own (a source with no
    # categories has one named after it).
    known: dict[str, str] = {}
    for name in (*existing.categories, *(c for s in existing.sources for c in s.categories),
                 *(s.name for s in existing.sources if not s.categories)):
        known.setdefault(category_key(name), name)
    declared = {category_key(c) for c in existing.categories}

    default = clean_text(default_category)
    if not default:
        raise FeedhubError("--category: give a category name for the feeds outside any folder")

    sources: list[NewSource] = []
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
        categories: list[str] = []
        for wanted_category in [category_name(p) for p in feed.folders] or [default]:
            resolved = known.setdefault(category_key(wanted_category), wanted_category)
            if resolved not in categories:
                categories.append(resolved)
            if category_key(resolved) not in declared:
                new_categories.setdefault(category_key(resolved), resolved)
        sources.append(NewSource(name, feed.url, tuple(categories), wanted if name != wanted else None))
    if not sources:
        new_categories.clear()  # nothing imported: the config stays as it is
    return Plan(tuple(sources), tuple(new_categories.values()), tuple(skipped_list))


def report_lines(plan: Plan) -> list[str]:
    """One line per decision, diff-like: + added, = already there, - left out."""
    lines = [f"+ category {name}" for name in plan.categories]
    for s in plan.sources:
        renamed = f'  (renamed: "{s.wanted_name}" is taken)' if s.wanted_name else ""
        lines.append(f"+ source {s.name}  {s.url}  [{', '.join(s.categories)}]{renamed}")
    for s in plan.skipped:
        lines.append(f"{'=' if s.already else '-'} skipped {s.name or '(untitled)'}  {s.url}: {s.reason}")
    return lines


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def summary_line(result: Result) -> str:
    """The last line of the report: what was added, what was skipped."""
    plan = result.plan
    already = sum(s.already for s in plan.skipped)
    parts = [f"{already} already in the config"] if already else []
    if len(plan.skipped) > already:
        parts.append(f"{len(plan.skipped) - already} not usable")
    skipped = f"; skipped {', '.join(parts)}" if parts else ""
    source = result.opml_path.name
    if not plan.changes:
        return f"nothing to add from {source}{skipped}; {result.config_path} unchanged"
    what = (f"{_count(len(plan.sources), 'source', 'sources')} and "
            f"{_count(len(plan.categories), 'new category', 'new categories')} from {source} to {result.config_path}")
    if result.dry_run:
        return f"would add {what}{skipped} (dry run: nothing written)"
    return f"added {what}{skipped}"


def print_result(result: Result, out=None) -> None:
    """The report on stdout: with --dry-run the diff of the config first, then
    one line per decision and a summary; the config's own earlier problems
    on stderr."""
    out = out or sys.stdout
    if result.dry_run and result.diff:
        out.write(result.diff if result.diff.endswith("\n") else result.diff + "\n")
        out.write("\n")
    for line in report_lines(result.plan):
        print(line, file=out)
    print(f"feedhub: {summary_line(result)}", file=out)
    if result.earlier_problems:
        print(f"feedhub: note: {result.config_path} already had {_count(len(result.earlier_problems), 'problem', 'problems')} "
              "before the import (see feedhub check-config); the import added none", file=sys.stderr)


# --- reading the OPML file --------------------------------------------------


def _local(name: str) -> str:
    """'{namespace}Outline' -> 'outline'."""
    return name.rsplit("}", 1)[-1].lower()


def parse_opml(data: bytes, where: str = "OPML") -> OpmlDocument:
    """Bytes -> OpmlDocument; OpmlError naming `where` for anything else.

    defusedxml refuses entity declarations (billion laughs, quadratic blowup,
    external entities) before anything is expanded.
    """
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as e:
        raise OpmlError(f"{where}: refused: the document declares XML entities or external references "
                        f"({type(e).__name__}), which an OPML file has no use for") from None
    except ParseError as e:
        raise OpmlError(f"{where}: not a well-formed XML document: {e}") from None
    except (ValueError, LookupError) as e:  # an unknown encoding, NUL bytes
        raise OpmlError(f"{where}: not a readable XML document: {e}") from None
    if _local(root.tag) != "opml":
        raise OpmlError(f"{where}: not an OPML file: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OpmlError(f"{where}: not an OPML file: it has no <body>")

    def outline(element, depth: int) -> Outline:
        if depth > MAX_DEPTH:
            raise OpmlError(f"{where}: outlines nested deeper than {MAX_DEPTH} levels")
        attrs = {_local(k): v for k, v in element.attrib.items() if not k.startswith("{")}
        return Outline(
            text=attrs.get("text"), title=attrs.get("title"), xml_url=attrs.get("xmlurl"),
            html_url=attrs.get("htmlurl"), type=attrs.get("type"), category=attrs.get("category"),
            url=attrs.get("url"),
            children=tuple(outline(c, depth + 1) for c in element if _local(c.tag) == "outline"))

    return OpmlDocument(tuple(outline(c, 1) for c in body if _local(c.tag) == "outline"))


def read_opml(path: Path) -> OpmlDocument:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OpmlError(f"{path}: no such file") from None
    except OSError as e:
        raise OpmlError(f"{path}: cannot read the file: {e.strerror or e}") from None
    return parse_opml(data, str(path))


# --- editing the config (ruamel.yaml round trip) ----------------------------


def _yaml_for(text: str) -> YAML:
    """A round-trip YAML that writes back with the file's own indentation,
    never re-wrapping a long line."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 1 << 16
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except YAMLError:
        sequence = offset = None
    if sequence is None:
        sequence, offset = 4, 2
    yaml.indent(mapping=_guess_mapping_indent(text), sequence=sequence, offset=offset)
    return yaml


def _guess_mapping_indent(text: str) -> int:
    """The indentation of the first key nested under a top-level key (2 if none)."""
    after_top_key = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            after_top_key = bool(re.match(r"^[^\s#-][^#]*:\s*(#.*)?$", line))
        elif after_top_key and not stripped.startswith("-"):
            return indent
        else:
            after_top_key = False
    return 2


def _load_config_doc(text: str, path: Path, yaml: YAML) -> CommentedMap:
    try:
        doc = yaml.load(text)
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark else ""
        raise ConfigError([f"{path}:{line} cannot edit the YAML: {getattr(e, 'problem', None) or e}"]) from None
    if not isinstance(doc, CommentedMap):
        raise ConfigError([f"{path}: the file must be a mapping with at least a 'sources' list"])
    if not isinstance(doc.get("sources"), CommentedSeq):
        raise ConfigError([f"{path}: sources: must be a list to import into"])
    if doc.get("categories") is not None and not isinstance(doc["categories"], CommentedSeq):
        raise ConfigError([f"{path}: categories: must be a list to import into"])
    return doc


def existing_config(doc: CommentedMap) -> ExistingConfig:
    """The names, URLs and categories a config document holds (entries of a
    wrong shape are skipped: validation reports them)."""
    sources = []
    for item in doc.get("sources") or []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            categories = item.get("categories")
            sources.append(ExistingSource(
                item["name"], str(item.get("url") or ""),
                tuple(c for c in categories if isinstance(c, str)) if isinstance(categories, list) else ()))
    categories = tuple(c["name"] for c in doc.get("categories") or []
                       if isinstance(c, dict) and isinstance(c.get("name"), str))
    return ExistingConfig(tuple(sources), categories, doc.get("implicit_categories") is True)


def _slot_after(container, key) -> tuple[object, object]:
    """(container, key) whose post-comment holds what follows the entry
    `container[key]`: the comment lines and blank lines after a block
    collection are kept on its deepest last entry."""
    value = container[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and value and not value.fa.flow_style():
        return _slot_after(value, _last_key(value))
    return container, key


def _last_key(node):
    return list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1


def _take_comment_after(container, key, *, keep_blank_line: bool = False) -> str:
    """Detach the comment lines and blank lines that follow the entry
    `container[key]` (its end-of-line comment stays) and return them."""
    container, key = _slot_after(container, key)
    entry = container.ca.items.get(key)
    if not entry or len(entry) < 3 or entry[2] is None:
        return ""
    end_of_line, newline, rest = entry[2].value.partition("\n")
    if not rest:
        return ""
    kept = end_of_line + newline + ("\n" if keep_blank_line and rest.startswith("\n") else "")
    if kept.strip() or kept == "\n\n":
        entry[2].value = kept
    else:
        entry[2] = None
    return rest


def _put_comment_after(container, key, rest: str) -> None:
    if not rest:
        return
    container, key = _slot_after(container, key)
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry.extend([None] * (3 - len(entry)))
    if entry[2] is not None:
        entry[2].value += rest
    else:
        # The token stands for the line's end and what follows it.
        entry[2] = CommentToken("\n" + rest, CommentMark(0), None)


def _append(seq: CommentedSeq, items: list) -> None:
    """Append to a list; comment lines and blank lines that followed its last
    entry follow the new last entry, so they stay at the end of the list."""
    trailing = _take_comment_after(seq, len(seq) - 1) if seq and not seq.fa.flow_style() else ""
    seq.extend(items)
    if trailing:
        _put_comment_after(seq, len(seq) - 1, trailing)


def _categories_list(doc: CommentedMap) -> tuple[CommentedSeq, str]:
    """The `categories:` list to append to, made when there is none (or an
    empty one: written back as a block list); and the comment lines to put
    after it once filled."""
    categories = doc.get("categories")
    if isinstance(categories, CommentedSeq) and categories:
        return categories, ""
    new = CommentedSeq()
    if "categories" in doc:
        doc["categories"] = new
        return new, ""
    # Before `sources:`. The comment lines that stood above `sources:` are
    # kept on the previous entry; they move along, to stay above `sources:`.
    keys = list(doc)
    position = keys.index("sources")
    moved = _take_comment_after(doc, keys[position - 1], keep_blank_line=True) if position else ""
    doc.insert(position, "categories", new)
    return new, moved


def apply_plan(doc: CommentedMap, plan: Plan, header: str, dash_column: int = 2) -> None:
    """Append the plan's categories and sources to the document's lists.

    The new sources come after a blank line and a comment line saying where
    they came from, written at `dash_column` (that of the list's dashes).
    """
    if plan.categories:
        categories, moved = _categories_list(doc)
        _append(categories, [CommentedMap([("name", c)]) for c in plan.categories])
        _put_comment_after(categories, len(categories) - 1, moved)
    if plan.sources:
        sources = doc["sources"]
        entries = []
        for s in plan.sources:
            entry = CommentedMap([("name", s.name), ("url", s.url)])
            entry["categories"] = CommentedSeq(s.categories)
            entry["categories"].fa.set_flow_style()
            entries.append(entry)
        first = len(sources)
        _append(sources, entries)
        if not sources.fa.flow_style():
            sources.yaml_set_comment_before_after_key(first, before="\n" + header, indent=dash_column)


def _problems(path: Path, shown_as: Path) -> list[str]:
    """What `feedhub check-config` reports for the config file at `path`
    ([] when nothing), naming it `shown_as`."""
    from feedhub.config import load_config

    try:
        load_config(path)
    except ConfigError as e:
        names = sorted({str(path.resolve()), str(path.absolute()), str(path)}, key=len, reverse=True)
        problems = []
        for problem in e.problems:
            for name in names:
                problem = problem.replace(name, str(shown_as))
            problems.append(problem)
        return problems
    return []


def _without_line(problem: str, config_path: Path) -> str:
    """'FILE:12: key: …' -> 'FILE: key: …': lines move when entries are added
    above, the problem stays the same."""
    return re.sub(rf"^{re.escape(str(config_path))}:\d+: ", f"{config_path}: ", problem)


def _check_and_replace(path: Path, text: str, earlier: list[str], *, replace: bool) -> None:
    """Write `text` to a temporary file beside the config (so that relative
    paths in it mean what they mean in the config), validate it as
    check-config does, and, when `replace`, rename it over the config: a
    daemon reloading on SIGHUP reads the old config or the new one, never
    half of one. ConfigError, and nothing written, if the import would make
    the config invalid (problems it had before do not count)."""
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.import-", suffix=".tmp")
    except OSError as e:
        if replace:
            raise FeedhubError(f"{path}: cannot write beside the config: {e.strerror or e}") from None
        return  # a dry run on a config in a folder this user cannot write: shown, not checked
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        before = {_without_line(p, path) for p in earlier}
        introduced = [p for p in _problems(Path(tmp_name), path) if _without_line(p, path) not in before]
        if introduced:
            raise ConfigError([f"{path}: the import would make the config invalid; nothing written", *introduced])
        if replace:
            os.chmod(tmp_name, path.stat().st_mode & 0o7777)
            os.replace(tmp_name, path)
    finally:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass


def import_opml(opml_path: Path | str, config_path: Path | str, *,
                default_category: str | None = None, dry_run: bool = False) -> Result:
    """Read the OPML file, decide, edit the config (unless dry_run)."""
    opml_path, config_path = Path(opml_path), Path(config_path)
    document = read_opml(opml_path)
    text = read_config_text(config_path)
    # Problems the config had before are its own (an unset ${VAR}, say):
    # reported, but no reason to refuse the import.
    earlier = _problems(config_path, config_path)
    yaml = _yaml_for(text)
    try:
        doc = _load_config_doc(text, config_path, yaml)
    except ConfigError:
        if earlier:  # said as check-config says it (a YAML error with its line and a caret)
            raise ConfigError(earlier) from None
        raise
    plan = plan_import(document, existing_config(doc),
                       DEFAULT_CATEGORY if default_category is None else default_category)
    new_text = text
    if plan.changes:
        apply_plan(doc, plan, header=f"imported from {opml_path.name} by feedhub import-opml",
                   dash_column=yaml.sequence_dash_offset)
        out = io.StringIO()
        yaml.dump(doc, out)
        new_text = out.getvalue()
        _check_and_replace(config_path, new_text, earlier, replace=not dry_run)
    diff = "".join(difflib.unified_diff(text.splitlines(keepends=True), new_text.splitlines(keepends=True),
                                        str(config_path), f"{config_path} (after import)"))
    return Result(plan, opml_path, config_path, dry_run, diff, plan.changes and not dry_run, tuple(earlier))
