"""The resolved config as YAML, for `feedhub check-config`."""

from __future__ import annotations

from datetime import timedelta

import yaml

from feedhub.config.model import Config


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
                                 "max_age": format_duration(config.retention.max_age) if config.retention.max_age else None}},
        "fetch": {"max_connections": config.fetch.max_connections, "per_host": config.fetch.per_host,
                  "max_bytes": config.fetch.max_bytes, "max_backoff": format_duration(config.fetch.max_backoff),
                  "max_hint": format_duration(config.fetch.max_hint),
                  "public_addresses_only": config.fetch.public_addresses_only},
        "websub": {"callback": config.websub.callback, "lease": format_duration(config.websub.lease),
                   "poll_interval": format_duration(config.websub.poll_interval)},
        "merge": {"window": format_duration(timedelta(hours=config.merge.window_hours)),
                  "cjk_similarity": config.merge.cjk_similarity, "latin_similarity": config.merge.latin_similarity,
                  "title_similarity": config.merge.title_similarity, "min_shingles": config.merge.min_shingles,
                  "min_title_chars": config.merge.min_title_chars,
                  "reworded_similarity": config.merge.reworded_similarity,
                  "reworded_min_shingles": config.merge.reworded_min_shingles},
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
                "interval": format_duration(s.interval),
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


def format_duration(d: timedelta) -> str:
    seconds = int(d.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
