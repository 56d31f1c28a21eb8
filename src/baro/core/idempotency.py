"""Exactly-once writes: an operation that a client may repeat carries an idempotency key.

The key row is inserted in the operation's first transaction; the primary key
``(scope, key)`` decides, in the database, which of several concurrent requests runs.
The others see the row and get the stored result (a replay), a conflict while the first
is still in flight, or an error when they reuse the key for different parameters.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, String, bindparam, delete, select, tuple_, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import Base, UTCDateTime, execute_many, insert_or_ignore_all, table_of
from baro.core.errors import Conflict, InvalidRequest
from baro.core.events import JSONType

MAX_KEY_LENGTH = 255
MAX_SCOPE_LENGTH = 64  # a prefix ("facility:") and an id of up to 40 characters
IN_FLIGHT = "in_flight"
COMPLETED = "completed"


class InvalidIdempotencyKey(InvalidRequest):
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(InvalidRequest):
    code = "idempotency_key_reused"


class IdempotencyKeyInFlight(Conflict):
    code = "idempotency_key_in_flight"


class IdempotencyRow(Base):
    __tablename__ = "idempotency_keys"

    scope: Mapped[str] = mapped_column(String(MAX_SCOPE_LENGTH), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class IdempotentRequest:
    """Who asks (``scope``, e.g. the customer id), their key, and what exactly they asked."""

    scope: str
    key: str
    fingerprint: str

    @property
    def pk(self) -> tuple[str, str]:
        return (self.scope, self.key)

    @classmethod
    def of(
        cls, scope: str, key: str | None, operation: str, **parameters: Any
    ) -> IdempotentRequest:
        check_key(key)
        assert key is not None
        canonical = json.dumps([operation, parameters], sort_keys=True, default=str)
        return cls(scope, key, hashlib.sha256(canonical.encode()).hexdigest())


def check_key(key: str | None) -> None:
    if not key or not key.strip():
        raise InvalidIdempotencyKey("an Idempotency-Key is required for this request")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise InvalidIdempotencyKey(
            f"an Idempotency-Key is at most {MAX_KEY_LENGTH} printable ASCII characters"
        )


Claim = dict[str, Any] | InvalidRequest | Conflict | None
"""What claiming a key gives: None (the caller does the work), the stored result of an
earlier request with the same key and parameters, or this request's error (the key was
reused for other parameters, or is in flight)."""

_keys = table_of(IdempotencyRow)


def claim(
    session: Session, request: IdempotentRequest, *, now: datetime, ttl: timedelta
) -> dict[str, Any] | None:
    """Claim the key for this request. Returns None when the caller should do the work,
    or the stored result of the earlier request with the same key and parameters.

    Raises IdempotencyKeyInFlight or IdempotencyKeyReused otherwise.
    """
    (claimed,) = claim_all(session, [request], now=now, ttl=ttl)
    if isinstance(claimed, Exception):
        raise claimed
    return claimed


def claim_all(
    session: Session, requests: Sequence[IdempotentRequest], *, now: datetime, ttl: timedelta
) -> list[Claim]:
    """Claim many keys with one INSERT; those already taken are looked up with one SELECT.

    A key that appears twice in ``requests`` is claimed by the first; the second finds it
    in flight, as it would coming from another process.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for request in requests:
        rows.setdefault(request.pk, _claim_row(request, now))
    inserted = insert_or_ignore_all(session, _keys, [rows[pk] for pk in sorted(rows)])
    ours = []
    for request in requests:
        ours.append(request.pk in inserted)
        inserted.discard(request.pk)
    taken = [request for request, mine in zip(requests, ours, strict=True) if not mine]
    stored = _stored(session, taken)
    return [
        None if mine else _claim_taken(session, request, stored.get(request.pk), now, ttl)
        for request, mine in zip(requests, ours, strict=True)
    ]


def _claim_row(request: IdempotentRequest, now: datetime) -> dict[str, Any]:
    return {
        "scope": request.scope,
        "key": request.key,
        "fingerprint": request.fingerprint,
        "state": IN_FLIGHT,
        "result": None,
        "created_at": now,
    }


def _stored(
    session: Session, requests: Sequence[IdempotentRequest]
) -> dict[tuple[str, str], Row[Any]]:
    if not requests:
        return {}
    pairs = sorted({request.pk for request in requests})
    rows = session.execute(select(_keys).where(tuple_(_keys.c.scope, _keys.c.key).in_(pairs)))
    return {(row.scope, row.key): row for row in rows}


def _claim_taken(
    session: Session,
    request: IdempotentRequest,
    row: Row[Any] | None,
    now: datetime,
    ttl: timedelta,
) -> Claim:
    if row is None:  # expired and purged between our insert and read: claim again
        return claim_all(session, [request], now=now, ttl=ttl)[0]
    if row.created_at < now - ttl:
        taken = session.execute(
            update(_keys)
            .where(
                _keys.c.scope == request.scope,
                _keys.c.key == request.key,
                _keys.c.created_at == row.created_at,
            )
            .values(fingerprint=request.fingerprint, state=IN_FLIGHT, result=None, created_at=now)
            .returning(_keys.c.key)
        ).first()
        if taken is not None:
            return None
        return IdempotencyKeyInFlight(f"Idempotency-Key {request.key!r} is being used right now")
    if row.fingerprint != request.fingerprint:
        return IdempotencyKeyReused(
            f"Idempotency-Key {request.key!r} was already used with different parameters; "
            "use a new key for a new request"
        )
    if row.state == IN_FLIGHT or row.result is None:
        return IdempotencyKeyInFlight(
            f"a request with Idempotency-Key {request.key!r} is still being processed; "
            "retry shortly with the same key"
        )
    result: dict[str, Any] = row.result
    return result


_COMPLETE = (
    update(_keys)
    .where(_keys.c.scope == bindparam("s"), _keys.c.key == bindparam("k"))
    .values(state=COMPLETED, result=bindparam("result"))
)


def complete(session: Session, request: IdempotentRequest, result: dict[str, Any]) -> None:
    """Store the outcome that later repeats of the request will be given."""
    complete_all(session, [(request, result)])


def complete_all(
    session: Session, outcomes: Sequence[tuple[IdempotentRequest, dict[str, Any]]]
) -> None:
    """Store the outcomes of many requests, in one statement."""
    rows = [{"s": r.scope, "k": r.key, "result": result} for r, result in outcomes]
    execute_many(session, _COMPLETE, rows)


def release(session: Session, request: IdempotentRequest) -> None:
    """Forget the key, so that a retry runs the operation again (after a transient failure)."""
    release_all(session, [request])


def release_all(session: Session, requests: Sequence[IdempotentRequest]) -> None:
    """Forget many keys (their operations failed before doing anything), in one statement."""
    if requests:
        pairs = sorted({request.pk for request in requests})
        session.execute(delete(_keys).where(tuple_(_keys.c.scope, _keys.c.key).in_(pairs)))


def purge_expired(session: Session, *, now: datetime, ttl: timedelta) -> int:
    """Delete completed keys older than ``ttl``; returns how many."""
    purged = session.execute(
        delete(IdempotencyRow)
        .where(IdempotencyRow.created_at < now - ttl, IdempotencyRow.state == COMPLETED)
        .returning(IdempotencyRow.key)
    )
    return len(purged.all())


def stored_keys(session: Session, scope: str) -> list[str]:
    return list(session.scalars(select(IdempotencyRow.key).where(IdempotencyRow.scope == scope)))
