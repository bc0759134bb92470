"""The YAML config -> validated, frozen settings.

Validation happens before anything runs and reports every problem at once,
each naming the file, the key path and the bad value (the way Radicale names
option, section and source). pydantic checks shapes and types; the rules it
cannot express (durations, time zones, unique names) are checked here after it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from feedhub.config_check import (key_path, known_keys, language_problem, plain_message, url_problem,
                                  did_you_mean, with_lines, yaml_problem)
from feedhub.errors import ConfigError
from feedhub.redact import redact, register_secret
from feedhub.merge.rules import FIELDS, CategoryRules, Rule
from feedhub.slug import slugs_for, unique_slugs
from feedhub.types import SiteInfo, Thresholds

DEFAULT_CONFIG_PATH = Path("config/feedhub.yaml")
# Polling more often than this is warned of (check-config, and at start).
MIN_INTERVAL = timedelta(minutes=1)

# "90s", "15m", "2h", "1d" — and combinations such as "1h30m".
_DURATION_RE = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


# --- the settings the rest of feedhub sees --------------------------------


@dataclass(frozen=True)
class SourceConfig:
    name: str
    url: str  # http(s) URL, file: URL, or a path relative to the config's folder
    categories: tuple[str, ...]
    interval: timedelta
    timeout: float  # seconds, total per request
    encoding: str | None  # overrides what the document and server declare
    timezone: str  # for dates the source gives without an offset
    headers: tuple[tuple[str, str], ...]
    user_agent: str | None
    enabled: bool
    priority: int  # higher wins when a merged story picks its canonical copy


@dataclass(frozen=True)
class CategoryConfig:
    name: str
    slug: str
    rules: CategoryRules = CategoryRules()


@dataclass(frozen=True)
class FetchConfig:
    max_connections: int = 16  # fetches at once, overall
    per_host: int = 2  # fetches at once to one host
    max_bytes: int = 10 * 1024 * 1024  # a body larger than this (decompressed) is refused
    max_backoff: timedelta = timedelta(hours=12)  # the longest wait after failures
    max_hint: timedelta = timedelta(hours=24)  # the longest wait a server's hint can impose
    # Refuse sources and redirects that resolve to loopback, private or
    # link-local addresses, and local files (for configs written by others).
    public_addresses_only: bool = False


@dataclass(frozen=True)
class Retention:
    """How much history a category publishes in its archive documents
    (output.retention). Stories beyond it stay in the store; they are only
    left out of the archives and their pages. None: no limit."""

    max_entries: int | None = None  # the newest N stories by arrival, feed and archives together
    max_age: timedelta | None = None  # stories dated longer ago than this


@dataclass(frozen=True)
class Config:
    path: Path  # the config file; relative paths in it are relative to its folder
    site: SiteInfo
    storage_url: str  # sqlite:////absolute/path after resolution
    output_dir: Path
    entries_per_feed: int
    template_dir: Path | None
    categories: tuple[CategoryConfig, ...]
    sources: tuple[SourceConfig, ...]
    fetch: FetchConfig = FetchConfig()
    merge: Thresholds = Thresholds()  # near-duplicate detection (dedupe.py)
    formats: tuple[str, ...] = ("atom", "rss", "json")  # feed files written per category
    retention: Retention = Retention()  # archive documents (RFC 5005)
    # What check-config warns of but that runs: a category no source feeds,
    # an interval that hammers its server.
    warnings: tuple[str, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def category(self, name: str) -> CategoryConfig:
        return next(c for c in self.categories if c.name == name)


# --- the file's shape, for pydantic ----------------------------------------


def parse_duration(text: str) -> timedelta:
    """'90s', '15m', '2h', '1d', '1h30m' -> timedelta; ValueError otherwise."""
    match = _DURATION_RE.match(text.strip()) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        raise ValueError("not a duration: use a number with s, m, h or d, such as 90s, 15m, 2h or 1d")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    duration = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    if not duration:
        raise ValueError("a duration must be longer than zero")
    return duration


def _to_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    # A bare number is seconds: "timeout: 20" reads naturally.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("a duration must be longer than zero")
        return timedelta(seconds=value)
    return parse_duration(value)


def _to_interval(value: Any) -> timedelta:
    # "interval: 5" meant minutes as often as seconds: a unit is required.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"a bare number: give a unit, such as {value}m (minutes) or {value}s (seconds)")
    return parse_duration(value)


def _check_language(tag: str) -> str:
    problem = language_problem(tag)
    if problem:
        raise ValueError(problem)
    return tag


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown time zone; use an IANA name such as Asia/Shanghai") from None
    return name


def _check_encoding(name: str) -> str:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError("unknown encoding; use a name such as utf-8, gb18030 or big5") from None
    return name


def _check_url(url: str) -> str:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", url) and not re.match(r"^(https?|file)://", url, re.I):
        raise ValueError("only http, https and file URLs, or a path, are supported")
    return url


def _check_hub(url: str) -> str:
    if not re.match(r"^https?://[^/]+", url):
        raise ValueError("must be an absolute http(s) URL")
    return url


Duration = Annotated[timedelta, BeforeValidator(_to_duration)]
Interval = Annotated[timedelta, BeforeValidator(_to_interval)]
TimeZone = Annotated[str, AfterValidator(_check_zone)]
Encoding = Annotated[str, AfterValidator(_check_encoding)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Site(_Strict):
    title: str = "feedhub"
    base_url: str | None = None
    language: Annotated[str, AfterValidator(_check_language)] = "en"
    timezone: TimeZone = "UTC"
    websub_hub: Annotated[str, AfterValidator(_check_hub)] | None = None  # needs base_url


class _Storage(_Strict):
    url: str = "sqlite:///state/feedhub.db"


class _Retention(_Strict):
    max_entries: int | None = Field(None, ge=1)
    max_age: Duration | None = None


class _Output(_Strict):
    dir: str = "output"
    entries_per_feed: int = Field(50, ge=1, le=10_000)
    templates: str | None = None  # a folder whose templates override the built-in ones
    formats: list[Literal["atom", "rss", "json"]] = Field(["atom", "rss", "json"], min_length=1)
    retention: _Retention = _Retention()


class _Fetch(_Strict):
    max_connections: int = Field(16, ge=1, le=512)
    per_host: int = Field(2, ge=1, le=64)
    max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    max_backoff: Duration = timedelta(hours=12)
    max_hint: Duration = timedelta(hours=24)
    public_addresses_only: bool = False


class _Merge(_Strict):
    """Near-duplicate thresholds; dedupe.Thresholds documents each one."""

    window: Duration = timedelta(hours=72)
    cjk_similarity: float = Field(Thresholds.cjk_similarity, gt=0, le=1)
    latin_similarity: float = Field(Thresholds.latin_similarity, gt=0, le=1)
    title_similarity: float = Field(Thresholds.title_similarity, gt=0, le=1)
    min_shingles: int = Field(Thresholds.min_shingles, ge=1)
    min_title_chars: int = Field(Thresholds.min_title_chars, ge=1)


class _SourceSettings(_Strict):
    """What can be set per source, or for all of them under `defaults`."""

    interval: Interval | None = None
    timeout: Duration | None = None
    encoding: Encoding | None = None
    timezone: TimeZone | None = None
    headers: dict[str, str] | None = None
    user_agent: str | None = None
    enabled: bool | None = None


class _Source(_SourceSettings):
    name: str = Field(min_length=1)
    url: Annotated[str, Field(min_length=1), AfterValidator(_check_url)]
    categories: list[str] | None = None
    priority: int = 0


def _check_rule(text: str) -> str:
    try:
        Rule.parse(text)
    except re.error as e:
        raise ValueError(f"not a valid regular expression: {e}") from None
    return text


class _Category(_Strict):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    name: str = Field(min_length=1)
    slug: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    # Keywords, or /regular expressions/, matched in title, text and tags.
    include: list[Annotated[str, Field(min_length=1), AfterValidator(_check_rule)]] = []
    exclude: list[Annotated[str, Field(min_length=1), AfterValidator(_check_rule)]] = []
    from_: list[str] = Field([], alias="from")  # sources `include` gathers from (default: all)
    match: list[Literal["title", "text", "tags"]] = list(FIELDS)


class _File(_Strict):
    site: _Site = _Site()
    storage: _Storage = _Storage()
    output: _Output = _Output()
    fetch: _Fetch = _Fetch()
    merge: _Merge = _Merge()
    defaults: _SourceSettings = _SourceSettings()
    categories: list[_Category] = []
    # With `categories` listed, a source naming another category is a
    # mistake (a typo made a new, empty-looking category) unless this is true.
    implicit_categories: bool = False
    sources: list[_Source] = Field(min_length=1)


# --- loading ---------------------------------------------------------------


def resolve_config_path(given: str | None) -> Path:
    """--config, else $FEEDHUB_CONFIG, else config/feedhub.yaml (DESIGN.md)."""
    return Path(given or os.environ.get("FEEDHUB_CONFIG") or DEFAULT_CONFIG_PATH)


def load_config(path: Path | str) -> Config:
    """Read, validate and resolve a config file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file (give --config PATH or set FEEDHUB_CONFIG)"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: cannot read the file: {e}"]) from None
    try:
        # libyaml's loader when PyYAML has it: several times faster on a big config.
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise ConfigError([yaml_problem(path, text, e)]) from None
    if not isinstance(raw, dict):
        raise ConfigError([f"{path}: the file must be a mapping with at least a 'sources' list"])

    problems: list[str] = []
    raw = _expand_env(raw, (), path, problems)
    problems += _duplicate_names(raw, path)
    problems += _source_references(raw, path)
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as e:
        problems += [_describe(path, err) for err in e.errors()]
        raise ConfigError([redact(p) for p in with_lines(problems, path, text)]) from None
    config = _resolve(parsed, path.resolve(), problems)
    if problems:
        raise ConfigError([redact(p) for p in with_lines(problems, path.resolve(), text)])
    if config.warnings:
        config = replace(config, warnings=tuple(redact(w) for w in with_lines(list(config.warnings), path.resolve(), text)))
    return config


def _duplicate_names(raw: dict, path: Path) -> list[str]:
    """Two sources or two categories with one name: checked on the raw file so
    that it is reported together with every other problem."""
    problems = []
    for section in ("sources", "categories"):
        items = raw.get(section)
        if not isinstance(items, list):
            continue
        first: dict[str, int] = {}
        for i, item in enumerate(items):
            name = item.get("name") if isinstance(item, dict) else None
            if isinstance(name, str) and name in first:
                problems.append(f"{path}: {section}[{i}].name: duplicate name (value {name!r}, first at {section}[{first[name]}])")
            elif isinstance(name, str):
                first[name] = i
    return problems


def _source_references(raw: dict, path: Path) -> list[str]:
    """Each source's URL and categories, checked on the raw file so that they
    are reported with every other problem, whatever pydantic found."""
    problems: list[str] = []
    sources, categories = raw.get("sources"), raw.get("categories")
    if not isinstance(sources, list):
        return problems
    declared = [c.get("name") for c in categories if isinstance(c, dict)] if isinstance(categories, list) else []
    implicit = raw.get("implicit_categories") is True or not declared
    defaults = raw.get("defaults") if isinstance(raw.get("defaults"), dict) else {}
    for i, source in enumerate(sources):
        if not isinstance(source, dict):
            continue
        url, enabled = source.get("url"), source.get("enabled", defaults.get("enabled", True))
        if isinstance(url, str) and url and enabled is not False:
            problem = url_problem(url, path.resolve().parent)
            if problem:
                problems.append(f"{path}: sources[{i}].url: {problem} (value {url!r})")
        names = source.get("categories")
        for j, name in enumerate(names if isinstance(names, list) and not implicit else ()):
            if isinstance(name, str) and name not in declared:
                problems.append(f"{path}: sources[{i}].categories[{j}]: no such category under 'categories'"
                                f"{did_you_mean(name, declared)} (value {name!r}); declare it there, or set "
                                "implicit_categories: true to let sources create categories")
    return problems


def _expand_env(value: Any, where: tuple, path: Path, problems: list[str]) -> Any:
    """Replace ${VAR} in every string value by the environment's value (secrets)."""
    if isinstance(value, dict):
        return {k: _expand_env(v, (*where, k), path, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, (*where, i), path, problems) for i, v in enumerate(value)]
    if isinstance(value, str):

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                problems.append(f"{path}: {_key_path(where)}: environment variable {name} is not set (value {value!r})")
                return ""
            register_secret(os.environ[name])  # never printed (redact.py)
            return os.environ[name]

        return _ENV_RE.sub(substitute, value)
    return value


_key_path = key_path


def _describe(path: Path, err: dict) -> str:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
    keys_here = known_keys(_File, loc[:-1]) if err["type"] == "extra_forbidden" else []
    return f"{path}: {_key_path(loc)}: {plain_message(err, keys_here)}"



def _resolve(parsed: _File, path: Path, problems: list[str]) -> Config:
    """Apply defaults and check what spans several keys (unique names, slugs)."""
    base = path.parent
    base_url = parsed.site.base_url
    if base_url is not None:
        if not re.match(r"^https?://[^/]+", base_url):
            problems.append(f"{path}: site.base_url: must be an absolute http(s) URL (value {base_url!r})")
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    if parsed.site.websub_hub is not None and base_url is None:
        # The hub fetches the feed it is told about: it needs its absolute URL.
        problems.append(f"{path}: site.websub_hub: needs site.base_url, the feeds' public address (value {parsed.site.websub_hub!r})")
    site = SiteInfo(parsed.site.title, base_url, parsed.site.language, parsed.site.timezone, parsed.site.websub_hub)

    d = parsed.defaults
    warnings: list[str] = []
    polled_too_often: set[str] = set()
    sources: list[SourceConfig] = []
    for i, s in enumerate(parsed.sources):
        enabled = next((v for v in (s.enabled, d.enabled) if v is not None), True)
        interval = s.interval or d.interval
        # A server's politeness: files (and the demo's samples) may be read as often as one likes.
        remote = re.match(r"^https?://", s.url, re.IGNORECASE) is not None
        if interval is not None and interval < MIN_INTERVAL and enabled and remote:
            where = f"sources[{i}].interval" if s.interval else "defaults.interval"
            if where not in polled_too_often:  # one line for the defaults, not one per source
                polled_too_often.add(where)
                whom = repr(s.name) if s.interval else "its sources"
                warnings.append(f"{path}: {where}: polls {whom} every {_format_duration(interval)}: most servers "
                                f"rate-limit or block that; {_format_duration(MIN_INTERVAL)} or more is polite")
        sources.append(
            SourceConfig(
                name=s.name,
                url=s.url,
                # A source with no category gets one of its own, named after it.
                categories=tuple(dict.fromkeys(s.categories)) if s.categories else (s.name,),
                interval=s.interval or d.interval or timedelta(minutes=30),
                timeout=(s.timeout or d.timeout or timedelta(seconds=30)).total_seconds(),
                encoding=s.encoding or d.encoding,
                timezone=s.timezone or d.timezone or site.timezone,
                headers=tuple({**(d.headers or {}), **(s.headers or {})}.items()),
                user_agent=s.user_agent or d.user_agent,
                enabled=enabled,
                priority=s.priority,
            )
        )

    # Categories: those listed, in order, then any a source names that is not
    # listed (created with defaults, DESIGN.md).
    names: list[str] = []
    explicit: dict[str, str | None] = {}
    rules: dict[str, CategoryRules] = {}
    source_names = {s.name for s in sources}
    for i, c in enumerate(parsed.categories):
        if c.name in explicit:
            continue  # reported by _duplicate_names
        explicit[c.name] = c.slug
        names.append(c.name)
        for name in c.from_:
            if name not in source_names:
                problems.append(f"{path}: categories[{i}].from: no source has this name (value {name!r})")
        rules[c.name] = CategoryRules(
            include=tuple(Rule.parse(r) for r in c.include),
            exclude=tuple(Rule.parse(r) for r in c.exclude),
            sources=tuple(c.from_),
            fields=tuple(dict.fromkeys(c.match)),
        )
    for s in sources:
        names += [c for c in s.categories if c not in names]
    fed = {c for s in sources for c in s.categories} | {n for n, r in rules.items() if r.include}
    for i, c in enumerate(parsed.categories):
        if c.name not in fed:
            warnings.append(f"{path}: categories[{i}]: no source feeds this category; it is published empty "
                            f"(value {c.name!r})")
    given_slugs = [explicit.get(n) for n in names]
    for slug in {s for s in given_slugs if s}:
        if given_slugs.count(slug) > 1:
            problems.append(f"{path}: categories: slug used twice (value {slug!r})")
    # Given slugs keep their value; derived ones make way for them.
    taken = {s for s in given_slugs if s}
    derived = unique_slugs([*taken, *slugs_for([n for n, g in zip(names, given_slugs) if not g])])[len(taken):]
    derived_iter = iter(derived)
    categories = tuple(CategoryConfig(n, g or next(derived_iter), rules.get(n, CategoryRules()))
                       for n, g in zip(names, given_slugs))

    return Config(
        path=path,
        site=site,
        storage_url=_resolve_storage_url(parsed.storage.url, base, path, problems),
        output_dir=(base / parsed.output.dir).resolve(),
        entries_per_feed=parsed.output.entries_per_feed,
        template_dir=(base / parsed.output.templates).resolve() if parsed.output.templates else None,
        categories=categories,
        sources=tuple(sources),
        fetch=FetchConfig(**parsed.fetch.model_dump()),
        merge=replace(Thresholds(), **{k: v for k, v in parsed.merge.model_dump().items() if k != "window"},
                      window_hours=parsed.merge.window.total_seconds() / 3600),
        formats=tuple(dict.fromkeys(parsed.output.formats)),
        retention=Retention(parsed.output.retention.max_entries, parsed.output.retention.max_age),
        warnings=tuple(warnings),
    )


def _resolve_storage_url(url: str, base: Path, path: Path, problems: list[str]) -> str:
    """sqlite:///relative/path is relative to the config's folder; sqlite:////abs is absolute."""
    if url == "sqlite:///:memory:":
        return url
    if not url.startswith("sqlite:///"):
        problems.append(f"{path}: storage.url: only sqlite:///PATH is supported for now (value {url!r})")
        return url
    file_part = url[len("sqlite:///"):]
    if not file_part:
        problems.append(f"{path}: storage.url: no database file named (value {url!r})")
        return url
    return "sqlite:///" + str((base / file_part).resolve())


def describe(config: Config) -> str:
    """The resolved config as YAML, for `feedhub check-config`."""
    doc = {
        "config": str(config.path),
        "site": {
            "title": config.site.title,
            "base_url": config.site.base_url,
            "language": config.site.language,
            "timezone": config.site.timezone,
            "websub_hub": config.site.websub_hub,
        },
        "storage": {"url": config.storage_url},
        "output": {"dir": str(config.output_dir), "entries_per_feed": config.entries_per_feed,
                   "templates": str(config.template_dir) if config.template_dir else None,
                   "formats": list(config.formats),
                   "retention": {"max_entries": config.retention.max_entries,
                                 "max_age": _format_duration(config.retention.max_age) if config.retention.max_age else None}},
        "fetch": {"max_connections": config.fetch.max_connections, "per_host": config.fetch.per_host,
                  "max_bytes": config.fetch.max_bytes, "max_backoff": _format_duration(config.fetch.max_backoff),
                  "max_hint": _format_duration(config.fetch.max_hint),
                  "public_addresses_only": config.fetch.public_addresses_only},
        "merge": {"window": _format_duration(timedelta(hours=config.merge.window_hours)),
                  "cjk_similarity": config.merge.cjk_similarity, "latin_similarity": config.merge.latin_similarity,
                  "title_similarity": config.merge.title_similarity, "min_shingles": config.merge.min_shingles,
                  "min_title_chars": config.merge.min_title_chars},
        "categories": [
            {"name": c.name, "slug": c.slug,
             **({"include": [r.pattern.pattern for r in c.rules.include]} if c.rules.include else {}),
             **({"exclude": [r.pattern.pattern for r in c.rules.exclude]} if c.rules.exclude else {}),
             **({"from": list(c.rules.sources)} if c.rules.sources else {})}
            for c in config.categories
        ],
        "sources": [
            {
                "name": s.name,
                "url": s.url,
                "categories": list(s.categories),
                "interval": _format_duration(s.interval),
                "timeout": f"{s.timeout:g}s",
                "encoding": s.encoding,
                "timezone": s.timezone,
                # Header values may be secrets from ${ENV}: show names only.
                "headers": [name for name, _ in s.headers],
                "user_agent": s.user_agent,
                "enabled": s.enabled,
                "priority": s.priority,
            }
            for s in config.sources
        ],
    }
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _format_duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
