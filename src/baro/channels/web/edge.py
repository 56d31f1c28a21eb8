"""What every request passes before a route: whose address it comes from, how large its
body may be, and what it gets if the code behind fails.

Pure ASGI middleware (not ``BaseHTTPMiddleware``, which costs a task per request): on the
hot path each adds a function call and, for the body limit, a scan of the headers.
"""

from __future__ import annotations

import logging
import traceback

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from baro.core.config import Settings

from .observability import UNMATCHED, route_template
from .problems import problem

log = logging.getLogger("baro.web")


def install(app: FastAPI, settings: Settings) -> None:
    """The error guard, then the body limit (call before the request-id and access-log
    middleware, so that these wrap them: a 500 or a 413 is logged with its request id)."""
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ErrorGuard)


def trust_proxies(app: FastAPI, settings: Settings) -> None:
    """Believe ``X-Forwarded-For`` from the proxies of ``BARO_FORWARDED_ALLOW_IPS`` only. Call
    last, so that this is outermost: everything after sees the client the proxy named."""
    if settings.forwarded_allow_ips.strip():
        # The runner starts uvicorn without proxy headers: only proxies named here may say
        # who the client is, so that a client cannot choose the address it is counted as.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)


class BodyTooLarge(HTTPException):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            413,
            f"the request body is over {max_bytes:,} bytes",
            # The rest of the body was not read: the connection cannot carry another request.
            headers={"Connection": "close"},
        )


class BodyLimit:
    """Refuse bodies over ``max_bytes`` with 413: at once when ``Content-Length`` says so,
    else (a chunked body) as soon as the bytes read pass the limit. A body within its
    ``Content-Length`` needs no counting: the server never hands on more than it says."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length: bytes | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"transfer-encoding":
                chunked = True
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
        elif chunked:  # counted even beside a Content-Length, whatever the parser made of both
            await self._counted(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # A route that read the body answered through the exception handlers; this is
            # for code that read it outside them.
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = BodyTooLarge(self.max_bytes)
        response = problem(413, "body_too_large", error.detail, error.headers)
        await response(scope, receive, send)


class ErrorGuard:
    """An unexpected error gets the 500 problem+json and one log line, and the connection
    lives on. (Starlette's ServerErrorMiddleware re-raises after answering, and uvicorn then
    drops the keep-alive connection without ``Connection: close``: the client's next
    request on it is reset.) An error after the response started cannot be answered: it
    goes on to the server, which closes the connection, the only honest end left."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as error:
            if started:
                raise
            _log_unexpected(scope, error)
            response = problem(
                500, "internal_error", "something went wrong on our side; it was logged"
            )
            await response(scope, receive, send)


def _log_unexpected(scope: Scope, error: Exception) -> None:
    """One line: what failed, where in our code, on which route (the template, not the
    path, which may hold ids)."""
    template = route_template(scope)
    if template == UNMATCHED:
        template = "(no route)"
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else ""
    message = " ".join(str(error).split())[:500]
    log.error(
        "%s %s failed: %s: %s",
        scope.get("method", ""),
        template,
        type(error).__name__,
        message,
        extra={
            "error_type": f"{type(error).__module__}.{type(error).__qualname__}",
            "error_message": message,
            "error_at": where,
            "method": scope.get("method"),
            "route": template,
        },
    )
