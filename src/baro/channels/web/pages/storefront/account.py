"""The shopper's account: addresses and sandbox cards (each with a default, which 1-Click
uses) and API keys for their own programs. A ``next`` carried through the forms brings
a shopper sent here by 1-Click back to the product once both defaults are set."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.customers import WebSession
from baro.core.errors import DomainError
from baro.platform import Platform

from ...deps import PlatformDep
from ...schemas import Id
from ..forms import Fields, FormState, whole_number
from ..rendering import gettext, render
from ..security import Shopper, customer_id, safe_next
from . import places

router = APIRouter()

# What a redirect back here may announce (by key: the page never echoes text it is sent).
NOTICES = {
    "address": "Address saved.",
    "card": "Card saved.",
    "default": "Default changed.",
    "revoked": "API key revoked.",
}


def _page(
    request: Request,
    platform: Platform,
    who: WebSession,
    next_page: str,
    *,
    forms: dict[str, FormState] | None = None,
    notice: str | None = None,
    new_key: str | None = None,
    status: int = 200,
) -> Response:
    forms = forms or {}
    owner = customer_id(who)
    return render(
        request,
        "storefront/account.html",
        status=status,
        addresses=platform.customers.addresses(owner),
        cards=platform.customers.payment_methods(owner),
        api_keys=platform.accounts.api_keys(owner),
        address_form=forms.get("address", FormState()),
        card_form=forms.get("card", FormState()),
        key_form=forms.get("key", FormState()),
        places=[(gettext(request, country), cities) for country, cities in places.grouped()],
        next=next_page,
        notice=notice,
        new_key=new_key,
    )


def _after_change(platform: Platform, who: WebSession, next_page: str, notice: str) -> Response:
    """Back where the shopper was going once 1-Click can work, else this page again."""
    owner = customer_id(who)
    has_address = any(a.is_default for a in platform.customers.addresses(owner))
    has_card = any(c.is_default for c in platform.customers.payment_methods(owner))
    if next_page != "/account" and has_address and has_card:
        return RedirectResponse(next_page, status_code=303)
    return RedirectResponse(
        f"/account?done={notice}&next={quote(next_page, safe='/')}", status_code=303
    )


@router.get("/account")
def account(
    request: Request,
    platform: PlatformDep,
    who: Shopper,
    next_page: Annotated[str, Query(alias="next", max_length=2000)] = "/account",
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    return _page(request, platform, who, safe_next(next_page, "/account"), notice=NOTICES.get(done))


@router.post("/account/addresses")
def add_address(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    next_page = safe_next(fields.get("next"), "/account")
    form = FormState.of(fields)
    line1, postcode = fields.get("line1", "").strip(), fields.get("postcode", "").strip()
    place = places.BY_KEY.get(fields.get("place", ""))
    if not line1 or len(line1) > 200:
        form.fail(request, "line1", "Enter the street and number.")
    if not postcode or len(postcode) > 20:
        form.fail(request, "postcode", "Enter the postcode.")
    if place is None:
        form.fail(request, "place", "Choose your city.")
    if form.ok and place is not None:
        try:
            platform.customers.add_address(
                customer_id(who),
                line1=line1,
                city=place.city,
                postcode=postcode,
                country=place.country,
                lat=place.lat,
                lng=place.lng,
                make_default=True,
            )
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return _after_change(platform, who, next_page, "address")
    return _page(request, platform, who, next_page, forms={"address": form}, status=422)


@router.post("/account/cards")
def add_card(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    """A sandbox card: the number goes to the gateway's tokeniser and no further (never
    stored, never logged, never sent back in the page)."""
    next_page = safe_next(fields.get("next"), "/account")
    form = FormState.of(fields)
    number = "".join(fields.get("number", "").split())
    cvc = fields.get("cvc", "").strip()
    month = whole_number(form, request, fields, "exp_month", 1, 12, "Enter the month (1-12).")
    year = whole_number(form, request, fields, "exp_year", 2000, 2100, "Enter the year (4 digits).")
    if not number:
        form.fail(request, "number", "Enter the card number.")
    if not cvc:
        form.fail(request, "cvc", "Enter the security code.")
    if form.ok:
        try:
            platform.customers.add_sandbox_card(
                customer_id(who), number=number, exp_month=month, exp_year=year, cvc=cvc
            )
        except DomainError as refused:
            # The tokeniser says "expiry" for the month and year together.
            field = refused.context.get("field")
            form.fail(
                request,
                "exp_month" if field == "expiry" else str(field or "_form"),
                refused.message,
            )
        else:
            return _after_change(platform, who, next_page, "card")
    return _page(request, platform, who, next_page, forms={"card": form}, status=422)


@router.post("/account/addresses/{address_id}/default")
def default_address(
    request: Request, address_id: Id, platform: PlatformDep, who: Shopper, fields: Fields
) -> Response:
    platform.customers.set_default_address(customer_id(who), address_id)
    return _after_change(platform, who, safe_next(fields.get("next"), "/account"), "default")


@router.post("/account/cards/{card_id}/default")
def default_card(
    request: Request, card_id: Id, platform: PlatformDep, who: Shopper, fields: Fields
) -> Response:
    platform.customers.set_default_payment_method(customer_id(who), card_id)
    return _after_change(platform, who, safe_next(fields.get("next"), "/account"), "default")


@router.post("/account/api-keys")
def issue_key(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    """The raw key is in this one answer and nowhere else (only its hash is stored)."""
    form = FormState.of(fields)
    try:
        _info, raw = platform.accounts.issue_api_key(customer_id(who), fields.get("label", ""))
    except DomainError as refused:
        form.refused(request, refused, default="label")
        return _page(request, platform, who, "/account", forms={"key": form}, status=422)
    return _page(request, platform, who, "/account", notice="API key created.", new_key=raw)


@router.post("/account/api-keys/{key_id}/revoke")
def revoke_key(request: Request, key_id: Id, platform: PlatformDep, who: Shopper) -> Response:
    platform.accounts.revoke_api_key(customer_id(who), key_id)
    return RedirectResponse("/account?done=revoked", status_code=303)
