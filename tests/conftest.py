import sys
from pathlib import Path

# Test helpers (httpserver, readers) are plain modules beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

from httpserver import http_server  # noqa: E402,F401  (the fixture)

import os  # noqa: E402
import tempfile

# The slug cache (feedhub.config.slug) goes to a folder of this test run, not to the
# user's ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="feedhub-test-cache-")

# Every server the tests talk to is on 127.0.0.1: a proxy set on the machine
# (feedhub honours HTTP_PROXY and friends) must not sit in between. The
# proxy tests set their own.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_name, None)


# The external real-world corpus (../shared/corpus beside the clone, or the
# folder FEEDHUB_CORPUS names): tests over it run whenever it is present, as in
# CI, and are skipped with this reason when it is not (issue #13). Every other
# test uses documents the project writes itself.
CORPUS = Path(os.environ.get("FEEDHUB_CORPUS") or Path(__file__).resolve().parents[2] / "shared" / "corpus")
CORPUS_MISSING = f"the real-world feed corpus is absent ({CORPUS}; set FEEDHUB_CORPUS to its folder)"


def corpus_path(relative: str) -> Path:
    """A file of the corpus; the calling test is skipped when the corpus is absent."""
    import pytest

    if not CORPUS.is_dir():
        pytest.skip(CORPUS_MISSING)
    path = CORPUS / relative
    assert path.is_file(), f"corpus file {relative} not found in {CORPUS}"
    return path


# --- PostgreSQL (issue #16) ------------------------------------------------
# A throwaway cluster for the whole session (tests/pg.py), started on first
# use; `store_url` runs a test once on SQLite and once on PostgreSQL, each on
# a new empty store. Without the server binaries the PostgreSQL half is
# skipped, except in CI (CI=true), where scripts/test installs them.

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def pg_cluster():
    from pg import Cluster, server_binaries

    binaries = server_binaries()
    if binaries is None:
        from builders import missing_tool

        missing_tool("PostgreSQL's server binaries (initdb, pg_ctl) are missing: apt-get install postgresql")
    cluster = Cluster(binaries).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster):
    """The URL of a new empty database on the throwaway cluster."""
    url = pg_cluster.database()
    yield url
    pg_cluster.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A storage.url for a new empty store, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite'}"
    return request.getfixturevalue("pg_url")
