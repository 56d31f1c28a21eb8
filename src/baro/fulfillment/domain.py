"""The floor's things: items (what the WMS knows of a product), bins, the floor's layout and
what the console sees of it, and the events each step records. No I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from baro.core.events import DomainEvent

from .errors import CellOutsideGrid, CellTaken, InvalidBin, InvalidLayout


@dataclass(frozen=True)
class Item:
    """A product as the floor sees it: how to recognise it, how big and heavy one unit is."""

    product_id: str
    sku: str
    weight_g: int
    length_cm: int
    width_cm: int
    height_cm: int

    @property
    def volume_cm3(self) -> int:
        return self.length_cm * self.width_cm * self.height_cm

    @property
    def sides(self) -> tuple[int, ...]:
        """Edges longest first, so that a box check does not depend on how it is turned."""
        return tuple(sorted((self.length_cm, self.width_cm, self.height_cm), reverse=True))


class ProductFacts(Protocol):
    """What the floor needs from the catalogue (``platform.py`` injects it): the facts of
    the products with these ids; unknown ids are left out."""

    def facts(self, product_ids: Sequence[str]) -> Mapping[str, Item]: ...


@dataclass(frozen=True)
class Bin:
    """A storage bin. ``station_distance`` is the walk (or the pod's drive) from it to the
    pick stations, in metres; class-based putaway keeps fast movers in the near bins.
    ``pod`` and ``shelf`` place it in a robot-served zone; ``dedicated_to`` is the one
    product a dedicated-slot layout keeps in it."""

    id: str
    facility_id: str
    zone: str
    volume_cm3: int
    max_weight_g: int
    station_distance: int = 0
    pod: str | None = None
    shelf: int | None = None
    dedicated_to: str | None = None
    used_volume_cm3: int = 0
    used_weight_g: int = 0

    def __post_init__(self) -> None:
        if not self.id.strip() or not self.zone.strip():
            raise InvalidBin("a bin needs a barcode and a zone")
        if self.volume_cm3 <= 0 or self.max_weight_g <= 0:
            raise InvalidBin(
                f"bin {self.id} needs a positive volume and weight limit, got "
                f"{self.volume_cm3} cm³ and {self.max_weight_g} g"
            )
        if self.station_distance < 0:
            raise InvalidBin(f"bin {self.id} cannot be {self.station_distance} m from a station")
        if (self.pod is None) != (self.shelf is None):
            raise InvalidBin(f"bin {self.id}: a pod bin needs both its pod and its shelf")

    def fits(self, item: Item, units: int) -> bool:
        return (
            self.used_volume_cm3 + item.volume_cm3 * units <= self.volume_cm3
            and self.used_weight_g + item.weight_g * units <= self.max_weight_g
        )

    def with_units(self, item: Item, units: int) -> Bin:
        """The bin after ``units`` of ``item`` went in (negative: came out)."""
        return replace(
            self,
            used_volume_cm3=self.used_volume_cm3 + item.volume_cm3 * units,
            used_weight_g=self.used_weight_g + item.weight_g * units,
        )


class OrderStage(StrEnum):
    RELEASED = "released"  # on a pick list, units being picked
    PICKED = "picked"  # every unit at the packing station
    PACKED = "packed"  # in its box, weighed
    HANDED_OFF = "handed_off"  # given to delivery
    CANCELLED = "cancelled"  # the order was cancelled on the floor: its units went back


@dataclass(frozen=True)
class PickRequest:
    """An order the floor is told to pick: ``lines`` are (product id, units) at ``facility_id``."""

    order_id: str
    facility_id: str
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class PickTask:
    """Where the picker goes next: the bin (and pod and shelf when robots bring it), what
    to take and how many are still to take there."""

    pick_list_id: str
    seq: int
    order_id: str
    bin_id: str
    pod: str | None
    shelf: int | None
    product_id: str
    units: int
    picked: int

    @property
    def left(self) -> int:
        return self.units - self.picked


@dataclass
class Release:
    """One order of a release, carried through it: what was asked, then its outcome (a pick
    list, or why it waits)."""

    request: PickRequest
    pick_list_id: str | None = None
    station_id: str | None = None  # where its list is picked (a floor with stations)
    waiting: str | None = None
    tasks: list[tuple[str, str, int]] = field(default_factory=list)  # (bin, product, units)


@dataclass(frozen=True)
class ReceiptLine:
    product_id: str
    expected: int
    received: int

    @property
    def over(self) -> int:
        return max(self.received - self.expected, 0)

    @property
    def short(self) -> int:
        return max(self.expected - self.received, 0)


@dataclass(frozen=True)
class Receipt:
    inbound_id: str
    facility_id: str
    source: str
    closed: bool
    lines: tuple[ReceiptLine, ...]


@dataclass(frozen=True)
class Mismatch:
    """A product whose spine count (``on_hand``) differs from what the floor can account
    for (bins + receiving + packing + handed off but not yet shipped)."""

    product_id: str
    on_hand: int
    on_floor: int


@dataclass(frozen=True)
class FloorStatus:
    facility_id: str
    bins: int
    units_in_bins: int
    receiving: int
    packing: int
    open_inbounds: int
    orders: Mapping[str, int]
    bad_scans: Mapping[str, int]


# A floor's grid is at most this many cells a side; a name on it (pod, station) at most
# this long (the columns' width).
MAX_GRID_SIDE = 1_000
MAX_NAME = 40

Cell = tuple[int, int]  # (row, column), counted from the top-left corner


@dataclass(frozen=True)
class FloorLayout:
    """Where things stand on a facility's robot floor: a grid of ``rows`` x ``cols`` cells,
    each pod's home cell (a robot brings it back there) and each pick station's cell.
    Checked whole on construction: every cell on the grid, one thing per cell."""

    rows: int
    cols: int
    pods: Mapping[str, Cell]
    stations: Mapping[str, Cell]

    def __post_init__(self) -> None:
        if not (0 < self.rows <= MAX_GRID_SIDE and 0 < self.cols <= MAX_GRID_SIDE):
            raise InvalidLayout(
                f"a floor is 1 to {MAX_GRID_SIDE:,} cells a side, got {self.rows} x {self.cols}"
            )
        taken: dict[Cell, str] = {}
        for kind, things in (("pod", self.pods), ("station", self.stations)):
            for name, (row, col) in sorted(things.items()):
                if not name.strip() or len(name) > MAX_NAME:
                    raise InvalidLayout(f"a {kind} needs a name of 1 to {MAX_NAME} characters")
                if not (0 <= row < self.rows and 0 <= col < self.cols):
                    raise CellOutsideGrid(
                        f"{kind} {name} at row {row}, column {col} is off the "
                        f"{self.rows} x {self.cols} grid"
                    )
                if (row, col) in taken:
                    raise CellTaken(
                        f"{kind} {name} and {taken[(row, col)]} both stand on row {row}, "
                        f"column {col}"
                    )
                taken[(row, col)] = f"{kind} {name}"


@dataclass(frozen=True)
class PodOnFloor:
    """A pod as the floor view draws it: its cell, how full its bins are and how many units
    open pick lists still want from it. ``awaited``: a station's next pick is from it."""

    pod: str
    cell: Cell
    used_volume_cm3: int
    volume_cm3: int
    wanted_units: int
    awaited: bool

    @property
    def fill(self) -> float:
        """Used share of its bins' volume, 0 to 1 (0 for a pod without bins)."""
        return self.used_volume_cm3 / self.volume_cm3 if self.volume_cm3 else 0.0


@dataclass(frozen=True)
class Wave:
    """An open pick list (units still to pick): its orders and units, and its station."""

    pick_list_id: str
    released_at: datetime
    station_id: str | None
    orders: int
    units: int
    picked: int


@dataclass(frozen=True)
class StationAtWork:
    """A pick station: the list it picks now (its oldest open one), the next pick on it,
    and what waits behind that list (lists and their units still to pick)."""

    station_id: str
    cell: Cell
    current: Wave | None
    next_task: PickTask | None
    queued_lists: int
    queued_units: int


@dataclass(frozen=True)
class FloorView:
    """A facility's floor now: its grid (0 x 0 before it is laid out), pods, stations, the
    newest open pick lists (``waves``, newest first, capped) and the floor's counts."""

    facility_id: str
    rows: int
    cols: int
    pods: tuple[PodOnFloor, ...]
    stations: tuple[StationAtWork, ...]
    waves: tuple[Wave, ...]
    open_lists: int  # all of them, the capped ``waves`` or not
    status: FloorStatus


@dataclass(frozen=True, kw_only=True)
class FulfillmentEvent(DomainEvent):
    """``fulfillment.<step>``: received, stowed, released, picked, packed, handed_off,
    inbound_closed, bad_scan."""

    step: str

    @property
    def event_type(self) -> str:
        return f"fulfillment.{self.step}"


def event(step: str, aggregate_id: str, at: datetime, **data: object) -> FulfillmentEvent:
    return FulfillmentEvent(step=step, aggregate_id=aggregate_id, occurred_at=at, data=data)
