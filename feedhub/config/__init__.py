"""The config stage: a YAML file -> the frozen settings the rest of feedhub
sees (model.py). load.py reads and resolves it, schema.py is its shape for
pydantic, check.py words every problem, describe.py prints it back, slug.py
makes category slugs, rules.py holds topic categories' rules and matches
them, opml_import.py adds a feed reader's export to it (opml_document.py reads
the export, opml_plan.py decides, yaml_edit.py edits the file)."""

from feedhub.config.describe import describe
from feedhub.config.load import DEFAULT_CONFIG_PATH, MIN_INTERVAL, load_config, resolve_config_path
from feedhub.config.model import CategoryConfig, Config, FetchConfig, Retention, SourceConfig
from feedhub.config.schema import parse_duration

__all__ = ["DEFAULT_CONFIG_PATH", "MIN_INTERVAL", "CategoryConfig", "Config", "FetchConfig", "Retention",
           "SourceConfig", "describe", "load_config", "parse_duration", "resolve_config_path"]
