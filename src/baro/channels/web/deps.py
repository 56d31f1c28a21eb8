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

from .one_click import OneClickDesk
from .ratelimit import FailedAttempts

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
    """The bearer of a request; ``principal()`` checks the key (call it in the route)."""

    platform: Platform
    api_key: str | None
    client: str
    failed: FailedAttempts

    def bearer(self) -> str:
        """The API key sent, unchecked; refused while this client has failed too often."""
        self.failed.check(self.client)
        if self.api_key is None:
            raise NotAuthenticated("send your API key as 'Authorization: Bearer <key>'")
        return self.api_key

    def principal(self) -> Principal:
        api_key = self.bearer()
        try:
            return self.platform.customers.authenticate(api_key)
        except NotAuthenticated:
            self.failed.failed(self.client)
            raise

    def admin(self) -> Principal:
        principal = self.principal()
        if not principal.is_admin:
            raise Forbidden("this route is for operators (an admin API key)")
        return principal

    def customer_id(self) -> str:
        principal = self.principal()
        if principal.customer_id is None:
            raise Forbidden("this route is for customers; use a customer's API key")
        return principal.customer_id


async def current_caller(
    request: Request,
    platform: PlatformDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
) -> Caller:
    return Caller(
        platform=platform,
        api_key=credentials.credentials if credentials else None,
        client=request.client.host if request.client else "unknown",
        failed=request.app.state.failed_auth,
    )


CallerDep = Annotated[Caller, Depends(current_caller)]

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="A unique key per intended operation (a UUID). Repeating a request with "
        "the same key returns the first response (header `Idempotent-Replayed: true`).",
    ),
]
