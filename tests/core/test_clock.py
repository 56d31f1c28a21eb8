"""Clocks give timezone-aware UTC and simulated time moves only forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from baro.core.clock import SimulatedClock, SystemClock, ensure_utc


def test_system_clock_is_utc() -> None:
    assert SystemClock().now().utcoffset() == timedelta(0)


def test_simulated_clock_steps_and_never_runs_backwards() -> None:
    clock = SimulatedClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(minutes=30))
    assert clock.now() == datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ValueError, match="backwards"):
        clock.set(datetime(2025, 1, 1, tzinfo=UTC))


def test_naive_times_are_refused_and_offsets_normalised() -> None:
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 1, 1))
    seoul = datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    assert ensure_utc(seoul) == datetime(2026, 1, 1, tzinfo=UTC)
    assert ensure_utc(seoul).tzinfo is UTC
