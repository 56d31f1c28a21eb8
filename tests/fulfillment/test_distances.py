"""Distance tables: exact costs to the goal, lanes, and a bounded pool."""

from __future__ import annotations

import numpy as np
import pytest

from baro.fulfillment.robots import Floor
from baro.fulfillment.robots.distances import UNREACHABLE, GoalDistances
from baro.fulfillment.robots.planners import lanes


def _table(distances: GoalDistances, goal: int) -> list[int]:
    slot = distances.slots(np.array([goal]))[0]
    return distances.tables[slot].tolist()


def test_unit_costs_give_grid_distances_around_obstacles() -> None:
    floor = Floor.from_rows(["...", ".@.", "..."])
    distances = GoalDistances(floor, np.ones((9, 4), dtype=np.int32))
    # free cells in order 0,1,2,3,5,6,7,8; goal cell 0
    assert _table(distances, 0) == [0, 1, 2, 1, 3, 2, 3, 4]


def test_a_cell_walled_off_is_unreachable() -> None:
    floor = Floor.from_rows([".@."])
    distances = GoalDistances(floor, np.ones((3, 4), dtype=np.int32))
    assert _table(distances, 0) == [0, UNREACHABLE]


def test_lanes_make_going_against_a_row_dearer() -> None:
    floor = Floor.from_rows(["....", "...."])  # row 0 runs east, row 1 west
    cost = lanes(floor, with_lane=2, against=3)
    assert cost[0].tolist() == [2, 2, 3, 3]  # cell (0, 0): east with, south with (even column)
    assert cost[5].tolist() == [3, 3, 2, 2]  # cell (1, 1): west with, north with (odd column)
    distances = GoalDistances(floor, cost)
    # to cell 3 (row 0, east end) from cell 0: three moves east with the lane
    assert _table(distances, 3)[0] == 6
    # to cell 0 from cell 3: west is against row 0, so down, west along row 1, up: 2+2+2+2+3
    assert _table(distances, 0)[3] == 3 + 3 + 3


def test_the_pool_reuses_the_least_recently_used_table() -> None:
    floor = Floor.from_rows(["...."])
    row_bytes = 2 * 4
    distances = GoalDistances(floor, np.ones((4, 4), dtype=np.int32), budget_bytes=2 * row_bytes)
    distances.slots(np.array([0]))
    distances.slots(np.array([3]))
    distances.slots(np.array([1]))  # evicts the table of goal 0
    assert distances.made == 3
    distances.slots(np.array([3]))  # still kept
    assert distances.made == 3
    assert _table(distances, 0) == [0, 1, 2, 3]
    assert distances.made == 4


def test_more_goals_at_once_than_the_pool_holds_is_an_error() -> None:
    floor = Floor.from_rows(["...."])
    distances = GoalDistances(floor, np.ones((4, 4), dtype=np.int32), budget_bytes=8)
    with pytest.raises(MemoryError, match="raise the memory budget"):
        distances.slots(np.array([0, 3]))
