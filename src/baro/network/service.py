"""Operator use cases on the network, one unit of work each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from baro.core import idempotency
from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.idempotency import IdempotentRequest
from baro.network.facilities import Facility, list_facilities
from baro.network.inventory import StockLevel, receive
from baro.network.transfers import (
    Dispatch,
    Incoming,
    Move,
    PlanSummary,
    Transfer,
    TransferPlanRecord,
    arrive_due,
    cancel_transfer,
    dispatch,
    incoming,
    latest_plans,
    latest_transfers,
)


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

    def dispatch(
        self, moves: Sequence[Move], summary: PlanSummary, *, idempotency_key: str | None
    ) -> Dispatch:
        """Record a plan and send its moves (see ``baro.network.transfers``); a repeated key
        returns the first dispatch. All or nothing: NotEnoughToSend writes nothing."""
        with self._db.transaction() as session:
            return dispatch(
                session,
                moves,
                now=self._clock.now(),
                idempotency_key=idempotency_key,
                summary=summary,
            )

    def arrive_due(self) -> list[Transfer]:
        """Land the transfers whose time has come; those this call landed."""
        with self._db.transaction() as session:
            return arrive_due(session, self._clock.now())

    def cancel_transfer(self, transfer_id: str) -> Transfer:
        with self._db.transaction() as session:
            return cancel_transfer(session, transfer_id, self._clock.now())

    def incoming(self, product_ids: Iterable[str] | None = None) -> list[Incoming]:
        with self._db.read() as session:
            return incoming(session, product_ids)

    def plans(self, limit: int) -> list[TransferPlanRecord]:
        """The latest plans, newest first."""
        with self._db.read() as session:
            return latest_plans(session, limit)

    def transfers(self, limit: int) -> list[Transfer]:
        """The latest transfers, newest dispatch first."""
        with self._db.read() as session:
            return latest_transfers(session, limit)
