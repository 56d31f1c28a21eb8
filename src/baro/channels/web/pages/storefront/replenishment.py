"""The shopper's replenishment: the products ordered for them on repeat (pause, resume,
cancel), the products they buy on a regular cycle (subscribe with one press: nothing is
ordered before), and the orders subscriptions placed, each cancellable on its order page."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.customers import WebSession
from baro.commerce.replenishment import MAX_INTERVAL_DAYS, MAX_QUANTITY, Suggestion
from baro.core.errors import DomainError

from ...deps import PlatformDep
from ...schemas import Id
from ..forms import Fields, FormState, whole_number
from ..rendering import render
from ..security import Shopper, customer_id
from .placing import new_key, usable_key

router = APIRouter()

PATH = "/account/replenishment"
# What a redirect back here may announce (by key: the page never echoes text it is sent).
NOTICES = {
    "subscribed": "Subscribed. We will order it when it is due.",
    "pause": "Paused: nothing is ordered until you resume.",
    "resume": "Resumed.",
    "cancel": "Cancelled: nothing more is ordered.",
}
# The page shows nothing it has no words for: each status by its English label.
STATUSES = {"active": "Active", "paused": "Paused", "cancelled": "Cancelled"}


def _page(
    request: Request,
    platform: PlatformDep,
    who: WebSession,
    *,
    form: FormState | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    owner = customer_id(who)
    service = platform.replenishment
    subscriptions = service.subscriptions_of(owner)
    suggestions: list[Suggestion] = []
    suggestions_unavailable = False
    try:
        suggestions = service.suggestions(owner)
    except DomainError:  # the server lacks the intelligence extra: subscriptions still work
        suggestions_unavailable = True
    placed = service.placed_for(owner, limit=20)
    wanted = {s.product_id for s in subscriptions} | {p.product_id for p in placed}
    return render(
        request,
        "storefront/replenishment.html",
        status=status,
        subscriptions=subscriptions,
        suggestions=suggestions,
        suggestions_unavailable=suggestions_unavailable,
        placed=placed,
        order_statuses=platform.orders.statuses([p.order_id for p in placed]),
        titles={pid: _title(platform, pid) for pid in sorted(wanted)},
        statuses=STATUSES,
        form=form or FormState(),
        notice=notice,
        new_key=new_key,
        max_quantity=MAX_QUANTITY,
        max_interval=MAX_INTERVAL_DAYS,
    )


def _title(platform: PlatformDep, product_id: str) -> str:
    try:
        product = platform.catalog.get(product_id).product
    except DomainError:
        return product_id
    return product.title_en or product.title_ko


@router.get(PATH)
def replenishment_page(
    request: Request, platform: PlatformDep, who: Shopper, done: str = ""
) -> Response:
    return _page(request, platform, who, notice=NOTICES.get(done[:20]))


@router.post(f"{PATH}/subscribe")
def subscribe(request: Request, platform: PlatformDep, who: Shopper, fields: Fields) -> Response:
    """Subscribe to a product: every so many days, or on the shopper's own cycle (a
    suggestion's button). The form carries its own key: resent, it subscribes once."""
    form = FormState.of(fields)
    key = usable_key(fields.get("idempotency_key", ""))
    quantity = whole_number(
        form, request, fields, "quantity", 1, MAX_QUANTITY, "Choose how many to order each time."
    )
    interval = None
    if fields.get("schedule") != "cycle":
        interval = whole_number(
            form,
            request,
            fields,
            "interval_days",
            1,
            MAX_INTERVAL_DAYS,
            "Choose every how many days (1-366).",
        )
    if key is None:
        form.fail(request, "_form", "This form has expired. Please press the button again.")
    if form.ok and key is not None:
        try:
            platform.replenishment.subscribe(
                customer_id(who),
                fields.get("product_id", "")[:40],
                quantity=quantity,
                interval_days=interval,
                idempotency_key=key,
            )
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return RedirectResponse(f"{PATH}?done=subscribed", status_code=303)
    return _page(request, platform, who, form=form, status=422)


@router.post(PATH + "/{subscription_id}/{action}")
def change(
    request: Request,
    subscription_id: Id,
    action: Literal["pause", "resume", "cancel"],
    platform: PlatformDep,
    who: Shopper,
) -> Response:
    """Pause, resume or cancel one of the shopper's subscriptions (anyone else's: 404)."""
    act = {
        "pause": platform.replenishment.pause,
        "resume": platform.replenishment.resume,
        "cancel": platform.replenishment.cancel,
    }[action]
    try:
        act(customer_id(who), subscription_id)
    except DomainError as refused:
        if refused.code == "subscription_not_found":
            raise
        form = FormState()
        form.refused(request, refused)
        return _page(request, platform, who, form=form, status=409)
    return RedirectResponse(f"{PATH}?done={action}", status_code=303)
