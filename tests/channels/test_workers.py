"""``baro serve``'s worker supervisor: a dead worker is replaced, the server keeps serving."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import httpx
import pytest

from baro.bench.cpu import PROC, processes
from baro.bench.server import running_server
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


def test_a_killed_worker_is_replaced_and_the_server_keeps_answering(database_url: str) -> None:
    with running_server(database_url, workers=2) as server:
        first = workers_once(server.pid, lambda found: len(found) == 2)
        victim = min(first)

        os.kill(victim, signal.SIGKILL)

        now = workers_once(server.pid, lambda found: len(found) == 2 and victim not in found)
        assert len(now - first) == 1
        for _ in range(10):  # new connections reach both workers, none fails
            assert httpx.get(f"{server.base_url}/healthz", timeout=10).status_code == 200


def test_without_uvloop_and_httptools_the_server_falls_back_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from baro.channels.web import workers

    monkeypatch.setattr(workers, "_installed", lambda module: False)
    options = ServerOptions().resolved()
    assert (options.loop, options.http) == ("asyncio", "h11")
    assert options.missing_speedups() == ["uvloop", "httptools"]
