"""The desk gives each press its own outcome, whatever happens to the rest of its batch."""

from __future__ import annotations

import pytest

from baro.channels.web.one_click import OneClickDesk, Press
from baro.channels.web.ratelimit import FailedAttempts
from baro.commerce.customers import NotAuthenticated
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
