"""``baro fulfillment status`` shows the floor's counts and whether they reconcile."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from baro.cli import app
from baro.fulfillment import Bin
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock

WIDE = {"COLUMNS": "200"}


def test_status_shows_the_floor_and_reconciles(platform: Platform, database_url: str) -> None:
    facility_id = add_facility(platform, "CD", SAO_PAULO)
    bottle = add_product(platform)
    platform.fulfillment.add_bins([Bin("B-1", facility_id, "K", 20_000, 10_000)])
    inbound = platform.fulfillment.open_inbound(facility_id, {bottle.id: 3}, source="seller")
    for _ in range(3):
        platform.fulfillment.scan_in(inbound.inbound_id, bottle.sku)
    platform.fulfillment.stow(facility_id, bottle.id, 2)

    result = CliRunner().invoke(
        app, ["fulfillment", "status", "--facility", facility_id, "--db", database_url], env=WIDE
    )

    assert result.exit_code == 0, result.output
    assert re.search(r"units in bins\s+│ 2\s", result.stdout)
    assert re.search(r"units in receiving\s+│ 1\s", result.stdout)
    assert "reconciled" in result.stdout


def test_status_fails_when_stock_is_on_hand_that_no_bin_holds(
    platform: Platform, database_url: str
) -> None:
    facility_id = add_facility(platform, "CD", SAO_PAULO)
    bottle = add_product(platform)
    stock(platform, facility_id, bottle.id, 4)  # came in past the floor's receiving

    result = CliRunner().invoke(
        app, ["fulfillment", "status", "--facility", facility_id, "--db", database_url], env=WIDE
    )

    assert result.exit_code == 1
    assert "1 products do not reconcile" in result.stdout
    assert bottle.id in result.stdout


def test_status_of_an_unknown_facility_is_a_message(database_url: str) -> None:
    result = CliRunner().invoke(
        app, ["fulfillment", "status", "--facility", "fac_none", "--db", database_url]
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_release_prints_the_pickers_walk_and_who_waits(
    platform: Platform, database_url: str
) -> None:
    facility_id = add_facility(platform, "CD", SAO_PAULO)
    bottle, flask = add_product(platform, sku="BOTTLE"), add_product(platform, sku="FLASK")
    platform.fulfillment.add_bins(
        [Bin("NEAR", facility_id, "K", 20_000, 10_000, station_distance=5, pod="P7", shelf=3)]
    )
    inbound = platform.fulfillment.open_inbound(
        facility_id, {bottle.id: 1, flask.id: 1}, source="seller"
    )
    platform.fulfillment.scan_in(inbound.inbound_id, bottle.sku)
    platform.fulfillment.scan_in(inbound.inbound_id, flask.sku)
    platform.fulfillment.stow(facility_id, bottle.id, 1)  # the flask stays in receiving
    buyer = shopper(platform)
    going = platform.orders.place_one_click(buyer.principal, bottle.id, 1, idempotency_key="a")
    waits = platform.orders.place_one_click(buyer.principal, flask.id, 1, idempotency_key="b")

    result = CliRunner().invoke(
        app,
        ["fulfillment", "release", going.order.id, waits.order.id, "--db", database_url],
        env=WIDE,
    )

    assert result.exit_code == 0, result.output
    # The console may be narrower than asked (it is made once per process): lines wrap.
    said = " ".join(result.stdout.split())
    assert f"{going.order.id}: on pkl_" in said
    assert f"{waits.order.id}: waits: 0 of 1 units of {flask.id} are in bins" in said
    assert re.search(r"│ 1\s+│ NEAR\s+│ P7\s+│ 3\s+│ prd_", result.stdout)
