"""PIBT (Okumura et al., "Priority inheritance with backtracking for iterative multi-agent path
finding", AIJ 2022) for robots that turn, one timestep at a time.

Each step has three parts. (1) Every robot ranks its candidate cells (its four neighbours and
its own cell) by a policy's score. (2) PIBT over cells, in priority order: a robot takes its
best cell not yet reserved; if another robot stands there and has not planned, that robot
inherits the priority and must plan first (recursively, written here with an explicit stack);
if it cannot move, the first robot backtracks to its next cell. Swaps are never planned.
(3) Cells become actions: a robot facing its planned cell moves forward, any other turns
toward it and stays; so a robot moves forward only if the robot ahead of it really leaves
(a chain is followed to its end; a ring of robots all moving forward moves).

Why our own PIBT rather than a library: ``pymapf`` (PyPI: pure Python, a dict per agent,
one-shot, no turns) and the C++ PIBT/LaCAM codes (no maintained Python binding on PyPI) neither
plan lifelong errands nor model turning, and a Python loop per robot is far too slow for
10,000 robots. The step is compiled with Numba and costs O(robots) per timestep.

Policies: ``PLAIN`` (the baseline: grid distance to the goal, ties to the cell ahead, then by a
coin), ``ONE_SHOT`` (robots that do not turn, see ``plan_moves``) and ``GUIDED`` (baro's:
lane-weighted distances, turns counted as moves, one step of look-ahead for the turn after the
next move, a penalty for a cell held by a robot facing us, a penalty growing while the way
ahead stays blocked, and a robot that stays turns toward where it wants to go).
"""

# Numba compiles these kernels from the arguments it is given; annotations would add nothing.
# mypy: disable-error-code="no-untyped-def"

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

PLAIN, GUIDED, ONE_SHOT = 0, 1, 2
_FORWARD, _CLOCKWISE, _COUNTER_CLOCKWISE, _WAIT = 0, 1, 2, 3
_FAR = np.int64(1) << 40
_UNREACHABLE = 65535
_STAY = 4  # a robot's own cell among its candidates
_UNUSED_COSTS = np.ones((1, 4), dtype=np.int32)
# Robot states while cells become actions.
_UNKNOWN, _FOLLOWING, _MOVES, _STAYS = 0, 1, 2, 3


@njit(cache=True)
def _turns(frm, to):
    """Quarter turns from orientation ``frm`` to ``to`` (0, 1 or 2)."""
    diff = (to - frm) % 4
    return 2 if diff == 2 else diff % 2


@njit(cache=True)
def _toward(frm, to, coin):
    """The action that brings orientation ``frm`` closer to ``to`` (a coin picks a U-turn's way)."""
    diff = (to - frm) % 4
    if diff == 0:
        return _WAIT
    if diff == 1:
        return _CLOCKWISE
    if diff == 3:
        return _COUNTER_CLOCKWISE
    return _CLOCKWISE if coin & 1 else _COUNTER_CLOCKWISE


@njit(cache=True)
def plan_step(
    policy,
    order,
    location,
    orientation,
    slot,
    tables,
    compact,
    neighbour,
    move_cost,
    turn_cost,
    head_on_penalty,
    blocked_penalty,
    blocked_steps,
    coins,
    occupant,
    reserved,
):
    """The actions of one timestep for robots that turn.

    ``order``: robots from the highest priority down; ``slot[i]``: robot i's distance table
    (-1: no errand); ``occupant``, ``reserved``: scratch arrays over cells, all -1 (and left so);
    ``blocked_steps``: steps each robot's best move has been denied, updated here.
    """
    target, best_direction, _ = _plan_cells(
        policy,
        order,
        location,
        orientation,
        slot,
        tables,
        compact,
        neighbour,
        move_cost,
        turn_cost,
        head_on_penalty,
        blocked_penalty,
        blocked_steps,
        coins,
        occupant,
        reserved,
        np.full(location.size, -1, dtype=np.int64),
    )
    actions = _actions(
        policy,
        location,
        orientation,
        neighbour,
        target,
        occupant,
        best_direction,
        blocked_steps,
        coins,
    )
    _clear(location, target, occupant, reserved)
    return actions


@njit(cache=True)
def plan_moves(order, location, slot, tables, compact, neighbour, coins, occupant, reserved, fixed):
    """Each robot's cell after one timestep for robots that move to any neighbour without
    turning (MovingAI's 4-connected grids): PIBT's cells are the moves themselves.

    The ``ONE_SHOT`` policy ranks the cells: distance first, then (as LaCAM2 does) a cell no
    robot stands on, so a robot pushes others only when it gains by it; a robot on its goal
    that must make way steps into a free cell if it can. ``fixed[i] >= 0`` forces robot i's
    cell (LaCAM's constraints). Returns the cells and whether they are a valid step: False if
    the forced cells clash, or if PIBT had to leave a robot on a cell forced on another.
    Scratch arrays as for ``plan_step``.
    """
    robots = location.size
    target, _, valid = _plan_cells(
        ONE_SHOT,
        order,
        location,
        location,  # no orientations: the policy reads none
        slot,
        tables,
        compact,
        neighbour,
        _UNUSED_COSTS,  # the plain policy reads no move costs, turn cost, penalties…
        1,
        0,
        0,
        np.zeros(robots, dtype=np.int64),  # …nor blocked steps
        coins,
        occupant,
        reserved,
        fixed,
    )
    for i in range(robots):
        if reserved[target[i]] != i:
            valid = False  # two robots end on one cell: a forced robot's cell was overridden
    _clear(location, target, occupant, reserved)
    return target, valid


@njit(cache=True)
def _clear(location, target, occupant, reserved):
    """Leave the scratch arrays all -1 again."""
    for i in range(location.size):
        occupant[location[i]] = -1
        reserved[target[i]] = -1


@njit(cache=True)
def _plan_cells(
    policy,
    order,
    location,
    orientation,
    slot,
    tables,
    compact,
    neighbour,
    move_cost,
    turn_cost,
    head_on_penalty,
    blocked_penalty,
    blocked_steps,
    coins,
    occupant,
    reserved,
    fixed,
):
    """Rank every robot's cells, then PIBT in priority order: each robot's planned cell, the
    direction it ranked best (-1: staying) and whether the ``fixed`` cells (-1: free to plan)
    are a legal start: each the robot's own cell or a neighbour, none taken twice, no swap.
    ``occupant`` is left filled for ``_actions``."""
    robots = location.size
    for i in range(robots):
        occupant[location[i]] = i
    candidates = np.empty((robots, 5), dtype=np.int64)
    best_direction = np.full(robots, -1, dtype=np.int64)
    for i in range(robots):
        _rank(
            policy,
            i,
            location,
            orientation,
            slot,
            tables,
            compact,
            neighbour,
            move_cost,
            turn_cost,
            head_on_penalty,
            blocked_penalty,
            blocked_steps,
            coins,
            occupant,
            candidates,
            best_direction,
        )

    target = np.full(robots, -1, dtype=np.int64)
    valid = True
    for i in range(robots):
        cell = fixed[i]
        if cell < 0:
            continue
        adjacent = cell == location[i]
        for direction in range(4):
            adjacent = adjacent or neighbour[location[i], direction] == cell
        other = occupant[cell]
        swap = other >= 0 and other != i and fixed[other] == location[i]
        if not adjacent or reserved[cell] >= 0 or swap:
            valid = False
        target[i] = cell
        reserved[cell] = i
    stack = np.empty(robots, dtype=np.int64)
    tried = np.zeros(robots, dtype=np.int64)
    for rank in range(robots):
        root = order[rank]
        if target[root] < 0:
            _pibt(root, location, candidates, target, occupant, reserved, stack, tried)
    return target, best_direction, valid


@njit(cache=True)
def _rank(
    policy,
    i,
    location,
    orientation,
    slot,
    tables,
    compact,
    neighbour,
    move_cost,
    turn_cost,
    head_on_penalty,
    blocked_penalty,
    blocked_steps,
    coins,
    occupant,
    candidates,
    best_direction,
):
    """Fill ``candidates[i]`` with robot i's cells, best first (-1 pads the unusable)."""
    here, facing = location[i], orientation[i]
    s = slot[i]
    scores = np.full(5, _FAR, dtype=np.int64)
    cells = np.full(5, -1, dtype=np.int64)
    cells[_STAY] = here
    if s < 0 or tables[s, compact[here]] == 0:
        scores[_STAY] = 0  # no errand, or on its goal: stay unless pushed
        for direction in range(4):
            cell = neighbour[here, direction]
            if cell >= 0:
                cells[direction] = cell
                scores[direction] = 1 + ((coins[i] >> direction) & 7)
                if policy == ONE_SHOT and occupant[cell] >= 0:
                    scores[direction] += 8  # pushed off its goal: into a free cell if it can
    else:
        for direction in range(4):
            cell = neighbour[here, direction]
            if cell < 0:
                continue
            rest = np.int64(tables[s, compact[cell]])
            if rest >= _UNREACHABLE:
                continue
            cells[direction] = cell
            if policy == PLAIN:
                # Plain: distance first; ties to the cell ahead, then by the robot's coin.
                tie = 0 if direction == facing else 1 + ((coins[i] >> direction) & 3)
                scores[direction] = rest * 8 + tie
            elif policy == ONE_SHOT:
                # Distance first; ties to a cell no robot stands on, then by the coin.
                tie = (4 if occupant[cell] >= 0 else 0) + ((coins[i] >> direction) & 3)
                scores[direction] = rest * 8 + tie
            else:
                scores[direction] = _guided_score(
                    i,
                    here,
                    facing,
                    direction,
                    cell,
                    rest,
                    s,
                    tables,
                    compact,
                    neighbour,
                    move_cost,
                    turn_cost,
                    head_on_penalty,
                    blocked_penalty,
                    blocked_steps,
                    occupant,
                    orientation,
                )
        if policy != GUIDED:
            scores[_STAY] = np.int64(tables[s, compact[here]]) * 8
        else:
            # Waiting a step and then taking the best move.
            scores[_STAY] = scores[:4].min() + turn_cost
            if scores[_STAY] >= _FAR:
                scores[_STAY] = 0
    # Insertion sort of five: the cheapest first.
    order = np.arange(5)
    for a in range(1, 5):
        b = a
        while b > 0 and scores[order[b]] < scores[order[b - 1]]:
            order[b], order[b - 1] = order[b - 1], order[b]
            b -= 1
    for k in range(5):
        candidates[i, k] = cells[order[k]] if scores[order[k]] < _FAR else -1
    if order[0] != _STAY:
        best_direction[i] = order[0]


@njit(cache=True)
def _guided_score(
    i,
    here,
    facing,
    direction,
    cell,
    rest,
    s,
    tables,
    compact,
    neighbour,
    move_cost,
    turn_cost,
    head_on_penalty,
    blocked_penalty,
    blocked_steps,
    occupant,
    orientation,
):
    score = turn_cost * _turns(facing, direction) + move_cost[here, direction] + rest
    if rest > 0:
        # The turn the move after this one will need, if any.
        extra = _FAR
        for onward in range(4):
            after = neighbour[cell, onward]
            if after >= 0 and move_cost[cell, onward] + tables[s, compact[after]] == rest:
                extra = min(extra, turn_cost * _turns(direction, onward))
        if extra < _FAR:
            score += extra
    other = occupant[cell]
    if other >= 0 and orientation[other] == (direction + 2) % 4:
        score += head_on_penalty
    if direction == facing:
        score += blocked_penalty * blocked_steps[i]
    return score


@njit(cache=True)
def _pibt(root, location, candidates, target, occupant, reserved, stack, tried):
    """PIBT from ``root``: recursion unrolled onto ``stack``; ``tried[i]`` is i's next candidate."""
    depth = 0
    stack[0] = root
    tried[root] = 0
    outcome = 0  # of the robot just popped: 0 none yet, 1 placed, 2 failed
    while depth >= 0:
        i = stack[depth]
        if outcome == 1:
            depth -= 1  # the robot in the way moved: so does this one, at its reserved cell
            continue
        if outcome == 2:
            tried[i] += 1  # the robot in the way could not move: this cell is out
            outcome = 0
        descended = False
        placed = False
        while tried[i] < 5:
            cell = candidates[i, tried[i]]
            if cell < 0:
                break
            if reserved[cell] >= 0:
                tried[i] += 1
                continue
            other = occupant[cell]
            if other >= 0 and other != i and target[other] == location[i]:
                tried[i] += 1  # the two would swap cells
                continue
            target[i] = cell
            reserved[cell] = i
            if other >= 0 and other != i and target[other] < 0:
                depth += 1
                stack[depth] = other
                tried[other] = 0
                descended = True
            else:
                placed = True
            break
        if descended:
            continue
        if placed:
            outcome = 1
        else:
            # No cell left: stay (a pusher's reservation of this cell is overridden).
            target[i] = location[i]
            reserved[location[i]] = i
            outcome = 2
        depth -= 1


@njit(cache=True)
def _actions(
    policy,
    location,
    orientation,
    neighbour,
    target,
    occupant,
    best_direction,
    blocked_steps,
    coins,
):
    """Planned cells as actions: forward only when facing the cell and the robot there leaves."""
    robots = location.size
    actions = np.full(robots, _WAIT, dtype=np.int8)
    state = np.zeros(robots, dtype=np.int8)
    path = np.empty(robots, dtype=np.int64)
    for i in range(robots):
        if target[i] == location[i]:
            state[i] = _STAYS
        elif neighbour[location[i], orientation[i]] != target[i]:
            state[i] = _STAYS
            for direction in range(4):
                if neighbour[location[i], direction] == target[i]:
                    actions[i] = _toward(orientation[i], direction, coins[i])
    for i in range(robots):
        # Follow the robots ahead until one that stays, a free cell, or back to the start.
        length = 0
        robot = i
        while state[robot] == _UNKNOWN:
            state[robot] = _FOLLOWING
            path[length] = robot
            length += 1
            ahead = occupant[target[robot]]
            if ahead < 0:
                break
            robot = ahead
        outcome = _MOVES
        if length and occupant[target[path[length - 1]]] >= 0:
            last = state[occupant[target[path[length - 1]]]]
            outcome = _STAYS if last == _STAYS else _MOVES  # a ring (_FOLLOWING) moves
        for k in range(length):
            state[path[k]] = outcome
            if outcome == _MOVES:
                actions[path[k]] = _FORWARD
    for i in range(robots):
        if policy == 1 and target[i] == location[i] and best_direction[i] >= 0:
            # Staying anyway: turn toward the best way now, to be ready when it clears.
            actions[i] = _toward(orientation[i], best_direction[i], coins[i])
        if actions[i] != _WAIT:
            blocked_steps[i] = 0  # moving, or turning to a new way: not blocked on this one
        elif best_direction[i] >= 0:
            blocked_steps[i] += 1  # wanted to go and waits
    return actions


def priority_order(
    waiting: npt.NDArray[np.floating], tie_break: npt.NDArray[np.float64]
) -> npt.NDArray[np.intp]:
    """Robots by steps since their last goal, longest first; ``tie_break`` (in [0, 1)) breaks
    ties."""
    return np.argsort(-(waiting + tie_break), kind="stable")
