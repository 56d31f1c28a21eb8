"""Prime on SQLite through the platform: joining (trial once, first charge, declines),
renewals (once per period, the price in force at renewal, retries then lapse), cancelling
with its refund, the household, and the benefit at placement."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from baro.commerce.customers import Principal
from baro.commerce.payments import DECLINES, PaymentDeclined
from baro.commerce.prime import (
    AlreadyMember,
    HouseholdFull,
    HouseholdMemberNotFound,
    MembershipNotFound,
    NotHouseholdOwner,
    PriceNoticeTooShort,
    RenewalResult,
    Status,
)
from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.core.ids import new_id
from baro.core.money import Money
from baro.jobs import Jobs
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock

DAY = timedelta(days=1)
KM = 1 / 111.19508
NORTH_10KM = (SAO_PAULO[0] + 10 * KM, SAO_PAULO[1])


def prime_events(platform: Platform, membership_id: str) -> list[str]:
    with platform.db.read() as session:
        log = read_log(session)
    return [e.event_type for e in log if e.aggregate_id == membership_id]


def principal(platform: Platform, who: Shopper) -> Principal:
    """The shopper's principal as a request reads it now (with their benefits)."""
    return platform.customers.authenticate(who.api_key)


def after_trial(platform: Platform, who: Shopper, currency: str = "USD") -> str:
    """A member whose 30-day trial is spent: the first join gives the trial."""
    joined = platform.prime.join(who.customer_id, "yearly", currency, idempotency_key="trial")
    return joined.membership.id


def test_the_first_join_is_a_free_trial_with_benefits_at_once(platform: Platform) -> None:
    who = shopper(platform)
    joined = platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="k1")
    m = joined.membership
    assert (m.status, m.period, m.price) == (Status.TRIAL, 0, Money(0, "USD"))
    assert m.period_end == platform.clock.now() + 30 * DAY
    assert m.next_charge_at == m.period_end
    assert principal(platform, who).prime_membership_id == m.id
    assert prime_events(platform, m.id) == ["prime.joined"]
    assert [n.kind for n in platform.notifications.of(who.customer_id)] == ["prime_joined"]


def test_the_same_key_returns_the_first_membership(platform: Platform) -> None:
    who = shopper(platform)
    first = platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="k1")
    again = platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="k1")
    assert again.replayed and again.membership.id == first.membership.id


def test_a_second_membership_is_refused(platform: Platform) -> None:
    who = shopper(platform)
    platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="k1")
    with pytest.raises(AlreadyMember):
        platform.prime.join(who.customer_id, "monthly", "USD", idempotency_key="k2")


def test_the_trial_is_once_so_joining_again_is_charged_at_once(platform: Platform) -> None:
    who = shopper(platform)
    after_trial(platform, who)
    platform.prime.cancel(who.customer_id)

    joined = platform.prime.join(who.customer_id, "yearly", "KRW", idempotency_key="k2")

    m = joined.membership
    assert (m.status, m.period, m.price) == (Status.ACTIVE, 1, Money(49_000, "KRW"))
    assert m.next_charge_at == m.period_end


def test_a_declined_first_charge_ends_the_join_and_is_replayed(platform: Platform) -> None:
    who = shopper(platform)
    after_trial(platform, who)
    platform.prime.cancel(who.customer_id)
    platform.customers.add_payment_method(
        who.customer_id, gateway_token=DECLINES, brand="visa", last4="0002"
    )

    with pytest.raises(PaymentDeclined):
        platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="k2")
    with pytest.raises(PaymentDeclined) as replayed:
        platform.prime.join(who.customer_id, "yearly", "USD", idempotency_key="k2")

    assert replayed.value.context["replayed"] is True
    view = platform.prime.view(who.customer_id)
    assert view is not None and view.membership.status is Status.DECLINED
    assert principal(platform, who).prime_membership_id is None


def test_a_trial_renews_once_at_its_end_for_the_price_then(
    platform: Platform, clock: SimulatedClock
) -> None:
    who = shopper(platform)
    membership_id = after_trial(platform, who)
    end = platform.prime.view(who.customer_id).membership.period_end  # type: ignore[union-attr]

    early = platform.prime.renew(end - timedelta(seconds=1))
    clock.advance(30 * DAY)
    first = platform.prime.renew(end)
    second = platform.prime.renew(end)

    assert early.renewals == ()
    assert [(r.result, r.period, r.charged) for r in first.renewals] == [
        (RenewalResult.RENEWED, 1, Money(11_900, "USD"))
    ]
    assert second.renewals == ()
    view = platform.prime.view(who.customer_id)
    assert view is not None
    m = view.membership
    assert (m.status, m.period, m.period_start) == (Status.ACTIVE, 1, end)
    assert m.period_end == end.replace(year=end.year + 1)
    assert prime_events(platform, membership_id) == ["prime.joined", "prime.renewed"]


def test_a_price_change_reaches_a_member_at_the_first_renewal_after_it(
    platform: Platform, clock: SimulatedClock
) -> None:
    """Announced now for 40 days on: the trial's renewal (day 30) keeps $119, and the one
    after it (a year later) pays $139. The member is told at the announcement."""
    who = shopper(platform)
    after_trial(platform, who)
    effective = clock.now() + 40 * DAY

    with pytest.raises(PriceNoticeTooShort):
        platform.prime.announce_price("yearly", Money(13_900, "USD"), clock.now() + 29 * DAY)
    platform.prime.announce_price("yearly", Money(13_900, "USD"), effective)

    assert "prime_price_change" in [n.kind for n in platform.notifications.of(who.customer_id)]
    view = platform.prime.view(who.customer_id)
    assert view is not None and view.renewal_price == Money(11_900, "USD")
    clock.advance(30 * DAY)
    renewed = platform.prime.renew()
    assert [r.charged for r in renewed.renewals] == [Money(11_900, "USD")]
    view = platform.prime.view(who.customer_id)
    assert view is not None and view.renewal_price == Money(13_900, "USD")
    clock.advance(366 * DAY)
    assert [r.charged for r in platform.prime.renew().renewals] == [Money(13_900, "USD")]


def test_declined_renewals_retry_on_days_1_3_7_keep_benefits_then_lapse(
    platform: Platform, clock: SimulatedClock
) -> None:
    who = shopper(platform)
    membership_id = after_trial(platform, who)
    platform.customers.add_payment_method(
        who.customer_id, gateway_token=DECLINES, brand="visa", last4="0002"
    )
    due = clock.now() + 30 * DAY
    results = []
    for day in (0, 1, 3, 7):
        clock.set(due + day * DAY)
        report = platform.prime.renew(due + day * DAY)
        results.append([(r.result, r.next_charge_at) for r in report.renewals])
        if day < 7:
            assert principal(platform, who).prime_membership_id == membership_id

    assert results == [
        [(RenewalResult.FAILED, due + DAY)],
        [(RenewalResult.FAILED, due + 3 * DAY)],
        [(RenewalResult.FAILED, due + 7 * DAY)],
        [(RenewalResult.LAPSED, None)],
    ]
    view = platform.prime.view(who.customer_id)
    assert view is not None and view.membership.status is Status.LAPSED
    assert principal(platform, who).prime_membership_id is None
    assert prime_events(platform, membership_id) == [
        "prime.joined",
        *["prime.payment_failed"] * 3,
        "prime.lapsed",
    ]


def test_a_paid_year_cancelled_without_benefits_is_refunded_in_full(
    platform: Platform, clock: SimulatedClock
) -> None:
    who = shopper(platform)
    after_trial(platform, who)
    clock.advance(30 * DAY)
    platform.prime.renew()
    clock.advance(100 * DAY)

    cancelled = platform.prime.cancel(who.customer_id)

    assert (cancelled.refund, cancelled.benefits_used) == (Money(11_900, "USD"), 0)
    assert cancelled.membership.status is Status.CANCELLED
    assert prime_events(platform, cancelled.membership.id)[-2:] == [
        "prime.cancelled",
        "prime.refunded",
    ]
    assert principal(platform, who).prime_membership_id is None
    with pytest.raises(MembershipNotFound):
        platform.prime.cancel(who.customer_id)


def member_world(platform: Platform) -> tuple[str, Shopper]:
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC São Paulo", SAO_PAULO), item.id, 50)
    return item.id, shopper(platform, at=NORTH_10KM)


def test_a_members_same_day_order_is_free_and_costs_the_retailer_the_fee(
    platform: Platform,
) -> None:
    item, who = member_world(platform)
    paying = platform.orders.place_one_click(
        principal(platform, who), item, 1, idempotency_key="o1", delivery_option="same_day"
    ).order
    membership_id = after_trial(platform, who)

    free = platform.orders.place_one_click(
        principal(platform, who), item, 1, idempotency_key="o2", delivery_option="same_day"
    ).order

    assert paying.delivery is not None and paying.delivery.benefit is None
    assert paying.delivery_fee == Money(1_299, "BRL")
    assert free.delivery is not None and free.delivery_fee == Money(0, "BRL")
    benefit = free.delivery.benefit
    assert benefit is not None
    assert (benefit.membership_id, benefit.kind, benefit.absorbed) == (
        membership_id,
        "free_delivery",
        Money(1_299, "BRL"),
    )
    assert free.total == free.items_total
    stored = platform.order_book.get(free.id)
    assert stored.delivery is not None and stored.delivery.benefit == benefit
    view = platform.prime.view(who.customer_id)
    assert view is not None and view.benefits_used == 1


def test_a_benefit_used_makes_the_refund_prorated(
    platform: Platform, clock: SimulatedClock
) -> None:
    item, who = member_world(platform)
    after_trial(platform, who)
    clock.advance(30 * DAY)
    platform.prime.renew()
    platform.orders.place_one_click(principal(platform, who), item, 1, idempotency_key="o1")
    clock.advance(265 * DAY)  # 100 days of 365 left

    cancelled = platform.prime.cancel(who.customer_id)

    assert cancelled.benefits_used == 1
    assert cancelled.refund == Money(11_900 * 100 // 365, "USD")


def test_the_household_shares_benefits_up_to_the_plans_size(platform: Platform) -> None:
    owner = shopper(platform, name="Ana")
    membership_id = after_trial(platform, owner)
    others = [shopper(platform, name=f"P{n}") for n in range(5)]
    for other in others[:4]:
        email = platform.customers.get(other.customer_id).email
        platform.prime.add_to_household(owner.customer_id, email.upper())

    with pytest.raises(HouseholdFull):
        platform.prime.add_to_household(
            owner.customer_id, platform.customers.get(others[4].customer_id).email
        )
    with pytest.raises(HouseholdMemberNotFound):
        platform.prime.add_to_household(owner.customer_id, "nobody@example.com")
    assert principal(platform, others[0]).prime_membership_id == membership_id
    shared = platform.prime.view(others[0].customer_id)
    assert shared is not None and not shared.owner and shared.membership.household == ()
    with pytest.raises(NotHouseholdOwner):
        platform.prime.cancel(others[0].customer_id)
    with pytest.raises(AlreadyMember):  # they have benefits already
        platform.prime.join(others[0].customer_id, "yearly", "USD", idempotency_key="k")

    platform.prime.remove_from_household(owner.customer_id, others[0].customer_id)
    assert principal(platform, others[0]).prime_membership_id is None
    platform.prime.cancel(owner.customer_id)
    assert principal(platform, others[1]).prime_membership_id is None
    assert prime_events(platform, membership_id) == [
        "prime.joined",
        *["prime.household_added"] * 4,
        "prime.household_removed",
        "prime.cancelled",
    ]


def test_the_platforms_tick_renews_what_is_due(platform: Platform, clock: SimulatedClock) -> None:
    who = shopper(platform)
    after_trial(platform, who)
    clock.advance(30 * DAY)

    first, second = Jobs(platform).tick(), Jobs(platform).tick()

    assert (first.prime_renewed, second.prime_renewed) == (1, 0)


def test_a_members_press_costs_the_same_eleven_statements(platform: Platform) -> None:
    """The membership comes with the principal's one query: no statement of its own
    (tests/commerce/test_placement.py lists the eleven)."""
    item, who = member_world(platform)
    after_trial(platform, who)
    sent: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(platform.db.engine, "before_cursor_execute", remember)
    [caller] = platform.customers.authenticate_all([who.api_key])
    placed = platform.orders.place_one_click(caller, item, 1, idempotency_key="o")  # type: ignore[arg-type]
    event.remove(platform.db.engine, "before_cursor_execute", remember)

    assert placed.order.delivery is not None and placed.order.delivery.benefit is not None
    assert len(sent) == 11
