"""Routes whose work waits on the payment gateway (a cancel's refund, a cart checkout's
charge) run on threads of their own, not on the few request threads every other route
shares: two slow refunds must not stall the catalogue, the cart or the health checks.

The gateway's own timeouts bound each call; these threads bound how many such calls one
server process waits on at once (``BARO_GATEWAY_CALLS``).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, TypeVar

from fastapi import Depends, Request

Result = TypeVar("Result")


class GatewayThreads:
    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="gateway-route")

    async def run(self, work: Callable[[], Result]) -> Result:
        """``work()`` on one of these threads, in the request's context (its request id)."""
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._pool, context.run, work)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


async def gateway_threads(request: Request) -> GatewayThreads:
    threads: GatewayThreads = request.app.state.gateway_threads
    return threads


GatewayThreadsDep = Annotated[GatewayThreads, Depends(gateway_threads)]
