"""Pure category rules: which categories an entry goes into (issue #4 §6).

An entry goes into the categories its source names. A category with
`include` rules also gathers matching entries from every other source (or
from those its `from` list names), so a topic category such as 快递物流 can
be fed by general news sources; for its own sources, `include` filters too.
`exclude` rules always win.

A rule is a keyword (matched case-insensitively, after NFKC, so full-width
and half-width forms match alike) or a regular expression written between
slashes: `/第\\d+号/`. Rules look at the title, the text and the tags, or at
the fields a category lists in `match`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FIELDS = ("title", "text", "tags")


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern

    @classmethod
    def parse(cls, text: str) -> Rule:
        """'/regex/' or a keyword; raises re.error for a bad expression."""
        if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
            return cls(re.compile(text[1:-1], re.IGNORECASE))
        # A Latin keyword matches whole words ("AI" is not in "rain"); Chinese
        # text has no spaces, so a CJK keyword matches anywhere.
        return cls(re.compile(r"(?<![A-Za-z0-9])" + re.escape(_fold(text)) + r"(?![A-Za-z0-9])", re.IGNORECASE))

    def matches(self, haystack: str) -> bool:
        return self.pattern.search(haystack) is not None


@dataclass(frozen=True)
class CategoryRules:
    include: tuple[Rule, ...] = ()
    exclude: tuple[Rule, ...] = ()
    sources: tuple[str, ...] = ()  # where include gathers from; empty: every source
    fields: tuple[str, ...] = FIELDS

    @property
    def gathers(self) -> bool:
        return bool(self.include)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _haystack(rules: CategoryRules, title: str, text: str, tags: Iterable[str]) -> str:
    parts = {"title": title, "text": text, "tags": "\n".join(tags)}
    return _fold("\n".join(parts[f] for f in rules.fields))


def categories_for(source: str, source_categories: Sequence[str], rules: dict[str, CategoryRules],
                   title: str, text: str, tags: Sequence[str]) -> list[str]:
    """The categories an entry of `source` belongs to, in a stable order."""
    chosen = []
    for category, r in rules.items():
        own = category in source_categories
        if not own and not (r.gathers and (not r.sources or source in r.sources)):
            continue
        haystack = _haystack(r, title, text, tags)
        if r.include and not any(rule.matches(haystack) for rule in r.include):
            continue
        if any(rule.matches(haystack) for rule in r.exclude):
            continue
        chosen.append(category)
    # Categories named by the source but without rules of their own.
    chosen += [c for c in source_categories if c not in rules and c not in chosen]
    return chosen
