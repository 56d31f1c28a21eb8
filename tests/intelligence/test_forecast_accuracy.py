"""WAPE, MASE and interval coverage, on hand-made forecasts whose answers are worked out here."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from baro.intelligence.forecast import (
    ForecastSettings,
    accuracy,
    actual_series,
    interval_coverage,
    training_frame,
)

START = date(2024, 1, 1)
CUTOFF = START + timedelta(days=56)
SETTINGS = ForecastSettings(horizon=7)
SCHEMA = {
    "product_id": pl.String,
    "category": pl.String,
    "region": pl.String,
    "day": pl.Date,
    "units": pl.Float64,
}
TEST_DAYS = [CUTOFF + timedelta(days=i) for i in range(7)]


def demand() -> pl.DataFrame:
    """p1 in the north sells 1, 2, 3, … 56 (each day's step a week back is 7, MASE's scale),
    then 10 a day in the test week; p1 in the south, new there, 5 a day in the test week; and
    a new mug, p7, 1 a day in the north."""
    history = [("p1", "mugs", "north", START + timedelta(days=i), i + 1.0) for i in range(56)]
    test = [("p1", "mugs", "north", d, 10.0) for d in TEST_DAYS]
    test += [("p1", "mugs", "south", d, 5.0) for d in TEST_DAYS]
    test += [("p7", "mugs", "north", d, 1.0) for d in TEST_DAYS]
    return pl.DataFrame(history + test, schema=SCHEMA, orient="row")


def test_actuals_are_summed_into_the_trainings_series() -> None:
    training = training_frame(demand(), cutoff=CUTOFF, settings=SETTINGS)

    actuals = actual_series(demand(), training)

    per_series = dict(actuals.group_by("unique_id").agg(pl.col("y").sum()).iter_rows())
    assert per_series == {
        "all": 112.0,
        "all/north": 77.0,
        "all/south": 35.0,
        "all/mugs": 112.0,
        "all/north/mugs": 77.0,
        "all/south/mugs": 35.0,
        "all/north/mugs/p1": 70.0,
        "all/north/mugs/~pool": 7.0,  # the new mug joins its category's pool
        "all/south/mugs/~pool": 35.0,  # p1 is new to the south: pooled there
    }


def test_wape_and_mase_match_the_worked_answer() -> None:
    """Method "over" says 12 a day for every series the training knows, "exact" says 10. At
    the total (actual 16 a day: 10 + 5 + 1): over misses 4 a day, WAPE 28/112, MASE 4/7.
    At the item level, the south's pool and the north's pool are not in the training: they
    count in WAPE with a forecast of zero and have no MASE."""
    training = training_frame(demand(), cutoff=CUTOFF, settings=SETTINGS)
    actuals = actual_series(demand(), training)
    known = training.series.select("unique_id").join(pl.DataFrame({"ds": TEST_DAYS}), how="cross")
    forecasts = known.with_columns(over=pl.lit(12.0), exact=pl.lit(10.0))

    scores = accuracy(forecasts, actuals, training, ["over", "exact"])

    def score(level: str, method: str) -> dict:
        return scores.filter(level=level, method=method).row(0, named=True)

    total = score("total", "over")
    assert total["wape"] == pytest.approx(28 / 112)
    assert total["mase"] == pytest.approx(4 / 7)
    item = score("item", "over")
    # p1 north: 2 a day over (14); the pools: 7 and 35 missed.
    assert item["wape"] == pytest.approx((14 + 7 + 35) / 112)
    assert item["mase"] == pytest.approx(2 / 7)
    assert (item["series"], item["mase_series"]) == (3, 1)
    assert score("item", "exact")["mase"] == 0.0
    # The north sold 11 a day (p1 and the new mug) against 10; the south's 35 were unforeseen.
    assert score("region", "exact")["wape"] == pytest.approx((7 + 35) / 112)


def test_a_level_that_sold_nothing_has_no_wape() -> None:
    training = training_frame(demand(), cutoff=CUTOFF, settings=SETTINGS)
    nothing = actual_series(demand().filter(pl.col("day") < CUTOFF), training)
    forecasts = training.series.select("unique_id").join(
        pl.DataFrame({"ds": TEST_DAYS}), how="cross"
    )

    scores = accuracy(forecasts.with_columns(zero=pl.lit(0.0)), nothing, training, ["zero"])

    assert scores["wape"].to_list() == [None] * 5
    assert scores.filter(level="total")["mase"].item() == 0.0


def test_coverage_is_the_share_of_actuals_inside_the_interval() -> None:
    forecast = pl.DataFrame(
        {
            "unique_id": ["a", "a", "b", "b"],
            "level": ["item"] * 4,
            "period": [TEST_DAYS[0], TEST_DAYS[1]] * 2,
            "lo_80": [9.0, 9.0, 0.0, 0.0],
            "hi_80": [11.0, 11.0, 1.0, 1.0],
        }
    )
    actuals = pl.DataFrame(
        {"unique_id": ["a", "a", "b"], "ds": [*TEST_DAYS[:2], TEST_DAYS[0]], "y": [10.0, 12.0, 1.0]}
    )

    coverage = interval_coverage(forecast, actuals, [80])

    # a: 10 in, 12 out; b: 1 in (the bound counts), nothing sold (0) in.
    assert coverage.row(0, named=True) == {"level": "item", "interval": 80, "coverage": 0.75}
