"""``baro simulate --fulfillment robots|manual``: the twin's fulfilment stage becomes the
simulated center (``center.py``, ``center_sim.py``) instead of the data set's sampled times.

The floor is simulated second by second for the busiest ``window_days`` of the replay
(every robot step planned and refereed), at the orders' real times: that run gives the
pick-to-ship times, the robots' utilisation and the congestion. The twin then draws each
replayed order's fulfilment from those simulated times (a representative peak, not every
day of the period: said in the report). The stations' rate is measured apart, with the same
window's orders released at once as a backlog, robots and manual side by side: under a
trickle of orders a station mostly waits, and its rate says nothing about the floor. The
window's orders also go through the stow comparison (``stow_comparison.py``: random,
dedicated and class-based putaway), its classes learnt from the orders before the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
import polars as pl

from baro.fulfillment import RandomStow
from baro.fulfillment.robots import BaroPlanner, congestion_heatmap
from baro.twin.center import (
    CenterSettings,
    Inbound,
    Layout,
    build_layout,
    items_of,
    replenishment,
)
from baro.twin.center_sim import (
    FLOOR_MODES,
    CenterOrder,
    CenterRun,
    FloorMode,
    center_orders,
    run_center,
)
from baro.twin.replay import ReplayData
from baro.twin.report import CenterSection
from baro.twin.stages import EmpiricalFulfilment, StageModels
from baro.twin.stow_comparison import compare_stow, comparison_rows

FULFILMENT_CHOICES = ("empirical", *FLOOR_MODES)
Progress = Callable[[str, int, int], None]
LABELS = {
    "pick_to_ship_p50_min": "Pick-to-ship p50 (minutes)",
    "pick_to_ship_p90_min": "Pick-to-ship p90 (minutes)",
    "units_per_station_hour": "Units picked per station-hour",
    "pick_travel_m_per_unit": "Travel per unit picked (m)",
    "robot_utilisation": "Robot utilisation",
    "congestion_waits_per_robot_step": "Congestion (waits per driving robot-step)",
    "lift_wait_p90_min": "Pallet wait for the lift, p90 (minutes)",
    "lift_utilisation": "Lift utilisation",
    "shipped": "Orders shipped",
}


@dataclass(frozen=True)
class CenterStage:
    mode: FloorMode
    window: tuple[datetime, datetime]
    at_order_times: CenterRun
    peak: dict[FloorMode, CenterRun]
    layout: Layout
    # None when no order comes before the window to learn the classes from.
    stow_comparison: dict[str, Any] | None

    def fulfilment(self, stages: StageModels) -> StageModels:
        """The twin's stage models with fulfilment drawn from the simulated pick-to-ship."""
        hours = np.asarray(self.at_order_times.pick_to_ship_s) / 3600
        return replace(stages, fulfilment=EmpiricalFulfilment(hours))

    def metrics(self) -> dict[str, Any]:
        settings = self.layout.settings
        return {
            "mode": self.mode,
            "window": {"from": self.window[0].isoformat(), "to": self.window[1].isoformat()},
            "at_order_times": self.at_order_times.metrics(),
            "peak_backlog": {mode: run.metrics() for mode, run in self.peak.items()},
            "stow_comparison": self.stow_comparison,
            "floor": {
                "cells": f"{self.layout.floor.width}x{self.layout.floor.height}",
                "pods": len(self.layout.pod_cell),
                "bins": len(self.layout.bins),
                "robots": settings.robots,
                "name": self.layout.floor.name,
                "stations": int(self.layout.floor.stations.size),
                "packers": settings.packers,
                "lifts": settings.lifts,
                "step_s": settings.step_s,
            },
            "assumptions": {
                "present_s": settings.present_s,
                "pick_s_per_unit": settings.pick_s_per_unit,
                "walk_m_per_s": settings.walk_m_per_s,
                "shelf_search_s": settings.shelf_search_s,
                "pack_s": settings.pack_s,
                "pack_s_per_unit": settings.pack_s_per_unit,
                "lift_trip_s": settings.lift_trip_s,
                "stow_s_per_unit": settings.stow_s_per_unit,
            },
        }

    def section(self) -> CenterSection:
        timed = self.at_order_times.metrics()
        robots, manual = self.peak["robots"].metrics(), self.peak["manual"].metrics()
        rows = [
            (label, _shown(timed.get(key)), _shown(robots.get(key)), _shown(manual.get(key)))
            for key, label in LABELS.items()
        ]
        wait_cells = self.peak["robots"].wait_cells
        assert wait_cells is not None
        with TemporaryDirectory() as scratch:
            png = congestion_heatmap(
                self.layout.floor,
                wait_cells,
                Path(scratch) / "heatmap.png",
                title="Where robots waited at the peak (stations on the west wall)",
            ).read_bytes()
        return CenterSection(rows, png, self.notes(), *self.stow_section())

    def stow_section(self) -> tuple[list[tuple[str, ...]], str]:
        """The stow comparison's rows (``comparison_rows``) and the note under them."""
        first = self.window[0]
        if self.stow_comparison is None:
            return [], (
                f"Stow comparison: not run, no order before {first:%Y-%m-%d} to learn the "
                "class-based stow's A/B/C classes from."
            )
        comparison = self.stow_comparison
        evaluated = comparison["evaluated"]
        return comparison_rows(comparison), (
            f"Stow comparison: the window's {evaluated['orders']:,} orders "
            f"({evaluated['units']:,} units of {evaluated['products']:,} products) restocked "
            f"every {comparison['cycle_days']} days, with random, dedicated and class-based "
            "stow; class-based learns its A/B/C classes from the "
            f"{comparison['history']['orders']:,} orders before {first:%Y-%m-%d}. Bins "
            "needed: the fewest bins, nearest the stations first, that take the stream; space "
            "utilisation: the peak stock's volume over theirs; × dedicated: that utilisation "
            "over dedicated's. Pick metres and pick-to-ship "
            f"({comparison['floor']} floor) in one building for all, "
            f"{comparison['center']['bins_of_the_building_for_picks']:,} bins. "
            f"{evaluated['oversize_lines_left_out']:,} order lines of products one bin cannot "
            "take are left out (an oversize flow)."
        )

    def notes(self) -> list[str]:
        s = self.layout.settings
        stations = self.layout.floor.stations.size
        first, last = self.window
        return [
            f"Fulfilment: the {self.mode} center simulated from {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d} (the busiest {(last - first).days} days of the period) at the "
            f"orders' real times, on the floor {self.layout.floor.name!r} of "
            f"{len(self.layout.pod_cell)} pods ({len(self.layout.bins)} bins, random stow), "
            f"{s.robots} robots planned by baro's fleet planner every {s.step_s:g} s and "
            f"checked by the referee, {stations} pick stations, {s.packers} packers and "
            f"{s.lifts} Robo-Stow pallet lift ({s.lift_trip_s:g} s a trip). Every replayed "
            "order's fulfilment is drawn from the pick-to-ship times of that window.",
            "Peak: the window's orders, repeated to make about 2,000 units, released at once "
            f"to the same floor with robots and with {stations} pickers walking pick lists "
            f"of up to {s.pick_list_orders} orders (manual): units per station-hour from the "
            "first pick to the last. Assumptions: a pod presented in "
            f"{s.present_s:g} s, {s.pick_s_per_unit:g} s a unit, walking "
            f"{s.walk_m_per_s:g} m/s and {s.shelf_search_s:g} s to find a bin, packing "
            f"{s.pack_s:g} s plus {s.pack_s_per_unit:g} s a unit.",
        ]


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3g}" if value < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def busiest_window(orders: pl.DataFrame, length: int) -> tuple[datetime, datetime]:
    """The ``length`` consecutive days (UTC) with the most orders purchased (the earliest
    of equals)."""
    if orders.height == 0:
        raise ValueError("no orders to find a window in")
    daily = orders.group_by(day=pl.col("purchased_at").dt.date()).agg(n=pl.len()).sort("day")
    days: list[date] = daily["day"].to_list()
    counts = dict(zip(days, daily["n"].to_list(), strict=True))
    starts = [days[0] + timedelta(days=i) for i in range(max((days[-1] - days[0]).days + 1, 1))]

    def orders_from(day: date) -> int:
        return sum(counts.get(day + timedelta(days=i), 0) for i in range(length))

    best = max(starts, key=lambda day: (orders_from(day), -day.toordinal()))
    start = datetime.combine(best, time(), UTC)
    return start, start + timedelta(days=length)


def simulate_center_stage(
    replay: ReplayData,
    mode: FloorMode,
    *,
    seed: int,
    settings: CenterSettings | None = None,
    window_days: int = 7,
    peak_units: int = 2_000,
    data_set: ReplayData | None = None,
    progress: Progress | None = None,
) -> CenterStage:
    """The center run over the replay's busiest window, the two peak runs, and the stow
    comparison on the window's orders. ``data_set``: the whole data set the replay was cut
    from, whose orders before the window are the comparison's history (default: the
    replay's own)."""
    if mode not in FLOOR_MODES:
        raise ValueError(f"unknown fulfillment {mode!r}; choose from {list(FULFILMENT_CHOICES)}")
    settings = settings or CenterSettings()
    layout = build_layout(settings)
    first, last = busiest_window(replay.orders, window_days)
    window = replay.between(first.date(), last.date())
    orders, lines = center_orders(window)
    items = items_of(replay.products)
    inbound = replenishment(lines, first, cycle_days=window_days)

    def report(name: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(name, done, total) if progress else None

    def floor(
        run_mode: FloorMode, batch: list[CenterOrder], stocked: list[Inbound], name: str
    ) -> CenterRun:
        return run_center(
            batch,
            stocked,
            items,
            layout,
            RandomStow(seed),
            run_mode,
            planner=BaroPlanner(seed=seed),
            progress=report(name),
        )

    timed = floor(mode, orders, inbound, f"center ({mode})")
    # The peak: the window's orders (repeated until they make ``peak_units``, so that the
    # stations reach their steady pace) all waiting at once, with the stock for them.
    units = sum(n for o in orders for _, n in o.lines)
    repeat = max(1, -(-peak_units // max(units, 1)))
    backlog = [
        replace(o, order_id=f"{o.order_id}#{copy}", at=first)
        for copy in range(repeat)
        for o in orders
    ]
    stocked = [replace(i, units=i.units * repeat) for i in inbound]
    peak = {m: floor(m, backlog, stocked, f"center peak ({m})") for m in FLOOR_MODES}
    # The classes learn only from before the window: the window is what they are judged on.
    history = (data_set or replay).between(None, first.date())
    comparison = (
        compare_stow(
            history,
            window,
            start=first,
            cycle_days=window_days,
            floor=mode,
            seed=seed,
            settings=settings,
            progress=progress,
        )
        if history.orders.height
        else None
    )
    return CenterStage(mode, (first, last), timed, peak, layout, comparison)
