"""Requests from many coroutines, handled together in one call on a worker thread.

While ``in_flight`` batches are being handled, the requests that arrive queue up; when one
is done, all of them (up to ``max_batch``) go as the next batch. Nothing waits for a
timer: a lone request is handled at once, and under load the batches grow by themselves,
so the fixed cost of a database round trip or a transaction is shared by every request in
it (group commit).

Written here, not taken from PyPI: the packages for this (async-batcher, batched,
aioautobatch) gather each batch on a timer, a delay every request pays even when the
server is idle, and are young one-person projects; this one is fifty lines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from baro.core.logs import handling_requests, request_id

Item = TypeVar("Item")
Result = TypeVar("Result")

Handler = Callable[[Sequence[Item]], Sequence[Result | Exception]]


class MicroBatcher(Generic[Item, Result]):
    """``await submit(item)`` returns what ``handle`` gave for that item, or raises the
    exception it gave for it. ``handle`` gets a batch and returns one outcome per item, in
    order; if it raises, every item of the batch gets that exception.

    Owner of the queue and the drainer count: the event loop's thread. Only coroutines on
    that loop touch them, and a drainer stops (and is uncounted) in the same step as it
    finds the queue empty, so a request never queues behind a drainer that has stopped.
    """

    def __init__(
        self,
        handle: Handler[Item, Result],
        *,
        max_batch: int = 32,
        in_flight: int = 1,
        name: str = "batcher",
    ) -> None:
        if max_batch < 1 or in_flight < 1:
            raise ValueError(f"need max_batch and in_flight >= 1, got {max_batch}, {in_flight}")
        self._handle = handle
        self._max_batch = max_batch
        self._in_flight = in_flight
        # Each waiting item with its caller's future and request id (for the batch's log lines).
        self._waiting: list[tuple[Item, asyncio.Future[Result], str | None]] = []
        self._drainers = 0
        self._tasks: set[asyncio.Task[None]] = set()  # asyncio keeps only weak references
        self._threads = ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix=name)
        self.batches = 0
        self.items = 0

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future, request_id()))
        if self._drainers < self._in_flight:
            self._drainers += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._max_batch]
                del self._waiting[: self._max_batch]
                await self._run(batch)
        finally:
            # No await between the emptiness check above and this line: a request that
            # arrives after it sees one drainer fewer and starts its own.
            self._drainers -= 1

    async def _run(self, batch: list[tuple[Item, asyncio.Future[Result], str | None]]) -> None:
        items = [item for item, _, _ in batch]
        ids = [rid for _, _, rid in batch]
        loop = asyncio.get_running_loop()
        try:
            outcomes = await loop.run_in_executor(self._threads, self._handle_for, ids, items)
            if len(outcomes) != len(items):
                raise RuntimeError(
                    f"the batch handler gave {len(outcomes)} outcomes for {len(items)}"
                )
        except Exception as failure:  # the whole batch failed: each request hears why
            outcomes = [failure] * len(items)
        except BaseException:  # cancelled (shutdown): nobody may be left waiting
            for _, future, _ in batch:
                future.cancel()
            raise
        self.batches += 1
        self.items += len(items)
        for (_, future, _), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)

    def _handle_for(
        self, request_ids: list[str | None], items: list[Item]
    ) -> Sequence[Result | Exception]:
        """The handler, on the worker thread, its log lines naming the batch's requests."""
        with handling_requests(request_ids):
            return self._handle(items)

    def close(self) -> None:
        self._threads.shutdown(wait=True)


def _settle(future: asyncio.Future[Result], outcome: Result | Exception) -> None:
    if future.done():  # the caller went away (client disconnected): nobody to tell
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
