"""Idempotency keys: claim once, replay the outcome, refuse reuse and in-flight repeats."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from baro.core import idempotency
from baro.core.db import Database, StatementCounter
from baro.core.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    IdempotencyRow,
    IdempotentRequest,
    InvalidIdempotencyKey,
    check_key,
)

NOW = datetime(2026, 11, 25, tzinfo=UTC)
TTL = timedelta(hours=24)
TICK = timedelta(microseconds=1)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database.connect(database_url)
    yield database
    database.dispose()


def buy(scope: str = "cus_1", key: str = "k", sku: str = "A") -> IdempotentRequest:
    return IdempotentRequest.of(scope, key, "buy", sku=sku)


def claim_at(db: Database, request: IdempotentRequest, now: datetime) -> idempotency.Claim:
    with db.transaction() as session:
        return idempotency.claim_all(session, [request], now=now, ttl=TTL)[0]


def completed_at(
    db: Database, request: IdempotentRequest, now: datetime, result: dict[str, object]
) -> None:
    with db.transaction() as session:
        assert idempotency.claim(session, request, now=now, ttl=TTL) is None
        idempotency.complete(session, request, result)


def stored(
    db: Database, request: IdempotentRequest
) -> tuple[str, str, dict[str, object] | None, datetime]:
    """The key's row as (fingerprint, state, result, created_at)."""
    with db.read() as session:
        row = session.get(IdempotencyRow, request.pk)
        assert row is not None
        return (row.fingerprint, row.state, row.result, row.created_at)


@contextmanager
def rival_before(
    session: Session, kind: str, rival: Callable[[Session], object], *, nth: int = 1
) -> Iterator[None]:
    """Run ``rival`` once, just before this session sends its ``nth`` statement of ``kind``
    ("select", "insert" or "update"): what another process might commit at that moment."""
    seen = 0

    def hook(state: ORMExecuteState) -> None:
        nonlocal seen
        if getattr(state, f"is_{kind}"):
            seen += 1
            if seen == nth:
                rival(state.session)

    event.listen(session, "do_orm_execute", hook)
    try:
        yield
    finally:
        event.remove(session, "do_orm_execute", hook)
    assert seen >= nth, f"only {seen} {kind} statements were sent: the rival never ran"


def test_errors_have_stable_codes() -> None:
    assert InvalidIdempotencyKey.code == "invalid_idempotency_key"
    assert IdempotencyKeyReused.code == "idempotency_key_reused"
    assert IdempotencyKeyInFlight.code == "idempotency_key_in_flight"


# --- keys -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k", "x" * 255, "order-2026-11-25 #1", "~!@"])
def test_printable_ascii_keys_up_to_255_characters_are_accepted(key: str) -> None:
    check_key(key)
    assert IdempotentRequest.of("cus_1", key, "buy").key == key


@pytest.mark.parametrize("key", [None, "", "   "])
def test_a_missing_key_is_refused(key: str | None) -> None:
    with pytest.raises(InvalidIdempotencyKey) as refused:
        IdempotentRequest.of("cus_1", key, "buy")
    assert refused.value.message == "an Idempotency-Key is required for this request"


@pytest.mark.parametrize("key", ["x" * 256, "ключ", "café", "a\nb", "a\tb", "a\x00b"])
def test_a_long_non_printable_or_non_ascii_key_is_refused(key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey) as refused:
        check_key(key)
    assert refused.value.message == "an Idempotency-Key is at most 255 printable ASCII characters"


# --- fingerprints -----------------------------------------------------------------------


def test_the_fingerprint_is_the_hash_of_the_operation_and_its_sorted_parameters() -> None:
    """Fingerprints are stored: the canonical form must not change between releases."""
    request = IdempotentRequest.of("cus_1", "k", "buy", sku="A", quantity=2)
    canonical = b'["buy", {"quantity": 2, "sku": "A"}]'
    assert request.fingerprint == hashlib.sha256(canonical).hexdigest()
    assert request.pk == ("cus_1", "k")


def test_the_same_parameters_in_another_order_give_the_same_fingerprint() -> None:
    first = IdempotentRequest.of("cus_1", "k", "buy", sku="A", quantity=2)
    second = IdempotentRequest.of("cus_1", "k", "buy", quantity=2, sku="A")
    assert first.fingerprint == second.fingerprint


def test_other_parameters_or_another_operation_give_another_fingerprint() -> None:
    base = IdempotentRequest.of("cus_1", "k", "buy", sku="A", quantity=2)
    assert IdempotentRequest.of("cus_1", "k", "buy", sku="A", quantity=3).fingerprint != (
        base.fingerprint
    )
    assert IdempotentRequest.of("cus_1", "k", "sell", sku="A", quantity=2).fingerprint != (
        base.fingerprint
    )


def test_parameters_json_cannot_hold_are_fingerprinted_by_their_text() -> None:
    request = IdempotentRequest.of(
        "cus_1", "k", "refund", amount=Decimal("1.50"), on=date(2026, 11, 25)
    )
    canonical = b'["refund", {"amount": "1.50", "on": "2026-11-25"}]'
    assert request.fingerprint == hashlib.sha256(canonical).hexdigest()


# --- claim, replay, reuse, in flight ----------------------------------------------------


def test_claim_replay_reuse_and_in_flight(db: Database) -> None:
    first = buy()
    with db.transaction() as session:
        assert idempotency.claim(session, first, now=NOW, ttl=TTL) is None
    with pytest.raises(IdempotencyKeyInFlight) as busy, db.transaction() as session:
        idempotency.claim(session, first, now=NOW, ttl=TTL)
    assert busy.value.message == (
        "a request with Idempotency-Key 'k' is still being processed; "
        "retry shortly with the same key"
    )
    with db.transaction() as session:
        idempotency.complete(session, first, {"order": "ord_1"})
    with db.transaction() as session:
        assert idempotency.claim(session, first, now=NOW, ttl=TTL) == {"order": "ord_1"}
        with pytest.raises(IdempotencyKeyReused) as reused:
            idempotency.claim(session, buy(sku="B"), now=NOW, ttl=TTL)
        assert reused.value.message == (
            "Idempotency-Key 'k' was already used with different parameters; "
            "use a new key for a new request"
        )
        assert idempotency.claim(session, buy("cus_2", sku="B"), now=NOW, ttl=TTL) is None


def test_a_completed_key_without_a_stored_result_is_never_handed_out_again(
    db: Database,
) -> None:
    """A row marked completed whose result is missing must not let a second request do the
    work: the key stays in flight until it expires."""
    request = buy()
    with db.transaction() as session:
        session.add(
            IdempotencyRow(
                scope="cus_1",
                key="k",
                fingerprint=request.fingerprint,
                state=idempotency.COMPLETED,
                result=None,
                created_at=NOW,
            )
        )
    assert isinstance(claim_at(db, request, NOW), IdempotencyKeyInFlight)


# --- expiry -----------------------------------------------------------------------------


def test_a_completed_key_is_still_replayed_at_exactly_the_ttl(db: Database) -> None:
    completed_at(db, buy(), NOW, {"order": "ord_1"})
    assert claim_at(db, buy(), NOW + TTL) == {"order": "ord_1"}
    assert isinstance(claim_at(db, buy(sku="B"), NOW + TTL), IdempotencyKeyReused)


def test_a_key_in_flight_is_still_in_flight_at_exactly_the_ttl(db: Database) -> None:
    assert claim_at(db, buy(), NOW) is None
    assert isinstance(claim_at(db, buy(), NOW + TTL), IdempotencyKeyInFlight)


def test_a_completed_key_is_taken_over_one_microsecond_after_the_ttl(db: Database) -> None:
    completed_at(db, buy(), NOW, {"order": "ord_1"})
    later = NOW + TTL + TICK
    assert claim_at(db, buy(), later) is None
    assert stored(db, buy()) == (buy().fingerprint, "in_flight", None, later)


def test_a_key_left_in_flight_is_taken_over_after_the_ttl(db: Database) -> None:
    assert claim_at(db, buy(), NOW) is None
    later = NOW + TTL + TICK
    assert claim_at(db, buy(), later) is None
    assert stored(db, buy()) == (buy().fingerprint, "in_flight", None, later)


def test_a_taken_over_key_belongs_to_its_new_request(db: Database) -> None:
    """Given an expired key completed for sku A, when a request for sku B takes it over,
    then repeats of B find it in flight and then replay B's result, and A is refused."""
    completed_at(db, buy(sku="A"), NOW, {"order": "ord_1"})
    later = NOW + TTL + TICK
    assert claim_at(db, buy(sku="B"), later) is None

    assert stored(db, buy(sku="B")) == (buy(sku="B").fingerprint, "in_flight", None, later)
    assert isinstance(claim_at(db, buy(sku="B"), later), IdempotencyKeyInFlight)
    assert isinstance(claim_at(db, buy(sku="A"), later), IdempotencyKeyReused)
    with db.transaction() as session:
        idempotency.complete(session, buy(sku="B"), {"order": "ord_2"})
    assert claim_at(db, buy(sku="B"), later + TTL) == {"order": "ord_2"}


def test_a_takeover_changes_only_its_own_key(db: Database) -> None:
    """Rows of the same age under another scope, or another key, are left as they were."""
    for request, order in [(buy(), "ord_1"), (buy("cus_2"), "ord_2"), (buy(key="j"), "ord_3")]:
        completed_at(db, request, NOW, {"order": order})
    assert claim_at(db, buy(sku="B"), NOW + TTL + TICK) is None

    assert stored(db, buy("cus_2")) == (buy().fingerprint, "completed", {"order": "ord_2"}, NOW)
    assert stored(db, buy(key="j")) == (buy().fingerprint, "completed", {"order": "ord_3"}, NOW)


def test_a_key_another_request_took_over_first_is_in_flight(db: Database) -> None:
    """Given an expired key, when another process takes it over between our read and our
    takeover, then ours finds it in use and leaves the rival's claim alone."""
    completed_at(db, buy(), NOW, {"order": "ord_1"})
    later = NOW + TTL + TICK
    rivals_time = later + TICK

    def rival_takes_over(session: Session) -> None:
        session.execute(
            IdempotencyRow.__table__.update()
            .where(IdempotencyRow.scope == "cus_1", IdempotencyRow.key == "k")
            .values(fingerprint=buy(sku="C").fingerprint, state="in_flight", result=None)
            .values(created_at=rivals_time)
        )

    with db.transaction() as session, rival_before(session, "update", rival_takes_over):
        (claimed,) = idempotency.claim_all(session, [buy(sku="B")], now=later, ttl=TTL)
    assert isinstance(claimed, IdempotencyKeyInFlight)
    assert claimed.message == "Idempotency-Key 'k' is being used right now"
    assert stored(db, buy()) == (buy(sku="C").fingerprint, "in_flight", None, rivals_time)


def test_a_key_purged_between_our_insert_and_our_read_is_claimed_again(db: Database) -> None:
    completed_at(db, buy(), NOW, {"order": "ord_1"})
    later = NOW + 3 * TTL

    def rival_purges(session: Session) -> None:
        assert idempotency.purge_expired(session, now=later, ttl=TTL) == 1

    with db.transaction() as session, rival_before(session, "select", rival_purges):
        claims = idempotency.claim_all(session, [buy(sku="B")], now=later, ttl=TTL)
    assert claims == [None]
    assert stored(db, buy()) == (buy(sku="B").fingerprint, "in_flight", None, later)


def test_a_key_purged_and_claimed_by_another_request_meanwhile_is_in_flight(
    db: Database,
) -> None:
    """Given our insert found the key taken, when it is purged before our read and another
    press claims it before our second insert, then ours finds that press's claim in flight."""
    completed_at(db, buy(), NOW, {"order": "ord_1"})
    later = NOW + 3 * TTL

    def rival_purges(session: Session) -> None:
        assert idempotency.purge_expired(session, now=later, ttl=TTL) == 1

    def another_press_claims(session: Session) -> None:
        assert idempotency.claim_all(session, [buy()], now=later, ttl=TTL) == [None]

    with (
        db.transaction() as session,
        rival_before(session, "select", rival_purges),
        rival_before(session, "insert", another_press_claims, nth=2),
    ):
        (claimed,) = idempotency.claim_all(session, [buy()], now=later, ttl=TTL)
    assert isinstance(claimed, IdempotencyKeyInFlight)
    assert stored(db, buy()) == (buy().fingerprint, "in_flight", None, later)


# --- purge ------------------------------------------------------------------------------


def test_purge_deletes_only_completed_keys_older_than_the_ttl(db: Database) -> None:
    now = NOW + 2 * TTL
    completed_at(db, buy(key="old"), now - TTL - TICK, {"order": "ord_1"})
    completed_at(db, buy("cus_2", key="old"), now - 2 * TTL, {"order": "ord_2"})
    completed_at(db, buy(key="at-ttl"), now - TTL, {"order": "ord_3"})
    completed_at(db, buy(key="fresh"), now, {"order": "ord_4"})
    assert claim_at(db, buy(key="stuck"), now - 2 * TTL) is None  # in flight, never completed

    with db.transaction() as session:
        assert idempotency.purge_expired(session, now=now, ttl=TTL) == 2
    with db.read() as session:
        assert sorted(idempotency.stored_keys(session, "cus_1")) == ["at-ttl", "fresh", "stuck"]
        assert idempotency.stored_keys(session, "cus_2") == []


def test_purge_with_nothing_expired_deletes_nothing(db: Database) -> None:
    completed_at(db, buy(), NOW, {"order": "ord_1"})
    with db.transaction() as session:
        assert idempotency.purge_expired(session, now=NOW + TTL, ttl=TTL) == 0
    assert claim_at(db, buy(), NOW + TTL) == {"order": "ord_1"}


def test_stored_keys_lists_one_scopes_keys(db: Database) -> None:
    with db.transaction() as session:
        idempotency.claim_all(session, [buy(key="a"), buy(key="b"), buy("cus_2")], now=NOW, ttl=TTL)
    with db.read() as session:
        assert sorted(idempotency.stored_keys(session, "cus_1")) == ["a", "b"]
        assert idempotency.stored_keys(session, "cus_2") == ["k"]
        assert idempotency.stored_keys(session, "cus_3") == []


# --- batches ----------------------------------------------------------------------------


def test_claim_all_claims_new_keys_and_decides_taken_ones_in_one_pass(db: Database) -> None:
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


def test_a_key_twice_in_one_batch_with_other_parameters_is_reused(db: Database) -> None:
    with db.transaction() as session:
        claims = idempotency.claim_all(session, [buy(), buy(sku="B")], now=NOW, ttl=TTL)
    assert claims[0] is None
    assert isinstance(claims[1], IdempotencyKeyReused)
    assert stored(db, buy()) == (buy().fingerprint, "in_flight", None, NOW)


def test_claim_all_sends_one_insert_and_one_select_for_the_taken_keys(db: Database) -> None:
    counter = StatementCounter().attach(db.engine)
    new = [buy(key=f"n{n}") for n in range(3)]
    with db.transaction() as session:
        before = counter.statements
        assert idempotency.claim_all(session, new, now=NOW, ttl=TTL) == [None, None, None]
        assert counter.statements - before == 1  # the INSERT; nothing was taken

    again = [*new[:2], buy(key="n3"), buy(key="n4")]
    with db.transaction() as session:
        before = counter.statements
        claims = idempotency.claim_all(session, again, now=NOW, ttl=TTL)
        assert counter.statements - before == 2  # the INSERT, then one SELECT
    assert [type(c) for c in claims] == [
        IdempotencyKeyInFlight,
        IdempotencyKeyInFlight,
        type(None),
        type(None),
    ]


def test_complete_all_stores_each_outcome_for_its_own_key(db: Database) -> None:
    first, second, untouched = buy(key="a"), buy(key="b"), buy("cus_2", key="a")
    with db.transaction() as session:
        idempotency.claim_all(session, [first, second, untouched], now=NOW, ttl=TTL)
        idempotency.complete_all(
            session, [(first, {"order": "ord_1"}), (second, {"order": "ord_2"})]
        )
        idempotency.complete_all(session, [])
    assert stored(db, first) == (first.fingerprint, "completed", {"order": "ord_1"}, NOW)
    assert stored(db, second) == (second.fingerprint, "completed", {"order": "ord_2"}, NOW)
    assert stored(db, untouched) == (untouched.fingerprint, "in_flight", None, NOW)


def test_release_all_frees_keys_for_a_retry(db: Database) -> None:
    keys = [IdempotentRequest.of("cus_1", f"k{n}", "buy", sku="A") for n in range(3)]
    with db.transaction() as session:
        idempotency.claim_all(session, keys, now=NOW, ttl=TTL)
        idempotency.release_all(session, [keys[0], keys[1], keys[0]])
        idempotency.release_all(session, [])
    with db.transaction() as session:
        claims = idempotency.claim_all(session, keys, now=NOW, ttl=TTL)
    assert claims[:2] == [None, None]
    assert isinstance(claims[2], IdempotencyKeyInFlight)


def test_release_frees_only_its_own_key(db: Database) -> None:
    with db.transaction() as session:
        idempotency.claim_all(session, [buy(), buy("cus_2"), buy(key="j")], now=NOW, ttl=TTL)
        idempotency.release(session, buy())
    with db.read() as session:
        assert idempotency.stored_keys(session, "cus_1") == ["j"]
        assert idempotency.stored_keys(session, "cus_2") == ["k"]
    assert claim_at(db, buy(sku="B"), NOW) is None
