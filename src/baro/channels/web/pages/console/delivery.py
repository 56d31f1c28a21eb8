"""Delivery as operators watch it: each drone base with its weather and its drones, the
latest sorties, and the locker banks with their compartments in use.

The platform's own ticks (``baro.jobs``) move what is shown here: sorties assigned, flown
and called off, parcels sent back from lockers; this page only reads.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...deps import PlatformDep
from .page import render_console

SORTIES: Final = 50

# English labels, translated in the template like all page text.
SORTIE_STATES: Final = {
    "assigned": "Assigned",
    "launched": "In the air",
    "dropped": "Dropped, flying back",
    "returned": "Back at the base",
    "cancelled": "Called off",
}

router = APIRouter()


@router.get("/delivery")
def delivery(request: Request, platform: PlatformDep) -> Response:
    bases = platform.drones.bases()
    names = {base.id: base.name for base in bases}
    return render_console(
        request,
        "console/delivery.html",
        bases=bases,
        base_names=names,
        sorties=platform.drones.sorties(SORTIES),
        sortie_states=SORTIE_STATES,
        lockers=platform.lockers.occupancy(),
        now=platform.clock.now(),
    )
