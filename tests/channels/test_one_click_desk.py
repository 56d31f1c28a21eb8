"""The desk gives each press its own outcome, whatever happens to the rest of its batch."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from baro.channels.web.one_click import OneClickDesk, Press
from baro.channels.web.ratelimit import FailedAttempts
from baro.commerce.customers import NotAuthenticated, Principal
from baro.commerce.orders import Placement
from baro.core.errors import DomainError
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock


def test_an_unknown_key_is_401_even_when_the_database_fails_the_batch(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    failure = RuntimeError("the database went away")

    def database_down(_clicks: object) -> object:
        raise failure

    monkeypatch.setattr(platform.orders, "place_one_click_all", database_down)
    desk = OneClickDesk(
        platform,
        FailedAttempts.at(None),
        max_batch=8,
        in_flight=1,
    )
    presses = [
        Press("bk_live_unknown", "10.0.0.1", item.id, 1, "k1"),
        Press(buyer.api_key, "10.0.0.2", item.id, 1, "k2"),
    ]

    outcomes = desk.place_batch(presses)
    desk.close()

    assert isinstance(outcomes[0], NotAuthenticated)
    assert outcomes[1] is failure


@dataclass
class Counter:
    """A desk whose placements are counted (the sizes of the batches it sent), and a
    press of one unit of a product in stock by a customer with a card."""

    desk: OneClickDesk
    batch_sizes: list[int]
    api_key: str
    principal: Principal
    product_id: str

    def press(self, quantity: int = 1) -> Press:
        return Press(self.api_key, "10.0.0.1", self.product_id, quantity, "key-1")


@pytest.fixture
def counter(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    item = add_product(platform)
    stock(platform, add_facility(platform, "SP", SAO_PAULO), item.id, 5)
    buyer = shopper(platform)
    sizes: list[int] = []
    place_all = platform.orders.place_one_click_all

    def counted(clicks: list[object]) -> object:
        sizes.append(len(clicks))
        return place_all(clicks)  # type: ignore[arg-type]

    monkeypatch.setattr(platform.orders, "place_one_click_all", counted)
    desk = OneClickDesk(platform, FailedAttempts.at(None), max_batch=8, in_flight=1)
    yield Counter(desk, sizes, buyer.api_key, buyer.principal, item.id)
    desk.close()


def test_a_press_sent_again_while_the_first_is_placed_gets_the_first_as_a_replay(
    counter: Counter,
) -> None:
    async def press_twice() -> tuple[Placement, Placement]:
        first = asyncio.ensure_future(counter.desk.place(counter.press()))
        await asyncio.sleep(0)  # the first is with the batcher before the second arrives
        again = asyncio.ensure_future(counter.desk.place(counter.press()))
        return await first, await again

    first, again = asyncio.run(press_twice())

    assert counter.batch_sizes == [1]  # placed once; the second never reached the database
    assert again.order.id == first.order.id
    assert (first.replayed, again.replayed) == (False, True)


def test_a_press_with_the_same_key_but_other_parameters_is_not_taken_for_the_first(
    counter: Counter,
) -> None:
    async def press_both() -> list[Placement | BaseException]:
        return await asyncio.gather(
            counter.desk.place(counter.press(quantity=1)),
            counter.desk.place(counter.press(quantity=2)),
            return_exceptions=True,
        )

    outcomes = asyncio.run(press_both())

    assert sum(counter.batch_sizes) == 2  # both reached the database, which refuses one
    assert isinstance(outcomes[0], Placement)
    assert isinstance(outcomes[1], DomainError)


def test_the_first_client_hanging_up_does_not_cancel_the_placement_the_second_awaits(
    platform: Platform, counter: Counter
) -> None:
    async def first_hangs_up() -> Placement:
        first = asyncio.ensure_future(counter.desk.place(counter.press()))
        await asyncio.sleep(0)
        again = asyncio.ensure_future(counter.desk.place(counter.press()))
        await asyncio.sleep(0)
        first.cancel()
        return await again

    placement = asyncio.run(first_hangs_up())

    assert placement.replayed
    assert platform.orders.get(counter.principal, placement.order.id).id == placement.order.id
