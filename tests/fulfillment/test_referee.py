"""The referee catches every kind of illegal step and passes the legal ones."""

from __future__ import annotations

import numpy as np

from baro.fulfillment.robots import Referee, check_step

# 0 east, 1 south, 2 west, 3 north; actions 0 forward, 1 clockwise, 2 counter-clockwise, 3 wait
FREE = np.array(
    [
        [True, True, True],
        [True, False, True],
        [True, True, True],
    ]
)


def test_two_robots_entering_one_cell_is_a_vertex_conflict() -> None:
    # given robots on cells 0 (facing east) and 2 (facing west), both stepping onto cell 1
    check = check_step(FREE, [0, 2], [0, 2], [0, 0])
    assert check.vertex_conflicts == 1
    assert check.edge_conflicts == 0
    assert not check.valid
    assert "vertex conflict on cell 1" in check.problems[0]


def test_two_robots_swapping_cells_is_an_edge_conflict() -> None:
    # given robots on 0 facing east and 1 facing west: each moves onto the other's cell
    check = check_step(FREE, [0, 1], [0, 2], [0, 0])
    assert check.edge_conflicts == 1
    assert check.vertex_conflicts == 0
    assert check.collisions == 1


def test_moving_into_a_blocked_cell_or_off_the_floor_is_illegal() -> None:
    # cell 1 faces south into the blocked centre (4); cell 0 faces north off the floor
    check = check_step(FREE, [1, 0], [1, 3], [0, 0])
    assert check.illegal == 2
    assert check.locations.tolist() == [1, 0]  # judged where they stood


def test_moving_east_from_the_last_column_does_not_wrap_to_the_next_row() -> None:
    check = check_step(FREE, [2], [0], [0])
    assert check.illegal == 1


def test_an_unknown_action_is_illegal() -> None:
    assert check_step(FREE, [0], [0], [7]).illegal == 1


def test_turns_and_waits_keep_the_cell_and_turn_a_quarter() -> None:
    check = check_step(FREE, [0, 2, 6], [0, 0, 3], [1, 2, 3])
    assert check.valid
    assert check.locations.tolist() == [0, 2, 6]
    assert check.orientations.tolist() == [1, 3, 3]


def test_a_robot_following_another_into_its_vacated_cell_is_legal() -> None:
    # robot 0 on 0 and robot 1 on 1, both facing east: a train moving one cell
    check = check_step(FREE, [0, 1], [0, 0], [0, 0])
    assert check.valid
    assert check.locations.tolist() == [1, 2]


def test_a_ring_of_robots_turning_round_together_is_legal() -> None:
    # eight robots round the blocked centre, all moving clockwise at once
    ring = [0, 1, 2, 5, 8, 7, 6, 3]
    facing = [0, 0, 1, 1, 2, 2, 3, 3]
    check = check_step(FREE, ring, facing, [0] * 8)
    assert check.valid
    assert check.locations.tolist() == [1, 2, 5, 8, 7, 6, 3, 0]


def test_the_referee_adds_up_conflicts_over_steps() -> None:
    referee = Referee(FREE)
    referee.judge([0, 2], [0, 2], [0, 0])  # vertex conflict on 1
    referee.judge([0, 1], [0, 2], [0, 0])  # swap
    referee.judge([0], [0], [3])  # fine
    assert (referee.steps, referee.vertex_conflicts, referee.edge_conflicts) == (3, 1, 1)
    assert referee.collisions == 2
    assert referee.problems[0].startswith("step 0: vertex conflict")
