"""The floor's cells and moves, and errands handed out as the 2023 start-kit does."""

from __future__ import annotations

import numpy as np
import pytest

from baro.fulfillment.robots import NO_ERRAND, Errands, Floor


def test_floor_numbers_cells_row_by_row_and_knows_pods_and_stations() -> None:
    floor = Floor.from_rows(["E.S", ".@S"])
    assert floor.cells == 6
    assert floor.free.tolist() == [True, True, True, True, False, True]
    assert floor.pods.tolist() == [2, 5]
    assert floor.stations.tolist() == [0]
    # cell 1: east 2, south blocked, west 0, north off the floor
    assert floor.neighbour[1].tolist() == [2, -1, 0, -1]
    # cell 2 (last column): east does not wrap to cell 3
    assert floor.neighbour[2].tolist() == [-1, 5, 1, -1]


def test_floor_rejects_unknown_characters() -> None:
    with pytest.raises(ValueError, match="unknown cell"):
        Floor.from_rows(["..x"])


def test_roundrobin_gives_robot_k_errands_k_k_plus_n_and_wraps() -> None:
    errands = Errands(np.array([10, 11, 12, 13, 14]), robots=2, strategy="roundrobin")
    assert errands.goals.tolist() == [10, 11]
    errands.finish(np.array([True, False]))
    assert errands.goals.tolist() == [12, 11]
    errands.finish(np.array([True, True]))
    assert errands.goals.tolist() == [14, 13]
    errands.finish(np.array([True, False]))
    assert errands.goals.tolist() == [11, 13]  # task 6 of 5 wraps to index 1
    assert errands.finished == 4


def test_roundrobin_fixed_runs_dry_instead_of_wrapping() -> None:
    errands = Errands(np.array([10, 11, 12]), robots=2, strategy="roundrobin_fixed")
    errands.finish(np.array([True, True]))
    assert errands.goals.tolist() == [12, NO_ERRAND]
    errands.finish(np.array([False, True]))  # a robot with no errand finishes nothing
    assert errands.finished == 2


def test_greedy_hands_the_next_shared_errand_to_whoever_finishes() -> None:
    errands = Errands(np.array([10, 11, 12, 13]), robots=2, strategy="greedy")
    errands.finish(np.array([False, True]))
    assert errands.goals.tolist() == [10, 12]
    errands.finish(np.array([True, True]))
    assert errands.goals.tolist() == [13, NO_ERRAND]


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown task assignment"):
        Errands(np.array([1]), robots=1, strategy="auction")
