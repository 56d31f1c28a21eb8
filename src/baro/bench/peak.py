"""``baro bench peak``: does the twin slow down under a Black-Friday-shaped surge?

The shared Olist sample stops before its busiest month (November 2017, held out), so the
surge is emulated from real orders: the month before the peak moves one month later, and
each of its days' orders are drawn with replacement to a multiple of their number, in the
shape the full data set has (Olist: 4,631 orders in October 2017, 7,544 in November, about
1,176 on Black Friday alone). The twin is calibrated on the orders before the peak month,
as ``baro simulate --from`` is, and runs the baseline policy twice per seed on the same
draws: with its load-aware stages and without capacity limits. How much longer click-to-door
gets with capacity is what the twin sees of the surge (docs/benchmarks.md, "The twin
against reality").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from baro.core.scratch import scratch_database
from baro.twin import kpis
from baro.twin.engine import run_twin
from baro.twin.policies import POLICIES
from baro.twin.replay import ReplayData, olist_replay
from baro.twin.stages import StageModels, stage_durations, stage_models_for

# (first day, last day, multiple of the month before's orders that day): the full Olist
# data's November 2017 against its October, by day of the month.
BLACK_FRIDAY = ((1, 23, 1.28), (24, 24, 7.9), (25, 26, 2.5), (27, 30, 2.0))

Progress = Callable[[str], None]


@dataclass(frozen=True)
class PeakBenchConfig:
    data_dir: Path | None = None
    peak_month: date = date(2017, 11, 1)
    seeds: tuple[int, ...] = (7, 8, 9)
    profile: tuple[tuple[int, int, float], ...] = BLACK_FRIDAY
    peak_days: tuple[int, int] = (24, 30)  # the days whose buyers the surge hits hardest
    draw_seed: int = 1

    def __post_init__(self) -> None:
        if self.peak_month.day != 1:
            raise ValueError(f"the peak month starts on its first day, got {self.peak_month}")
        if not self.seeds:
            raise ValueError("at least one seed")
        if any(not 1 <= a <= b <= 31 or m <= 0 for a, b, m in self.profile):
            raise ValueError("each profile range is 1 <= first <= last <= 31 with a multiple > 0")


def emulated_peak(replay: ReplayData, config: PeakBenchConfig) -> ReplayData:
    """The month before ``config.peak_month`` moved into it, each day's orders drawn with
    replacement to the profile's multiple of their number; copies get new order ids."""
    source, shift = _month_before(replay, config.peak_month)
    if source.orders.is_empty():
        raise ValueError(f"no orders in the month before {config.peak_month} to emulate from")
    rng = np.random.default_rng(config.draw_seed)
    drawn: list[pl.DataFrame] = []
    for (day,), orders in source.orders.group_by(
        pl.col("purchased_at").dt.date(), maintain_order=True
    ):
        multiple = _multiple(config.profile, (day + shift).day)
        picks = rng.integers(0, orders.height, size=round(orders.height * multiple))
        drawn.append(
            orders[picks.tolist()].with_columns(
                source_id=pl.col("order_id"),
                order_id=pl.col("order_id") + "-peak" + pl.int_range(pl.len()).cast(pl.String),
            )
        )
    orders = pl.concat(drawn)
    dates = [c for c, kind in orders.schema.items() if isinstance(kind, pl.Datetime)]
    orders = orders.with_columns(pl.col(dates) + shift).sort("purchased_at", "order_id")
    lines = orders.select("order_id", "source_id").join(
        source.lines.rename({"order_id": "source_id"}), on="source_id"
    )
    return replace(
        replay, orders=orders.drop("source_id"), lines=lines.drop("source_id"), returns=None
    )


def _month_before(replay: ReplayData, peak_month: date) -> tuple[ReplayData, timedelta]:
    """The orders of the month before ``peak_month`` that fall on one of its days once
    moved into it (October's 31st has no November day), and how far they move."""
    start = (peak_month - timedelta(days=1)).replace(day=1)
    shift = peak_month - start
    next_month = (peak_month + timedelta(days=32)).replace(day=1)
    return replay.between(start, next_month - shift), shift


def _multiple(profile: Sequence[tuple[int, int, float]], day: int) -> float:
    return next((m for first, last, m in profile if first <= day <= last), 1.0)


def run(config: PeakBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    say = progress or (lambda _what: None)
    replay = olist_replay(config.data_dir)
    peak = emulated_peak(replay, config)
    start = datetime.combine(config.peak_month, datetime.min.time(), tzinfo=UTC)
    durations = stage_durations(replay.orders, replay.lines, replay.customers, replay.sellers)
    loaded = stage_models_for(durations, replay.orders, before=start)
    runs = []
    for seed in config.seeds:
        figures = {}
        for label, stages in (
            ("capacity", loaded),
            ("no_capacity", replace(loaded, capacity=None)),
        ):
            say(f"seed {seed}: {label.replace('_', ' ')}")
            figures[label] = _click_to_door(peak, stages, seed, config)
        runs.append({"seed": seed, **figures, "ratio": _ratios(figures)})
    return {
        "bench": "peak",
        "peak_month": config.peak_month.isoformat(),
        "profile": [list(p) for p in config.profile],
        "peak_days": list(config.peak_days),
        "calibrated_before": start.isoformat(),
        "orders": {
            "month_before": _month_before(replay, config.peak_month)[0].orders.height,
            "emulated": peak.orders.height,
        },
        "runs": runs,
    }


def _click_to_door(
    peak: ReplayData, stages: StageModels, seed: int, config: PeakBenchConfig
) -> dict[str, float | int | None]:
    with scratch_database(None, "baro_bench_peak") as url:
        run = run_twin(peak, POLICIES["baseline"], stages, database_url=url, seed=seed)
    orders, _ = kpis.order_frames(run.events)
    delivered = orders.drop_nulls("delivered_at").with_columns(
        hours=(pl.col("delivered_at") - pl.col("placed_at")).dt.total_seconds() / 3600
    )
    first, last = config.peak_days
    hit = delivered.filter(pl.col("placed_at").dt.day().is_between(first, last))
    return {
        "delivered": delivered.height,
        "p50_h": _quantile(delivered, 0.5),
        "p90_h": _quantile(delivered, 0.9),
        "peak_days_p50_h": _quantile(hit, 0.5),
        "peak_days_p90_h": _quantile(hit, 0.9),
    }


def _quantile(frame: pl.DataFrame, q: float) -> float | None:
    value = frame.select(pl.col("hours").quantile(q, interpolation="linear")).item()
    return None if value is None else round(float(value), 1)


def _ratios(figures: dict[str, dict[str, float | int | None]]) -> dict[str, float | None]:
    """With capacity over without, per figure."""
    ratios: dict[str, float | None] = {}
    for key in ("p50_h", "p90_h", "peak_days_p50_h", "peak_days_p90_h"):
        a, b = figures["capacity"][key], figures["no_capacity"][key]
        ratios[key] = round(float(a) / float(b), 3) if a and b else None
    return ratios
