"""Editing the config file for `feedhub import-opml`: its YAML read in
ruamel.yaml's round-trip mode, what it already holds (:func:`existing_config`),
and an import's plan appended to its lists (:func:`apply_plan`), so that its
comments, key order and quoting stay as they were.

ruamel.yaml is imported here and nowhere else (load.py reads with PyYAML).
"""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken
from ruamel.yaml.util import load_yaml_guess_indent

from feedhub.config.opml_plan import ExistingConfig, ExistingSource, Plan
from feedhub.errors import ConfigError


def round_trip_yaml(text: str) -> YAML:
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


def load_config_doc(text: str, path: Path, yaml: YAML) -> CommentedMap:
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
