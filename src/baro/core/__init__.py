"""Foundations every capability stands on: settings, clock, database, events, money, errors."""

from baro.core.clock import Clock as Clock
from baro.core.clock import SimulatedClock as SimulatedClock
from baro.core.clock import SystemClock as SystemClock
from baro.core.clock import ensure_utc as ensure_utc
from baro.core.config import Settings as Settings
from baro.core.config import get_settings as get_settings
from baro.core.errors import Conflict as Conflict
from baro.core.errors import DomainError as DomainError
from baro.core.errors import InvalidRequest as InvalidRequest
from baro.core.errors import NotFound as NotFound
from baro.core.errors import Unavailable as Unavailable
from baro.core.ids import new_id as new_id
from baro.core.money import CurrencyMismatch as CurrencyMismatch
from baro.core.money import InvalidMoney as InvalidMoney
from baro.core.money import Money as Money

__all__ = [
    "Clock",
    "Conflict",
    "CurrencyMismatch",
    "DomainError",
    "InvalidMoney",
    "InvalidRequest",
    "Money",
    "NotFound",
    "Settings",
    "SimulatedClock",
    "SystemClock",
    "Unavailable",
    "ensure_utc",
    "get_settings",
    "new_id",
]
