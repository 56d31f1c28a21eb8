"""1-Click presses from every connection this process serves, placed in batches.

The route awaits its press on the event loop (``OneClickDesk.place``). The desk's batcher
(``baro.core.batching.MicroBatcher``) calls ``OneClickDesk.place_batch`` on its worker
thread with every press waiting when the database is free; that checks all their API keys
with one query and hands the presses of known customers to ``Orders.place_one_click_all``.
Under load a worker process then runs a handful of transactions for dozens of orders.

A client that timed out sends its press again with the same key while the first is still
being placed. When both reach this process, the second waits for the first's outcome and
gets it as a replay: the 409 ``idempotency_key_in_flight`` and the client's retry after it
are only needed when the first is in another process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from baro.commerce.orders import OneClick, Placement, PlacementOutcome
from baro.core.batching import MicroBatcher
from baro.core.errors import DomainError
from baro.platform import Platform

from .access import CustomerKeyRequired, as_customer
from .ratelimit import FailedAttempts


@dataclass
class Press:
    """One press, and what became of it (``outcome``, set once by ``place_batch``)."""

    api_key: str
    client: str  # where it came from, to slow down whoever guesses keys
    product_id: str
    quantity: int
    idempotency_key: str
    delivery_option: str | None = None  # named by the request; None: preferred, or fastest
    locker_id: str | None = None  # the locker bank it ships to (a compartment is reserved)
    click: OneClick | None = None  # the press of a known customer
    outcome: PlacementOutcome | None = None

    @property
    def identity(self) -> tuple[object, ...]:
        """Everything the press asks: two presses alike in this are one request sent twice."""
        return (
            self.api_key,
            self.idempotency_key,
            self.product_id,
            self.quantity,
            self.delivery_option,
            self.locker_id,
        )


class OneClickDesk:
    def __init__(
        self, platform: Platform, failed: FailedAttempts, *, max_batch: int, in_flight: int
    ) -> None:
        self._platform = platform
        self._failed = failed
        self._batcher: MicroBatcher[Press, Placement] = MicroBatcher(
            self.place_batch, max_batch=max_batch, in_flight=in_flight, name="one-click"
        )
        # The presses being placed, by identity. Owner: the event loop's thread.
        self._placing: dict[tuple[object, ...], asyncio.Future[Placement]] = {}

    @property
    def batches(self) -> int:
        """How many batches this desk has placed."""
        return self._batcher.batches

    async def place(self, press: Press) -> Placement:
        identity = press.identity
        first = self._placing.get(identity)
        if first is not None:
            return replace(await asyncio.shield(first), replayed=True)
        # A task of its own, shielded: the first client hanging up must not cancel the
        # placement the second one waits for.
        placing = asyncio.ensure_future(self._batcher.submit(press))
        self._placing[identity] = placing
        placing.add_done_callback(lambda _: self._placing.pop(identity, None))
        return await asyncio.shield(placing)

    def place_batch(self, presses: Sequence[Press]) -> list[PlacementOutcome]:
        """What the batcher calls: every press gets its own outcome. A press with an
        unknown key gets 401 even when the database then fails the rest of the batch."""
        keys = [press.api_key for press in presses]
        for press, bearer in zip(
            presses, self._platform.customers.authenticate_all(keys), strict=True
        ):
            if isinstance(bearer, DomainError):
                # Past the limit of failed keys from this client, 429 instead of 401.
                press.outcome = self._failed.failed(press.client) or bearer
                continue
            try:
                customer = as_customer(bearer)
            except CustomerKeyRequired as refused:  # an operator's key: 403, as on every
                press.outcome = refused  # customer route
                continue
            press.click = OneClick(
                customer,
                press.product_id,
                press.quantity,
                press.idempotency_key,
                press.delivery_option,
                press.locker_id,
            )
        known = [press for press in presses if press.click is not None]
        clicks = [press.click for press in known if press.click is not None]
        try:
            outcomes = self._platform.orders.place_one_click_all(clicks)
        except Exception as failure:  # the database failed the batch: each press hears why
            outcomes = [failure] * len(known)
        for press, outcome in zip(known, outcomes, strict=True):
            press.outcome = outcome
        return [press.outcome for press in presses if press.outcome is not None]

    def close(self) -> None:
        self._batcher.close()
