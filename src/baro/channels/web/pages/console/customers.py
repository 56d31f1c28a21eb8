"""Customers as operators see them: masked at the source by ``CustomerDirectory``."""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ...deps import PlatformDep
from ...schemas import Id
from .page import render_console

PAGE: Final = 25

router = APIRouter()


@router.get("/customers")
def customers(
    request: Request, platform: PlatformDep, before: Annotated[Id | None, Query()] = None
) -> Response:
    found = platform.customer_directory.page(limit=PAGE + 1, before=before)
    return render_console(
        request,
        "console/customers.html",
        customers=found[:PAGE],
        older=found[PAGE - 1].id if len(found) > PAGE else None,
    )
