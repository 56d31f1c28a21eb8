"""``baro bench robots``: baro's fleet planner beside plain PIBT on League of Robot Runners 2023
problems, every step of both judged by the referee.

Per problem, in one run and one process, one after the other on the same robots and errands:
``plain_pibt`` (the baseline) and ``baro``. Throughput is the errands finished in the steps
run (the 2023 league's score); time per step is the planner's own (``time.perf_counter``
round ``plan``; the referee and the errand hand-out are not counted); setup is the planners'
precomputation before step 0 (tables for the first errands, the lanes). ``ratio_to_best``
compares with ``best_known_2023_test_round.csv`` where the problem is listed and the steps
run are its simulation time; ``ratio_to_baseline`` is baro's throughput over plain PIBT's.
"""

from __future__ import annotations

import fnmatch
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from baro.datasets import (
    DatasetMissing,
    RobotRunnersProblem,
    list_robot_runners_problems,
    load_robot_runners_best_known,
    load_robot_runners_problem,
    resolve_data_dir,
)
from baro.fulfillment.robots import BaroPlanner, Fleet, FleetPlanner, PlainPibt, run_lifelong

DEFAULT_STEPS = 5_000  # the 2023 start-kit's default simulation time
DEFAULT_INSTANCES = "EI23-*_large_8000"
PLANNERS: dict[str, Callable[[int], FleetPlanner]] = {
    "plain_pibt": lambda seed: PlainPibt(seed=seed),
    "baro": lambda seed: BaroPlanner(seed=seed),
}

# (what is being done, steps done, steps in all)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class RobotsBenchConfig:
    instances: str = DEFAULT_INSTANCES
    steps: int | None = None
    data_dir: Path | None = None
    seed: int = 0


def run(config: RobotsBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Both planners on every problem whose name matches ``config.instances``."""
    names = fnmatch.filter(list_robot_runners_problems(config.data_dir), config.instances)
    if not names:
        root = resolve_data_dir(config.data_dir)
        raise DatasetMissing(
            root / "robot_runners_2023" / f"**/{config.instances}.json",
            data_dir=root,
            what="Robot Runners problems matching the pattern",
        )
    best = _best_known(config.data_dir)
    rows = [_instance(name, config, best, progress) for name in names]
    return {
        "steps": config.steps,
        "seed": config.seed,
        "planners": list(PLANNERS),
        "versions": {name: version(name) for name in ("numpy", "numba")},
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "instances": rows,
        "collisions": sum(r["runs"][p]["collisions"] for r in rows for p in PLANNERS),
    }


def _instance(
    name: str, config: RobotsBenchConfig, best: dict[str, dict[str, Any]], progress: Progress | None
) -> dict[str, Any]:
    problem = load_robot_runners_problem(name, config.data_dir)
    known = best.get(name)
    steps = config.steps or (known["simulation_time"] if known else DEFAULT_STEPS)
    fleet = Fleet.from_problem(problem)
    runs = {}
    for planner_name, make in PLANNERS.items():
        runs[planner_name] = _measure(fleet, make(config.seed), steps, name, progress)
    baseline = runs["plain_pibt"]["throughput"]
    row: dict[str, Any] = {
        "instance": name,
        "map": problem.grid.name,
        "robots": problem.team_size,
        "steps": steps,
        "task_assignment": problem.task_assignment_strategy,
        "runs": runs,
        "ratio_to_baseline": round(runs["baro"]["throughput"] / baseline, 3) if baseline else None,
        "best_known": known,
        "ratio_to_best": _ratio_to_best(runs, known, steps, problem),
    }
    return row


def _measure(
    fleet: Fleet, planner: FleetPlanner, steps: int, name: str, progress: Progress | None
) -> dict[str, Any]:
    what = f"{name} · {planner.name}"
    every = max(1, steps // 100)

    def on_step(step: int, finished: int) -> None:
        if progress and (step % every == 0 or step == steps):
            progress(f"{what} · {finished} done", step, steps)

    cpu = time.process_time()
    result = run_lifelong(fleet, planner, steps, on_step)
    cpu = time.process_time() - cpu
    ms = result.plan_seconds * 1000
    return {
        "throughput": result.finished,
        "ms_per_step_mean": round(float(ms.mean()), 3),
        "ms_per_step_p99": round(float(np.percentile(ms, 99)), 3),
        "ms_per_step_max": round(float(ms.max()), 3),
        "setup_seconds": round(result.setup_seconds, 3),
        "cpu_seconds": round(cpu, 2),
        "collisions": result.collisions,
        "illegal_moves": result.illegal,
        "rejected_steps": result.rejected_steps,
        "first_problems": list(result.problems),
    }


def _ratio_to_best(
    runs: dict[str, dict[str, Any]],
    known: dict[str, Any] | None,
    steps: int,
    problem: RobotRunnersProblem,
) -> dict[str, Any] | None:
    if known is None or steps != known["simulation_time"]:
        return None  # not listed, or a different number of steps: no like-for-like figure
    ratios: dict[str, Any] = {
        planner: round(run["throughput"] / known["total_errands_finished"], 3)
        for planner, run in runs.items()
    }
    if known["agents"] != problem.team_size:
        ratios["note"] = (
            f"the best-known table lists {known['agents']} robots; the problem file has "
            f"{problem.team_size}"
        )
    return ratios


def _best_known(data_dir: Path | None) -> dict[str, dict[str, Any]]:
    try:
        table = load_robot_runners_best_known(data_dir)
    except DatasetMissing:
        return {}
    return {row["instance"]: row for row in table.iter_rows(named=True)}
