"""Reading the outbox as a history: one aggregate's events, the newest events, and what
came after a sequence number.

The outbox's ``seq`` is assigned by the database at commit, so any process can ask "what
is new since seq N" and get the same answer: a live view (the operations console's order
feed) keeps N on the client and needs no state in the server process that answers it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from baro.core.db import Database
from baro.core.events import OutboxRow, StoredEvent, read_log
from baro.core.events import _stored as stored

MAX_EVENTS = 500


class EventLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    def history(self, aggregate_id: str) -> list[StoredEvent]:
        """Everything recorded about one aggregate, oldest first."""
        query = (
            select(OutboxRow).where(OutboxRow.aggregate_id == aggregate_id).order_by(OutboxRow.seq)
        )
        with self._db.read() as session:
            return [stored(row) for row in session.scalars(query)]

    def latest(self, *, event_types: Sequence[str], limit: int) -> list[StoredEvent]:
        """The ``limit`` most recent events of these types, newest first."""
        query = (
            select(OutboxRow)
            .where(OutboxRow.event_type.in_(event_types))
            .order_by(OutboxRow.seq.desc())
            .limit(_bounded(limit))
        )
        with self._db.read() as session:
            return [stored(row) for row in session.scalars(query)]

    def since(self, after_seq: int, *, event_types: Sequence[str], limit: int) -> list[StoredEvent]:
        """Events of these types committed after ``after_seq``, oldest first."""
        with self._db.read() as session:
            return read_log(
                session, after_seq=after_seq, event_types=event_types, limit=_bounded(limit)
            )


def _bounded(limit: int) -> int:
    if not 1 <= limit <= MAX_EVENTS:
        raise ValueError(f"limit must be between 1 and {MAX_EVENTS}, got {limit}")
    return limit
