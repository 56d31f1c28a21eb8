"""Demand as a distribution, and what stock is expected to fill of it.

The planners need, for a node (a product at a facility), the expected units filled by a stock
of ``S``: ``G(S) = E[min(D, S)]``. ``G`` is concave in ``S`` (its slope is ``P(D > S)``, which
falls), so a linear program that maximises it through a piecewise-linear approximation needs
no integer variables to pick the segments in order. ``Curve`` holds that approximation: ``G``
at integer breakpoints from 0 up to the stock past which one more unit almost surely fills
nothing; the solver fills the segments from the first.

Two demand models:

- **Forecast demand** (pre-positioning): Normal(mean, std), censored at zero (a negative draw
  is no demand). ``std`` comes from the forecast's own ``std`` column when it has one, else
  from its upper prediction bounds, ``std = (hi_L - mean) / z_L`` with ``z_L`` the Normal
  quantile of a central ``L`` % interval (1.2816 for 80, 1.9600 for 95), averaged over the
  levels given. The upper bound, because a count forecaster clips its lower bound at zero and
  a clipped bound understates the spread. No interval and no ``std``: the forecast is taken
  as certain (``std = 0``, ``G(S) = min(mean, S)``); so is a row whose bounds are empty.
  Periods and regions that one facility serves add up as independent: means add, variances
  add.
- **Purchase probabilities** (speculative shipping): customer ``c`` buys with probability
  ``p_c``, independently; the number of buyers ``N`` is Poisson-binomial, computed exactly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import polars as pl

from baro.core.errors import InvalidRequest

# Past this many breakpoints a curve keeps only the ones at these standard scores: the LP's
# size stays flat for products selling thousands of units, at a loss of fill under 0.1 %.
MAX_BREAKPOINTS = 24
GRID_Z = np.arange(-3.0, 4.01, 0.5)
# The stock past which one more unit fills nothing worth planning for: mean + 4 std covers
# all but 3 in 100,000 of the Normal's mass.
TAIL_Z = 4.0
# A Poisson-binomial's distribution is kept up to this many buyers above its mean + 6 std;
# the rest (under one in a billion) sits in the last bucket.
BUYERS_TAIL_Z = 6.0

_HI = re.compile(r"^hi_(\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Curve:
    """``expected[i] = E[min(D, breakpoints[i])]``; breakpoints are integers from 0."""

    breakpoints: np.ndarray
    expected: np.ndarray

    def at(self, units: float) -> float:
        """E[min(D, units)], linear between breakpoints, flat past the last one."""
        return float(np.interp(units, self.breakpoints, self.expected))

    def slopes(self) -> np.ndarray:
        """Expected units filled per unit of stock in each segment (falling)."""
        return np.diff(self.expected) / np.diff(self.breakpoints)


def spread(forecast: pl.DataFrame) -> pl.Series:
    """The forecast's standard deviation per row, by the rule in the module docstring."""
    if "std" in forecast.columns:
        return forecast["std"].cast(pl.Float64)
    estimates = []
    for column in forecast.columns:
        match = _HI.match(column)
        if match is None:
            continue
        level = float(match.group(1))
        if not 0 < level < 100:
            raise InvalidRequest(f"forecast column {column}: a level must lie between 0 and 100")
        z = NormalDist().inv_cdf(0.5 + level / 200)
        estimates.append((pl.col(column).cast(pl.Float64) - pl.col("mean")) / z)
    if not estimates:
        return pl.Series("std", [0.0] * forecast.height, dtype=pl.Float64)
    # A row whose bounds are all empty has no spread to read: certain, like a forecast
    # without intervals.
    return forecast.select(std=pl.mean_horizontal(estimates).fill_null(0.0))["std"]


def _loss(z: np.ndarray) -> np.ndarray:
    """The standard Normal loss function E[(Z - z)+] = pdf(z) - z (1 - cdf(z))."""
    # math.erf element by element: curves are a few dozen points, where np.vectorize's own
    # overhead would cost more than the arithmetic (and numpy has no erf).
    erf = np.array([math.erf(x / math.sqrt(2.0)) for x in np.ravel(z)]).reshape(np.shape(z))
    cdf = 0.5 * (1.0 + erf)
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return np.asarray(pdf - z * (1.0 - cdf), dtype=float)


def normal_expected_min(mean: float, std: float, units: np.ndarray) -> np.ndarray:
    """E[min(max(X, 0), S)] for X ~ Normal(mean, std) at each S >= 0.

    E[min(D, S)] = integral of P(D > x) over [0, S] = E[(X - 0)+] - E[(X - S)+]."""
    units = np.asarray(units, dtype=float)
    if std <= 0:
        return np.asarray(np.minimum(max(mean, 0.0), units), dtype=float)
    return np.asarray(std * (_loss(np.array(-mean / std)) - _loss((units - mean) / std)))


def normal_curve(mean: float, std: float) -> Curve:
    """The curve of a censored Normal demand (see the module docstring)."""
    top = max(math.ceil(mean + TAIL_Z * std), 0)
    if top + 1 <= MAX_BREAKPOINTS:
        points = np.arange(top + 1)
    else:
        grid = np.rint(np.clip(mean + GRID_Z * std, 0, top))
        points = np.unique(np.concatenate([[0, top], grid])).astype(np.int64)
    return Curve(points, normal_expected_min(mean, std, points))


def buyers_curve(probabilities: np.ndarray) -> Curve:
    """The curve of N, the number of buyers among customers who buy with these
    probabilities, independently: E[min(N, k)] = sum over j <= k of P(N >= j)."""
    p = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    mean, var = float(p.sum()), float((p * (1 - p)).sum())
    top = min(p.size, math.ceil(mean + BUYERS_TAIL_Z * math.sqrt(var)) + 1)
    dist = np.zeros(top + 1)
    dist[0] = 1.0
    for q in p:
        # One more customer: nobody new with 1 - q, one more buyer with q; the last bucket
        # holds "top or more".
        moved = dist * q
        dist = dist * (1 - q)
        dist[1:] += moved[:-1]
        dist[-1] += moved[-1]
    at_least = 1.0 - np.concatenate([[0.0], np.cumsum(dist)[:-1]])  # P(N >= j), j = 0..top
    expected = np.concatenate([[0.0], np.cumsum(np.clip(at_least[1:], 0.0, 1.0))])
    points = np.arange(top + 1)
    if points.size > MAX_BREAKPOINTS:
        grid = np.rint(np.clip(mean + GRID_Z * math.sqrt(var), 0, top)).astype(np.int64)
        keep = np.unique(np.concatenate([[0, top], grid]))
        points, expected = points[keep], expected[keep]
    return Curve(points, expected)
