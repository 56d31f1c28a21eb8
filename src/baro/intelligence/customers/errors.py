"""What can go wrong when measuring customers.

::

    CustomerAnalyticsError  anything about the input of a customer measure; the message says what
    ├── InvalidFrame        a frame lacks a column, has a wrong type, or mixes currencies
    ├── InvalidSettings     a setting that cannot work (no months before joining, …)
    └── NotEnoughData       nothing to measure: no member with a before and an after, no order

As in ``baro.intelligence.forecast``, these are not ``DomainError``s: reports ask, never a
customer over HTTP. Each has a stable ``code``; the CLI prints the message without a traceback.
"""

from __future__ import annotations

from typing import ClassVar


class CustomerAnalyticsError(Exception):
    """An input the customer measures cannot use; ``code`` is stable, ``message`` is for people."""

    code: ClassVar[str] = "customer_analytics_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidFrame(CustomerAnalyticsError):
    code = "invalid_frame"


class NotEnoughData(CustomerAnalyticsError):
    code = "not_enough_data"


class InvalidSettings(CustomerAnalyticsError):
    code = "invalid_customer_settings"
