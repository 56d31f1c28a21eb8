"""``baro prime`` as an operator types it: the plans with their prices, and a renewal run
that charges what is due once and nothing on a rerun."""

from __future__ import annotations

from datetime import timedelta

from typer.testing import CliRunner

from baro.cli import app
from baro.commerce.prime import Status
from baro.platform import Platform
from tests.builders import shopper
from tests.conftest import START

WIDE = {"COLUMNS": "200"}


def test_plans_lists_each_price(database_url: str) -> None:
    result = CliRunner().invoke(app, ["prime", "plans", "--db", database_url], env=WIDE)

    assert result.exit_code == 0, result.output
    assert "$119.00" in result.stdout and "₩49,000" in result.stdout


def test_renew_charges_the_due_trial_once_and_a_rerun_nothing(
    platform: Platform, database_url: str
) -> None:
    ana = shopper(platform)
    platform.prime.join(ana.customer_id, "yearly", "USD", idempotency_key="k")
    due = (START + timedelta(days=30, hours=1)).isoformat()

    command = ["prime", "renew", "--db", database_url, "--now", due]
    first = CliRunner().invoke(app, command, env=WIDE)
    second = CliRunner().invoke(app, command, env=WIDE)

    assert first.exit_code == 0, first.output
    assert "renewed=1  failed=0  lapsed=0  skipped=0" in first.stdout
    assert second.exit_code == 0 and "nothing due by" in second.stdout
    view = platform.prime.view(ana.customer_id)
    assert view is not None and (view.membership.status, view.membership.period) == (
        Status.ACTIVE,
        1,
    )


def test_a_bad_time_is_a_message_not_a_traceback(database_url: str) -> None:
    result = CliRunner().invoke(app, ["prime", "renew", "--db", database_url, "--now", "soon"])
    assert result.exit_code == 2 and "not an ISO 8601 time" in result.output
