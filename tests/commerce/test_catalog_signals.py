"""The buffer that holds searches and page views: written together, in order, kept when
the database fails, bounded when it keeps failing, and nothing left behind at a clean stop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from baro.commerce.catalog import SignalBuffer, Visitor
from baro.commerce.catalog.signals import viewed
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.db import Database
from baro.core.events import read_log
from baro.platform import Platform

AT = datetime(2026, 11, 25, 9, tzinfo=UTC)


def views(n: int, first: int = 0) -> list:
    return [viewed("cus_1", f"prd_{k}", AT) for k in range(first, first + n)]


def written(db: Database) -> list[str]:
    with db.read() as session:
        return [e.aggregate_id for e in read_log(session, event_types=["product.viewed"])]


class FailingFirst:
    """The platform's database, except that its first ``failures`` transactions fail."""

    def __init__(self, db: Database, failures: int) -> None:
        self._db = db
        self.failures = failures

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        if self.failures:
            self.failures -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        with self._db.transaction() as session:
            yield session


def dropped() -> float:
    return REGISTRY.get_sample_value("baro_signals_dropped_total") or 0.0


def test_what_is_held_is_written_in_one_statement(platform: Platform) -> None:
    buffer = SignalBuffer(platform.db, flush_every=3600)
    for signal in views(3):
        buffer.add(signal)
    inserts: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("INSERT"):
            inserts.append(statement)

    event.listen(platform.db.engine, "before_cursor_execute", remember)
    try:
        assert buffer.flush() == 3
    finally:
        event.remove(platform.db.engine, "before_cursor_execute", remember)
        buffer.close()

    assert len(inserts) == 1
    assert written(platform.db) == ["prd_0", "prd_1", "prd_2"]
    assert buffer.flush() == 0


def test_a_failed_write_keeps_the_events_ahead_of_newer_ones(platform: Platform) -> None:
    buffer = SignalBuffer(FailingFirst(platform.db, 1), flush_every=3600)  # type: ignore[arg-type]
    for signal in views(2):
        buffer.add(signal)

    with pytest.raises(OperationalError):
        buffer.flush()
    buffer.add(views(1, first=2)[0])
    assert buffer.flush() == 3
    buffer.close()

    assert written(platform.db) == ["prd_0", "prd_1", "prd_2"]


def test_past_its_limit_the_buffer_drops_the_oldest_and_counts_them(platform: Platform) -> None:
    failing = FailingFirst(platform.db, 1)
    buffer = SignalBuffer(failing, flush_every=3600, max_batch=3, max_held=3)  # type: ignore[arg-type]
    before = dropped()
    for signal in views(3):
        buffer.add(signal)
    with pytest.raises(OperationalError):
        buffer.flush()

    buffer.add(views(1, first=3)[0])  # one too many: prd_0 goes
    buffer.close()

    assert dropped() - before == 1
    assert written(platform.db) == ["prd_1", "prd_2", "prd_3"]


def test_its_thread_writes_without_being_asked(platform: Platform) -> None:
    buffer = SignalBuffer(platform.db, flush_every=0.01)
    try:
        buffer.add(views(1)[0])
        for _ in range(1000):  # at most 10 s: a guard, the thread writes within milliseconds
            if written(platform.db):
                break
            time.sleep(0.01)
        assert written(platform.db) == ["prd_0"]
    finally:
        buffer.close()


def test_a_clean_stop_writes_what_is_held_and_anything_added_later(platform: Platform) -> None:
    buffer = SignalBuffer(platform.db, flush_every=3600)
    buffer.add(views(1)[0])

    buffer.close()
    buffer.add(views(1, first=1)[0])  # a request still finishing as the server stops

    assert written(platform.db) == ["prd_0", "prd_1"]
    assert buffer.held == 0


def test_closing_the_platform_writes_its_held_signals(
    settings: Settings, clock: SimulatedClock
) -> None:
    platform = Platform.start(settings, clock=clock)
    platform.catalog.search("garrafa", visitor=Visitor())

    platform.close()

    db = Database.connect(settings.database_url)
    try:
        with db.read() as session:
            assert len(read_log(session, event_types=["search.performed"])) == 1
    finally:
        db.dispose()
