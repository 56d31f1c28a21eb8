"""Tracking: a parcel's story from fulfilment to the door, told by the outbox.

Decision: tracking events are the outbox events of the order (aggregate id = order id),
not a table of parcel events of their own. Every step already writes its event in the
same transaction as the change (order.picking … order.delivered, order.lost, the drone's
drone.launched and drone.dropped, the van routes' parcel.eta), so what tracking shows can
never disagree with the order, and no second write per step is needed. An order is one
parcel (it splits only when no single facility can fill it; such an order's parcels share
one history). ``record`` adds a tracking-only event (an ETA) the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baro.core.db import Database
from baro.core.events import DomainEvent, OutboxRow
from baro.core.events import record as record_events

# The events a customer sees, and of each one's data only what is theirs to read.
SHOWN_PREFIXES = ("order.", "drone.", "parcel.")
# The drone's own business: its way home after the drop, a sortie called off (the customer
# sees their order.cancelled).
HIDDEN = frozenset({"drone.returned", "drone.cancelled"})
PUBLIC_KEYS = frozenset(
    {
        "facility_id",
        "delivery_option",
        "delivery_window",
        "reship_of",
        "reshipped_as",
        "base_id",
        "drop_at",
        "eta",
        "window",
        "mode",
        "note",
    }
)


@dataclass(frozen=True, kw_only=True)
class ParcelEvent(DomainEvent):
    """A tracking-only step of a parcel (``parcel.<kind>``): an ETA, a delay, a scan."""

    kind: str

    @property
    def event_type(self) -> str:
        return f"parcel.{self.kind}"


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    type: str
    details: Mapping[str, Any]


def record(session: Session, events: Sequence[ParcelEvent]) -> None:
    """Tracking-only events, in the caller's transaction (like every outbox write)."""
    record_events(session, events)


def history(session: Session, order_id: str) -> list[TrackingEvent]:
    rows = session.scalars(
        select(OutboxRow).where(OutboxRow.aggregate_id == order_id).order_by(OutboxRow.seq)
    )
    return [
        TrackingEvent(
            row.occurred_at,
            row.event_type,
            {k: v for k, v in row.data.items() if k in PUBLIC_KEYS},
        )
        for row in rows
        if row.event_type.startswith(SHOWN_PREFIXES) and row.event_type not in HIDDEN
    ]


class Tracking:
    """What channels call; the caller checks that the order is the customer's."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def history(self, order_id: str) -> list[TrackingEvent]:
        with self._db.read() as session:
            return history(session, order_id)
