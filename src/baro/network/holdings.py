"""What each facility holds: totals per facility (the console's map), with the units on their
way to it, and one facility's stock line by line, fewest units free first (what an operator
restocks next)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from baro.network.facilities import Facility, get_facility, list_facilities
from baro.network.inventory import InventoryRow, StockLevel
from baro.network.transfers import incoming_by_facility


@dataclass(frozen=True)
class FacilityHoldings:
    facility: Facility
    products: int  # products with at least one unit on hand
    on_hand: int
    reserved: int
    incoming: int = 0  # in transit toward it: not on hand, so no order can take it yet

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def holdings(session: Session) -> list[FacilityHoldings]:
    """Every facility with its totals (three queries); a facility without stock holds zeros."""
    totals = {
        row.facility_id: row
        for row in session.execute(
            select(
                InventoryRow.facility_id,
                func.sum(case((InventoryRow.on_hand > 0, 1), else_=0)).label("products"),
                func.sum(InventoryRow.on_hand).label("on_hand"),
                func.sum(InventoryRow.reserved).label("reserved"),
            ).group_by(InventoryRow.facility_id)
        )
    }
    coming = incoming_by_facility(session)
    result = []
    for facility in list_facilities(session):
        row = totals.get(facility.id)
        result.append(
            FacilityHoldings(
                facility,
                int(row.products) if row else 0,
                int(row.on_hand) if row else 0,
                int(row.reserved) if row else 0,
                coming.get(facility.id, 0),
            )
        )
    return result


def stock_at(session: Session, facility_id: str, *, limit: int, offset: int) -> list[StockLevel]:
    """One facility's stock lines, fewest units free first, then by product. Raises
    FacilityNotFound for an unknown facility (an empty page would hide a wrong id)."""
    get_facility(session, facility_id)
    rows = session.execute(
        select(InventoryRow.product_id, InventoryRow.on_hand, InventoryRow.reserved)
        .where(InventoryRow.facility_id == facility_id)
        .order_by(InventoryRow.on_hand - InventoryRow.reserved, InventoryRow.product_id)
        .limit(limit)
        .offset(offset)
    )
    return [StockLevel(facility_id, r.product_id, r.on_hand, r.reserved) for r in rows]
