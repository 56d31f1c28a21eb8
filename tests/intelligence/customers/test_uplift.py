"""What joining changes, against matched non-members, on a made-up shop whose answer is known."""

from __future__ import annotations

import pytest

from baro.intelligence.customers import (
    InvalidSettings,
    NotEnoughData,
    UpliftSettings,
    member_economics,
    member_uplift,
    observed_until,
    shipping_payback,
)
from tests.intelligence.customers.helpers import at, memberships, orders
from tests.intelligence.customers.synthetic import shop


def test_a_doubling_is_recovered_where_the_naive_comparison_says_far_more() -> None:
    """Members were chosen by how much they bought and the shop grows: members against
    non-members, or members against their own past, both overstate; the difference in
    differences finds the 2x."""
    world = shop(uplift=2.0)

    uplift = member_uplift(world.orders, world.memberships)

    assert uplift.members > 400
    assert uplift.frequency_ratio is not None
    assert uplift.frequency_ratio.estimate == pytest.approx(2.0, abs=0.15)
    assert uplift.frequency_ratio.low < 2.0 < uplift.frequency_ratio.high
    naive = member_economics(
        world.orders, world.memberships, as_of=observed_until(world.orders)
    ).sort("state")["orders_per_30_days"]
    assert naive[0] / naive[1] > 3.0


def test_no_effect_is_found_as_none() -> None:
    world = shop(uplift=1.0)

    uplift = member_uplift(world.orders, world.memberships)

    assert uplift.frequency_ratio is not None
    assert uplift.frequency_ratio.low < 1.0 < uplift.frequency_ratio.high
    assert uplift.orders_per_30_days.estimate == pytest.approx(0.0, abs=0.15)


def test_payback_weighs_extra_margin_against_shipping_absorbed() -> None:
    """Every order earns 1,000 and costs 400 to ship. Doubled, a member buys about 2.8 more
    orders a month: 2,800 extra margin against 5.6 x 400 = 2,240 shipping, paid back in
    month 1. Without an uplift members' shipping is never paid back."""
    twice, same = shop(uplift=2.0), shop(uplift=1.0)

    doubled = shipping_payback(member_uplift(twice.orders, twice.memberships))
    flat = shipping_payback(member_uplift(same.orders, same.memberships))

    assert doubled is not None and flat is not None
    assert doubled.coverage is not None and doubled.coverage > 1.0
    assert doubled.payback_month == 1
    assert flat.coverage is not None and flat.coverage < 0.5
    assert flat.payback_month is None


def test_members_without_a_before_are_left_out_and_said_so() -> None:
    frame = orders([("a", at(2024, 6, 1), 100), ("b", at(2024, 1, 1), 100)])
    spells = memberships([("a", at(2024, 5, 1), None)])

    with pytest.raises(NotEnoughData, match="bought nothing before joining"):
        member_uplift(frame, spells)


def test_payback_needs_margin_and_shipping() -> None:
    world = shop(uplift=2.0, customers=600)

    uplift = member_uplift(world.orders.drop("margin_minor"), world.memberships)

    assert uplift.margin_per_30_days_minor is None
    assert shipping_payback(uplift) is None


def test_settings_that_cannot_work_are_refused() -> None:
    with pytest.raises(InvalidSettings, match="pre_months"):
        UpliftSettings(pre_months=0)
    with pytest.raises(InvalidSettings, match="confidence"):
        UpliftSettings(confidence=1.0)
