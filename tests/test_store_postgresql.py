"""What only the PostgreSQL store has (issue #16): its URL and password
(from ${VAR} or a .pgpass, never printed), one feedhub per database, a
server that does not answer, and psycopg loaded only for such a store. On
the throwaway cluster of conftest.py; the rest of the store's tests run on
both backends (test_store.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feedhub.cli import main
from feedhub.config import load_config
from feedhub.errors import ConfigError, StorageError
from feedhub.store import open_store

PASSWORD = "p@ss:w/rd?#%x"  # each of these would cut a URL in the wrong place unencoded


@pytest.fixture
def role(pg_cluster, pg_url):
    """A role that must give its password, owner of the test's database."""
    database = pg_url.rsplit("/", 1)[1]
    # U&'\003F' is "?": a bare one would read as a placeholder.
    pg_cluster.admin("CREATE ROLE reporter LOGIN PASSWORD U&'p@ss:w/rd\\003F#%x'")
    pg_cluster.admin(f"ALTER DATABASE {database} OWNER TO reporter")
    yield database
    pg_cluster.drop(pg_url)
    pg_cluster.admin("DROP ROLE reporter")


def config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "feedhub.yaml"
    path.write_text(f"storage: {{url: '{url}'}}\noutput: {{dir: out}}\nsources: [{{name: A, url: feed.xml}}]\n",
                    encoding="utf-8")
    (tmp_path / "feed.xml").write_text("<rss version='2.0'><channel><title>t</title></channel></rss>")
    return path


def test_the_password_comes_from_the_environment_and_is_never_printed(tmp_path, pg_cluster, role, monkeypatch,
                                                                       capsys):
    monkeypatch.setenv("FEEDHUB_DB_PASSWORD", PASSWORD)
    url = f"postgresql://reporter:${{FEEDHUB_DB_PASSWORD}}@127.0.0.1:{pg_cluster.port}/{role}?sslmode=disable"
    store = open_store(load_config(config(tmp_path, url)).storage_url)
    assert store.site_id()
    store.close()
    assert main(["run", "--once", "--config", str(tmp_path / "feedhub.yaml")]) == 0
    monkeypatch.setenv("FEEDHUB_DB_PASSWORD", "wrong-password")
    assert main(["run", "--once", "--config", str(tmp_path / "feedhub.yaml")]) == 1
    err = capsys.readouterr().err
    line = [x for x in err.splitlines() if "cannot connect" in x]
    assert len(line) == 1 and 'password authentication failed for user "reporter"' in line[0]
    assert "postgresql://reporter:***@127.0.0.1" in line[0]
    assert "wrong-password" not in err and PASSWORD not in err


def test_the_password_from_a_pgpass_file(tmp_path, pg_cluster, role, monkeypatch):
    url = f"postgresql://reporter@127.0.0.1:{pg_cluster.port}/{role}"
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "nowhere"))
    with pytest.raises(StorageError, match="no password supplied|password authentication failed"):
        open_store(url)
    passfile = tmp_path / ".pgpass"
    escaped = PASSWORD.replace("\\", "\\\\").replace(":", "\\:")
    passfile.write_text(f"127.0.0.1:{pg_cluster.port}:{role}:reporter:{escaped}\n")
    passfile.chmod(0o600)  # libpq ignores a .pgpass others can read
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    open_store(url).close()


def test_a_second_feedhub_on_the_database_is_refused_until_the_first_ends(pg_url):
    first = open_store(pg_url, lock=True)
    with pytest.raises(StorageError, match=r"another feedhub \(pid \d+ on .+\) is using the store postgresql://") as e:
        open_store(pg_url, lock=True)
    assert "\n" not in str(e.value)
    open_store(pg_url).close()  # a `feedhub status` is not refused
    first.close()
    open_store(pg_url, lock=True).close()


def test_a_server_that_does_not_answer_is_one_line(tmp_path):
    with pytest.raises(StorageError) as e:
        open_store("postgresql://feedhub:hunter22@127.0.0.1:9/feedhub?connect_timeout=3")
    message = str(e.value)
    assert message.startswith("cannot connect to the store postgresql://feedhub:***@127.0.0.1:9/feedhub")
    assert "\n" not in message and "hunter22" not in message


def test_a_postgresql_url_without_a_database_or_with_a_bad_port_is_a_config_error(tmp_path):
    for url, problem in (("postgresql://feedhub@db.example", "no database named"),
                         ("postgresql://feedhub@db.example:port/x", "the port is not a number")):
        with pytest.raises(ConfigError, match=problem):
            load_config(config(tmp_path, url))
    assert load_config(config(tmp_path, "postgres://u@h/db?sslmode=require")).storage_url == \
        "postgres://u@h/db?sslmode=require"


def test_psycopg_is_loaded_only_for_a_postgresql_store(tmp_path, pg_url):
    code = ("import sys\nfrom feedhub.store import open_store\n"
            f"open_store({'sqlite:///' + str(tmp_path / 'db')!r}).close()\n"
            "assert 'psycopg' not in sys.modules, 'SQLite loaded psycopg'\n"
            f"open_store({pg_url!r}).close()\n"
            "assert 'psycopg' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    package = Path(__file__).resolve().parents[1] / "feedhub"
    importers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                       if any(line.startswith(("import psycopg", "from psycopg"))
                              for line in p.read_text(encoding="utf-8").splitlines()))
    assert importers == ["store/pg_driver.py"]
