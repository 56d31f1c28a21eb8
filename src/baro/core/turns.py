"""Turns in arrival order for CPU-bound work shared by many request threads.

In one Python process the threads share the interpreter: eight searches at once each hold
it a few milliseconds at a time and wait up to the switch interval (5 ms) for every turn
they lose, so a search that by itself takes 2 ms took up to 180 ms at concurrency 8. Letting
a few in at a time, in the order they came, gives each the interpreter while it works and
makes the wait a queue's (docs/search.md). ``threading.Semaphore`` cannot do it: a thread
that releases it can take it again before the threads it woke run, and measured so, one
search in a hundred waited a second. No maintained library has a first-come threading
semaphore, so this is ours.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class FirstComeGate:
    """At most ``slots`` callers inside at once; the others wait and go in the order they
    arrived. A caller leaving hands its slot to the first waiting, so no newcomer can go
    ahead of them."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"a gate needs at least one slot, got {slots}")
        self._slots = slots
        self._lock = threading.Lock()  # guards _inside and _waiting
        self._inside = 0
        self._waiting: deque[threading.Event] = deque()

    @property
    def waiting(self) -> int:
        """How many callers are queued now."""
        with self._lock:
            return len(self._waiting)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Inside the gate for the ``with`` block, once it is this caller's turn."""
        with self._lock:
            called: threading.Event | None = None
            if self._inside < self._slots and not self._waiting:
                self._inside += 1
            else:
                called = threading.Event()
                self._waiting.append(called)
        if called is not None:
            self._wait(called)
        try:
            yield
        finally:
            self._leave()

    def _wait(self, called: threading.Event) -> None:
        try:
            called.wait()  # whoever leaves counts us in before setting it
        except BaseException:
            with self._lock:  # interrupted: give up our place, or the slot handed to us
                if called in self._waiting:
                    self._waiting.remove(called)
                    raise
            self._leave()
            raise

    def _leave(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # the slot passes on: _inside is unchanged
            else:
                self._inside -= 1
