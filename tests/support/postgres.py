"""A throwaway PostgreSQL server for the tests: Debian's binaries (initdb, pg_ctl), a
cluster in a temporary folder, listening on 127.0.0.1 on a free port, stopped and removed
at the end of the session. Each test gets a database of its own.

As root (CI, this machine) the server runs as the ``postgres`` user the Debian package
creates, since PostgreSQL refuses to run as root. The tests skip, saying why, only when
no PostgreSQL binaries are installed; .ci/run installs them, so CI never skips.

The journal connects as the role ``facturier`` with a password (scram-sha-256), given
through FACTURIER_JOURNAL_PASSWORD as a user would: the password path is tested too.
"""
from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROLE = "facturier"
PASSWORD = "s3cret-Journal-pw"  # a test role on a throwaway server


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    bin: Path
    root: Path
    port: int
    user: str | None  # the user the server runs as, when we are root
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.root / "server.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)

    def restart(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                  "-t", "60", "restart", "-l", str(self.root / "server.log"))

    def admin(self, sql: str, db: str = "postgres") -> str:
        """Run SQL as the superuser, through the server's own socket."""
        done = self._run(str(self.bin / "psql"), "-h", str(self.root), "-p", str(self.port),
                         "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql)
        return done.stdout.strip()

    def url(self, database: str) -> str:
        """The URL a user writes in Paramètres › Journal: no password in it."""
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        name = f"compta{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} OWNER {ROLE}")
        return name


@contextlib.contextmanager
def postgres_server(fsync: bool = False) -> Iterator[PostgresServer]:
    """A running server; ``fsync`` off for the tests (a throwaway cluster), on for the
    benchmark (the durability a real server has)."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip("no PostgreSQL binaries (apt-get install postgresql; .ci/run does)")
    user = None
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres").pw_name
        except KeyError:
            pytest.skip("running as root and no 'postgres' user to run the server as")
    root = Path(tempfile.mkdtemp(prefix="facturier-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bin_dir, root, _free_port(), user)
    try:
        server._run(str(bin_dir / "initdb"), "-D", str(server.data), "-U", "postgres",
                    "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C")
        with (server.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {server.port}\n"
                       f"unix_socket_directories = '{root}'\n"
                       f"fsync = {'on' if fsync else 'off'}\n"
                       "max_connections = 60\n")
        (server.data / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all postgres 127.0.0.1/32 trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n")
        server.start()
        server.admin(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """One throwaway server for the test session (started only when a test asks)."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database's URL, its password in the environment as a user would give it
    (inherited by the processes a test starts)."""
    monkeypatch.setenv("FACTURIER_JOURNAL_PASSWORD", PASSWORD)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    return pg_server.url(pg_server.new_database())


@pytest.fixture(params=["sqlite", "postgres"])
def journal_where(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A journal on each backend: a SQLite file beside a workbook, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return tmp_path / "Facturation.facturier-journal.sqlite"
    return request.getfixturevalue("pg_url")
