"""Shoppers' accounts: sign up, sign in (failures throttled per account and per client),
sign out. The session lives in the ``baro_session`` cookie (see ``security``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.customers import NotAuthenticated, Role
from baro.core.errors import DomainError

from ...deps import PlatformDep
from ..errors import error_page
from ..forms import Fields, FormState
from ..rendering import render
from ..security import (
    SHOPPER,
    SignInThrottle,
    client_address,
    end_session,
    optional_shopper,
    safe_next,
    start_session,
)

router = APIRouter()

Next = Annotated[str, Query(alias="next", max_length=2000)]


def _signed_in(request: Request, platform: PlatformDep, token: str, to: str) -> Response:
    response = RedirectResponse(safe_next(to), status_code=303)
    expires = platform.accounts.session(token).expires_at
    start_session(response, request, token, expires, SHOPPER)
    return response


@router.get("/signup")
def sign_up_page(request: Request, next_page: Next = "/account") -> Response:
    if optional_shopper(request) is not None:
        return RedirectResponse(safe_next(next_page), status_code=303)
    return render(request, "storefront/signup.html", form=FormState(), next=safe_next(next_page))


@router.post("/signup")
def sign_up(request: Request, platform: PlatformDep, fields: Fields) -> Response:
    form = FormState.of(fields)
    to = safe_next(fields.get("next"), "/account")
    name, email = fields.get("name", ""), fields.get("email", "")
    password = fields.get("password", "")
    if password != fields.get("password_again", ""):
        form.fail(request, "password_again", "The two passwords are not the same.")
    else:
        try:
            platform.accounts.sign_up(name=name, email=email, password=password)
            token = platform.accounts.sign_in(email=email, password=password, role=Role.CUSTOMER)
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return _signed_in(request, platform, token, to)
    return render(request, "storefront/signup.html", status=422, form=form, next=to)


@router.get("/signin")
def sign_in_page(request: Request, next_page: Next = "/") -> Response:
    if optional_shopper(request) is not None:
        return RedirectResponse(safe_next(next_page), status_code=303)
    return render(request, "storefront/signin.html", form=FormState(), next=safe_next(next_page))


@router.post("/signin")
def sign_in(request: Request, platform: PlatformDep, fields: Fields) -> Response:
    form = FormState.of(fields)
    to = safe_next(fields.get("next"))
    email, password = fields.get("email", "").strip(), fields.get("password", "")
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    client = client_address(request)
    if not email or not password:
        if not email:
            form.fail(request, "email", "Enter your e-mail address.")
        if not password:
            form.fail(request, "password", "Enter your password.")
        return render(request, "storefront/signin.html", status=422, form=form, next=to)
    if throttle.refused(email, client) is not None:
        return error_page(request, 429, wait_minutes=throttle.wait_minutes)
    try:
        token = platform.accounts.sign_in(email=email, password=password, role=Role.CUSTOMER)
    except NotAuthenticated:
        if throttle.failed(email, client) is not None:
            return error_page(request, 429, wait_minutes=throttle.wait_minutes)
        form.fail(request, "_form", "The e-mail address or the password is wrong.")
        return render(request, "storefront/signin.html", status=401, form=form, next=to)
    return _signed_in(request, platform, token, to)


@router.post("/signout")
def sign_out(request: Request, platform: PlatformDep) -> Response:
    token = request.cookies.get(SHOPPER.name)
    if token:
        platform.accounts.sign_out(token)
    response = RedirectResponse("/", status_code=303)
    end_session(response, request, SHOPPER)
    return response
