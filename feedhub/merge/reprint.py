"""Does a copy say it is a reprint, and of whom? (issue #17)

A merged story is credited to the outlet that first published it, so a copy
that marks itself as a reprint must not be shown in the original's place
(docs/merging.md, "The copy shown"). Outlets say so in their own words:

- in the title: a ``【转载】``/``[转]``/``转载：`` prefix, a ``（转载）`` tag;
  in English ``[Reprint]``, ``Reprint:``, a trailing ``(via X)``;
- in the first or last lines of the text: ``转载自X``/``转自X``
  (``本文转自X``, ``编者按：本文转载自X``), a line beginning ``来源：X`` (or
  ``文章来源：``, ``（来源：X）``) that names an outlet other than the copy's
  own; in English a line ``Source: X`` or ``Via X`` naming another outlet,
  and "originally published by X".

Only the head and tail of the text are read: that is where outlets put such
lines, and a story's body may mention "转自" in passing ("运转自如" is no
reprint, nor is "数据来源：" a credit). English markers are looked for only in
a copy written in English (a title without Chinese or Japanese characters):
the issue asks for them where the outlet's site is in English, which is
what its copy's language says, on a Chinese portal's sources too; the
site's own language would leave an English outlet's "via" unread there.

Pure: strings in, a frozen record out. Everything is derived from what is
stored (title and HTML), so nothing new needs storing, and entries stored
before this rule are judged by it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from feedhub.merge.text_cleanup import IS_CJK
from feedhub.normalize import html_to_text

# How many lines at each end of the text are read for a reprint line.
EDGE_LINES = 3
# ... and this many characters of each of those paragraphs.
EDGE_CHARS = 400
# Longer than this, a "来源：…" or "Source: …" line is prose, not a credit.
CREDIT_LINE_CHARS = 80

# What an outlet calls itself in its own credit line: not another outlet.
_SELF = ("本报", "本网", "本站", "本台", "本刊", "本社", "本号", "本报记者", "本网记者", "原创")

_BLOCK = re.compile(r"<(?:/?(?:p|div|h[1-6]|li|ul|ol|blockquote|section|article|header|footer|table|tr|td|figure"
                    r"|figcaption|pre)\b[^>]*|br\s*/?)>", re.I)

# Title: a reprint tag at either end (the tag itself names no origin, unless
# it is 【转自X】).
_ZH_TITLE = re.compile(
    r"^\s*[【\[［(（]\s*(?:转载|转|转帖|转自\s*(?P<origin>[^】\]］)）]{1,30}))\s*[】\]］)）]\s*[:：]?\s*"
    r"|^\s*(?:转载|转帖|转)\s*[:：]\s*"
    r"|\s*[【\[［(（]\s*(?:转载|转)\s*[】\]］)）]\s*$"
)
_EN_TITLE = re.compile(
    r"^\s*(?:[\[(]\s*(?:reprint(?:ed)?|repost(?:ed)?)\s*[\])]|(?:reprint(?:ed)?|repost(?:ed)?)\s*:)\s*"
    # "via X" only in brackets or after a separator: "… goes via the tunnel" is a headline.
    r"|\s*(?:\(\s*via\s+(?P<origin>[^()|]{1,40}?)\s*\)|\s[-–—|]\s*via\s+(?P<after>[^()|]{1,40}?))\s*$",
    re.I,
)

_ORIGIN_ZH = r"[“\"《「『]?\s*(?P<origin>[^，。；,;：:（）()」』”\"》\s]{1,30})"
# 转载自X, 转自X: at a line's start, after punctuation or a pronoun such as
# 本文; never inside a word ("运转自如").
_ZH_REPRINTED_FROM = re.compile(
    r"(?:^|[\s，。；：:、（(【\[「“\"]|本文|文章|此文|该文|原文|稿件|内容)(?:转载自|转载于|转自|转引自|摘自)\s*[:：]?\s*"
    + _ORIGIN_ZH
)
_ZH_SOURCE_LINE = re.compile(r"^[（(【\[［]?\s*(?:文章来源|本文来源|原文来源|稿件来源|信息来源|新闻来源|来源)\s*[:：]\s*"
                             + _ORIGIN_ZH)
_ORIGIN_EN = r"(?P<origin>[^.,;:()\[\]|]{1,60}?)"
_EN_SOURCE_LINE = re.compile(r"^[(\[]?\s*(?:source\s*:|via\b\s*:?)\s*" + _ORIGIN_EN + r"\s*[)\]]?\s*\.?$", re.I)
_EN_ORIGINALLY = re.compile(
    r"\b(?:originally|first)\s+(?:published|appeared|ran)\s+(?:by|in|on|at)\s+" + _ORIGIN_EN
    + r"(?:\s*[.,;:()\[\]|]|\s+(?:on|and|under|with)\s|$)",
    re.I,
)


@dataclass(frozen=True)
class Reprint:
    """What a copy says about itself."""

    marked: bool  # it says it is a reprint
    origin: str | None  # the outlet it names as the original, if it names one
    title: str  # its title without the reprint tag


def reprint_mark(title: str, content_html: str, own_names: Iterable[str]) -> Reprint:
    """Whether a copy titled ``title`` with ``content_html`` marks itself as
    a reprint (of an outlet other than ``own_names``, the copy's source's
    names), and its title without the tag."""
    own = [_key(name) for name in own_names if name and name.strip()]
    english = not IS_CJK.search(title)
    shown, marked, origin = _title_mark(title, english)
    for line in _edge_lines(content_html):
        named = _line_origin(line, english, own)
        if named is not None:
            marked = True
            origin = origin or named or None
            if origin:
                break
    if origin is not None and _is_own(origin, own):
        origin = None
    return Reprint(marked, origin, shown)


def _title_mark(title: str, english: bool) -> tuple[str, bool, str | None]:
    """The title without a reprint tag, whether it had one, the origin the tag names."""
    for pattern in (_ZH_TITLE, _EN_TITLE) if english else (_ZH_TITLE,):
        match = pattern.search(title)
        if match:
            rest = (title[: match.start()] + title[match.end():]).strip()
            if rest:  # a title that is nothing but the tag keeps it
                named = match.groupdict()
                return rest, True, _clean_origin(named.get("origin") or named.get("after"))
    return title, False, None


def _edge_lines(content_html: str) -> list[str]:
    """The first and last EDGE_LINES non-empty lines (paragraphs, breaks) of the text."""
    pieces = [piece for piece in _BLOCK.split(content_html or "") if piece.strip()]
    # A paragraph is read at its start (an editor's note leads it) or, at
    # the end of the text, its end: a publish reads every story shown, and
    # a whole text was too much for that (bench/README.md).
    head = [piece[:EDGE_CHARS] for piece in pieces[:EDGE_LINES]]
    tail = [piece[-EDGE_CHARS:] for piece in pieces[max(EDGE_LINES, len(pieces) - EDGE_LINES):]]
    return [text for text in (html_to_text(piece) for piece in head + tail) if text]


def _line_origin(line: str, english: bool, own: list[str]) -> str | None:
    """For a line that marks a reprint: the origin it names ("" when none);
    None for any other line, or one crediting the copy's own outlet."""
    found = _ZH_REPRINTED_FROM.search(line)
    if found:
        origin = _clean_origin(found.group("origin"))
        return None if origin and _is_own(origin, own) else origin or ""
    if len(line) > CREDIT_LINE_CHARS:
        candidates = []
    else:
        candidates = [_ZH_SOURCE_LINE.search(line)] + ([_EN_SOURCE_LINE.search(line)] if english else [])
    if english:
        candidates.append(_EN_ORIGINALLY.search(line))
    for match in candidates:
        if match:
            origin = _clean_origin(match.group("origin"))
            if origin and not _is_own(origin, own):
                return origin
    return None


def _clean_origin(origin: str | None) -> str | None:
    if not origin:
        return None
    origin = origin.strip(" \t“”\"'《》「」『』【】[]()（）.。")
    return origin or None


def _key(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).casefold().split()).removeprefix("the")


def _is_own(origin: str, own: list[str]) -> bool:
    """``origin`` is the copy's own outlet: one of its names (either
    containing the other: "新华网" and "新华网客户端"), or "本报" and kin."""
    key = _key(origin)
    if not key or any(key.startswith(word) for word in _SELF):
        return True
    return any(name and (name in key or key in name) for name in own)
