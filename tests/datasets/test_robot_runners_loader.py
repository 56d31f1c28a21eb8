"""League of Robot Runners 2023 problems: JSON config, grid, agent and task cell ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from baro.datasets import (
    ROBOT_RUNNERS_BEST_KNOWN_SCHEMA,
    DatasetCorrupt,
    DatasetMissing,
    list_robot_runners_problems,
    load_robot_runners_best_known,
    load_robot_runners_problem,
)

Put = Callable[[str, str], Path]
WriteProblem = Callable[..., None]
DOMAIN = "robot_runners_2023/example_instances/warehouse.domain"
# Cell ids are row * 4 + column: 0 is the top-left '.', 5 and 6 the '@' obstacles.
TINY_MAP = "type octile\nheight 3\nwidth 4\nmap\n.ES.\n.@@E\n..S.\n"
CONFIG = {
    "mapFile": "maps/tiny.map",
    "agentFile": "agents/tiny_2.agents",
    "teamSize": 2,
    "taskFile": "tasks/tiny.tasks",
    "numTasksReveal": 1,
    "taskAssignmentStrategy": "roundrobin",
}


@pytest.fixture
def write_problem(put: Put) -> WriteProblem:
    def write(agents: str = "2\n0\n4\n", tasks: str = "3\n1\n7\n10\n", **config: object) -> None:
        put(f"{DOMAIN}/maps/tiny.map", TINY_MAP)
        put(f"{DOMAIN}/agents/tiny_2.agents", agents)
        put(f"{DOMAIN}/tasks/tiny.tasks", tasks)
        put(f"{DOMAIN}/EI23-tiny_2.json", json.dumps(CONFIG | config))

    return write


def test_a_problem_has_its_grid_team_and_errands(
    write_problem: WriteProblem, data_dir: Path
) -> None:
    write_problem()

    problem = load_robot_runners_problem("EI23-tiny_2", data_dir)

    assert problem.name == "EI23-tiny_2"
    assert (problem.grid.height, problem.grid.width) == (3, 4)
    assert problem.team_size == 2
    assert problem.agent_starts.tolist() == [0, 4]
    assert problem.tasks.tolist() == [1, 7, 10]
    assert (problem.num_tasks_reveal, problem.task_assignment_strategy) == (1, "roundrobin")
    assert list_robot_runners_problems(data_dir) == ["EI23-tiny_2"]


@pytest.mark.parametrize(
    ("change", "problem_text"),
    [
        ({"agents": "2\n0\n5\n"}, "cell id 5 is an obstacle"),
        ({"tasks": "3\n1\n7\n99\n"}, "cell id 99 is outside"),
        ({"tasks": "5\n1\n7\n"}, "a count line, then that many"),
        ({"tasks": "3\n1\n\n7\n"}, "a count line, then that many"),
        ({"agents": "2\n0\nx\n"}, "'cell id', data row 3: 'x'"),
        ({"teamSize": 3}, "teamSize 3"),
        ({"teamSize": "2"}, "JSON object with"),
    ],
)
def test_an_inconsistent_problem_is_corrupt(
    write_problem: WriteProblem, data_dir: Path, change: dict[str, object], problem_text: str
) -> None:
    write_problem(**change)

    with pytest.raises(DatasetCorrupt, match=problem_text):
        load_robot_runners_problem("EI23-tiny_2", data_dir)


def test_a_file_the_config_names_must_exist(write_problem: WriteProblem, data_dir: Path) -> None:
    write_problem(taskFile="tasks/gone.tasks")

    with pytest.raises(DatasetMissing, match=r"gone\.tasks"):
        load_robot_runners_problem("EI23-tiny_2", data_dir)


def test_an_unknown_problem_is_missing(write_problem: WriteProblem, data_dir: Path) -> None:
    write_problem()

    with pytest.raises(DatasetMissing, match="EI23-nothing"):
        load_robot_runners_problem("EI23-nothing", data_dir)


def test_best_known_throughput_is_typed(put: Put, data_dir: Path) -> None:
    put(
        "robot_runners_2023/best_known_2023_test_round.csv",
        "instance,round,domain,agents,simulation_time,total_errands_finished,team,source_table\n"
        "TR23-random,test,Random,100,5000,15609,Team_Pikachu,README\n",
    )

    best = load_robot_runners_best_known(data_dir)

    assert best.schema == pl.Schema(ROBOT_RUNNERS_BEST_KNOWN_SCHEMA)
    assert best.row(0) == ("TR23-random", "test", "Random", 100, 5000, 15609, "Team_Pikachu")
