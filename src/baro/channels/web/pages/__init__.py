"""The web pages: the storefront at / and the operations console at /ops.

Server-rendered Jinja2 with htmx; no front-end build. ``install`` adds them to the API's
app: the static files, the routers (every POST checked for its CSRF token), the language
switch, and pages for errors (API paths keep their problem+json).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from baro.platform import Platform

from . import console, i18n, storefront
from .errors import HANDLERS, HtmlErrors
from .home_rows import HomeRows
from .security import SignInThrottle, csrf_protect, safe_next, secure

STATIC_PATH = "/static"


def install(app: FastAPI, platform: Platform) -> None:
    """Call after the API's error handling and before the request-id middleware, so that
    the error pages sit inside the request id and outside the API's 500 guard."""
    app.state.csrf_secret = platform.accounts.instance_secret("csrf")
    app.state.sign_in_throttle = SignInThrottle(app.state.failed_auth.storage)
    app.state.home_rows = HomeRows.default(platform)
    app.mount(
        STATIC_PATH,
        StaticFiles(packages=[("baro.channels.web.pages", "static")]),
        name="static",
    )
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
    app.add_middleware(HtmlErrors)
    checked = [Depends(csrf_protect)]
    for router in (languages, storefront.router, console.router):
        app.include_router(router, dependencies=checked, include_in_schema=False)


languages = APIRouter()


# At /ops too: a form's token is bound to the session of the path it posts to.
@languages.post("/language")
@languages.post("/ops/language")
async def choose_language(
    request: Request,
    lang: Annotated[str, Form()],
    next_page: Annotated[str, Form(alias="next")] = "/",
) -> RedirectResponse:
    """The switch in every page's header: remembered for a year, then back to the page."""
    response = RedirectResponse(safe_next(next_page), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            lang,
            max_age=i18n.REMEMBER_SECONDS,
            path="/",
            secure=secure(request),
            httponly=True,
            samesite="lax",
        )
    return response
