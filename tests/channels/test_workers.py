"""``baro serve``'s worker supervisor: a dead worker is replaced, the server keeps serving."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from baro.bench.cpu import PROC, processes
from baro.bench.server import free_port, running_server
from baro.channels.web import ServerOptions

pytestmark = pytest.mark.skipif(not PROC.is_dir(), reason="reads the process table in /proc")
GUARD_S = 60  # only against a hang: a worker starts in a second or two


def workers_of(supervisor: int) -> set[int]:
    return {
        pid
        for pid, process in processes().items()
        if process.parent == supervisor and "spawn_main" in process.command
    }


def workers_once(supervisor: int, condition: Callable[[set[int]], bool]) -> set[int]:
    """The supervisor's workers, as soon as they satisfy ``condition``."""
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        found = workers_of(supervisor)
        if condition(found):
            return found
        time.sleep(0.1)
    raise AssertionError(f"the workers of {supervisor} never got there: {found}")


def listening(port: int) -> int:
    """How many sockets listen on 127.0.0.1:``port`` (one per worker that serves)."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(
        1 for row in rows if row.split()[1] == f"0100007F:{port:04X}" and row.split()[3] == "0A"
    )


def alive(pid: int) -> bool:
    """Running, not exited: an exited child stays a zombie until its parent reaps it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GUARD_S
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.05)


def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(database_url: str) -> None:
    with running_server(database_url, workers=2) as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        wait_until(lambda: listening(port) == 2, "both workers listening")
        first = workers_once(server.pid, lambda found: len(found) == 2)
        victim = min(first)

        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: not alive(victim), "the killed worker gone (its socket closed)")

        # The other worker serves every connection meanwhile: none is refused or lost.
        for _ in range(10):
            assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200
        now = workers_once(server.pid, lambda found: len(found) == 2 and victim not in found)
        assert len(now - first) == 1
        wait_until(lambda: listening(port) == 2, "the replacement listening")


def test_without_uvloop_and_httptools_the_server_falls_back_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from baro.channels.web import workers

    monkeypatch.setattr(workers, "_installed", lambda module: False)
    options = ServerOptions().resolved()
    assert (options.loop, options.http) == ("asyncio", "h11")
    assert options.missing_speedups() == ["uvloop", "httptools"]


def test_workers_that_cannot_start_stop_the_server_with_a_message(database_url: str) -> None:
    """Worker after worker dying at start (here: a failpoint setting they refuse) ends
    ``baro serve`` with one line saying so, not a restart loop or a traceback."""
    port = free_port()
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "baro",
            "serve",
            "--db",
            database_url,
            "--workers",
            "2",
            "--port",
            str(port),
        ],
        env={**os.environ, "BARO_FAILPOINTS": "placement.written=explode"},
        capture_output=True,
        text=True,
        timeout=GUARD_S * 2,
    )

    assert finished.returncode == 1
    assert "workers in a row died" in finished.stderr
    assert "Traceback" not in finished.stderr.split("workers in a row died")[-1]
