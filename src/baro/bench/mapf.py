"""``baro bench mapf``: one-shot MAPF on the MovingAI benchmark maps (``mapf_movingai/``), every
step judged by the referee.

For each map, agent count and scenario (an instance is a scenario's first k agents, as the
benchmark defines it) one run of ``OneShotPibt`` under a wall-clock limit. Per map and agent
count: the success rate (instances with every agent on its goal within the limit), the sum of
costs over the solved ones divided by the sum of the scenario's ``optimal_length`` column and,
beside it, by the sum of our own 4-connected shortest distances (the scenario files' column is
MovingAI's octile distance, which can be shorter than any 4-connected path), the makespan, the
runtime, and collisions and illegal moves, which must be 0.
"""

from __future__ import annotations

import fnmatch
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from baro.datasets import (
    DatasetCorrupt,
    DatasetMissing,
    list_mapf_maps,
    list_mapf_scenarios,
    load_mapf_map,
    load_mapf_scenario,
    resolve_data_dir,
)
from baro.fulfillment.robots import (
    Floor,
    OneShotLacam,
    OneShotPibt,
    OneShotResult,
    OneShotSolver,
    run_one_shot,
)

DEFAULT_AGENTS = tuple(range(100, 1001, 100))
DEFAULT_SCENARIOS = "*-random-1"
DEFAULT_TIME_LIMIT = 60.0
SOLVERS: dict[str, Callable[[int], OneShotSolver]] = {
    "lacam": lambda seed: OneShotLacam(seed=seed),
    "pibt": lambda seed: OneShotPibt(seed=seed),
}

# (what is being done, runs done, runs in all)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class MapfBenchConfig:
    agents: tuple[int, ...] = DEFAULT_AGENTS
    scenarios: str = DEFAULT_SCENARIOS
    time_limit: float = DEFAULT_TIME_LIMIT
    solver: str = "lacam"
    data_dir: Path | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if self.solver not in SOLVERS:
            raise ValueError(f"unknown solver {self.solver!r}; known: {', '.join(SOLVERS)}")
        if not self.agents or min(self.agents) < 1:
            raise ValueError("agent counts must be whole numbers of 1 or more")
        if self.time_limit <= 0:
            raise ValueError("the time limit must be positive")


@dataclass(frozen=True, slots=True)
class _Instance:
    map_name: str
    scenario: str
    agents: int


def run(config: MapfBenchConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Every scenario whose name matches ``config.scenarios`` (globs, comma-separated), at
    every agent count it has enough agents for."""
    patterns = config.scenarios.split(",")
    scenarios = {
        map_name: [
            name
            for name in list_mapf_scenarios(map_name, config.data_dir)
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
        ]
        for map_name in list_mapf_maps(config.data_dir)
    }
    if not any(scenarios.values()):
        root = resolve_data_dir(config.data_dir)
        raise DatasetMissing(
            root / "mapf_movingai" / "scen" / f"{config.scenarios}.scen",
            data_dir=root,
            what="MovingAI scenarios matching the pattern",
        )
    tables = {
        name: load_mapf_scenario(name, config.data_dir)
        for names in scenarios.values()
        for name in names
    }
    instances = [
        _Instance(map_name, name, agents)
        for map_name, names in scenarios.items()
        for agents in sorted(set(config.agents))
        for name in names
        if tables[name].height >= agents
    ]
    floors = {name: Floor.from_grid(load_mapf_map(name, config.data_dir)) for name in scenarios}
    # Numba compiles the kernels on first use (seconds, or read from its cache): not timed.
    run_one_shot(Floor.from_rows([".."]), [0], [1], SOLVERS[config.solver](config.seed))
    runs = []
    for done, instance in enumerate(instances):
        what = f"{instance.scenario} · {instance.agents} agents"
        if progress:
            progress(what, done, len(instances))
        runs.append(_run(instance, floors[instance.map_name], tables[instance.scenario], config))
    if progress:
        progress("done", len(instances), len(instances))
    rows = _summaries(runs)
    return {
        "time_limit_seconds": config.time_limit,
        "seed": config.seed,
        "solver": config.solver,
        "scenarios": config.scenarios,
        "versions": {name: version(name) for name in ("numpy", "numba")},
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "rows": rows,
        "runs": runs,
        "collisions": sum(run["collisions"] for run in runs),
        "illegal_moves": sum(run["illegal_moves"] for run in runs),
    }


def _run(
    instance: _Instance, floor: Floor, scenario: pl.DataFrame, config: MapfBenchConfig
) -> dict[str, Any]:
    agents = scenario.head(instance.agents)
    if (agents["width"] != floor.width).any() or (agents["height"] != floor.height).any():
        raise DatasetCorrupt(
            resolve_data_dir(config.data_dir)
            / "mapf_movingai"
            / "scen"
            / f"{instance.scenario}.scen",
            f"its width and height are not those of {instance.map_name}",
        )
    result = run_one_shot(
        floor,
        _cells(agents, "start", floor.width),
        _cells(agents, "goal", floor.width),
        SOLVERS[config.solver](config.seed),
        time_limit=config.time_limit,
    )
    return _measured(instance, result, float(agents["optimal_length"].sum()))


def _cells(agents: pl.DataFrame, which: str, width: int) -> npt.NDArray[np.int64]:
    """Cell ids (``y * width + x``) of the agents' ``start`` or ``goal`` columns."""
    row: npt.NDArray[np.int64] = agents[f"{which}_y"].to_numpy().astype(np.int64)
    column: npt.NDArray[np.int64] = agents[f"{which}_x"].to_numpy().astype(np.int64)
    return row * width + column


def _measured(instance: _Instance, result: OneShotResult, optimal: float) -> dict[str, Any]:
    soc = result.sum_of_costs
    return {
        "map": instance.map_name,
        "scenario": instance.scenario,
        "agents": instance.agents,
        "solved": result.solved,
        "at_goal": result.at_goal,
        "steps": result.steps,
        "sum_of_costs": soc,
        "sum_of_optimal_lengths": round(optimal, 3),
        "sum_of_distances": result.lower_bound,
        "soc_over_optimal": None if soc is None else round(soc / optimal, 4),
        "soc_over_distances": None if soc is None else round(soc / result.lower_bound, 4),
        "seconds": round(result.seconds, 3),
        "collisions": result.collisions,
        "illegal_moves": result.illegal,
        "rejected_steps": result.rejected_steps,
        "first_problems": list(result.problems),
    }


def _summaries(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per map and agent count; SoC ratios over the solved instances only."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["map"], run["agents"]), []).append(run)
    rows = []
    for (map_name, agents), group in groups.items():
        solved = [run for run in group if run["solved"]]
        seconds = [run["seconds"] for run in group]
        rows.append(
            {
                "map": map_name,
                "agents": agents,
                "instances": len(group),
                "solved": len(solved),
                "success_rate": round(len(solved) / len(group), 3),
                "soc_over_optimal": _ratio(solved, "sum_of_optimal_lengths"),
                "soc_over_distances": _ratio(solved, "sum_of_distances"),
                "makespan_mean": _mean([run["steps"] for run in solved]),
                "seconds_mean": _mean(seconds),
                "seconds_max": max(seconds),
                "collisions": sum(run["collisions"] for run in group),
                "illegal_moves": sum(run["illegal_moves"] for run in group),
            }
        )
    return rows


def _ratio(solved: list[dict[str, Any]], denominator: str) -> float | None:
    """Sum of costs over the sum of ``denominator``, both summed over the solved instances."""
    if not solved:
        return None
    costs: float = sum(run["sum_of_costs"] for run in solved)
    bound: float = sum(run[denominator] for run in solved)
    return round(costs / bound, 4)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None
