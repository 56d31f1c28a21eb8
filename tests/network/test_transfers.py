"""Transfers: a dispatch takes free stock at once and all or nothing, a repeated key sends
nothing more, arrivals land on hand with their events, and what is on its way is visible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.core.clock import SimulatedClock
from baro.core.events import read_log
from baro.core.idempotency import IdempotencyKeyReused, InvalidIdempotencyKey
from baro.network import (
    Allocation,
    Incoming,
    InvalidTransfer,
    Move,
    NotEnoughToSend,
    PlanSummary,
    TransferNotInTransit,
    TransferStatus,
    holdings,
    stock_level,
)
from baro.network.inventory import reserve
from baro.platform import Platform
from tests.builders import RIO, SAO_PAULO, add_facility, add_product, stock
from tests.conftest import START

ARRIVES = START + timedelta(hours=8)
SUMMARY = PlanSummary("by hand")


@pytest.fixture
def world(platform: Platform) -> tuple[str, str, str]:
    """São Paulo holds 10 units of a product (3 of them held for an order); Rio holds none."""
    sp, rio = add_facility(platform, "FC SP", SAO_PAULO), add_facility(platform, "FC Rio", RIO)
    product = add_product(platform).id
    stock(platform, sp, product, 10)
    with platform.db.transaction() as session:
        reserve(session, [Allocation(product, sp, 3)])
    return sp, rio, product


def levels(platform: Platform, facility: str, product: str) -> tuple[int, int]:
    with platform.db.read() as session:
        level = stock_level(session, facility, product)
    return level.on_hand, level.reserved


def events(platform: Platform) -> list[tuple[str, str]]:
    with platform.db.read() as session:
        log = read_log(session, event_types=["transfer.dispatched", "transfer.arrived"])
    return [(e.event_type, e.aggregate_id) for e in log]


def test_a_dispatch_takes_the_free_units_off_the_source_at_once(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world

    sent = platform.network.dispatch(
        [Move(product, sp, rio, 7, ARRIVES)], SUMMARY, idempotency_key="k1"
    )

    (transfer,) = sent.transfers
    assert (transfer.quantity, transfer.status, transfer.shipped_at) == (
        7,
        TransferStatus.IN_TRANSIT,
        START,
    )
    assert levels(platform, sp, product) == (3, 3)  # exactly the free units left
    assert levels(platform, rio, product) == (0, 0)  # not there yet
    assert (sent.plan.units, sent.plan.transfers, sent.replayed) == (7, 1, False)
    assert events(platform) == [("transfer.dispatched", transfer.id)]


def test_more_than_is_free_is_refused_and_nothing_is_written(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    """8 units asked of 10 on hand with 3 held: a conflict naming the numbers; the move that
    would have fitted is not sent either, and no plan is kept."""
    sp, rio, product = world
    other = add_product(platform, sku="SKU-2").id
    stock(platform, sp, other, 5)

    with pytest.raises(NotEnoughToSend, match="8 to send, 7 free"):
        platform.network.dispatch(
            [Move(other, sp, rio, 5, ARRIVES), Move(product, sp, rio, 8, ARRIVES)],
            SUMMARY,
            idempotency_key="k1",
        )

    assert levels(platform, sp, product) == (10, 3)
    assert levels(platform, sp, other) == (5, 0)
    assert platform.network.plans(10) == [] and platform.network.transfers(10) == []
    assert events(platform) == []


def test_the_same_key_again_sends_nothing_more(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world
    moves = [Move(product, sp, rio, 2, ARRIVES)]
    first = platform.network.dispatch(moves, SUMMARY, idempotency_key="plan-1")

    again = platform.network.dispatch(moves, SUMMARY, idempotency_key="plan-1")

    assert again.replayed and again.transfers == first.transfers
    assert again.plan.id == first.plan.id
    assert levels(platform, sp, product) == (8, 3)
    assert len(platform.network.plans(10)) == 1


def test_a_key_used_for_other_moves_is_refused(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world
    platform.network.dispatch([Move(product, sp, rio, 2, ARRIVES)], SUMMARY, idempotency_key="k")
    with pytest.raises(IdempotencyKeyReused):
        platform.network.dispatch(
            [Move(product, sp, rio, 3, ARRIVES)], SUMMARY, idempotency_key="k"
        )
    assert levels(platform, sp, product) == (8, 3)


def test_moves_without_a_key_or_that_cannot_be_are_refused(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world
    with pytest.raises(InvalidIdempotencyKey):
        platform.network.dispatch(
            [Move(product, sp, rio, 1, ARRIVES)], SUMMARY, idempotency_key=None
        )
    for bad in (
        Move(product, sp, rio, 0, ARRIVES),
        Move(product, sp, sp, 1, ARRIVES),
        Move(product, sp, rio, 1, START - timedelta(seconds=1)),
    ):
        with pytest.raises(InvalidTransfer):
            platform.network.dispatch([bad], SUMMARY, idempotency_key="k")


def test_a_plan_that_moves_nothing_is_kept_with_its_reasons(platform: Platform) -> None:
    why = PlanSummary("Optimal", notes=("no transfers: no serving facility has demand",))

    empty = platform.network.dispatch([], why, idempotency_key=None)

    assert empty.transfers == ()
    assert [(p.id, p.summary.notes, p.units) for p in platform.network.plans(10)] == [
        (empty.plan.id, why.notes, 0)
    ]


def test_arrival_lands_the_units_on_hand_when_their_time_comes(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world
    (transfer,) = platform.network.dispatch(
        [Move(product, sp, rio, 4, ARRIVES)], SUMMARY, idempotency_key="k1"
    ).transfers
    clock.advance(timedelta(hours=7, minutes=59))
    assert platform.network.arrive_due() == []

    clock.advance(timedelta(minutes=1))  # exactly at arrives_at
    (landed,) = platform.network.arrive_due()

    assert (landed.id, landed.status, landed.ended_at) == (
        transfer.id,
        TransferStatus.ARRIVED,
        ARRIVES,
    )
    assert levels(platform, rio, product) == (4, 0)  # the stock line was opened for it
    assert platform.network.arrive_due() == []  # landed once
    assert levels(platform, rio, product) == (4, 0)
    assert events(platform) == [
        ("transfer.dispatched", transfer.id),
        ("transfer.arrived", transfer.id),
    ]


def test_units_on_their_way_are_visible_until_they_land(
    platform: Platform, clock: SimulatedClock, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world
    later = ARRIVES + timedelta(days=1)
    platform.network.dispatch(
        [Move(product, sp, rio, 2, ARRIVES), Move(product, sp, rio, 3, later)],
        SUMMARY,
        idempotency_key="k1",
    )

    assert platform.network.incoming([product]) == [
        Incoming(rio, product, 2, ARRIVES),
        Incoming(rio, product, 3, later),
    ]
    assert platform.network.incoming(["prd_other"]) == []
    with platform.db.read() as session:
        coming = {h.facility.id: (h.on_hand, h.incoming) for h in holdings(session)}
    assert coming == {sp: (5, 0), rio: (0, 5)}

    clock.advance(timedelta(hours=8))
    platform.network.arrive_due()
    assert platform.network.incoming() == [Incoming(rio, product, 3, later)]


def test_a_transfer_called_back_frees_its_units_at_the_source(
    platform: Platform, world: tuple[str, str, str]
) -> None:
    sp, rio, product = world
    (transfer,) = platform.network.dispatch(
        [Move(product, sp, rio, 4, ARRIVES)], SUMMARY, idempotency_key="k1"
    ).transfers

    cancelled = platform.network.cancel_transfer(transfer.id)

    assert cancelled.status is TransferStatus.CANCELLED
    assert levels(platform, sp, product) == (10, 3)
    assert platform.network.incoming() == []
    with pytest.raises(TransferNotInTransit):
        platform.network.cancel_transfer(transfer.id)
