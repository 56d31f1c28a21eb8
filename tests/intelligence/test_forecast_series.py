"""The training frame: the cut-off, the sparse rule, the hierarchy, the signal features, and
the clear errors bad input gets (no model is trained here)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import polars as pl
import pytest

from baro.core.geo import h3_cell
from baro.intelligence.forecast import (
    POOL,
    ForecastSettings,
    InvalidDemand,
    InvalidSettings,
    NoHistory,
    h3_regions,
    training_frame,
)

START = date(2024, 1, 1)  # a Monday
CUTOFF = START + timedelta(days=56)
# The sparse rule made small: own series with a sale on at least 3 of the last 14 days.
SETTINGS = ForecastSettings(horizon=7, recent_periods=14, min_active_periods=3)
SCHEMA = {
    "product_id": pl.String,
    "category": pl.String,
    "region": pl.String,
    "day": pl.Date,
    "units": pl.Float64,
}


def sales(*rows: tuple[str, str, str, date, float]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SCHEMA, orient="row")


def every_day(product: str, category: str, region: str, units: float = 1.0) -> pl.DataFrame:
    return sales(
        *((product, category, region, START + timedelta(days=i), units) for i in range(56))
    )


def test_the_history_stops_the_day_before_the_cutoff() -> None:
    demand = every_day("p1", "mugs", "north", 2.0).vstack(
        sales(("p1", "mugs", "north", CUTOFF, 500.0), ("p1", "mugs", "north", CUTOFF, 1.0))
    )

    training = training_frame(demand, cutoff=CUTOFF, settings=SETTINGS)

    assert training.history["ds"].max() == CUTOFF - timedelta(days=1)
    assert training.history["y"].max() == 2.0


def test_a_product_selling_on_exactly_enough_recent_days_keeps_its_own_series() -> None:
    """Boundary of the sparse rule: three sale days in the last fourteen keep a series of its
    own, two put the product in its category's pool."""
    recent = [CUTOFF - timedelta(days=d) for d in (1, 5, 14)]  # the 14th day back is inside
    demand = pl.concat(
        [
            every_day("steady", "mugs", "north"),
            sales(*(("enough", "mugs", "north", d, 1.0) for d in recent)),
            sales(*(("short", "mugs", "north", d, 1.0) for d in recent[:2])),
            sales(("gone", "mugs", "north", CUTOFF - timedelta(days=15), 9.0)),
        ]
    )

    training = training_frame(demand, cutoff=CUTOFF, settings=SETTINGS)

    items = dict(training.items.select("product_id", "item").iter_rows())
    assert items == {"steady": "steady", "enough": "enough", "short": POOL, "gone": POOL}
    pool = training.series.filter(pl.col("item") == POOL)
    assert pool["pool_size"].to_list() == [2]


def test_the_hierarchy_sums_items_into_categories_regions_and_the_total() -> None:
    demand = pl.concat(
        [
            every_day("p1", "mugs", "north", 1.0),
            every_day("p2", "mugs", "south", 2.0),
            every_day("p3", "bowls", "north", 4.0),
        ]
    )

    training = training_frame(demand, cutoff=CUTOFF, settings=SETTINGS)

    levels = dict(training.series.group_by("level").len().iter_rows())
    assert levels == {"total": 1, "region": 2, "category": 2, "region_category": 3, "item": 3}
    last = training.history.filter(pl.col("ds") == CUTOFF - timedelta(days=1))
    y = dict(last.select("unique_id", "y").iter_rows())
    assert y["all"] == 7.0
    assert y["all/north"] == 5.0
    assert y["all/mugs"] == 3.0
    assert y["all/north/mugs/p1"] == 1.0


def test_a_series_is_zero_on_days_without_a_sale() -> None:
    demand = sales(
        *(("p1", "mugs", "north", START + timedelta(days=i), 3.0) for i in range(0, 56, 2))
    )

    training = training_frame(demand, cutoff=CUTOFF, settings=SETTINGS)

    item = training.history.filter(pl.col("unique_id") == "all/north/mugs/p1")
    assert item.height == 56
    assert item["y"].sum() == 84.0
    assert item.filter(pl.col("y") == 0).height == 28


def test_a_signal_feature_is_the_season_known_a_horizon_before() -> None:
    """A view on day d counts, as the season's sum, on the days d + horizon .. d + horizon + 6,
    and never earlier: the value for every forecast day was known at the cut-off."""
    demand = every_day("p1", "mugs", "north")
    viewed_on = CUTOFF - timedelta(days=3)
    signals = sales(("p1", "mugs", "north", viewed_on, 5.0)).rename({"units": "views"})

    training = training_frame(demand, cutoff=CUTOFF, settings=SETTINGS, signals=signals)

    features = training.features.filter(pl.col("unique_id") == "all/north/mugs/p1")
    seen = features.filter(pl.col("signal_views") > 0)["ds"].to_list()
    first = viewed_on + timedelta(days=SETTINGS.horizon)
    assert seen == [
        d for d in (first + timedelta(days=i) for i in range(7)) if d <= features["ds"].max()
    ]
    assert features["ds"].max() == CUTOFF + timedelta(days=SETTINGS.horizon - 1)


def test_an_empty_frame_has_no_history() -> None:
    with pytest.raises(NoHistory, match="the demand frame is empty"):
        training_frame(sales(), cutoff=CUTOFF, settings=SETTINGS)


def test_a_test_period_with_no_data_before_it_has_no_history() -> None:
    with pytest.raises(NoHistory, match="the first sale is on 2024-01-01"):
        training_frame(every_day("p1", "mugs", "north"), cutoff=START, settings=SETTINGS)


def test_a_history_shorter_than_two_weeks_is_refused() -> None:
    with pytest.raises(NoHistory, match="13 days of demand before the cut-off"):
        training_frame(
            every_day("p1", "mugs", "north"), cutoff=START + timedelta(days=13), settings=SETTINGS
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop("units"), "lacks units"),
        (lambda f: f.with_columns(units=-pl.col("units")), "negative units"),
        (lambda f: f.with_columns(pl.col("day").cast(pl.Datetime)), "day must be a Date"),
        (lambda f: f.with_columns(region=pl.lit("north/east")), "may not contain '/'"),
        (lambda f: f.with_columns(product_id=pl.lit(POOL)), "names the pool"),
        (
            lambda f: f.with_columns(category=pl.col("day").dt.day().cast(pl.String)),
            "in more than one category",
        ),
        (lambda f: f.with_columns(units=pl.lit("3")), "units must be a number"),
    ],
)
def test_bad_demand_is_refused_with_what_is_wrong(
    change: Callable[[pl.DataFrame], pl.DataFrame], message: str
) -> None:
    with pytest.raises(InvalidDemand, match=message):
        training_frame(change(every_day("p1", "mugs", "north")), cutoff=CUTOFF, settings=SETTINGS)


def test_a_signals_frame_without_a_signal_is_refused() -> None:
    signals = every_day("p1", "mugs", "north").drop("units")
    with pytest.raises(InvalidDemand, match="one numeric column per signal"):
        training_frame(
            every_day("p1", "mugs", "north"), cutoff=CUTOFF, settings=SETTINGS, signals=signals
        )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"horizon": 0}, "at least one period"),
        ({"horizon": 7, "interval_levels": (80, 100)}, "strictly between 0 and 100"),
        ({"horizon": 7, "recent_periods": 5, "min_active_periods": 6}, "sparse rule"),
        ({"horizon": 7, "calibration_windows": 1}, "two calibration windows"),
        ({"horizon": 7, "period": "month"}, "'day' or 'week'"),
        ({"horizon": 7, "threads": 0}, "threads"),
    ],
)
def test_settings_that_cannot_work_are_refused(arguments: dict, message: str) -> None:
    with pytest.raises(InvalidSettings, match=message):
        ForecastSettings(**arguments)


def test_a_weekly_cutoff_must_start_a_week() -> None:
    with pytest.raises(InvalidSettings, match="must be a Monday"):
        training_frame(
            every_day("p1", "mugs", "north"),
            cutoff=CUTOFF + timedelta(days=2),
            settings=ForecastSettings(horizon=2, period="week"),
        )


def test_a_region_can_be_the_h3_cell_of_the_customers_point() -> None:
    """Two São Paulo addresses 300 m apart share a resolution-5 cell, not a resolution-9 one;
    a row without a point has no region (and the demand check would refuse it)."""
    points = pl.DataFrame({"lat": [-23.5505, -23.5530, None], "lng": [-46.6333, -46.6350, 1.0]})

    coarse = h3_regions(points, resolution=5)["region"].to_list()
    fine = h3_regions(points, resolution=9)["region"].to_list()

    assert coarse[0] == coarse[1] == h3_cell(-23.5505, -46.6333, 5)
    assert fine[0] != fine[1]
    assert coarse[2] is None
