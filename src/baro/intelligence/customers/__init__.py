"""Customers over time: who comes back, how often, and what membership changes.

Frames in, frames and frozen dataclasses out; the orders frame's columns are in ``frames``,
the memberships frame's in ``membership``. ``repeat``: the share of revenue from repeat
customers, overall and per month. ``cohorts``: retention by month of first purchase.
``rfm``: quintile scores and named segments. ``membership``: members against non-members,
churn and renewal, and the spells of membership read from the outbox's ``membership.*``
events. ``uplift``: what joining changes, as a difference in differences against matched
non-members with a bootstrap interval, and whether it pays for the shipping members no
longer pay.
"""

from baro.intelligence.customers.cohorts import cohort_retention as cohort_retention
from baro.intelligence.customers.cohorts import observed_until as observed_until
from baro.intelligence.customers.cohorts import retention_curve as retention_curve
from baro.intelligence.customers.errors import CustomerAnalyticsError as CustomerAnalyticsError
from baro.intelligence.customers.errors import InvalidFrame as InvalidFrame
from baro.intelligence.customers.errors import InvalidSettings as InvalidSettings
from baro.intelligence.customers.errors import NotEnoughData as NotEnoughData
from baro.intelligence.customers.frames import currency_of as currency_of
from baro.intelligence.customers.frames import olist_orders as olist_orders
from baro.intelligence.customers.frames import online_retail_orders as online_retail_orders
from baro.intelligence.customers.membership import MEMBERSHIP_EVENTS as MEMBERSHIP_EVENTS
from baro.intelligence.customers.membership import MEMBERSHIPS_SCHEMA as MEMBERSHIPS_SCHEMA
from baro.intelligence.customers.membership import MembershipEventNames as MembershipEventNames
from baro.intelligence.customers.membership import MembershipRates as MembershipRates
from baro.intelligence.customers.membership import member_economics as member_economics
from baro.intelligence.customers.membership import member_orders as member_orders
from baro.intelligence.customers.membership import membership_rates as membership_rates
from baro.intelligence.customers.membership import (
    memberships_from_events as memberships_from_events,
)
from baro.intelligence.customers.repeat import (
    repeat_customer_revenue_share as repeat_customer_revenue_share,
)
from baro.intelligence.customers.repeat import repeat_customer_share as repeat_customer_share
from baro.intelligence.customers.repeat import repeat_share_by_month as repeat_share_by_month
from baro.intelligence.customers.rfm import SEGMENTS as SEGMENTS
from baro.intelligence.customers.rfm import rfm_scores as rfm_scores
from baro.intelligence.customers.rfm import segment_sizes as segment_sizes
from baro.intelligence.customers.uplift import Interval as Interval
from baro.intelligence.customers.uplift import MemberUplift as MemberUplift
from baro.intelligence.customers.uplift import ShippingPayback as ShippingPayback
from baro.intelligence.customers.uplift import UpliftSettings as UpliftSettings
from baro.intelligence.customers.uplift import member_uplift as member_uplift
from baro.intelligence.customers.uplift import shipping_payback as shipping_payback

__all__ = [
    "MEMBERSHIPS_SCHEMA",
    "MEMBERSHIP_EVENTS",
    "SEGMENTS",
    "CustomerAnalyticsError",
    "Interval",
    "InvalidFrame",
    "InvalidSettings",
    "MemberUplift",
    "MembershipEventNames",
    "MembershipRates",
    "NotEnoughData",
    "ShippingPayback",
    "UpliftSettings",
    "cohort_retention",
    "currency_of",
    "member_economics",
    "member_orders",
    "member_uplift",
    "membership_rates",
    "memberships_from_events",
    "observed_until",
    "olist_orders",
    "online_retail_orders",
    "repeat_customer_revenue_share",
    "repeat_customer_share",
    "repeat_share_by_month",
    "retention_curve",
    "rfm_scores",
    "segment_sizes",
    "shipping_payback",
]
