"""The system under test, for real: a throw-away PostgreSQL cluster (initdb on a free port) and the service as a
uvicorn subprocess (`skpflow serve`), both stoppable, killable and restartable by the tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from workflows.store.db import make_engine

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parents[2]
SKPFLOW = Path(sys.executable).parent / "skpflow"
KEY = "reliability-signing-key-long-enough-for-hs256!"
ROOT_PASSWORD = "reliability-root-password-7f3a"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


class Cluster:
    """A PostgreSQL cluster of its own in a temporary directory; initdb refuses root, so it runs as `postgres`."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="skpflow-pg-"))
        self.data, self.log = self.dir / "data", self.dir / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"),
            check=True,
            capture_output=True,
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                "max_connections = 200\nfsync = on\nshared_buffers = 64MB\n"
            )
        self.start()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *args),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash: no checkpoint, clients cut off; the restart recovers from the WAL."""
        self._ctl("stop", "-m", mode)

    def create_database(self, name: str) -> Engine:
        admin = make_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return make_engine(self.url(name))

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)


class Service:
    """`skpflow serve` on a free port against a database; its output goes to a log file the tests read."""

    def __init__(self, database_url: str, workdir: Path, **env: str) -> None:
        self.database_url, self.workdir = database_url, workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "service.log"
        self.env = {
            **os.environ,
            "SKPFLOW_DATABASE_URL": database_url,
            "SKPFLOW_SECRET_KEY": KEY,
            "SKPFLOW_ADMIN_USER": "root",
            "SKPFLOW_ADMIN_PASSWORD": ROOT_PASSWORD,
            "SKPFLOW_EVIDENCE_DIR": str(workdir / "evidence"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.start_args: list[str] = []  # more options for `skpflow serve`

    def start(self, timeout: float = 60) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                # the sweeps of the load run through HTTP; the Prefect scheduler is tested in tests/integration
                [str(SKPFLOW), "serve", "--port", str(self.port), "--no-scheduler", *self.start_args],
                cwd=self.workdir,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the service exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the service did not come up:\n{self.log.read_text()[-3000:]}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
