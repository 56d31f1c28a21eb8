"""The shopper's Prime page: the plans in the shop's currency with the free trial, join with
one press (once however often the form is resent), and for a member: the status, the next
renewal and its price, the benefits used this period, the household, and cancel with the
refund rule stated before the press."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.customers import WebSession
from baro.commerce.prime import Offer
from baro.core.errors import DomainError
from baro.core.money import Money

from ...deps import PlatformDep
from ...schemas import Id
from ..forms import Fields, FormState
from ..rendering import render
from ..security import Shopper, customer_id
from .placing import new_key, usable_key

router = APIRouter()

PATH = "/account/prime"
# What a redirect back here may announce (by key: the page never echoes text it is sent).
NOTICES = {
    "joined": "Welcome to Prime.",
    "cancelled": "Your membership is cancelled.",
    "added": "They now share your benefits.",
    "removed": "They no longer share your benefits.",
}
# The page shows nothing it has no words for: each status by its English label.
STATUSES = {
    "pending": "Being charged",
    "declined": "Card declined",
    "trial": "Free trial",
    "active": "Active",
    "past_due": "Payment failed: we will try again",
    "cancelled": "Cancelled",
    "lapsed": "Ended",
}
PERIODS = {"yearly": "per year", "monthly": "per month"}


def price_for_shop(offer: Offer, currency: str) -> list[Money]:
    """The plan's price in the shop's currency; every currency when it has none in it."""
    mine = [p for p in offer.prices if p.currency == currency]
    return mine or list(offer.prices)


def _page(
    request: Request,
    platform: PlatformDep,
    who: WebSession,
    *,
    form: FormState | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    view = platform.prime.view(customer_id(who))
    currency = platform.settings.currency
    offers = platform.prime.plans()
    household = (
        {c: platform.customers.get(c).email for c in view.membership.household}
        if view and view.owner
        else {}
    )
    return render(
        request,
        "storefront/prime.html",
        status=status,
        view=view,
        offers=offers,
        prices={o.plan.id: price_for_shop(o, currency) for o in offers},
        household=household,
        statuses=STATUSES,
        periods=PERIODS,
        form=form or FormState(),
        notice=notice,
        new_key=new_key,
    )


@router.get(PATH)
def prime_page(request: Request, platform: PlatformDep, who: Shopper, done: str = "") -> Response:
    return _page(request, platform, who, notice=NOTICES.get(done[:20]))


def _acted(
    request: Request,
    platform: PlatformDep,
    who: Shopper,
    form: FormState,
    done: str,
    act: Callable[[], object],
) -> Response:
    """Run ``act`` if the form is fine; back here with its notice, or the page with why not."""
    if form.ok:
        try:
            act()
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return RedirectResponse(f"{PATH}?done={done}", status_code=303)
    return _page(request, platform, who, form=form, status=422)


@router.post(f"{PATH}/join")
def join(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    """The form carries its own key: resent, it joins once."""
    form = FormState.of(fields)
    key = usable_key(fields.get("idempotency_key", ""))
    if key is None:
        form.fail(request, "_form", "This form has expired. Please press the button again.")
    plan, currency = fields.get("plan_id", ""), fields.get("currency", "")
    # Only our own choices reach the service (a NUL would reach PostgreSQL).
    if plan not in PERIODS or not (
        len(currency) == 3 and currency.isascii() and currency.isupper()
    ):
        form.fail(request, "_form", "Choose one of the plans shown.")
    return _acted(
        request,
        platform,
        who,
        form,
        "joined",
        lambda: platform.prime.join(customer_id(who), plan, currency, idempotency_key=key),
    )


@router.post(f"{PATH}/cancel")
def cancel(request: Request, platform: PlatformDep, who: Shopper) -> Response:
    return _acted(
        request,
        platform,
        who,
        FormState(),
        "cancelled",
        lambda: platform.prime.cancel(customer_id(who)),
    )


@router.post(f"{PATH}/household")
def add(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    form = FormState.of(fields)
    email = fields.get("email", "").strip()
    if not email or "@" not in email or len(email) > 320 or not email.isprintable():
        form.fail(request, "email", "Enter the e-mail address they signed up with.")
    return _acted(
        request,
        platform,
        who,
        form,
        "added",
        lambda: platform.prime.add_to_household(customer_id(who), email),
    )


@router.post(PATH + "/household/{member_id}/remove")
def remove(request: Request, member_id: Id, platform: PlatformDep, who: Shopper) -> Response:
    return _acted(
        request,
        platform,
        who,
        FormState(),
        "removed",
        lambda: platform.prime.remove_from_household(customer_id(who), member_id),
    )
