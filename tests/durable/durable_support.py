"""Helpers of the durable tests: worker subprocesses, the fake API process, Postgres."""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentloop.testing import Script

WORKER = Path(__file__).with_name("_worker.py")
PG_BIN = Path("/usr/lib/postgresql/15/bin")
WAIT = 60.0
"""The longest a test waits for a worker to reach a point (it normally takes a second)."""


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` if it never does."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def log_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


class FakeAPI:
    """``python -m agentloop.testing.server`` serving a script, in its own process."""

    def __init__(self, script: Script, tmp: Path) -> None:
        path = tmp / "script.json"
        script.dump(path)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "agentloop.testing.server", "--script", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        assert self.url.startswith("http://127.0.0.1:"), self.process.stderr

    def state(self) -> dict[str, Any]:
        with httpx.Client(timeout=10) as client:
            data: dict[str, Any] = client.get(f"{self.url}/_agentloop/state").json()
            return data

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.communicate(timeout=10)


class Workers:
    """Worker subprocesses (``_worker.py``); every one still alive is killed at the end."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.log = tmp / "tools.log"
        self.block = tmp / "block"
        self.processes: list[subprocess.Popen[str]] = []

    def spawn(self, db: str, api: str, *args: str, mode: str = "async") -> subprocess.Popen[str]:
        command = [sys.executable, str(WORKER), "--db", db, "--api", api, "--log", str(self.log)]
        command += ["--block", str(self.block), "--mode", mode, *args]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=self.tmp
        )
        self.processes.append(process)
        return process

    def launched(self, process: subprocess.Popen[str]) -> None:
        """Wait until the worker has launched DBOS (its database is ready)."""
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if line != "launched":
            process.kill()
            _, stderr = process.communicate(timeout=10)
            pytest.fail(f"worker failed to launch: {line!r}\n{stderr[-3000:]}")

    def finish(self, process: subprocess.Popen[str]) -> dict[str, Any]:
        """Wait for a worker to exit 0 and return the result JSON it printed."""
        stdout, stderr = process.communicate(timeout=WAIT)
        assert process.returncode == 0, stderr
        return dict(json.loads(stdout.strip().splitlines()[-1]))

    def kill(self, process: subprocess.Popen[str]) -> None:
        kill(process)

    def wait(self, process: subprocess.Popen[str]) -> None:
        """Wait for a worker to exit 0."""
        _, stderr = process.communicate(timeout=WAIT * 2)
        assert process.returncode == 0, stderr

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=10)


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL: no cleanup, no DBOS shutdown, as in a crash."""
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pg_binaries() -> Path | None:
    """Where PostgreSQL's initdb and pg_ctl are (Debian keeps them off PATH)."""
    for candidate in (PG_BIN, *(Path(p).parent for p in [shutil.which("initdb") or ""] if p)):
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _pg_user() -> dict[str, Any]:
    """Run the server as ``postgres`` (or ``nobody``) when we are root: it refuses root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return {"user": entry.pw_uid, "group": entry.pw_gid}
    pytest.skip("running as root, and no 'postgres' or 'nobody' user to run PostgreSQL as")


def start_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL server on 127.0.0.1 (its own temp dir); yield its URL."""
    binaries = pg_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql"
        )
    as_user = _pg_user()
    home = Path(tempfile.mkdtemp(prefix="agentloop-pg-"))
    if as_user:
        os.chown(home, as_user["user"], as_user["group"])
    data = home / "data"
    run = functools.partial(subprocess.run, check=True, capture_output=True, **as_user)
    run([str(binaries / "initdb"), "-D", str(data), "-U", "agentloop", "--auth=trust"])
    port = free_port()
    options = (
        f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    )
    pg_ctl = str(binaries / "pg_ctl")
    run([pg_ctl, "-D", str(data), "-o", options, "-l", str(home / "pg.log"), "-w", "start"])
    try:
        yield f"postgresql://agentloop@127.0.0.1:{port}/agentloop_runs"
    finally:
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True, **as_user
        )
        shutil.rmtree(home, ignore_errors=True)
