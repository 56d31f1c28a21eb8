"""Fleet planners: each timestep, one action per robot. Two, behind one Protocol.

``PlainPibt`` is the baseline the issue defines: priority = steps since the robot's last goal,
turn-aware moves, grid distances, no guidance. ``BaroPlanner`` adds what the 2023 League's
leaders found pays under congestion: lanes (the map's aisles take turns running one way and
the other, and going against an aisle's way costs more, up to eight moves on a crowded
floor, so opposite flows use neighbouring aisles instead of meeting head-on), distances that
count turns, a penalty for moving toward a robot that faces us, a penalty that grows
while the way ahead stays blocked, so a stuck robot turns and goes round, and jams priced
into the distances: entering a cell where robots have lately stood blocked costs more, so
the robots still on their way come round a jam instead of queueing into it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from baro.fulfillment.robots.distances import DEFAULT_BUDGET_BYTES, GoalDistances
from baro.fulfillment.robots.floor import EAST, NORTH, SOUTH, WEST, Floor
from baro.fulfillment.robots.pibt import GUIDED, PLAIN, plan_step, priority_order

MIN_STREET = 3  # free cells in a row that make an aisle rather than a gap between shelves
# Robots per free cell from which aisles become nearly one-way (see ``BaroPlanner``), and the
# cost of a move against a lane, in moves, below and from it.
CROWDED = 0.12
TWO_WAY, ONE_WAY = 1.5, 8


class FleetPlanner(Protocol):
    """Plans one timestep at a time; ``setup`` may precompute (timed apart by the bench)."""

    name: str

    def setup(
        self, floor: Floor, locations: npt.NDArray[np.int64], goals: npt.NDArray[np.int64]
    ) -> None: ...

    def plan(
        self,
        locations: npt.NDArray[np.int64],
        orientations: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.int8]: ...


class _Pibt:
    """The bookkeeping both planners share: priorities, distance tables, scratch arrays."""

    name = "pibt"
    _policy = PLAIN

    def __init__(self, *, seed: int = 0, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self._seed = seed
        self._budget_bytes = budget_bytes

    def move_costs(self, floor: Floor, robots: int) -> npt.NDArray[np.int32]:
        """The cost of each (cell, direction) move that the distances are made of."""
        return np.ones((floor.cells, 4), dtype=np.int32)

    def _turn_cost(self) -> int:
        return 1

    def _penalties(self) -> tuple[int, int]:
        return 0, 0

    def setup(
        self, floor: Floor, locations: npt.NDArray[np.int64], goals: npt.NDArray[np.int64]
    ) -> None:
        robots = locations.size
        rng = np.random.default_rng(self._seed)
        self._floor = floor
        self._move = self.move_costs(floor, robots)
        self._distances = GoalDistances(floor, self._move, self._budget_bytes)
        self._tie_break = rng.random(robots)
        self._coins = rng.integers(0, 8, robots, dtype=np.int64)
        self._rng = rng
        self._waiting = np.zeros(robots, dtype=np.float64)
        self._blocked = np.zeros(robots, dtype=np.int64)
        self._last_goals = goals.copy()
        self._occupant = np.full(floor.cells, -1, dtype=np.int64)
        self._reserved = np.full(floor.cells, -1, dtype=np.int64)
        self._distances.slots(goals)  # the first errands' tables, made before the clock starts

    def plan(
        self,
        locations: npt.NDArray[np.int64],
        orientations: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.int8]:
        new_goal = goals != self._last_goals
        self._waiting[new_goal] = 0
        self._blocked[new_goal] = 0
        self._last_goals = goals.copy()
        slots = self._distances.slots(goals)
        head_on, blocked = self._penalties()
        actions: npt.NDArray[np.int8] = plan_step(
            self._policy,
            priority_order(self._waiting, self._tie_break),
            locations.astype(np.int64, copy=False),
            orientations.astype(np.int64, copy=False),
            slots,
            self._distances.tables,
            self._distances.compact,
            self._distances.neighbour,
            self._distances.move_cost,
            self._turn_cost(),
            head_on,
            blocked,
            self._blocked,
            self._coins,
            self._occupant,
            self._reserved,
        )
        self._waiting += 1
        # Fresh coins each step: a robot that lost a tie one step may win it the next.
        self._coins = self._rng.integers(0, 8, locations.size, dtype=np.int64)
        return actions


class PlainPibt(_Pibt):
    """The baseline: PIBT with grid distances and turn-aware moves, no guidance."""

    name = "plain_pibt"
    _policy = PLAIN


class BaroPlanner(_Pibt):
    """PIBT steered by lanes, turn-counting distances and congestion penalties.

    Costs are in half-steps: with the lane ``lane_cost`` (2 = one move), against it
    ``against_cost``; a quarter turn ``turn_cost``. By default going against a lane costs
    1.5 moves on a floor with fewer robots than ``CROWDED`` of its free cells, and eight
    moves (nearly one-way aisles) on a floor as crowded or more: one-way aisles make robots
    drive round, which pays only where opposite flows would otherwise meet. Measured on
    2,000-step runs of the League's example and test-round problems (warehouse_large and
    sortation_large): at 3–9 % of the cells robots, 1.5 moves did 1–13 % better than eight;
    at 15–21 %, 1.5 moves let the floor clog as it filled (sortation's rate fell to a fifth)
    while from four moves on it kept flowing (eight did 1–2 % better than four).

    Entering a cell costs up to ``jam_cost`` more, in proportion to the share of the last
    ``jam_horizon`` or so steps that a robot stood on it blocked (``Jams``); the distance
    tables follow, ``tables_per_step`` re-made each step. On the 8,000-robot floors this kept
    warehouse_large from clogging late in the run (docs/robots.md has the numbers).
    """

    name = "baro"
    _policy = GUIDED

    def __init__(
        self,
        *,
        lane_cost: int = 2,
        against_cost: int | None = None,
        turn_cost: int = 4,
        head_on_penalty: int = 6,
        blocked_penalty: int = 1,
        jam_cost: int = 16,
        jam_horizon: int = 200,
        tables_per_step: int = 20,
        seed: int = 0,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
    ) -> None:
        if against_cost is not None and against_cost < lane_cost:
            raise ValueError("going against a lane cannot cost less than with it")
        if lane_cost < 1 or turn_cost < 0:
            raise ValueError("costs: lane_cost >= 1, turn_cost >= 0")
        if head_on_penalty < 0 or blocked_penalty < 0 or jam_cost < 0:
            raise ValueError("penalties cannot be negative")
        if jam_horizon < 1 or tables_per_step < 1:
            raise ValueError("jam_horizon and tables_per_step: at least 1")
        super().__init__(seed=seed, budget_bytes=budget_bytes)
        self.lane_cost, self.against_cost, self.turn_cost = lane_cost, against_cost, turn_cost
        self.head_on_penalty, self.blocked_penalty = head_on_penalty, blocked_penalty
        self.jam_cost, self.jam_horizon = jam_cost, jam_horizon
        self.tables_per_step = tables_per_step

    def setup(
        self, floor: Floor, locations: npt.NDArray[np.int64], goals: npt.NDArray[np.int64]
    ) -> None:
        super().setup(floor, locations, goals)
        self._jams = Jams(floor, self.jam_horizon)

    def plan(
        self,
        locations: npt.NDArray[np.int64],
        orientations: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.int8]:
        if self.jam_cost:
            self._reprice_by_jams(locations)
        return super().plan(locations, orientations, goals)

    def _reprice_by_jams(self, locations: npt.NDArray[np.int64]) -> None:
        """Lanes plus what entering each cell costs now that robots jam there; the tables follow
        ``tables_per_step`` at a time, those made longest ago first."""
        # Read before ``plan`` clears it for robots with a new errand: who waited last step.
        self._jams.observe(locations[self._blocked > 0])
        self._distances.reprice(self._move + self._jams.entry_costs(self.jam_cost))
        self._distances.refresh(self.tables_per_step)

    def move_costs(self, floor: Floor, robots: int) -> npt.NDArray[np.int32]:
        against = self.against_cost
        if against is None:
            crowded = robots >= CROWDED * floor.free.sum()
            against = round(self.lane_cost * (ONE_WAY if crowded else TWO_WAY))
        return lanes(floor, self.lane_cost, against)

    def _turn_cost(self) -> int:
        return self.turn_cost

    def _penalties(self) -> tuple[int, int]:
        return self.head_on_penalty, self.blocked_penalty


class Jams:
    """Where robots stand blocked: per cell, the share of recent steps that a robot stood on it
    waiting for the move it wanted (an exponential moving average over about ``horizon``
    steps), and what entering each cell should cost for it."""

    def __init__(self, floor: Floor, horizon: int) -> None:
        self.share = np.zeros(floor.cells, dtype=np.float64)
        self._decay = 1.0 / horizon
        self._entered = np.maximum(floor.neighbour, 0)  # the cell each (cell, direction) enters
        self._real_move = floor.neighbour >= 0

    def observe(self, blocked_cells: npt.NDArray[np.int64]) -> None:
        """One step: ``blocked_cells`` held a robot waiting for its move."""
        self.share *= 1.0 - self._decay
        np.add.at(self.share, blocked_cells, self._decay)

    def entry_costs(self, cost: int) -> npt.NDArray[np.int32]:
        """Per (cell, direction) move: up to ``cost`` more for entering a cell always jammed."""
        extra = np.rint(cost * self.share).astype(np.int32)
        return np.where(self._real_move, extra[self._entered], 0).astype(np.int32)


def lanes(
    floor: Floor, with_lane: int, against: int, *, min_street: int = MIN_STREET
) -> npt.NDArray[np.int32]:
    """Cost of each (cell, direction) move. The map's streets take turns, in the order they
    come, running east and west (rows) and south and north (columns), so that neighbouring
    streets carry opposite flows; a move against its street's way costs ``against``, any
    other ``with_lane``. A street is a row (column) most of whose free cells lie in runs of
    at least ``min_street``: an aisle, or a row of open floor. The rows of shelves between
    aisles (free cells one by one between obstacles) are not streets and have no way, so
    the aisles on either side of them still alternate: the way comes from the map's shape,
    not from a row's number, which on the League's maps puts every aisle the same way."""
    free = floor.free.reshape(floor.height, floor.width)
    row_way = _alternate(_streets(free, min_street), EAST, WEST)
    column_way = _alternate(_streets(free.T, min_street), SOUTH, NORTH)
    cell = np.arange(floor.cells)
    cost = np.full((floor.cells, 4), with_lane, dtype=np.int32)
    for way in (row_way[cell // floor.width], column_way[cell % floor.width]):
        on_street = way >= 0
        cost[cell[on_street], (way[on_street] + 2) % 4] = against
    return cost


def _streets(free: npt.NDArray[np.bool_], min_street: int) -> npt.NDArray[np.bool_]:
    """Per row of ``free``: do runs of at least ``min_street`` free cells hold most of its
    free cells?"""
    padded = np.zeros((free.shape[0], free.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = free
    edges = np.diff(padded, axis=1)
    start_rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # row-major: the i-th end closes the i-th start
    length = ends - starts
    in_long_runs = np.zeros(free.shape[0], dtype=np.int64)
    long = length >= min_street
    np.add.at(in_long_runs, start_rows[long], length[long])
    free_cells = free.sum(axis=1)
    streets: npt.NDArray[np.bool_] = (free_cells > 0) & (2 * in_long_runs >= free_cells)
    return streets


def _alternate(streets: npt.NDArray[np.bool_], first: int, second: int) -> npt.NDArray[np.int64]:
    """The way of each line: the streets alternately ``first`` and ``second``, others -1."""
    turn = np.cumsum(streets) - 1
    return np.where(streets, np.where(turn % 2 == 0, first, second), -1).astype(np.int64)
