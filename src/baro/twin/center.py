"""The twin's fulfillment center: a robot floor generated from its settings (pods on storage
cells, pick stations on the west wall), the bins on the pods' shelves, and the stock in them as
the WMS keeps it: stowed by a ``baro.fulfillment`` putaway strategy, promised from the nearest
bins by the WMS's own promise, taken out after the pick. Pure computation; ``center_sim.py``
runs it on the simulated clock and ``stow_comparison.py`` compares the strategies on it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
import polars as pl

from baro.fulfillment import Bin, DedicatedSlots, Item, NoBinRoom, PickRequest, Putaway, Release
from baro.fulfillment.picking import Slot, promise
from baro.fulfillment.robots import Floor
from baro.fulfillment.stow import place
from baro.twin.olist_catalogue import DEFAULT_SIZE

FACILITY = "twin-center"


@dataclass(frozen=True)
class CenterSettings:
    """The center's size, its people and the times their work takes (assumptions, said in
    the report). A pod block is ``block_rows`` x ``block_columns`` pods with an aisle around
    it; ``robots`` drive pods to ``stations`` pick stations where one picker each works."""

    blocks_across: int = 16
    blocks_down: int = 4
    block_rows: int = 2
    block_columns: int = 5
    stations: int = 8
    robots: int = 96
    shelves_per_pod: int = 4
    bins_per_shelf: int = 2
    bin_volume_cm3: int = 60 * 50 * 40
    bin_max_weight_g: int = 25_000
    cell_m: float = 1.2  # one floor cell, the side of a pod
    step_s: float = 1.0  # one robot timestep: a cell forward or a quarter turn
    stuck_steps: int = 3_600  # a trip this long means a jam: the run stops and says so
    # Goods to person: a pod presented, each unit taken from its bin and scanned.
    present_s: float = 4.0
    pick_s_per_unit: float = 8.0
    # Person to goods (the manual baseline): walking the aisles, searching the shelf.
    walk_m_per_s: float = 1.2
    shelf_search_s: float = 12.0
    pick_list_orders: int = 10  # orders a picker walks at once, as the WMS's pick list
    # Packing: one packer per station, a box chosen by ``choose_box``, weighed.
    packers: int = 8
    pack_s: float = 45.0
    pack_s_per_unit: float = 6.0
    # Robo-Stow: pallets go up to the robot floor on the lift, one trip each.
    lifts: int = 1
    lift_trip_s: float = 120.0
    pallet_volume_cm3: int = 120 * 100 * 150
    pallet_max_weight_g: int = 800_000
    stowers: int = 4
    stow_s_per_unit: float = 6.0

    def __post_init__(self) -> None:
        sizes = (self.blocks_across, self.blocks_down, self.block_rows, self.block_columns)
        if min(*sizes, self.stations, self.robots, self.shelves_per_pod) < 1:
            raise ValueError("a center needs pod blocks, stations, robots and shelves")
        if (
            min(self.packers, self.lifts, self.stowers, self.bins_per_shelf, self.pick_list_orders)
            < 1
        ):
            raise ValueError("a center needs packers, a lift, stowers and bins")
        if self.stations > self.height - 4:
            raise ValueError(f"{self.stations} stations do not fit a {self.height}-cell wall")
        if self.robots > self.width - 1:
            raise ValueError(f"{self.robots} robots but {self.width - 1} parking bays")

    @property
    def height(self) -> int:
        return 3 + self.blocks_down * (self.block_rows + 1)

    @property
    def width(self) -> int:
        return 3 + self.blocks_across * (self.block_columns + 1)


def floor_rows(settings: CenterSettings) -> list[str]:
    """The floor as Robot Runners text: the stations ``E`` on the west lane, a two-cell
    highway, then pod blocks ``S`` in a grid of one-cell aisles, and along the north and
    south walls the robots' parking bays, dead ends off the traffic (``.`` between ``@``): a
    robot with nothing to do waits in its bay, where no other robot needs to pass."""
    height, width = settings.height, settings.width
    station_rows = {
        round(2 + (height - 5) * i / max(settings.stations - 1, 1))
        for i in range(settings.stations)
    }
    bays = "".join("." if column % 2 else "@" for column in range(width))
    rows = [bays]
    for row in range(1, height - 1):
        cells = ["E" if row in station_rows else ".", ".", "."]
        in_block_row = (row - 1) % (settings.block_rows + 1) != 0
        for column in range(width - 3):
            in_block_column = column % (settings.block_columns + 1) != settings.block_columns
            cells.append("S" if in_block_row and in_block_column else ".")
        rows.append("".join(cells))
    return [*rows, bays]


def parking_bays(floor: Floor) -> list[int]:
    """Free cells with one way in that are neither pods nor stations: where robots rest."""
    special = set(floor.pods.tolist()) | set(floor.stations.tolist())
    return [
        cell
        for cell in np.flatnonzero(floor.free).tolist()
        if cell not in special and int((floor.neighbour[cell] >= 0).sum()) == 1
    ]


@dataclass(frozen=True)
class Layout:
    """A floor and its bins. ``pod_cell[pod]`` is where the pod stands, ``station_metres``
    every cell's walk to the nearest station (-1: none); bins are nearest first."""

    floor: Floor
    bins: tuple[Bin, ...]
    pod_cell: Mapping[str, int]
    station_metres: np.ndarray
    settings: CenterSettings

    @property
    def bin_volume_cm3(self) -> int:
        return self.settings.bin_volume_cm3


def build_layout(settings: CenterSettings, floor: Floor | None = None) -> Layout:
    """The bins of every pod of ``floor`` (default: the one ``settings`` draw), each as far
    from a station as a robot drives (or a picker walks) from its pod."""
    floor = floor or Floor.from_rows(floor_rows(settings), name="twin center")
    if not floor.pods.size or not floor.stations.size:
        raise ValueError(f"floor {floor.name} needs storage cells (S) and stations (E)")
    metres = station_distances(floor) * settings.cell_m
    bins = []
    pod_cell = {}
    for index, cell in enumerate(floor.pods.tolist()):
        if metres[cell] < 0:
            continue  # a pod no robot can bring to a station
        pod = f"P{index:05d}"
        pod_cell[pod] = int(cell)
        for shelf in range(settings.shelves_per_pod):
            for slot in range(settings.bins_per_shelf):
                bins.append(
                    Bin(
                        id=f"{pod}-{shelf}{slot}",
                        facility_id=FACILITY,
                        zone="robots",
                        volume_cm3=settings.bin_volume_cm3,
                        max_weight_g=settings.bin_max_weight_g,
                        station_distance=round(float(metres[cell])),
                        pod=pod,
                        shelf=shelf,
                    )
                )
    bins.sort(key=lambda b: (b.station_distance, b.id))
    return Layout(floor, tuple(bins), pod_cell, metres, settings)


def station_distances(floor: Floor) -> np.ndarray:
    """Cells from each cell to the nearest station (breadth first over the floor's moves),
    -1 where no station is reachable."""
    distance = np.full(floor.cells, -1, dtype=np.int64)
    queue = deque(int(s) for s in floor.stations)
    distance[list(queue)] = 0
    while queue:
        cell = queue.popleft()
        for neighbour in floor.neighbour[cell]:
            if neighbour >= 0 and distance[neighbour] < 0:
                distance[neighbour] = distance[cell] + 1
                queue.append(int(neighbour))
    return distance


def items_of(products: pl.DataFrame) -> dict[str, Item]:
    """The WMS's item for each product (a replay's ``products`` frame); a size the data set
    does not give is the twin's default parcel, and every side and weight at least 1."""
    frame = products.select(
        "product_id",
        *(
            pl.col(k).fill_null(v).clip(lower_bound=1).cast(pl.Int64)
            for k, v in DEFAULT_SIZE.items()
        ),
    )
    return {
        row["product_id"]: Item(
            product_id=row["product_id"],
            sku=row["product_id"],
            weight_g=row["weight_g"],
            length_cm=row["length_cm"],
            width_cm=row["width_cm"],
            height_cm=row["height_cm"],
        )
        for row in frame.iter_rows(named=True)
    }


@dataclass(frozen=True)
class Inbound:
    """Units of a product arriving at the dock."""

    at: datetime
    product_id: str
    units: int


def replenishment(
    lines: pl.DataFrame,
    start: datetime,
    *,
    cycle_days: int = 7,
    lead: timedelta = timedelta(hours=6),
) -> list[Inbound]:
    """The inbound stream every strategy is given: every ``cycle_days`` from ``start``, the
    units the next cycle's orders will take, at the dock ``lead`` before the cycle opens
    (the replenishment a perfect forecast would send; the same for every putaway).
    ``lines``: purchased_at, product_id, quantity."""
    if cycle_days < 1:
        raise ValueError("a replenishment cycle is at least a day")
    cycle = timedelta(days=cycle_days)
    due = (
        lines.with_columns(
            cycle=((pl.col("purchased_at") - start) / cycle).cast(pl.Int64),
        )
        .filter(pl.col("cycle") >= 0)
        .group_by("cycle", "product_id")
        .agg(units=pl.col("quantity").sum())
        .sort("cycle", "product_id")
    )
    return [
        Inbound(start + cycle * c - lead, p, int(u))
        for c, p, u in due.select("cycle", "product_id", "units").iter_rows()
    ]


@dataclass
class Stock:
    """The bins' contents as the WMS keeps them. ``putaway`` stows; a dedicated layout gives
    a product the nearest empty bins as its slots when its own are full, and a slot goes back
    to the pool once it is empty (the product keeps no space it does not use)."""

    bins: dict[str, Bin]
    putaway: Putaway
    units: dict[str, dict[str, int]] = field(default_factory=dict)  # product -> bin -> units
    items: dict[str, Item] = field(default_factory=dict)

    @classmethod
    def empty(cls, bins: Iterable[Bin], putaway: Putaway) -> Stock:
        return cls({b.id: b for b in bins}, putaway)

    @property
    def dedicated(self) -> bool:
        return isinstance(self.putaway, DedicatedSlots)

    def stow(self, item: Item, units: int) -> list[tuple[str, int]]:
        """Put ``units`` away; the (bin, units) placed. ``NoBinRoom`` when they do not fit."""
        self.items[item.product_id] = item
        if self.dedicated:
            self._give_slots(item, units)
        placed = place(self.putaway, item, units, self.bins)
        held = self.units.setdefault(item.product_id, {})
        for bin_id, n in placed:
            held[bin_id] = held.get(bin_id, 0) + n
        return placed

    def promise(self, order_id: str, lines: Sequence[tuple[str, int]]) -> Release:
        """The WMS's promise of the order's units from the nearest bins (all or none)."""
        free = {
            product: [
                Slot(b, n)
                for b, n in sorted(
                    self.units.get(product, {}).items(),
                    key=lambda kv: (self.bins[kv[0]].station_distance, kv[0]),
                )
                if n
            ]
            for product, _ in lines
        }
        release = Release(PickRequest(order_id, FACILITY, tuple(lines)))
        promise(release, free)
        return release

    def take(self, tasks: Sequence[tuple[str, str, int]]) -> None:
        """The picks of a promise: (bin, product, units) leave their bins."""
        for bin_id, product, n in tasks:
            held = self.units[product]
            held[bin_id] -= n
            if not held[bin_id]:
                del held[bin_id]
            emptied = self.bins[bin_id].with_units(self.items[product], -n)
            if self.dedicated and emptied.used_volume_cm3 == 0:
                emptied = replace(emptied, dedicated_to=None)
            self.bins[bin_id] = emptied

    @property
    def bins_used(self) -> int:
        """Bins holding stock or kept for a product."""
        return sum(1 for b in self.bins.values() if b.used_volume_cm3 or b.dedicated_to)

    @property
    def volume_cm3(self) -> int:
        return sum(b.used_volume_cm3 for b in self.bins.values())

    def _give_slots(self, item: Item, units: int) -> None:
        """Dedicate the nearest empty bins to ``item`` until its slots take ``units``."""

        def takes(b: Bin) -> int:
            return min(
                (b.volume_cm3 - b.used_volume_cm3) // item.volume_cm3,
                (b.max_weight_g - b.used_weight_g) // item.weight_g,
            )

        room = sum(takes(b) for b in self.bins.values() if b.dedicated_to == item.product_id)
        if room >= units:
            return
        empty = sorted(
            (b for b in self.bins.values() if b.dedicated_to is None and not b.used_volume_cm3),
            key=lambda b: (b.station_distance, b.id),
        )
        for candidate in empty:
            if takes(candidate) < 1:
                continue
            self.bins[candidate.id] = replace(candidate, dedicated_to=item.product_id)
            room += takes(candidate)
            if room >= units:
                return
        raise NoBinRoom(
            f"no empty bin left to dedicate to {item.product_id}; {units} units to stow"
        )
