"""write_if_changed: atomic, change-only writes, and clear failures."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from feedhub.errors import PublishError
from feedhub.publish.files import write_if_changed

REPO = Path(__file__).resolve().parents[1]


def test_writes_a_new_file_and_its_folders(tmp_path):
    path = tmp_path / "output" / "markets" / "atom.xml"

    assert write_if_changed(path, b"<feed/>") is True
    assert path.read_bytes() == b"<feed/>"
    # Served by a web server: readable by all, whatever mkstemp chose.
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_same_bytes_are_not_written_again(tmp_path):
    path = tmp_path / "atom.xml"
    write_if_changed(path, b"<feed/>")
    old = os.stat(path)
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns - 10_000_000_000))  # 10 s ago
    before = os.stat(path).st_mtime_ns

    assert write_if_changed(path, b"<feed/>") is False
    assert os.stat(path).st_mtime_ns == before


def test_new_bytes_replace_the_file_and_keep_its_mode(tmp_path):
    path = tmp_path / "atom.xml"
    write_if_changed(path, b"old")
    path.chmod(0o640)
    inode = path.stat().st_ino

    assert write_if_changed(path, b"new") is True
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["atom.xml"]  # no temp file left


def _write_without_root_privileges(path: Path, data: bytes) -> subprocess.CompletedProcess[str]:
    """Run write_if_changed in a child that file permissions apply to.

    Root ignores a directory's write bit (CAP_DAC_OVERRIDE); when the tests
    run as root, the child drops that capability with setpriv (util-linux),
    so the directory is as read-only for it as for any user.
    """
    script = (
        "import sys; from pathlib import Path\n"
        "from feedhub.errors import PublishError\n"
        "from feedhub.publish.files import write_if_changed\n"
        "try:\n"
        "    write_if_changed(Path(sys.argv[1]), sys.argv[2].encode())\n"
        "except PublishError as error:\n"
        "    print(error); sys.exit(3)\n"
    )
    command = [sys.executable, "-c", script, str(path), data.decode()]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set=-dac_override", *command]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def test_read_only_directory_is_a_publish_error_and_the_old_file_stays(tmp_path):
    folder = tmp_path / "markets"
    path = folder / "atom.xml"
    write_if_changed(path, b"old")
    folder.chmod(0o555)
    try:
        run = _write_without_root_privileges(path, b"new")
    finally:
        folder.chmod(0o755)

    assert run.returncode == 3, run.stderr
    assert run.stdout.strip() == f"cannot write {path}: Permission denied"
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in folder.iterdir()) == ["atom.xml"]


def test_unwritable_path_is_a_publish_error(tmp_path):
    (tmp_path / "markets").write_bytes(b"a file where a folder should be")

    with pytest.raises(PublishError, match=r"cannot write .*markets/atom\.xml: "):
        write_if_changed(tmp_path / "markets" / "atom.xml", b"<feed/>")


def test_a_filesystem_that_takes_no_bytes_is_a_publish_error(tmp_path, monkeypatch):
    # os.write returning 0 would otherwise loop for ever.
    monkeypatch.setattr(os, "write", lambda fd, data: 0)
    with pytest.raises(PublishError, match="cannot write"):
        write_if_changed(tmp_path / "atom.xml", b"<feed/>")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind
