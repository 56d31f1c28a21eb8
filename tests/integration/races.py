"""Repeatable races on PostgreSQL: stop one transaction at a named failpoint, run a rival
until it has finished or waits on a lock that the stopped one holds, then let both go on.

No sleeps decide the order: the rival's state is read from ``pg_stat_activity``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from baro.core.scratch import libpq_dsn

GIVE_UP_S = 20  # only a guard against a hang: the states below are reached in milliseconds


@dataclass
class Rival:
    """Work on another thread; its result or exception once it ends."""

    work: Callable[[], Any]
    result: Any = None
    error: BaseException | None = None
    _thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as error:  # handed to the test, which asserts on it
            self.error = error

    def start(self) -> Rival:
        self._thread.start()
        return self

    @property
    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self) -> Any:
        self._thread.join(GIVE_UP_S)
        assert self.done, "the rival never finished"
        return self.result


def waiting_on_a_lock(pg_url: str) -> int:
    """How many sessions of this database wait on a lock held by another."""
    url = make_url(pg_url)
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (url.database,),
        ).fetchone()
    return int(row[0]) if row else 0


def run_until_done_or_blocked(pg_url: str, rival: Rival) -> str:
    """Start ``rival`` and return 'done' or 'blocked', whichever it reaches first."""
    rival.start()
    deadline = time.monotonic() + GIVE_UP_S
    while time.monotonic() < deadline:
        if rival.done:
            return "done"
        if waiting_on_a_lock(pg_url):
            return "blocked"
        time.sleep(0.005)
    raise AssertionError("the rival neither finished nor waited on a lock")
