"""Replenishment as operators watch it: the subscriptions due now (the next
``baro replenish run`` orders them; a failure from the last try beside each) and the orders
subscriptions placed, newest first. This page only reads."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ...deps import PlatformDep
from .page import render_console

DUE: Final = 100
PLACED: Final = 50

router = APIRouter()


@router.get("/replenishment")
def replenishment(request: Request, platform: PlatformDep) -> Response:
    placed = platform.replenishment.recent_orders(limit=PLACED)
    return render_console(
        request,
        "console/replenishment.html",
        due=platform.replenishment.due(limit=DUE),
        placed=placed,
        order_statuses=platform.orders.statuses([p.order_id for p in placed]),
    )
