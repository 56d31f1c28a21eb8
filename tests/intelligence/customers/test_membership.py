"""Spells of membership from the outbox, members against non-members, churn and renewal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from baro.core.events import StoredEvent
from baro.intelligence.customers import (
    MembershipEventNames,
    member_economics,
    membership_rates,
    memberships_from_events,
)
from tests.intelligence.customers.helpers import at, memberships, orders


def _event(seq: int, kind: str, customer: str, when: datetime) -> StoredEvent:
    return StoredEvent(seq, f"e{seq}", kind, f"m-{customer}", when, {"customer_id": customer})


def _prime(seq: int, kind: str, membership: str, when: datetime, **data: Any) -> StoredEvent:
    return StoredEvent(seq, f"e{seq}", f"prime.{kind}", membership, when, data)


def test_events_become_spells_a_repeated_join_is_not_a_second_one() -> None:
    events = [
        _event(1, "membership.joined", "a", at(2024, 1, 1)),
        _event(2, "membership.joined", "a", at(2024, 1, 2)),  # a retry, already a member
        _event(3, "order.placed", "a", at(2024, 1, 3)),
        _event(4, "membership.ended", "a", at(2024, 3, 1)),
        _event(5, "membership.ended", "b", at(2024, 3, 1)),  # never joined: ignored
        _event(6, "membership.joined", "a", at(2024, 5, 1)),
        _event(7, "membership.joined", "c", at(2024, 2, 1)),
    ]

    spells = memberships_from_events(events)

    assert spells.rows() == [
        ("a", at(2024, 1, 1), at(2024, 3, 1)),
        ("a", at(2024, 5, 1), None),
        ("c", at(2024, 2, 1), None),
    ]


def test_prime_events_name_the_customer_on_the_join_and_the_membership_on_the_end() -> None:
    """As baro.commerce.prime writes them: a cancelled and a lapsed membership end their
    spells; a join whose first charge was declined leaves none; a renewal changes nothing."""
    events = [
        _prime(1, "joined", "m1", at(2024, 1, 1), customer_id="a", trial=False),
        _prime(2, "joined", "m2", at(2024, 1, 2), customer_id="b", trial=True),
        _prime(3, "joined", "m3", at(2024, 1, 3), customer_id="c", trial=False),
        _prime(4, "declined", "m3", at(2024, 1, 3), code="card_declined"),
        _prime(5, "renewed", "m1", at(2025, 1, 1), period=1),
        _prime(6, "cancelled", "m2", at(2024, 2, 1), period=0, refund_minor=0),
        _prime(7, "lapsed", "m1", at(2025, 2, 1), period=1, attempts=4),
    ]

    assert memberships_from_events(events).rows() == [
        ("a", at(2024, 1, 1), at(2025, 2, 1)),
        ("b", at(2024, 1, 2), at(2024, 2, 1)),
    ]


def test_event_names_are_configurable_in_one_place() -> None:
    names = MembershipEventNames(
        joined=frozenset({"prime.started"}), ended=frozenset({"prime.cancelled"})
    )
    events = [
        _event(1, "prime.started", "a", at(2024, 1, 1)),
        _event(2, "membership.joined", "b", at(2024, 1, 1)),
        _event(3, "prime.cancelled", "a", at(2024, 2, 1)),
    ]

    assert memberships_from_events(events, names).rows() == [("a", at(2024, 1, 1), at(2024, 2, 1))]


def test_member_time_and_orders_are_split_from_non_member_time() -> None:
    """a: first order 1 Jan, joins 31 Jan, 3 orders as a member until the end (1 Apr = 61
    days); b: never joins, 2 orders over 91 days. Non-member time: a's 30 days + b's 91."""
    frame = orders(
        [
            ("a", at(2024, 1, 1, 0), 1000),
            ("a", at(2024, 2, 10), 3000),
            ("a", at(2024, 3, 1), 3000),
            ("a", at(2024, 3, 20), 3000),
            ("b", at(2024, 1, 1, 0), 500),
            ("b", at(2024, 2, 1), 500),
        ]
    )
    spells = memberships([("a", at(2024, 1, 31, 0), None)])

    table = member_economics(frame, spells, as_of=at(2024, 4, 1, 0))

    rows = {row["state"]: row for row in table.to_dicts()}
    assert rows["member"]["customers"] == 1
    assert rows["member"]["orders"] == 3
    assert rows["member"]["customer_days"] == pytest.approx(61)
    assert rows["member"]["orders_per_30_days"] == pytest.approx(3 / 61 * 30)
    assert rows["member"]["revenue_per_order_minor"] == 3000
    assert rows["non-member"]["customers"] == 2
    assert rows["non-member"]["orders"] == 3
    assert rows["non-member"]["customer_days"] == pytest.approx(30 + 91)
    assert rows["non-member"]["revenue_per_order_minor"] == pytest.approx(2000 / 3)


def test_renewal_and_churn_on_a_yearly_plan() -> None:
    """Observed until 1 Jul 2025, a year's plan. a (joined Jan 2024, still on): renewed once.
    b (joined Feb 2024, ended Mar 2025): renewed in Feb 2025, then left: 1 of 1 due.
    c (joined Mar 2024, ended Jan 2025): did not renew in Mar 2025, due. d (joined Jan 2025):
    nothing due yet. e ended exactly on its renewal day (1 Jun 2025): not renewed."""
    spells = memberships(
        [
            ("a", at(2024, 1, 10), None),
            ("b", at(2024, 2, 1), at(2025, 3, 15)),
            ("c", at(2024, 3, 1), at(2025, 1, 15)),
            ("d", at(2025, 1, 5), None),
            ("e", at(2024, 6, 1), at(2024, 6, 1) + timedelta(days=365)),
        ]
    )

    rates = membership_rates(spells, as_of=at(2025, 7, 1))

    assert (rates.memberships, rates.active, rates.ended) == (5, 2, 3)
    assert (rates.renewals_due, rates.renewed) == (4, 2)
    assert rates.renewal_rate == 0.5
    assert rates.monthly_churn == pytest.approx(3 / rates.member_months, rel=1e-3)


def test_no_renewal_due_is_no_rate_rather_than_zero() -> None:
    rates = membership_rates(memberships([("a", at(2025, 1, 1), None)]), as_of=at(2025, 2, 1))

    assert rates.renewals_due == 0
    assert rates.renewal_rate is None
    assert rates.monthly_churn == 0.0
