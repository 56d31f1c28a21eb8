"""Whether a drone base or a facility's van fleet has room on a day.

``PromisedCounts`` counts the orders already promised per facility, mode and day. It
reads them with an injected reader (platform.py gives it one over the orders table),
keeps them in this process and reads again when ``refresh_every`` of wall time has passed
(a timer, not the injected clock: the twin's simulated hours must not make every batch
read), counting what this process promises in between: the order path asks it and adds
no statement.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Protocol

from baro.delivery.promise.model import Mode

PromisedRow = tuple[str, str, date, int]  # facility id, mode value, day of the window, orders
PromisedReader = Callable[[datetime], Iterable[PromisedRow]]
"""Orders promised with windows starting on or after the given instant."""

DEFAULT_LIMITS: Mapping[Mode, int] = {
    Mode.DRONE: 200,  # sorties per drone base per day
    Mode.SAME_DAY: 300,  # same-day van stops per facility per day
    Mode.IN_CAR: 100,  # in-car stops per facility per day
}


class CapacityCheck(Protocol):
    def has_room(self, facility_id: str, mode: Mode, day: date) -> bool: ...

    def promised(self, facility_id: str, mode: Mode, day: date) -> None:
        """One more order promised (at placement)."""

    def refresh(self, now: datetime, *, force: bool = False) -> None:
        """Before a batch, outside its transaction: read the counts again if they are old."""


class Unlimited:
    """Every fleet always has room (tests of the timing alone; a world without limits)."""

    def has_room(self, facility_id: str, mode: Mode, day: date) -> bool:
        return True

    def promised(self, facility_id: str, mode: Mode, day: date) -> None:
        return None

    def refresh(self, now: datetime, *, force: bool = False) -> None:
        return None


class PromisedCounts:
    def __init__(
        self,
        reader: PromisedReader,
        limits: Mapping[Mode, int] = DEFAULT_LIMITS,
        *,
        refresh_every: timedelta = timedelta(seconds=60),
        ticker: Callable[[], float] = time.monotonic,
    ) -> None:
        for mode, limit in limits.items():
            if limit < 0:
                raise ValueError(f"{mode.value} capacity must not be negative, got {limit}")
        self._reader = reader
        self._limits = dict(limits)
        self._every_s = refresh_every.total_seconds()
        self._counts: Counter[tuple[str, str, date]] = Counter()
        self._ticker = ticker
        self._read_tick: float | None = None
        self._lock = threading.Lock()

    def refresh(self, now: datetime, *, force: bool = False) -> None:
        tick = self._ticker()
        fresh = self._read_tick is not None and tick - self._read_tick < self._every_s
        if fresh and not force:
            return
        since = datetime.combine(now.date(), datetime.min.time(), tzinfo=now.tzinfo)
        counts: Counter[tuple[str, str, date]] = Counter()
        for facility_id, mode, day, orders in self._reader(since):
            counts[(facility_id, mode, day)] += orders
        with self._lock:
            self._counts, self._read_tick = counts, tick

    def has_room(self, facility_id: str, mode: Mode, day: date) -> bool:
        limit = self._limits.get(mode)
        if limit is None:
            return True
        with self._lock:
            return self._counts[(facility_id, mode.value, day)] < limit

    def promised(self, facility_id: str, mode: Mode, day: date) -> None:
        with self._lock:
            self._counts[(facility_id, mode.value, day)] += 1
