"""A throw-away PostgreSQL 15 for the tests: `initdb` + `pg_ctl` in a temp dir, listening on 127.0.0.1.

PostgreSQL refuses to run as root, so as root (CI, these machines) the cluster belongs to the
`postgres` user: the temp dir is chowned to it and every server binary runs through `runuser`.
The binaries come from Debian's postgresql-15 (`/usr/lib/postgresql/15/bin`); `PG_BIN` points
elsewhere. When they are absent the fixtures skip and say why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from srv_helpers import free_port

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def missing_reason() -> str | None:
    """Why a PostgreSQL cannot be started here, or None when it can."""
    for tool in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / tool).exists():
            return f"PostgreSQL server binaries not found ({PG_BIN / tool}); install Debian's postgresql-15"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to own the test cluster"
        if shutil.which("runuser") is None:
            return "running as root and 'runuser' is missing (needed to start PostgreSQL as 'postgres')"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed: pip install 'sentinel-guard[postgres]'"
    return None


class ThrowawayPostgres:
    """One PostgreSQL cluster on a free loopback port, removed by `stop()`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sentinel-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)

    def _run(self, *cmd: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        return subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120, check=False,
                              cwd=self.root)

    def start(self) -> ThrowawayPostgres:
        init = self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                         "-E", "UTF8", "--locale=C", "--no-sync")
        if init.returncode:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        # Durability stays on (fsync, synchronous_commit): the tests check what the service promises.
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200 "
                   "-c shared_buffers=32MB -c log_min_messages=warning")
        started = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                            "-w", "-t", "60", "start")
        if started.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL for the whole test session (each test takes its own database from it)."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    server = ThrowawayPostgres()
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    deadline = time.time() + 30
    import psycopg

    while True:  # pg_ctl -w returns once it accepts connections; confirm over TCP as the tests will
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            if time.time() > deadline:
                server.stop()
                raise
            time.sleep(0.2)
    yield server
    server.stop()


@pytest.fixture
def pg_url(postgres_server: ThrowawayPostgres) -> str:
    """The URL of an empty database of its own for one test."""
    return postgres_server.create_database()
