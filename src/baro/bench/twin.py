"""``baro bench twin``: how fast the twin replays a data set through the real services."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from baro.core.scratch import scratch_database
from baro.twin.engine import run_twin
from baro.twin.policies import POLICIES
from baro.twin.replay import REPLAYS
from baro.twin.stages import stage_durations, stage_models_for


def run(
    dataset: str,
    data_dir: Path,
    *,
    policy: str = "baseline",
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    started = time.perf_counter()
    replay = REPLAYS[dataset](data_dir)
    durations = stage_durations(replay.orders, replay.lines, replay.customers, replay.sellers)
    stages = stage_models_for(durations, replay.orders, before=None)
    prepared_s = time.perf_counter() - started
    with scratch_database(None, "baro_bench_twin") as url:
        result = run_twin(
            replay, POLICIES[policy], stages, database_url=url, seed=seed, progress=progress
        )
    first, last = replay.period
    sim_days = (last - first).total_seconds() / 86400
    wall_s = time.perf_counter() - started
    return {
        "dataset": dataset,
        "policy": policy,
        "orders": replay.orders.height,
        "events": len(result.events),
        "wall_s": round(wall_s, 2),
        "load_and_calibrate_s": round(prepared_s, 2),
        "replay_s": round(result.wall_s, 2),
        "orders_per_wall_s": round(replay.orders.height / wall_s, 1),
        "sim_days": round(sim_days, 1),
        "sim_days_per_wall_s": round(sim_days / wall_s, 2),
        "db": "sqlite",
    }
