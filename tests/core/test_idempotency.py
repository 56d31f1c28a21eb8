"""Idempotency keys: claim once, replay the outcome, refuse reuse and in-flight repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baro.core import idempotency
from baro.core.db import Database
from baro.core.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IdempotentRequest,
    InvalidIdempotencyKey,
)

NOW = datetime(2026, 11, 25, tzinfo=UTC)
TTL = timedelta(hours=24)


def test_claim_replay_reuse_and_in_flight(database_url: str) -> None:
    db = Database.connect(database_url)
    buy = IdempotentRequest.of("cus_1", "k", "buy", sku="A")
    with db.transaction() as session:
        assert idempotency.claim(session, buy, now=NOW, ttl=TTL) is None
    with pytest.raises(IdempotencyKeyInFlight), db.transaction() as session:
        idempotency.claim(session, buy, now=NOW, ttl=TTL)
    with db.transaction() as session:
        idempotency.complete(session, buy, {"order": "ord_1"})
    with db.transaction() as session:
        assert idempotency.claim(session, buy, now=NOW, ttl=TTL) == {"order": "ord_1"}
        other = IdempotentRequest.of("cus_1", "k", "buy", sku="B")
        with pytest.raises(IdempotencyKeyReused):
            idempotency.claim(session, other, now=NOW, ttl=TTL)
        another_customer = IdempotentRequest.of("cus_2", "k", "buy", sku="B")
        assert idempotency.claim(session, another_customer, now=NOW, ttl=TTL) is None


def test_keys_expire_after_the_ttl(database_url: str) -> None:
    db = Database.connect(database_url)
    buy = IdempotentRequest.of("cus_1", "k", "buy", sku="A")
    with db.transaction() as session:
        idempotency.claim(session, buy, now=NOW, ttl=TTL)
        idempotency.complete(session, buy, {"order": "ord_1"})
    later = NOW + TTL + timedelta(seconds=1)
    with db.transaction() as session:
        assert idempotency.claim(session, buy, now=later, ttl=TTL) is None
    with db.transaction() as session:
        assert idempotency.purge_expired(session, now=later + TTL * 2, ttl=TTL) == 0


@pytest.mark.parametrize("key", [None, "", "   ", "x" * 256, "ключ", "a\nb"])
def test_bad_keys_are_refused(key: str | None) -> None:
    with pytest.raises(InvalidIdempotencyKey):
        IdempotentRequest.of("cus_1", key, "buy")
