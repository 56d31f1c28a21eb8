"""``baro bench robots`` on a tiny problem written in the shared data layout."""

from __future__ import annotations

import json
from pathlib import Path

from baro.bench.robots import RobotsBenchConfig, run

MAP = "type octile\nheight 4\nwidth 6\nmap\nE....S\n.@@.@.\n.@@.@.\nE....S\n"
HEADER = "instance,round,domain,agents,simulation_time,total_errands_finished,team,source_table\n"


def _write_problem(data: Path) -> None:
    folder = data / "robot_runners_2023" / "test_round" / "tiny.domain"
    for sub in ("maps", "agents", "tasks"):
        (folder / sub).mkdir(parents=True)
    (folder / "maps" / "tiny.map").write_text(MAP)
    (folder / "agents" / "tiny_3.agents").write_text("3\n1\n9\n20\n")
    (folder / "tasks" / "tiny.tasks").write_text("6\n0\n5\n18\n23\n0\n23\n")
    config = {
        "mapFile": "maps/tiny.map",
        "agentFile": "agents/tiny_3.agents",
        "teamSize": 3,
        "taskFile": "tasks/tiny.tasks",
        "numTasksReveal": 1,
        "taskAssignmentStrategy": "roundrobin",
    }
    (folder / "TR23-tiny.json").write_text(json.dumps(config))
    (data / "robot_runners_2023" / "best_known_2023_test_round.csv").write_text(
        HEADER + "TR23-tiny,test,Tiny,3,40,20,Someone,made up for this test\n"
    )


def test_bench_runs_both_planners_for_the_listed_steps_and_compares_with_the_best(
    tmp_path: Path,
) -> None:
    _write_problem(tmp_path)
    progress: list[int] = []

    result = run(
        RobotsBenchConfig(instances="TR23-*", data_dir=tmp_path),
        lambda _what, done, _total: progress.append(done),
    )

    (row,) = result["instances"]
    assert row["instance"] == "TR23-tiny" and row["robots"] == 3
    assert row["steps"] == 40  # the best-known row's simulation time
    assert set(row["runs"]) == {"plain_pibt", "baro"}
    for planner, measured in row["runs"].items():
        assert measured["collisions"] == 0 and measured["illegal_moves"] == 0, planner
        assert measured["throughput"] > 0, planner
        assert row["ratio_to_best"][planner] == round(measured["throughput"] / 20, 3)
    baseline = row["runs"]["plain_pibt"]["throughput"]
    assert row["ratio_to_baseline"] == round(row["runs"]["baro"]["throughput"] / baseline, 3)
    assert result["collisions"] == 0
    assert progress[-1] == 40


def test_other_step_counts_give_no_ratio_to_the_best(tmp_path: Path) -> None:
    _write_problem(tmp_path)
    result = run(RobotsBenchConfig(instances="TR23-tiny", steps=10, data_dir=tmp_path))
    assert result["instances"][0]["ratio_to_best"] is None
