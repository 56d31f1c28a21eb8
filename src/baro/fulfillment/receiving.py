"""Receiving, each step inside the caller's transaction.

An inbound is either new to the spine (a seller's stock, a supplier: each unit checked in
adds to ``on_hand``) or **landed** (a network transfer: ``arrive_due`` already added its
units to ``on_hand`` when it arrived, so they wait on the dock until checked in). A landed
inbound's check-in moves units from the dock to receiving; a unit over what was sent is new
to the spine; a unit short at closing never came, and comes off ``on_hand`` (written off).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from baro.core.db import insert_or_ignore, table_of
from baro.core.events import StoredEvent, mark_handled, record, unhandled
from baro.core.ids import new_id
from baro.network import adjust, get_facility, receive

from . import repository as repo
from .domain import Item, Receipt, ReceiptLine, event
from .errors import InboundNotFound, WrongStep
from .repository import DOCK, RECEIVING, BinRow, InboundLineRow, InboundRow

# The floor's consumer of ``transfer.arrived``: each transfer that lands at a facility with
# bins becomes a landed inbound.
TRANSFER_CONSUMER = "fulfillment.receive_transfers"


def open_inbound(
    session: Session,
    facility_id: str,
    expected: Mapping[str, int],
    *,
    source: str,
    landed: bool,
    at: datetime,
) -> str:
    get_facility(session, facility_id)
    inbound_id = new_id("inb")
    session.add(
        InboundRow(
            id=inbound_id,
            facility_id=facility_id,
            source=source,
            landed=landed,
            closed=False,
            opened_at=at,
        )
    )
    session.flush()  # the lines' foreign key needs the inbound first
    session.add_all(
        InboundLineRow(inbound_id=inbound_id, product_id=p, expected=n, received=0)
        for p, n in sorted(expected.items())
    )
    if landed:
        for product_id, units in sorted(expected.items()):
            repo.add_staged(session, facility_id, product_id, DOCK, units)
    record(
        session,
        [
            event(
                "inbound_opened",
                inbound_id,
                at,
                facility_id=facility_id,
                source=source,
                landed=landed,
                expected=dict(expected),
            )
        ],
    )
    return inbound_id


def scan_in(session: Session, inbound_id: str, item: Item, at: datetime) -> ReceiptLine:
    inbound = find(session, inbound_id)
    if inbound.closed:
        raise WrongStep(f"inbound {inbound_id} is closed")
    insert_or_ignore(
        session,
        table_of(InboundLineRow),
        {"inbound_id": inbound_id, "product_id": item.product_id, "expected": 0, "received": 0},
    )
    line = session.execute(
        update(InboundLineRow)
        .where(
            InboundLineRow.inbound_id == inbound_id,
            InboundLineRow.product_id == item.product_id,
        )
        .values(received=InboundLineRow.received + 1)
        .returning(InboundLineRow.expected, InboundLineRow.received)
    ).one()
    if inbound.landed and line.received <= line.expected:
        repo.add_staged(session, inbound.facility_id, item.product_id, DOCK, -1)
    else:  # a unit the spine has not counted yet
        receive(session, inbound.facility_id, item.product_id, 1)
    repo.add_staged(session, inbound.facility_id, item.product_id, RECEIVING, 1)
    record(
        session,
        [
            event(
                "received",
                inbound_id,
                at,
                facility_id=inbound.facility_id,
                product_id=item.product_id,
            )
        ],
    )
    return ReceiptLine(item.product_id, line.expected, line.received)


def close_inbound(session: Session, inbound_id: str, at: datetime) -> Receipt:
    inbound = find(session, inbound_id)
    if inbound.closed:
        raise WrongStep(f"inbound {inbound_id} is already closed")
    inbound.closed = True
    closed = receipt(session, inbound)
    written_off = {ln.product_id: ln.short for ln in closed.lines if ln.short and inbound.landed}
    for product_id, units in sorted(written_off.items()):
        # Counted by the spine when the transfer landed, never found on the dock.
        adjust(session, inbound.facility_id, product_id, -units)
        repo.add_staged(session, inbound.facility_id, product_id, DOCK, -units)
    record(
        session,
        [
            event(
                "inbound_closed",
                inbound_id,
                at,
                facility_id=inbound.facility_id,
                over={ln.product_id: ln.over for ln in closed.lines if ln.over},
                short={ln.product_id: ln.short for ln in closed.lines if ln.short},
                written_off=written_off,
            )
        ],
    )
    return closed


def find(session: Session, inbound_id: str) -> InboundRow:
    row = session.get(InboundRow, inbound_id, populate_existing=True)
    if row is None:
        raise InboundNotFound(f"no inbound {inbound_id}")
    return row


def receipt(session: Session, inbound: InboundRow) -> Receipt:
    lines = session.scalars(
        select(InboundLineRow)
        .where(InboundLineRow.inbound_id == inbound.id)
        .order_by(InboundLineRow.product_id)
    )
    return Receipt(
        inbound.id,
        inbound.facility_id,
        inbound.source,
        inbound.closed,
        tuple(ReceiptLine(ln.product_id, ln.expected, ln.received) for ln in lines),
    )


def _has_bins(session: Session, facility_id: str) -> bool:
    return bool(session.scalar(select(exists().where(BinRow.facility_id == facility_id))))


def landed_transfers(session: Session, *, limit: int) -> list[StoredEvent]:
    return unhandled(session, TRANSFER_CONSUMER, ["transfer.arrived"], limit=limit)


def open_landed(session: Session, events: list[StoredEvent], at: datetime) -> list[str]:
    """A landed inbound per transfer that arrived at a facility with bins (a facility the
    floor does not run is skipped); every event is marked handled."""
    opened = []
    for e in events:
        facility_id = str(e.data["to_facility"])
        if _has_bins(session, facility_id):
            expected = {str(e.data["product_id"]): int(e.data["quantity"])}
            opened.append(
                open_inbound(
                    session,
                    facility_id,
                    expected,
                    source=f"transfer:{e.aggregate_id}",
                    landed=True,
                    at=at,
                )
            )
    mark_handled(session, TRANSFER_CONSUMER, [e.event_id for e in events])
    return opened


def landed_not_opened(session: Session, facility_id: str) -> dict[str, int]:
    """Units of transfers that landed at the facility and wait for their inbound (the tick
    opens it right after the landing): the spine counts them already."""
    if not _has_bins(session, facility_id):
        return {}
    units: dict[str, int] = defaultdict(int)
    events = unhandled(
        session,
        TRANSFER_CONSUMER,
        ["transfer.arrived"],
        data_equals={"to_facility": facility_id},
        limit=100_000,
    )
    for e in events:
        units[str(e.data["product_id"])] += int(e.data["quantity"])
    return dict(units)
