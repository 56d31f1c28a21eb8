"""``baro bench anticipate``: the oracle's gain captured, the targets, the default test end,
and bad input refused in words (the full bench runs on the real data: docs/benchmarks.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from baro.bench.anticipate import _targets, oracle_gain_captured, two_months_after
from baro.cli import app


def policies(**p50: float | None) -> dict[str, dict[str, Any]]:
    return {name: {"click_to_door_p50_h": hours} for name, hours in p50.items()}


def test_the_oracle_gain_captured_is_the_share_of_centrals_lead_the_forecast_wins() -> None:
    assert oracle_gain_captured(policies(central=240.0, anticipate=230.0, oracle=200.0)) == 0.25
    assert oracle_gain_captured(policies(central=240.0, anticipate=250.0, oracle=200.0)) == -0.25
    # The oracle no better than central: nothing to capture.
    assert oracle_gain_captured(policies(central=200.0, anticipate=190.0, oracle=200.0)) is None
    assert oracle_gain_captured(policies(central=None, anticipate=190.0, oracle=200.0)) is None


def test_targets_compare_anticipate_with_each_policy_and_count_speculative_waste() -> None:
    def policy(fill: float, p50: float, sent: int = 0, wasted: int = 0) -> dict[str, Any]:
        return {
            "local_fill_rate": fill,
            "click_to_door_p50_h": p50,
            "speculative_units": sent,
            "speculative_waste_units": wasted,
        }

    accuracy = {
        "targets": {"wape_better_than_baselines": True, "mase_better_than_baselines": False}
    }
    targets = _targets(
        {
            "central": policy(0.40, 240.0),
            "proportional": policy(0.50, 235.0),
            "anticipate": policy(0.45, 230.0, sent=20, wasted=3),
        },
        0.6,
        accuracy,
    )

    assert targets["beats_central_local_fill"] is True
    assert targets["beats_proportional_local_fill"] is False
    assert targets["beats_proportional_click_to_door_p50"] is True
    assert targets["oracle_gain_captured_at_least_half"] is True
    assert targets["speculative_waste_within_10_percent"] is False  # 3 of 20 is 15 %
    assert targets["forecast_wape_better_than_both_baselines"] is True
    assert targets["forecast_mase_better_than_both_baselines"] is False


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2017, 9, 1), date(2017, 11, 1)),
        (date(2017, 11, 1), date(2018, 1, 1)),
        (date(2017, 12, 31), date(2018, 2, 28)),
    ],
)
def test_the_test_runs_two_calendar_months_by_default(start: date, end: date) -> None:
    assert two_months_after(start) == end


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--test-from", "2017-13-01"], "YYYY-MM-DD"),
        (["--test-from", "2017-09-01", "--test-to", "2017-08-01"], "must be after"),
    ],
)
def test_bad_days_are_refused_in_words(tmp_path: Path, arguments: list[str], said: str) -> None:
    answer = CliRunner().invoke(
        app, ["bench", "anticipate", "--data-dir", str(tmp_path), *arguments]
    )

    assert answer.exit_code != 0
    assert said in answer.output
    assert "Traceback" not in answer.output
