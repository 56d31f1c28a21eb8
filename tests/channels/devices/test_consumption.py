"""The consumption model: the pace from readings, refills, late messages, and a reorder
that comes earlier for a household whose use jumps about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from baro.channels.devices.consumption import (
    Reading,
    ReorderRule,
    SlotState,
    observe,
    reorder_due,
)

START = datetime(2026, 3, 1, 8, tzinfo=UTC)
EMPTY = SlotState(None, None, None, 0)


def fed(levels: list[float], every: timedelta = timedelta(days=1)) -> SlotState:
    state = EMPTY
    for n, level in enumerate(levels):
        state = observe(state, Reading(level, START + n * every), capacity=1.0)
    return state


def test_the_pace_is_the_mean_drop_a_day_whatever_the_spacing_of_readings() -> None:
    daily = fed([1.0 - 0.05 * n for n in range(10)])
    twice_a_day = fed([1.0 - 0.025 * n for n in range(19)], every=timedelta(hours=12))
    assert daily.rate_per_day == pytest.approx(0.05)
    assert twice_a_day.rate_per_day == pytest.approx(0.05)
    assert daily.variance_per_day == pytest.approx(0.0, abs=1e-12)


def test_a_rise_is_a_refill_a_new_cycle_and_the_pace_carries_over() -> None:
    state = fed([0.3, 0.25, 0.2, 1.0])
    assert state.cycle == 1 and state.level == 1.0
    assert state.rate_per_day == pytest.approx(0.05)


def test_a_reading_older_than_the_last_is_ignored() -> None:
    state = fed([0.9, 0.8])
    late = observe(state, Reading(0.95, START), capacity=1.0)
    assert late == state


def test_before_the_pace_is_known_the_low_share_decides() -> None:
    rule = ReorderRule()
    one = fed([0.25])
    assert not reorder_due(one, 1.0, (3.0, 3.0), START, rule)
    assert reorder_due(fed([0.2]), 1.0, (3.0, 3.0), START, rule)


def test_a_jumpy_household_is_reordered_for_earlier_than_a_steady_one() -> None:
    steady = fed([1.0 - 0.05 * n for n in range(12)])  # 0.05 every day
    jumpy = fed([1.0 - 0.1 * ((n + 1) // 2) for n in range(12)])  # 0.1, then 0
    assert steady.rate_per_day == pytest.approx(jumpy.rate_per_day, rel=0.1)
    rule, lead = ReorderRule(), 3.0

    def days_left_when_due(state: SlotState) -> float:
        level = state.level or 0.0
        while not reorder_due(state, 1.0, (lead, lead), START + timedelta(days=11), rule):
            level -= 0.01
            state = SlotState(
                level,
                state.level_at,
                state.rate_per_day,
                state.cycle,
                state.variance_per_day,
                state.reading_days,
                state.observed_days,
            )
        return level / (state.rate_per_day or 1)

    assert days_left_when_due(jumpy) > days_left_when_due(steady) >= lead
