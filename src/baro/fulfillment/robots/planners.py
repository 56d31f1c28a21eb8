"""Fleet planners: each timestep, one action per robot. Two, behind one Protocol.

``PlainPibt`` is the baseline the issue defines: priority = steps since the robot's last goal,
turn-aware moves, grid distances, no guidance. ``BaroPlanner`` adds what the 2023 League's
leaders found pays under congestion: lanes (every row and column has a preferred direction,
and going against it costs more, so opposite flows use different aisles instead of meeting
head-on), distances that count turns, a penalty for moving toward a robot that faces us, and
a penalty that grows while the way ahead stays blocked, so a stuck robot turns and goes round.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from baro.fulfillment.robots.distances import DEFAULT_BUDGET_BYTES, GoalDistances
from baro.fulfillment.robots.floor import Floor
from baro.fulfillment.robots.pibt import GUIDED, PLAIN, plan_step, priority_order


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

    def _move_cost(self, floor: Floor) -> npt.NDArray[np.int32]:
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
        self._move = self._move_cost(floor)
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
            self._move,
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

    Costs are in half-steps so a lane's surcharge can be half a move: with the lane
    ``lane_cost`` (2 = one move), against it ``against_cost``; a quarter turn ``turn_cost``.
    """

    name = "baro"
    _policy = GUIDED

    def __init__(
        self,
        *,
        lane_cost: int = 2,
        against_cost: int = 3,
        turn_cost: int = 4,
        head_on_penalty: int = 6,
        blocked_penalty: int = 1,
        seed: int = 0,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
    ) -> None:
        if not 1 <= lane_cost <= against_cost or turn_cost < 0:
            raise ValueError("costs: 1 <= lane_cost <= against_cost, turn_cost >= 0")
        if head_on_penalty < 0 or blocked_penalty < 0:
            raise ValueError("penalties cannot be negative")
        super().__init__(seed=seed, budget_bytes=budget_bytes)
        self.lane_cost, self.against_cost, self.turn_cost = lane_cost, against_cost, turn_cost
        self.head_on_penalty, self.blocked_penalty = head_on_penalty, blocked_penalty

    def _move_cost(self, floor: Floor) -> npt.NDArray[np.int32]:
        return lanes(floor, self.lane_cost, self.against_cost)

    def _turn_cost(self) -> int:
        return self.turn_cost

    def _penalties(self) -> tuple[int, int]:
        return self.head_on_penalty, self.blocked_penalty


def lanes(floor: Floor, with_lane: int, against: int) -> npt.NDArray[np.int32]:
    """Cost of each (cell, direction) move: even rows run east and odd rows west, even
    columns south and odd columns north; a move against its row's or column's way costs more."""
    cell = np.arange(floor.cells)
    row, column = cell // floor.width, cell % floor.width
    preferred_horizontal = np.where(row % 2 == 0, 0, 2)  # east, west
    preferred_vertical = np.where(column % 2 == 0, 1, 3)  # south, north
    cost = np.full((floor.cells, 4), against, dtype=np.int32)
    cost[cell, preferred_horizontal] = with_lane
    cost[cell, preferred_vertical] = with_lane
    return cost
