"""The YAML config -> validated, frozen settings (model.py).

Validation happens before anything runs and reports every problem at once,
each naming the file, the line, the key path and the bad value (the way
Radicale names option, section and source), in plain words (check.py).
pydantic checks shapes and types (schema.py); the rules it cannot express
(unique names, references between keys, URLs that must exist) are checked
here, around it.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import yaml
from pydantic import ValidationError

from feedhub.config.check import did_you_mean, key_path, known_keys, plain_message, url_problem, with_lines, yaml_problem
from feedhub.config.describe import format_duration
from feedhub.config.model import CategoryConfig, Config, FetchConfig, Retention, SourceConfig, WebSubConfig
from feedhub.config.schema import _File
from feedhub.config.slug import slugs_for, unique_slugs
from feedhub.errors import ConfigError
from feedhub.config.rules import CategoryRules, Rule
from feedhub.redact import redact, register_secret
from feedhub.store import is_postgresql
from feedhub.types import SiteInfo, Thresholds

DEFAULT_CONFIG_PATH = Path("config/feedhub.yaml")
# Polling more often than this is warned of (check-config, and at start).
MIN_INTERVAL = timedelta(minutes=1)

_ENV_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def resolve_config_path(given: str | None) -> Path:
    """--config, else $FEEDHUB_CONFIG, else config/feedhub.yaml (DESIGN.md)."""
    return Path(given or os.environ.get("FEEDHUB_CONFIG") or DEFAULT_CONFIG_PATH)


def read_config_text(path: Path) -> str:
    """The config file's text, or ConfigError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file (give --config PATH or set FEEDHUB_CONFIG)"]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: cannot read the file: {e}"]) from None


def load_config(path: Path | str) -> Config:
    """Read, validate and resolve a config file; raise ConfigError listing every problem."""
    path = Path(path)
    text = read_config_text(path)
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
            if where == ("storage", "url") and is_postgresql(value):
                # A password with @, : or / must not cut the URL in the wrong place.
                return quote(os.environ[name], safe="")
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
    warnings: list[str] = []
    site = _resolve_site(parsed, path, problems)
    sources = _resolve_sources(parsed, site, path, warnings)
    categories = _resolve_categories(parsed, sources, path, problems, warnings)
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
        websub=WebSubConfig(**parsed.websub.model_dump()),
        merge=replace(Thresholds(), **{k: v for k, v in parsed.merge.model_dump().items() if k != "window"},
                      window_hours=parsed.merge.window.total_seconds() / 3600),
        formats=tuple(dict.fromkeys(parsed.output.formats)),
        retention=Retention(parsed.output.retention.max_entries, parsed.output.retention.max_age),
        warnings=tuple(warnings),
    )


def _resolve_site(parsed: _File, path: Path, problems: list[str]) -> SiteInfo:
    base_url = parsed.site.base_url
    if base_url is not None:
        if not re.match(r"^https?://[^/]+", base_url):
            problems.append(f"{path}: site.base_url: must be an absolute http(s) URL (value {base_url!r})")
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    if parsed.site.websub_hub is not None and base_url is None:
        # The hub fetches the feed it is told about: it needs its absolute URL.
        problems.append(f"{path}: site.websub_hub: needs site.base_url, the feeds' public address (value {parsed.site.websub_hub!r})")
    return SiteInfo(parsed.site.title, base_url, parsed.site.language, parsed.site.timezone, parsed.site.websub_hub)


def _resolve_sources(parsed: _File, site: SiteInfo, path: Path, warnings: list[str]) -> list[SourceConfig]:
    """Each source with the defaults applied; a warning for an impolite interval."""
    d = parsed.defaults
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
                warnings.append(f"{path}: {where}: polls {whom} every {format_duration(interval)}: most servers "
                                f"rate-limit or block that; {format_duration(MIN_INTERVAL)} or more is polite")
        sources.append(SourceConfig(
            name=s.name,
            url=s.url,
            # A source with no category gets one of its own, named after it.
            categories=tuple(dict.fromkeys(s.categories)) if s.categories else (s.name,),
            interval=interval or timedelta(minutes=30),
            timeout=(s.timeout or d.timeout or timedelta(seconds=30)).total_seconds(),
            encoding=s.encoding or d.encoding,
            timezone=s.timezone or d.timezone or site.timezone,
            headers=tuple({**(d.headers or {}), **(s.headers or {})}.items()),
            user_agent=s.user_agent or d.user_agent,
            enabled=enabled,
            priority=s.priority,
        ))
    return sources


def _resolve_categories(parsed: _File, sources: list[SourceConfig], path: Path, problems: list[str],
                        warnings: list[str]) -> tuple[CategoryConfig, ...]:
    """Those listed, in order, then any a source names that is not listed
    (when the config allows it: _source_references); their rules and slugs."""
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
    derived = iter(unique_slugs([*taken, *slugs_for([n for n, g in zip(names, given_slugs) if not g])])[len(taken):])
    return tuple(CategoryConfig(n, g or next(derived), rules.get(n, CategoryRules()))
                 for n, g in zip(names, given_slugs))


def _resolve_storage_url(url: str, base: Path, path: Path, problems: list[str]) -> str:
    """sqlite:///relative/path is relative to the config's folder; sqlite:////abs is absolute;
    postgresql://user@host:port/dbname?options is libpq's, passed on as written."""
    if url == "sqlite:///:memory:":
        return url
    if is_postgresql(url):
        problem = _postgresql_url_problem(url)
        if problem:
            problems.append(f"{path}: storage.url: {problem} (value {url!r})")
        return url
    if not url.startswith("sqlite:///"):
        problems.append(f"{path}: storage.url: only sqlite:///PATH and postgresql://user@host:port/dbname are "
                        f"supported (value {url!r})")
        return url
    file_part = url[len("sqlite:///"):]
    if not file_part:
        problems.append(f"{path}: storage.url: no database file named (value {url!r})")
        return url
    return "sqlite:///" + str((base / file_part).resolve())


def _postgresql_url_problem(url: str) -> str | None:
    """What libpq would only say at the first connection: no database, a port that is not a number."""
    parts = urlsplit(url)
    try:
        parts.port
    except ValueError:
        return "the port is not a number"
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        return "no database named (postgresql://user@host:port/DBNAME)"
    return None
