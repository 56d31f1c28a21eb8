"""One-shot MAPF without turning: the solvers reach every goal, and the referee judges each
step they plan."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest

from baro.fulfillment.robots import (
    MOVE_WAIT,
    Floor,
    OneShotLacam,
    OneShotPibt,
    check_moves,
    run_one_shot,
)

SOLVERS = [OneShotPibt, OneShotLacam]


@pytest.fixture(autouse=True, scope="module")
def _compiled() -> None:
    """Numba compiles the step kernel on first use: not inside a test's time limit."""
    for make in SOLVERS:
        run_one_shot(Floor.from_rows([".."]), [0], [1], make())


# Moves: 0 east, 1 south, 2 west, 3 north, MOVE_WAIT.
EAST, SOUTH, WEST, NORTH = 0, 1, 2, 3


@pytest.mark.parametrize("make", SOLVERS)
def test_robots_in_a_line_follow_each_other_at_the_optimal_sum_of_costs(make: type) -> None:
    # given a corridor: robot 0 from cell 0 to 3 and robot 1 from 1 to 4, one behind the other
    floor = Floor.from_rows(["....."])

    result = run_one_shot(floor, [0, 1], [3, 4], make(), time_limit=30)

    # then both walk east together (a robot may enter the cell its leader leaves): 3 + 3
    assert result.solved
    assert result.sum_of_costs == 6 == result.lower_bound
    assert result.steps == 3
    assert result.collisions == 0 and result.illegal == 0


def test_lacam_solves_a_junction_where_one_robot_must_wait_and_pibt_alone_cannot() -> None:
    # given a T: robot 0 goes 0 -> 2 along the top, robot 1 comes up from cell 4 to cell 0;
    # robot 0 must pass the junction (cell 1) first, so the optimal sum of costs is 2 + 3 = 5
    floor = Floor.from_rows(["...", "@.@"])

    lacam = run_one_shot(floor, [0, 4], [2, 0], OneShotLacam(), time_limit=30)

    assert lacam.solved and lacam.collisions == 0 and lacam.illegal == 0
    assert lacam.lower_bound == 4
    assert lacam.sum_of_costs is not None and lacam.sum_of_costs >= 5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pibt_alone_livelocks_where_two_robots_must_change_places_in_an_aisle(seed: int) -> None:
    # given an aisle (row 1) with side pockets only at its ends: robot 0 at column 1 must get to
    # column 5 and robot 1 at column 3 to column 1, so one must wait in a pocket while the
    # other passes; PIBT alone pushes each off its goal in turn for ever
    floor = Floor.from_rows([".@@@@@.", ".......", ".@@@@@."])
    starts, goals = [8, 10], [12, 8]

    pibt = run_one_shot(floor, starts, goals, OneShotPibt(seed=seed), time_limit=0.5)
    lacam = run_one_shot(floor, starts, goals, OneShotLacam(seed=seed), time_limit=30)

    assert not pibt.solved and pibt.sum_of_costs is None and pibt.steps > 100
    assert pibt.collisions == 0 and pibt.illegal == 0
    assert lacam.solved and lacam.collisions == 0 and lacam.illegal == 0
    # robot 0 must step out to column 0 and back before going east: at least 2 + 4 + 2 more
    assert lacam.sum_of_costs is not None and lacam.sum_of_costs >= lacam.lower_bound + 4


@pytest.mark.parametrize("seed", range(5))
def test_the_robot_with_further_to_go_passes_a_crossing_first(seed: int) -> None:
    # given a crossing (cell 4): robot 0 comes from the west (3) for the east (5), two moves;
    # robot 1 from the north (1) for the far south (10), three moves; both want cell 4 first
    floor = Floor.from_rows(["@.@", "...", "@.@", "@.@"])

    result = run_one_shot(floor, [3, 1], [5, 10], OneShotPibt(seed=seed))

    # then robot 1 goes first and robot 0 follows it in: all there in 3 steps, not 4
    assert result.solved and result.steps == 3 and result.sum_of_costs == 6


def test_lacam_gives_up_when_its_memory_budget_is_spent() -> None:
    # 2,000 bytes hold 4 search nodes, and any plan here takes robot 0 at least 4 steps (5 nodes)
    floor = Floor.from_rows([".@@@@@.", ".......", ".@@@@@."])
    result = run_one_shot(floor, [8, 10], [12, 8], OneShotLacam(budget_bytes=2_000))
    assert not result.solved and result.steps == 0 and result.collisions == 0


def test_robots_already_on_their_goals_cost_nothing() -> None:
    floor = Floor.from_rows(["..", ".."])
    result = run_one_shot(floor, [0, 3], [0, 3], OneShotLacam())
    assert result.solved and result.steps == 0 and result.sum_of_costs == 0


@pytest.mark.parametrize(
    ("starts", "goals", "message"),
    [
        ([0, 0], [1, 2], "share a start"),
        ([0, 1], [2, 2], "share a goal"),
        ([0], [5], "off the floor or blocked"),
        ([0], [3], "off the floor or blocked"),  # cell 3 is the wall
    ],
)
def test_bad_starts_and_goals_are_refused(
    starts: list[int], goals: list[int], message: str
) -> None:
    floor = Floor.from_rows(["...@"])
    with pytest.raises(ValueError, match=message):
        run_one_shot(floor, starts, goals, OneShotLacam())


FREE = np.ones((2, 3), dtype=bool)


def test_the_referee_sees_a_swap_between_robots_that_do_not_turn() -> None:
    # robots on cells 0 and 1: one moves east while the other moves west
    check = check_moves(FREE, [0, 1], [EAST, WEST])
    assert check.edge_conflicts == 1 and not check.valid


def test_the_referee_sees_two_robots_moving_onto_one_cell() -> None:
    # cells 0 and 2 both move onto cell 1
    check = check_moves(FREE, [0, 2], [EAST, WEST])
    assert check.vertex_conflicts == 1 and "vertex conflict on cell 1" in check.problems[0]


def test_the_referee_refuses_moves_off_the_floor_and_unknown_moves() -> None:
    check = check_moves(FREE, [0, 1, 5], [NORTH, 7, MOVE_WAIT])
    assert check.illegal == 2 and check.collisions == 0
    assert check.locations.tolist() == [0, 1, 5]


def test_the_referee_passes_legal_moves_including_a_robot_following_another() -> None:
    check = check_moves(FREE, [0, 1, 4], [EAST, EAST, MOVE_WAIT])
    assert check.valid and check.locations.tolist() == [1, 2, 4]


class _Colliding:
    """A solver that plans robot 1 onto robot 0's cell, then the real goals."""

    name = "colliding"

    def configurations(
        self,
        floor: Floor,
        starts: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
        *,
        deadline: float,
    ) -> Iterator[npt.NDArray[np.int64]]:
        yield np.array([starts[0], starts[0]])
        yield goals


def test_a_run_counts_an_injected_collision_and_rejects_that_step() -> None:
    # given robots on cells 0 and 1 of a corridor, a plan whose first step puts both on cell 0
    floor = Floor.from_rows(["...."])

    result = run_one_shot(floor, [0, 1], [1, 2], _Colliding())

    assert result.collisions == 1 and result.rejected_steps == 1
    assert "vertex conflict on cell 0" in result.problems[0]
    assert result.steps == 2


def _warehouse(agents: int) -> tuple[Floor, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    from baro.datasets import DatasetMissing, load_mapf_map, load_mapf_scenario

    try:
        grid = load_mapf_map("warehouse-10-20-10-2-1")
        scenario = load_mapf_scenario("warehouse-10-20-10-2-1-random-1").head(agents)
    except DatasetMissing:
        pytest.skip("mapf_movingai is not in the data directory (BARO_DATA_DIR)")
    floor = Floor.from_grid(grid)
    starts = scenario["start_y"].to_numpy() * floor.width + scenario["start_x"].to_numpy()
    goals = scenario["goal_y"].to_numpy() * floor.width + scenario["goal_x"].to_numpy()
    return floor, starts.astype(np.int64), goals.astype(np.int64)


@pytest.mark.parametrize(("make", "agents"), [(OneShotPibt, 100), (OneShotLacam, 300)])
def test_a_real_warehouse_scenario_is_solved_without_collisions(make: type, agents: int) -> None:
    # PIBT alone gets there on the warehouse's one-wide aisles only with the swap: without
    # it, 4 of these 100 robots were still pushing each other in turn after 20,000 steps
    floor, starts, goals = _warehouse(agents)
    started = time.perf_counter()

    result = run_one_shot(floor, starts, goals, make(), time_limit=60)

    assert result.solved, f"not solved in {time.perf_counter() - started:.1f} s"
    assert result.collisions == 0 and result.illegal == 0
    assert result.sum_of_costs is not None and result.sum_of_costs >= result.lower_bound
