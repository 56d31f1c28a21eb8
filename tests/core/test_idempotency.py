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


def test_claim_all_claims_new_keys_and_decides_taken_ones_in_one_pass(database_url: str) -> None:
    db = Database.connect(database_url)
    done = IdempotentRequest.of("cus_1", "done", "buy", sku="A")
    busy = IdempotentRequest.of("cus_1", "busy", "buy", sku="A")
    with db.transaction() as session:
        idempotency.claim_all(session, [done, busy], now=NOW, ttl=TTL)
        idempotency.complete_all(session, [(done, {"order": "ord_1"})])

    fresh = IdempotentRequest.of("cus_2", "new", "buy", sku="A")
    reused = IdempotentRequest.of("cus_1", "done", "buy", sku="B")
    twice = IdempotentRequest.of("cus_3", "twice", "buy", sku="A")
    with db.transaction() as session:
        claims = idempotency.claim_all(
            session, [fresh, done, busy, reused, twice, twice], now=NOW, ttl=TTL
        )

    assert claims[0] is None  # new: ours to do
    assert claims[1] == {"order": "ord_1"}  # done: replayed
    assert isinstance(claims[2], IdempotencyKeyInFlight)  # claimed, never completed
    assert isinstance(claims[3], IdempotencyKeyReused)  # same key, other parameters
    # The same key twice in one batch: the first claims it, the second finds it in flight.
    assert claims[4] is None and isinstance(claims[5], IdempotencyKeyInFlight)


def test_release_all_frees_keys_for_a_retry(database_url: str) -> None:
    db = Database.connect(database_url)
    keys = [IdempotentRequest.of("cus_1", f"k{n}", "buy", sku="A") for n in range(3)]
    with db.transaction() as session:
        idempotency.claim_all(session, keys, now=NOW, ttl=TTL)
        idempotency.release_all(session, keys[:2])
    with db.transaction() as session:
        claims = idempotency.claim_all(session, keys, now=NOW, ttl=TTL)
    assert claims[:2] == [None, None]
    assert isinstance(claims[2], IdempotencyKeyInFlight)
