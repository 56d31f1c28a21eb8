"""``anticipate``: the centres stocked from a forecast of what each region will buy.

At the test's start the policy knows only the orders before it. It forecasts units per
product (per category's pool for a sparse product) x region (a centre's catchment) x week over
the test period (``baro.intelligence.forecast``: LightGBM through mlforecast, reconciled
across products, categories and regions, with conformal intervals), and plans the inbound
transfers from the sellers to the centres that maximise expected local fill within the
inventory budget (``baro.intelligence.anticipate.plan_transfers``: the newsvendor under a
budget, solved by HiGHS). What the plan sends is what each centre holds when the test begins.

A unit filled locally is worth the same whatever it is (``UNIT_VALUE_MINOR``): what is
measured is the share of demand filled near the customer, not revenue. Sellers ship what the
centres do not hold (``stocking.with_sellers``).

Bad input degrades, it does not crash: no history (the sellers ship, as the baseline), too
little history to forecast (the budget split as ``proportional``, said in the notes), a zero
budget (nothing moves), a product with no history (its category's pool, or nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from baro.anticipation import AnticipationSettings, plan_and_send
from baro.intelligence.anticipate import Sites, plan_transfers
from baro.intelligence.forecast import (
    ForecastError,
    ForecastSettings,
    forecast_demand,
    product_forecast,
    recent_products,
)
from baro.network import Facility, list_facilities
from baro.platform import Platform
from baro.twin.replay import ReplayData
from baro.twin.speculation import Speculation, weekly_repeat_rate
from baro.twin.stocking import (
    Known,
    Placement,
    known_before,
    proportional_stock,
    sellers_only,
    start_of,
    test_days,
)

UNIT_VALUE_MINOR = 1_000
INBOUND_LEAD_HOURS = 72.0  # seller to centre: the plan is made this long before the test
SUPPLY = "~sellers"
TOTAL_BOUNDS = ("mean", "lo_80", "hi_80")
RECENCY_HALF_LIFE = timedelta(weeks=4)  # the plan's source: the marketplace sellers, all together


@dataclass(frozen=True)
class WeeklyForecast:
    """by_product: product_id, category, region, period, source, mean, lo_/hi_ bounds, for
    every product sold before the test x every region x every week of the test
    (``product_forecast``: its own series, else its share of its category's pool there).
    total: period, mean, lo_80, hi_80, lo_95, hi_95: all products in all regions."""

    by_product: pl.DataFrame
    total: pl.DataFrame

    def total_json(self) -> list[dict[str, object]]:
        """The total per week, for the report: week (ISO day), mean, lo_80, hi_80."""
        return [
            {"week": row["period"].isoformat(), **{k: round(row[k], 1) for k in TOTAL_BOUNDS}}
            for row in self.total.sort("period").iter_rows(named=True)
        ]


def weekly_forecast(known: Known, test: ReplayData) -> WeeklyForecast:
    """The forecast the plan is made from, trained on what is known before the test."""
    demand = known.sold.group_by("product_id", "category", "region", "day").agg(
        units=pl.col("quantity").sum().cast(pl.Float64)
    )
    # Weeks run from Monday: the cut-off is the Monday on or before the test's first day
    # (the days between are not learned from), and the weeks cover the test to its end.
    first = start_of(test).date()
    cutoff = first - timedelta(days=first.weekday())
    weeks = math.ceil(((first - cutoff).days + test_days(test)) / 7)
    settings = ForecastSettings(horizon=weeks, period="week")
    forecast = forecast_demand(demand, cutoff=cutoff, settings=settings)
    wanted = recent_products(demand, known.sites["key"].to_list(), cutoff=cutoff)
    return WeeklyForecast(
        product_forecast(forecast, wanted),
        forecast.filter(pl.col("level") == "total").select("period", *TOTAL_BOUNDS),
    )


def inbound_sites(sites: pl.DataFrame, products: pl.Series, budget: int) -> Sites:
    """The centres, each serving its own region, fed by the sellers (one source holding up to
    the budget of every product) over lanes of ``INBOUND_LEAD_HOURS``."""
    keys = sites["key"].to_list()
    return Sites(
        facilities=pl.DataFrame(
            {"facility_id": [SUPPLY, *keys], "capacity_units": [None] * (len(keys) + 1)},
            schema={"facility_id": pl.String, "capacity_units": pl.Int64},
        ),
        stock=pl.DataFrame({"product_id": products.unique().sort()}).with_columns(
            facility_id=pl.lit(SUPPLY), units=pl.lit(budget, dtype=pl.Int64)
        ),
        catchment=pl.DataFrame(
            {"facility_id": keys, "region": keys, "transit_hours": [0.0] * len(keys)}
        ),
        lanes=pl.DataFrame(
            {
                "from_facility": [SUPPLY] * len(keys),
                "to_facility": keys,
                "lead_hours": [INBOUND_LEAD_HOURS] * len(keys),
                "cost_minor": [0] * len(keys),
            }
        ),
    )


# Re-plans between the centres: a lane's lead time (4 h handling + road at 60 km/h) must fit
# within REBALANCE.lead_hours, two days, so every centre can reach every other in Brazil;
# moving a unit costs 20 per 100 km, and is worth it where the forecast says the unit will
# fill a region's demand that the centre holding it would not.
REBALANCE = AnticipationSettings(lead_hours=48.0, unit_value_minor=UNIT_VALUE_MINOR)


@dataclass(frozen=True)
class WeeklyRebalance:
    """Every week on the twin's clock, the stock left in the centres is re-planned against
    the forecast of the weeks still to come (made at the test's start: nothing is learned
    from the test) and moved between them through the network's transfers, which land after
    their lane's lead time (``baro.anticipation.plan_and_send``, as ``baro anticipate run``
    does live)."""

    forecast: pl.DataFrame  # WeeklyForecast.by_product: the data set's ids, centre keys
    speculation: Speculation | None = None
    every: timedelta = timedelta(weeks=1)
    settings: AnticipationSettings = REBALANCE

    def replan(
        self,
        platform: Platform,
        centres: Mapping[str, str],
        catalogue: Mapping[str, str],
        now: datetime,
    ) -> dict[str, int]:
        with platform.db.read() as session:
            ours = [f for f in list_facilities(session) if f.id in set(centres.values())]
        moved = self._rebalance(platform, ours, centres, catalogue, now)
        if self.speculation is None:
            return {"replan_units": moved}
        settled = self.speculation.settle(platform, ours, now)
        return {
            "replan_units": moved,
            "speculative_units": self.speculation.send(platform, ours, now),
            "speculative_assigned_units": settled.assigned,
            "speculative_waste_units": settled.wasted,
        }

    def _rebalance(
        self,
        platform: Platform,
        ours: list[Facility],
        centres: Mapping[str, str],
        catalogue: Mapping[str, str],
        now: datetime,
    ) -> int:
        # Weeks still to come once the moves land: the one they land in, and after.
        landing = self.settings.need_by(now).date()
        remaining = self.forecast.filter(pl.col("period") + timedelta(days=7) > landing)
        forecast = remaining.with_columns(
            product_id=pl.col("product_id").replace_strict(
                dict(catalogue), default=None, return_dtype=pl.String
            ),
            region=pl.col("region").replace_strict(dict(centres), return_dtype=pl.String),
        ).filter(pl.col("product_id").is_not_null(), pl.col("mean") > 0)
        if forecast.is_empty():
            return 0
        _plan, sent = plan_and_send(platform, forecast, ours, ours, self.settings, now)
        return sum(t.quantity for t in sent.transfers) if not sent.replayed else 0


@dataclass(frozen=True)
class AnticipatoryStock:
    name: str = "anticipate"

    def place(self, test: ReplayData, history: ReplayData) -> Placement:
        known = known_before(test, history)
        if known is None:
            return sellers_only(test, self.name)
        try:
            forecast = weekly_forecast(known, test)
        except ForecastError as error:
            return known.stocked(
                test,
                proportional_stock(known.sold, known.budget),
                notes=(f"anticipate: no forecast ({error}); stocked as proportional",),
            )
        start = start_of(test)
        plan = plan_transfers(
            forecast.by_product,
            inbound_sites(known.sites, forecast.by_product["product_id"], known.budget),
            budget_units=known.budget,
            now=start - timedelta(hours=INBOUND_LEAD_HOURS),
            need_by=start,
            unit_value_minor=UNIT_VALUE_MINOR,
        )
        stock = plan.transfers.group_by(key="to_facility", product_id="product_id").agg(
            units=pl.col("quantity").sum()
        )
        return known.stocked(
            test,
            stock,
            {
                "transfer_units": int(plan.transfers["quantity"].sum() or 0),
                "forecast_units": round(plan.expected_demand, 1),
                "expected_local_fill": round(plan.expected_local_fill(), 4),
                "plan_status": plan.status,
                "forecast_weekly": forecast.total_json(),
            },
            tuple(f"anticipate: {note}" for note in plan.notes),
            WeeklyRebalance(
                forecast.by_product,
                Speculation(weekly_repeat_rate(history), test.period[1], REBALANCE),
            ),
        )
