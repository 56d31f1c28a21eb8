"""The live order feed: the newest order events from the outbox, refreshed every 2 s.

The browser polls with the newest ``seq`` it shows; the server answers 204 (htmx leaves
the page alone) until the outbox holds something after it, then sends the rows again.
The seq lives in the page, not in a server process, so with several worker processes any
of them can answer any poll, and a poll costs one indexed query while nothing happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from baro.commerce.orders import OrderStatus
from baro.core.event_log import EventLog
from baro.core.events import StoredEvent
from baro.core.money import Money

from ...deps import PlatformDep
from ..rendering import render
from .page import STATUS_LABELS, render_console

FEED_ROWS: Final = 30
POLL_EVERY: Final = "2s"
MAX_SEQ: Final = 2**63 - 1  # the outbox's seq is a BIGINT
ORDER_EVENTS: Final = tuple(f"order.{status.value}" for status in OrderStatus)

router = APIRouter()


@dataclass(frozen=True)
class FeedRow:
    seq: int
    order_id: str
    status: OrderStatus
    at: datetime
    customer_id: str | None
    total: Money | None  # only a placement carries the order's total
    fresh: bool  # arrived since the page last looked

    @classmethod
    def of(cls, event: StoredEvent, *, fresh: bool) -> FeedRow:
        data = event.data
        total = (
            Money(int(data["total_minor"]), str(data["currency"]))
            if "total_minor" in data and "currency" in data
            else None
        )
        return cls(
            seq=event.seq,
            order_id=event.aggregate_id,
            status=OrderStatus(event.event_type.removeprefix("order.")),
            at=event.occurred_at,
            customer_id=data.get("customer_id"),
            total=total,
            fresh=fresh,
        )


def _rows(log: EventLog, *, fresh_after: int | None) -> tuple[list[FeedRow], int]:
    """The newest rows and the newest seq; rows after ``fresh_after`` are marked fresh."""
    events = log.latest(event_types=ORDER_EVENTS, limit=FEED_ROWS)
    rows = [
        FeedRow.of(event, fresh=fresh_after is not None and event.seq > fresh_after)
        for event in events
    ]
    return rows, events[0].seq if events else 0


@router.get("")
def feed(request: Request, platform: PlatformDep) -> Response:
    rows, newest = _rows(platform.event_log, fresh_after=None)
    return render_console(
        request, "console/feed.html", rows=rows, newest=newest, poll_every=POLL_EVERY
    )


@router.get("/feed/rows")
def feed_rows(
    request: Request, platform: PlatformDep, after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0
) -> Response:
    """The feed's rows if anything happened after ``after``, else 204 (nothing to swap)."""
    log = platform.event_log
    if not log.since(after, event_types=ORDER_EVENTS, limit=1):
        return Response(status_code=204)
    rows, newest = _rows(log, fresh_after=after)
    return render(
        request,
        "console/_feed_rows.html",
        rows=rows,
        newest=newest,
        poll_every=POLL_EVERY,
        status_labels=STATUS_LABELS,
    )
