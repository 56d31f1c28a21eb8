"""Operators: stock moved between facilities (``baro anticipate run`` sends it), the plans
that sent it, and calling a transfer back before it arrives."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from baro.network import Transfer, TransferPlanRecord

from .deps import CallerDep, PlatformDep
from .problems import AUTHENTICATED, errors
from .schemas import Id

router = APIRouter(prefix="/v1/admin", tags=["operators"])

Limit = Annotated[int, Query(ge=1, le=200)]


class TransferOut(BaseModel):
    id: str
    plan_id: str
    product_id: str
    from_facility: str
    to_facility: str
    quantity: int
    status: str
    shipped_at: datetime
    arrives_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, t: Transfer) -> TransferOut:
        return cls(
            id=t.id,
            plan_id=t.plan_id,
            product_id=t.product_id,
            from_facility=t.from_facility,
            to_facility=t.to_facility,
            quantity=t.quantity,
            status=t.status.value,
            shipped_at=t.shipped_at,
            arrives_at=t.arrives_at,
            ended_at=t.ended_at,
        )


class TransferPlanOut(BaseModel):
    id: str
    made_at: datetime
    status: str
    notes: list[str]
    need_by: datetime | None
    units: int
    transfers: int
    cost_minor: int
    expected_demand: float | None
    expected_fill_before: float | None
    expected_fill_after: float | None

    @classmethod
    def of(cls, plan: TransferPlanRecord) -> TransferPlanOut:
        s = plan.summary
        return cls(
            id=plan.id,
            made_at=plan.made_at,
            status=s.status,
            notes=list(s.notes),
            need_by=s.need_by,
            units=plan.units,
            transfers=plan.transfers,
            cost_minor=s.cost_minor,
            expected_demand=s.expected_demand,
            expected_fill_before=s.expected_fill_before,
            expected_fill_after=s.expected_fill_after,
        )


@router.get("/transfers", responses=errors(*AUTHENTICATED, 422))
def transfers(who: CallerDep, platform: PlatformDep, limit: Limit = 50) -> list[TransferOut]:
    """The latest transfers, newest dispatch first: in transit, arrived or called back."""
    who.admin()
    return [TransferOut.of(t) for t in platform.network.transfers(limit)]


@router.get("/transfer-plans", responses=errors(*AUTHENTICATED, 422))
def transfer_plans(
    who: CallerDep, platform: PlatformDep, limit: Limit = 20
) -> list[TransferPlanOut]:
    """The latest plans, newest first, with why they move what they move (``notes``) and the
    expected share of forecast demand filled locally before and after (0 to 1)."""
    who.admin()
    return [TransferPlanOut.of(p) for p in platform.network.plans(limit)]


@router.post(
    "/transfers/{transfer_id}/cancel",
    responses=errors(
        *AUTHENTICATED,
        404,
        409,
        422,
        described={404: "No such transfer", 409: "It has arrived or was called back already"},
    ),
)
def cancel_transfer(transfer_id: Id, who: CallerDep, platform: PlatformDep) -> TransferOut:
    """Call a transfer back before it arrives: its units are free at the source again."""
    who.admin()
    return TransferOut.of(platform.network.cancel_transfer(transfer_id))
