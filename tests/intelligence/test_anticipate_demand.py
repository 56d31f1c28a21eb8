"""Demand curves: E[min(D, S)] for forecasts and for buyers, and the spread read from bounds."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from baro.intelligence.anticipate.demand import (
    MAX_BREAKPOINTS,
    buyers_curve,
    normal_curve,
    normal_expected_min,
    spread,
)

PHI_0 = 1 / math.sqrt(2 * math.pi)  # the standard Normal density at 0: E[max(Z, 0)]


def test_a_certain_forecast_fills_min_of_mean_and_stock() -> None:
    curve = normal_curve(4.0, 0.0)
    assert curve.breakpoints.tolist() == [0, 1, 2, 3, 4]
    assert [curve.at(s) for s in (0, 2, 4, 9)] == [0.0, 2.0, 4.0, 4.0]


def test_censored_normal_matches_known_values() -> None:
    # Normal(0, 1) censored at 0: E[D] = E[max(Z, 0)] = pdf(0).
    assert normal_expected_min(0.0, 1.0, np.array([50.0]))[0] == pytest.approx(PHI_0)
    # Normal(10, 2), no mass below 0 to speak of: E[min(D, 10)] = 10 - 2 * E[(Z)+] = 10 - 2 pdf(0).
    assert normal_expected_min(10.0, 2.0, np.array([10.0]))[0] == pytest.approx(10 - 2 * PHI_0)


def test_a_large_forecast_keeps_few_breakpoints_and_stays_concave() -> None:
    curve = normal_curve(5_000.0, 400.0)
    assert curve.breakpoints.size <= MAX_BREAKPOINTS
    slopes = curve.slopes()
    assert np.all(np.diff(slopes) <= 1e-12)
    assert curve.at(curve.breakpoints[-1]) == pytest.approx(5_000.0, rel=1e-4)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"std": [2.0]}, 2.0),
        ({"hi_80": [10 + 1.2815515655 * 2]}, 2.0),
        # The lower bound, clipped at zero, is not read.
        ({"hi_95": [10 + 1.9599639845 * 2], "lo_95": [0.0]}, 2.0),
        # Two levels: the mean of their estimates.
        ({"hi_80": [10 + 1.2815515655 * 1], "hi_95": [10 + 1.9599639845 * 3]}, 2.0),
        ({"hi_80": [None]}, 0.0),  # an empty bound: certain
        ({}, 0.0),  # no spread given: certain
    ],
)
def test_spread_is_read_from_std_or_upper_bounds(columns: dict, expected: float) -> None:
    forecast = pl.DataFrame({"mean": [10.0], **columns}, schema_overrides={"hi_80": pl.Float64})
    assert spread(forecast)[0] == pytest.approx(expected, abs=1e-6)


def test_buyers_curve_is_exact_for_two_even_chances() -> None:
    # N = number of buyers among two customers at 1/2 each: P(N >= 1) = 3/4, P(N >= 2) = 1/4.
    curve = buyers_curve(np.array([0.5, 0.5]))
    assert curve.breakpoints.tolist() == [0, 1, 2]
    assert curve.expected.tolist() == pytest.approx([0.0, 0.75, 1.0])


def test_buyers_curve_of_certain_buyers_counts_them() -> None:
    curve = buyers_curve(np.array([1.0, 1.0, 1.0]))
    assert curve.expected.tolist() == pytest.approx([0.0, 1.0, 2.0, 3.0])


def test_buyers_curve_of_many_customers_stays_small() -> None:
    curve = buyers_curve(np.full(2_000, 0.01))
    assert curve.breakpoints.size <= MAX_BREAKPOINTS
    assert curve.at(curve.breakpoints[-1]) == pytest.approx(20.0, rel=1e-6)
