"""Inventory by facility: a map of the network sized by stock, each facility's stock, and
receiving goods (``Network.receive``, exactly once per form through its idempotency key).

The map is an inline SVG drawn from the facilities' coordinates: nothing is fetched from
elsewhere (no tiles, no map library), so it works offline and under the page's CSP.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.catalog import Product
from baro.core.idempotency import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidIdempotencyKey,
)
from baro.network import (
    FacilityHoldings,
    FacilityKind,
    FacilityNotFound,
    InvalidStockChange,
    UnknownProduct,
)
from baro.platform import Platform

from ...deps import PlatformDep
from ...schemas import ID_CHARACTERS, MAX_ID_LENGTH, MAX_RECEIVED, Id
from ..forms import FormState, whole_number
from .page import render_console

PAGE: Final = 50
MAP_WIDTH: Final = 800
MAP_HEIGHT: Final = 380
MAP_MARGIN: Final = 56  # room for the largest dot and its label
SMALLEST_DOT: Final = 6.0
LARGEST_DOT: Final = 30.0

# English labels, translated in the template like all page text.
KIND_LABELS: Final = {
    FacilityKind.FULFILLMENT_CENTER: "Fulfilment centre",
    FacilityKind.SELLER_WAREHOUSE: "Seller warehouse",
    FacilityKind.LOCKER: "Locker",
    FacilityKind.DRONE_BASE: "Drone base",
    FacilityKind.STORE: "Store",
}

# The catalogue's key for this message holds the limit written out (MAX_RECEIVED).
QUANTITY: Final = f"Enter a whole number of units from 1 to {MAX_RECEIVED:,}."
RESENT: Final = (
    "This form was already sent with other values. Check the stock below, then send the new form."
)

router = APIRouter()


@dataclass(frozen=True)
class MapPoint:
    holding: FacilityHoldings
    x: float
    y: float
    r: float


def place_on_map(
    holdings: Sequence[FacilityHoldings],
    *,
    width: float = MAP_WIDTH,
    height: float = MAP_HEIGHT,
    margin: float = MAP_MARGIN,
) -> list[MapPoint]:
    """Facilities in SVG coordinates (y grows downwards). Longitude is scaled by the cosine
    of the network's mid latitude, so a degree east looks as long as it is there; the
    network's box is fitted into the view keeping that shape. Past the smallest dot (a
    facility holding nothing stays visible), the radius grows with the square root of the
    units on hand, so the area grows with them: twice the stock does not look four times."""
    if not holdings:
        return []
    lats = [h.facility.lat for h in holdings]
    lngs = [h.facility.lng for h in holdings]
    squeeze = math.cos(math.radians((max(lats) + min(lats)) / 2))
    span_x = (max(lngs) - min(lngs)) * squeeze
    span_y = max(lats) - min(lats)
    room_x, room_y = width - 2 * margin, height - 2 * margin
    scale = min(
        room_x / span_x if span_x else math.inf,
        room_y / span_y if span_y else math.inf,
    )
    if math.isinf(scale):  # one place: put it in the middle
        scale = 0.0
    # Centre the fitted box in the view.
    left = (width - span_x * scale) / 2
    top = (height - span_y * scale) / 2
    most = max(h.on_hand for h in holdings)
    return [
        MapPoint(
            h,
            x=round(left + (h.facility.lng - min(lngs)) * squeeze * scale, 1),
            y=round(top + (max(lats) - h.facility.lat) * scale, 1),
            r=round(
                SMALLEST_DOT
                + (LARGEST_DOT - SMALLEST_DOT) * (math.sqrt(h.on_hand / most) if most else 0),
                1,
            ),
        )
        for h in holdings
    ]


@router.get("/inventory")
def inventory(
    request: Request,
    platform: PlatformDep,
    facility: Annotated[Id | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    product: Annotated[str, Query(max_length=MAX_ID_LENGTH)] = "",
    received: Annotated[Id | None, Query()] = None,
    units: Annotated[int, Query(ge=0, le=MAX_RECEIVED)] = 0,
) -> Response:
    form = FormState(
        values={"facility": facility or "", "product": product, "quantity": "", "key": _new_key()}
    )
    arrived = platform.catalog.get(received).product if received is not None else None
    return _page(request, platform, form, offset=offset, arrived=arrived, units=units)


@router.post("/inventory/receive")
def receive(
    request: Request,
    platform: PlatformDep,
    facility: Annotated[str, Form()] = "",
    product: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "",
    key: Annotated[str, Form()] = "",
) -> Response:
    """Goods arrived; on success back to the facility's stock (a reload posts nothing)."""
    form = FormState(
        values={
            "facility": facility,
            "product": product.strip(),
            "quantity": quantity.strip(),
            "key": key,
        }
    )
    units = _check(request, form)
    if form.ok:
        try:
            platform.network.receive(
                form.values["facility"], form.values["product"], units, idempotency_key=key
            )
        except UnknownProduct:
            form.fail(request, "product", "No product has this id.")
        except FacilityNotFound:
            form.fail(request, "facility", "Choose a facility from the list.")
        except InvalidStockChange:
            form.fail(
                request,
                "quantity",
                "That is more than this facility's count of the product can hold.",
            )
        except (IdempotencyKeyReused, InvalidIdempotencyKey):
            form.fail(request, "_form", RESENT)
            form.values["key"] = _new_key()
        except IdempotencyKeyInFlight:
            form.fail(
                request,
                "_form",
                "This delivery is still being recorded. Send it again in a moment.",
            )
    if not form.ok:
        return _page(request, platform, form, status=422)
    query = urlencode(
        {"facility": form.values["facility"], "received": form.values["product"], "units": units}
    )
    return RedirectResponse(f"/ops/inventory?{query}", status_code=303)


def _check(request: Request, form: FormState) -> int:
    """The form's fields, each checked with its message beside it; the units (0 if wrong)."""
    for name, message in (
        ("facility", "Choose a facility from the list."),
        ("product", "Enter a product id."),
    ):
        typed = form.values[name]
        if not typed or len(typed) > MAX_ID_LENGTH or not re.fullmatch(ID_CHARACTERS, typed):
            form.fail(request, name, message)
    if not form.values["key"]:
        form.fail(request, "_form", "This form is out of date; send the new one.")
        form.values["key"] = _new_key()
    units = whole_number(form, request, form.values, "quantity", 1, MAX_RECEIVED, QUANTITY)
    return units if "quantity" not in form.errors else 0


def _new_key() -> str:
    # One key per form shown: a double click or a resubmitted form is counted once.
    return str(uuid.uuid4())


def _page(
    request: Request,
    platform: Platform,
    form: FormState,
    *,
    offset: int = 0,
    status: int = 200,
    arrived: Product | None = None,
    units: int = 0,
) -> Response:
    """The page for the form's facility (the first one when none or a wrong one was sent
    in a form; an unknown one asked for by link is not found)."""
    shelves = platform.shelves
    holdings = shelves.facilities()
    chosen = "" if "facility" in form.errors else form.values["facility"]
    if not chosen and holdings:
        chosen = holdings[0].facility.id
    form.values["facility"] = chosen
    lines = shelves.at(chosen, limit=PAGE + 1, offset=offset) if chosen else []
    return render_console(
        request,
        "console/inventory.html",
        status=status,
        form=form,
        holdings=holdings,
        facility_options=[(h.facility.id, h.facility.name) for h in holdings],
        points=place_on_map(holdings),
        map_size=(MAP_WIDTH, MAP_HEIGHT),
        chosen=next((h for h in holdings if h.facility.id == chosen), None),
        lines=lines[:PAGE],
        offset=offset,
        more=len(lines) > PAGE,
        page_size=PAGE,
        arrived=arrived,
        units=units,
        kinds=KIND_LABELS,
    )
