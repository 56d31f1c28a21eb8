"""baro's demand forecast on small frames with known answers: it recovers a constant and a
weekly demand, its levels add up, its intervals hold the mean, and nothing after the cut-off
reaches it (the leakage test)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

import polars as pl
import pytest

from baro.intelligence.forecast import (
    POOL,
    ForecastSettings,
    forecast_demand,
    product_forecast,
    recent_products,
)

START = date(2024, 1, 1)  # a Monday
CUTOFF = START + timedelta(days=112)  # sixteen weeks of history
# Small and fast: a test trains a few dozen trees on a few hundred rows.
SETTINGS = ForecastSettings(horizon=14, trees=60, learning_rate=0.2, threads=1)
WEEK = (0.0, 10.0, 20.0, 30.0, 20.0, 10.0, 5.0)  # Monday .. Sunday


def daily_demand(
    units: Callable[[date], float],
    products: Sequence[tuple[str, str, str]] = (("p1", "mugs", "north"), ("p2", "mugs", "south")),
    *,
    start: date = START,
    end: date = CUTOFF,
) -> pl.DataFrame:
    """One row a day per (product, category, region), ``units(day)`` units, zeros left out."""
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    rows = [
        {"product_id": p, "category": c, "region": r, "day": d, "units": units(d)}
        for p, c, r in products
        for d in days
        if units(d) > 0
    ]
    return pl.DataFrame(
        rows,
        schema={
            "product_id": pl.String,
            "category": pl.String,
            "region": pl.String,
            "day": pl.Date,
            "units": pl.Float64,
        },
    )


def item_rows(forecast: pl.DataFrame, product: str) -> pl.DataFrame:
    return forecast.filter(pl.col("level") == "item", pl.col("product_id") == product)


def test_a_constant_demand_is_forecast_as_that_constant() -> None:
    """Given 12 units every day for sixteen weeks, each product's next two weeks are ~12 a day."""
    forecast = forecast_demand(daily_demand(lambda _: 12.0), cutoff=CUTOFF, settings=SETTINGS)

    for product in ("p1", "p2"):
        rows = item_rows(forecast, product)
        assert rows["period"].to_list() == [CUTOFF + timedelta(days=i) for i in range(14)]
        assert rows["mean"].to_list() == pytest.approx([12.0] * 14, abs=0.6)


def test_weekly_periods_sum_the_days_from_monday() -> None:
    """Given 3 units a day for twenty weeks, a weekly forecast says 21 a week, each week
    starting on a Monday."""
    cutoff = START + timedelta(weeks=20)
    settings = ForecastSettings(horizon=4, period="week", trees=60, learning_rate=0.2, threads=1)

    forecast = forecast_demand(
        daily_demand(lambda _: 3.0, end=cutoff), cutoff=cutoff, settings=settings
    )

    rows = item_rows(forecast, "p1")
    assert rows["period"].to_list() == [cutoff + timedelta(weeks=i) for i in range(4)]
    assert rows["mean"].to_list() == pytest.approx([21.0] * 4, abs=1.0)


def test_a_weekly_demand_is_forecast_with_its_weekdays() -> None:
    """Given the same week over and over (nothing on Mondays, 30 on Thursdays), the forecast
    repeats that week."""
    forecast = forecast_demand(
        daily_demand(lambda d: WEEK[d.weekday()]), cutoff=CUTOFF, settings=SETTINGS
    )

    rows = item_rows(forecast, "p1")
    expected = [WEEK[d.weekday()] for d in rows["period"]]
    assert rows["mean"].to_list() == pytest.approx(expected, abs=2.0)


def test_every_level_adds_up_to_the_items_below_it() -> None:
    """Reconciled: each day, the total, each region and each category are the sums of their
    items, whatever the base forecasts said."""
    demand = pl.concat(
        [
            daily_demand(lambda d: WEEK[d.weekday()]),
            daily_demand(lambda d: 3.0 + d.day % 4, (("p3", "bowls", "north"),)),
        ]
    )
    forecast = forecast_demand(demand, cutoff=CUTOFF, settings=SETTINGS)

    items = forecast.filter(pl.col("level") == "item")
    for level, keys in (("total", []), ("region", ["region"]), ("category", ["category"])):
        summed = items.group_by(*keys, "period").agg(pl.col("mean").sum())
        got = forecast.filter(pl.col("level") == level).join(summed, on=[*keys, "period"])
        assert got.height == forecast.filter(pl.col("level") == level).height
        assert got["mean"].to_list() == pytest.approx(got["mean_right"].to_list(), rel=1e-6)


def test_intervals_hold_the_mean_and_never_go_below_zero() -> None:
    forecast = forecast_demand(
        daily_demand(lambda d: WEEK[d.weekday()] + d.day % 3), cutoff=CUTOFF, settings=SETTINGS
    )

    assert forecast.filter(
        ~(
            (pl.col("lo_95") <= pl.col("lo_80"))
            & (pl.col("lo_80") <= pl.col("mean") + 1e-9)
            & (pl.col("mean") <= pl.col("hi_80") + 1e-9)
            & (pl.col("hi_80") <= pl.col("hi_95"))
            & (pl.col("lo_95") >= 0)
        )
    ).is_empty()
    # A noisy series has intervals that are intervals, not points.
    assert (item_rows(forecast, "p1")["hi_95"] - item_rows(forecast, "p1")["lo_95"]).min() > 0


def test_nothing_after_the_cutoff_reaches_the_forecast() -> None:
    """Leakage: rows on and after the cut-off, huge, for known and new products, regions and
    categories, in the demand and in the signals, change nothing at all."""
    demand = daily_demand(lambda d: WEEK[d.weekday()] + d.day % 5)
    signals = daily_demand(lambda d: 1.0 + d.day % 7).rename({"units": "views"})
    poison_keys = (
        ("p1", "mugs", "north"),
        ("p2", "mugs", "south"),
        ("new", "mugs", "north"),
        ("p9", "vases", "east"),
    )
    after = dict(start=CUTOFF, end=CUTOFF + timedelta(days=30))
    poisoned_demand = pl.concat([demand, daily_demand(lambda _: 10_000.0, poison_keys, **after)])
    poisoned_signals = pl.concat(
        [signals, daily_demand(lambda _: 10_000.0, poison_keys, **after).rename({"units": "views"})]
    )

    clean = forecast_demand(demand, cutoff=CUTOFF, settings=SETTINGS, signals=signals)
    poisoned = forecast_demand(
        poisoned_demand, cutoff=CUTOFF, settings=SETTINGS, signals=poisoned_signals
    )

    assert poisoned.equals(clean)


def test_the_leakage_test_can_fail() -> None:
    """The same poison a day before the cut-off does move the forecast: the test above would
    see a leak."""
    demand = daily_demand(lambda d: WEEK[d.weekday()] + d.day % 5)
    day_before = dict(start=CUTOFF - timedelta(days=1), end=CUTOFF)
    poisoned = pl.concat([demand, daily_demand(lambda _: 10_000.0, **day_before)])

    clean = forecast_demand(demand, cutoff=CUTOFF, settings=SETTINGS)
    moved = forecast_demand(poisoned, cutoff=CUTOFF, settings=SETTINGS)

    assert not moved.equals(clean)


def test_a_product_with_no_history_gets_its_share_of_its_category_pool() -> None:
    """p2 sells every day in the south (own series); p3 and p4 sell once a fortnight there
    (pooled). A new mug in the south gets the pool's forecast over its two products; a new vase
    in the south, a category never sold there, gets zero, and says so."""
    every_day = daily_demand(lambda _: 12.0, (("p2", "mugs", "south"),))
    rare = daily_demand(
        lambda d: 4.0 if d.toordinal() % 14 == 0 else 0.0,
        (("p3", "mugs", "south"), ("p4", "mugs", "south")),
    )
    forecast = forecast_demand(pl.concat([every_day, rare]), cutoff=CUTOFF, settings=SETTINGS)
    wanted = pl.DataFrame(
        {
            "product_id": ["p2", "new-mug", "new-vase"],
            "category": ["mugs", "mugs", "vases"],
            "region": ["south"] * 3,
        }
    )

    found = product_forecast(forecast, wanted)

    pool = forecast.filter(pl.col("level") == "item", pl.col("item") == POOL)
    assert pool["pool_size"].unique().to_list() == [2]
    by_product = {p: found.filter(pl.col("product_id") == p) for p in wanted["product_id"]}
    assert by_product["p2"]["source"].unique().to_list() == ["product"]
    assert by_product["new-mug"]["source"].unique().to_list() == ["category_pool"]
    assert by_product["new-mug"]["mean"].to_list() == pytest.approx(
        (pool.sort("period")["mean"] / 2).to_list()
    )
    assert by_product["new-vase"]["source"].unique().to_list() == ["none"]
    assert by_product["new-vase"]["mean"].to_list() == [0.0] * 14


def test_weights_share_a_pool_by_recent_sales_and_keep_its_total() -> None:
    """p3 and p4 are pooled in the south; p3 sold only in the first weeks, p4 only in the last
    month, so p4 gets more of the pool, and the two shares still add up to the pool."""
    every_day = daily_demand(lambda _: 12.0, (("p2", "mugs", "south"),))
    p3 = daily_demand(
        lambda d: 4.0 if d.toordinal() % 14 == 0 and d < START + timedelta(days=60) else 0.0,
        (("p3", "mugs", "south"),),
    )
    p4 = daily_demand(
        lambda d: 4.0 if d.toordinal() % 14 == 7 and d > CUTOFF - timedelta(days=30) else 0.0,
        (("p4", "mugs", "south"),),
    )
    demand = pl.concat([every_day, p3, p4])
    forecast = forecast_demand(demand, cutoff=CUTOFF, settings=SETTINGS)
    wanted = recent_products(demand, ["south"], cutoff=CUTOFF)

    found = product_forecast(forecast, wanted).filter(pl.col("source") == "category_pool")

    share = found.group_by("product_id").agg(pl.col("mean").sum()).sort("product_id")
    pool = forecast.filter(pl.col("level") == "item", pl.col("item") == POOL)["mean"].sum()
    assert share["product_id"].to_list() == ["p3", "p4"]
    assert share["mean"].sum() == pytest.approx(pool)
    assert share["mean"][1] > share["mean"][0]


def test_recent_products_weighs_halves_by_age_and_ignores_the_cut_off_and_after() -> None:
    demand = pl.DataFrame(
        {
            "product_id": ["old", "new", "future"],
            "category": ["mugs"] * 3,
            "region": ["north"] * 3,
            "day": [CUTOFF - timedelta(weeks=8), CUTOFF - timedelta(days=1), CUTOFF],
            "units": [4.0, 1.0, 100.0],
        }
    )

    wanted = recent_products(demand, ["north", "south"], cutoff=CUTOFF)

    weights = {(r["product_id"], r["region"]): r["weight"] for r in wanted.iter_rows(named=True)}
    assert set(weights) == {(p, r) for p in ("old", "new") for r in ("north", "south")}
    assert weights[("old", "south")] == pytest.approx(4.0 * 0.25)  # two half-lives
    assert weights[("new", "north")] == pytest.approx(0.5 ** (1 / 28))
