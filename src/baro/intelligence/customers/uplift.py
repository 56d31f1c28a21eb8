"""What joining changes: members before and after joining, against matched non-members.

Members are not a random draw: the customers who join already buy more. Comparing members
with non-members mixes that with what membership does, and comparing a member with their own
past mixes in the season. So each member's orders in the months after joining are set
against the months before (within customer), and the same difference is taken for the
non-members who bought most like them (a difference in differences): the non-members get the
member's join day as a pseudo join day, and are matched on their orders and spend before the
months compared. Matching on those months themselves would pick non-members at a lucky peak,
whose fall back to their usual rate afterwards would read as the members' uplift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl

from baro.intelligence.customers.cohorts import observed_until
from baro.intelligence.customers.errors import InvalidSettings, NotEnoughData
from baro.intelligence.customers.frames import require
from baro.intelligence.customers.membership import PER

_SECONDS_PER_MONTH = PER.total_seconds()
# What a member's month holds, in this order, on both sides of the comparison.
_MEASURES = ("orders", "revenue", "margin", "shipping")
# Columns of a unit's months: matching reads _HISTORY, the comparison _BEFORE and after.
_HISTORY, _BEFORE = 0, 1


@dataclass(frozen=True)
class UpliftSettings:
    """pre_months and post_months (30 days each) around joining; each member's
    ``controls_per_member`` nearest non-members (with replacement); ``resamples`` of the
    members for a ``confidence`` percentile interval, drawn from ``seed``."""

    pre_months: int = 3
    post_months: int = 3
    controls_per_member: int = 5
    resamples: int = 1_000
    confidence: float = 0.95
    seed: int = 7

    def __post_init__(self) -> None:
        for name in ("pre_months", "post_months", "controls_per_member", "resamples"):
            if getattr(self, name) < 1:
                raise InvalidSettings(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 < self.confidence < 1:
            raise InvalidSettings(f"confidence must be in (0, 1), got {self.confidence}")


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


@dataclass(frozen=True)
class MemberUplift:
    """The difference in differences per member per 30 days (orders, revenue, margin where
    the orders have it), and ``frequency_ratio``: members' orders after joining over what
    they would have bought without (their own before, moved as the matched non-members
    moved); the seed says 2-3x.

    left_out: members not compared, by reason. pre_orders_members / pre_orders_controls:
    orders per 30 days before joining, the matching's balance (they should be close).
    by_month: month (1.. after joining), orders, counterfactual_orders, extra_orders, and
    with margin and shipping in the orders extra_margin_minor, shipping_minor (absorbed by
    the retailer on members' orders), net_minor, cumulative_net_minor (means per member).
    """

    members: int
    controls: int
    left_out: Mapping[str, int]
    pre_orders_members: float
    pre_orders_controls: float
    orders_per_30_days: Interval
    frequency_ratio: Interval | None
    revenue_per_30_days_minor: Interval
    margin_per_30_days_minor: Interval | None
    by_month: pl.DataFrame = field(repr=False)


def member_uplift(
    orders: pl.DataFrame,
    memberships: pl.DataFrame,
    *,
    as_of: datetime | None = None,
    settings: UpliftSettings | None = None,
) -> MemberUplift:
    """Orders (customer_id, placed_at, total_minor, optionally margin_minor, shipping_minor)
    and memberships (customer_id, joined_at, ended_at) -> the uplift of each customer's first
    membership. A member who cancels within the months after stays in: this measures joining.
    Raises ``NotEnoughData`` when no member can be compared."""
    require(orders, "orders", "customer_id", "placed_at", "total_minor")
    require(memberships, "memberships", "customer_id", "joined_at", "ended_at")
    s = settings or UpliftSettings()
    end = as_of or observed_until(orders)
    before, after = PER * s.pre_months, PER * s.post_months
    begin = orders["placed_at"].min()
    firsts = orders.group_by("customer_id").agg(first=pl.col("placed_at").min())
    joins = (
        memberships.group_by("customer_id")
        .agg(anchor=pl.col("joined_at").min().dt.truncate("1d"))
        .join(firsts, on="customer_id", how="left")
    )
    bought_before = pl.col("first").is_not_null() & (pl.col("first") < pl.col("anchor"))
    inside = (pl.col("anchor") - before >= begin) & (pl.col("anchor") + after <= end)
    left_out = {
        "bought nothing before joining": joins.filter(~bought_before).height,
        "joined too near the start or end of the data": joins.filter(
            bought_before & ~inside
        ).height,
    }
    treated = joins.filter(bought_before & inside).select("customer_id", "anchor")
    if not treated.height:
        raise _not_enough(s, left_out)
    pool = firsts.join(memberships.select("customer_id"), on="customer_id", how="anti")
    candidates = (
        treated.select(pl.col("anchor").unique())
        .join(pool, how="cross")
        .filter(pl.col("first") < pl.col("anchor"))
        .select("customer_id", "anchor")
    )
    units = pl.concat([treated, candidates]).with_row_index("unit")
    values = _windows(units, orders, s)
    is_treated = np.zeros(units.height, dtype=bool)
    is_treated[: treated.height] = True
    matches = _match(
        units["anchor"].to_numpy(),
        values["orders"][:, _HISTORY],
        values["revenue"][:, _HISTORY],
        is_treated,
        s.controls_per_member,
    )
    compared = [i for i in range(treated.height) if matches[i].size]
    left_out["no non-member to match"] = treated.height - len(compared)
    if not compared:
        raise _not_enough(s, left_out)
    member_rows = np.array(compared)
    control_mean = {
        name: np.stack([values[name][matches[i]].mean(axis=0) for i in compared])
        for name in _MEASURES
    }
    member = {name: values[name][member_rows] for name in _MEASURES}
    rng = np.random.default_rng(s.seed)
    draws = rng.integers(0, len(compared), size=(s.resamples, len(compared)))
    has_margin = "margin_minor" in orders.columns
    effects = {name: _did(member[name], control_mean[name], s, draws) for name in _MEASURES}
    return MemberUplift(
        members=len(compared),
        controls=len({int(c) for i in compared for c in matches[i]}),
        left_out=left_out,
        pre_orders_members=float(member["orders"][:, _BEFORE].mean() / s.pre_months),
        pre_orders_controls=float(control_mean["orders"][:, _BEFORE].mean() / s.pre_months),
        orders_per_30_days=effects["orders"].difference,
        frequency_ratio=effects["orders"].ratio,
        revenue_per_30_days_minor=effects["revenue"].difference,
        margin_per_30_days_minor=effects["margin"].difference if has_margin else None,
        by_month=_by_month(member, control_mean, s, orders.columns),
    )


def _not_enough(s: UpliftSettings, left_out: Mapping[str, int]) -> NotEnoughData:
    return NotEnoughData(
        f"no member has {s.pre_months} months of orders before joining and {s.post_months} "
        f"after inside the data, and a non-member to compare with (left out: {dict(left_out)})"
    )


def _windows(units: pl.DataFrame, orders: pl.DataFrame, s: UpliftSettings) -> dict[str, np.ndarray]:
    """Per unit (customer on an anchor day): column ``_HISTORY`` sums everything before the
    months before the anchor, ``_BEFORE`` those months, ``_BEFORE + k`` the k-th month after;
    one (units x 2 + post_months) array per measure."""
    money = {
        "revenue": pl.col("total_minor"),
        "margin": pl.col("margin_minor") if "margin_minor" in orders.columns else pl.lit(0),
        "shipping": pl.col("shipping_minor") if "shipping_minor" in orders.columns else pl.lit(0),
    }
    months = (
        (pl.col("placed_at") - pl.col("anchor")).dt.total_seconds() / _SECONDS_PER_MONTH
    ).floor()
    bucket = (
        pl.when(pl.col("months") < -s.pre_months)
        .then(_HISTORY)
        .when(pl.col("months") < 0)
        .then(_BEFORE)
        .otherwise(pl.col("months") + _BEFORE + 1)
    )
    placed = (
        units.join(orders.select("customer_id", "placed_at", **money), on="customer_id")
        .with_columns(months=months.cast(pl.Int64))
        .filter(pl.col("months") < s.post_months)
        .group_by("unit", bucket=bucket)
        .agg(
            orders=pl.len(),
            revenue=pl.col("revenue").sum(),
            margin=pl.col("margin").sum(),
            shipping=pl.col("shipping").sum(),
        )
    )
    unit = placed["unit"].to_numpy()
    column = placed["bucket"].to_numpy()
    arrays = {}
    for name in _MEASURES:
        array = np.zeros((units.height, _BEFORE + 1 + s.post_months))
        array[unit, column] = placed[name].to_numpy()
        arrays[name] = array
    return arrays


def _match(
    anchors: np.ndarray,
    pre_orders: np.ndarray,
    pre_revenue: np.ndarray,
    is_treated: np.ndarray,
    k: int,
) -> list[np.ndarray]:
    """For each treated unit, the rows of its k nearest candidates on the same anchor day, in
    (log orders, log spend) before it, each scaled by its spread over all units; [] for a
    non-treated unit or a day without candidates. Ties go to the earlier row."""
    features = np.column_stack([np.log1p(pre_orders), np.log1p(np.maximum(pre_revenue, 0))])
    spread = features.std(axis=0)
    features = features / np.where(spread > 0, spread, 1.0)
    matches: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(anchors)
    for anchor in np.unique(anchors[is_treated]):
        on_day = anchors == anchor
        members = np.flatnonzero(on_day & is_treated)
        candidates = np.flatnonzero(on_day & ~is_treated)
        if not candidates.size:
            continue
        distance = np.linalg.norm(
            features[members, None, :] - features[None, candidates, :], axis=2
        )
        nearest = np.argsort(distance, axis=1, kind="stable")[:, :k]
        for member, row in zip(members, nearest, strict=True):
            matches[member] = candidates[row]
    return matches


@dataclass(frozen=True)
class _Effect:
    difference: Interval
    ratio: Interval | None


def _did(member: np.ndarray, control: np.ndarray, s: UpliftSettings, draws: np.ndarray) -> _Effect:
    """Per 30 days: (member after - before) - (controls after - before), and member after over
    member before + the controls' change, with percentile intervals over the draws."""
    before_m = member[:, _BEFORE] / s.pre_months
    after_m = member[:, _BEFORE + 1 :].mean(axis=1)
    change_c = control[:, _BEFORE + 1 :].mean(axis=1) - control[:, _BEFORE] / s.pre_months
    difference = after_m - before_m - change_c
    counterfactual = before_m + change_c
    tail = (1 - s.confidence) / 2 * 100

    def interval(point: float, resampled: np.ndarray) -> Interval:
        low, high = np.percentile(resampled, [tail, 100 - tail])
        return Interval(float(point), float(low), float(high))

    ratio = None
    if counterfactual.mean() > 0:
        totals = counterfactual[draws].mean(axis=1)
        resampled = after_m[draws].mean(axis=1) / np.where(totals > 0, totals, np.nan)
        ratio = interval(after_m.mean() / counterfactual.mean(), resampled[np.isfinite(resampled)])
    return _Effect(interval(difference.mean(), difference[draws].mean(axis=1)), ratio)


def _by_month(
    member: Mapping[str, np.ndarray],
    control: Mapping[str, np.ndarray],
    s: UpliftSettings,
    columns: list[str],
) -> pl.DataFrame:
    def counterfactual(name: str) -> np.ndarray:
        base = member[name][:, _BEFORE, None] / s.pre_months
        after = control[name][:, _BEFORE + 1 :]
        change = after - control[name][:, _BEFORE, None] / s.pre_months
        return np.asarray((base + change).mean(axis=0))

    frame = pl.DataFrame(
        {
            "month": np.arange(1, s.post_months + 1, dtype=np.int32),
            "orders": member["orders"][:, _BEFORE + 1 :].mean(axis=0),
            "counterfactual_orders": counterfactual("orders"),
        }
    ).with_columns(extra_orders=pl.col("orders") - pl.col("counterfactual_orders"))
    if "margin_minor" in columns and "shipping_minor" in columns:
        extra_margin = member["margin"][:, _BEFORE + 1 :].mean(axis=0) - counterfactual("margin")
        frame = (
            frame.with_columns(
                extra_margin_minor=pl.Series(extra_margin),
                shipping_minor=pl.Series(member["shipping"][:, _BEFORE + 1 :].mean(axis=0)),
            )
            .with_columns(net_minor=pl.col("extra_margin_minor") - pl.col("shipping_minor"))
            .with_columns(cumulative_net_minor=pl.col("net_minor").cum_sum())
        )
    return frame


@dataclass(frozen=True)
class ShippingPayback:
    """Does the members' extra margin pay for the shipping they no longer pay? Per member per
    30 days after joining; coverage = extra margin / shipping absorbed; payback_month: the
    first month after joining by which the cumulative extra margin covers the cumulative
    shipping absorbed (None: not within the months measured)."""

    extra_margin_per_month_minor: float
    shipping_absorbed_per_month_minor: float
    coverage: float | None
    payback_month: int | None


def shipping_payback(uplift: MemberUplift) -> ShippingPayback | None:
    """None when the orders carried no margin or no shipping cost to weigh."""
    months = uplift.by_month
    if "cumulative_net_minor" not in months.columns:
        return None
    shipping, extra = months.select(
        pl.col("shipping_minor").mean(), pl.col("extra_margin_minor").mean()
    ).row(0)
    paid_back = months.filter(pl.col("cumulative_net_minor") >= 0)
    return ShippingPayback(
        extra_margin_per_month_minor=extra,
        shipping_absorbed_per_month_minor=shipping,
        coverage=extra / shipping if shipping > 0 else None,
        payback_month=int(paid_back["month"][0]) if paid_back.height else None,
    )
