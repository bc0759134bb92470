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
(opml_plan.py), and so is the wording of the report (`report_lines`,
`summary_line` here); reading the XML (opml_document.py) and editing the
YAML (yaml_edit.py) are thin I/O around them. The config is
edited with ruamel.yaml's round-trip mode, so its comments, key order and
quoting stay as they were; new categories and sources are appended to their
lists, and the file is replaced atomically, and only after the result has
passed the same validation as `feedhub check-config`. This module runs the
command: it reads, decides, validates, writes and reports.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from feedhub.config.load import read_config_text
from feedhub.config.opml_document import read_opml
from feedhub.config.opml_plan import DEFAULT_CATEGORY, Plan, plan_import
from feedhub.config.yaml_edit import apply_plan, existing_config, load_config_doc, round_trip_yaml
from feedhub.errors import ConfigError, FeedhubError


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


def import_opml(opml_path: Path | str, config_path: Path | str, *,
                default_category: str | None = None, dry_run: bool = False) -> Result:
    """Read the OPML file, decide, edit the config (unless dry_run)."""
    opml_path, config_path = Path(opml_path), Path(config_path)
    document = read_opml(opml_path)
    text = read_config_text(config_path)
    # Problems the config had before are its own (an unset ${VAR}, say):
    # reported, but no reason to refuse the import.
    earlier = _problems(config_path, config_path)
    yaml = round_trip_yaml(text)
    try:
        doc = load_config_doc(text, config_path, yaml)
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


# --- checking and replacing the config --------------------------------------


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


# --- the report -------------------------------------------------------------


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
