"""Writing a category's history: archive documents, their HTML pages, and
the page of each story (issue #5).

What to write is decided elsewhere (plan.py reads the store and
says which pages changed); this module turns such a plan into files, through
the same renderers and write_if_changed as everything else, and removes the
files of what is no longer published. It never reads the store: a plan is
records, and its ``pages`` and ``entries`` may be lazy iterables, so that
rebuilding a category of 100,000 stories holds one page in memory at a time.

RFC 5005 archives are written in Atom only: RSS 2.0 and JSON Feed have no
archive marker of their own, and one chain of documents is what a reader
that backfills needs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Container, Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

from feedhub.errors import PublishError
from feedhub.publish.atom import History, render_atom
from feedhub.publish.common import (
    ARCHIVE_DIR,
    ARCHIVE_FILE_RE,
    ENTRY_FILE_RE,
    FEED_FILE,
    PAGE_FILE_RE,
    PAGES_DIR,
    CategoryHistory,
    entry_file,
)
from feedhub.publish.files import write_if_changed
from feedhub.publish.html import render_category, render_entry
from feedhub.types import CategoryView, SiteInfo, Story

log = logging.getLogger("feedhub.publish")


def archive_ref(site: SiteInfo, view: CategoryView, path: str, *, from_dir: str = "") -> str:
    """The URL of ``path`` (relative to the category folder, e.g.
    "archive/3.xml") as written in a document in ``from_dir`` of that folder:
    absolute with a base_url (several readers ignore xml:base and relative
    links), else relative to that document."""
    if site.base_url:
        return f"{site.base_url}{quote(view.slug)}/{path}"
    if from_dir and path.startswith(from_dir + "/"):
        return path[len(from_dir) + 1:]
    return ("../" if from_dir else "") + path


class HistoryWriter:
    """Writes one category's history in two steps, so that the caller can
    put the category's feeds between them: archive pages first (the main
    feed links to the newest), story pages next (category pages link to
    them). What is gone is removed afterwards, once everything is committed
    (remove_gone, with the pages and story files this writer kept)."""

    def __init__(self, view: CategoryView, history: CategoryHistory, site: SiteInfo, folder: Path, *,
                 template_dir: Path | None, formats: Sequence[str], generator_version: str) -> None:
        self.view = view
        self.history = history
        self.site = site
        self.folder = folder
        self.template_dir = template_dir
        self.formats = formats
        self.generator_version = generator_version
        self.kept_pages: set[int] = set()
        self.kept_entries: set[str] = set()

    def write_pages(self) -> list[Path]:
        written: list[Path] = []
        view, site = self.view, self.site
        for page in self.history.pages:
            self.kept_pages.add(page.number)
            ref = lambda path: archive_ref(site, view, path, from_dir=ARCHIVE_DIR)  # noqa: E731
            links = History(
                current=ref(FEED_FILE),
                prev_archive=ref(f"{ARCHIVE_DIR}/{page.older}.xml") if page.older else None,
                next_archive=ref(f"{ARCHIVE_DIR}/{page.newer}.xml") if page.newer else None,
                alternate=ref(f"{PAGES_DIR}/{page.number}.html"),
                empty_updated=page.empty_updated,
            )
            archive_view = CategoryView(view.name, view.slug, page.stories, view.sources, view.archive)
            data = render_atom(archive_view, site, self_url=ref(f"{ARCHIVE_DIR}/{page.number}.xml"),
                               generator_version=self.generator_version, history=links)
            self._write(self.folder / ARCHIVE_DIR / f"{page.number}.xml", data, written)
            data = render_category(view, site, template_dir=self.template_dir, formats=self.formats, page=page)
            self._write(self.folder / PAGES_DIR / f"{page.number}.html", data, written)
            if self.history.entries_of_pages:
                written += self.write_entries(page.stories)
        return written

    def write_entries(self, stories: Iterable[Story]) -> list[Path]:
        written: list[Path] = []
        for story in stories:
            name = entry_file(story.id)
            if name in self.kept_entries:
                continue
            self.kept_entries.add(name)
            data = render_entry(story, self.view, self.site, template_dir=self.template_dir, formats=self.formats)
            self._write(self.folder / name, data, written)
        return written

    @staticmethod
    def _write(path: Path, data: bytes, written: list[Path]) -> None:
        if write_if_changed(path, data):
            written.append(path)


def remove_gone(folder: Path, history: CategoryHistory, kept_pages: Container[int], kept_entries: Container[str]) -> None:
    """Delete the archive and story pages ``history`` says are gone, unless
    this publish kept them; on a sweep, every such file it did not keep."""
    for number in history.removed_pages:
        if number not in kept_pages:
            _remove(folder / ARCHIVE_DIR / f"{number}.xml")
            _remove(folder / PAGES_DIR / f"{number}.html")
    for story_id in history.removed_entries:
        name = entry_file(story_id)
        if name not in kept_entries:
            _remove(folder / name)
    if not history.sweep:
        return
    for sub, pattern in ((ARCHIVE_DIR, ARCHIVE_FILE_RE), (PAGES_DIR, PAGE_FILE_RE)):
        for name in _names(folder / sub):
            match = pattern.match(name)
            if match and int(match.group(1)) not in kept_pages:
                _remove(folder / sub / name)
    for name in _names(folder):
        if ENTRY_FILE_RE.match(name) and name not in kept_entries:
            _remove(folder / name)


def _names(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    except OSError as error:
        raise PublishError(f"cannot list {folder}: {error.strerror or error}") from error


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    except OSError as error:
        raise PublishError(f"cannot remove {path}: {error.strerror or error}") from error
    log.info("removed %s", path)
