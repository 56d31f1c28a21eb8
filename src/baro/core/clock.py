"""Time comes from a clock, never from ``datetime.now()``: the twin and the tests step it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """Wall-clock time, for production."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that only moves when told to: tests jump past a cancel window in one line."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError(f"a clock cannot run backwards (asked to move by {delta})")
        self._now += delta
        return self._now

    def set(self, instant: datetime) -> None:
        instant = ensure_utc(instant)
        if instant < self._now:
            raise ValueError(f"a clock cannot run backwards ({instant} is before {self._now})")
        self._now = instant


def ensure_utc(instant: datetime) -> datetime:
    """Refuse naive datetimes (they hide a time-zone bug) and normalise to UTC."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r}: times in baro must be timezone-aware")
    return instant.astimezone(UTC)
