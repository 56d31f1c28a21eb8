"""Slow down guessing: too many failed authentications from one client are refused.

API keys are 256-bit random, so this is defence in depth, not the protection itself.
The window is kept per process; behind several workers each enforces its own share.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable

from baro.core.errors import DomainError


class TooManyAttempts(DomainError):
    code = "too_many_attempts"


class FailedAttempts:
    def __init__(self, *, limit: int, window_s: float, monotonic: Callable[[], float]) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError(f"need limit >= 1 and window_s > 0, got {limit}, {window_s}")
        self._limit = limit
        self._window_s = window_s
        self._monotonic = monotonic
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def check(self, client: str) -> None:
        """Raise TooManyAttempts while ``client`` is over the limit."""
        recent = self._recent(client)
        if len(recent) >= self._limit:
            raise TooManyAttempts(
                f"too many failed authentications; wait {int(self._window_s)} s and retry"
            )

    def failed(self, client: str) -> None:
        self._recent(client).append(self._monotonic())

    def _recent(self, client: str) -> deque[float]:
        failures = self._failures[client]
        cutoff = self._monotonic() - self._window_s
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures
