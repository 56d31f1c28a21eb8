"""Prime's rules without a database: the state machine, periods, retries and grace, prices
over time, and the refund on cancelling at its boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baro.commerce.orders import Delivery, FreeFastDelivery, MemberBenefit
from baro.commerce.prime import (
    MOVES,
    MembershipEnded,
    NoPriceInCurrency,
    Period,
    PlanPrice,
    Status,
    grace,
    period_after,
    price_at,
    refund_on_cancel,
    retry_at,
)
from baro.commerce.prime.domain import moved
from baro.core.money import Money

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_moves_are_exactly_these() -> None:
    """The legal moves, written out: ended memberships (cancelled, lapsed, declined) have none."""
    s = Status
    assert MOVES == {
        "activate": {s.PENDING: s.ACTIVE},
        "decline": {s.PENDING: s.DECLINED},
        "renew": {s.TRIAL: s.ACTIVE, s.ACTIVE: s.ACTIVE, s.PAST_DUE: s.ACTIVE},
        "payment_failed": {s.TRIAL: s.PAST_DUE, s.ACTIVE: s.PAST_DUE, s.PAST_DUE: s.PAST_DUE},
        "lapse": {s.PAST_DUE: s.LAPSED},
        "cancel": {s.TRIAL: s.CANCELLED, s.ACTIVE: s.CANCELLED, s.PAST_DUE: s.CANCELLED},
    }


@pytest.mark.parametrize("ended", [Status.CANCELLED, Status.LAPSED, Status.DECLINED])
@pytest.mark.parametrize("action", sorted(MOVES))
def test_an_ended_membership_does_not_move(ended: Status, action: str) -> None:
    with pytest.raises(MembershipEnded):
        moved(ended, action)


def test_an_active_membership_cannot_lapse_without_a_failed_renewal() -> None:
    with pytest.raises(MembershipEnded):
        moved(Status.ACTIVE, "lapse")


def test_a_month_after_the_31st_is_the_months_last_day() -> None:
    assert period_after(T0, Period.MONTHLY) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert period_after(datetime(2027, 12, 15, tzinfo=UTC), Period.MONTHLY) == datetime(
        2028, 1, 15, tzinfo=UTC
    )


def test_a_year_after_the_29th_of_february_is_the_28th() -> None:
    leap = datetime(2028, 2, 29, 8, 30, tzinfo=UTC)
    assert period_after(leap, Period.YEARLY) == datetime(2029, 2, 28, 8, 30, tzinfo=UTC)


def test_retries_fall_on_days_1_3_and_7_then_none() -> None:
    assert [retry_at(T0, n) for n in (1, 2, 3, 4)] == [T0 + DAY, T0 + 3 * DAY, T0 + 7 * DAY, None]


def test_the_grace_period_outlasts_the_last_retry_by_a_day() -> None:
    assert grace() == 8 * DAY


PRICES = [
    PlanPrice("yearly", Money(9_900, "USD"), datetime(2014, 3, 1, tzinfo=UTC), T0),
    PlanPrice("yearly", Money(11_900, "USD"), datetime(2018, 5, 11, tzinfo=UTC), T0),
    PlanPrice("yearly", Money(49_000, "KRW"), datetime(2018, 5, 11, tzinfo=UTC), T0),
]


def test_the_price_in_force_is_the_latest_to_take_effect() -> None:
    before = datetime(2018, 5, 10, 23, 59, tzinfo=UTC)
    at = datetime(2018, 5, 11, tzinfo=UTC)
    assert price_at(PRICES, "yearly", "USD", before) == Money(9_900, "USD")
    assert price_at(PRICES, "yearly", "USD", at) == Money(11_900, "USD")  # exactly then
    assert price_at(PRICES, "yearly", "KRW", at) == Money(49_000, "KRW")


def test_a_plan_is_not_sold_in_a_currency_it_has_no_price_in() -> None:
    with pytest.raises(NoPriceInCurrency):
        price_at(PRICES, "yearly", "EUR", T0)
    with pytest.raises(NoPriceInCurrency):  # not yet in force
        price_at(PRICES, "yearly", "KRW", datetime(2018, 5, 10, tzinfo=UTC))


START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)  # 365 days
USD = Money(11_900, "USD")


def refund(now: datetime, used: int, price: Money = USD) -> Money:
    return refund_on_cancel(price, period_start=START, period_end=END, now=now, benefits_used=used)


def test_no_benefit_used_gives_everything_back_even_on_the_last_day() -> None:
    assert refund(END - timedelta(seconds=1), used=0) == USD


def test_a_benefit_used_gives_back_the_unused_whole_days_rounded_down() -> None:
    # 100 whole days left of 365: 11,900 x 100 / 365 = 3,260.27 -> 3,260 cents.
    assert refund(END - 100 * DAY - timedelta(hours=1), used=1) == Money(3_260, "USD")


def test_a_benefit_used_on_the_first_moment_still_refunds_every_day() -> None:
    assert refund(START, used=1) == USD


def test_a_benefit_used_with_less_than_a_day_left_refunds_nothing() -> None:
    assert refund(END - timedelta(hours=23), used=3) == Money(0, "USD")


def test_nothing_is_refunded_once_the_paid_period_is_over() -> None:
    assert refund(END, used=0) == Money(0, "USD")


def test_a_trial_refunds_nothing() -> None:
    assert refund(START + DAY, used=0, price=Money(0, "USD")) == Money(0, "USD")


def test_won_are_rounded_down_to_the_won() -> None:
    # 49,000 x 100 / 365 = 13,424.66 -> ₩13,424 (KRW has no minor unit).
    krw = refund(END - 100 * DAY, used=1, price=Money(49_000, "KRW"))
    assert krw == Money(13_424, "KRW")
    assert krw.format("ko_KR") == "₩13,424"


WINDOW = (datetime(2026, 1, 2, 8, tzinfo=UTC), datetime(2026, 1, 2, 21, tzinfo=UTC))


@pytest.mark.parametrize(
    ("option", "fee", "benefit", "fee_after"),
    [
        ("same_day", 1_299, MemberBenefit("mem_1", "free_delivery", Money(1_299, "USD")), 0),
        ("drone", 999, MemberBenefit("mem_1", "free_delivery", Money(999, "USD")), 0),
        ("two_day", 0, MemberBenefit("mem_1", "two_day", Money(0, "USD")), 0),
        ("standard", 500, None, 500),  # slower than two days: not eligible
        ("locker", 0, None, 0),
    ],
)
def test_a_members_fast_delivery_is_free_and_recorded(
    option: str, fee: int, benefit: MemberBenefit | None, fee_after: int
) -> None:
    delivery = Delivery(option, Money(fee, "USD"), *WINDOW)
    got = FreeFastDelivery().apply(delivery, "mem_1")
    assert got.benefit == benefit
    assert got.fee == Money(fee_after, "USD")


def test_a_non_member_pays_the_fee() -> None:
    delivery = Delivery("same_day", Money(15_000, "KRW"), *WINDOW)
    assert FreeFastDelivery().apply(delivery, None) == delivery
