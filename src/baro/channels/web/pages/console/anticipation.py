"""Anticipation as operators watch it: the latest plans (when, why, units moved, expected
local fill before and after) and the latest transfers (in transit, arrived, called back).

``baro anticipate run`` makes the plans and sends their transfers; the platform's ticks
(``baro.jobs``) land them; this page only reads.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...deps import PlatformDep
from .page import render_console

PLANS: Final = 20
TRANSFERS: Final = 50

# English labels, translated in the template like all page text.
TRANSFER_STATES: Final = {
    "in_transit": "In transit",
    "arrived": "Arrived",
    "cancelled": "Called back",
}

router = APIRouter()


@router.get("/anticipation")
def anticipation(request: Request, platform: PlatformDep) -> Response:
    return render_console(
        request,
        "console/anticipation.html",
        plans=platform.network.plans(PLANS),
        transfers=platform.network.transfers(TRANSFERS),
        facility_names={f.id: f.name for f in platform.network.facilities()},
        transfer_states=TRANSFER_STATES,
    )
