"""Category slugs: pinyin for Chinese names, ASCII-folded otherwise.

中国邮政快递报 -> zhongguoyouzhengkuaidibao, as on the sites feedhub serves
(see shared/seed/example-post.md); "World News" -> world-news.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

from feedhub.memory import release_free_memory


def slug_for(name: str) -> str:
    """The slug a category name gets when the config gives none."""
    return slugs_for([name])[0]


def slugs_for(names: Sequence[str]) -> list[str]:
    """slug_for of each name, pypinyin loaded once for all of them.

    pypinyin's phrase dictionary (needed: 重庆银行 is chongqingyinhang, not
    zhongqingyinxing) takes 0.2 s and 55 MB, and is needed only while a
    config is read; kept, it was a fifth of a cycle's peak memory
    (bench/README.md). So it is imported only when a name has a non-ASCII
    character, and unloaded again afterwards (unless something else had
    imported it first), which hands back 46 of the 53 MB (memory.py).
    """
    from slugify import slugify

    if all(name.isascii() for name in names):
        return [slugify(name) or "category" for name in names]
    loaded_before = "pypinyin" in sys.modules
    try:
        return _pinyin_slugs(names)
    finally:
        if not loaded_before:
            for module in [m for m in sys.modules if m == "pypinyin" or m.startswith("pypinyin.")]:
                del sys.modules[module]
            release_free_memory()


def _pinyin_slugs(names: Sequence[str]) -> list[str]:
    # A function of its own, so that nothing of pypinyin is still referenced
    # (a local name would keep its module alive) when slugs_for unloads it.
    from pypinyin import lazy_pinyin
    from slugify import slugify

    # lazy_pinyin turns each Han character into its toneless syllable and
    # keeps other runs as they are; joining without spaces keeps a Chinese
    # name one word, as the example site does. slugify then folds what is
    # left to ASCII.
    return [slugify("".join(lazy_pinyin(name))) or "category" for name in names]


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
