"""``baro fulfillment status`` shows the floor's counts and whether they reconcile."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from baro.cli import app
from baro.fulfillment import Bin
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, stock

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
