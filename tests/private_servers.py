"""Servers a test or a benchmark may break: a Redis and a PostgreSQL of their own, on free
ports, in a temporary directory, never the shared ones. Each can be stopped and started
again on the same port (a restart, an outage)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.servers import free_port


class PrivateRedis:
    """redis-server without persistence, like Heroku's: a restart forgets everything."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="yume-redis-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "log")],
        )  # fmt: skip
        _wait(lambda: self.ping(), f"redis on {self.port}")
        return self

    def ping(self) -> bool:
        from redis import Redis

        try:
            return bool(Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except Exception:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, down_seconds: float = 0) -> None:
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (the Debian binaries), run as the `postgres` user when
    we are root (PostgreSQL refuses to run as root), trust auth, on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="yume-pg-"))
        self.data = self.dir / "data"
        self.bin = _postgres_bin()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/yume_faults"

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def start(self) -> PrivatePostgres:
        if not self.data.exists():
            if os.geteuid() == 0:
                shutil.chown(self.dir, "postgres")
            self._run(f"{self.bin}/initdb", "-D", str(self.data), "-U", "postgres",
                      "--auth=trust", "-E", "UTF8")  # fmt: skip
            created = True
        else:
            created = False
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-o", options,
                  "-l", str(self.dir / "log"), "-w", "start")  # fmt: skip
        if created:
            self._run(f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port),
                      "-U", "postgres", "yume_faults")  # fmt: skip
        return self

    def stop(self) -> None:
        self._run(f"{self.bin}/pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def close(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _postgres_bin() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "PostgreSQL's server binaries are not installed"
    return str(Path(found[-1]).parent)


def _wait(ready, what: str, timeout: float = 20) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"{what} did not start"
        time.sleep(0.1)
