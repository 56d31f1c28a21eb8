"""The fulfillment center on the simulated clock (SimPy): pallets come up the Robo-Stow lift
and are stowed, orders are promised by the WMS, picked, packed and shipped.

``robots``: goods to person. Robots fetch pods and queue at the pick stations, driven by the
fleet planner one timestep at a time (every step checked by the referee); the floor only
steps while a robot has somewhere to go, so quiet hours cost nothing. One picker per station
takes the units from the presented pod. ``manual``: person to goods, the baseline. As many
pickers as the robot floor has stations walk from their station to the order's bins and back.
Both pack at the same packing stations (the box ``choose_box`` picks) and share the lift.

Pick-to-ship is measured from an order's arrival on the floor to its parcel leaving.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import polars as pl
import simpy

from baro.fulfillment import Item, NoBinRoom, NoBoxFits, Putaway, choose_box
from baro.fulfillment.robots import NO_ERRAND, BaroPlanner, FleetPlanner, Referee
from baro.twin.center import CenterSettings, Inbound, Layout, Stock, parking_bays
from baro.twin.replay import ReplayData

FloorMode = Literal["robots", "manual"]
FLOOR_MODES: tuple[FloorMode, ...] = ("robots", "manual")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CenterOrder:
    order_id: str
    at: datetime
    lines: tuple[tuple[str, int], ...]  # (product id, units)


def center_orders(replay: ReplayData) -> tuple[list[CenterOrder], pl.DataFrame]:
    """The replay's orders as the floor sees them (cancelled ones too: a cancel in the data
    may come after the pick), and their lines with purchased_at."""
    lines = replay.lines.join(replay.orders.select("order_id", "purchased_at"), on="order_id")
    orders = [
        CenterOrder(
            order_id,
            at,
            tuple((p, int(q)) for p, q in zip(group["product_id"], group["quantity"], strict=True)),
        )
        for (order_id, at), group in lines.sort("order_id", "product_id").group_by(
            ["order_id", "purchased_at"], maintain_order=True
        )
    ]
    return orders, lines


@dataclass
class CenterRun:
    """What the floor did. Times in seconds of simulated time."""

    mode: FloorMode
    horizon_s: float
    orders: int
    pick_to_ship_s: list[float] = field(default_factory=list)
    units_picked: int = 0
    picking_s: float = 0.0  # pickers' time on picks (robots: at the pod; manual: the tour)
    pick_travel_m: float = 0.0  # manual: metres walked; robots: metres the pods were driven
    stations: int = 0
    first_pick_s: float | None = None
    last_pick_s: float = 0.0
    boxes: Counter[str] = field(default_factory=Counter)
    no_box: int = 0
    pallets: int = 0
    lift_waits_s: list[float] = field(default_factory=list)
    lift_busy_s: float = 0.0
    lifts: int = 1
    unstowed_units: int = 0
    robots: int = 0
    robot_busy_s: float = 0.0
    floor_steps: int = 0
    driving_robot_steps: int = 0
    waits: int = 0
    wait_cells: np.ndarray | None = None  # waits per cell, a heat map of congestion
    collisions: int = 0
    rejected_steps: int = 0

    @property
    def shipped(self) -> int:
        return len(self.pick_to_ship_s)

    def metrics(self) -> dict[str, Any]:
        minutes = np.asarray(self.pick_to_ship_s) / 60
        span_h = (self.last_pick_s - (self.first_pick_s or 0.0)) / 3600
        values: dict[str, Any] = {
            "mode": self.mode,
            "orders": self.orders,
            "shipped": self.shipped,
            "pick_to_ship_p50_min": _round(np.quantile(minutes, 0.5)) if minutes.size else None,
            "pick_to_ship_p90_min": _round(np.quantile(minutes, 0.9)) if minutes.size else None,
            "units_picked": self.units_picked,
            # Over the hours from the first pick to the last, every station staffed.
            "units_per_station_hour": _round(self.units_picked / (self.stations * span_h))
            if span_h > 0
            else None,
            "picker_busy_share": _round(self.picking_s / (self.stations * span_h * 3600))
            if span_h > 0
            else None,
            "pick_travel_m_per_unit": _round(self.pick_travel_m / self.units_picked)
            if self.units_picked
            else None,
            "boxes": dict(sorted(self.boxes.items())),
            "no_box_fits": self.no_box,
            "pallets_lifted": self.pallets,
            "lift_wait_p90_min": _round(np.quantile(self.lift_waits_s, 0.9) / 60)
            if self.lift_waits_s
            else None,
            "lift_utilisation": _round(self.lift_busy_s / (self.lifts * self.horizon_s))
            if self.horizon_s
            else None,
            "unstowed_units": self.unstowed_units,
        }
        if self.mode == "robots":
            values |= {
                "robots": self.robots,
                "robot_utilisation": _round(self.robot_busy_s / (self.robots * self.horizon_s))
                if self.horizon_s
                else None,
                "floor_steps": self.floor_steps,
                "congestion_waits_per_robot_step": _round(self.waits / self.driving_robot_steps)
                if self.driving_robot_steps
                else None,
                "collisions": self.collisions,
                "rejected_steps": self.rejected_steps,
            }
        return values


def _round(value: float) -> float:
    return round(float(value), 4)


class FloorStuck(RuntimeError):
    """A robot has driven far longer than any trip on the floor takes: a jam the planner
    does not resolve, or a goal it cannot reach. Raised rather than stepping forever."""


class RobotFloor:
    """The robots on the clock: ``send`` a robot to a cell and get an event that fires when
    it stands there. The planner plans every robot each step; a robot with nothing to do
    drives to its parking bay and waits there (the planner may push it aside)."""

    def __init__(
        self, env: simpy.Environment, layout: Layout, planner: FleetPlanner, run: CenterRun
    ) -> None:
        floor, settings = layout.floor, layout.settings
        self._env, self._run, self._planner = env, run, planner
        self._step_s = settings.step_s
        self._stuck_steps = settings.stuck_steps
        self._sent_at: dict[int, int] = {}  # the floor step each driving robot was sent at
        bays = parking_bays(floor)
        if settings.robots > len(bays):
            raise ValueError(f"{settings.robots} robots but {len(bays)} parking bays")
        # Each robot has a bay of its own, spread along the walls, and starts there.
        self.homes = np.asarray(bays, dtype=np.int64)[
            np.linspace(0, len(bays) - 1, settings.robots).round().astype(np.int64)
        ]
        self.locations = self.homes.copy()
        self.orientations = np.zeros(settings.robots, dtype=np.int64)
        self.goals = np.full(settings.robots, NO_ERRAND, dtype=np.int64)
        self._arrivals: dict[int, simpy.Event] = {}
        self._referee = Referee(floor.free.reshape(floor.height, floor.width))
        planner.setup(floor, self.locations, self.goals)
        self.idle = simpy.Store(env)
        self.idle.items.extend(range(settings.robots))
        self._wake = env.event()
        run.robots = settings.robots
        run.wait_cells = np.zeros(floor.cells, dtype=np.int64)
        env.process(self._steps())

    def send(self, robot: int, cell: int) -> simpy.Event:
        arrived = self._env.event()
        self.goals[robot] = cell
        if self.locations[robot] == cell:
            arrived.succeed()
            return arrived
        self._arrivals[robot] = arrived
        self._sent_at[robot] = self._run.floor_steps
        if not self._wake.triggered:
            self._wake.succeed()
        return arrived

    def rest(self, robot: int) -> None:
        """Back to its bay, free for the next errand on the way."""
        self.send(robot, int(self.homes[robot]))
        self.idle.put(robot)

    def _steps(self) -> simpy.events.ProcessGenerator:
        run = self._run
        while True:
            if not self._arrivals:
                self._wake = self._env.event()
                yield self._wake
                continue
            actions = self._planner.plan(self.locations, self.orientations, self.goals)
            check = self._referee.judge(self.locations, self.orientations, actions)
            driving = np.fromiter(self._arrivals, dtype=np.int64)
            if check.valid:
                stood = (check.locations[driving] == self.locations[driving]) & (
                    check.orientations[driving] == self.orientations[driving]
                )
                self.locations, self.orientations = check.locations, check.orientations
            else:
                run.rejected_steps += 1  # every robot waits, as the referee's rule is
                stood = np.ones(driving.size, dtype=bool)
            run.floor_steps += 1
            late = [
                r
                for r in driving.tolist()
                if run.floor_steps - self._sent_at[r] > self._stuck_steps
            ]
            if late:
                raise FloorStuck(
                    f"robot {late[0]} has not reached cell {self.goals[late[0]]} in "
                    f"{self._stuck_steps:,} steps (at cell {self.locations[late[0]]}); "
                    f"{len(late)} robots stuck: the floor is jammed or a goal unreachable"
                )
            run.driving_robot_steps += driving.size
            run.waits += int(stood.sum())
            assert run.wait_cells is not None
            np.add.at(run.wait_cells, self.locations[driving[stood]], 1)
            run.collisions = self._referee.collisions
            yield self._env.timeout(self._step_s)
            for robot in driving[self.locations[driving] == self.goals[driving]].tolist():
                self._arrivals.pop(robot).succeed()


def run_center(
    orders: Sequence[CenterOrder],
    inbound: Sequence[Inbound],
    items: dict[str, Item],
    layout: Layout,
    putaway: Putaway,
    mode: FloorMode,
    *,
    planner: FleetPlanner | None = None,
    progress: Progress | None = None,
) -> CenterRun:
    """Run the floor from the first arrival (a pallet or an order) until every order that
    can be is shipped. An order whose units never arrive stays unshipped (``orders`` minus
    ``shipped``); a unit no bin has room for is counted in ``unstowed_units``."""
    if mode not in FLOOR_MODES:
        raise ValueError(f"unknown floor {mode!r}; choose from {list(FLOOR_MODES)}")
    if not orders:
        raise ValueError("the center needs orders to fulfil")
    settings = layout.settings
    origin = min([o.at for o in orders] + [i.at for i in inbound])
    env = simpy.Environment()
    station_cells = layout.floor.stations.tolist()
    run = CenterRun(mode, 0.0, len(orders), stations=len(station_cells), lifts=settings.lifts)
    stock = Stock.empty(layout.bins, putaway)
    stock_arrived = [env.event()]  # the event of the next stow; waiting orders yield on it
    lift = simpy.Resource(env, settings.lifts)
    stowers = simpy.Resource(env, settings.stowers)
    packers = simpy.Resource(env, settings.packers)
    stations = [simpy.Resource(env, 1) for _ in station_cells]
    heading = [0] * len(station_cells)  # robots on their way to or at each station
    pick_lists = simpy.Store(env)  # manual: orders waiting for a picker, first come first
    pods_out: set[str] = set()  # pods a robot is bringing, at a station or taking home
    pod_picks: dict[str, list[tuple[int, simpy.Event]]] = {}  # units the next visit takes
    floor = RobotFloor(env, layout, planner or BaroPlanner(), run) if mode == "robots" else None
    done = [0]

    def seconds(at: datetime) -> float:
        return (at - origin).total_seconds()

    def pallet(at: float, lines: list[tuple[Item, int]]) -> simpy.events.ProcessGenerator:
        yield env.timeout(at)
        queued = env.now
        with lift.request() as turn:
            yield turn
            run.lift_waits_s.append(env.now - queued)
            yield env.timeout(settings.lift_trip_s)
            run.lift_busy_s += settings.lift_trip_s
        run.pallets += 1
        with stowers.request() as turn:
            yield turn
            yield env.timeout(settings.stow_s_per_unit * sum(n for _, n in lines))
        for item, units in lines:
            try:
                stock.stow(item, units)
            except NoBinRoom:
                run.unstowed_units += units
        stock_arrived[0].succeed()
        stock_arrived[0] = env.event()

    def order(o: CenterOrder) -> simpy.events.ProcessGenerator:
        yield env.timeout(seconds(o.at))
        arrived = env.now
        release = stock.promise(o.order_id, o.lines)
        while release.waiting:
            yield stock_arrived[0]
            release = stock.promise(o.order_id, o.lines)
        stock.take(release.tasks)
        if floor is not None:
            by_pod: dict[str, int] = Counter()
            for bin_id, _, n in release.tasks:
                by_pod[stock.bins[bin_id].pod or ""] += n
            yield env.all_of([ask_pod(pod, n) for pod, n in sorted(by_pod.items())])
        else:
            walked = env.event()
            yield pick_lists.put((release.tasks, walked))
            yield walked
        contents = [(items[p], n) for _, p, n in release.tasks]
        units = sum(n for _, n in contents)
        with packers.request() as turn:
            yield turn
            yield env.timeout(settings.pack_s + settings.pack_s_per_unit * units)
        try:
            run.boxes[choose_box(contents).name] += 1
        except NoBoxFits:
            run.no_box += 1  # ships in its own carton
        run.pick_to_ship_s.append(env.now - arrived)
        done[0] += 1
        if progress:
            progress(done[0], len(orders))

    def picked(units: int, began: float) -> None:
        run.units_picked += units
        run.picking_s += env.now - began
        run.first_pick_s = began if run.first_pick_s is None else min(run.first_pick_s, began)
        run.last_pick_s = max(run.last_pick_s, env.now)

    def ask_pod(pod: str, units: int) -> simpy.Event:
        """The event of ``units`` picked from ``pod``: they join the picks the pod's next
        visit serves, and a visit starts if none is under way."""
        served = env.event()
        waiting = pod_picks.setdefault(pod, [])
        waiting.append((units, served))
        if len(waiting) == 1 and pod not in pods_out:
            env.process(visit(pod))
        return served

    def visit(pod: str) -> simpy.events.ProcessGenerator:
        """A robot brings ``pod`` to the least busy station; the picker takes every unit
        asked of the pod by the time it is there; the robot takes the pod home, and out
        again if picks were asked meanwhile."""
        assert floor is not None
        cell = layout.pod_cell[pod]
        pods_out.add(pod)
        robot = yield floor.idle.get()
        began = env.now
        yield floor.send(robot, cell)
        index = min(range(len(stations)), key=lambda i: (heading[i], i))
        heading[index] += 1
        yield floor.send(robot, station_cells[index])
        with stations[index].request() as turn:
            yield turn
            start = env.now
            serving, pod_picks[pod] = pod_picks[pod], []
            units = sum(n for n, _ in serving)
            yield env.timeout(settings.present_s + settings.pick_s_per_unit * units)
            picked(units, start)
        heading[index] -= 1
        for _, served in serving:
            served.succeed()
        run.pick_travel_m += 2 * layout.station_metres[cell]
        yield floor.send(robot, cell)
        run.robot_busy_s += env.now - began
        floor.rest(robot)
        pods_out.discard(pod)
        if pod_picks[pod]:
            env.process(visit(pod))

    def picker() -> simpy.events.ProcessGenerator:
        """A picker takes the orders waiting, up to ``pick_list_orders``, as one pick list
        and walks it: out to the farthest of its bins and back, picking on the way (one
        aisle out and back, the bins' distances measured along it)."""
        while True:
            batch = [(yield pick_lists.get())]
            while pick_lists.items and len(batch) < settings.pick_list_orders:
                batch.append((yield pick_lists.get()))
            tasks = [task for order_tasks, _ in batch for task in order_tasks]
            bins = {b for b, _, _ in tasks}
            metres = 2 * max(stock.bins[b].station_distance for b in bins)
            units = sum(n for _, _, n in tasks)
            start = env.now
            yield env.timeout(
                metres / settings.walk_m_per_s
                + settings.shelf_search_s * len(bins)
                + settings.pick_s_per_unit * units
            )
            picked(units, start)
            run.pick_travel_m += metres
            for _, walked in batch:
                walked.succeed()

    for at, lines in _pallets(inbound, items, settings):
        env.process(pallet(seconds(at), lines))
    for o in sorted(orders, key=lambda o: (o.at, o.order_id)):
        env.process(order(o))
    if floor is None:
        for _ in station_cells:
            env.process(picker())
    env.run()
    # Utilisations count from the first order on the floor: the hours before it only
    # brought stock up.
    run.horizon_s = env.now - min(seconds(o.at) for o in orders)
    return run


def _pallets(
    inbound: Sequence[Inbound], items: dict[str, Item], settings: CenterSettings
) -> list[tuple[datetime, list[tuple[Item, int]]]]:
    """Each arrival's units loaded on pallets in product order, a new pallet when the next
    unit would overfill one; a product without facts is not stocked."""
    pallets: list[tuple[datetime, list[tuple[Item, int]]]] = []
    by_time: dict[datetime, list[Inbound]] = {}
    for line in inbound:
        by_time.setdefault(line.at, []).append(line)
    for at in sorted(by_time):
        load: list[tuple[Item, int]] = []
        volume = weight = 0
        for line in sorted(by_time[at], key=lambda i: i.product_id):
            item = items.get(line.product_id)
            if item is None:
                continue
            for _ in range(line.units):
                if load and (
                    volume + item.volume_cm3 > settings.pallet_volume_cm3
                    or weight + item.weight_g > settings.pallet_max_weight_g
                ):
                    pallets.append((at, load))
                    load, volume, weight = [], 0, 0
                if load and load[-1][0] is item:
                    load[-1] = (item, load[-1][1] + 1)
                else:
                    load.append((item, 1))
                volume += item.volume_cm3
                weight += item.weight_g
        if load:
            pallets.append((at, load))
    return pallets
