"""Simulated shoppers who keep a served world busy: they press 1-Click and now and then
cancel, through the public HTTP API with their own keys (the same path as any client), so
that the operations console has a live feed to show. For demos, not for measuring."""

from __future__ import annotations

import logging
import random
import threading
import uuid
from collections import Counter
from collections.abc import Sequence

import httpx

from baro.twin.world import WorldManifest

log = logging.getLogger("baro.traffic")


class ShopperTraffic:
    """Orders at about ``orders_per_s`` (exponential gaps, as independent shoppers make),
    cancelling ``cancel_share`` of them a moment later. Counts what the server answered."""

    def __init__(
        self,
        base_url: str,
        manifest: WorldManifest,
        *,
        orders_per_s: float = 0.5,
        cancel_share: float = 0.1,
        seed: int = 7,
    ) -> None:
        if orders_per_s <= 0:
            raise ValueError("orders_per_s must be positive")
        self._base_url = base_url
        self._customers: Sequence[dict[str, object]] = manifest.customers
        self._products: Sequence[dict[str, object]] = manifest.products
        self._rate = orders_per_s
        self._cancel_share = cancel_share
        self._rng = random.Random(seed)
        self.answers: Counter[int] = Counter()  # owned by the traffic thread
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shopper-traffic", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with httpx.Client(base_url=self._base_url, timeout=10) as client:
            while not self._stop.wait(self._rng.expovariate(self._rate)):
                try:
                    self._shop_once(client)
                except httpx.HTTPError as error:
                    # The server is starting, restarting or gone: try again at the next gap.
                    log.debug("simulated shopper could not reach the server: %s", error)

    def _shop_once(self, client: httpx.Client) -> None:
        customer = self._rng.choice(self._customers)
        product = self._rng.choice(self._products)
        headers = {
            "Authorization": f"Bearer {customer['api_key']}",
            "Idempotency-Key": str(uuid.uuid4()),
        }
        body = {"product_id": product["id"], "quantity": self._rng.choice((1, 1, 1, 2))}
        placed = client.post("/v1/orders/one-click", json=body, headers=headers)
        self.answers[placed.status_code] += 1
        if placed.status_code == 201 and self._rng.random() < self._cancel_share:
            order_id = placed.json()["id"]
            cancelled = client.post(
                f"/v1/orders/{order_id}/cancel",
                headers={"Authorization": headers["Authorization"]},
            )
            self.answers[cancelled.status_code] += 1
