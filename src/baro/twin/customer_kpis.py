"""Customer KPIs of a real data set: who comes back, cohorts, RFM segments, and members where
the platform's event log says who they are. ``baro report kpis`` runs ``measure``; the
measures are ``baro.intelligence.customers``'; this module loads, checks and writes.

Writes ``kpis.json`` and ``kpis.html`` (``customer_report``) into the request's folder.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from baro.core.events import StoredEvent
from baro.datasets import (
    load_olist_customers,
    load_olist_order_items,
    load_olist_orders,
    load_online_retail,
)
from baro.intelligence.customers import (
    MEMBERSHIP_EVENTS,
    CustomerAnalyticsError,
    MembershipRates,
    MemberUplift,
    ShippingPayback,
    UpliftSettings,
    cohort_retention,
    currency_of,
    member_economics,
    member_uplift,
    membership_rates,
    memberships_from_events,
    observed_until,
    olist_orders,
    online_retail_orders,
    repeat_customer_revenue_share,
    repeat_customer_share,
    repeat_share_by_month,
    retention_curve,
    rfm_scores,
    segment_sizes,
    shipping_payback,
)
from baro.twin.customer_report import render_customer_report
from baro.twin.kpis import json_rows

# MISSION.md, seed capability 11: "two thirds of sales come from repeat customers".
SEED_REPEAT_SHARE = 2 / 3
# Under this share of customers who order twice, retention and RFM frequency say little.
FEW_REPEATERS = 0.05
# The plan's period for renewal rates: the seed's yearly fee.
PLAN_PERIOD = timedelta(days=365)

DATASETS: Mapping[str, Callable[[Path], pl.DataFrame]] = {
    "online_retail": lambda data_dir: online_retail_orders(load_online_retail(data_dir)),
    "olist": lambda data_dir: olist_orders(
        load_olist_orders(data_dir),
        load_olist_order_items(data_dir),
        load_olist_customers(data_dir),
    ),
}

Progress = Callable[[str, int, int], None]


class KpiInputError(ValueError):
    """A request the report cannot run: an unknown data set, an unreadable events file, no
    orders. The message is for people."""


@dataclass(frozen=True)
class KpiRequest:
    """dataset: a key of ``DATASETS``; events: JSON lines as ``baro events relay`` prints
    them, whose membership events (``MEMBERSHIP_EVENTS``) say who is a member (customer ids as
    the data set's)."""

    dataset: str
    data_dir: Path
    out_dir: Path
    events: Path | None = None
    seed: int = 7

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise KpiInputError(f"--dataset is one of {', '.join(DATASETS)}, got {self.dataset!r}")


@dataclass(frozen=True)
class Members:
    """What membership data there is; ``absent`` says why a part could not be measured."""

    economics: pl.DataFrame | None = None
    rates: MembershipRates | None = None
    uplift: MemberUplift | None = None
    payback: ShippingPayback | None = None
    absent: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerKpis:
    dataset: str
    currency: str
    first_order: datetime
    as_of: datetime
    orders: int
    customers: int
    repeat_customer_share: float
    repeat_revenue_share: float
    by_month: pl.DataFrame
    cohorts: pl.DataFrame
    curve: pl.DataFrame
    segments: pl.DataFrame
    members: Members
    notes: tuple[str, ...]
    seed_repeat_share: float = SEED_REPEAT_SHARE
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        members = self.members
        return {
            "dataset": self.dataset,
            "currency": self.currency,
            "first_order": self.first_order.isoformat(),
            "observed_until": self.as_of.isoformat(),
            "orders": self.orders,
            "customers": self.customers,
            "repeat_customer_share": round(self.repeat_customer_share, 4),
            "repeat_customer_revenue_share": round(self.repeat_revenue_share, 4),
            "seed_repeat_revenue_share": round(self.seed_repeat_share, 4),
            "repeat_share_by_month": json_rows(self.by_month),
            "retention_curve": json_rows(self.curve),
            "cohorts": json_rows(self.cohorts),
            "rfm_segments": json_rows(self.segments),
            "members": {
                "economics": json_rows(members.economics)
                if members.economics is not None
                else None,
                "rates": _plain(members.rates),
                "uplift": _uplift_json(members.uplift),
                "shipping_payback": _plain(members.payback),
                "absent": dict(members.absent),
            },
            "notes": list(self.notes),
            "runtime_s": round(self.seconds, 2),
        }


@dataclass(frozen=True)
class KpiResult:
    kpis: CustomerKpis
    json_path: Path
    html_path: Path


def measure(request: KpiRequest, progress: Progress | None = None) -> KpiResult:
    """Load, measure, write kpis.json and kpis.html. Raises ``DatasetError`` (missing or
    unreadable files) and ``KpiInputError``."""
    started = time.perf_counter()
    steps = ("load", "repeat", "cohorts", "rfm", "members", "report")

    def step(name: str) -> None:
        if progress:
            progress(name, steps.index(name), len(steps))

    # The events first: a bad file is told before the data set's seconds of loading.
    events = read_events(request.events) if request.events else None
    step("load")
    orders = DATASETS[request.dataset](request.data_dir)
    if orders.is_empty():
        raise KpiInputError(f"{request.data_dir}: the {request.dataset} files hold no orders")
    as_of = observed_until(orders)
    try:
        step("repeat")
        repeaters = repeat_customer_share(orders)
        repeat = repeat_customer_revenue_share(orders)
        by_month = repeat_share_by_month(orders)
        step("cohorts")
        cohorts = cohort_retention(orders, as_of=as_of)
        step("rfm")
        segments = segment_sizes(rfm_scores(orders, as_of=as_of))
        step("members")
        members = _members(orders, events, as_of, request.seed)
        currency = currency_of(orders)
    except CustomerAnalyticsError as error:
        raise KpiInputError(error.message) from error
    notes = [
        f"Repeat customers bring {repeat:.1%} of revenue; the seed says two thirds "
        f"({(repeat - SEED_REPEAT_SHARE) * 100:+.1f} percentage points)."
    ]
    if repeaters < FEW_REPEATERS:
        notes.append(
            f"Only {repeaters:.1%} of customers ordered more than once: cohort retention and "
            "RFM frequency are computed but say little about loyalty in this data set."
        )
    kpis = CustomerKpis(
        dataset=request.dataset,
        currency=currency,
        first_order=orders["placed_at"].min(),  # type: ignore[arg-type]
        as_of=as_of,
        orders=orders.height,
        customers=orders["customer_id"].n_unique(),
        repeat_customer_share=repeaters,
        repeat_revenue_share=repeat,
        by_month=by_month,
        cohorts=cohorts,
        curve=retention_curve(cohorts),
        segments=segments,
        members=members,
        notes=tuple(notes),
    )
    step("report")
    request.out_dir.mkdir(parents=True, exist_ok=True)
    html_path = render_customer_report(kpis, request.out_dir)
    kpis = replace(kpis, seconds=time.perf_counter() - started)
    json_path = request.out_dir / "kpis.json"
    json_path.write_text(json.dumps(kpis.to_json(), indent=2) + "\n", encoding="utf-8")
    if progress:
        progress("report", len(steps), len(steps))
    return KpiResult(kpis, json_path, html_path)


def read_events(path: Path) -> list[StoredEvent]:
    """The JSON lines ``baro events relay`` prints (seq, event_id, type, aggregate_id,
    occurred_at, data); blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise KpiInputError(f"cannot read the events file {path}: {error.strerror}") from error
    events = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            occurred = datetime.fromisoformat(row["occurred_at"])
            if occurred.tzinfo is None:
                raise ValueError("occurred_at has no time zone")
            events.append(
                StoredEvent(
                    seq=int(row.get("seq", number)),
                    event_id=str(row.get("event_id", number)),
                    event_type=str(row["type"]),
                    aggregate_id=str(row.get("aggregate_id", "")),
                    occurred_at=occurred,
                    data=dict(row.get("data") or {}),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KpiInputError(
                f"{path}, line {number}: not an event as `baro events relay` prints one ({error})"
            ) from error
    return events


def _members(
    orders: pl.DataFrame, events: list[StoredEvent] | None, as_of: datetime, seed: int
) -> Members:
    if events is None:
        why = (
            "no membership data: the public data sets have none. Pass --events with the "
            "platform's event log (prime.joined, prime.cancelled, …) to compare members."
        )
        return Members(absent={"all": why})
    try:
        spells = memberships_from_events(events)
    except KeyError as error:
        raise KpiInputError(f"a membership event without {error} in its data") from error
    if spells.is_empty():
        joins = ", ".join(sorted(MEMBERSHIP_EVENTS.joined))
        return Members(absent={"all": f"the events file holds no join ({joins})"})
    known = spells.filter(pl.col("customer_id").is_in(orders["customer_id"].implode()))
    if known.is_empty():
        return Members(
            absent={
                "all": f"none of the {spells['customer_id'].n_unique()} members' customer ids "
                "is a customer of these orders"
            }
        )
    absent: dict[str, str] = {}
    uplift = None
    try:
        uplift = member_uplift(orders, known, as_of=as_of, settings=UpliftSettings(seed=seed))
    except CustomerAnalyticsError as error:
        absent["uplift"] = error.message
    payback = shipping_payback(uplift) if uplift else None
    if uplift and payback is None:
        absent["shipping_payback"] = "the orders carry no margin or no shipping cost"
    return Members(
        economics=member_economics(orders, known, as_of=as_of),
        rates=membership_rates(known, as_of=as_of, period=PLAN_PERIOD),
        uplift=uplift,
        payback=payback,
        absent=absent,
    )


def _plain(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        key: round(item, 4) if isinstance(item, float) else item
        for key, item in vars(value).items()
    }


def _uplift_json(uplift: MemberUplift | None) -> dict[str, Any] | None:
    if uplift is None:
        return None
    intervals = {
        key: {name: round(number, 4) for name, number in vars(value).items()}
        for key, value in vars(uplift).items()
        if value is not None and hasattr(value, "estimate")
    }
    return {
        "members": uplift.members,
        "controls": uplift.controls,
        "left_out": dict(uplift.left_out),
        "pre_orders_per_30_days_members": round(uplift.pre_orders_members, 4),
        "pre_orders_per_30_days_controls": round(uplift.pre_orders_controls, 4),
        **intervals,
        "by_month": json_rows(uplift.by_month),
    }
