"""batched_writes: one sync for many files, and all or nothing."""

import pytest

from feedhub.errors import PublishError
from feedhub.publish.files import after_commit, batched_writes, write_if_changed


def test_a_batch_replaces_its_files_at_the_end(tmp_path):
    a, b = tmp_path / "a.xml", tmp_path / "sub" / "b.xml"
    a.write_bytes(b"old")
    with batched_writes():
        assert write_if_changed(a, b"new")
        assert write_if_changed(b, b"bee")
        assert a.read_bytes() == b"old"  # nothing replaced before the end of the batch
    assert a.read_bytes() == b"new" and b.read_bytes() == b"bee"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.xml", "b.xml", "sub"]


def test_a_failed_batch_changes_nothing_and_leaves_no_temporary_file(tmp_path):
    a = tmp_path / "a.xml"
    a.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with batched_writes():
            write_if_changed(a, b"new")
            write_if_changed(tmp_path / "c.xml", b"sea")
            raise RuntimeError("rendering failed half way")
    assert a.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml"]


def test_removals_wait_for_the_commit_and_are_dropped_if_it_fails(tmp_path):
    """A page out of the retention is removed only once the new files are
    in place: a commit that fails leaves the previous output whole."""
    old_page = tmp_path / "archive-1.html"
    old_page.write_bytes(b"old")
    with pytest.raises(PublishError, match="feed.xml"), batched_writes():
        write_if_changed(tmp_path / "feed.xml", b"new")
        after_commit(old_page.unlink)
        assert old_page.exists()
        # Something takes the temporary file away: the commit fails.
        for temporary in tmp_path.glob(".feed.xml.*.tmp"):
            temporary.unlink()
    assert old_page.read_bytes() == b"old" and not (tmp_path / "feed.xml").exists()

    with batched_writes():
        write_if_changed(tmp_path / "feed.xml", b"new")
        after_commit(old_page.unlink)
        assert old_page.exists()
    assert not old_page.exists() and (tmp_path / "feed.xml").read_bytes() == b"new"
    # Outside a batch there is nothing to wait for.
    old_page.write_bytes(b"old")
    after_commit(old_page.unlink)
    assert not old_page.exists()


def test_an_interrupt_during_the_commit_waits_for_its_end(tmp_path, monkeypatch):
    # Issue #13: `run --once` stopped by SIGTERM while the batch was synced
    # to disk (os.sync() can take seconds) left every temporary file behind.
    import os
    import signal

    def interrupted(*_):
        raise KeyboardInterrupt  # what `run --once` does on SIGTERM

    sync = os.sync
    monkeypatch.setattr(os, "sync", lambda: (os.kill(os.getpid(), signal.SIGTERM), sync()))
    previous = signal.signal(signal.SIGTERM, interrupted)
    try:
        with pytest.raises(KeyboardInterrupt):
            with batched_writes():
                write_if_changed(tmp_path / "a.xml", b"new")
                write_if_changed(tmp_path / "b.xml", b"bee")
        assert signal.getsignal(signal.SIGTERM) is interrupted  # the handler is back
    finally:
        signal.signal(signal.SIGTERM, previous)
    # The commit ended, then the interrupt was acted on: the new files, no temporary one.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xml", "b.xml"]
    assert (tmp_path / "a.xml").read_bytes() == b"new"
