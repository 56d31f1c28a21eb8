"""The fulfillment centers' floors as operators watch them: every floor the WMS runs with
its counts, and one floor live — its grid drawn as an inline SVG (pods shaded by how full
they are, the pods a station waits for outlined, the stations), each station's list, next
pick and queue, the open waves, bad scans, and whether the floor reconciles with on hand.

The floor's body is a fragment that htmx fetches again every 2 seconds, as the live feed
does; the page only reads (``Fulfillment.floor_view``), whoever moves the floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from baro.fulfillment import Cell, FloorView, OrderStage, PodOnFloor, StationAtWork
from baro.platform import Platform

from ...deps import PlatformDep
from ...schemas import Id
from ..rendering import render
from .feed import POLL_EVERY
from .page import render_console

WAVES: Final = 50
CELL_PX: Final = 18  # one grid cell in the drawing
POD_INSET_PX: Final = 2  # the gap that shows each pod as a square of its own

# How full a pod's bins are, by band: (upper bound of the band, colour, English label).
# The darker the fuller; each colour keeps 3:1 against the floor (#eef3f7) but the first.
FILL_BANDS: Final = (
    (0.0, "#ffffff", "Empty"),
    (0.25, "#cfe0f1", "Up to a quarter full"),
    (0.5, "#8fb8e0", "Up to half full"),
    (0.75, "#4a86c5", "Up to three quarters full"),
    (1.0, "#1d4f91", "Over three quarters full"),
)
AWAITED_COLOUR: Final = "#b34700"  # the console's accent: a station waits for this pod
STATION_COLOUR: Final = "#0b6b57"

# English labels, translated in the templates like all page text.
STAGE_LABELS: Final = {
    OrderStage.RELEASED: "Picking",
    OrderStage.PICKED: "Picked",
    OrderStage.PACKED: "Packed",
    OrderStage.HANDED_OFF: "Handed off",
    OrderStage.CANCELLED: "Cancelled",
}
BAD_SCAN_LABELS: Final = {
    "wrong_bin": "Wrong bin",
    "wrong_item": "Wrong item",
    "unknown_barcode": "Unknown barcode",
}

router = APIRouter()


@dataclass(frozen=True)
class DrawnPod:
    """A pod in the drawing: its square's corner in SVG pixels and its shade."""

    pod: PodOnFloor
    x: int
    y: int
    colour: str


@dataclass(frozen=True)
class DrawnStation:
    station: StationAtWork
    x: int
    y: int


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    square: int  # a pod's or a station's side, in pixels
    pods: tuple[DrawnPod, ...]
    stations: tuple[DrawnStation, ...]


def fill_colour(fill: float) -> str:
    """The colour of the band ``fill`` (0 to 1) falls in: empty alone, then by quarters."""
    if fill <= 0:
        return FILL_BANDS[0][1]
    return next((colour for bound, colour, _ in FILL_BANDS[1:] if fill <= bound), FILL_BANDS[-1][1])


def draw(view: FloorView) -> Drawing:
    """The floor's grid in pixels, row 0 at the top and column 0 at the left."""

    def corner(cell: Cell) -> tuple[int, int]:
        row, col = cell
        return col * CELL_PX + POD_INSET_PX, row * CELL_PX + POD_INSET_PX

    return Drawing(
        width=view.cols * CELL_PX,
        height=view.rows * CELL_PX,
        square=CELL_PX - 2 * POD_INSET_PX,
        pods=tuple(DrawnPod(p, *corner(p.cell), fill_colour(p.fill)) for p in view.pods),
        stations=tuple(DrawnStation(s, *corner(s.cell)) for s in view.stations),
    )


@router.get("/fulfillment")
def floors(request: Request, platform: PlatformDep) -> Response:
    names = {facility.id: facility.name for facility in platform.network.facilities()}
    return render_console(
        request,
        "console/fulfillment.html",
        floors=platform.fulfillment.floors(),
        names=names,
        picking=OrderStage.RELEASED.value,
        handed_off=OrderStage.HANDED_OFF.value,
    )


@router.get("/fulfillment/{facility_id}")
def floor(request: Request, platform: PlatformDep, facility_id: Id) -> Response:
    return render_console(request, "console/floor.html", **_live(platform, facility_id))


@router.get("/fulfillment/{facility_id}/live")
def floor_live(request: Request, platform: PlatformDep, facility_id: Id) -> Response:
    """The floor's body alone, for the page's poll."""
    return render(request, "console/_floor_live.html", **_live(platform, facility_id))


def _live(platform: Platform, facility_id: str) -> dict[str, Any]:
    # An unknown facility raises FacilityNotFound here: the console's 404 page.
    view = platform.fulfillment.floor_view(facility_id, waves=WAVES)
    facility = next(f for f in platform.network.facilities() if f.id == facility_id)
    return {
        "facility": facility,
        "view": view,
        "drawing": draw(view),
        "mismatches": platform.fulfillment.reconcile(facility_id),
        "fill_bands": FILL_BANDS,
        "awaited_colour": AWAITED_COLOUR,
        "station_colour": STATION_COLOUR,
        "stage_labels": STAGE_LABELS,
        "bad_scan_labels": BAD_SCAN_LABELS,
        "poll_every": POLL_EVERY,
        "updated_at": platform.clock.now(),
    }
