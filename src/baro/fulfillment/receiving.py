"""Receiving, each step inside the caller's transaction.

An inbound is either new to the spine (a seller's stock, a supplier: each unit checked in
adds to ``on_hand``) or **landed** (a network transfer: ``arrive_due`` already added its
units to ``on_hand`` when it arrived, so they wait on the dock until checked in). A landed
inbound's check-in moves units from the dock to receiving; a unit over what was sent is new
to the spine; a unit short at closing never came, and comes off ``on_hand`` (written off).

Stock the spine counts that never came through receiving (a building going live on the
WMS) is checked in whole by ``check_in_counted``; ``stow`` then moves units from receiving
into the bins a putaway strategy chooses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from baro.core.db import execute_many, insert_or_ignore, table_of
from baro.core.events import StoredEvent, mark_handled, record, unhandled
from baro.core.ids import new_id
from baro.network import adjust, get_facility, receive

from . import repository as repo
from .domain import Item, Receipt, ReceiptLine, event
from .errors import InboundNotFound, NothingToStow, WrongStep
from .repository import DOCK, RECEIVING, BinRow, InboundLineRow, InboundRow
from .stow import Putaway, place

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
    inbound_id = _add_inbound(
        session, facility_id, expected, source=source, landed=landed, checked_in=False, at=at
    )
    if landed:
        for product_id, units in sorted(expected.items()):
            repo.add_staged(session, facility_id, product_id, DOCK, units)
    return inbound_id


def _add_inbound(
    session: Session,
    facility_id: str,
    expected: Mapping[str, int],
    *,
    source: str,
    landed: bool,
    checked_in: bool,
    at: datetime,
) -> str:
    """The inbound's row, its lines and its ``inbound_opened``; ``checked_in``: every unit
    received as it opens, and closed."""
    get_facility(session, facility_id)
    inbound_id = new_id("inb")
    session.add(
        InboundRow(
            id=inbound_id,
            facility_id=facility_id,
            source=source,
            landed=landed,
            closed=checked_in,
            opened_at=at,
        )
    )
    session.flush()  # the lines' foreign key needs the inbound first
    execute_many(
        session,
        table_of(InboundLineRow).insert(),
        [
            {
                "inbound_id": inbound_id,
                "product_id": p,
                "expected": n,
                "received": n if checked_in else 0,
            }
            for p, n in sorted(expected.items())
        ],
    )
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


def check_in_counted(
    session: Session, facility_id: str, units: Mapping[str, int], *, source: str, at: datetime
) -> str:
    """A landed inbound of ``units`` (per product) that the spine counts already, checked in
    whole and closed as it opens: the units wait in receiving. Its id."""
    inbound_id = _add_inbound(
        session, facility_id, units, source=source, landed=True, checked_in=True, at=at
    )
    repo.add_many_staged(session, facility_id, RECEIVING, units)
    where = {"facility_id": facility_id}
    record(
        session,
        [
            *(
                event("received", inbound_id, at, **where, product_id=p, units=n)
                for p, n in sorted(units.items())
            ),
            event("inbound_closed", inbound_id, at, **where, over={}, short={}, written_off={}),
        ],
    )
    return inbound_id


def stow(
    session: Session,
    facility_id: str,
    units: Mapping[str, int] | None,
    putaway: Putaway,
    at: datetime,
) -> list[tuple[str, str, int]]:
    """Units from receiving into the bins ``putaway`` chooses: ``units`` per product, or
    every unit waiting there when None. The (bin, product, units) placed."""
    # The facility's bins first: a second stow here waits, then reads receiving after the
    # first took its units from it.
    rows = session.scalars(
        select(BinRow)
        .where(BinRow.facility_id == facility_id)
        .order_by(BinRow.id)
        .with_for_update()
    )
    bins = {row.id: repo.bin_of(row) for row in rows}
    waiting = repo.staged_in(session, facility_id, RECEIVING)
    wanted = dict(waiting if units is None else units)
    for product_id, n in sorted(wanted.items()):
        if not 0 < n <= waiting.get(product_id, 0):
            raise NothingToStow(
                f"{waiting.get(product_id, 0)} units of {product_id} wait in receiving at "
                f"{facility_id}; cannot stow {n}"
            )
    items = repo.items(session, wanted)
    placed = [
        (bin_id, product_id, n)
        for product_id in sorted(wanted)
        for bin_id, n in place(putaway, items[product_id], wanted[product_id], bins)
    ]
    repo.put_many_in_bins(session, [(b, items[p], n) for b, p, n in placed])
    repo.add_many_staged(session, facility_id, RECEIVING, {p: -n for p, n in wanted.items()})
    record(
        session,
        [
            event("stowed", b, at, facility_id=facility_id, product_id=p, units=n)
            for b, p, n in placed
        ],
    )
    return placed
