"""Category slugs: pinyin for Chinese names, ASCII-folded otherwise.

中国邮政快递报 -> zhongguoyouzhengkuaidibao, as on the sites feedhub serves
(see shared/seed/example-post.md); "World News" -> world-news.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from feedhub.memory import release_free_memory

log = logging.getLogger("feedhub.config.slug")


def slug_for(name: str) -> str:
    """The slug a category name gets when the config gives none."""
    return slugs_for([name])[0]


def slugs_for(names: Sequence[str]) -> list[str]:
    """slug_for of each name, pypinyin loaded once for all of them.

    pypinyin's phrase dictionary (needed: 重庆银行 is chongqingyinhang, not
    zhongqingyinxing) takes 0.2 s and 55 MB, and is needed only while a
    config is read; kept, it was a fifth of a cycle's peak memory
    (bench/README.md). So it is imported only when a name has a non-ASCII
    character and no earlier run left its slug in the cache (see
    _SlugCache: `run --once` from cron reads the same names every time),
    and unloaded again afterwards (unless something else had imported it
    first), which hands back 46 of the 53 MB (memory.py).
    """
    from slugify import slugify

    if all(name.isascii() for name in names):
        return [slugify(name) or "category" for name in names]
    cache = _SlugCache.load()
    missing = [name for name in dict.fromkeys(names) if name not in cache.slugs]
    if missing:
        loaded_before = "pypinyin" in sys.modules
        try:
            cache.slugs.update(zip(missing, _pinyin_slugs(missing)))
        finally:
            if not loaded_before:
                for module in [m for m in sys.modules if m == "pypinyin" or m.startswith("pypinyin.")]:
                    del sys.modules[module]
                release_free_memory()
        cache.save()
    return [cache.slugs[name] for name in names]


class _SlugCache:
    """Slugs of non-ASCII names derived before, in
    ``$XDG_CACHE_HOME/feedhub/slugs.json`` (default ``~/.cache``). A slug is
    a pure function of the name and of the pypinyin and python-slugify
    versions, which the file records: with other versions it is ignored and
    rewritten. A cache that cannot be read or written only costs the time
    and memory of deriving the slugs again; a config's own ``slug:`` always
    wins over it (load.py)."""

    VERSION = 1

    def __init__(self, path: Path | None, stamp: dict[str, str], slugs: dict[str, str]) -> None:
        self.path, self.stamp, self.slugs = path, stamp, slugs
        self._loaded = dict(slugs)

    @classmethod
    def load(cls) -> _SlugCache:
        # python-slugify transliterates with Unidecode when it is installed,
        # else with text-unidecode: either changes what a slug would be now.
        # VERSION is raised whenever _pinyin_slugs changes.
        stamp = {"v": str(cls.VERSION), **{name: _version(name) for name in _STAMPED}}
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = Path(base) / "feedhub" / "slugs.json" if os.path.isabs(base) else None
        slugs: dict[str, str] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8")) if path else None
            if isinstance(data, dict) and data.get("stamp") == stamp and isinstance(data.get("slugs"), dict):
                slugs = {k: v for k, v in data["slugs"].items() if isinstance(k, str) and isinstance(v, str) and v}
        except (OSError, ValueError):
            pass
        return cls(path, stamp, slugs)

    def save(self) -> None:
        if self.path is None or self.slugs == self._loaded:
            return
        text = json.dumps({"stamp": self.stamp, "slugs": self.slugs}, ensure_ascii=False, sort_keys=True)
        # Atomically (two feedhubs at once each see a whole file): a
        # temporary file beside it, then a rename.
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.path.parent, prefix=".slugs.",
                                             suffix=".tmp", delete=False) as tmp:
                tmp.write(text)
            os.replace(tmp.name, self.path)
        except OSError as error:
            log.debug("slug cache %s not written: %s", self.path, error)
            with contextlib.suppress(OSError, NameError):
                os.unlink(tmp.name)


# Distributions whose versions decide what a derived slug is.
_STAMPED = ("pypinyin", "python-slugify", "Unidecode", "text-unidecode")


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


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
