"""Category slugs: pinyin for Chinese names, ASCII-folded otherwise.

中国邮政快递报 -> zhongguoyouzhengkuaidibao, as on the sites feedhub serves
(see shared/seed/example-post.md); "World News" -> world-news.
"""

from __future__ import annotations

from collections.abc import Iterable


def slug_for(name: str) -> str:
    """The slug a category name gets when the config gives none."""
    # Imported here: pypinyin's phrase dictionary costs 0.2 s and 57 MB, and
    # most runs have every slug given or no Chinese name (bench/README.md).
    from pypinyin import lazy_pinyin
    from slugify import slugify

    # lazy_pinyin turns each Han character into its toneless syllable and keeps
    # other runs as they are; joining without spaces keeps a Chinese name one
    # word, as the example site does. slugify then folds what is left to ASCII.
    return slugify("".join(lazy_pinyin(name))) or "category"


def unique_slugs(wanted: Iterable[str]) -> list[str]:
    """Make slugs unique in order: the second 'news' becomes 'news-2'."""
    seen: set[str] = set()
    result = []
    for slug in wanted:
        candidate, n = slug, 1
        while candidate in seen:
            n += 1
            candidate = f"{slug}-{n}"
        seen.add(candidate)
        result.append(candidate)
    return result
