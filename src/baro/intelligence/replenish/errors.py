"""What can go wrong when predicting reorders.

::

    ReplenishError          anything about the input of a reorder prediction; the message gives
    │                       the numbers
    ├── InvalidOrders       an orders, lines or targets frame lacks a column or has a wrong type,
    │                       or a target is not one of the orders
    ├── InvalidSettings     a model setting that cannot work (a share outside [0, 1), …)
    └── NoTrainingData      nothing to learn from: no training target has a history before it

As in ``baro.intelligence.forecast``, these are not ``DomainError``s: reorders are asked for by
the bench and the planner, never by a customer over HTTP. Each has a stable ``code``, and the
CLI prints the message without a traceback.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ReplenishError(Exception):
    """An input the reorder model cannot use; ``code`` is stable, ``message`` is for people."""

    code: ClassVar[str] = "replenish_error"

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class InvalidOrders(ReplenishError):
    code = "invalid_orders"


class InvalidSettings(ReplenishError):
    code = "invalid_reorder_settings"


class NoTrainingData(ReplenishError):
    code = "no_training_data"
