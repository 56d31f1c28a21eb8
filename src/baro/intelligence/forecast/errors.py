"""What can go wrong when asking for a demand forecast.

::

    ForecastError           anything about the input of a forecast; the message gives the numbers
    ├── InvalidDemand       the demand (or signals) frame lacks a column, has a wrong type,
    │                       a negative quantity or a key that cannot name a series
    ├── InvalidSettings     a horizon, season, interval level or rule that cannot work
    └── NoHistory           nothing to learn from: no demand before the cut-off (an empty frame,
                            or a test period that starts before the first sale)

These are not ``DomainError``s: a forecast is asked for by the planner, the twin and the bench,
never by a customer over HTTP, so they have no HTTP status. Each has a stable ``code`` as
``DomainError``s do, and the CLI prints the message without a traceback.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ForecastError(Exception):
    """An input the forecast cannot use; ``code`` is stable, ``message`` is for people."""

    code: ClassVar[str] = "forecast_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class InvalidDemand(ForecastError):
    code = "invalid_demand"


class InvalidSettings(ForecastError):
    code = "invalid_forecast_settings"


class NoHistory(ForecastError):
    code = "no_demand_history"
