"""Domain events and the transactional outbox.

A state change and the event that records it are written in the same transaction
(:func:`record`), so neither can exist without the other. :class:`OutboxRelay` then hands
the events, in ``seq`` order, to a consumer; delivery is at least once, so consumers
remember what they have handled (:func:`first_delivery`) and skip repeats by event id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, bindparam, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import (
    Base,
    Database,
    UTCDateTime,
    execute_many,
    insert_or_ignore,
    insert_or_ignore_all,
    table_of,
)
from baro.core.ids import new_id

JSONType = JSON().with_variant(JSONB(), "postgresql")


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Something that happened to an aggregate, with JSON-ready ``data``."""

    aggregate_id: str
    occurred_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def event_type(self) -> str:
        """A stable name such as ``order.placed``; subclasses override it."""
        return type(self).__name__


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    event_id: str
    event_type: str
    aggregate_id: str
    occurred_at: datetime
    data: Mapping[str, Any]


class OutboxRow(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        # The relay's scan touches only what is still to be sent.
        Index(
            "ix_outbox_events_unpublished",
            "seq",
            sqlite_where=text("published_at IS NULL"),
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(64), index=True)
    aggregate_id: Mapped[str] = mapped_column(String(40), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ConsumerInboxRow(Base):
    """Which consumer has handled which event: the dedupe table for at-least-once delivery."""

    __tablename__ = "consumer_inbox"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), primary_key=True)


_INSERT = table_of(OutboxRow).insert().inline()  # no RETURNING of seq: nobody reads it


def record(session: Session, events: Iterable[DomainEvent]) -> None:
    """Add events to the outbox inside the caller's transaction (one statement for all)."""
    rows = [
        {
            "event_id": new_id("evt"),
            "event_type": event.event_type,
            "aggregate_id": event.aggregate_id,
            "occurred_at": event.occurred_at,
            "data": dict(event.data),
        }
        for event in events
    ]
    execute_many(session, _INSERT, rows)


def _stored(row: OutboxRow) -> StoredEvent:
    return StoredEvent(
        row.seq, row.event_id, row.event_type, row.aggregate_id, row.occurred_at, row.data
    )


_LATEST_ABOUT = (
    select(OutboxRow)
    .where(
        OutboxRow.aggregate_id == bindparam("aggregate_id"),
        OutboxRow.event_type == bindparam("event_type"),
    )
    .order_by(OutboxRow.seq.desc())
    .limit(bindparam("limit"))
)
# The seq of an aggregate's newest event of one type (bind ``aggregate_id`` and
# ``event_type``), as a scalar to put in a statement of one's own.
LATEST_SEQ_ABOUT = (
    select(OutboxRow.seq)
    .where(
        OutboxRow.aggregate_id == bindparam("aggregate_id"),
        OutboxRow.event_type == bindparam("event_type"),
    )
    .order_by(OutboxRow.seq.desc())
    .limit(1)
    .scalar_subquery()
)


def latest_about(
    session: Session, aggregate_id: str, event_type: str, *, limit: int = 1
) -> list[StoredEvent]:
    """An aggregate's ``limit`` newest events of one type, newest first (one indexed read)."""
    rows = session.scalars(
        _LATEST_ABOUT, {"aggregate_id": aggregate_id, "event_type": event_type, "limit": limit}
    )
    return [_stored(row) for row in rows]


def read_log(
    session: Session,
    *,
    after_seq: int = 0,
    event_types: Sequence[str] | None = None,
    limit: int | None = None,
) -> list[StoredEvent]:
    """The event log in commit order, for analytics and other readers of history."""
    query = select(OutboxRow).where(OutboxRow.seq > after_seq).order_by(OutboxRow.seq)
    if event_types:
        query = query.where(OutboxRow.event_type.in_(event_types))
    if limit:
        query = query.limit(limit)
    return [_stored(row) for row in session.scalars(query)]


def first_delivery(session: Session, consumer: str, event_id: str) -> bool:
    """True the first time ``consumer`` sees ``event_id``; False for a redelivery.

    Call it in the same transaction as the consumer's own writes, so that handling an
    event and remembering it commit together.
    """
    return insert_or_ignore(
        session, table_of(ConsumerInboxRow), {"consumer": consumer, "event_id": event_id}
    )


def unhandled(
    session: Session,
    consumer: str,
    event_types: Sequence[str],
    *,
    data_equals: Mapping[str, str] | None = None,
    limit: int = 500,
) -> list[StoredEvent]:
    """Events of ``event_types`` that ``consumer`` has not handled yet (no inbox row), in
    ``seq`` order; ``data_equals`` narrows them to events whose data has those values.

    A consumer that polls this, rather than a cursor of its own, cannot skip an event that
    committed after a later one (sequence numbers are taken before commit), and one that
    dies between its work and its inbox row finds the event again on its next poll."""
    query = (
        select(OutboxRow)
        .where(
            OutboxRow.event_type.in_(event_types),
            ~select(ConsumerInboxRow.event_id)
            .where(
                ConsumerInboxRow.consumer == consumer,
                ConsumerInboxRow.event_id == OutboxRow.event_id,
            )
            .exists(),
        )
        .order_by(OutboxRow.seq)
        .limit(limit)
    )
    for key, value in (data_equals or {}).items():
        query = query.where(OutboxRow.data[key].as_string() == value)
    return [_stored(row) for row in session.scalars(query)]


def mark_handled(session: Session, consumer: str, event_ids: Iterable[str]) -> None:
    """Remember events ``consumer`` handled (or chose to skip), all in one statement."""
    rows = [{"consumer": consumer, "event_id": event_id} for event_id in sorted(set(event_ids))]
    insert_or_ignore_all(session, table_of(ConsumerInboxRow), rows)


class OutboxRelay:
    """Delivers unpublished events in ``seq`` order to ``deliver``, at least once.

    Events are read, then delivered outside any transaction (a slow consumer must not
    hold a lock that writers wait on), then marked published in a short transaction of
    their own. If ``deliver`` raises, the events delivered before it are marked and the
    failing one is retried next time. On PostgreSQL only one relay works at a time (a
    session advisory lock, held on its own connection without a transaction), which
    keeps the order; on SQLite, the embedded single-machine default, run one relay.
    """

    _LOCK_KEY = 0x0BA20  # any constant shared by all relays of this database

    def __init__(
        self,
        db: Database,
        deliver: Callable[[StoredEvent], None],
        clock_now: Callable[[], datetime],
        *,
        batch_size: int = 500,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self._db = db
        self._deliver = deliver
        self._now = clock_now
        self._batch_size = batch_size

    def run_once(self) -> int:
        """Deliver one batch; returns how many events were delivered.

        A consumer's failure is re-raised only after the events delivered before it have
        been marked, so they are not sent again.
        """
        with self._db.only_one(self._LOCK_KEY) as ours:
            if not ours:
                return 0
            with self._db.read() as session:
                rows = session.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.published_at.is_(None))
                    .order_by(OutboxRow.seq)
                    .limit(self._batch_size)
                ).all()
                events = [_stored(row) for row in rows]
            failure: Exception | None = None
            delivered: list[int] = []
            for stored in events:
                try:
                    self._deliver(stored)
                except Exception as error:
                    failure = error
                    break
                delivered.append(stored.seq)
            if delivered:
                with self._db.transaction() as session:
                    session.execute(
                        update(OutboxRow)
                        .where(OutboxRow.seq.in_(delivered))
                        .values(published_at=self._now())
                    )
        if failure is not None:
            raise failure
        return len(delivered)

    def drain(self) -> int:
        """Deliver until nothing is left; returns the total."""
        count = 0
        while delivered := self.run_once():
            count += delivered
        return count
