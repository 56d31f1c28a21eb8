"""The stock-moving MIP both planners share, solved by HiGHS (``highspy``).

Given nodes (a product at a facility, with its demand ``Curve`` and the value of a unit it
fills), stock per (product, facility) and the lanes stock may take, it chooses integer
transfers that maximise the value of expected fill less the cost of moving:

    maximise   sum_n value_n * sum_k slope_nk * s_nk  -  sum_(p,l) (cost_l + EPSILON) * t_pl
    subject to sum_k s_nk <= stock_n + inflow_n - outflow_n     (fill only from stock held)
               0 <= s_nk <= width_nk                            (segment k of node n's curve)
               outflow_(p,i) <= stock_(p,i)                     (a unit moves once: no chains)
               inflow_f - outflow_f <= room_f                   (capacity, all products)
               sum over lanes of ([to serves] - [from serves]) t <= budget room
               t_pl integer >= 0

Slopes fall along a curve (``demand.Curve``), so segments fill in order without binaries;
only the transfers are integers. The LP relaxation is solved first and kept when its
transfers are integral (the usual case); otherwise HiGHS's branch and bound finishes it.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections import defaultdict
from dataclasses import dataclass

import highspy
import numpy as np

from baro.intelligence.anticipate.demand import Curve

# A transfer that gains nothing must not happen: a free lane still costs this much per unit,
# far below any gain worth a move (one unit of value times a tail slope of 1e-5 is 1e-5).
EPSILON = 1e-7
# A relaxed transfer this close to an integer is that integer.
INTEGRAL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Node:
    product_id: str
    facility_id: str
    curve: Curve
    value: float  # minor units per unit of demand filled


@dataclass(frozen=True)
class Lane:
    from_facility: str
    to_facility: str
    cost_minor: int


@dataclass(frozen=True)
class Moves:
    """quantities: (product, from, to) -> units, positive only; status: HiGHS's word."""

    quantities: dict[tuple[str, str, str], int]
    status: str


def move_stock(
    nodes: list[Node],
    stock: dict[tuple[str, str], int],
    lanes: list[Lane],
    *,
    room: dict[str, int],
    budget: tuple[set[str], int] | None,
    time_limit_s: float,
) -> Moves:
    """room: facility -> units it may still take in, net (facilities not named: no limit).
    budget: (the facilities it counts, units they may still take in, net), or None."""
    into: dict[str, list[Lane]] = defaultdict(list)
    for lane in lanes:
        into[lane.to_facility].append(lane)
    node_at = {(n.product_id, n.facility_id) for n in nodes}

    cost: list[float] = []
    upper: list[float] = []
    integral: list[int] = []
    entries: list[tuple[int, int, float]] = []  # (row, column, coefficient)
    transfers: list[tuple[int, str, Lane]] = []  # (column, product, lane)
    out_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    rows_upper: list[float] = []

    def new_row(bound: float) -> int:
        rows_upper.append(bound)
        return len(rows_upper) - 1

    def new_column(c: float, u: float, is_integer: bool) -> int:
        cost.append(c)
        upper.append(u)
        integral.append(1 if is_integer else 0)
        return len(cost) - 1

    link: dict[tuple[str, str], int] = {}
    for node in nodes:
        key = (node.product_id, node.facility_id)
        row = link[key] = new_row(float(stock.get(key, 0)))
        slopes = node.curve.slopes()
        widths = np.diff(node.curve.breakpoints)
        for slope, width in zip(slopes, widths, strict=True):
            if slope <= 0:
                break
            entries.append((row, new_column(-node.value * slope, float(width), False), 1.0))
        for lane in into[node.facility_id]:
            held = stock.get((node.product_id, lane.from_facility), 0)
            if held <= 0:
                continue
            column = new_column(lane.cost_minor + EPSILON, float(held), True)
            transfers.append((column, node.product_id, lane))
            entries.append((row, column, -1.0))
            out_of[(node.product_id, lane.from_facility)].append(column)

    for key, columns in out_of.items():
        supply = new_row(float(stock.get(key, 0)))
        source_link = link.get(key) if key in node_at else None
        for column in columns:
            entries.append((supply, column, 1.0))
            if source_link is not None:
                entries.append((source_link, column, 1.0))

    # Capacity and budget rows count net inflow: +1 for a lane into, -1 for a lane out of.
    touching: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for column, _, lane in transfers:
        touching[lane.to_facility].append((column, 1.0))
        touching[lane.from_facility].append((column, -1.0))
    for facility, units in room.items():
        if touching[facility]:
            row = new_row(float(units))
            entries.extend((row, column, sign) for column, sign in touching[facility])
    if budget is not None:
        counted, units = budget
        row = new_row(float(units))
        for column, _, lane in transfers:
            sign = (lane.to_facility in counted) - (lane.from_facility in counted)
            if sign:
                entries.append((row, column, float(sign)))

    if not transfers:
        return Moves({}, "nothing to move")
    values = _solve(cost, upper, integral, rows_upper, entries, time_limit_s)
    quantities: dict[tuple[str, str, str], int] = {}
    for column, product_id, lane in transfers:
        units = round(float(values.solution[column]))
        if units > 0:
            quantities[(product_id, lane.from_facility, lane.to_facility)] = units
    return Moves(quantities, values.status)


@dataclass(frozen=True)
class _Solved:
    solution: np.ndarray
    status: str


def _solve(
    cost: list[float],
    upper: list[float],
    integral: list[int],
    rows_upper: list[float],
    entries: list[tuple[int, int, float]],
    time_limit_s: float,
) -> _Solved:
    triplets = np.array(entries, dtype=float).reshape(-1, 3)
    order = np.lexsort((triplets[:, 0], triplets[:, 1]))
    rows, columns, coefficients = triplets[order].T
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), len(rows_upper)
    lp.col_cost_ = np.array(cost)
    lp.col_lower_ = np.zeros(len(cost))
    lp.col_upper_ = np.array(upper)
    lp.row_lower_ = np.full(len(rows_upper), -highspy.kHighsInf)
    lp.row_upper_ = np.array(rows_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = len(cost), len(rows_upper)
    lp.a_matrix_.start_ = np.searchsorted(columns, np.arange(len(cost) + 1)).astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = coefficients
    # The relaxation first: with integer breakpoints, a network of lanes and one budget row,
    # its optimum is almost always integral already (on the 1,000-product synthetic problem,
    # all 6,000 transfers), and then branch and bound would only prove it, at 2 to 4 times
    # the time. Only a fractional answer goes on to the MIP.
    solved = _run(lp, time_limit_s)
    flags = np.array(integral, dtype=bool)
    if solved.solution[flags].size and np.all(
        np.abs(solved.solution[flags] - np.rint(solved.solution[flags])) <= INTEGRAL_TOLERANCE
    ):
        return solved
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in integral
    ]
    return _run(lp, time_limit_s)


def _quiet_highs() -> highspy.Highs:
    """A solver whose banner goes to stderr. HiGHS prints it from C++ to the process's
    stdout when the first instance is made, before any option can silence it; stdout is a
    program's output (a bench's JSON, a command's summary), so fd 1 points at stderr for the
    construction, and C's buffer is flushed before it is put back."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        return highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        ctypes.CDLL(None).fflush(None)
        os.dup2(saved, 1)
        os.close(saved)


def _run(lp: highspy.HighsLp, time_limit_s: float) -> _Solved:
    highs = _quiet_highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit_s))
    highs.setOptionValue("mip_rel_gap", 1e-6)
    highs.passModel(lp)
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    solution = np.array(highs.getSolution().col_value)
    if solution.size != lp.num_col_:
        # No solution at all (a time limit before the first one): move nothing.
        return _Solved(np.zeros(lp.num_col_), status)
    return _Solved(solution, status)
