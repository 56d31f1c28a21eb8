"""Acting on the forecast: stock sent toward the regions that will buy it, before they do.

One run (``baro anticipate run``, once or on a schedule) on the platform's own data:

1. **Arrivals.** Transfers whose time has come land (as the jobs' tick does).
2. **Demand.** The lines of orders that stood over ``history_days``: product, category,
   region, day, units. A region is a fulfilment centre's catchment: the customer's address
   belongs to the nearest active centre, the one the allocation chain ships from.
3. **Forecast.** ``forecast_demand`` over the next ``horizon_days`` (days, or weeks from
   Monday); products mapped back from their category's pool by ``product_forecast``. Too
   little history is not an error: the run records a plan that moves nothing and says why.
4. **Sites.** Every active facility with its capacity and free stock (on hand less
   reserved), plus the units already on their way to it that land by ``need_by`` (so a
   second run does not send them again); each centre serves its own catchment; lanes from
   every facility holding stock to every centre, lead time and cost from the distance.
5. **Plan and send.** ``plan_transfers`` with the stock needed in place by ``need_by`` (the
   first midnight UTC at least ``lead_hours`` ahead); its transfers are dispatched by the
   network under a key made from ``need_by`` and the moves, so the same plan twice (a retry,
   or a rival runner) is sent once. Each transfer lands when its lane's lead time has passed.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from baro.commerce.orders import SoldLine, sold_lines
from baro.core.geo import haversine_km
from baro.intelligence.anticipate import Sites, TransferPlan, plan_transfers
from baro.intelligence.forecast import (
    ForecastError,
    ForecastSettings,
    forecast_demand,
    product_forecast,
    recent_products,
)
from baro.intelligence.forecast.settings import Period
from baro.network import (
    Dispatch,
    Facility,
    FacilityKind,
    Move,
    PlanSummary,
    Transfer,
    free_stock,
    incoming,
    list_facilities,
)
from baro.platform import Platform

Forecaster = Callable[[pl.DataFrame, date, ForecastSettings], pl.DataFrame]
Progress = Callable[[str], None]

DEMAND_SCHEMA = pl.Schema(
    {
        "product_id": pl.String(),
        "category": pl.String(),
        "region": pl.String(),
        "day": pl.Date(),
        "units": pl.Int64(),
    }
)


def _forecast(demand: pl.DataFrame, cutoff: date, settings: ForecastSettings) -> pl.DataFrame:
    return forecast_demand(demand, cutoff=cutoff, settings=settings)


@dataclass(frozen=True)
class AnticipationSettings:
    """How a run plans. Distances are great-circle kilometres between facilities.

    ``budget_units``: the most units the centres may hold after a plan (None: no limit but
    their capacities). ``unit_value_minor``: what one unit of demand filled by the centre
    serving its region is worth (the margin kept, the long haul saved), minor units. A lane
    takes ``handling_hours`` plus the distance at ``road_kmh``, and costs
    ``lane_cost_minor_per_100km`` per unit per 100 km (at least 1); the last leg to a
    region's customers runs at ``last_mile_kmh``."""

    horizon_days: int = 7
    period: Period = "day"
    history_days: int = 364
    budget_units: int | None = None
    unit_value_minor: int = 500
    lead_hours: float = 24.0
    handling_hours: float = 4.0
    road_kmh: float = 60.0
    last_mile_kmh: float = 30.0
    lane_cost_minor_per_100km: int = 20

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be {rule}, got {value}"
            for name, value, ok, rule in (
                ("horizon_days", self.horizon_days, 1 <= self.horizon_days <= 366, "1 to 366"),
                ("history_days", self.history_days, 14 <= self.history_days <= 3660, "14-3660"),
                ("budget_units", self.budget_units, (self.budget_units or 0) >= 0, ">= 0"),
                ("unit_value_minor", self.unit_value_minor, self.unit_value_minor >= 0, ">= 0"),
                ("lead_hours", self.lead_hours, 0 <= self.lead_hours <= 24 * 30, "0 to 720"),
                ("handling_hours", self.handling_hours, self.handling_hours >= 0, ">= 0"),
                ("road_kmh", self.road_kmh, self.road_kmh > 0, "> 0"),
                ("last_mile_kmh", self.last_mile_kmh, self.last_mile_kmh > 0, "> 0"),
                (
                    "lane_cost_minor_per_100km",
                    self.lane_cost_minor_per_100km,
                    self.lane_cost_minor_per_100km >= 0,
                    ">= 0",
                ),
            )
            if not ok
        ]
        if self.period not in ("day", "week"):
            problems.append(f"period must be 'day' or 'week', got {self.period!r}")
        if problems:
            raise ValueError("; ".join(problems))

    def forecast_settings(self) -> ForecastSettings:
        days_per_period = 1 if self.period == "day" else 7
        return ForecastSettings(
            horizon=math.ceil(self.horizon_days / days_per_period), period=self.period
        )

    def cutoff(self, now: datetime) -> date:
        """The first day forecast: today, or this week's Monday (weekly periods)."""
        today = now.astimezone(UTC).date()
        return today if self.period == "day" else today - timedelta(days=today.weekday())

    def need_by(self, now: datetime) -> datetime:
        """The first midnight UTC at least ``lead_hours`` ahead: one deadline for every run of
        the same day, so that a plan repeated that day is the same plan."""
        ready = now + timedelta(hours=self.lead_hours)
        return datetime.combine(ready.astimezone(UTC).date() + timedelta(days=1), time(), UTC)


@dataclass(frozen=True)
class Run:
    """What one run did. ``dispatch`` holds the recorded plan and its transfers (``replayed``
    when the same plan had been sent before); ``plan`` is the planner's own answer (None when
    there was no forecast to plan from)."""

    at: datetime
    demand_lines: int
    dispatch: Dispatch
    arrived: Sequence[Transfer]
    plan: TransferPlan | None = None
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        sent = self.dispatch
        moved = (
            f"{sent.plan.units:,} units in {sent.plan.transfers} transfer(s)"
            + (" (sent before: the same plan)" if sent.replayed else "")
            if sent.transfers
            else "no transfers"
        )
        return (
            f"{self.demand_lines:,} order lines read; {moved}; "
            f"{sum(t.quantity for t in self.arrived):,} units landed"
        )


def run_once(
    platform: Platform,
    settings: AnticipationSettings,
    *,
    forecaster: Forecaster = _forecast,
    progress: Progress = lambda _step: None,
) -> Run:
    """Land what is due, forecast, plan and send (the module docstring). Raises the network's
    ``NotEnoughToSend`` when orders took the stock between reading and sending: nothing is
    sent, and the next run plans on fresh numbers."""
    now = platform.clock.now()
    progress("landing transfers due")
    arrived = platform.network.arrive_due()
    progress("reading demand")
    with platform.db.read() as session:
        facilities = [f for f in list_facilities(session) if f.active]
        lines = sold_lines(session, since=now - timedelta(days=settings.history_days), until=now)
    centres = [f for f in facilities if f.kind is FacilityKind.FULFILLMENT_CENTER]
    if not centres:
        return _record(platform, now, lines, arrived, "no active fulfilment centre to serve")
    demand = demand_frame(lines, centres)
    progress("forecasting")
    try:
        forecast = forecaster(demand, settings.cutoff(now), settings.forecast_settings())
    except ForecastError as error:
        return _record(platform, now, lines, arrived, f"no forecast: {error.message}")
    wanted = recent_products(demand, [c.id for c in centres], cutoff=settings.cutoff(now))
    by_product = product_forecast(forecast, wanted).filter(pl.col("mean") > 0)
    progress("planning and sending")
    plan, sent = plan_and_send(platform, by_product, facilities, centres, settings, now)
    return Run(now, len(lines), sent, arrived, plan, plan.notes)


def plan_and_send(
    platform: Platform,
    forecast: pl.DataFrame,
    facilities: Sequence[Facility],
    centres: Sequence[Facility],
    settings: AnticipationSettings,
    now: datetime,
) -> tuple[TransferPlan, Dispatch]:
    """Plan on ``forecast`` (product_id, region = a centre's id, mean and bounds, optional
    period) with the stock of ``facilities`` as it stands, and send the plan's transfers
    under a key made of its deadline and moves. The budget is ``settings.budget_units``, or,
    without one, every unit the facilities hold: the plan then only moves stock."""
    need_by = settings.need_by(now)
    sites = network_sites(platform, facilities, centres, forecast, need_by, settings)
    budget = settings.budget_units
    plan = plan_transfers(
        forecast.drop("category", "source", strict=False),
        sites,
        budget_units=int(sites.stock["units"].sum()) if budget is None else budget,
        now=now,
        need_by=need_by,
        unit_value_minor=settings.unit_value_minor,
    )
    lead = {
        (r["from_facility"], r["to_facility"]): r["lead_hours"]
        for r in sites.lanes.iter_rows(named=True)
    }
    moves = [
        Move(
            r["product_id"],
            r["from_facility"],
            r["to_facility"],
            r["quantity"],
            now + timedelta(hours=lead[(r["from_facility"], r["to_facility"])]),
        )
        for r in plan.transfers.iter_rows(named=True)
    ]
    summary = PlanSummary(
        plan.status,
        plan.notes,
        need_by,
        int(plan.transfers["cost_minor"].sum()),
        plan.expected_demand,
        plan.expected_local_fill(after=False),
        plan.expected_local_fill(),
    )
    sent = platform.network.dispatch(moves, summary, idempotency_key=plan_key(need_by, moves))
    return plan, sent


def _record(
    platform: Platform, now: datetime, lines: list[SoldLine], arrived: list[Transfer], why: str
) -> Run:
    """A run with nothing to plan from: recorded as a plan that moves nothing, and why."""
    notes = (f"{why}; no transfers",)
    sent = platform.network.dispatch([], PlanSummary("not planned", notes), idempotency_key=None)
    return Run(now, len(lines), sent, arrived, None, notes)


def plan_key(need_by: datetime, moves: Sequence[Move]) -> str:
    """The same moves for the same deadline: the same key (arrival times differ by when the
    run started, so they are left out)."""
    canonical = json.dumps(
        [
            need_by.isoformat(),
            [(m.product_id, m.from_facility, m.to_facility, m.quantity) for m in moves],
        ]
    )
    return "anticipate:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def nearest_centres(
    points: Sequence[tuple[float, float]], centres: Sequence[Facility]
) -> dict[tuple[float, float], str]:
    """Each point's region: the id of the nearest centre (ties to the lower id)."""
    return {
        point: min(centres, key=lambda c: (haversine_km(c.lat, c.lng, *point), c.id)).id
        for point in set(points)
    }


def demand_frame(lines: Sequence[SoldLine], centres: Sequence[Facility]) -> pl.DataFrame:
    """product_id, category, region (the nearest centre's id), day (UTC), units."""
    region = nearest_centres([(line.lat, line.lng) for line in lines], centres)
    rows = [
        (
            line.product_id,
            line.category,
            region[(line.lat, line.lng)],
            line.placed_at.date(),
            line.units,
        )
        for line in lines
    ]
    frame = pl.DataFrame(rows, schema=DEMAND_SCHEMA, orient="row")
    return frame.group_by("product_id", "category", "region", "day").agg(pl.col("units").sum())


def network_sites(
    platform: Platform,
    facilities: Sequence[Facility],
    centres: Sequence[Facility],
    forecast: pl.DataFrame,
    need_by: datetime,
    settings: AnticipationSettings,
) -> Sites:
    """The network as the planner sees it (the module docstring, step 4)."""
    products = forecast["product_id"].unique().to_list()
    with platform.db.read() as session:
        free = [(s.facility_id, s.product_id, s.available) for s in free_stock(session, products)]
        coming = [
            (i.facility_id, i.product_id, i.units)
            for i in incoming(session, products)
            if i.arrives_at <= need_by
        ]
    stock = (
        pl.DataFrame(
            free + coming,
            schema={"facility_id": pl.String, "product_id": pl.String, "units": pl.Int64},
            orient="row",
        )
        .group_by("facility_id", "product_id")
        .agg(pl.col("units").sum())
    )
    by_id = {f.id: f for f in facilities}
    # Only the facilities given plan: stock elsewhere (a seller's own) is not theirs to move.
    stock = stock.filter(pl.col("facility_id").is_in(list(by_id)))
    holders = sorted(set(stock["facility_id"].to_list()))
    catchment = [
        (c.id, region.id, haversine_km(c.lat, c.lng, region.lat, region.lng))
        for c in centres
        for region in centres
    ]
    lanes = [
        (source, c.id, haversine_km(by_id[source].lat, by_id[source].lng, c.lat, c.lng))
        for source in holders
        for c in centres
        if source != c.id
    ]
    return Sites(
        facilities=pl.DataFrame(
            {
                "facility_id": [f.id for f in facilities],
                "capacity_units": [f.capacity_units for f in facilities],
            }
        ),
        stock=stock,
        catchment=pl.DataFrame(
            {
                "facility_id": [c for c, _, _ in catchment],
                "region": [r for _, r, _ in catchment],
                "transit_hours": [km / settings.last_mile_kmh for _, _, km in catchment],
            }
        ),
        lanes=pl.DataFrame(
            {
                "from_facility": [s for s, _, _ in lanes],
                "to_facility": [t for _, t, _ in lanes],
                "lead_hours": [
                    settings.handling_hours + km / settings.road_kmh for *_, km in lanes
                ],
                # Never free: a lane at no cost would let the plan move units for nothing.
                "cost_minor": [
                    max(1, round(km * settings.lane_cost_minor_per_100km / 100)) for *_, km in lanes
                ],
            },
            schema={
                "from_facility": pl.String,
                "to_facility": pl.String,
                "lead_hours": pl.Float64,
                "cost_minor": pl.Int64,
            },
        ),
    )
