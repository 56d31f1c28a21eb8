"""One-shot MAPF, as MovingAI's benchmark (Stern et al., SoCS 2019) poses it: each robot has
one goal, and the problem is solved at the first timestep every robot stands on its goal.

Robots here do not turn: a step moves a robot to one of its four neighbours or keeps it where
it is. Steps come from PIBT over cells (``pibt.plan_moves``, the kernel the lifelong planners
use) with the one-shot priorities of Okumura et al.: a robot's priority grows by one each step
it is off its goal and drops back when it arrives, so a robot pushed off its goal (one on its
goal still yields to one that must pass) soon outranks the robots in its way and returns.
``OneShotPibt`` takes those steps as they come; ``OneShotLacam`` searches over them (LaCAM),
which PIBT alone needs to be complete. The referee judges every step of the plan
(``Referee.judge_moves``); a rejected step is everyone waiting.

A robot's cost is the timestep after which it stood on its goal to the end; the sum of costs
(SoC) is reported with the sum of single-robot shortest distances, a lower bound of it.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from baro.fulfillment.robots.distances import DEFAULT_BUDGET_BYTES, GoalDistances
from baro.fulfillment.robots.floor import Floor
from baro.fulfillment.robots.pibt import plan_moves, priority_order
from baro.fulfillment.robots.referee import MOVE_WAIT, Referee

DEFAULT_SEARCH_BYTES = 2 << 30
_NODE_OVERHEAD_BYTES = 400  # the Python objects round a node's arrays, roughly


class OneShotSolver(Protocol):
    """Finds a one-shot plan: the robots' cells after each step, until all are on their goals
    (or the deadline, a ``time.perf_counter`` reading, passes: then it stops yielding)."""

    name: str

    def configurations(
        self,
        floor: Floor,
        starts: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
        *,
        deadline: float,
    ) -> Iterator[npt.NDArray[np.int64]]: ...


class _PibtSteps:
    """What both solvers need: the goals' distance tables and one PIBT step."""

    def __init__(
        self,
        floor: Floor,
        starts: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
        seed: int,
    ) -> None:
        self.goals = goals
        self.neighbour = np.ascontiguousarray(floor.neighbour)
        self.distances = GoalDistances(
            floor, np.ones((floor.cells, 4), dtype=np.int32), DEFAULT_BUDGET_BYTES
        )
        self.slots = self.distances.slots(goals)
        self.rng = np.random.default_rng(seed)
        # Among robots as long off their goals, the one with further to go first (LaCAM's
        # initial priorities); a coin only among equals. On the warehouses this lowered the
        # sum of costs by about 5 % against coins alone.
        start_distance = self.distances.tables[self.slots, self.distances.compact[starts]]
        share = start_distance.astype(np.float64) / (float(start_distance.max()) + 1)
        self.tie_break = 0.9 * share + 0.1 * self.rng.random(goals.size)
        self.no_constraints = np.full(goals.size, -1, dtype=np.int64)
        self._occupant = np.full(floor.cells, -1, dtype=np.int64)
        self._reserved = np.full(floor.cells, -1, dtype=np.int64)

    def step(
        self,
        locations: npt.NDArray[np.int64],
        order: npt.NDArray[np.integer],
        fixed: npt.NDArray[np.int64],
    ) -> tuple[npt.NDArray[np.int64], bool]:
        cells, valid = plan_moves(
            order,
            locations,
            self.slots,
            self.distances.tables,
            self.distances.compact,
            self.neighbour,
            self.rng.integers(0, 8, locations.size, dtype=np.int64),
            self._occupant,
            self._reserved,
            fixed,
        )
        return cells, bool(valid)

    def order(self, off_goal_steps: npt.NDArray[np.floating]) -> npt.NDArray[np.intp]:
        return priority_order(off_goal_steps, self.tie_break)


class OneShotPibt:
    """PIBT alone, step after step, with the one-shot priorities. Fast, but not complete:
    robots can still push each other off their goals in turn for ever (the swap removes the
    common case, two robots facing each other in a one-wide aisle; the tests keep a floor
    where it is not enough)."""

    name = "pibt"

    def __init__(self, *, seed: int = 0) -> None:
        self._seed = seed

    def configurations(
        self,
        floor: Floor,
        starts: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
        *,
        deadline: float,
    ) -> Iterator[npt.NDArray[np.int64]]:
        pibt = _PibtSteps(floor, starts, goals, self._seed)
        locations = starts
        off_goal_steps = np.zeros(starts.size, dtype=np.float64)
        while (locations != goals).any() and time.perf_counter() < deadline:
            off_goal_steps = np.where(locations == goals, 0.0, off_goal_steps + 1)
            cells, _ = pibt.step(locations, pibt.order(off_goal_steps), pibt.no_constraints)
            locations = cells
            yield locations


class OneShotLacam:
    """LaCAM (Okumura, "LaCAM: search-based algorithm for quick multi-agent pathfinding",
    AAAI 2023): a depth-first search over configurations whose successors PIBT generates under
    constraints, so a configuration already seen is never expanded again and the livelocks of
    PIBT alone are searched out of. Complete: given time, it finds a plan if there is one.

    Each search node keeps its configuration, its robots' priorities and a queue of
    constraints (the low-level search): the first is no constraint (plain PIBT); expanding a
    constraint of depth d adds one child per cell robot ``order[d]`` could take, so successive
    successors force ever more robots' next cells. Only the first plan found is returned
    (LaCAM, not LaCAM*: no refinement of its cost).
    """

    name = "lacam"

    def __init__(self, *, seed: int = 0, budget_bytes: int = DEFAULT_SEARCH_BYTES) -> None:
        self._seed = seed
        self._budget_bytes = budget_bytes

    def configurations(
        self,
        floor: Floor,
        starts: npt.NDArray[np.int64],
        goals: npt.NDArray[np.int64],
        *,
        deadline: float,
    ) -> Iterator[npt.NDArray[np.int64]]:
        """The plan found, or nothing if the deadline or the memory budget comes first."""
        pibt = _PibtSteps(floor, starts, goals, self._seed)
        # A node holds its cells, priorities and order: 12 bytes a robot, and a 16-byte key.
        most_nodes = self._budget_bytes // (12 * starts.size + 16 + _NODE_OVERHEAD_BYTES)
        goal_key = _key(goals)
        root = _Node(starts, None, np.zeros(starts.size, dtype=np.float32), pibt)
        explored = {root.key: root}
        frontier = [root]
        found = root if root.key == goal_key else None
        while frontier and found is None and len(explored) < most_nodes:
            if time.perf_counter() > deadline:
                break
            node = frontier[-1]
            if not node.constraints:
                frontier.pop()
                continue
            constraint = node.constraints.popleft()
            _branch(node, constraint, floor, pibt.rng)
            cells, valid = pibt.step(
                node.config.astype(np.int64), node.order, constraint.fixed(pibt.no_constraints)
            )
            if not valid:
                continue
            child = _Node(cells, node, node.off_goal_steps, pibt)
            if child.key in explored:
                continue  # seen: LaCAM looks for configurations it has not expanded yet
            explored[child.key] = child
            frontier.append(child)
            if child.key == goal_key:
                found = child
        path = []
        while found is not None and found.parent is not None:
            path.append(found.config.astype(np.int64))
            found = found.parent
        yield from reversed(path)


@dataclass(frozen=True, slots=True)
class _Constraint:
    """Robot ``robot`` moves to ``cell``, on top of ``parent``'s constraints (``depth`` in all)."""

    parent: _Constraint | None
    robot: int
    cell: int
    depth: int

    def fixed(self, unconstrained: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Each robot's forced cell, -1 where free: ``unconstrained`` (all -1) with these set."""
        if self.parent is None:
            return unconstrained
        fixed = unconstrained.copy()
        link: _Constraint | None = self
        while link is not None and link.parent is not None:
            fixed[link.robot] = link.cell
            link = link.parent
        return fixed


def _branch(node: _Node, constraint: _Constraint, floor: Floor, rng: np.random.Generator) -> None:
    """Queue the constraints one deeper: robot ``order[depth]`` forced to each of its cells."""
    if constraint.depth >= node.config.size:
        return
    robot = int(node.order[constraint.depth])
    here = int(node.config[robot])
    cells = [here, *(int(c) for c in floor.neighbour[here] if c >= 0)]
    rng.shuffle(cells)
    for cell in cells:
        node.constraints.append(_Constraint(constraint, robot, cell, constraint.depth + 1))


class _Node:
    """A configuration in LaCAM's search, with its priorities and its pending constraints
    (arrays kept narrow: a search holds a hundred thousand nodes or more)."""

    __slots__ = ("config", "constraints", "key", "off_goal_steps", "order", "parent")

    def __init__(
        self,
        config: npt.NDArray[np.int64],
        parent: _Node | None,
        parent_off_goal_steps: npt.NDArray[np.float32],
        pibt: _PibtSteps,
    ) -> None:
        self.config = config.astype(np.int32)
        self.parent = parent
        self.key = _key(self.config)
        at_goal = config == pibt.goals
        self.off_goal_steps = np.where(at_goal, 0, parent_off_goal_steps + 1).astype(np.float32)
        self.order = pibt.order(self.off_goal_steps).astype(np.int32)
        self.constraints: deque[_Constraint] = deque([_Constraint(None, -1, -1, 0)])


def _key(config: npt.NDArray[np.integer]) -> bytes:
    """A configuration's digest, so the explored set does not hold every configuration twice."""
    return hashlib.blake2b(config.astype(np.int32).tobytes(), digest_size=16).digest()


def _directions(
    floor: Floor, locations: npt.NDArray[np.int64], cells: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """The move from each location to its cell: 0 east … 3 north, ``MOVE_WAIT`` for the same
    cell, -1 for a cell that is not a neighbour (the referee calls that illegal)."""
    leads_there = floor.neighbour[locations] == cells[:, None]
    moves = np.where(leads_there.any(axis=1), leads_there.argmax(axis=1), -1)
    return np.where(cells == locations, MOVE_WAIT, moves)


@dataclass(frozen=True, slots=True)
class OneShotResult:
    """One one-shot run. ``steps``: the plan's length (the makespan when solved); ``seconds``
    the solver's and the referee's time; ``sum_of_costs`` is ``None`` unless solved;
    ``lower_bound`` the sum of the robots' shortest distances alone."""

    robots: int
    solved: bool
    steps: int
    sum_of_costs: int | None
    lower_bound: int
    at_goal: int
    seconds: float
    illegal: int
    collisions: int
    rejected_steps: int
    problems: tuple[str, ...]


def run_one_shot(
    floor: Floor,
    starts: npt.ArrayLike,
    goals: npt.ArrayLike,
    solver: OneShotSolver,
    *,
    time_limit: float = 60.0,
) -> OneShotResult:
    """Solve within ``time_limit`` seconds (the distance tables included) and judge every step
    of the plan; solved means every robot on its goal at the end of a plan the referee passed
    in full."""
    started = time.perf_counter()
    locations = np.asarray(starts, dtype=np.int64).copy()
    targets = np.asarray(goals, dtype=np.int64)
    _check_cells(floor, locations, "start")
    _check_cells(floor, targets, "goal")
    if locations.shape != targets.shape:
        raise ValueError("one goal per start")
    referee = Referee(floor.free.reshape(floor.height, floor.width))
    # The step from which each robot has stood on its goal (-1: not on it now).
    settled_since = np.where(locations == targets, 0, -1)
    steps = rejected = 0
    plan = solver.configurations(floor, locations, targets, deadline=started + time_limit)
    for cells in plan:
        check = referee.judge_moves(locations, _directions(floor, locations, cells))
        steps += 1
        if check.valid:
            locations = check.locations
        else:
            rejected += 1  # the plan broke a rule: nobody moves, and the plan goes on
        at_goal = locations == targets
        settled_since = np.where(at_goal, np.where(settled_since < 0, steps, settled_since), -1)
    seconds = time.perf_counter() - started
    solved = bool((settled_since >= 0).all())
    return OneShotResult(
        robots=int(locations.size),
        solved=solved,
        steps=steps,
        sum_of_costs=int(settled_since.sum()) if solved else None,
        lower_bound=_distance_sum(floor, np.asarray(starts, dtype=np.int64), targets),
        at_goal=int((settled_since >= 0).sum()),
        seconds=seconds,
        illegal=referee.illegal,
        collisions=referee.collisions,
        rejected_steps=rejected,
        problems=tuple(referee.problems),
    )


def _distance_sum(
    floor: Floor, locations: npt.NDArray[np.int64], goals: npt.NDArray[np.int64]
) -> int:
    """The robots' shortest distances to their goals, each alone on the floor, summed."""
    distances = GoalDistances(floor, np.ones((floor.cells, 4), dtype=np.int32))
    slots = distances.slots(goals)
    return int(distances.tables[slots, distances.compact[locations]].astype(np.int64).sum())


def _check_cells(floor: Floor, cells: npt.NDArray[np.int64], what: str) -> None:
    if cells.ndim != 1 or not cells.size:
        raise ValueError(f"{what}s: one cell per robot, at least one robot")
    if ((cells < 0) | (cells >= floor.cells)).any() or not floor.free[cells].all():
        raise ValueError(f"a {what} cell is off the floor or blocked")
    if np.unique(cells).size != cells.size:
        raise ValueError(f"two robots share a {what} cell")
