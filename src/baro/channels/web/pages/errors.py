"""Errors on pages are pages: a styled 404, a 500 with a reference and never a traceback.

The API answers every error as problem+json (``channels/web/problems.py``, and the 500
guard in ``edge.py`` that also logs it). ``HtmlErrors`` sits just outside that guard: on a
page path it swaps such an answer for the page of its status, in the visitor's language,
so one mapping and one log line serve both. API paths (/v1, the probes, the docs) keep
their problem+json untouched. The 500 page names the request id the log line carries:
what a shopper quotes to support, and all they learn.
"""

from __future__ import annotations

from typing import Any, Final

from asgi_correlation_id import correlation_id
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..problems import PROBLEM_JSON
from .rendering import render
from .security import CsrfRejected, SignInRequired, web_session

API_PATHS: Final = ("/v1/", "/metrics", "/healthz", "/readyz", "/openapi.json", "/docs", "/redoc")
_PAGES: Final = {403: "errors/403.html", 404: "errors/404.html", 429: "errors/429.html"}
# The layout an error page wears, by path prefix (longest first wins): the console's pages
# add theirs, so its errors keep its header. The storefront's serves everything else.
LAYOUTS: dict[str, str] = {}
DEFAULT_LAYOUT: Final = "storefront/layout.html"


def is_page(path: str) -> bool:
    return path != "/v1" and not path.startswith(API_PATHS)


def layout_for(path: str) -> str:
    for prefix in sorted(LAYOUTS, key=len, reverse=True):
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return LAYOUTS[prefix]
    return DEFAULT_LAYOUT


def error_page(request: Request, status: int, **context: Any) -> HTMLResponse:
    """The page for ``status`` (4xx or 5xx)."""
    layout = layout_for(request.url.path)
    if status >= 500:
        reference = correlation_id.get()
        return render(request, "errors/500.html", status=status, layout=layout, reference=reference)
    # A path that is not a page (a malformed id, a method the page lacks) is just not found.
    template = _PAGES.get(status, "errors/404.html")
    return render(request, template, status=status, layout=layout, **context)


class HtmlErrors:
    """Pure ASGI: only a page path's problem+json answer is held back, so every other
    response streams through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        problem: Message | None = None

        async def swap_problems(message: Message) -> None:
            nonlocal problem
            if message["type"] == "http.response.start" and _is_problem(message):
                problem = message
            elif problem is None:
                await send(message)

        await self.app(scope, receive, swap_problems)
        if problem is not None:
            request = Request(scope, receive)
            if problem["status"] < 500:
                # The header greets whoever is signed in, as on every page (not after a
                # 500: whatever failed may be the database this would ask).
                await run_in_threadpool(web_session, request)
            page = error_page(request, problem["status"])
            retry = _header(problem, b"retry-after")
            if retry is not None:
                page.headers["Retry-After"] = retry
            await page(scope, receive, send)


def _is_problem(start: Message) -> bool:
    return start["status"] >= 400 and _header(start, b"content-type") == PROBLEM_JSON


def _header(start: Message, name: bytes) -> str | None:
    for key, value in start.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def csrf_rejected(request: Request, _error: Exception) -> Response:
    # Signed in or not, the header says so, as on the 404 page.
    await run_in_threadpool(web_session, request)
    return error_page(request, 403)


async def sign_in_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    if request.headers.get("hx-request"):
        # A redirect would be followed inside the fragment; htmx navigates on this header.
        return Response(status_code=204, headers={"HX-Redirect": error.to})
    return RedirectResponse(error.to, status_code=303)


HANDLERS: Final = {CsrfRejected: csrf_rejected, SignInRequired: sign_in_required}
