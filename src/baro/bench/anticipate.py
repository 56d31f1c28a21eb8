"""``baro bench anticipate``: anticipatory shipping against the policies it must beat, on
held-out real orders, and the forecast behind it against the field's baselines.

One run of the twin (``baro.twin.simulate``) replays Olist's orders from ``test_from`` to
``test_to`` under every policy side by side, all with the same centres, stage models and
inventory budget (``baro.twin.stocking``): ``baseline`` (Olist as it was), ``central``,
``proportional``, ``anticipate`` and ``oracle``. Every policy but the two that are defined
by the test's own orders (the baseline replays them, the oracle knows them) plans from the
orders before ``test_from`` alone; the stage models are calibrated on them too.

``oracle_gain_captured`` = (central − anticipate) / (central − oracle) on click-to-door p50:
the share of what knowing the future would buy over one central stock that the forecast buys.

Forecast accuracy is measured on Online Retail with the same kind of split
(``baro.bench.forecast``: trained before ``retail_test_from``, default the data's last eight
weeks), baro's forecast beside seasonal naive and statsforecast's AutoETS.
"""

from __future__ import annotations

import calendar
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from baro.bench import forecast as forecast_bench
from baro.twin.simulate import SimulationRequest, simulate

POLICIES = ("baseline", "central", "proportional", "anticipate", "oracle")
FIELDS = (
    "local_fill_rate",
    "same_region_fill_rate",
    "click_to_door_p50_h",
    "click_to_door_p90_h",
    "transfer_units",
    "speculative_units",
    "speculative_waste_units",
    "cost_per_order",
)
# What a policy reports beside the fields, when it has it (stocking.Placement's figures).
DETAILS = (
    "orders",
    "budget_units",
    "centre_units",
    "forecast_units",
    "expected_local_fill",
    "plan_status",
    "replans",
    "placement_notes",
    "failed_placements",
)
MIN_ORACLE_GAIN_CAPTURED = 0.5
MAX_SPECULATIVE_WASTE = 0.10

Progress = Callable[[str, int, int], None]


def two_months_after(day: date) -> date:
    """The default test end: the same day two calendar months on (Sept 1 -> Nov 1)."""
    month = day.month + 2
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def run(
    data_dir: Path,
    *,
    test_from: date,
    test_to: date | None = None,
    retail_test_from: date | None = None,
    seed: int = 7,
    out_dir: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Replay the test period under every policy, then measure the forecast on Online Retail.
    The twin's report (``report.html``) and metrics go to ``out_dir`` (default: a temporary
    folder, dropped)."""
    test_to = test_to or two_months_after(test_from)
    if test_to <= test_from:
        raise ValueError(f"--test-to {test_to} must be after --test-from {test_from}")
    with tempfile.TemporaryDirectory(prefix="baro-anticipate-") as scratch:
        result = simulate(
            SimulationRequest(
                dataset="olist",
                data_dir=data_dir,
                out_dir=out_dir or Path(scratch),
                policies=POLICIES,
                start=test_from,
                end=test_to,
                seed=seed,
            ),
            progress,
        )
    policies = {name: _policy(result.metrics["policies"][name]) for name in POLICIES}
    accuracy = forecast_bench.run(
        data_dir,
        test_from=retail_test_from,
        progress=(lambda step, done, total: progress(f"forecast: {step}", done, total))
        if progress
        else None,
    )
    captured = oracle_gain_captured(policies)
    return {
        "dataset": "olist",
        "data_dir": str(data_dir),
        "test_from": test_from.isoformat(),
        "test_to": test_to.isoformat(),
        "seed": seed,
        "orders_in_test": result.metrics["orders_in_period"],
        "calibration": result.metrics["calibration"],
        "policies": policies,
        "oracle_gain_captured": captured,
        "forecast_accuracy": accuracy,
        "targets": _targets(policies, captured, accuracy),
        "report": str(result.report) if out_dir else None,
    }


def _policy(metrics: dict[str, Any]) -> dict[str, Any]:
    # Policies without plans move and speculate nothing: zero, not unknown.
    zero = {"transfer_units": 0, "speculative_units": 0, "speculative_waste_units": 0}
    metrics = metrics | {"same_region_fill_rate": metrics["local_fill_rate_same_state"]}
    return {
        **{name: metrics.get(name, zero.get(name)) for name in FIELDS},
        **{name: metrics[name] for name in DETAILS if metrics.get(name) is not None},
    }


def oracle_gain_captured(policies: dict[str, dict[str, Any]]) -> float | None:
    """(central − anticipate) / (central − oracle) on click-to-door p50; None when the
    oracle gains nothing over central (nothing to capture)."""
    central, anticipate, oracle = (
        policies[name]["click_to_door_p50_h"] for name in ("central", "anticipate", "oracle")
    )
    if None in (central, anticipate, oracle) or central - oracle <= 0:
        return None
    return round((central - anticipate) / (central - oracle), 4)


def _targets(
    policies: dict[str, dict[str, Any]], captured: float | None, accuracy: dict[str, Any]
) -> dict[str, bool | None]:
    anticipate = policies["anticipate"]

    def beats(other: str, field: str, higher_is_better: bool) -> bool | None:
        ours, theirs = anticipate[field], policies[other][field]
        if ours is None or theirs is None:
            return None
        return bool(ours > theirs if higher_is_better else ours < theirs)

    speculative = anticipate["speculative_units"] or 0
    waste = anticipate["speculative_waste_units"] or 0
    return {
        "beats_central_local_fill": beats("central", "local_fill_rate", True),
        "beats_proportional_local_fill": beats("proportional", "local_fill_rate", True),
        "beats_central_click_to_door_p50": beats("central", "click_to_door_p50_h", False),
        "beats_proportional_click_to_door_p50": beats("proportional", "click_to_door_p50_h", False),
        "oracle_gain_captured_at_least_half": None
        if captured is None
        else captured >= MIN_ORACLE_GAIN_CAPTURED,
        # No speculative unit, no waste: the target holds (and the count says why).
        "speculative_waste_within_10_percent": waste <= MAX_SPECULATIVE_WASTE * speculative,
        "forecast_wape_better_than_both_baselines": accuracy["targets"][
            "wape_better_than_baselines"
        ],
        "forecast_mase_better_than_both_baselines": accuracy["targets"][
            "mase_better_than_baselines"
        ],
    }
