"""The virtual Dash SDK: a small typed client for appliances with a screen.

::

    from baro.channels.devices.client import DeviceClient

    with DeviceClient("https://shop.example", secret="dev_…") as device:
        for slot in device.slots():
            print(slot.slot, slot.product_id, slot.level)
        answer = device.press("detergent", press_id="press-0001")
        if answer.status == "ordered":
            print("ordered", answer.order_id)
        elif answer.status == "already_on_its_way":
            print("already on its way:", answer.order_id)
        else:  # held_for_confirmation: the owner confirms the new price in the shop
            print("price rose to", answer.price_minor)

A press id is the device's own (a counter it keeps, a UUID): sending the same press again
after a timeout never orders twice. Errors come back as ``DeviceApiError`` with the
problem's stable ``code`` (``device_not_authenticated``, ``out_of_stock``, …).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx


class DeviceApiError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class SlotView:
    slot: str
    product_id: str
    quantity: int
    capacity: float
    level: float | None
    run_out_at: datetime | None
    open_order_id: str | None
    held_price_minor: int | None


@dataclass(frozen=True)
class PressAnswer:
    status: str  # ordered | already_on_its_way | held_for_confirmation
    replayed: bool
    order_id: str | None
    total_minor: int | None  # ordered: what the card was charged
    price_minor: int | None  # held: the unit price now
    currency: str | None


class DeviceClient:
    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> DeviceClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def slots(self) -> list[SlotView]:
        """The device's slots as the platform sees them (levels, run-out, open orders)."""
        body = self._call("GET", "/v1/device")
        return [_slot(slot) for slot in body["slots"]]

    def press(self, slot: str, *, press_id: str) -> PressAnswer:
        """Press a slot: order its product, unless its last order is still on its way or
        the price rose past the owner's limit (then the owner is asked to confirm)."""
        body = self._call("POST", f"/v1/device/slots/{slot}/press", json={"press_id": press_id})
        order = body.get("order") or {}
        price = body.get("price") or order.get("total") or {}
        return PressAnswer(
            status=body["status"],
            replayed=body["replayed"],
            order_id=body.get("order_id"),
            total_minor=order["total"]["minor"] if order else None,
            price_minor=body["price"]["minor"] if body.get("price") else None,
            currency=price.get("currency"),
        )

    def status(self, slot: str) -> SlotView:
        """One slot (its level, its open order, a held price)."""
        for view in self.slots():
            if view.slot == slot:
                return view
        raise DeviceApiError(404, "slot_not_found", f"this device has no slot {slot!r}")

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
                code, detail = problem.get("code", "error"), problem.get("detail", "")
            except ValueError:
                code, detail = "error", response.text[:200]
            raise DeviceApiError(response.status_code, code, detail)
        body: dict[str, Any] = response.json()
        return body


def _slot(body: dict[str, Any]) -> SlotView:
    return SlotView(
        slot=body["slot"],
        product_id=body["product_id"],
        quantity=body["quantity"],
        capacity=body["capacity"],
        level=body["level"],
        run_out_at=datetime.fromisoformat(body["run_out_at"]) if body["run_out_at"] else None,
        open_order_id=body["open_order_id"],
        held_price_minor=body["held_price"]["minor"] if body["held_price"] else None,
    )
