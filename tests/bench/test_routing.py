"""``baro bench routing``: the independent checker, the gap, and a tiny side-by-side run.

The instances here are written by the tests (6 customers); the real CVRPLIB and Solomon
files are only read to check that the checker reproduces their best-known costs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from baro.bench import routing
from baro.cli import app
from baro.core.config import Settings

# A depot and six customers; capacity 10. Most legs are not whole numbers, so the rounding
# convention matters: 5→1 is √29 = 5.385 (nint 5, DIMACS 5.3), 4→6 is √289 = 17 exactly.
COORDS = [(0, 0), (3, 4), (6, 8), (-3, 4), (-6, 8), (5, -1), (2, -7)]
DEMANDS = [0, 4, 3, 3, 3, 3, 3]
WINDOWS = [(0, 200), (0, 50), (0, 60), (0, 50), (0, 80), (10, 20), (0, 100)]


def write_instance(folder: Path, name: str, *, windows: bool) -> Path:
    lines = [
        f"NAME : {name}",
        f"TYPE : {'CVRPTW' if windows else 'CVRP'}",
        f"DIMENSION : {len(COORDS)}",
        "EDGE_WEIGHT_TYPE : EUC_2D",
        "CAPACITY : 10",
    ]
    if windows:
        lines += ["VEHICLES : 3", "SERVICE_TIME : 2"]
    lines.append("NODE_COORD_SECTION")
    lines += [f"{i + 1} {x} {y}" for i, (x, y) in enumerate(COORDS)]
    lines.append("DEMAND_SECTION")
    lines += [f"{i + 1} {d}" for i, d in enumerate(DEMANDS)]
    if windows:
        lines.append("TIME_WINDOW_SECTION")
        lines += [f"{i + 1} {a} {b}" for i, (a, b) in enumerate(WINDOWS)]
    lines += ["DEPOT_SECTION", "1", "-1", "EOF"]
    path = folder / f"{name}.vrp"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def cvrp(tmp_path: Path) -> routing.Instance:
    path = write_instance(tmp_path, "T-n7-k2", windows=False)
    # The optimum (by enumerating every partition and order), to measure gaps against.
    path.with_suffix(".sol").write_text("Route #1: 1 5 6\nRoute #2: 2 3 4\nCost 56\n")
    return routing.load(path)


@pytest.fixture
def vrptw(tmp_path: Path) -> routing.Instance:
    return routing.load(write_instance(tmp_path, "T-n7", windows=True))


def test_the_checker_recomputes_the_cost_with_each_conventions_rounding(
    cvrp: routing.Instance, vrptw: routing.Instance
) -> None:
    """Same routes, two conventions: nint legs 5 + 5 + 9 + 5 and 5 + 5 + 17 + 7 = 58;
    DIMACS tenths 5.0 + 5.0 + 9.0 + 5.0 and 5.0 + 5.0 + 17.0 + 7.2 = 58.2."""
    routes = [[1, 2, 5], [3, 4, 6]]

    x = routing.check(cvrp, routes)
    tw = routing.check(vrptw, routes)

    assert cvrp.family == "X" and x.feasible and x.cost == 58
    assert vrptw.family == "solomon" and vrptw.scale == 10
    assert tw.cost == pytest.approx(58.2)
    assert tw.violations == ("route 1 reaches 5 at 23.0 > 20",)  # 5 + 2 + 5 + 2 + 9


def test_the_checker_rejects_broken_solutions(
    cvrp: routing.Instance, vrptw: routing.Instance
) -> None:
    """Twice, never, over capacity, an unknown node, too many vans, late, back too late."""
    twice = routing.check(cvrp, [[1, 2, 5], [3, 4, 6, 1]])
    never = routing.check(cvrp, [[1, 2], [3, 4, 6]])
    heavy = routing.check(cvrp, [[1, 2, 5, 6], [3, 4]])  # 4 + 3 + 3 + 3 = 13 > 10
    strange = routing.check(cvrp, [[1, 2, 5], [3, 4, 6, 9]])
    too_many = routing.check(vrptw, [[1], [2], [3], [4], [5, 6]])  # 5 routes, 3 vehicles
    late = routing.check(vrptw, [[2, 1, 5], [3, 4], [6]])  # 5 reached at 24.3 > 20
    windows = vrptw.data["time_window"].copy()
    windows[0] = (0, 25)  # the depot closes earlier: 0→5 (5.0, wait to 10) +2 →6 +2 →0
    early_close = replace(vrptw, data={**vrptw.data, "time_window": windows})
    back = routing.check(early_close, [[1, 2], [3, 4], [5, 6]])
    nothing = routing.check(cvrp, [])

    assert "visited more than once: [1]" in twice.violations
    assert any(v.startswith("never visited: [5]") for v in never.violations)
    assert any("carries 13 > 10" in v for v in heavy.violations)
    assert any("not customers: [9]" in v for v in strange.violations)
    assert "5 routes, 3 vehicles" in too_many.violations
    assert late.violations == ("route 1 reaches 5 at 24.3 > 20",)
    assert back.violations == ("route 3 is back at 27.9 > 25",)
    assert not nothing.feasible
    assert routing.check(vrptw, [[1, 2], [3, 4], [5, 6]]).feasible


def test_the_checker_reproduces_the_best_known_costs_of_the_real_instances() -> None:
    """X-n101-k25 = 27591 (nint), C101 = 827.3 and R201 = 1143.2 (DIMACS), from their .sol."""
    data = Settings().resolved_data_dir()
    names = ["cvrplib_x/X-n101-k25", "solomon/vrplib/C101", "solomon/vrplib/R201"]
    if not all((data / f"{n}.vrp").exists() for n in names):
        pytest.skip(f"CVRPLIB X and Solomon are not in {data}")
    import vrplib

    for name in names:
        instance = routing.load(data / f"{name}.vrp")
        solution = vrplib.read_solution(data / f"{name}.sol")
        found = routing.check(instance, solution["routes"])
        assert found.feasible and found.cost == pytest.approx(instance.bks)


def test_gap_to_the_best_known() -> None:
    assert routing.gap_pct(101.0, 100.0) == pytest.approx(1.0)
    assert routing.gap_pct(99.0, 100.0) == pytest.approx(-1.0)  # a new best is negative
    assert routing.gap_pct(None, 100.0) is None
    assert routing.gap_pct(100.0, None) is None


def test_aggregate_means_gaps_and_judges_the_targets() -> None:
    def run(gap: float | None) -> dict[str, object]:
        return {"gap_pct": gap, "feasible": gap is not None, "runtime_s": 1.0}

    rows = [
        {"family": "X", "solvers": {"baro": run(0.5), "pyvrp": run(0.5), "ortools": run(9.0)}},
        {"family": "X", "solvers": {"baro": run(1.0), "pyvrp": run(0.8), "ortools": run(None)}},
    ]

    summary = routing.aggregate(rows, routing.SOLVERS)["X"]

    assert summary["solvers"]["baro"]["mean_gap_pct"] == 0.75
    assert summary["solvers"]["ortools"] == {
        "instances": 2,
        "feasible": 1,
        "mean_gap_pct": None,  # one infeasible run: no mean that would flatter it
        "mean_runtime_s": 1.0,
    }
    assert summary["baro_meets_target"] and summary["baro_minus_pyvrp_gap_pct"] == 0.1
    assert "baro_below_ortools" not in summary


def test_a_tiny_instance_goes_through_all_three_solvers_and_the_checker(
    cvrp: routing.Instance, vrptw: routing.Instance
) -> None:
    result = routing.run([cvrp.path, vrptw.path], time_limit_s=0.3, seed=1)

    x, tw = result["instances"]
    for row in (x, tw):
        for solver in routing.SOLVERS:
            assert row["solvers"][solver]["feasible"], (row["instance"], solver)
    assert {x["solvers"][s]["cost"] for s in routing.SOLVERS} == {56.0}  # the optimum
    assert x["solvers"]["baro"]["gap_pct"] == 0.0
    assert result["ortools_setup"]["X"]["first_solution_strategy"] == "SAVINGS"
    assert result["aggregate"]["X"]["baro_minus_pyvrp_gap_pct"] == 0.0


def test_the_command_writes_json_and_prints_the_table(
    cvrp: routing.Instance, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "routing.json"

    options = ["--data-dir", str(tmp_path), "--time-limit", "0.2", "--json", str(out)]
    answer = CliRunner().invoke(app, ["bench", "routing", "--instances", "*.vrp", *options])

    assert answer.exit_code == 0, answer.output
    assert "T-n7-k2" in answer.output and "mean gap" in answer.output
    assert json.loads(out.read_text())["instances"][0]["instance"] == "T-n7-k2"
    missing = CliRunner().invoke(
        app, ["bench", "routing", "--instances", "nothing*.vrp", "--data-dir", str(tmp_path)]
    )
    assert missing.exit_code == 1


def test_baros_layer_hands_pyvrp_the_same_problem_as_pyvrps_own_reader(
    cvrp: routing.Instance, vrptw: routing.Instance
) -> None:
    """Same matrices, windows, service times and fleet as ``pyvrp.read``: whatever differs
    between baro and raw PyVRP in a timed run is the search's luck, not the layer. (With time
    windows PyVRP's reader also multiplies demands and capacity by 10; the same problem.)"""
    import pyvrp

    from baro.delivery.routing.dispatch import build_model

    for instance, rounding, demand_scale in ((cvrp, "round", 1), (vrptw, "dimacs", 10)):
        raw = pyvrp.read(instance.path, round_func=rounding)
        ours = build_model(routing.to_problem(instance)).data()
        assert np.array_equal(raw.distance_matrix(0), ours.distance_matrix(0))
        assert np.array_equal(raw.duration_matrix(0), ours.duration_matrix(0))
        for a, b in zip(raw.clients(), ours.clients(), strict=True):
            assert (a.tw_early, a.tw_late, a.service_duration, a.location) == (
                b.tw_early,
                b.tw_late,
                b.service_duration,
                b.location,
            )
            assert a.delivery[0] == b.delivery[0] * demand_scale
        (x,), (y,) = raw.vehicle_types(), ours.vehicle_types()
        assert (x.num_available, x.tw_early, x.tw_late) == (y.num_available, y.tw_early, y.tw_late)
        assert x.capacity[0] == y.capacity[0] * demand_scale
