"""A throwaway PostgreSQL cluster for the tests (issue #16): Debian's
server binaries (initdb, pg_ctl), a cluster in a temporary folder on a free
127.0.0.1 port with its unix sockets there too, a database per test, all
removed at the end. No mock: the store tests run on the real server.

initdb refuses to run as root, so as root the cluster is made and run as
`nobody` (runuser), in a folder nobody owns. Fast and unsafe settings
(fsync off): the cluster is thrown away.

Roles: `feedhub`, the superuser the tests connect as without a password
(trust on 127.0.0.1 for it alone), and every other role must give its
password (scram-sha-256), so that the password tests meet real
authentication.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from feedhub.store import pg_driver

SUPERUSER = "feedhub"
_HBA = f"""\
local all all trust
host all {SUPERUSER} 127.0.0.1/32 trust
host all all 127.0.0.1/32 scram-sha-256
"""


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl: $PG_BINDIR, else Debian's newest
    /usr/lib/postgresql/<version>/bin, else the PATH's."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    found = shutil.which("initdb")
    candidates.append(str(Path(found).parent) if found else "")
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A running throwaway cluster; ``database()`` makes a new empty one."""

    def __init__(self, binaries: Path):
        self.bin = binaries
        self.root = Path(tempfile.mkdtemp(prefix="feedhub-pg-"))
        self.data, self.sockets = self.root / "data", self.root / "sockets"
        self.port = 0
        self._as = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, cwd=self.root)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stdout}{done.stderr}{tail}")

    def start(self) -> Cluster:
        self.data.mkdir()
        self.sockets.mkdir()
        if self._as:
            self.root.chmod(0o755)  # mkdtemp's 0700 would keep nobody out
            for folder in (self.data, self.sockets):
                shutil.chown(folder, "nobody")
            (self.root / "server.log").touch()
            shutil.chown(self.root / "server.log", "nobody")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        (self.data / "pg_hba.conf").write_text(_HBA)
        for attempt in range(3):  # a free port may be taken before the server binds it
            self.port = _free_port()
            options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
                       " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
            try:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
                          "-w", "-t", "120", "-o", options, "start")
                return self
            except RuntimeError:
                if attempt == 2:
                    raise
        return self

    def url(self, database: str = "postgres", user: str = SUPERUSER, password: str | None = None) -> str:
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, params: tuple = (), database: str = "postgres") -> list[tuple]:
        """Run one statement as the superuser; its rows, if any."""
        db = pg_driver.connect(self.url(database))
        try:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            db.close()

    def database(self) -> str:
        """A new empty database; its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def drop(self, url: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")

    def stop(self) -> None:
        try:
            if self.port:
                self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
