"""How many parcels the network can hand to carriers, and carriers can deliver, per day: the
twin's stages slow down when demand outruns them.

The model, for each of the two stages (hand-over: click → carrier; delivery: carrier → door):

    stage time = base time + whole days held back because the day's capacity was used up

- **Base time**: sampled, as before, from the calibration period's observed durations
  (``stages.py``). The calibration period ran below capacity (see below), so these are the
  times of an uncongested network.
- **Capacity** on day *d* = headroom × the network's *intake level* before *d*: the mean
  number of orders placed per day over the ``WINDOW_DAYS`` before *d* (days with orders), a
  quarter. Carriers contract vehicles and sellers staff their packing for the demand of the
  months behind them, on a planning horizon of about a quarter, and meet a peak (a Black
  Friday) with what they planned before it. So capacity follows organic growth, with that
  lag, but hardly a surge of days to weeks: a surge adds only its share of a quarter to the
  level. (A month-long window let a peak raise its own capacity within days: a week at
  twice the intake lifts a 28-day level by a quarter, a 91-day level by 8 %.) The price:
  demand that grows faster than it did in the calibration period outruns capacity (at 20 %
  a month, a day's intake is 1.3 × its quarter's mean), the congestion of a network that
  planned on last quarter's demand.
- **Headroom**, calibrated on the orders before the replay (its last ``HEADROOM_DAYS``):
  for every 7-day window, the stage's throughput in that week (hand-overs, or deliveries)
  over the intake levels of its days; the ``HEADROOM_QUANTILE`` of these ratios. The network
  was seen doing that much more than its recent intake without slowing down, so its capacity
  is at least that; the quantile keeps one odd week (a backlog released after a holiday) from
  setting it. Against a quarter's level the ratio also holds the growth the calibration
  period saw, so growth as fast as that builds no backlog.
- **Queue**: each day serves orders in the order they became ready, up to its capacity; the
  rest roll over to the next day at the same time of day, ahead of the next day's own.
- **Background orders** share the capacity without being replayed: the orders placed in the
  ``BACKGROUND_DAYS`` before the replay that are still on their way when it starts, and the
  orders the world keeps placing, at the intake level, for ``BACKGROUND_DAYS`` after its last
  day. Without them a replay's first days would find the stages empty and its last days'
  backlog would drain as if nobody ordered any more. Their stage times are drawn from the
  calibration period's observed (hand-over, delivery) pairs.

Intake is known ahead (the replay's purchase times), so a day's capacity reads only the
intake of days before it, never what happens to the orders. Days past the replay's last
purchase keep the level of the day after it. Where fewer than ``MIN_ACTIVE_DAYS`` of a window
have orders (the start of a data set, after a gap in it), the level is unknown and the day
has no limit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import polars as pl

# A quarter: the horizon on which carriers and sellers plan capacity (see above).
WINDOW_DAYS = 91
WEEK_DAYS = 7
HEADROOM_QUANTILE = 0.95
# The headroom of the network as it is now: the last half year before the replay. A young
# network's first months (Olist's 2017 ramp-up from a few orders a day) say little about
# its headroom at scale.
HEADROOM_DAYS = 182
MIN_ACTIVE_DAYS = 7
# A data set's first month is left out of calibration: the intake levels of its first days
# rest on a handful of days. (Not a full window: a quarter would keep a replay in a data
# set's first four months from having capacity at all.)
SETTLING_DAYS = 28
MIN_CALIBRATION_WEEKS = 28  # 7-day windows (sliding by a day): four weeks of them at least
BACKGROUND_DAYS = 45  # covers the click-to-door time of ~98 % of Olist's orders


@dataclass(frozen=True)
class BackgroundOrder:
    """An order outside the replay that shares the stages: not placed through the services,
    it only takes its place in the queues."""

    purchased_at: datetime
    fulfilment: timedelta
    delivery: timedelta


@dataclass(frozen=True)
class Capacity:
    """The calibrated capacity of both stages.

    handover_headroom / delivery_headroom: capacity per day as a multiple of the intake level.
    shipped_share: the share of orders placed that reached a carrier (the rest were cancelled).
    intake_before: orders placed per day (UTC) before the replay, for the first days' levels.
    recent_purchases: when the orders of the last ``BACKGROUND_DAYS`` before it were placed.
    stage_hours: observed (hand-over, delivery) hours of delivered orders, one row each.
    windows: how many 7-day windows the headrooms were estimated on.
    """

    handover_headroom: float
    delivery_headroom: float
    shipped_share: float
    intake_before: Mapping[date, int]
    recent_purchases: Sequence[datetime]
    stage_hours: np.ndarray = field(compare=False, repr=False)
    windows: int = 0
    window_days: int = WINDOW_DAYS

    def __post_init__(self) -> None:
        if self.handover_headroom <= 0 or self.delivery_headroom <= 0:
            raise ValueError("a stage's headroom must be positive")
        if not 0 < self.shipped_share <= 1:
            raise ValueError(f"shipped_share must be in (0, 1], got {self.shipped_share}")
        if self.window_days < MIN_ACTIVE_DAYS:
            raise ValueError(f"the intake window must span at least {MIN_ACTIVE_DAYS} days")
        if (
            self.stage_hours.ndim != 2
            or self.stage_hours.shape[1] != 2
            or not len(self.stage_hours)
        ):
            raise ValueError("stage_hours needs (hand-over, delivery) hours of at least one order")

    def queues(self, purchased_at: pl.Series, rng: np.random.Generator) -> StageQueues:
        """The stages' queues for a replay whose orders were placed at ``purchased_at`` (not
        empty), with the background orders around it drawn from ``rng``."""
        replayed = daily_counts(purchased_at)
        if not replayed:
            raise ValueError("a replay without orders has nothing to queue")
        first_day, last_day = min(replayed), max(replayed)
        # The replay's own days replace any history from its period.
        history = {day: n for day, n in self.intake_before.items() if day < first_day}
        level = IntakeLevel(history | replayed, self.window_days)
        first: datetime = purchased_at.min()  # type: ignore[assignment]  # a Datetime column
        still_on_the_way = [
            t for t in self.recent_purchases if t < first and rng.random() < self.shipped_share
        ]
        after = level.before(last_day + timedelta(days=1))
        placed = still_on_the_way + (
            _spread(last_day, after * self.shipped_share) if after is not None else []
        )
        rows = self.stage_hours[rng.integers(0, len(self.stage_hours), len(placed))]
        return StageQueues(
            handover=DailyQueue(level, self.handover_headroom),
            delivery=DailyQueue(level, self.delivery_headroom),
            background=[
                BackgroundOrder(t, timedelta(hours=float(f)), timedelta(hours=float(d)))
                for t, (f, d) in zip(placed, rows, strict=True)
            ],
        )


def _spread(last_day: date, per_day: float) -> list[datetime]:
    """``per_day`` orders a day (carrying the fractions over), evenly through each day, for
    ``BACKGROUND_DAYS`` after ``last_day``."""
    instants: list[datetime] = []
    carried = 0.0
    for k in range(1, BACKGROUND_DAYS + 1):
        carried += per_day
        count = int(carried)
        carried -= count
        midnight = datetime.combine(last_day + timedelta(days=k), time(), UTC)
        instants.extend(midnight + timedelta(days=(i + 0.5) / count) for i in range(count))
    return instants


class IntakeLevel:
    """Mean orders placed per day over the ``window_days`` before a day (days with orders)."""

    def __init__(self, intake: Mapping[date, int], window_days: int) -> None:
        self._intake = intake
        self._window = window_days
        self._last = max(intake, default=None)
        self._cache: dict[date, float | None] = {}

    def before(self, day: date) -> float | None:
        """The level on ``day``, or None where too few days of the window had orders."""
        if self._last is None:
            return None
        day = min(day, self._last + timedelta(days=1))
        if day not in self._cache:
            counts = [
                self._intake.get(day - timedelta(days=k), 0) for k in range(1, self._window + 1)
            ]
            active = [n for n in counts if n > 0]
            enough = len(active) >= MIN_ACTIVE_DAYS
            self._cache[day] = sum(active) / len(active) if enough else None
        return self._cache[day]


class DailyQueue:
    """One stage's daily capacity (headroom × intake level); orders beyond it roll over."""

    def __init__(self, level: IntakeLevel, headroom: float) -> None:
        self._level = level
        self._headroom = headroom
        self._served: dict[date, int] = {}
        self.held = 0  # replayed orders that waited at least a day
        self.held_days = 0  # days they waited, all together

    def capacity_on(self, day: date) -> float | None:
        """Orders this stage can serve on ``day`` (at least one); None: no limit known."""
        level = self._level.before(day)
        return None if level is None else max(self._headroom * level, 1.0)

    def hold(self, ready: datetime, *, replayed: bool = True) -> timedelta:
        """How long an order ready at ``ready`` waits for a day with capacity left. Call in
        the order orders become ready: that order is the order they are served in.
        ``replayed``: False for background orders, which are not counted in ``held``."""
        ready_day = ready.astimezone(UTC).date()
        day = ready_day
        while (capacity := self.capacity_on(day)) is not None and self._served.get(
            day, 0
        ) >= capacity:
            day += timedelta(days=1)
        self._served[day] = self._served.get(day, 0) + 1
        waited = (day - ready_day).days
        if waited and replayed:
            self.held += 1
            self.held_days += waited
        return timedelta(days=waited)


@dataclass
class StageQueues:
    handover: DailyQueue
    delivery: DailyQueue
    background: list[BackgroundOrder]

    def summary(self) -> dict[str, dict[str, int]]:
        """Per stage: replayed orders held back by its capacity, and days held in all."""
        return {
            name: {"orders_held": queue.held, "days_held": queue.held_days}
            for name, queue in (("handover", self.handover), ("delivery", self.delivery))
        }


def daily_counts(instants: pl.Series) -> dict[date, int]:
    """How many of ``instants`` (UTC) fall on each day."""
    days = instants.drop_nulls().dt.date().value_counts()
    return dict(zip(days[days.columns[0]].to_list(), days["count"].to_list(), strict=True))


def calibrate_capacity(
    orders: pl.DataFrame, *, before: datetime | None, in_sample: bool = False
) -> Capacity | None:
    """Headroom of both stages from the orders placed before ``before`` (all orders when
    ``in_sample``); None when they span too few weeks to tell.

    orders: purchased_at, carrier_at, delivered_at (UTC; the replay's orders, any status).
    """
    history = orders if before is None else orders.filter(pl.col("purchased_at") < before)
    training = orders if in_sample else history
    if training.height == 0:
        return None
    intake = daily_counts(training["purchased_at"])
    level = IntakeLevel(intake, WINDOW_DAYS)
    # Whole weeks before the cut (a stage's throughput after it would be incomplete), in the
    # last HEADROOM_DAYS, each day's level read from at least SETTLING_DAYS of data: the
    # level the replay will read, so the headroom is measured against it.
    end = before.date() if before is not None and not in_sample else max(intake)
    first = max(min(intake) + timedelta(days=SETTLING_DAYS), end - timedelta(days=HEADROOM_DAYS))
    starts = [
        first + timedelta(days=d)
        for d in range((end - first).days - WEEK_DAYS + 1)
        if all(level.before(first + timedelta(days=d + k)) is not None for k in range(WEEK_DAYS))
    ]
    timed = _stage_hours(training)
    if len(starts) < MIN_CALIBRATION_WEEKS or len(timed) == 0:
        return None
    headrooms = [
        _headroom(daily_counts(training[column]), level, starts)
        for column in ("carrier_at", "delivered_at")
    ]
    if min(headrooms) <= 0:
        return None
    cut: datetime = before if before is not None else training["purchased_at"].max()  # type: ignore[assignment]
    recent = history.filter(pl.col("purchased_at") >= cut - timedelta(days=BACKGROUND_DAYS))
    return Capacity(
        handover_headroom=headrooms[0],
        delivery_headroom=headrooms[1],
        shipped_share=round(
            float(training.select(pl.col("carrier_at").is_not_null().mean()).item()), 4
        ),
        intake_before=daily_counts(history["purchased_at"]),
        recent_purchases=tuple(sorted(recent["purchased_at"].to_list())),
        stage_hours=timed,
        windows=len(starts),
    )


def _stage_hours(orders: pl.DataFrame) -> np.ndarray:
    """(hand-over, delivery) hours of the orders that have both, impossible ones left out."""
    hours = (
        orders.drop_nulls(["carrier_at", "delivered_at"])
        .sort("purchased_at", "order_id")
        .select(
            handover=(pl.col("carrier_at") - pl.col("purchased_at")).dt.total_seconds() / 3600,
            delivery=(pl.col("delivered_at") - pl.col("carrier_at")).dt.total_seconds() / 3600,
        )
        .filter(pl.col("handover") >= 0, pl.col("delivery") >= 0)
    )
    return hours.to_numpy()


def _headroom(throughput: Mapping[date, int], level: IntakeLevel, starts: list[date]) -> float:
    ratios = []
    for start in starts:
        week = [start + timedelta(days=k) for k in range(WEEK_DAYS)]
        served = sum(throughput.get(day, 0) for day in week)
        ratios.append(served / sum(level.before(day) or 0.0 for day in week))
    return round(float(np.quantile(ratios, HEADROOM_QUANTILE)), 4)
