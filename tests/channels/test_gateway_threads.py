"""A slow payment gateway holds only the routes that wait on it, never the request threads
that every other route shares."""

from __future__ import annotations

import asyncio
import threading

import anyio.to_thread
import httpx

from baro.channels.web import create_app
from baro.commerce.payments import Refund, SandboxGateway
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.money import Money
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

GUARD_S = 10  # only against a hang: every step below is reached in milliseconds


class HeldRefunds(SandboxGateway):
    """The sandbox, but each refund waits until the test lets it go."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__(clock)
        self.waiting = 0
        self.release = threading.Event()
        self._lock = threading.Lock()  # owner of ``waiting``: the gateway's callers

    def refund(self, capture_id: str, amount: Money, *, idempotency_key: str) -> Refund:
        with self._lock:
            self.waiting += 1
        self.release.wait(GUARD_S)
        return super().refund(capture_id, amount, idempotency_key=idempotency_key)


def test_two_slow_refunds_leave_the_other_routes_answering(
    settings: Settings, clock: SimulatedClock
) -> None:
    gateway = HeldRefunds(clock)
    platform = Platform.start(settings, clock=clock, gateway=gateway)
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    orders = [
        platform.orders.place_one_click(buyer.principal, item.id, 1, idempotency_key=f"k{n}")
        for n in range(2)
    ]
    app = create_app(platform)
    headers = {"Authorization": f"Bearer {buyer.api_key}"}

    async def scenario() -> tuple[int, list[int]]:
        # As served: as many request threads as BARO_WORKER_THREADS (2).
        anyio.to_thread.current_default_thread_limiter().total_tokens = 2
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://baro") as client:
            cancels = [
                asyncio.create_task(client.post(f"/v1/orders/{o.order.id}/cancel", headers=headers))
                for o in orders
            ]
            while gateway.waiting < 2:
                await asyncio.sleep(0.005)
            product = await asyncio.wait_for(client.get(f"/v1/products/{item.id}"), GUARD_S / 2)
            gateway.release.set()
            cancelled = await asyncio.gather(*cancels)
        return product.status_code, [response.status_code for response in cancelled]

    try:
        assert asyncio.run(asyncio.wait_for(scenario(), GUARD_S)) == (200, [200, 200])
    finally:
        gateway.release.set()
        platform.close()
