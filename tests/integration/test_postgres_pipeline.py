"""Statements sent together (psycopg pipeline mode) on a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from baro.core.db import Database, sent_together, table_of
from baro.core.events import DomainEvent, OutboxRow, record

pytestmark = pytest.mark.postgres

AT = datetime(2026, 11, 25, tzinfo=UTC)


class Pinged(DomainEvent):
    pass


def events_of(db: Database, aggregate_id: str) -> int:
    with db.read() as session:
        query = select(func.count()).where(OutboxRow.aggregate_id == aggregate_id)
        return session.execute(query).scalar_one()


def test_statements_sent_together_are_written_and_reads_after_them_see_them(pg_url):
    db = Database.connect(pg_url)
    try:
        with db.transaction() as session:
            with sent_together(session):
                record(session, [Pinged(aggregate_id="agg-1", occurred_at=AT)])
                record(session, [Pinged(aggregate_id="agg-1", occurred_at=AT)] * 2)
            counted = select(func.count()).where(OutboxRow.aggregate_id == "agg-1")
            assert session.execute(counted).scalar_one() == 3
        assert events_of(db, "agg-1") == 3
    finally:
        db.dispose()


def test_an_error_inside_the_block_surfaces_and_rolls_the_whole_transaction_back(pg_url):
    db = Database.connect(pg_url)
    outbox = table_of(OutboxRow)
    row = {"event_id": "evt-dup", "event_type": "x", "aggregate_id": "agg-2", "data": {}}
    try:
        with (
            pytest.raises(IntegrityError),
            db.transaction() as session,
            sent_together(session),
        ):
            record(session, [Pinged(aggregate_id="agg-2", occurred_at=AT)])
            session.execute(outbox.insert().inline(), {**row, "occurred_at": AT})
            session.execute(outbox.insert().inline(), {**row, "occurred_at": AT})  # dup id
        assert events_of(db, "agg-2") == 0
    finally:
        db.dispose()
