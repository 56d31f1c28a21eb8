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


def test_lanes_make_going_against_a_street_dearer() -> None:
    floor = Floor.from_rows(["....", "...."])  # two streets: row 0 runs east, row 1 west
    cost = lanes(floor, with_lane=2, against=3)
    # Columns of two cells are no streets (shorter than an aisle): no way up or down.
    assert cost[0].tolist() == [2, 2, 3, 2]  # cell (0, 0): west is against row 0
    assert cost[5].tolist() == [3, 2, 2, 2]  # cell (1, 1): east is against row 1
    distances = GoalDistances(floor, cost)
    # to cell 3 (row 0, east end) from cell 0: three moves east with the lane
    assert _table(distances, 3)[0] == 6
    # to cell 0 from cell 3: three moves west against row 0 (3 + 3 + 3) are still cheaper
    # than down, west along row 1 and up (five moves with the lanes: 10); dearer lanes flip it
    assert _table(distances, 0)[3] == 3 + 3 + 3
    dear = GoalDistances(floor, lanes(floor, with_lane=2, against=4))
    assert _table(dear, 0)[3] == 2 + 2 + 2 + 2 + 2


def test_neighbouring_aisles_run_opposite_ways_across_a_row_of_shelves() -> None:
    # Rows 0 and 2 are aisles with a row of shelves between them (free cells one by one):
    # by their numbers both are even, but as streets they are the first and the second.
    floor = Floor.from_rows([".....", ".@.@.", "....."])
    cost = lanes(floor, with_lane=2, against=3)
    east, south, west, north = 0, 1, 2, 3
    assert cost[0, west] == 3 and cost[0, east] == 2  # row 0 runs east
    assert cost[10, east] == 3 and cost[10, west] == 2  # row 2 runs west
    assert cost[5, east] == cost[5, west] == 2  # the shelf row has no way
    # Columns 0, 2 and 4 are streets, alternately south, north, south; 1 and 3 are not.
    assert [cost[column, north] for column in (0, 2, 4)] == [3, 2, 3]
    assert [cost[column, south] for column in (0, 2, 4)] == [2, 3, 2]
    assert cost[1, north] == cost[1, south] == 2


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


def test_repriced_costs_reach_the_tables_made_longest_ago_first() -> None:
    floor = Floor.from_rows(["...."])
    distances = GoalDistances(floor, np.ones((4, 4), dtype=np.int32))
    distances.slots(np.array([0]))
    distances.slots(np.array([3]))
    dear = np.full((4, 4), 2, dtype=np.int32)
    distances.reprice(dear)
    assert _table(distances, 1) == [2, 0, 2, 4]  # made after: the new costs at once
    distances.refresh(1)  # the oldest: goal 0's
    assert _table(distances, 0) == [0, 2, 4, 6]
    assert _table(distances, 3) == [3, 2, 1, 0]  # not yet
    distances.refresh(1)
    assert _table(distances, 3) == [6, 4, 2, 0]
    assert distances.remade == 2
    distances.refresh(5)  # all made with the new costs: nothing to re-make
    distances.reprice(dear.copy())  # the same costs again
    distances.refresh(5)
    assert distances.remade == 2
    with pytest.raises(ValueError, match="positive cost"):
        distances.reprice(np.zeros((4, 4), dtype=np.int32))
