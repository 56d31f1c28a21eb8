"""How fast an appliance uses a consumable, and when to reorder it. Pure functions.

Each reading of a slot's level moves an estimate of its daily use: an exponentially
weighted mean of the observed drops, weighted by how long each covers (a drop seen over
three days counts for more than one seen over an hour). A level that rises by more than a
tenth of the capacity is a refill: a new cycle starts, and the estimate carries over (the
household uses detergent at the same pace after a refill).

The reorder is due when the run-out date, less the delivery lead time and a safety margin,
has come; or, before the pace is known, when the level is at or below a share of capacity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

# How far back the estimate looks: a reading this many days old weighs 1/e of a fresh one.
MEMORY_DAYS = 7.0
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


def observe(state: SlotState, reading: Reading, capacity: float) -> SlotState:
    """The slot after one more reading. Readings older than the last are ignored (MQTT may
    deliver late), so the order of arrival cannot corrupt the estimate."""
    if state.level is None or state.level_at is None:
        return SlotState(reading.level, reading.at, state.rate_per_day, state.cycle)
    days = (reading.at - state.level_at).total_seconds() / DAY
    if days <= 0:
        return state
    if reading.level > state.level + REFILL_SHARE * capacity:
        return SlotState(reading.level, reading.at, state.rate_per_day, state.cycle + 1)
    observed = max(state.level - reading.level, 0.0) / days
    weight = 1.0 - math.exp(-days / MEMORY_DAYS)
    rate = (
        observed
        if state.rate_per_day is None
        else (weight * observed + (1.0 - weight) * state.rate_per_day)
    )
    return SlotState(reading.level, reading.at, rate, state.cycle)


def run_out_at(level: float, rate_per_day: float, at: datetime) -> datetime | None:
    """When the slot runs dry at this pace; None when nothing is being used."""
    if rate_per_day <= 0:
        return None
    return at + timedelta(days=level / rate_per_day)


@dataclass(frozen=True)
class ReorderRule:
    margin_days: float = 2.0  # arrive this long before run-out, against a faster pace
    low_share: float = 0.2  # before the pace is known: reorder at or below this share


def reorder_due(
    state: SlotState, capacity: float, lead_days: float, now: datetime, rule: ReorderRule
) -> bool:
    """Whether the consumable must be ordered now to arrive before the slot runs dry."""
    if state.level is None or state.level_at is None:
        return False
    if state.level <= rule.low_share * capacity:
        return True
    if not state.rate_per_day:
        return False
    run_out = run_out_at(state.level, state.rate_per_day, state.level_at)
    return run_out is not None and now >= run_out - timedelta(days=lead_days + rule.margin_days)
