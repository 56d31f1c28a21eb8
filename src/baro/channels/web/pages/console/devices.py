"""Devices as operators watch them: every device, its owner, each slot's level, pace and
run-out date, the slot's open order and any reorder held for a price rise. Only reads."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from baro.channels.devices import Devices

from .page import render_console

SHOWN: Final = 200

router = APIRouter()


@router.get("/devices")
def devices(request: Request) -> Response:
    registry: Devices = request.app.state.device_desk.devices
    listed = registry.all_devices(limit=SHOWN)
    return render_console(
        request,
        "console/devices.html",
        devices=listed,
        slots=sum(len(device.slots) for device in listed),
        unclaimed=sum(device.customer_id is None for device in listed),
    )
