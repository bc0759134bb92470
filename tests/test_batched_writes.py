"""batched_writes: one sync for many files, and all or nothing."""

import pytest

from feedhub.publish.files import batched_writes, write_if_changed


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
