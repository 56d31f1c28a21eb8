"""Exactly-once writes: an operation that a client may repeat carries an idempotency key.

The key row is inserted in the operation's first transaction; the primary key
``(scope, key)`` decides, in the database, which of several concurrent requests runs.
The others see the row and get the stored result (a replay), a conflict while the first
is still in flight, or an error when they reuse the key for different parameters.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import Base, UTCDateTime, insert_or_ignore, table_of
from baro.core.errors import Conflict, InvalidRequest
from baro.core.events import JSONType

MAX_KEY_LENGTH = 255
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

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
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


def claim(
    session: Session, request: IdempotentRequest, *, now: datetime, ttl: timedelta
) -> dict[str, Any] | None:
    """Claim the key for this request. Returns None when the caller should do the work,
    or the stored result of the earlier request with the same key and parameters.

    Raises IdempotencyKeyInFlight or IdempotencyKeyReused otherwise.
    """
    values = {
        "scope": request.scope,
        "key": request.key,
        "fingerprint": request.fingerprint,
        "state": IN_FLIGHT,
        "result": None,
        "created_at": now,
    }
    if insert_or_ignore(session, table_of(IdempotencyRow), values):
        return None
    row = session.get(IdempotencyRow, (request.scope, request.key), populate_existing=True)
    if row is None:  # expired and purged between our insert and read: claim again
        return claim(session, request, now=now, ttl=ttl)
    if row.created_at < now - ttl:
        taken = session.execute(
            update(IdempotencyRow)
            .where(
                IdempotencyRow.scope == request.scope,
                IdempotencyRow.key == request.key,
                IdempotencyRow.created_at == row.created_at,
            )
            .values(fingerprint=request.fingerprint, state=IN_FLIGHT, result=None, created_at=now)
            .returning(IdempotencyRow.key)
        ).first()
        if taken is not None:
            return None
        raise IdempotencyKeyInFlight(f"Idempotency-Key {request.key!r} is being used right now")
    if row.fingerprint != request.fingerprint:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {request.key!r} was already used with different parameters; "
            "use a new key for a new request"
        )
    if row.state == IN_FLIGHT or row.result is None:
        raise IdempotencyKeyInFlight(
            f"a request with Idempotency-Key {request.key!r} is still being processed; "
            "retry shortly with the same key"
        )
    return row.result


_keys = table_of(IdempotencyRow)
_COMPLETE = (
    update(_keys)
    .where(_keys.c.scope == bindparam("s"), _keys.c.key == bindparam("k"))
    .values(state=COMPLETED, result=bindparam("result"))
)


def complete(session: Session, request: IdempotentRequest, result: dict[str, Any]) -> None:
    """Store the outcome that later repeats of the request will be given."""
    session.execute(_COMPLETE, {"s": request.scope, "k": request.key, "result": result})


def release(session: Session, request: IdempotentRequest) -> None:
    """Forget the key, so that a retry runs the operation again (after a transient failure)."""
    session.execute(
        delete(IdempotencyRow).where(
            IdempotencyRow.scope == request.scope, IdempotencyRow.key == request.key
        )
    )


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
