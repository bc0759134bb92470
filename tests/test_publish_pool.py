"""Publishing on every CPU (publish_site with a pool): the same files as in
one process, committed together, and nothing left behind when it fails.

The categories are built from the hand-written stories of test_publish.py;
what is compared is the bytes of every file, not a rendering of ours.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

import pytest

from feedhub.errors import PublishError
from feedhub.pool import WorkerPool
from feedhub.publish import POOL_JOBS_AHEAD, POOL_MIN_CATEGORIES, PlannedCategory, publish_planned, publish_site
from feedhub.types import CategoryView
from publish_records import SITE_ZH
from publish_records import EN_VIEW, FED, OIL

FORMATS = ("atom", "rss", "json")


def _views(count: int) -> list[CategoryView]:
    views = []
    for i in range(count):
        stories = tuple(replace(story, id=f"{story.id}#{i}", category=f"Markets {i}") for story in (FED, OIL))
        views.append(replace(EN_VIEW, name=f"Markets {i}", slug=f"markets-{i}", stories=stories))
    return views


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pool():
    with WorkerPool() as workers:
        yield workers


def test_the_pool_writes_byte_for_byte_what_one_process_writes(tmp_path, pool):
    views = _views(POOL_MIN_CATEGORIES + 2)
    alone = publish_site(views, SITE_ZH, tmp_path / "alone", generator_version="1", formats=FORMATS)
    shared = publish_site(views, SITE_ZH, tmp_path / "pool", generator_version="1", formats=FORMATS, pool=pool.get)
    assert pool.started  # the categories really went to the pool
    one, other = _files(tmp_path / "alone"), _files(tmp_path / "pool")
    # Per category: three feeds, its page and a page per story; plus home and OPML.
    assert len(one) == len(views) * (3 + 1 + 2) + 2
    assert one == other
    assert [p.relative_to(tmp_path / "alone") for p in alone] == [p.relative_to(tmp_path / "pool") for p in shared]
    assert not [name for name in other if ".tmp" in name]
    # Nothing new: nothing rewritten, through the pool too.
    assert publish_site(views, SITE_ZH, tmp_path / "pool", generator_version="1", formats=FORMATS, pool=pool.get) == []


def test_a_category_that_cannot_be_written_changes_no_file_and_leaves_no_temporary_file(tmp_path, pool):
    views = _views(POOL_MIN_CATEGORIES + 2)
    out = tmp_path / "out"
    publish_site(views, SITE_ZH, out, generator_version="1", formats=FORMATS, pool=pool.get)
    before = _files(out)
    # The next publish has news everywhere, but one category's folder has
    # become a file: that category fails in a worker process.
    newer = [replace(view, name=view.name + " (new title)") for view in views]
    broken = out / views[3].slug
    for child in broken.iterdir():
        child.unlink()
    broken.rmdir()
    broken.write_bytes(b"not a folder")
    with pytest.raises(PublishError, match=views[3].slug):
        publish_site(newer, SITE_ZH, out, generator_version="1", formats=FORMATS, pool=pool.get)
    after = _files(out)
    assert after.pop(views[3].slug) == b"not a folder"
    assert after == {name: data for name, data in before.items() if not name.startswith(views[3].slug + "/")}
    assert not [name for _, _, names in os.walk(out) for name in names if name.endswith(".tmp")]


class _WorkerDiesAfterWriting(Executor):
    """A pool whose worker renders and writes its category's temporary
    files, then dies before it can report them (the OOM killer, say)."""

    def submit(self, fn, /, *args, **kwargs):
        fn(*args, **kwargs)
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a process in the process pool was terminated abruptly"))
        return future


class _JobsCancelled(Executor):
    """A pool shut down with its queued jobs cancelled (WorkerPool._replace,
    when it could not start a worker): nothing of the category was written."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        future.cancel()
        return future


@pytest.mark.parametrize("pool, message", [
    (_WorkerDiesAfterWriting, "publishing failed: BrokenProcessPool"),
    (_JobsCancelled, "publishing failed: CancelledError"),
])
def test_a_publish_whose_pool_fails_changes_no_file_and_leaves_no_temporary_file(tmp_path, pool, message):
    views = _views(POOL_MIN_CATEGORIES + 2)
    out = tmp_path / "out"
    publish_site(views, SITE_ZH, out, generator_version="1", formats=FORMATS)
    before = _files(out)
    newer = [replace(view, name=view.name + " (new title)") for view in views]
    with pytest.raises(PublishError, match=message):
        publish_site(newer, SITE_ZH, out, generator_version="1", formats=FORMATS, pool=pool)
    assert _files(out) == before
    assert not [name for _, _, names in os.walk(out) for name in names if name.endswith(".tmp")]


def test_temporary_files_nobody_committed_are_swept_after_a_publish(tmp_path):
    """Left by a publish killed before its commit, or by a job the pool ran
    twice (pool.WorkerPool.submit): gone once the next publish is committed."""
    views = _views(2)
    out = tmp_path / "out"
    publish_site(views, SITE_ZH, out, generator_version="1", formats=FORMATS)
    stray = [out / views[0].slug / ".atom.xml.k3j9x2.tmp", out / ".index.html.p0q1r2.tmp"]
    for path in stray:
        path.write_bytes(b"half written")
    kept = out / views[0].slug / "notes.tmp"  # not a name of ours: left alone
    kept.write_bytes(b"mine")
    publish_site([replace(view, name=view.name + " (new)") for view in views], SITE_ZH, out,
                 generator_version="1", formats=FORMATS)
    assert [path.exists() for path in stray] == [False, False] and kept.read_bytes() == b"mine"


def _categories_with_files(root: Path) -> int:
    """Category folders holding anything yet (temporary files included)."""
    return sum(1 for folder in root.iterdir() if folder.is_dir() and any(folder.iterdir())) if root.exists() else 0


@pytest.mark.parametrize("with_pool, running", [(False, False), (True, False), (True, True)])
def test_categories_are_planned_only_a_few_ahead_of_those_written(tmp_path, pool, with_pool, running):
    """publish_planned holds a few categories at a time: it asks for the
    next one only when all but a few of those before are written (as
    temporary files), so a site's stories are never all in memory at once."""
    views = _views(POOL_MIN_CATEGORIES + POOL_JOBS_AHEAD + 12)
    out = tmp_path / "out"
    ahead = []

    def planned():
        for index, view in enumerate(views):
            ahead.append(index - _categories_with_files(out))
            yield PlannedCategory(view)

    written = publish_planned(planned(), SITE_ZH, out, generator_version="1", formats=FORMATS,
                              pool=pool.get if with_pool else None, pool_running=running)
    # A running pool is used at once: no look-ahead to decide whether to start it.
    assert max(ahead) <= (0 if running else POOL_MIN_CATEGORIES) + POOL_JOBS_AHEAD
    assert ahead[-1] < len(views) // 2  # the last ones were asked for long after the first were written
    # The same files as publishing from a list.
    from_list = publish_site(views, SITE_ZH, tmp_path / "list", generator_version="1", formats=FORMATS)
    assert [p.relative_to(out) for p in written] == [p.relative_to(tmp_path / "list") for p in from_list]
    assert _files(out) == _files(tmp_path / "list")
