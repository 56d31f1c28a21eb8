"""``baro recommend explain`` prints a customer's home page row by row with why; an unknown
customer is a message, not a traceback."""

from __future__ import annotations

import pytest

pytest.importorskip("polars")

from typer.testing import CliRunner

from baro.cli import app
from baro.core.clock import SimulatedClock
from baro.platform import Platform
from baro.recommendations import train
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.recommendations.test_home import buy

WIDE = {"COLUMNS": "200"}


def test_explain_prints_each_row_with_its_products_and_reason(
    platform: Platform, clock: SimulatedClock, database_url: str
) -> None:
    facility = add_facility(platform, "FC SP", SAO_PAULO)
    items = {}
    for name in ("milk", "bread", "rice"):
        items[name] = add_product(platform, sku=name.upper(), title=name).id
        stock(platform, facility, items[name], 500)
    ana, bia = shopper(platform, "Ana"), shopper(platform, "Bia")
    for _ in range(3):
        buy(platform, clock, ana, items["milk"])
        buy(platform, clock, bia, items["rice"], items["bread"])
    model = train(platform)

    result = CliRunner().invoke(
        app, ["recommend", "explain", "--customer", ana.customer_id, "--db", database_url], env=WIDE
    )

    assert result.exit_code == 0, result.output
    assert f"model {model.version}" in result.output
    assert "Buy again" in result.output and "milk" in result.output
    assert result.output.count("why:") >= 1
    assert items["milk"] in result.output


def test_an_unknown_customer_is_a_message(database_url: str) -> None:
    result = CliRunner().invoke(
        app, ["recommend", "explain", "--customer", "cus_nobody", "--db", database_url]
    )

    assert result.exit_code != 0
    assert "cus_nobody" in result.output and "Traceback" not in result.output
