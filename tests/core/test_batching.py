"""MicroBatcher: requests that arrive while a batch runs go together as the next one."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
from collections.abc import Awaitable, Sequence

import pytest
from asgi_correlation_id.context import correlation_id

from baro.core import logs
from baro.core.batching import MicroBatcher


class Recorder:
    """A handler that doubles numbers, remembers its batches, and can be held at the door."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.gate = threading.Event()
        self.gate.set()
        self.running = 0
        self.most_running = 0
        self._lock = threading.Lock()

    def __call__(self, items: Sequence[int]) -> list[int | Exception]:
        with self._lock:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        self.gate.wait(timeout=5)
        self.batches.append(list(items))
        with self._lock:
            self.running -= 1
        return [ValueError(f"odd {n}") if n % 2 else n * 2 for n in items]


async def _submit_all(batcher: MicroBatcher[int, int], numbers: Sequence[int]) -> list[object]:
    tasks = [asyncio.create_task(batcher.submit(n)) for n in numbers]
    return list(await asyncio.gather(*tasks, return_exceptions=True))


def test_a_lone_request_is_handled_at_once_in_a_batch_of_its_own() -> None:
    handler = Recorder()
    batcher = MicroBatcher(handler, max_batch=8)

    assert asyncio.run(batcher.submit(4)) == 8
    assert handler.batches == [[4]]
    batcher.close()


def test_a_press_right_after_the_last_batch_ends_is_handled() -> None:
    """The caller of a finished batch resumes before the batch's task has been cleaned up;
    a press it makes at once must start a batch of its own, not wait for a later press."""
    batcher = MicroBatcher(Recorder(), max_batch=8)

    async def one_after_another() -> tuple[int, int]:
        first = await batcher.submit(2)
        second = await batcher.submit(4)  # runs before asyncio's done-callbacks of batch 1
        return first, second

    assert asyncio.run(asyncio.wait_for(one_after_another(), timeout=5)) == (4, 8)
    batcher.close()


def test_requests_arriving_during_a_batch_form_the_next_one_up_to_max_batch() -> None:
    handler = Recorder()
    batcher = MicroBatcher(handler, max_batch=3)

    async def scenario() -> list[object]:
        handler.gate.clear()
        first = asyncio.create_task(batcher.submit(0))
        await asyncio.sleep(0.05)  # the first batch is now held in the handler
        rest = asyncio.create_task(_submit_all(batcher, [2, 4, 6, 8, 10]))
        await asyncio.sleep(0.05)
        handler.gate.set()
        return [await first, *await rest]

    assert asyncio.run(scenario()) == [0, 4, 8, 12, 16, 20]
    assert handler.batches == [[0], [2, 4, 6], [8, 10]]
    assert (batcher.batches, batcher.items) == (3, 6)
    batcher.close()


def test_an_error_for_one_item_reaches_only_its_caller() -> None:
    batcher = MicroBatcher(Recorder(), max_batch=8)

    results = asyncio.run(_submit_all(batcher, [2, 3, 4]))

    assert results[0] == 4 and results[2] == 8
    assert isinstance(results[1], ValueError) and "odd 3" in str(results[1])
    batcher.close()


def test_a_failing_handler_fails_every_request_of_its_batch() -> None:
    def broken(items: Sequence[int]) -> list[int | Exception]:
        raise RuntimeError("database is down")

    batcher = MicroBatcher(broken, max_batch=8)
    results = asyncio.run(_submit_all(batcher, [1, 2]))

    assert all(isinstance(r, RuntimeError) and "down" in str(r) for r in results)
    batcher.close()


def test_a_handler_that_loses_outcomes_is_an_error_not_a_hang() -> None:
    batcher = MicroBatcher(lambda items: list(items)[:-1], max_batch=8)
    results = asyncio.run(_submit_all(batcher, [1, 2]))

    assert all(isinstance(r, RuntimeError) and "1 outcomes for 2" in str(r) for r in results)
    batcher.close()


def test_in_flight_batches_run_side_by_side() -> None:
    handler = Recorder()
    batcher = MicroBatcher(handler, max_batch=1, in_flight=2)

    async def scenario() -> list[object]:
        handler.gate.clear()
        running = asyncio.create_task(_submit_all(batcher, [2, 4, 6]))
        await asyncio.sleep(0.1)
        handler.gate.set()
        return await running

    assert asyncio.run(scenario()) == [4, 8, 12]
    assert handler.most_running == 2
    batcher.close()


def test_sizes_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        MicroBatcher(Recorder(), max_batch=0)


def test_lines_the_handler_logs_name_the_requests_of_its_batch() -> None:
    """The handler runs on a worker thread for many requests at once: its log lines carry
    the request id of each (the id every request's own lines carry)."""
    buffer = io.StringIO()
    logs.configure_logging("INFO", "json", stream=buffer)
    handler = Recorder()

    def logging_handler(items: Sequence[int]) -> list[int | Exception]:
        logging.getLogger("baro.test").info("placing %d", len(items))
        return handler(items)

    batcher = MicroBatcher(logging_handler, max_batch=8)

    async def two_requests() -> list[object]:
        handler.gate.clear()
        first = asyncio.create_task(_as_request("rid-0", batcher.submit(0)))
        await asyncio.sleep(0.05)  # the first batch is held in the handler
        rest = [asyncio.create_task(_as_request(f"rid-{n}", batcher.submit(n))) for n in (2, 4)]
        await asyncio.sleep(0.05)
        handler.gate.set()
        return [await first, *[await task for task in rest]]

    try:
        assert asyncio.run(two_requests()) == [0, 4, 8]
    finally:
        batcher.close()
        logs.configure_logging("INFO", "json")
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == [["rid-0"], ["rid-2", "rid-4"]]


async def _as_request(request_id: str, work: Awaitable[int]) -> int:
    """``work`` awaited as the handling of the request with this id (as the middleware sets)."""
    correlation_id.set(request_id)
    return await work
