"""Placing an order from a form, exactly once.

The form carries an idempotency key made when the page was rendered, so the Orders
service (the same ``Placer`` the API uses: the key is claimed in the database) turns a
double click or a resubmitted form into the first order. A second post that arrives while
the first is still being charged meets ``IdempotencyKeyInFlight``; the browser shows only
the answer to the last post, so that one waits for the first to finish and then answers
with its order, as the replay it is.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable

from fastapi import Request

from baro.commerce.orders import Placement
from baro.core.idempotency import IdempotencyKeyInFlight

from ...gateway_threads import GatewayThreads

MAX_KEY = 100
# A charge takes well under a second; past this the shopper is told to look at the orders.
WAIT_FOR_FIRST_S = 10.0
POLL_S = 0.1


def new_key() -> str:
    """A fresh key for a form about to be rendered."""
    return secrets.token_urlsafe(18)


def usable_key(text: str) -> str | None:
    key = text.strip()
    return key if 0 < len(key) <= MAX_KEY and key.isascii() and key.isprintable() else None


async def place(request: Request, work: Callable[[], Placement]) -> Placement:
    """``work`` on the gateway threads (it charges a card), waiting out a first post of
    the same key that is still in flight."""
    threads: GatewayThreads = request.app.state.gateway_threads
    waited = 0.0
    while True:
        try:
            return await threads.run(work)
        except IdempotencyKeyInFlight:
            if waited >= WAIT_FOR_FIRST_S:
                raise
            await asyncio.sleep(POLL_S)
            waited += POLL_S
