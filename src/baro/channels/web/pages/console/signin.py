"""The console's own sign-in: operators only (``Role.ADMIN``), with the console's cookie.

Failed attempts are throttled per account and per client like the shop's; past a limit
the right password is refused too, so that guessing cannot simply go on.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baro.commerce.customers import NotAuthenticated, Role

from ...deps import PlatformDep
from ..forms import FormState
from ..rendering import gettext
from ..security import (
    OPERATOR,
    SignInThrottle,
    client_address,
    end_session,
    safe_next,
    start_session,
    web_session,
)
from .page import render_console

HOME: Final = "/ops"

router = APIRouter()


@router.get("/signin")
def sign_in_page(
    request: Request, next_page: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    back_to = safe_next(next_page, HOME)
    found = web_session(request)
    if found is not None and found.principal.is_admin:
        return RedirectResponse(back_to, status_code=303)
    return _page(request, FormState(values={"email": "", "next": back_to}))


@router.post("/signin")
def sign_in(
    request: Request,
    platform: PlatformDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_page: Annotated[str, Form(alias="next")] = HOME,
) -> Response:
    email = email.strip()[:320]
    form = FormState(values={"email": email, "next": safe_next(next_page, HOME)})
    if not email:
        form.fail(request, "email", "Enter your e-mail address.")
    if not password:
        form.fail(request, "password", "Enter your password.")
    if not form.ok:
        return _page(request, form, status=422)
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    client = client_address(request)
    if throttle.refused(email, client) is not None:
        return _too_many(request, form, throttle)
    try:
        token = platform.accounts.sign_in(email=email, password=password, role=Role.ADMIN)
    except NotAuthenticated:
        if throttle.failed(email, client) is not None:
            return _too_many(request, form, throttle)
        form.fail(request, "_form", "The e-mail address or the password is wrong.")
        return _page(request, form, status=401)
    signed_in = platform.accounts.session(token)
    response = RedirectResponse(form.values["next"], status_code=303)
    start_session(response, request, token, signed_in.expires_at, OPERATOR)
    return response


@router.post("/signout")
def sign_out(request: Request, platform: PlatformDep) -> Response:
    token = request.cookies.get(OPERATOR.name)
    if token:
        platform.accounts.sign_out(token)
    response = RedirectResponse(f"{HOME}/signin", status_code=303)
    end_session(response, request, OPERATOR)
    return response


def _too_many(request: Request, form: FormState, throttle: SignInThrottle) -> HTMLResponse:
    form.errors["_form"] = gettext(
        request, "Too many failed sign-ins. Try again in {minutes} minutes."
    ).format(minutes=throttle.wait_minutes)
    return _page(request, form, status=429)


def _page(request: Request, form: FormState, *, status: int = 200) -> HTMLResponse:
    return render_console(request, "console/signin.html", status=status, form=form)
