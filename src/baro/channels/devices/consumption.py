"""How fast an appliance uses a consumable, and when to reorder it. Pure functions.

Each reading of a slot's level moves an estimate of its daily use: an exponentially
weighted mean of the observed drops, weighted by how long each covers (a drop seen over
three days counts for more than one seen over an hour), and of how much a day's use varies
(the squared surprise of each drop, per day). A level that rises by more than a tenth of
the capacity is a refill: a new cycle starts, and the estimates carry over (the household
uses detergent at the same pace after a refill).

The reorder is due when the run-out date, less the delivery lead time and a safety margin,
has come; or, before the pace is known, when the level is at or below a share of capacity.
The lead time is the middle of the promised delivery window, and the margin is the larger
of a floor and ``z`` standard deviations of what is not known: the use over the horizon
(use over ``h`` days varies by ``sqrt(h)`` times a day's deviation) and where in its window
the parcel arrives. A household whose use jumps about, or a wide delivery window, orders
earlier than a steady household with a narrow window, and neither by a fixed amount that
is too much for one and too little for the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

# How far back the estimates look: a reading this many days old weighs 1/e of a fresh one.
MEMORY_DAYS = 14.0
REFILL_SHARE = 0.1  # a rise above this share of capacity is a refill, not sensor noise
DAY = 86_400.0


@dataclass(frozen=True)
class Reading:
    level: float
    at: datetime


@dataclass(frozen=True)
class SlotState:
    """What the model keeps per slot between readings."""

    level: float | None
    level_at: datetime | None
    rate_per_day: float | None
    cycle: int
    variance_per_day: float | None = None  # of a day's use, in the slot's unit squared
    reading_days: float | None = None  # between the last two readings: when the next comes
    observed_days: float = 0.0  # how many days of use the estimates rest on


def observe(state: SlotState, reading: Reading, capacity: float) -> SlotState:
    """The slot after one more reading. Readings older than the last are ignored (MQTT may
    deliver late), so the order of arrival cannot corrupt the estimate."""
    if state.level is None or state.level_at is None:
        return replace(state, level=reading.level, level_at=reading.at)
    days = (reading.at - state.level_at).total_seconds() / DAY
    if days <= 0:
        return state
    moved = replace(state, level=reading.level, level_at=reading.at, reading_days=days)
    if reading.level > state.level + REFILL_SHARE * capacity:
        return replace(moved, cycle=state.cycle + 1)
    observed = max(state.level - reading.level, 0.0) / days
    span = state.observed_days + days
    if state.rate_per_day is None:
        return replace(moved, rate_per_day=observed, observed_days=span)
    # Until the estimates rest on MEMORY_DAYS of use, a plain mean of what was seen (a
    # first day's drop alone would otherwise steer them for weeks).
    weight = max(1.0 - math.exp(-days / MEMORY_DAYS), days / span)
    # A drop over ``days`` averages that many days: its squared surprise times ``days``
    # estimates one day's variance whatever the spacing of the readings.
    surprise = (observed - state.rate_per_day) ** 2 * days
    variance = (
        surprise
        if state.variance_per_day is None
        else weight * surprise + (1.0 - weight) * state.variance_per_day
    )
    rate = weight * observed + (1.0 - weight) * state.rate_per_day
    return replace(moved, rate_per_day=rate, variance_per_day=variance, observed_days=span)


def run_out_at(level: float, rate_per_day: float, at: datetime) -> datetime | None:
    """When the slot runs dry at this pace; None when nothing is being used."""
    if rate_per_day <= 0:
        return None
    return at + timedelta(days=level / rate_per_day)


@dataclass(frozen=True)
class ReorderRule:
    margin_days: float = 1.0  # arrive at least this long before run-out
    z: float = 2.58  # and this many deviations of the run-out date (2.58: 99.5 %)
    # What a day's use is assumed to vary by (its deviation over its mean) until the
    # readings say: the estimate is shrunk towards it as if it rested on prior_days.
    prior_cv: float = 0.5
    prior_days: float = 7.0
    # Before the pace is known: reorder at or below this share. Once it is known, the pace
    # decides alone (a slow consumer's 20 % lasts weeks: ordering then arrives far too early).
    low_share: float = 0.2


def reorder_due(
    state: SlotState,
    capacity: float,
    lead: tuple[float, float],
    now: datetime,
    rule: ReorderRule,
) -> bool:
    """Whether the consumable must be ordered now to arrive before the slot runs dry.
    ``lead``: the delivery window, in days from placing (it arrives between the two)."""
    if state.level is None or state.level_at is None:
        return False
    if not state.rate_per_day:
        return state.level <= rule.low_share * capacity
    run_out = run_out_at(state.level, state.rate_per_day, state.level_at)
    if run_out is None:
        return False
    # The next reading may come only this much later: decide now for what it would see.
    wait = state.reading_days or 0.0
    earliest, latest = lead
    expected = (earliest + latest) / 2
    # Where in its window the parcel arrives is not known: a uniform spread's variance.
    spread_squared = (latest - earliest) ** 2 / 12
    horizon = wait + expected + rule.margin_days
    daily = _daily_variance(state, rule) / state.rate_per_day**2  # relative, per day
    # Use over the horizon varies; so does the pace itself, estimated from the days seen
    # (an exponentially weighted mean rests on about twice its memory at most).
    rested_on = min(max(state.observed_days, 1.0), 2 * MEMORY_DAYS)
    spread_squared += daily * horizon + daily * horizon**2 / rested_on
    margin = max(rule.margin_days, rule.z * math.sqrt(spread_squared))
    return now + timedelta(days=wait) >= run_out - timedelta(days=expected + margin)


def _daily_variance(state: SlotState, rule: ReorderRule) -> float:
    """A day's variance of use: the readings' estimate, shrunk towards the prior's while it
    rests on few days (a first week of steady use says little about the next)."""
    rate = state.rate_per_day or 0.0
    prior = (rule.prior_cv * rate) ** 2
    seen = max(state.observed_days, 0.0) if state.variance_per_day is not None else 0.0
    estimate = state.variance_per_day or 0.0
    return (seen * estimate + rule.prior_days * prior) / (seen + rule.prior_days)
