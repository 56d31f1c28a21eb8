"""How fast an appliance uses a consumable, and when to reorder it. Pure functions.

Each reading of a slot's level moves an estimate of its daily use: an exponentially
weighted mean of the observed drops, weighted by how long each covers (a drop seen over
three days counts for more than one seen over an hour), and of how much a day's use varies
(the squared surprise of each drop, per day). A level that rises by more than a tenth of
the capacity is a refill: a new cycle starts, and the estimates carry over (the household
uses detergent at the same pace after a refill).

The reorder is due when the run-out date, less the delivery lead time and a safety margin,
has come; or, before the pace is known, when the level is at or below a share of capacity.
The margin is the larger of a floor and ``z`` standard deviations of the run-out date over
the horizon (use over ``h`` days varies by ``sqrt(h)`` times a day's deviation): a household
whose use jumps about orders earlier than one that uses the same each day, and neither by
a fixed amount that is too much for one and too little for the other.
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
    z: float = 2.33  # and this many deviations of the run-out date (2.33: 99 %)
    # Before the pace is known: reorder at or below this share. Once it is known, the pace
    # decides alone (a slow consumer's 20 % lasts weeks: ordering then arrives far too early).
    low_share: float = 0.2


def reorder_due(
    state: SlotState, capacity: float, lead_days: float, now: datetime, rule: ReorderRule
) -> bool:
    """Whether the consumable must be ordered now to arrive before the slot runs dry."""
    if state.level is None or state.level_at is None:
        return False
    if not state.rate_per_day:
        return state.level <= rule.low_share * capacity
    run_out = run_out_at(state.level, state.rate_per_day, state.level_at)
    if run_out is None:
        return False
    # The next reading may come only this much later: decide now for what it would see.
    wait = state.reading_days or 0.0
    margin = rule.margin_days
    if state.variance_per_day:
        horizon = wait + lead_days + margin
        spread = math.sqrt(state.variance_per_day * horizon) / state.rate_per_day
        margin = max(margin, rule.z * spread)
    return now + timedelta(days=wait) >= run_out - timedelta(days=lead_days + margin)
