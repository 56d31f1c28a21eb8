"""Prime on real PostgreSQL: sign-up, renewal, failed payments and cancelling, and the
renewal charged once per period when two runs race or a run dies after charging. The
sandbox gateway's ledger is the witness: what each card was actually charged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from baro.commerce.payments import DECLINES, LedgerEntry, SandboxLedger
from baro.commerce.prime import PrimeSettings, RenewalResult, Status
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.money import Money
from baro.platform import Platform
from tests.builders import Shopper, shopper
from tests.conftest import START
from tests.integration.races import Rival, run_until_done_or_blocked

pytestmark = pytest.mark.postgres

DAY = timedelta(days=1)


class Crash(Exception):
    """Stands for the process dying at a failpoint: nothing after it runs."""


@pytest.fixture
def world(pg_url: str, tmp_path: Path) -> Iterator[tuple[Platform, SimulatedClock, Path]]:
    """A platform of its own per test (its clock steps through a year), with a ledger."""
    ledger = tmp_path / "ledger.jsonl"
    clock = SimulatedClock(START)
    started = Platform.start(Settings(database_url=pg_url, sandbox_ledger=ledger), clock=clock)
    yield started, clock, ledger
    started.close()


def captures(ledger: Path, membership_id: str) -> list[LedgerEntry]:
    if not ledger.exists():
        return []
    return [
        e
        for e in SandboxLedger.read(ledger)
        if e.operation == "capture" and e.idempotency_key.startswith(f"prime:{membership_id}:")
    ]


def in_trial(platform: Platform) -> tuple[Shopper, str]:
    who = shopper(platform)
    joined = platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="join")
    return who, joined.membership.id


def once(pg_url: str, rival: Rival, states: list[str]) -> Callable[[], None]:
    def action() -> None:
        if not states:
            states.append(run_until_done_or_blocked(pg_url, rival))

    return action


def test_sign_up_renew_and_cancel(world: tuple[Platform, SimulatedClock, Path]) -> None:
    platform, clock, ledger = world
    who, membership_id = in_trial(platform)
    assert platform.customers.authenticate(who.api_key).prime_membership_id == membership_id

    clock.advance(30 * DAY)
    renewed = platform.prime.renew()
    clock.advance(10 * DAY)
    cancelled = platform.prime.cancel(who.customer_id)

    assert [r.result for r in renewed.renewals] == [RenewalResult.RENEWED]
    assert cancelled.refund == Money(11_900, "USD")  # no benefit used: all of it back
    assert [(e.amount_minor, e.currency) for e in captures(ledger, membership_id)] == [
        (11_900, "USD")
    ]
    refunds = [e for e in SandboxLedger.read(ledger) if e.operation == "refund"]
    assert [(e.idempotency_key, e.amount_minor) for e in refunds] == [
        (f"prime:{membership_id}:1:refund", 11_900)
    ]
    with platform.db.read() as session:
        kinds = [e.event_type for e in read_log(session) if e.aggregate_id == membership_id]
    assert kinds == ["prime.joined", "prime.renewed", "prime.cancelled", "prime.refunded"]
    assert platform.customers.authenticate(who.api_key).prime_membership_id is None


def test_failed_payments_are_retried_then_the_membership_lapses(
    world: tuple[Platform, SimulatedClock, Path],
) -> None:
    platform, clock, ledger = world
    who, membership_id = in_trial(platform)
    platform.customers.add_payment_method(
        who.customer_id, gateway_token=DECLINES, brand="visa", last4="0002"
    )
    due = clock.now() + 30 * DAY

    results = []
    for day in (0, 1, 3, 7):
        clock.set(due + day * DAY)
        results += [r.result for r in platform.prime.renew().renewals]

    assert results == [RenewalResult.FAILED] * 3 + [RenewalResult.LAPSED]
    view = platform.prime.view(who.customer_id)
    assert view is not None and view.membership.status is Status.LAPSED
    assert captures(ledger, membership_id) == []


def test_two_renewal_runs_at_once_charge_the_period_once(
    world: tuple[Platform, SimulatedClock, Path], pg_url: str
) -> None:
    """The first run has claimed the renewal and not committed; the second waits on the
    membership's row, then finds it claimed and skips it: one charge in the ledger."""
    platform, clock, ledger = world
    _who, membership_id = in_trial(platform)
    clock.advance(30 * DAY)
    rival = Rival(platform.prime.renew)
    states: list[str] = []

    with armed("prime.claimed", once(pg_url, rival, states)):
        first = platform.prime.renew()
    second = rival.join()

    assert states == ["blocked"]
    ours = [r for r in first.renewals if r.membership_id == membership_id]
    theirs = [r for r in second.renewals if r.membership_id == membership_id]
    assert [r.result for r in ours] == [RenewalResult.RENEWED]
    assert [r.result for r in theirs] == [RenewalResult.SKIPPED]
    assert len(captures(ledger, membership_id)) == 1


def test_a_run_that_died_after_charging_is_taken_over_without_a_second_charge(
    world: tuple[Platform, SimulatedClock, Path],
) -> None:
    """The run charged the card and died before recording it. Until its claim is stale no
    run touches the membership; then one takes it over with the same gateway keys, and the
    gateway answers with the first capture: the card is charged once, the period recorded
    once."""
    platform, clock, ledger = world
    _who, membership_id = in_trial(platform)
    clock.advance(30 * DAY)

    def crash() -> None:
        raise Crash

    with armed("prime.charged", crash), pytest.raises(Crash):
        platform.prime.renew()
    meanwhile = platform.prime.renew()
    clock.advance(PrimeSettings().abandoned_after + timedelta(seconds=1))
    taken_over = platform.prime.renew()

    assert [r.result for r in meanwhile.renewals] == [RenewalResult.SKIPPED]
    assert [r.result for r in taken_over.renewals] == [RenewalResult.RENEWED]
    charged = captures(ledger, membership_id)
    assert len(charged) == 2  # asked twice, with one key: one capture at the gateway
    assert len({(e.idempotency_key, e.id) for e in charged}) == 1
    view = platform.prime.view(view_owner(platform, membership_id))
    assert view is not None and view.membership.period == 1


def view_owner(platform: Platform, membership_id: str) -> str:
    return next(m.customer_id for m in platform.prime.members() if m.id == membership_id)


def test_a_join_left_unanswered_is_paid_by_its_retry_with_the_same_keys(
    world: tuple[Platform, SimulatedClock, Path],
) -> None:
    """No trial left, the first charge dies after the gateway took it: the client's retry
    with the same key finds the pending membership, once its process is presumed dead, and
    pays it with the same gateway keys."""
    platform, clock, ledger = world
    who, first_id = in_trial(platform)
    platform.prime.cancel(who.customer_id)

    def crash() -> None:
        raise Crash

    with armed("prime.join_charged", crash), pytest.raises(Crash):
        platform.prime.join(who.customer_id, "monthly", "KRW", idempotency_key="again")
    clock.advance(PrimeSettings().abandoned_after + timedelta(seconds=1))
    joined = platform.prime.join(who.customer_id, "monthly", "KRW", idempotency_key="again")

    m = joined.membership
    assert (m.status, m.price) == (Status.ACTIVE, Money(4_990, "KRW"))
    charged = captures(ledger, m.id)
    assert len({e.id for e in charged}) == 1 and charged[0].amount_minor == 4_990
    assert first_id != m.id
