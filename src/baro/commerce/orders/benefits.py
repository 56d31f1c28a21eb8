"""What a Prime member's order gets at placement, decided on what the batch already read:
the buyer's membership comes with their principal (``Principal.member_at``), so a member
costs the 1-Click path no statement.

``FreeFastDelivery`` (the default): a member's delivery is free on the two-day promise and
every faster one (same-day, drone): the fee is waived and recorded as the shipping cost
the retailer absorbs. The promise engine offers those only where they hold (two-day: the
parcel reaches the address at most two days after it ships), so goods that cannot make two
days (too far, a seller who ships slowly) are not eligible: they ship standard, and keep
its fee. A member who names no option gets what everyone does (the fastest free option,
two-day where it holds), so nobody is sent by drone, at the retailer's cost, unasked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from baro.commerce.orders.domain import Delivery, MemberBenefit

FREE_DELIVERY = "free_delivery"
TWO_DAY = "two_day"


class MemberBenefits(Protocol):
    def apply(self, delivery: Delivery, membership_id: str | None) -> Delivery:
        """The delivery as the customer gets it: ``membership_id`` is the membership whose
        benefits they have now (None: not a member); the benefit, if one applies, is
        recorded on the delivery."""
        ...


# The delivery options (baro.delivery.promise's modes, as orders store them) that keep the
# two-day promise or beat it.
TWO_DAY_OR_BETTER = frozenset({"two_day", "same_day", "drone"})


@dataclass(frozen=True)
class FreeFastDelivery:
    eligible: frozenset[str] = TWO_DAY_OR_BETTER

    def __post_init__(self) -> None:
        if not self.eligible:
            raise ValueError("a membership makes at least one delivery option free")

    def apply(self, delivery: Delivery, membership_id: str | None) -> Delivery:
        if membership_id is None or delivery.option not in self.eligible:
            return delivery
        kind = FREE_DELIVERY if delivery.fee.minor else TWO_DAY
        benefit = MemberBenefit(membership_id, kind, absorbed=delivery.fee)
        return replace(delivery, fee=delivery.fee * 0, benefit=benefit)
