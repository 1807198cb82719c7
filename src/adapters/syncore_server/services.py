"""Throwaway PostgreSQL and Redis servers on loopback, for tests and benchmarks (never for production).

Each server gets its own data directory and a free port on 127.0.0.1, and is stopped and deleted at the end.
The binaries are Debian's (``apt-get install postgresql redis-server``): PostgreSQL's live in
``/usr/lib/postgresql/VERSION/bin``, which is not on ``PATH``. PostgreSQL refuses to run as root, so as root the
server runs as the ``postgres`` user the package creates (through ``runuser``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ServiceUnavailable(RuntimeError):
    """A binary is missing or the server did not start; the message says which and why."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: Debian's newest ``/usr/lib/postgresql/*/bin``, else ``PATH``."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _as_postgres_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--"]
    su = shutil.which("su")
    if su:  # pragma: no cover - Debian has runuser
        return [su, "postgres", "-s", "/bin/sh", "-c", '"$0" "$@"', "--"]
    raise ServiceUnavailable("PostgreSQL refuses to run as root and neither runuser nor su is available")


class LocalPostgres:
    """``initdb`` + ``pg_ctl start`` in a temporary directory; :attr:`dsn` reaches the ``postgres`` database."""

    def __init__(self, *, max_connections: int = 200) -> None:
        self.max_connections = max_connections
        self.port = 0
        self.directory: Path | None = None
        self._prefix: list[str] = []
        self._bindir: Path | None = None

    @property
    def dsn(self) -> str:
        """A libpq URL of the server's ``postgres`` database (trust authentication on loopback)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> LocalPostgres:
        bindir = postgres_bindir()
        if bindir is None:
            raise ServiceUnavailable("PostgreSQL is not installed (initdb not found; apt-get install postgresql)")
        self._bindir = bindir
        self._prefix = _as_postgres_user()
        # Under /tmp itself: pytest's own tmp folders are 0700 root-owned, which the postgres user cannot enter.
        self.directory = Path(tempfile.mkdtemp(prefix="syncore-pg-"))
        if self._prefix:
            shutil.chown(self.directory, "postgres", "postgres")
        data = self.directory / "data"
        self._run([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--no-instructions"], "initdb")
        self.port = free_port()
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections={self.max_connections}")
        self._run([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.directory / "log"),
                   "-w", "-t", "60", "start"], "pg_ctl start")
        return self

    def _run(self, command: list[str], what: str) -> None:
        result = subprocess.run([*self._prefix, *command], capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            log = ""
            if self.directory is not None and (self.directory / "log").exists():
                log = (self.directory / "log").read_text(errors="replace")[-2000:]
            raise ServiceUnavailable(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]} {log}")

    def create_database(self, name: str) -> str:
        """Create database ``name`` and return its DSN."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.directory is None:
            return
        if self._bindir is not None and (self.directory / "data" / "postmaster.pid").exists():
            subprocess.run([*self._prefix, str(self._bindir / "pg_ctl"), "-D", str(self.directory / "data"),
                            "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LocalRedis:
    """``redis-server`` without persistence on a free loopback port; :attr:`url` for clients."""

    def __init__(self) -> None:
        self.port = 0
        self.directory: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> LocalRedis:
        binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists()
                                                  else None)
        if binary is None:
            raise ServiceUnavailable("Redis is not installed (redis-server not found; apt-get install redis-server)")
        self.directory = Path(tempfile.mkdtemp(prefix="syncore-redis-"))
        self.port = free_port()
        self._process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--daemonize", "no", "--logfile", str(self.directory / "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServiceUnavailable(f"redis-server exited with {self._process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise ServiceUnavailable("redis-server did not answer PING within 30 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._process.kill()
                self._process.wait()
            self._process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
