"""The referee: checks every step of a plan on its own, sharing no code with the planners.

It applies the 2023 start-kit's action model itself (forward one cell in the facing direction,
a quarter turn clockwise or counter-clockwise in place, or wait) from the free-cell mask alone
and counts what a plan must never do: a move off the floor or into a blocked cell, an unknown
action (``illegal``), two robots on one cell (``vertex_conflicts``: robots beyond the first on
a cell) and two robots swapping cells (``edge_conflicts``: pairs). It imports only NumPy, so a
planner's bug cannot hide behind a helper the referee shares with it.

Robots that do not turn (MovingAI's one-shot MAPF: a move to any of the four neighbours, or a
wait) are judged by ``check_moves``: a move east, south, west or north is judged as a robot
facing that way stepping forward, so both models meet the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

# Orientation o faces (row, column) delta _DELTA[o]: east, south, west, north.
_DELTA = np.array([(0, 1), (1, 0), (0, -1), (-1, 0)], dtype=np.int64)
_FORWARD, _CLOCKWISE, _COUNTER_CLOCKWISE, _WAIT = 0, 1, 2, 3
# A move of a robot that does not turn: 0 east, 1 south, 2 west, 3 north, or 4 stay.
MOVE_WAIT = 4
_UNKNOWN_ACTION = -1
_EXAMPLES_KEPT = 5


@dataclass(frozen=True, slots=True)
class StepCheck:
    """One step judged: the robots' next cells and orientations, and what was wrong."""

    locations: npt.NDArray[np.int64]
    orientations: npt.NDArray[np.int64]
    illegal: int
    vertex_conflicts: int
    edge_conflicts: int
    problems: tuple[str, ...]

    @property
    def collisions(self) -> int:
        return self.vertex_conflicts + self.edge_conflicts

    @property
    def valid(self) -> bool:
        return not (self.illegal or self.collisions)


def check_step(
    free: npt.NDArray[np.bool_],
    locations: npt.ArrayLike,
    orientations: npt.ArrayLike,
    actions: npt.ArrayLike,
) -> StepCheck:
    """Judge one step: ``free`` is the (height, width) mask, the rest one entry per robot."""
    height, width = free.shape
    location = np.asarray(locations, dtype=np.int64)
    orientation = np.asarray(orientations, dtype=np.int64)
    action = np.asarray(actions, dtype=np.int64)
    if not location.shape == orientation.shape == action.shape:
        raise ValueError("one location, orientation and action per robot")
    problems: list[str] = []

    known = (action >= _FORWARD) & (action <= _WAIT)
    forward = action == _FORWARD
    row = location // width + np.where(forward, _DELTA[orientation % 4, 0], 0)
    column = location % width + np.where(forward, _DELTA[orientation % 4, 1], 0)
    on_floor = (row >= 0) & (row < height) & (column >= 0) & (column < width)
    safe_row, safe_column = np.clip(row, 0, height - 1), np.clip(column, 0, width - 1)
    lands_free = on_floor & free[safe_row, safe_column]
    bad = ~known | ~lands_free
    for robot in np.flatnonzero(bad)[:_EXAMPLES_KEPT]:
        problems.append(f"robot {robot}: action {action[robot]} from cell {location[robot]}")
    # A robot whose action is illegal is judged where it stood.
    after = np.where(bad, location, safe_row * width + safe_column)
    turn = np.where(action == _CLOCKWISE, 1, np.where(action == _COUNTER_CLOCKWISE, 3, 0))
    next_orientation = (orientation + np.where(bad, 0, turn)) % 4

    cells, counts = np.unique(after, return_counts=True)
    vertex = int((counts - 1).sum())
    for cell in cells[counts > 1][:_EXAMPLES_KEPT]:
        robots = np.flatnonzero(after == cell)
        problems.append(f"vertex conflict on cell {cell}: robots {robots.tolist()}")

    edges = _swaps(location, after, width * height)
    for one, other in edges[:_EXAMPLES_KEPT]:
        problems.append(
            f"edge conflict: robots {one} and {other} swap cells "
            f"{location[one]} and {location[other]}"
        )
    return StepCheck(
        locations=after,
        orientations=next_orientation,
        illegal=int(bad.sum()),
        vertex_conflicts=vertex,
        edge_conflicts=len(edges),
        problems=tuple(problems),
    )


def check_moves(
    free: npt.NDArray[np.bool_], locations: npt.ArrayLike, moves: npt.ArrayLike
) -> StepCheck:
    """Judge one step of robots that do not turn: ``moves[i]`` is 0 east, 1 south, 2 west,
    3 north or ``MOVE_WAIT``; anything else is illegal."""
    move = np.asarray(moves, dtype=np.int64)
    steps = (move >= 0) & (move < MOVE_WAIT)
    action = np.where(steps, _FORWARD, np.where(move == MOVE_WAIT, _WAIT, _UNKNOWN_ACTION))
    return check_step(free, locations, np.where(steps, move, 0), action)


def _swaps(
    before: npt.NDArray[np.int64], after: npt.NDArray[np.int64], cells: int
) -> list[tuple[int, int]]:
    """Pairs of robots (each pair once) where one goes a -> b while the other goes b -> a."""
    moving = np.flatnonzero(before != after)
    if not moving.size:
        return []
    key = before[moving] * cells + after[moving]
    reverse = after[moving] * cells + before[moving]
    order = np.argsort(key)
    found = np.searchsorted(key[order], reverse)
    found = np.minimum(found, moving.size - 1)
    hit = key[order][found] == reverse
    pairs = []
    for index in np.flatnonzero(hit):
        one, other = int(moving[index]), int(moving[order[found[index]]])
        if one < other:
            pairs.append((one, other))
    return pairs


@dataclass(slots=True)
class Referee:
    """Judges a run step after step and keeps the totals and the first problems seen."""

    free: npt.NDArray[np.bool_]
    steps: int = 0
    illegal: int = 0
    vertex_conflicts: int = 0
    edge_conflicts: int = 0
    problems: list[str] = field(default_factory=list)

    def judge(
        self, locations: npt.ArrayLike, orientations: npt.ArrayLike, actions: npt.ArrayLike
    ) -> StepCheck:
        return self._count(check_step(self.free, locations, orientations, actions))

    def judge_moves(self, locations: npt.ArrayLike, moves: npt.ArrayLike) -> StepCheck:
        """One step of robots that do not turn (see ``check_moves``)."""
        return self._count(check_moves(self.free, locations, moves))

    def _count(self, check: StepCheck) -> StepCheck:
        if len(self.problems) < _EXAMPLES_KEPT:
            self.problems.extend(f"step {self.steps}: {p}" for p in check.problems)
        self.steps += 1
        self.illegal += check.illegal
        self.vertex_conflicts += check.vertex_conflicts
        self.edge_conflicts += check.edge_conflicts
        return check

    @property
    def collisions(self) -> int:
        return self.vertex_conflicts + self.edge_conflicts
