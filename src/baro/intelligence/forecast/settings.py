"""How a forecast is made: horizon, period, season, intervals, the sparse-product rule, and
the global model's size. Checked on construction, so a bad value fails before any training."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from baro.intelligence.forecast.errors import InvalidSettings

Period = Literal["day", "week"]

# The season a period shows in a year or less of data: the week's days (the shop that closes on
# Saturdays) for daily demand, the year's weeks for weekly demand.
SEASON = {"day": 7, "week": 52}
# Nixtla's frequency strings for Polars frames.
FREQUENCY = {"day": "1d", "week": "1w"}
# A product keeps its own series in a region when it sold there on at least MIN_ACTIVE of the
# last RECENT periods: about one day a week over twelve weeks for daily demand, half of the last
# twelve weeks for weekly demand. Sparser products are pooled by category (see series.py).
RECENT = {"day": 84, "week": 12}
MIN_ACTIVE = {"day": 12, "week": 6}


@dataclass(frozen=True)
class ForecastSettings:
    """``horizon`` periods after the cut-off, each a ``period`` (a day, or a week from Monday).

    ``season_length``: periods in a season (default 7 days, or 52 weeks). ``interval_levels``:
    the prediction intervals' coverages in percent. ``recent_periods`` and
    ``min_active_periods``: the sparse rule, a product with fewer periods with a sale in a
    region among the last ``recent_periods`` before the cut-off is forecast within its
    category's pool there. ``trees``, ``learning_rate``, ``leaves``: LightGBM's size. ``seed``
    makes training repeatable; ``threads`` (None: every core) is LightGBM's and statsforecast's.
    ``calibration_windows``: backtest windows of the conformal intervals.
    """

    horizon: int
    period: Period = "day"
    season_length: int | None = None
    interval_levels: tuple[int, ...] = (80, 95)
    recent_periods: int | None = None
    min_active_periods: int | None = None
    trees: int = 400
    learning_rate: float = 0.05
    leaves: int = 31
    seed: int = 7
    threads: int | None = None
    calibration_windows: int = 2

    def __post_init__(self) -> None:
        if self.period not in SEASON:
            raise InvalidSettings(f"period must be 'day' or 'week', not {self.period!r}")
        if self.horizon < 1:
            raise InvalidSettings(f"the horizon must be at least one period, not {self.horizon}")
        if self.season_length is not None and self.season_length < 1:
            raise InvalidSettings(f"season_length must be at least 1, not {self.season_length}")
        if not self.interval_levels or any(not 0 < lv < 100 for lv in self.interval_levels):
            raise InvalidSettings(
                f"interval levels are percentages strictly between 0 and 100: "
                f"{self.interval_levels}"
            )
        if self.recent < 1 or not 1 <= self.min_active <= self.recent:
            raise InvalidSettings(
                f"the sparse rule needs 1 <= min_active_periods ({self.min_active}) <= "
                f"recent_periods ({self.recent})"
            )
        if self.trees < 1 or self.leaves < 2 or not 0 < self.learning_rate <= 1:
            raise InvalidSettings(
                f"LightGBM needs trees >= 1, leaves >= 2 and 0 < learning_rate <= 1 "
                f"(trees {self.trees}, leaves {self.leaves}, rate {self.learning_rate})"
            )
        if self.calibration_windows < 2:
            raise InvalidSettings(
                "conformal intervals need at least two calibration windows, "
                f"not {self.calibration_windows}"
            )
        if self.threads is not None and self.threads < 1:
            raise InvalidSettings(f"threads must be at least 1 (or None), not {self.threads}")

    @property
    def season(self) -> int:
        return self.season_length or SEASON[self.period]

    @property
    def frequency(self) -> str:
        return FREQUENCY[self.period]

    @property
    def recent(self) -> int:
        return self.recent_periods or RECENT[self.period]

    @property
    def min_active(self) -> int:
        return self.min_active_periods or MIN_ACTIVE[self.period]

    @property
    def levels(self) -> list[int]:
        return sorted(set(self.interval_levels))
