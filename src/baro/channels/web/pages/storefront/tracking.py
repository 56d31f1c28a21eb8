"""The order page's "report lost" button: the parcel is sent again at once, free of charge
(the trust policy's limits apply); the shopper lands on the new order's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from baro.commerce.customers import Forbidden
from baro.commerce.orders import NotLosable, OrderNotFound, ReshipLimitReached
from baro.core.errors import DomainError

from ...deps import PlatformDep
from ...schemas import Id
from ..forms import FormState
from ..security import Shopper
from .orders import _order

router = APIRouter()

REFUSED = {
    ReshipLimitReached.code: "You have reached the limit of free re-shipments; contact support.",
    NotLosable.code: "Only a parcel that has shipped can be reported lost.",
}
ANY_OTHER = "We could not send it again right now. Please try again later."


@router.post("/orders/{order_id}/report-lost")
def report_lost(request: Request, order_id: Id, platform: PlatformDep, who: Shopper) -> Response:
    try:
        placement = platform.orders.reships.report_lost(who.principal, order_id)
    except (OrderNotFound, Forbidden):
        raise
    except DomainError as refused:
        form = FormState()
        form.fail(request, "report_lost", REFUSED.get(refused.code, ANY_OTHER))
        order = platform.orders.get(who.principal, order_id)
        return _order(request, platform, order, form=form, status=409)
    return RedirectResponse(f"/orders/{placement.order.id}", status_code=303)
