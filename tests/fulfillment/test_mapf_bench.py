"""``baro bench mapf`` on a tiny map and scenario written in the shared data layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baro.bench.mapf import MapfBenchConfig, run
from baro.cli import app

# Two aisles joined at both ends: a ring, where robots keep their order round it, so each
# agent's goal lies clockwise of its start. Cells are (x, y) = (column, row).
MAP = "type octile\nheight 3\nwidth 6\nmap\n......\n.TTTT.\n......\n"
# start x, y, goal x, y, optimal length
AGENTS = [(0, 0, 5, 0, 5), (5, 2, 0, 2, 5), (0, 1, 2, 0, 3), (3, 0, 5, 2, 4)]


def _write_scenarios(data: Path, *, names: tuple[str, ...] = ("tiny-random-1",)) -> None:
    folder = data / "mapf_movingai"
    (folder / "scen").mkdir(parents=True)
    (folder / "tiny.map").write_text(MAP)
    lines = [f"0\ttiny.map\t6\t3\t{sx}\t{sy}\t{gx}\t{gy}\t{o}" for sx, sy, gx, gy, o in AGENTS]
    for name in names:
        (folder / "scen" / f"{name}.scen").write_text("version 1\n" + "\n".join(lines) + "\n")


def test_bench_solves_each_agent_count_and_scores_it_against_the_optimal_lengths(
    tmp_path: Path,
) -> None:
    _write_scenarios(tmp_path, names=("tiny-random-1", "tiny-random-2", "tiny-even-1"))
    progress: list[tuple[int, int]] = []

    result = run(
        MapfBenchConfig(agents=(2, 4, 5), scenarios="*-even-*,tiny-random-2", data_dir=tmp_path),
        lambda _what, done, total: progress.append((done, total)),
    )

    # 5 agents is more than a scenario holds: only 2 and 4 run, on the two scenarios named
    assert [(row["agents"], row["instances"]) for row in result["rows"]] == [(2, 2), (4, 2)]
    assert {run["scenario"] for run in result["runs"]} == {"tiny-even-1", "tiny-random-2"}
    assert progress[-1] == (4, 4)
    for row in result["rows"]:
        assert row["success_rate"] == 1.0 and row["collisions"] == 0
    two = result["runs"][0]
    assert two["sum_of_optimal_lengths"] == 10.0 and two["sum_of_distances"] == 10
    assert two["sum_of_costs"] >= 10
    assert two["soc_over_optimal"] == round(two["sum_of_costs"] / 10, 4)
    assert result["collisions"] == 0 and result["illegal_moves"] == 0


def test_no_matching_scenario_names_the_place_looked_at(tmp_path: Path) -> None:
    from baro.datasets import DatasetMissing

    _write_scenarios(tmp_path)
    with pytest.raises(DatasetMissing, match="MovingAI scenarios matching the pattern"):
        run(MapfBenchConfig(scenarios="warehouse-*", data_dir=tmp_path))


def test_the_command_writes_its_json_and_fails_cleanly_on_bad_input(tmp_path: Path) -> None:
    _write_scenarios(tmp_path)
    json_path = tmp_path / "mapf.json"

    ran = CliRunner().invoke(
        app,
        [
            *("bench", "mapf", "--agents", "3", "--scenarios", "tiny-*"),
            *("--time-limit", "30", "--data-dir", str(tmp_path), "--json", str(json_path)),
        ],
    )
    bad_count = CliRunner().invoke(app, ["bench", "mapf", "--agents", "ten"])
    bad_solver = CliRunner().invoke(app, ["bench", "mapf", "--solver", "cbs"])

    assert ran.exit_code == 0, ran.output
    assert json.loads(json_path.read_text())["rows"][0]["solved"] == 1
    for result, message in ((bad_count, "ten"), (bad_solver, "unknown solver 'cbs'")):
        assert result.exit_code == 1 and message in result.output
        assert "Traceback" not in result.output


def test_the_command_fails_when_the_referee_saw_a_collision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import baro.bench.mapf as mapf_bench

    _write_scenarios(tmp_path)
    real_run = mapf_bench.run

    def with_a_collision(config: MapfBenchConfig, progress: object = None) -> dict[str, object]:
        result: dict[str, object] = real_run(config)
        result["collisions"] = 1  # as if a solver's plan had put two agents on one cell
        return result

    monkeypatch.setattr(mapf_bench, "run", with_a_collision)
    result = CliRunner().invoke(
        app,
        ["bench", "mapf", "--agents", "2", "--scenarios", "tiny-*", "--data-dir", str(tmp_path)],
    )

    assert result.exit_code == 1
    assert "1 collisions and 0 illegal moves: the referee rejected a plan" in result.output
