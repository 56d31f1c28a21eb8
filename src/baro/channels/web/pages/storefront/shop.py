"""Browsing and buying: the home page's rows, search with category facets, product pages
and their 1-Click button."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baro.commerce.catalog import SEARCH_ID, ProductWithStock, SearchClick, Visitor
from baro.commerce.customers import (
    NoDefaultAddress,
    NoDefaultPaymentMethod,
    Principal,
    WebSession,
)
from baro.core.errors import DomainError
from baro.delivery.promise import Mode, NoDeliveryOption, Quote
from baro.platform import Platform
from baro.recommendations import TITLES, TRENDING, HomePages

from ...deps import PlatformDep
from ...promise import quote_for
from ...schemas import Id
from ..forms import Fields, FormState, whole_number
from ..rendering import gettext, render
from ..security import MaybeShopper, Shopper
from .placing import new_key, place, usable_key

router = APIRouter()

PAGE_SIZE = 24
MAX_PAGE = 400  # 9,600 results deep: past that, a shopper refines the search
# Cut to 200 characters before analysis: a long paste is answered, not refused.
MAX_QUERY = 10_000


@dataclass(frozen=True)
class ShownRow:
    """A row as the home page draws it: its anchor, title and reason in the page's language."""

    key: str
    title: str
    reason: str | None
    products: Sequence[ProductWithStock]


@router.get("/")
def home(request: Request, platform: PlatformDep, who: MaybeShopper) -> Response:
    """A signed-in shopper's own rows (``baro.recommendations``) come first; then the rows
    every visitor sees, less the products already shown above them."""
    shown: list[ShownRow] = []
    if who is not None and who.principal.customer_id is not None:
        pages: HomePages = request.app.state.home_pages
        page = pages.page(who.principal.customer_id, who.principal.home)
        shown += [
            ShownRow(
                row.kind,
                gettext(request, TITLES[row.kind]) % {"name": row.anchor},
                gettext(request, row.reason),
                row.products,
            )
            for row in page.rows
            if row.kind != TRENDING  # the best sellers below say the same to everyone
        ]
    seen = {card.product.id for row in shown for card in row.products}
    for row in request.app.state.home_rows:
        products = [card for card in row.products() if card.product.id not in seen]
        if products:
            shown.append(ShownRow(row.key, gettext(request, row.title), None, products))
    return render(
        request,
        "storefront/home.html",
        rows=shown,
        categories=platform.catalog.categories(),
    )


@router.get("/search")
def search(
    request: Request,
    platform: PlatformDep,
    who: MaybeShopper,
    q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
    category: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    sr: Annotated[str, Query(max_length=40, description="The search (its next pages)")] = "",
) -> Response:
    # One more than a page: whether there is a next page, without counting them all. The
    # first page is the shopper's search (a demand signal), signed in or not; its id goes
    # on to the next pages and on every result's link, so that a click names its search.
    results = platform.catalog.find(
        q,
        category=category or None,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        visitor=_visitor(who),
        home=who.principal.home if who else None,
    )
    found = results.items
    search_id = results.search_id or (sr if SEARCH_ID.fullmatch(sr) else "")
    offset = (page - 1) * PAGE_SIZE

    def link(**change: object) -> str:
        params = {"q": q, "category": category, "page": page, "sr": search_id} | change
        return "/search?" + urlencode({k: v for k, v in params.items() if v not in ("", 1)})

    def result_link(position: int) -> str:
        clicked = f"?{urlencode({'sr': search_id, 'pos': offset + position})}"
        return clicked if search_id else ""

    return render(
        request,
        "storefront/search.html",
        q=q,
        category=category,
        categories=platform.catalog.categories(),
        products=found[:PAGE_SIZE],
        page=page,
        previous_page=link(page=page - 1) if page > 1 else None,
        next_page=link(page=page + 1) if len(found) > PAGE_SIZE else None,
        facet_link=lambda code: link(category=code, page=1, sr=""),
        # Days as UTC midnights, for the locale's date filter.
        arrives_by=[
            (datetime.combine(a.by, time(), tzinfo=UTC), a.count)
            for a in (results.facets.arrives_by if results.facets else ())
        ],
        did_you_mean=results.did_you_mean,
        did_you_mean_link=link(q=results.did_you_mean, page=1, sr="")
        if results.did_you_mean
        else None,
        result_link=result_link,
    )


@router.get("/products/{product_id}")
def product_page(
    request: Request,
    product_id: Id,
    platform: PlatformDep,
    who: MaybeShopper,
    sr: Annotated[str, Query(max_length=40, description="The search it was found by")] = "",
    pos: Annotated[str, Query(max_length=6, description="Its place in the results")] = "",
) -> Response:
    """The product, its delivery options and its 1-Click button. Shown to a signed-in
    shopper, it is a view (``product.viewed``); the same page shown again after a refused
    1-Click is not. Reached from a search's results (``sr``, ``pos``), it is that search's
    click (``search.clicked``); a link whose search or place is not one counts no click."""
    item = platform.catalog.get(
        product_id, visitor=_visitor(who), from_search=_search_click(sr, pos)
    )
    return _product(request, platform, item, who)


def _search_click(search_id: str, position: str) -> SearchClick | None:
    if not (position.isascii() and position.isdigit()):
        return None
    try:
        return SearchClick(search_id, int(position))
    except ValueError:
        return None


def _visitor(who: WebSession | None) -> Visitor:
    return Visitor(who.principal.customer_id if who else None)


def _product(
    request: Request,
    platform: Platform,
    item: ProductWithStock,
    who: WebSession | None,
    form: FormState | None = None,
    status: int = 200,
) -> Response:
    principal = who.principal if who else None
    options, problem = _delivery(request, platform, item, principal)
    chosen = (form.values.get("delivery_option") if form else None) or (
        principal.delivery_preference if principal else None
    )
    if options is not None and options.get_code(chosen) is None and options.unasked:
        chosen = options.unasked.code  # what 1-Click picks: the fastest free option
    return render(
        request,
        "storefront/product.html",
        status=status,
        item=item,
        product=item.product,
        address=principal.address if principal else None,
        card=principal.payment_method if principal else None,
        # Made now and posted back: a second post of this form is the same order.
        one_click_key=new_key(),
        max_quantity=min(platform.settings.max_order_quantity, 10),
        form=form or FormState(),
        set_defaults=f"/account?next={quote(f'/products/{item.product.id}', safe='/')}",
        quote=options,
        chosen_option=chosen,
        delivery_problem=problem,
    )


def _delivery(
    request: Request, platform: Platform, item: ProductWithStock, principal: Principal | None
) -> tuple[Quote | None, str | None]:
    """The delivery options for one unit to the shopper's default address, or why none."""
    if principal is None or principal.address is None:
        return None, None
    if not item.product.active or item.available <= 0:
        return None, None
    try:
        return quote_for(platform, principal, [(item.product, 1)]), None
    except NoDeliveryOption:
        return None, gettext(request, "No delivery option reaches your address.")
    except DomainError:
        return None, None


@router.post("/products/{product_id}/buy")
async def one_click(
    request: Request, product_id: Id, who: Shopper, platform: PlatformDep, fields: Fields
) -> Response:
    """The 1-Click button: the default card and address, the same exactly-once placement
    as ``POST /v1/orders/one-click``, then the order's page."""
    back = f"/products/{product_id}"
    if who.principal.address is None or who.principal.payment_method is None:
        return RedirectResponse(f"/account?next={quote(back, safe='/')}", status_code=303)
    form = FormState.of(fields)
    quantity = whole_number(
        form,
        request,
        fields,
        "quantity",
        1,
        platform.settings.max_order_quantity,
        "Choose how many to buy.",
    )
    option = fields.get("delivery_option") or None
    if option is not None and option not in {m.value for m in Mode}:
        form.fail(request, "delivery_option", "Choose one of the delivery options shown.")
    key = usable_key(fields.get("idempotency_key", ""))
    if key is None:
        form.fail(request, "_form", "This form has expired. Please press the button again.")
    if form.ok and key is not None:
        try:
            placement = await place(
                request,
                lambda: platform.orders.place_one_click(
                    who.principal,
                    product_id,
                    quantity,
                    idempotency_key=key,
                    delivery_option=option,
                ),
            )
        except (NoDefaultAddress, NoDefaultPaymentMethod):
            return RedirectResponse(f"/account?next={quote(back, safe='/')}", status_code=303)
        except DomainError as refused:
            form.refused(request, refused)
        else:
            return RedirectResponse(f"/orders/{placement.order.id}", status_code=303)
    item = await run_in_threadpool(platform.catalog.get, product_id)
    return _product(request, platform, item, who, form, status=422 if key is None else 409)
