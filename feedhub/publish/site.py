"""The publishing stage: category views -> files under output/.

Rendering is pure (records in, bytes out, no clock); ``publish_site`` only
lays the files out (DESIGN.md, "The output") and writes those whose bytes
changed, each atomically::

    output/<slug>/atom.xml     render_atom       (atom.py)      format "atom"
    output/<slug>/rss.xml      render_rss        (rss.py)       format "rss"
    output/<slug>/feed.json    render_json_feed  (jsonfeed.py)  format "json"
    output/<slug>/index.html   render_category   (html.py)
    output/<slug>/<entry>.html render_entry      (html.py)      one per story
    output/<slug>/archive/<n>.xml, page/<n>.html                (history.py)
    output/index.html          render_index      (html.py)
    output/feeds.opml          render_opml       (opml.py)

Which feed formats are written is the caller's choice (``formats``); every
file follows it: a format left out is neither written nor linked, and the
first enabled one in the order atom, rss, json is the category's main feed,
the one feeds.opml lists. A format turned off has its old file removed: left
in place it would still be served, frozen, and its subscribers would never
learn that it stopped; a 404 tells their reader.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from pathlib import Path

from feedhub.errors import PublishError
from feedhub.publish.atom import History, render_atom
from feedhub.publish.common import (
    ARCHIVE_DIR,
    DEFAULT_FORMATS,
    FEED_FILE,
    FEED_FORMATS,
    PAGE_FILE,
    PAGES_DIR,
    ArchivePage,
    FeedFormat,
    entry_file,
    feed_formats,
    format_path,
)
from feedhub.publish.files import (
    adopt,
    after_commit,
    batched_writes,
    collected_writes,
    remove_temporary_files,
    write_if_changed,
)
from feedhub.publish.history import CategoryHistory, HistoryWriter, archive_ref, remove_gone
from feedhub.publish.html import render_category, render_entry, render_index
from feedhub.publish.jsonfeed import render_json_feed
from feedhub.publish.neighbours import within_view
from feedhub.publish.opml import render_opml
from feedhub.publish.rss import render_rss
from feedhub.types import CategoryView, SiteInfo

log = logging.getLogger("feedhub.publish")

__all__ = [
    "ArchivePage",
    "CategoryHistory",
    "DEFAULT_FORMATS",
    "FEED_FILE",
    "FEED_FORMATS",
    "PAGE_FILE",
    "FeedFormat",
    "History",
    "PlannedCategory",
    "entry_file",
    "feed_formats",
    "publish_planned",
    "publish_site",
    "render_atom",
    "render_category",
    "render_entry",
    "render_index",
    "render_json_feed",
    "render_opml",
    "render_rss",
    "write_if_changed",
]

# How each format is rendered: (view, site, its own URL, generator version) -> bytes.
_RENDERERS: dict[str, Callable[[CategoryView, SiteInfo, str, str], bytes]] = {
    # RFC 5005 §4: the subscription document links the newest archive.
    "atom": lambda view, site, url, version: render_atom(
        view, site, self_url=url, generator_version=version,
        history=History(prev_archive=archive_ref(site, view, f"{ARCHIVE_DIR}/{view.archive}.xml")) if view.archive else None,
    ),
    "rss": lambda view, site, url, version: render_rss(view, site, self_url=url, generator_version=version),
    "json": lambda view, site, url, version: render_json_feed(view, site, feed_url=url, generator_version=version),
}


@dataclass(frozen=True)
class CategoryJob:
    """Everything publish_category needs: records only, so that it can run in
    another process."""

    view: CategoryView
    history: CategoryHistory
    site: SiteInfo
    folder: Path
    template_dir: Path | None
    formats: tuple[str, ...]
    generator_version: str
    # The feeds and the category page already hold what the view gives:
    # only the history (archive and story pages) is written.
    view_unchanged: bool = False


@dataclass(frozen=True)
class CategoryWritten:
    """What publish_category did: files written (as temporary files still to
    be committed, see files.collected_writes) and what it kept, which says
    what the removal step may delete."""

    written: list[Path]
    pending: list[tuple[str, Path]]
    kept_pages: set[int]
    kept_entries: set[str]


def publish_category(job: CategoryJob) -> CategoryWritten:
    """Render and write one category's files (feeds, category page, archive
    pages, story pages). Runs in the publishing pool or in the caller's
    process; nothing is visible until the caller commits ``pending``."""
    view, site = job.view, job.site
    writer = _history_writer(job)
    written: list[Path] = []

    def write(path: Path, data: bytes) -> None:
        if write_if_changed(path, data):
            written.append(path)

    with collected_writes() as pending:
        # Order: archive pages before the feed linking the newest of them,
        # story pages before the category page linking them (the commit keeps it).
        written += writer.write_pages()
        for name in () if job.view_unchanged else job.formats:
            feed = FEED_FORMATS[name]
            write(job.folder / feed.file, _RENDERERS[name](view, site, _self_url(view, site, feed), job.generator_version))
        written += writer.write_entries(writer.history.entries)
        if not job.view_unchanged:
            write(job.folder / PAGE_FILE, render_category(view, site, template_dir=job.template_dir, formats=job.formats))
    return CategoryWritten(written, pending, writer.kept_pages, writer.kept_entries)


def _history_writer(job: CategoryJob) -> HistoryWriter:
    return HistoryWriter(job.view, job.history, job.site, job.folder, template_dir=job.template_dir,
                         formats=job.formats, generator_version=job.generator_version)


# A category whose history plan holds more stories than this is published in
# the main process, reading its pages lazily from the store, rather than
# materialised whole to be sent to the pool (a rebuild of a big archive).
POOL_STORY_LIMIT = 5_000
# Below this many categories a publish is not worth starting the pool for.
POOL_MIN_CATEGORIES = 8
# Categories sent to the pool and not yet collected, at most: enough to keep
# every worker busy while the main process reads the next one's pages.
POOL_JOBS_AHEAD = 2 * (os.cpu_count() or 1) + 2


def publish_site(
    views: Iterable[CategoryView],
    site: SiteInfo,
    output_dir: Path,
    *,
    template_dir: Path | None = None,
    generator_version: str,
    formats: Sequence[str] = ("atom",),
    history: Mapping[str, CategoryHistory] | None = None,
    pool: Callable[[], Executor] | None = None,
    unchanged: Container[str] = (),
) -> list[Path]:
    """Write every output file; return the paths actually rewritten.

    ``history`` maps a category's slug to what to write of its history
    (archive documents, their pages, story pages) and what to remove; see
    history.py. Without one, a category gets no archives and a page for each
    story of its view: what a site whose feeds hold everything needs.

    ``formats`` names the feed formats to write (keys of FEED_FORMATS).
    Callers pass the config's choice, whose default is DEFAULT_FORMATS (all
    three); the default here, Atom alone, is the layout from before formats
    existed. Files of formats left
    out are removed from the category folders (see the module's docstring);
    they are logged, not returned.

    ``unchanged`` names (by slug) categories whose feeds and category page
    are known to hold exactly what their view gives (the caller compares a
    hash with the last publish's): those are not rendered again, only their
    history is written, if it has anything; with nothing, the category is
    not even visited.

    ``pool`` (a function returning a process pool) lets categories be
    rendered and written on every CPU: a cold cycle's publish was half of it,
    on one CPU while the other idled (bench/README.md). The files are
    committed here, in category order, all at once (files.batched_writes).

    Raises PublishError on an unknown or empty ``formats``, on a slug that
    cannot be a folder name or is used twice, and on any file that cannot be
    written (then no file changes: the previous output stays whole).
    """
    planned = (PlannedCategory(view, history.get(view.slug) if history is not None else None, view.slug in unchanged)
               for view in views)
    return publish_planned(planned, site, output_dir, template_dir=template_dir, generator_version=generator_version,
                           formats=formats, pool=pool)


@dataclass(frozen=True)
class PlannedCategory:
    """One category for publish_planned: its feed, what to write of its
    history (None: no archives, a page per story of the view), and whether
    its feeds and category page already hold what the view gives."""

    view: CategoryView
    history: CategoryHistory | None = None
    unchanged: bool = False


def publish_planned(
    categories: Iterable[PlannedCategory],
    site: SiteInfo,
    output_dir: Path,
    *,
    template_dir: Path | None = None,
    generator_version: str,
    formats: Sequence[str] = ("atom",),
    pool: Callable[[], Executor] | None = None,
    pool_running: bool = False,
) -> list[Path]:
    """publish_site over categories that may be planned one at a time (a
    generator): each is rendered, written and let go before the next few are
    asked for, and only what the home page and feeds.opml need of it is
    kept, so that publishing holds a few categories' stories at a time, not
    the whole site's (plan.plan_categories; bench/README.md).

    ``pool_running``: the pool has been started already (by the refresh),
    so it is used from the first category on, without first looking
    POOL_MIN_CATEGORIES ahead to decide whether starting it pays off."""
    try:
        feeds = feed_formats(formats)
    except ValueError as error:
        raise PublishError(str(error)) from error
    names = tuple(feed.name for feed in feeds)
    summaries: list[CategoryView] = []  # every category, as the home page and feeds.opml need it
    pending_jobs = _jobs(categories, summaries, site, output_dir, template_dir, names, generator_version,
                         keep_text=_index_shows_text(template_dir))
    # Starting the pool pays off from POOL_MIN_CATEGORIES categories with
    # something to write: look that far ahead before deciding.
    first = [] if pool_running else list(itertools.islice(pending_jobs, POOL_MIN_CATEGORIES))
    executor = pool() if pool is not None and (pool_running or len(first) >= POOL_MIN_CATEGORIES) else None
    with batched_writes():
        batch = _Batch()
        batch.publish(itertools.chain(first, pending_jobs), executor)
        _write_site_pages(batch.written, summaries, site, output_dir, template_dir, names, feeds[0])
        _remove_after_commit(batch.removals, summaries, output_dir, feeds)
    return batch.written


def _index_shows_text(template_dir: Path | None) -> bool:
    """The built-in home page shows no story's text; a site's own index.html
    (or base.html, which it extends) may, so it gets the stories whole."""
    return template_dir is not None and any((Path(template_dir) / name).is_file()
                                            for name in ("index.html", "base.html"))


def _jobs(categories: Iterable[PlannedCategory], summaries: list[CategoryView], site: SiteInfo, output_dir: Path,
          template_dir: Path | None, names: tuple[str, ...], generator_version: str, *,
          keep_text: bool) -> Iterator[CategoryJob]:
    """A job for each category with something to write, as it is planned;
    every category's summary is added to ``summaries`` on the way."""
    slugs: set[str] = set()
    for item in categories:
        view = item.view
        _check_slug(view, slugs)
        summaries.append(view if keep_text else _summary(view))
        # Without a plan from the store, a story's neighbours are those of the feed.
        plan = item.history or CategoryHistory(entries=within_view(view.stories))
        if item.unchanged and _nothing_to_write(plan):
            continue
        yield CategoryJob(view, plan, site, output_dir / view.slug, template_dir, names, generator_version,
                          view_unchanged=item.unchanged)


class _Batch:
    """The categories of one publish, published in turn, in the pool or
    here, and their files committed to the batch of writes in category order."""

    def __init__(self) -> None:
        self.written: list[Path] = []
        self.results: list[Future[CategoryWritten] | CategoryWritten | None] = []
        # Per category written: its folder and what its plan removes, for
        # the removal step once every category is written; the kept pages
        # and story files come with its result.
        self.removals: list[tuple[str, Path, CategoryHistory, CategoryWritten | None]] = []
        self.collected = 0  # results[:collected] are committed to the batch
        self.failure: BaseException | None = None

    def publish(self, jobs: Iterable[CategoryJob], executor: Executor | None) -> None:
        """Publish every job, or none past the first that fails: then raise
        its PublishError (the batch discards what was written)."""
        try:
            for job in jobs:
                if self.failure is not None:
                    break  # the publish fails as a whole: write no more
                # What the removal step needs of the plan: not its pages.
                self.removals.append((job.view.name, job.folder, replace(job.history, pages=(), entries=()), None))
                sendable = False
                if executor is not None:
                    materialized, sendable = _materialized(job.history)
                    job = replace(job, history=materialized)
                if sendable:
                    self.results.append(executor.submit(publish_category, job))  # type: ignore[union-attr]
                    # A few jobs ahead of the pool, not all of them: each holds
                    # its category's story pages read from the store (a cold
                    # publish of 200 categories grew the process by 30 MB).
                    self.collect(len(self.results) - POOL_JOBS_AHEAD)
                else:
                    # Lazy pages are read here, from the store, one at a time.
                    self.results.append(publish_category(job))
                    self.collect(len(self.results))
        finally:
            # Every category's temporary files join the batch, even when one
            # failed: the batch then removes them all.
            self.collect(len(self.results))
            if self.failure is not None:
                raise self.failure

    def collect(self, until: int) -> None:
        """Add the temporary files of results[collected:until] to the
        batch, in category order, and let go of the results."""
        while self.collected < until:
            index, result = self.collected, self.results[self.collected]
            name, folder, plan, _ = self.removals[index]
            try:
                done = result.result() if isinstance(result, Future) else result
            except Exception as error:
                # (Ctrl-C or SIGTERM while waiting goes through: this
                # result stays to be collected by the finally of publish,
                # so that its temporary files join the batch, which removes them.)
                self.results[index] = None
                self.collected += 1
                self._failed(name, folder, error)
                continue
            assert done is not None
            # Adopted before it counts as collected: interrupted between
            # the two, it is adopted twice, which a discarded batch minds
            # no more than once.
            adopt(done.pending)
            self.written += done.written
            self.removals[index] = (name, folder, plan, replace(done, written=[], pending=[]))
            self.results[index] = None
            self.collected += 1

    def _failed(self, name: str, folder: Path, error: Exception) -> None:
        if isinstance(error, PublishError):
            self.failure = self.failure or error
            return
        # A worker that died, a bug: one line, not a traceback.
        log.exception("publishing %s failed", name)
        self.failure = self.failure or PublishError(
            f"category {name!r}: publishing failed: {type(error).__name__}: {error}")
        # Its temporary files never came back to be discarded.
        remove_temporary_files([folder, folder / ARCHIVE_DIR, folder / PAGES_DIR])


def _write_site_pages(written: list[Path], summaries: Sequence[CategoryView], site: SiteInfo, output_dir: Path,
                      template_dir: Path | None, names: tuple[str, ...], main: FeedFormat) -> None:
    """The home page and feeds.opml; the paths rewritten are added to ``written``."""

    def write(path: Path, data: bytes) -> None:
        if write_if_changed(path, data):
            written.append(path)

    write(output_dir / PAGE_FILE, render_index(summaries, site, template_dir=template_dir, formats=names))
    write(output_dir / "feeds.opml", render_opml(summaries, site, feed_path=lambda view: format_path(view, main)))


def _remove_after_commit(removals: Sequence[tuple[str, Path, CategoryHistory, CategoryWritten | None]],
                         summaries: Sequence[CategoryView], output_dir: Path, feeds: Sequence[FeedFormat]) -> None:
    """Removals wait for the commit: of this batch, or of the caller's."""
    for _, folder, plan, done in removals:
        assert done is not None
        after_commit(functools.partial(remove_gone, folder, plan, done.kept_pages, done.kept_entries))
    after_commit(functools.partial(_remove_turned_off, summaries, output_dir, feeds))
    # Temporary files nobody committed: a job the pool ran twice (see
    # pool.WorkerPool.submit), a publish killed before its commit.
    after_commit(functools.partial(remove_temporary_files, [
        output_dir, *(folder / sub for _, folder, _, _ in removals for sub in ("", ARCHIVE_DIR, PAGES_DIR))]))


def _summary(view: CategoryView) -> CategoryView:
    """``view`` without its stories' text: what the built-in home page and
    feeds.opml show of a category (titles, links, dates, sources)."""
    return replace(view, stories=tuple(replace(story, content="", summary="") for story in view.stories))


def _nothing_to_write(history: CategoryHistory) -> bool:
    """True when ``history`` plainly holds no page to write and nothing to
    remove (lazy parts are never read here: they count as something)."""
    if history.sweep or history.entries_of_pages:
        return False
    parts = (history.pages, history.entries, history.removed_pages, history.removed_entries)
    return all(isinstance(part, (list, tuple)) and not part for part in parts)


def _materialized(history: CategoryHistory) -> tuple[CategoryHistory, bool]:
    """``history`` with its lazy parts read into tuples, so that it can be
    sent to another process, and True; or, when it holds more than
    POOL_STORY_LIMIT stories, ``history`` as it was (what was read put back
    in front) and False: it is then published where the store is, lazily."""
    if isinstance(history.pages, (list, tuple)) and isinstance(history.entries, (list, tuple)):
        return history, True
    pages_iter, entries_iter = iter(history.pages), iter(history.entries)
    pages, count = [], 0
    for page in pages_iter:
        pages.append(page)
        count += len(page.stories)
        if count > POOL_STORY_LIMIT:
            return replace(history, pages=itertools.chain(pages, pages_iter)), False
    entries = list(itertools.islice(entries_iter, POOL_STORY_LIMIT + 1 - count))
    if count + len(entries) > POOL_STORY_LIMIT:
        return replace(history, pages=tuple(pages), entries=itertools.chain(entries, entries_iter)), False
    return replace(history, pages=tuple(pages), entries=tuple(entries)), True


def _remove_turned_off(views: Sequence[CategoryView], output_dir: Path, feeds: Sequence[FeedFormat]) -> None:
    """Delete the files of formats not in ``feeds``, by their exact names only."""
    for fmt in FEED_FORMATS.values():
        if fmt in feeds:
            continue
        for view in views:
            path = output_dir / view.slug / fmt.file
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as error:
                reason = error.strerror or str(error)
                raise PublishError(f"cannot remove {path} (format {fmt.name!r} is turned off): {reason}") from error
            log.info("removed %s: format %r is turned off", path, fmt.name)


def _self_url(view: CategoryView, site: SiteInfo, feed: FeedFormat) -> str:
    # Without a base_url, the self link is relative to the feed document
    # itself (RFC 4287 §4.2.7.1 allows an IRI reference), which stays true
    # wherever output/ ends up being served.
    return site.base_url + format_path(view, feed) if site.base_url else feed.file


def _check_slug(view: CategoryView, seen: set[str]) -> None:
    """Refuse a slug that cannot be a folder name or that another category
    of this publish (``seen``, to which it is added) already uses."""
    slug = view.slug
    if not slug or slug in (".", "..") or "/" in slug or "\\" in slug or "\x00" in slug:
        raise PublishError(f"category {view.name!r}: slug {slug!r} cannot be a folder name under output/")
    if slug in seen:
        raise PublishError(f"category {view.name!r}: slug {slug!r} is used by another category")
    seen.add(slug)
