"""The outbox: events commit with the change; the relay delivers in order, at least once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from baro.core.db import Database
from baro.core.events import (
    DomainEvent,
    OutboxRelay,
    StoredEvent,
    first_delivery,
    mark_handled,
    read_log,
    record,
    unhandled,
)

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


class Shipped(DomainEvent):
    @property
    def event_type(self) -> str:
        return "parcel.shipped"


def test_a_consumer_finds_what_it_has_not_handled_yet(database_url: str) -> None:
    """In ``seq`` order, of the types it asked for, narrowed by the data; an event another
    consumer handled is still this one's to handle, and one it handled is gone."""
    db = Database.connect(database_url)
    with db.transaction() as session:
        record(session, [event(0)])
        record(
            session,
            [
                Shipped(aggregate_id=f"p{n}", occurred_at=AT, data={"mode": mode})
                for n, mode in enumerate(["drone", "van", "drone", "drone"])
            ],
        )
    with db.read() as session:
        drones = unhandled(session, "fly", ["parcel.shipped"], data_equals={"mode": "drone"})
    assert [e.aggregate_id for e in drones] == ["p0", "p2", "p3"]
    with db.transaction() as session:
        mark_handled(session, "fly", [drones[0].event_id, drones[2].event_id])
        mark_handled(session, "fly", [drones[0].event_id])  # again: nothing changes
        mark_handled(session, "audit", [drones[1].event_id])
    with db.read() as session:
        left = unhandled(session, "fly", ["parcel.shipped"], data_equals={"mode": "drone"})
        everything = unhandled(session, "audit", ["parcel.shipped", "DomainEvent"], limit=2)
    assert [e.aggregate_id for e in left] == ["p2"]
    assert [e.aggregate_id for e in everything] == ["agg_0", "p0"]
