"""The outbox: events commit with the change; the relay delivers in order, at least once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from baro.core.db import Database
from baro.core.events import DomainEvent, OutboxRelay, StoredEvent, first_delivery, read_log, record

AT = datetime(2026, 11, 25, tzinfo=UTC)


def event(n: int) -> DomainEvent:
    return DomainEvent(aggregate_id=f"agg_{n}", occurred_at=AT, data={"n": n})


def test_events_roll_back_with_the_transaction(database_url: str) -> None:
    db = Database.connect(database_url)
    with pytest.raises(RuntimeError), db.transaction() as session:
        record(session, [event(1)])
        raise RuntimeError("the change failed")
    with db.transaction() as session:
        assert read_log(session) == []


def test_relay_delivers_in_order_and_resumes_after_a_failure(database_url: str) -> None:
    db = Database.connect(database_url)
    with db.transaction() as session:
        record(session, [event(n) for n in range(5)])
    seen: list[int] = []

    def flaky(stored: StoredEvent) -> None:
        if stored.data["n"] == 2 and 2 not in failed:
            failed.add(2)
            raise ConnectionError("consumer down")
        seen.append(stored.data["n"])

    failed: set[int] = set()
    relay = OutboxRelay(db, flaky, lambda: AT)
    with pytest.raises(ConnectionError):
        relay.run_once()
    assert relay.drain() == 3

    assert seen == [0, 1, 2, 3, 4]
    assert relay.drain() == 0


def test_consumers_skip_a_redelivered_event(database_url: str) -> None:
    db = Database.connect(database_url)
    with db.transaction() as session:
        assert first_delivery(session, "analytics", "evt_1") is True
        assert first_delivery(session, "analytics", "evt_1") is False
        assert first_delivery(session, "billing", "evt_1") is True


def test_a_slow_consumer_holds_no_transaction_writers_wait_on(database_url: str) -> None:
    """While the consumer takes its time, another process's write commits at once (the
    relay used to deliver inside a write transaction: every writer waited for it)."""
    db = Database.connect(database_url)
    with db.transaction() as session:
        record(session, [event(1)])
    in_consumer, release = threading.Event(), threading.Event()
    guard_s = 10  # only against a hang: each step is reached in milliseconds

    def slow(_stored: StoredEvent) -> None:
        in_consumer.set()
        release.wait(guard_s)

    def write() -> None:
        with Database.connect(database_url).transaction() as session:
            record(session, [event(2)])

    relay = threading.Thread(target=OutboxRelay(db, slow, lambda: AT).run_once, daemon=True)
    relay.start()
    assert in_consumer.wait(guard_s)
    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(guard_s / 2)
    committed = not writer.is_alive()
    release.set()
    relay.join(guard_s)

    assert committed
    seen: list[StoredEvent] = []
    assert OutboxRelay(db, seen.append, lambda: AT).drain() == 1  # the first was marked
    assert [e.data["n"] for e in seen] == [2]
