"""Orders across all customers, filtered, and one order with its history from the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.orders import (
    TRANSITIONS,
    IllegalTransition,
    Order,
    OrderFilter,
    OrderStatus,
)
from baro.core.event_log import EventLog
from baro.platform import Platform

from ...deps import PlatformDep
from ...schemas import ID_CHARACTERS, MAX_ID_LENGTH, Id
from ..forms import FormState
from ..rendering import gettext
from .page import STATUS_LABELS, render_console

PAGE: Final = 25
# The steps an operator moves an order through (the API's /v1/admin/orders/{id}/advance).
FULFILMENT: Final = (
    OrderStatus.PICKING,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)

router = APIRouter()

Text = Annotated[str, Query(max_length=100)]


@dataclass(frozen=True)
class Parsed:
    form: FormState
    which: OrderFilter


def parse_filter(
    request: Request, *, status: str, customer: str, placed_from: str, placed_until: str
) -> Parsed:
    """The filter form as typed, checked field by field; a field in error filters nothing,
    so the page still lists orders under the messages. The dates are whole UTC days, the
    last one included."""
    form = FormState(
        values={
            "status": status,
            "customer": customer.strip(),
            "from": placed_from,
            "to": placed_until,
        }
    )
    chosen = None
    if status:
        try:
            chosen = OrderStatus(status)
        except ValueError:
            form.fail(request, "status", "Choose a status from the list.")
    who = form.values["customer"] or None
    if who is not None and (len(who) > MAX_ID_LENGTH or not re.fullmatch(ID_CHARACTERS, who)):
        form.fail(request, "customer", "A customer id looks like cus_… (40 characters at most).")
        who = None
    first = _day(request, form, "from")
    last = _day(request, form, "to")
    if first is not None and last is not None and last < first:
        form.fail(request, "to", "The last day comes before the first day.")
        first = last = None
    return Parsed(
        form,
        OrderFilter(
            status=chosen,
            customer_id=who,
            placed_from=_midnight(first) if first else None,
            placed_until=_midnight(last + timedelta(days=1)) if last else None,
        ),
    )


def _day(request: Request, form: FormState, name: str) -> date | None:
    typed = form.values[name].strip()
    if not typed:
        return None
    try:
        return date.fromisoformat(typed)
    except ValueError:
        form.fail(request, name, "Enter a date as YYYY-MM-DD.")
        return None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@router.get("/orders")
def orders(
    request: Request,
    platform: PlatformDep,
    status: Text = "",
    customer: Text = "",
    placed_from: Annotated[str, Query(alias="from", max_length=20)] = "",
    placed_until: Annotated[str, Query(alias="to", max_length=20)] = "",
    before: Annotated[Id | None, Query()] = None,
) -> Response:
    parsed = parse_filter(
        request,
        status=status,
        customer=customer,
        placed_from=placed_from,
        placed_until=placed_until,
    )
    found = platform.order_book.page(parsed.which, limit=PAGE + 1, before=before)
    older = None
    if len(found) > PAGE:
        kept = {name: value for name, value in parsed.form.values.items() if value}
        older = "/ops/orders?" + urlencode({**kept, "before": found[PAGE - 1].id})
    return render_console(
        request,
        "console/orders.html",
        status=422 if parsed.form.errors else 200,
        form=parsed.form,
        orders=found[:PAGE],
        older=older,
        status_options=[("", gettext(request, "Any status"))]
        + [(s.value, gettext(request, STATUS_LABELS[s])) for s in OrderStatus],
    )


def next_step(order: Order) -> OrderStatus | None:
    """The fulfilment step an operator can move the order to now, if any."""
    return next((step for step in FULFILMENT if step in TRANSITIONS[order.status]), None)


@router.get("/orders/{order_id}")
def order(request: Request, platform: PlatformDep, order_id: Id) -> Response:
    return _order_page(request, platform, platform.order_book.get(order_id), FormState())


@router.post("/orders/{order_id}/advance")
def advance(
    request: Request, platform: PlatformDep, order_id: Id, to: Annotated[str, Form()] = ""
) -> Response:
    """Move the order one fulfilment step on; a step the order cannot take now (another
    operator took it first, or it was cancelled) re-renders the page saying so."""
    form = FormState(values={"to": to})
    step = next((s for s in FULFILMENT if s.value == to), None)
    if step is None:
        form.fail(request, "_form", "Choose a fulfilment step.")
    else:
        try:
            platform.orders.advance(order_id, step)
        except IllegalTransition:
            form.fail(request, "_form", "The order cannot take that step now; it has moved on.")
    if not form.ok:
        found = platform.order_book.get(order_id)
        return _order_page(request, platform, found, form, status=422 if step is None else 409)
    return RedirectResponse(f"/ops/orders/{order_id}", status_code=303)


def _order_page(
    request: Request, platform: Platform, found: Order, form: FormState, *, status: int = 200
) -> Response:
    # A line's product always exists (a foreign key): a few lines, a read each.
    products = {
        line.product_id: platform.catalog.get(line.product_id).product for line in found.lines
    }
    return render_console(
        request,
        "console/order.html",
        status=status,
        order=found,
        form=form,
        next_step=next_step(found),
        products=products,
        facilities={f.id: f.name for f in platform.network.facilities()},
        history=EventLog(platform.db).history(found.id),
    )
