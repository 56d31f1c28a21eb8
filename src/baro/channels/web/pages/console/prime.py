"""Prime as operators watch it: the open memberships, the renewals due in the next week
(the ticks charge each once, on its day), and the memberships whose renewal was declined,
in their grace period, with the next retry. This page only reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...deps import PlatformDep
from ..storefront.prime import PERIODS, STATUSES
from .page import render_console

LISTED: Final = 100
DUE_WITHIN: Final = timedelta(days=7)

router = APIRouter()


@router.get("/prime")
def prime(request: Request, platform: PlatformDep) -> Response:
    return render_console(
        request,
        "console/prime.html",
        members=platform.prime.members(limit=LISTED),
        due=platform.prime.due(DUE_WITHIN, limit=LISTED),
        failed=platform.prime.failed_payments(limit=LISTED),
        prime_statuses=STATUSES,
        periods=PERIODS,
    )
