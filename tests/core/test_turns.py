"""The first-come gate: callers go in in the order they arrived, and one leaving cannot go
ahead of those already waiting (what ``threading.Semaphore`` lets it do)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from baro.core.turns import FirstComeGate


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the gate never got there"
        time.sleep(0.001)


def _start(work: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_waiting_callers_go_in_in_arrival_order_and_one_leaving_goes_behind_them() -> None:
    gate = FirstComeGate(1)
    order: list[str] = []
    inside, leave = threading.Event(), threading.Event()

    def first() -> None:
        with gate.turn():
            inside.set()
            leave.wait()
        with gate.turn():  # straight back: behind the two already waiting
            order.append("first again")

    def waiter(name: str) -> Callable[[], None]:
        def work() -> None:
            with gate.turn():
                order.append(name)

        return work

    threads = [_start(first)]
    inside.wait()
    for name, queued in (("second", 1), ("third", 2)):
        threads.append(_start(waiter(name)))
        _until(lambda queued=queued: gate.waiting == queued)  # type: ignore[misc]
    leave.set()
    for thread in threads:
        thread.join()

    assert order == ["second", "third", "first again"]
    assert gate.waiting == 0


def test_as_many_as_the_slots_are_inside_at_once() -> None:
    gate = FirstComeGate(2)
    both_in, leave = threading.Barrier(3), threading.Event()

    def work() -> None:
        with gate.turn():
            both_in.wait()
            leave.wait()

    def later() -> None:
        with gate.turn():
            pass

    threads = [_start(work), _start(work)]
    both_in.wait()  # two are inside together
    third = _start(later)
    _until(lambda: gate.waiting == 1)
    leave.set()
    for thread in [*threads, third]:
        thread.join()

    assert gate.waiting == 0


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        FirstComeGate(0)
