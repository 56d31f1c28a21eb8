"""Distance-to-goal tables, one per goal cell, made when a robot is first sent there and kept
in a pool of bounded size.

Lifelong errands visit tens of thousands of cells, so a table for every cell up front would
take gigabytes; the robots' current goals are a few thousand at most, and pick stations recur,
so tables are made lazily (one Dijkstra from the goal each, compiled by Numba) and the least
recently used are overwritten when the pool is full. Costs are small integers per move and
direction (a lane's direction can be cheaper than going against it); a table holds the cost of
the cheapest way from every free cell to its goal, ``UNREACHABLE`` where there is none.

The costs may change during a run (``reprice``): tables made after that use the new costs at
once, and ``refresh`` re-makes the tables made longest ago a few at a time, so a step never
pays for re-making them all.
"""

# Numba compiles these kernels from the arguments it is given; annotations would add nothing.
# mypy: disable-error-code="no-untyped-def"

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from baro.fulfillment.robots.floor import Floor

UNREACHABLE = np.iinfo(np.uint16).max
DEFAULT_BUDGET_BYTES = 1 << 30


class GoalDistances:
    """Tables over a floor's free cells for a given cost per (cell, direction) move."""

    def __init__(
        self,
        floor: Floor,
        move_cost: npt.NDArray[np.int32],
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
    ) -> None:
        _check_costs(move_cost, floor.cells)
        self.neighbour = np.ascontiguousarray(floor.neighbour)
        self.move_cost = np.array(move_cost, dtype=np.int32, order="C")  # own copy: repriced
        self.cell_of = np.flatnonzero(floor.free).astype(np.int32)
        self.compact = np.full(floor.cells, -1, dtype=np.int32)
        self.compact[self.cell_of] = np.arange(self.cell_of.size, dtype=np.int32)
        row_bytes = 2 * self.cell_of.size
        self.capacity = max(1, min(budget_bytes // row_bytes, self.cell_of.size))
        # np.empty only reserves: pages are touched as tables are written.
        self.tables = np.empty((self.capacity, self.cell_of.size), dtype=np.uint16)
        self._goal_of_slot = np.full(self.capacity, -1, dtype=np.int64)
        self._slot_of_cell = np.full(floor.cells, -1, dtype=np.int32)
        self._last_used = np.zeros(self.capacity, dtype=np.int64)
        self._made_at = np.zeros(self.capacity, dtype=np.int64)
        # Which costs each table was made with: ``_prices`` counts the changes of cost.
        self._made_with = np.zeros(self.capacity, dtype=np.int64)
        self._prices = 0
        self._tick = 0
        self.made = 0
        self.remade = 0

    def slots(self, goals: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
        """The table slot of each goal (-1 for a negative goal: no errand), making the missing."""
        self._tick += 1
        has_goal = goals >= 0
        slot = np.full(goals.shape, -1, dtype=np.int32)
        slot[has_goal] = self._slot_of_cell[goals[has_goal]]
        missing = np.unique(goals[has_goal & (slot < 0)])
        if missing.size:
            in_use = np.zeros(self.capacity, dtype=np.bool_)
            in_use[slot[slot >= 0]] = True
            self._make(missing, in_use)
            slot[has_goal] = self._slot_of_cell[goals[has_goal]]
        self._last_used[slot[slot >= 0]] = self._tick
        return slot

    def _make(self, goals: npt.NDArray[np.int64], in_use: npt.NDArray[np.bool_]) -> None:
        never_used = self._goal_of_slot < 0
        # Empty slots first, then the least recently used; never one a robot is steering by now.
        rank = np.where(never_used, -1, self._last_used)
        rank = np.where(in_use, np.iinfo(np.int64).max, rank)
        chosen = np.argsort(rank, kind="stable")[: goals.size]
        if goals.size > chosen.size or in_use[chosen].any():
            raise MemoryError(
                f"{int(in_use.sum()) + goals.size} goals at once but room for {self.capacity} "
                "distance tables; raise the memory budget"
            )
        evicted = self._goal_of_slot[chosen]
        self._slot_of_cell[evicted[evicted >= 0]] = -1
        _fill_tables(
            self.tables,
            chosen.astype(np.int32),
            self.compact[goals],
            self.neighbour,
            self.move_cost,
            self.cell_of,
            self.compact,
        )
        self._goal_of_slot[chosen] = goals
        self._slot_of_cell[goals] = chosen
        self._made_at[chosen] = self._tick
        self._made_with[chosen] = self._prices
        self.made += goals.size

    def reprice(self, move_cost: npt.NDArray[np.int32]) -> None:
        """New costs per (cell, direction) move, for the tables made or refreshed from now on."""
        _check_costs(move_cost, self.move_cost.shape[0])
        if not np.array_equal(move_cost, self.move_cost):
            self.move_cost[:] = move_cost
            self._prices += 1

    def refresh(self, count: int) -> None:
        """Re-make, with the current costs, the ``count`` tables made longest ago of those made
        with other costs (none if the costs have not changed: nothing is re-made for nothing)."""
        stale = np.flatnonzero((self._goal_of_slot >= 0) & (self._made_with < self._prices))
        oldest = stale[np.argsort(self._made_at[stale], kind="stable")[:count]]
        if oldest.size == 0:
            return
        _fill_tables(
            self.tables,
            oldest.astype(np.int32),
            self.compact[self._goal_of_slot[oldest]],
            self.neighbour,
            self.move_cost,
            self.cell_of,
            self.compact,
        )
        self._made_at[oldest] = self._tick
        self._made_with[oldest] = self._prices
        self.remade += oldest.size


def _check_costs(move_cost: npt.NDArray[np.int32], cells: int) -> None:
    if move_cost.shape != (cells, 4) or move_cost.min() < 1:
        raise ValueError("one positive cost per cell and direction")


@njit(cache=True)
def _fill_tables(tables, slots, goal_compacts, neighbour, move_cost, cell_of, compact):
    """Dial's algorithm (Dijkstra with buckets: costs are small integers) backwards from each
    goal: a cell's cost is the cheapest move to a neighbour plus the neighbour's cost."""
    free_cells = cell_of.size
    widest = 0
    for cell in range(move_cost.shape[0]):
        for direction in range(4):
            widest = max(widest, move_cost[cell, direction])
    ring = widest + 1
    # A cell is settled once and then relaxes its 4 moves: at most 4 entries per cell.
    entry_node = np.empty(4 * free_cells + 1, dtype=np.int32)
    entry_next = np.empty(4 * free_cells + 1, dtype=np.int32)
    head = np.empty(ring, dtype=np.int32)
    for t in range(slots.size):
        table = tables[slots[t]]
        table[:] = 65535
        head[:] = -1
        start = goal_compacts[t]
        table[start] = 0
        entry_node[0] = start
        entry_next[0] = -1
        head[0] = 0
        entries = 1
        pending = 1
        cost = 0
        while pending > 0 and cost <= 65534:
            bucket = cost % ring
            entry = head[bucket]
            head[bucket] = -1
            while entry >= 0:
                node = entry_node[entry]
                entry = entry_next[entry]
                pending -= 1
                if table[node] != cost:
                    continue  # a stale entry: the node was reached cheaper
                cell = cell_of[node]
                for direction in range(4):
                    before = neighbour[cell, direction]
                    if before < 0:
                        continue
                    # Moving from `before` to `cell` faces the opposite way.
                    # Saturate below UNREACHABLE: only paths costing 65,534+ lose their order.
                    through = min(cost + move_cost[before, (direction + 2) % 4], 65534)
                    other = compact[before]
                    if through < table[other]:
                        table[other] = through
                        entry_node[entries] = other
                        entry_next[entries] = head[through % ring]
                        head[through % ring] = entries
                        entries += 1
                        pending += 1
            cost += 1
