"""The event log read as history: one aggregate's events, the newest, what came after."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from baro.core.db import Database
from baro.core.event_log import EventLog
from baro.core.events import DomainEvent, record

AT = datetime(2026, 11, 25, tzinfo=UTC)


class Placed(DomainEvent):
    @property
    def event_type(self) -> str:
        return "order.placed"


class Paid(DomainEvent):
    @property
    def event_type(self) -> str:
        return "order.paid"


class Opened(DomainEvent):
    @property
    def event_type(self) -> str:
        return "facility.opened"


def logged(database_url: str) -> EventLog:
    """Five events in this commit order: a placed, b placed, a paid, f opened, b paid."""
    db = Database.connect(database_url)
    with db.transaction() as session:
        record(
            session,
            [
                Placed(aggregate_id="ord_a", occurred_at=AT),
                Placed(aggregate_id="ord_b", occurred_at=AT),
                Paid(aggregate_id="ord_a", occurred_at=AT),
                Opened(aggregate_id="fac_f", occurred_at=AT),
                Paid(aggregate_id="ord_b", occurred_at=AT),
            ],
        )
    return EventLog(db)


def test_history_is_one_aggregates_events_oldest_first(database_url: str) -> None:
    log = logged(database_url)

    history = log.history("ord_a")

    assert [e.event_type for e in history] == ["order.placed", "order.paid"]
    assert {e.aggregate_id for e in history} == {"ord_a"}
    assert history[0].seq < history[1].seq
    assert log.history("ord_nobody") == []


def test_latest_is_newest_first_of_the_types_asked_for(database_url: str) -> None:
    log = logged(database_url)

    latest = log.latest(event_types=["order.placed", "order.paid"], limit=3)

    assert [(e.aggregate_id, e.event_type) for e in latest] == [
        ("ord_b", "order.paid"),
        ("ord_a", "order.paid"),
        ("ord_b", "order.placed"),
    ]


def test_since_gives_only_what_committed_after_the_sequence_number(database_url: str) -> None:
    log = logged(database_url)
    (newest_placed,) = log.latest(event_types=["order.placed"], limit=1)

    after = log.since(newest_placed.seq, event_types=["order.placed", "order.paid"], limit=10)

    assert [(e.aggregate_id, e.event_type) for e in after] == [
        ("ord_a", "order.paid"),
        ("ord_b", "order.paid"),
    ]
    assert log.since(after[-1].seq, event_types=["order.paid"], limit=10) == []


@pytest.mark.parametrize("limit", [0, 501])
def test_a_limit_outside_one_to_500_is_refused(database_url: str, limit: int) -> None:
    log = logged(database_url)

    with pytest.raises(ValueError, match="between 1 and 500"):
        log.latest(event_types=["order.placed"], limit=limit)
