"""Both planners on small floors whose way out is known: nobody collides, errands get done."""

from __future__ import annotations

import numpy as np
import pytest

from baro.fulfillment.robots import BaroPlanner, Fleet, FleetPlanner, Floor, PlainPibt, run_lifelong
from baro.fulfillment.robots.planners import Jams

PLANNERS = [PlainPibt, BaroPlanner]


def _run(rows: list[str], starts: list[int], tasks: list[int], planner: FleetPlanner, steps: int):  # type: ignore[no-untyped-def]
    fleet = Fleet(
        floor=Floor.from_rows(rows),
        starts=np.array(starts, dtype=np.int64),
        tasks=np.array(tasks, dtype=np.int64),
    )
    return run_lifelong(fleet, planner, steps)


@pytest.mark.parametrize("make", PLANNERS)
def test_two_robots_swap_ends_of_a_two_lane_corridor(make: type) -> None:
    # given a corridor two cells wide; robots at the two ends of its upper lane
    rows = ["@@@@@@@", ".......", ".......", "@@@@@@@"]
    # when each is sent to the other's end (and back, lifelong)
    result = _run(rows, starts=[7, 13], tasks=[13, 7], planner=make(), steps=80)
    # then they pass each other without a conflict, several times over
    assert result.collisions == 0 and result.illegal == 0
    assert result.finished >= 4


@pytest.mark.parametrize("make", PLANNERS)
def test_robots_round_a_ring_keep_going_without_collisions(make: type) -> None:
    # given seven robots on a ring of eight cells round a block, each sent three cells on
    rows = ["...", ".@.", "..."]
    ring = [0, 1, 2, 5, 8, 7, 6, 3]
    starts = ring[:7]
    tasks = [ring[(ring.index(cell) + 3) % 8] for cell in starts]
    result = _run(rows, starts=starts, tasks=tasks, planner=make(), steps=60)
    assert result.collisions == 0 and result.illegal == 0
    assert result.finished >= 7


@pytest.mark.parametrize("make", PLANNERS)
def test_a_robot_leaves_a_dead_end_that_another_must_enter(make: type) -> None:
    # given a dead end (column 3 below the corridor) with a robot at its bottom whose errand
    # is outside, and a robot outside whose errand is at that bottom
    rows = ["@@@@@@", "......", "@@@.@@", "@@@.@@"]
    bottom, left_end, right_end = 21, 6, 11
    result = _run(
        rows, starts=[bottom, right_end], tasks=[left_end, bottom], planner=make(), steps=60
    )
    assert result.collisions == 0 and result.illegal == 0
    assert result.finished >= 2


@pytest.mark.parametrize("make", PLANNERS)
def test_a_crowded_floor_never_collides(make: type) -> None:
    # given 30 robots on a 8x8 floor with shelves, and random errands (seeded)
    rows = [
        "........",
        ".@@..@@.",
        "........",
        ".@@..@@.",
        "........",
        ".@@..@@.",
        "........",
        "........",
    ]
    floor = Floor.from_rows(rows)
    free = np.flatnonzero(floor.free)
    rng = np.random.default_rng(3)
    starts = rng.choice(free, 30, replace=False).tolist()
    tasks = rng.choice(free, 300).tolist()
    result = _run(rows, starts=starts, tasks=tasks, planner=make(seed=1), steps=150)
    assert result.collisions == 0 and result.illegal == 0 and result.rejected_steps == 0
    assert result.finished >= 30


def test_baro_planner_checks_its_costs() -> None:
    with pytest.raises(ValueError, match="against a lane cannot cost less"):
        BaroPlanner(lane_cost=3, against_cost=2)
    with pytest.raises(ValueError, match="lane_cost >= 1"):
        BaroPlanner(lane_cost=0)


def test_aisles_become_nearly_one_way_only_on_a_crowded_floor() -> None:
    floor = Floor.from_rows(["....", "...."])  # 8 free cells; row 0 runs east
    planner = BaroPlanner()
    west = 2
    # 12 % of the cells is the line: below it a move against the lane costs 1.5 moves.
    assert planner.move_costs(floor, robots=0)[0, west] == 3
    assert planner.move_costs(floor, robots=1)[0, west] == 16  # 1 of 8 cells: crowded
    assert BaroPlanner(against_cost=5).move_costs(floor, robots=1)[0, west] == 5
    big = Floor.from_rows(["." * 50] * 2)  # 100 cells
    assert planner.move_costs(big, robots=11)[0, west] == 3
    assert planner.move_costs(big, robots=12)[0, west] == 16


@pytest.mark.parametrize("make", PLANNERS)
def test_a_real_warehouse_problem_runs_without_collisions(make: type) -> None:
    from baro.datasets import DatasetMissing, load_robot_runners_problem

    try:
        problem = load_robot_runners_problem("EI23-warehouse_small_50")
    except DatasetMissing:
        pytest.skip("robot_runners_2023 is not in the data directory (BARO_DATA_DIR)")
    result = run_lifelong(Fleet.from_problem(problem), make(), steps=100)
    assert result.collisions == 0 and result.illegal == 0
    assert result.finished >= 50


def test_a_cell_where_robots_stand_blocked_costs_more_to_enter() -> None:
    floor = Floor.from_rows(["...", "..."])
    jams = Jams(floor, horizon=4)
    for _ in range(40):
        jams.observe(np.array([1]))  # a robot always blocked on cell 1
    jams.observe(np.array([], dtype=np.int64))
    east, west = 0, 2
    costs = jams.entry_costs(8)
    assert costs[0, east] == costs[2, west] == 6  # into cell 1: 8 x its share (0.75)
    assert costs[1, east] == costs[1, west] == 0  # out of it: free
    assert jams.entry_costs(0).max() == 0


def test_baro_planner_checks_its_jam_settings() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        BaroPlanner(jam_cost=-1)
    with pytest.raises(ValueError, match="at least 1"):
        BaroPlanner(tables_per_step=0)
