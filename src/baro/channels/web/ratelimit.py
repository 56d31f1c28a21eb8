"""Slow down whoever guesses API keys, and nobody else.

Only failed authentications are counted, per client address: a valid request costs the
limiter nothing and leaves nothing in it. A request whose key is valid is never refused,
whatever else came from its address (a shared NAT, or someone forging it): past the limit,
an *unknown* key gets 429 instead of 401. API keys carry 256 random bits, so guessing one is
hopeless anyway; this is defence in depth, and a signal to a client or a firewall. It does
not stop a guesser from learning whether a key is valid (the answer to a valid key is
always a success), which the key's entropy makes worthless.

The counts are kept by ``limits`` (a sliding window of two fixed windows): in this
process's memory by default, or in Redis when ``BARO_REDIS_URL`` is set, so that the limit
holds across worker processes. Not limits' moving window: its memory storage keeps an entry
for every address that ever failed (5.8), where expired counters of the sliding window are
dropped.
"""

from __future__ import annotations

import logging

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import SlidingWindowCounterRateLimiter

from baro.core.errors import DomainError

FAILED_AUTHENTICATIONS = RateLimitItemPerMinute(20)
# Waiting on Redis delays only the answer to an unknown key, and never for long.
REDIS_TIMEOUT_S = 0.5

log = logging.getLogger("baro.web")


class TooManyAttempts(DomainError):
    code = "too_many_attempts"


class FailedAttempts:
    """Failed authentications per client address, in a ``limits`` storage (thread-safe)."""

    def __init__(self, storage: Storage, *, limit: RateLimitItem = FAILED_AUTHENTICATIONS):
        self.storage = storage
        self._limit = limit
        self._window = SlidingWindowCounterRateLimiter(storage)

    @classmethod
    def at(cls, redis_url: str | None, *, per_minute: int = 20) -> FailedAttempts:
        """Counted in Redis at ``redis_url``, or in this process's memory without one;
        ``per_minute`` failures a client may make before it is refused."""
        limit = RateLimitItemPerMinute(per_minute)
        if redis_url is None:
            return cls(MemoryStorage(), limit=limit)
        redis = RedisStorage(
            redis_url,
            key_prefix="baro",
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
        )
        return cls(redis, limit=limit)

    def refused(self, client: str) -> TooManyAttempts | None:
        """Whether ``client`` is already past the limit, counting nothing: for checks that
        must refuse before they verify (a password is checked only when this is None)."""
        try:
            if self._window.test(self._limit, "failed-auth", client):
                return None
        except StorageError as error:
            log.warning(
                "failed attempts are not being checked: %s",
                error,
                extra={"error_type": type(error.storage_error).__name__},
            )
            return None
        return TooManyAttempts(f"too many failed attempts; wait {self._limit.get_expiry()} s")

    def failed(self, client: str) -> TooManyAttempts | None:
        """Count a failed authentication from ``client``. Returns the 429 to answer with
        when the client is past the limit (that failure is then not counted), else None:
        answer the 401."""
        try:
            if self._window.hit(self._limit, "failed-auth", client):
                return None
        except StorageError as error:
            # The limiter is defence in depth: its store being down must not turn a 401
            # into a 500. The failure goes uncounted.
            log.warning(
                "failed authentications are not being counted: %s",
                error,
                extra={"error_type": type(error.storage_error).__name__},
            )
            return None
        window_s = self._limit.get_expiry()
        return TooManyAttempts(
            f"too many failed API keys from your address; wait {window_s} s and retry"
        )
