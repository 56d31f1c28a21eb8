"""What a customer's home page shows them, and why, as operators check it: the model that
serves it (when it was trained, on how many customers and products), and each row with its
reason. The same page ``GET /v1/home`` serves; this only reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from baro.commerce.customers import CustomerNotFound
from baro.recommendations import HomePages

from ...deps import PlatformDep
from ...schemas import Id
from .page import render_console

router = APIRouter()


@router.get("/home-pages")
def home_pages(
    request: Request,
    platform: PlatformDep,
    customer: Annotated[Id | None, Query(description="The customer's id (cus_…)")] = None,
) -> Response:
    pages: HomePages = request.app.state.home_pages
    page, unknown = None, False
    if customer:
        try:
            platform.customers.get(customer)
        except CustomerNotFound:
            unknown = True
        else:
            homes = [(a.lat, a.lng) for a in platform.customers.addresses(customer) if a.is_default]
            page = pages.page(customer, homes[0] if homes else None)
    return render_console(
        request,
        "console/home_pages.html",
        customer=customer or "",
        page=page,
        unknown=unknown,
        model=pages.model(),
    )
