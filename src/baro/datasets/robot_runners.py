"""League of Robot Runners 2023 (lifelong MAPF), ``robot_runners_2023/``.

A problem is a JSON config of the 2023 start-kit::

    {"mapFile": "maps/warehouse_small.map", "agentFile": "agents/warehouse_small_10.agents",
     "teamSize": 10, "taskFile": "tasks/warehouse_small.tasks", "numTasksReveal": 1,
     "taskAssignmentStrategy": "roundrobin"}

with paths relative to the JSON's folder. The map is MovingAI (``@``/``T`` blocked; ``.``,
``E`` and ``S`` free); ``.agents`` and ``.tasks`` files are a count line, then one linear cell
id (``row * width + column``) per line: each agent's start, and the errands in release order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from baro.datasets._paths import data_file, resolve_data_dir
from baro.datasets._tables import (
    integer,
    parse_columns,
    read_table,
    read_text_table,
    schema,
    text,
)
from baro.datasets.errors import DatasetCorrupt, DatasetMissing
from baro.datasets.mapf import GridMap, read_grid_map

FOLDER = "robot_runners_2023"

_BEST_KNOWN_COLUMNS = (
    text("instance"),
    text("round"),
    text("domain"),
    integer("agents", pl.Int32()),
    integer("simulation_time", pl.Int32()),
    integer("total_errands_finished", pl.Int32()),
    text("team"),
)
ROBOT_RUNNERS_BEST_KNOWN_SCHEMA = schema(_BEST_KNOWN_COLUMNS)
_CELL = integer("cell id", pl.Int64())


@dataclass(frozen=True, slots=True, eq=False)
class RobotRunnersProblem:
    """One problem: the grid, the team's start cells and the errand cells, ids read-only.

    ``agent_starts`` holds every start in the agents file; the team is its first
    ``team_size``. ``tasks`` are released ``num_tasks_reveal`` at a time per agent and handed
    out by ``task_assignment_strategy`` (``roundrobin`` in 2023).
    """

    name: str
    grid: GridMap
    team_size: int
    agent_starts: npt.NDArray[np.int64]
    tasks: npt.NDArray[np.int64]
    num_tasks_reveal: int
    task_assignment_strategy: str


def list_robot_runners_problems(data_dir: Path | None = None) -> list[str]:
    """Names of the problems (``EI23-warehouse_small_10``, ``TR23-warehouse_large``…), sorted."""
    return sorted(path.stem for path in _folder(data_dir).rglob("*.json"))


def load_robot_runners_problem(name: str, data_dir: Path | None = None) -> RobotRunnersProblem:
    """One problem by name, wherever it lies under ``robot_runners_2023/``."""
    root = resolve_data_dir(data_dir)
    found = sorted(_folder(root).rglob(f"{name}.json"))
    if len(found) != 1:
        raise DatasetMissing(
            root / FOLDER / f"**/{name}.json", data_dir=root, what=f"Robot Runners problem {name}"
        )
    return _problem(found[0], root)


def read_robot_runners_problem(path: Path) -> RobotRunnersProblem:
    """The problem whose JSON config is at ``path`` (its files named relative to it)."""
    if not path.is_file():
        raise DatasetMissing(path, data_dir=path.parent, what="Robot Runners problem file")
    return _problem(path, path.parent)


def load_robot_runners_best_known(data_dir: Path | None = None) -> pl.DataFrame:
    """Best published results of the 2023 Test Round (``best_known_2023_test_round.csv``).

    instance: String, round: String, domain: String, agents: Int32, simulation_time: Int32
    (timesteps), total_errands_finished: Int32 (the throughput that ranks teams), team: String.
    The README this comes from gives 5,000 agents for TR23-warehouse_large where the archived
    problem has ``teamSize`` 1,000.
    """
    path = data_file(
        data_dir, f"{FOLDER}/best_known_2023_test_round.csv", what="Robot Runners best known"
    )
    return read_table(path, _BEST_KNOWN_COLUMNS)


def _problem(path: Path, root: Path) -> RobotRunnersProblem:
    config = _config(path)
    grid = read_grid_map(_referenced(path, config["mapFile"], root))
    agent_starts = _cell_ids(_referenced(path, config["agentFile"], root), grid)
    tasks = _cell_ids(_referenced(path, config["taskFile"], root), grid)
    team_size = config["teamSize"]
    if not 0 < team_size <= len(agent_starts):
        raise DatasetCorrupt(
            path, f"teamSize {team_size} but the agents file has {len(agent_starts)} starts"
        )
    return RobotRunnersProblem(
        name=path.stem,
        grid=grid,
        team_size=team_size,
        agent_starts=agent_starts,
        tasks=tasks,
        num_tasks_reveal=config["numTasksReveal"],
        task_assignment_strategy=config["taskAssignmentStrategy"],
    )


def _config(path: Path) -> dict[str, Any]:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DatasetCorrupt(path, f"is not a JSON problem file ({error})") from error
    expected = {"mapFile": str, "agentFile": str, "taskFile": str, "teamSize": int}
    expected |= {"numTasksReveal": int, "taskAssignmentStrategy": str}
    if not isinstance(config, dict) or any(
        not isinstance(config.get(key), kind) for key, kind in expected.items()
    ):
        raise DatasetCorrupt(path, f"expected a JSON object with {', '.join(expected)}")
    return config


def _referenced(config_path: Path, relative: str, root: Path) -> Path:
    path = config_path.parent / relative
    if not path.is_file():
        raise DatasetMissing(path, data_dir=root, what=f"file named in {config_path.name}")
    return path


def _cell_ids(path: Path, grid: GridMap) -> npt.NDArray[np.int64]:
    """The ids after the count line; each must be a free cell of ``grid``."""
    raw = read_text_table(path, header=[_CELL.source])
    numbers = parse_columns(raw, (_CELL,), path).get_column(_CELL.name)
    if numbers.has_nulls() or numbers[0] != len(numbers) - 1:
        raise DatasetCorrupt(path, "expected a count line, then that many cell ids, one per line")
    ids = numbers.slice(1).to_numpy()
    outside = ids[(ids < 0) | (ids >= grid.height * grid.width)]
    if outside.size:
        raise DatasetCorrupt(path, f"cell id {outside[0]} is outside the {grid.name} grid")
    blocked = ids[~grid.free.ravel()[ids]]
    if blocked.size:
        raise DatasetCorrupt(path, f"cell id {blocked[0]} is an obstacle on {grid.name}")
    ids.setflags(write=False)
    return ids


def _folder(data_dir: Path | None) -> Path:
    root = resolve_data_dir(data_dir)
    folder = root / FOLDER
    if not folder.is_dir():
        raise DatasetMissing(folder, data_dir=root, what="Robot Runners folder")
    return folder
