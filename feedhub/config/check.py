"""What a user gets wrong in a config, said in plain words (issue #13).

load.py and schema.py validate; this module words the problems: pydantic's errors
rewritten as a person would say them, "did you mean" for a near name, YAML
errors with the line and a caret under the column, the line of each key path,
and the checks of single values (language tags, URLs that are no URL).
Pure functions, except `locate`, which parses the text again (only once there
is a problem to place).
"""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

# --- names ------------------------------------------------------------------


def did_you_mean(word: str, candidates: typing.Iterable[str]) -> str:
    """'; did you mean X?' for the nearest candidate, else ''."""
    # 0.5: a two-character Chinese name with one character wrong (要文, 要闻) is a typo.
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def known_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys a mapping at ``loc`` (a key path below ``model``) may hold."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return []
        model = inner
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --- single values ------------------------------------------------------------


def language_problem(tag: str) -> str | None:
    """Why ``tag`` is not a BCP 47 language tag (RFC 5646), or None."""
    import langcodes

    if "_" in tag:
        return f"a language tag takes a hyphen, not an underscore: {tag.replace('_', '-')!r}"
    if not langcodes.tag_is_valid(tag):
        return "not a BCP 47 language tag; use one such as zh-CN, zh-Hant, en or en-GB"
    return None


# A first path segment that reads as a host name: "example.com", "news.qq.com:8080".
_HOST = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?::\d+)?$", re.IGNORECASE)


def url_problem(url: str, base: Path) -> str | None:
    """Why a source's ``url`` is neither an http(s) URL nor an existing file."""
    if re.match(r"^https?://[^/\s]+", url, re.IGNORECASE):
        return None
    if re.match(r"^https?:", url, re.IGNORECASE):
        return "an http(s) URL needs a host, as in https://example.com/rss.xml"
    if re.match(r"^[a-z][a-z0-9+.-]*://", url, re.IGNORECASE) and not url.lower().startswith("file:"):
        return None  # another scheme: refused by config._check_url
    if url.lower().startswith("file:"):
        from urllib.parse import unquote, urlsplit

        target = Path(unquote(urlsplit(url).path))
    else:
        first, slash, _ = url.partition("/")
        if (slash or first.lower().startswith("www.")) and _HOST.match(first) and not (base / url).exists():
            return f"not a URL: did you mean 'https://{url}'?"
        target = base / url
    if not target.is_file():
        return (f"neither an http(s) URL nor an existing file ({target} not found); a source is a feed's URL, "
                "or the path of a feed file relative to the config's folder")
    return None


# --- pydantic's errors, in plain words ----------------------------------------


_ITEMS = {1: "one item"}


def plain_message(err: dict, keys_here: list[str]) -> str:
    """One pydantic error as a person would say it (without the key path)."""
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        return f"unknown key{did_you_mean(str(key), keys_here)}"
    if kind == "missing":
        return "required key is missing"
    shown = f" (value {value!r})" if not isinstance(value, (dict, list)) else ""
    words = {
        "string_type": "must be text",
        "int_type": "must be a whole number", "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number", "float_parsing": "must be a number",
        "bool_type": "must be true or false", "bool_parsing": "must be true or false",
        "list_type": "must be a list, such as [a, b]",
        "dict_type": "must be a mapping of keys to values", "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
        "literal_error": f"must be one of {ctx.get('expected', '')}",
        "string_pattern_mismatch": "may hold only lowercase letters, digits, '.', '_' and '-', "
                                   "and must start with a letter or digit",
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "greater_than": f"must be more than {ctx.get('gt')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "less_than": f"must be less than {ctx.get('lt')}",
    }
    if kind in words:
        return words[kind] + shown
    if kind == "too_short":
        least = ctx.get("min_length", 1)
        if isinstance(value, str):
            return "must not be empty"
        return f"needs at least {_ITEMS.get(least, f'{least} items')}"
    message = str(err.get("msg", kind)).removeprefix("Value error, ")
    return f"{message[0].lower() + message[1:]}{shown}"


# --- where in the file ------------------------------------------------------------


def key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def locate(text: str) -> dict[str, int]:
    """key path ('sources[3].url') -> its 1-based line in ``text``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, loc: tuple) -> None:
        lines.setdefault(key_path(loc), node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*loc, key.value)
                lines[key_path(here)] = key.start_mark.line + 1
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*loc, i))

    if root is not None:
        walk(root, ())
    return lines


def with_lines(problems: list[str], path: Path, text: str) -> list[str]:
    """'FILE: key.path: …' -> 'FILE:LINE: key.path: …' where the key is found
    (the nearest enclosing key for one that is missing)."""
    prefix = f"{path}: "
    lines: dict[str, int] | None = None
    out = []
    for problem in problems:
        if problem.startswith(prefix):
            where = problem[len(prefix):].split(": ", 1)[0]
            lines = locate(text) if lines is None else lines
            line = _nearest(where, lines)
            if line is not None:
                problem = f"{path}:{line}: {problem[len(prefix):]}"
        out.append(problem)
    return out


def _nearest(where: str, lines: dict[str, int]) -> int | None:
    while where:
        if where in lines:
            return lines[where]
        cut = max(where.rfind("."), where.rfind("["))
        if cut <= 0:
            break
        where = where[:cut]
    return lines.get(where)


def yaml_problem(path: Path, text: str, error: yaml.YAMLError) -> str:
    """A YAML syntax error: the line, the text of that line with a caret under
    the column, tabs named as tabs, and an unclosed bracket named where it opens."""
    mark = getattr(error, "problem_mark", None)
    problem = str(getattr(error, "problem", None) or error)
    if mark is None:
        return f"{path}: not valid YAML: {problem}"
    source = text.splitlines()
    context = getattr(error, "context_mark", None)
    line_no, column = mark.line, mark.column
    at_end = line_no >= len(source) or (line_no == len(source) - 1 and column >= len(source[-1]))
    if context is not None and at_end and context.line < len(source):
        # "expected ',' or ']'" found at the end of the file: what is wrong
        # is the bracket (or quote) that was never closed.
        line_no, column = context.line, context.column
        problem = f"{getattr(error, 'context', 'this')} is never closed ({problem})"
    line = source[line_no] if line_no < len(source) else ""
    if "\t" in line[: column + 1] or "cannot start any token" in problem and line[column:column + 1] == "\t":
        problem = "a tab character: YAML indents with spaces only"
    shown = line.expandtabs(1)
    return (f"{path}:{line_no + 1}:{column + 1}: not valid YAML: {problem}\n"
            f"      {shown}\n      {' ' * column}^")
