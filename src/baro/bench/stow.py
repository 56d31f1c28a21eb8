"""``baro bench stow``: random, dedicated and class-based (ABC) putaway side by side on the
same inbound and order stream, in the twin's center (the comparison is
``twin/stow_comparison.py``; the twin's report shows it too, on its simulated window).

The stream: the Olist orders purchased from ``test_from`` on, with their products' sizes and
weights; class-based learns its A/B/C classes from the units sold before ``test_from`` only.
Ids, dates and sizes come from the data, so another folder of the same layout runs unchanged.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl

from baro.twin.center import CenterSettings
from baro.twin.center_sim import FloorMode
from baro.twin.replay import REPLAYS
from baro.twin.stow_comparison import Progress, compare_stow

TEST_SHARE = 0.25  # default split: the last quarter of the orders is evaluated


def default_test_from(orders: pl.DataFrame) -> date:
    """The day from which the last ``TEST_SHARE`` of the orders were purchased."""
    moments = orders["purchased_at"].sort()
    return moments[int(len(moments) * (1 - TEST_SHARE))].date()  # type: ignore[no-any-return]


def run(
    data_dir: Path,
    *,
    test_from: date | None = None,
    cycle_days: int = 7,
    floor: FloorMode = "manual",
    seed: int = 7,
    settings: CenterSettings | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    everything = REPLAYS["olist"](data_dir)
    if everything.orders.height == 0:
        raise ValueError(f"no Olist orders in {data_dir}")
    split = test_from or default_test_from(everything.orders)
    history = everything.between(None, split)
    evaluated = everything.between(split, None)
    if history.orders.height == 0 or evaluated.orders.height == 0:
        first, last = everything.period
        raise ValueError(
            f"--test-from {split} leaves no orders on one side (the orders run from "
            f"{first:%Y-%m-%d} to {last:%Y-%m-%d})"
        )
    comparison = compare_stow(
        history,
        evaluated,
        start=datetime.combine(split, datetime.min.time(), UTC),
        cycle_days=cycle_days,
        floor=floor,
        seed=seed,
        settings=settings,
        progress=progress,
    )
    return {
        "dataset": "olist",
        "test_from": split.isoformat(),
        **comparison,
        "wall_s": round(time.perf_counter() - started, 1),
    }
