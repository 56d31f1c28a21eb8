"""Prime: a paid membership (yearly or monthly, priced per currency) for free fast delivery.
A free trial once per customer; the first charge and each renewal through the payment
gateway, once per period (``renew``, run by the platform's ticks); declined renewals retried
within a grace period, then lapsed; cancelling refunds by a documented rule; a household
shares the owner's benefits. Every change is an outbox event (``prime.*``). The benefit
itself is applied where orders are placed (``baro.commerce.orders.benefits``)."""

from baro.commerce.prime.domain import MAX_HOUSEHOLD as MAX_HOUSEHOLD
from baro.commerce.prime.domain import MOVES as MOVES
from baro.commerce.prime.domain import RETRY_DAYS as RETRY_DAYS
from baro.commerce.prime.domain import AlreadyMember as AlreadyMember
from baro.commerce.prime.domain import HouseholdFull as HouseholdFull
from baro.commerce.prime.domain import HouseholdMemberNotFound as HouseholdMemberNotFound
from baro.commerce.prime.domain import InvalidPrice as InvalidPrice
from baro.commerce.prime.domain import Membership as Membership
from baro.commerce.prime.domain import MembershipEnded as MembershipEnded
from baro.commerce.prime.domain import MembershipNotFound as MembershipNotFound
from baro.commerce.prime.domain import NoPriceInCurrency as NoPriceInCurrency
from baro.commerce.prime.domain import NotHouseholdOwner as NotHouseholdOwner
from baro.commerce.prime.domain import Period as Period
from baro.commerce.prime.domain import Plan as Plan
from baro.commerce.prime.domain import PlanNotFound as PlanNotFound
from baro.commerce.prime.domain import PlanPrice as PlanPrice
from baro.commerce.prime.domain import PriceNoticeTooShort as PriceNoticeTooShort
from baro.commerce.prime.domain import PrimeSettings as PrimeSettings
from baro.commerce.prime.domain import Renewal as Renewal
from baro.commerce.prime.domain import RenewalInProgress as RenewalInProgress
from baro.commerce.prime.domain import RenewalReport as RenewalReport
from baro.commerce.prime.domain import RenewalResult as RenewalResult
from baro.commerce.prime.domain import Status as Status
from baro.commerce.prime.domain import grace as grace
from baro.commerce.prime.domain import period_after as period_after
from baro.commerce.prime.domain import price_at as price_at
from baro.commerce.prime.domain import refund_on_cancel as refund_on_cancel
from baro.commerce.prime.domain import retry_at as retry_at
from baro.commerce.prime.joining import Joined as Joined
from baro.commerce.prime.service import Cancelled as Cancelled
from baro.commerce.prime.service import MemberView as MemberView
from baro.commerce.prime.service import Offer as Offer
from baro.commerce.prime.service import Prime as Prime

__all__ = [
    "MAX_HOUSEHOLD",
    "MOVES",
    "RETRY_DAYS",
    "AlreadyMember",
    "Cancelled",
    "HouseholdFull",
    "HouseholdMemberNotFound",
    "InvalidPrice",
    "Joined",
    "MemberView",
    "Membership",
    "MembershipEnded",
    "MembershipNotFound",
    "NoPriceInCurrency",
    "NotHouseholdOwner",
    "Offer",
    "Period",
    "Plan",
    "PlanNotFound",
    "PlanPrice",
    "PriceNoticeTooShort",
    "Prime",
    "PrimeSettings",
    "Renewal",
    "RenewalInProgress",
    "RenewalReport",
    "RenewalResult",
    "Status",
    "grace",
    "period_after",
    "price_at",
    "refund_on_cancel",
    "retry_at",
]
