"""The twin's clock: SimPy's simulated time as baro's ``Clock``."""

from __future__ import annotations

from datetime import datetime, timedelta

import simpy

from baro.core.clock import ensure_utc


class SimPyClock:
    """``now()`` is ``epoch`` plus the SimPy environment's time, counted in seconds."""

    def __init__(self, env: simpy.Environment, epoch: datetime) -> None:
        self._env = env
        self._epoch = ensure_utc(epoch)

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=float(self._env.now))

    def seconds_until(self, instant: datetime) -> float:
        """How long the simulation must wait to reach ``instant`` (never negative)."""
        return max(0.0, (ensure_utc(instant) - self.now()).total_seconds())
