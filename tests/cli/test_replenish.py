"""``baro replenish`` as an operator types it: a table of what was placed, nothing twice on a
rerun, and clear messages (no traceback) for a bad time or an unknown customer."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from baro.cli import app
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility, add_product, shopper, stock
from tests.conftest import START

WIDE = {"COLUMNS": "200"}  # a table row of ids on one line


def test_run_places_the_due_order_once_and_a_rerun_places_nothing(
    platform: Platform, database_url: str
) -> None:
    item = add_product(platform, sku="SKU-TEA", title="Chá mate")
    stock(platform, add_facility(platform, "FC SP", SAO_PAULO), item.id, 10)
    ana = shopper(platform)
    sub = platform.replenishment.subscribe(
        ana.customer_id, item.id, quantity=3, interval_days=7, idempotency_key="k"
    ).subscription
    due = (START + timedelta(days=7, hours=1)).isoformat()

    command = ["replenish", "run", "--db", database_url, "--now", due]
    first = CliRunner().invoke(app, command, env=WIDE)
    second = CliRunner().invoke(app, command, env=WIDE)

    assert first.exit_code == 0, first.output
    assert "placed=1  skipped=0  failed=0" in first.stdout
    assert second.exit_code == 0 and "nothing due by" in second.stdout
    (order,) = platform.orders.list(ana.principal, limit=10)
    assert order.lines[0].quantity == 3
    # The table's rows are Rich's layout (a narrow terminal folds the ids over lines, as
    # under pytest-xdist): the subscription's own record says which order it placed.
    assert platform.replenishment.get(ana.customer_id, sub.id).last_order_id == order.id


def test_a_failed_order_exits_1_with_its_reason(platform: Platform, database_url: str) -> None:
    item = add_product(platform, sku="SKU-NONE", title="Sem estoque")
    add_facility(platform, "FC SP", SAO_PAULO)
    ana = shopper(platform)
    platform.replenishment.subscribe(
        ana.customer_id, item.id, quantity=1, interval_days=1, idempotency_key="k"
    )
    due = (START + timedelta(days=2)).isoformat()

    answer = CliRunner().invoke(app, ["replenish", "run", "--db", database_url, "--now", due])

    assert answer.exit_code == 1
    assert "out_of_stock" in answer.stdout and "failed=1" in answer.stdout
    assert "Traceback" not in answer.output


def test_a_time_that_is_not_iso_is_refused(database_url: str) -> None:
    answer = CliRunner().invoke(app, ["replenish", "run", "--db", database_url, "--now", "soon"])
    assert answer.exit_code == 2 and "ISO 8601" in answer.output


def test_suggest_for_an_unknown_customer_is_a_message(database_url: str) -> None:
    answer = CliRunner().invoke(
        app, ["replenish", "suggest", "--customer", "cus_nobody", "--db", database_url]
    )
    assert answer.exit_code == 1
    assert "no customer 'cus_nobody'" in answer.output and "Traceback" not in answer.output
