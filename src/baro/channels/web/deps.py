"""What a route needs, said in its signature: ``who: Caller, platform: PlatformDep``.

These dependencies are ``async`` and do no I/O, so FastAPI runs them on the event loop;
the route itself (sync) then makes one trip to the thread pool, where the key is checked
and the work done. Each extra hop costs more than the query it would wrap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from baro.commerce.customers import Forbidden, NotAuthenticated, Principal
from baro.platform import Platform

from .access import as_customer
from .one_click import OneClickDesk
from .ratelimit import FailedAttempts
from .schemas import KeyText

_bearer = HTTPBearer(auto_error=False, description="Your API key: `Authorization: Bearer bk_…`")


async def get_platform(request: Request) -> Platform:
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_one_click_desk(request: Request) -> OneClickDesk:
    desk: OneClickDesk = request.app.state.one_click
    return desk


OneClickDeskDep = Annotated[OneClickDesk, Depends(get_one_click_desk)]


@dataclass(frozen=True)
class Caller:
    """The bearer of a request. A route calls ``customer()`` or ``admin()`` (on its thread:
    they query the database) to check the key and learn who it is."""

    platform: Platform
    api_key: str | None
    client: str  # the peer's address, or the client a trusted proxy names
    failed: FailedAttempts

    def bearer(self) -> str:
        """The API key sent, unchecked (the 1-Click desk checks a batch's keys together)."""
        if self.api_key is None:
            raise NotAuthenticated("send your API key as 'Authorization: Bearer <key>'")
        return self.api_key

    def principal(self) -> Principal:
        """Whoever the key belongs to, customer or operator. A failure is counted against
        the client's address, and past the limit answered with 429 instead of 401."""
        api_key = self.bearer()
        try:
            return self.platform.customers.authenticate(api_key)
        except NotAuthenticated as error:
            refused = self.failed.failed(self.client)
            if refused is not None:
                raise refused from error
            raise

    def customer(self) -> Principal:
        """The customer calling; every customer route uses this. An operator's key gets a
        403 (``customer_key_required``): operators act through /v1/admin."""
        return as_customer(self.principal())

    def customer_id(self) -> str:
        customer_id = self.customer().customer_id
        assert customer_id is not None, "as_customer refuses principals without a customer"
        return customer_id

    def admin(self) -> Principal:
        principal = self.principal()
        if not principal.is_admin:
            raise Forbidden("this route is for operators (an admin API key)")
        return principal


async def current_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Caller:
    # The platform straight from the app, not through PlatformDep: every dependency FastAPI
    # solves costs each request ~10 µs, and this one runs on nearly every request.
    return Caller(
        platform=request.app.state.platform,
        api_key=credentials.credentials if credentials else None,
        # Bounded: behind a trusted proxy the address comes from a header.
        client=request.client.host[:64] if request.client else "unknown",
        failed=request.app.state.failed_auth,
    )


CallerDep = Annotated[Caller, Depends(current_caller)]

IdempotencyKey = Annotated[
    KeyText,
    Header(
        alias="Idempotency-Key",
        description="A unique key per intended operation (a UUID). Repeating a request with "
        "the same key returns the first response (header `Idempotent-Replayed: true`).",
    ),
]
