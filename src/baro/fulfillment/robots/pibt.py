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
    partner = np.full(robots, -1, dtype=np.int64)
    grid = (neighbour, slot, tables, compact)
    for rank in range(robots):
        root = order[rank]
        if target[root] < 0:
            _pibt(
                root,
                location,
                candidates,
                target,
                occupant,
                reserved,
                stack,
                tried,
                policy == ONE_SHOT,
                partner,
                grid,
            )
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
def _pibt(
    root, location, candidates, target, occupant, reserved, stack, tried, swaps, partner, grid
):
    """PIBT from ``root``: recursion unrolled onto ``stack``; ``tried[i]`` is i's next candidate.

    With ``swaps`` (robots that do not turn), a robot that must change places with another in
    an aisle first walks away from its goal, pulling the other along, to the nearest cell
    where the two can pass (LaCAM2's swap): ``partner[i]`` is the robot robot i pulls.
    """
    depth = 0
    stack[0] = root
    _begin(root, location, candidates, target, occupant, tried, swaps, partner, grid)
    outcome = 0  # of the robot just popped: 0 none yet, 1 placed, 2 failed
    while depth >= 0:
        i = stack[depth]
        if outcome == 1:
            # The robot in the way moved: so does this one, at its reserved cell.
            _pull(i, location, target, reserved, partner)
            depth -= 1
            continue
        if outcome == 2:
            tried[i] += 1  # the robot in the way could not move: this cell is out
            outcome = 0
        descended = False
        placed = False
        while tried[i] < 5:
            cell = _candidate(candidates, i, tried[i], partner[i] >= 0)
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
                _begin(other, location, candidates, target, occupant, tried, swaps, partner, grid)
                descended = True
            else:
                placed = True
            break
        if descended:
            continue
        if placed:
            _pull(i, location, target, reserved, partner)
            outcome = 1
        else:
            # No cell left: stay (a pusher's reservation of this cell is overridden).
            target[i] = location[i]
            reserved[location[i]] = i
            outcome = 2
        depth -= 1


@njit(cache=True)
def _begin(i, location, candidates, target, occupant, tried, swaps, partner, grid):
    """Robot i starts planning: from its best candidate, or (a swap) from its worst."""
    tried[i] = 0
    partner[i] = _swap_partner(i, location, candidates, target, occupant, grid) if swaps else -1


@njit(cache=True)
def _candidate(candidates, i, k, reverse):
    """Robot i's k-th candidate cell, best first (worst first if ``reverse``); -1 past the end."""
    if not reverse:
        return candidates[i, k]
    usable = 0
    while usable < 5 and candidates[i, usable] >= 0:
        usable += 1
    return candidates[i, usable - 1 - k] if k < usable else -1


@njit(cache=True)
def _pull(i, location, target, reserved, partner):
    """Robot i is placed: the robot it pulls takes the cell it leaves, if that is still free."""
    j = partner[i]
    here = location[i]
    if j >= 0 and target[j] < 0 and reserved[here] < 0 and target[i] != location[j]:
        target[j] = here
        reserved[here] = j


@njit(cache=True)
def _swap_partner(i, location, candidates, target, occupant, grid):
    """The robot robot i must change places with by a swap, or -1: the robot on its best cell,
    if the two face each other in an aisle and can pass further on; or a neighbour that robot i
    would otherwise push down an aisle it must come back up ("clearing", as LaCAM2 does)."""
    neighbour = grid[0]
    here, best = location[i], candidates[i, 0]
    if best < 0 or best == here:
        return -1
    j = occupant[best]
    if (
        j >= 0
        and target[j] < 0
        and _swap_required(i, j, here, best, occupant, grid)
        and _swap_possible(best, here, occupant, neighbour)
    ):
        return j
    for direction in range(4):
        cell = neighbour[here, direction]
        if cell < 0 or cell == best:
            continue
        k = occupant[cell]
        if k < 0:
            continue
        if _swap_required(k, i, here, best, occupant, grid) and _swap_possible(
            best, here, occupant, neighbour
        ):
            return k
    return -1


@njit(cache=True)
def _distance(robot, cell, grid):
    _, slot, tables, compact = grid
    return np.int64(tables[slot[robot], compact[cell]]) if slot[robot] >= 0 else 0


@njit(cache=True)
def _onward(pusher_cell, puller_cell, occupant, neighbour):
    """Where an aisle goes on from ``puller_cell``, entered from ``pusher_cell``: the number of
    ways on (dead ends with a robot in them do not count) and the last one seen."""
    ways = 0
    onward = -1
    for direction in range(4):
        cell = neighbour[puller_cell, direction]
        if cell < 0 or cell == pusher_cell:
            continue
        degree = 0
        for back in range(4):
            degree += neighbour[cell, back] >= 0
        if degree == 1 and occupant[cell] >= 0:
            continue
        ways += 1
        onward = cell
    return ways, onward


@njit(cache=True)
def _swap_required(pusher, puller, pusher_cell, puller_cell, occupant, grid):
    """Would pushing ``puller`` ahead of ``pusher`` (toward the pusher's goal) never let it
    step aside before the pusher arrives, while the puller wants to go the other way?"""
    neighbour = grid[0]
    if grid[1][pusher] < 0 or grid[1][puller] < 0:
        return False
    while _distance(pusher, puller_cell, grid) < _distance(pusher, pusher_cell, grid):
        ways, onward = _onward(pusher_cell, puller_cell, occupant, neighbour)
        if ways >= 2:
            return False  # a fork: the puller can step aside there
        if ways == 0:
            break
        pusher_cell, puller_cell = puller_cell, onward
    puller_wants_back = _distance(puller, pusher_cell, grid) < _distance(puller, puller_cell, grid)
    pusher_gains = _distance(pusher, pusher_cell, grid) == 0 or _distance(
        pusher, puller_cell, grid
    ) < _distance(pusher, pusher_cell, grid)
    return puller_wants_back and pusher_gains


@njit(cache=True)
def _swap_possible(pusher_origin, puller_origin, occupant, neighbour):
    """Going on from ``puller_origin`` away from ``pusher_origin``, is there a fork where two
    robots can pass each other before a dead end (or before coming round again)?"""
    pusher_cell, puller_cell = pusher_origin, puller_origin
    while puller_cell != pusher_origin:
        ways, onward = _onward(pusher_cell, puller_cell, occupant, neighbour)
        if ways >= 2:
            return True
        if ways == 0:
            return False
        pusher_cell, puller_cell = puller_cell, onward
    return False


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
