"""Operator use cases on the network, one unit of work each."""

from __future__ import annotations

from datetime import timedelta

from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.idempotency import IdempotentRequest
from baro.network.facilities import Facility, list_facilities
from baro.network.inventory import StockLevel, receive


class Network:
    def __init__(self, db: Database, clock: Clock, ttl: timedelta) -> None:
        self._db = db
        self._clock = clock
        self._ttl = ttl

    def facilities(self) -> list[Facility]:
        with self._db.read() as session:
            return list_facilities(session)

    def receive(
        self, facility_id: str, product_id: str, quantity: int, *, idempotency_key: str | None
    ) -> StockLevel:
        """Goods arrived. A repeated delivery note (same key) is counted once."""
        request = IdempotentRequest.of(
            f"facility:{facility_id}",
            idempotency_key,
            "receive",
            product_id=product_id,
            quantity=quantity,
        )
        with self._db.transaction() as session:
            previous = idempotency.claim(session, request, now=self._clock.now(), ttl=self._ttl)
            if previous is not None:
                return StockLevel(**previous["stock"])
            level = receive(session, facility_id, product_id, quantity)
            idempotency.complete(
                session,
                request,
                {
                    "stock": {
                        "facility_id": facility_id,
                        "product_id": product_id,
                        "on_hand": level.on_hand,
                        "reserved": level.reserved,
                    }
                },
            )
        return level
