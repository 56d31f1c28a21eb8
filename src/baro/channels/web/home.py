"""The personalised home page over the API: the rows ``baro.recommendations`` serves, each
with its title and why it is there, for the calling customer only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from baro.recommendations import HomePage, HomePages

from .deps import Caller, CallerDep
from .problems import AUTHENTICATED, errors
from .schemas import ProductOut

router = APIRouter(tags=["home"])


class HomeRowOut(BaseModel):
    kind: str = Field(description="bought_together, searched, buy_again, picked or trending")
    title: str
    reason: str = Field(description="Why the row is on your page")
    products: list[ProductOut]


class HomeOut(BaseModel):
    model_version: int | None = Field(description="The trained model (null: none yet)")
    built_at: datetime | None
    rows: list[HomeRowOut]

    @classmethod
    def of(cls, page: HomePage) -> HomeOut:
        return cls(
            model_version=page.model_version,
            built_at=page.built_at,
            rows=[
                HomeRowOut(
                    kind=row.kind,
                    title=row.title,
                    reason=row.reason,
                    products=[ProductOut.of(c.product, c.available) for c in row.products],
                )
                for row in page.rows
            ],
        )


async def home_pages(request: Request) -> HomePages:
    pages: HomePages = request.app.state.home_pages
    return pages


@router.get("/v1/home", response_model=HomeOut, responses=errors(*AUTHENTICATED))
async def home(who: CallerDep, pages: Annotated[HomePages, Depends(home_pages)]) -> Response:
    """Your home page: what is bought together with your last order, what your latest
    search found, what to buy again, what is picked for you, what trends near your default
    address. New customers get what trends near them, and their searches."""
    # A kept page is the key's check, one small read and a lookup. On SQLite those reads are
    # calls into this process, cheaper than handing the request to a worker thread and back
    # (bench home, 1 process, c16: server CPU 1.66 -> 1.0 ms a page, p50 21 -> 13 ms), so
    # they run on the event loop, a page built anew (a few ms) included. On PostgreSQL they
    # wait on the network: a thread waits instead, and the loop serves others meanwhile.
    if who.platform.db.dialect == "sqlite":
        body = _page(who, pages)
    else:
        body = await run_in_threadpool(_page, who, pages)
    return Response(body, media_type="application/json")


def _page(who: Caller, pages: HomePages) -> bytes:
    principal = who.customer()
    assert principal.customer_id is not None, "a customer's key names the customer"
    return pages.rendered(principal.customer_id, principal.home)


def render(page: HomePage) -> bytes:
    """The page's JSON, made once per kept page (``HomePages`` keeps it), not by FastAPI,
    which would validate again the model it was just built from."""
    return HomeOut.of(page).model_dump_json().encode()
