"""``baro anticipate run`` as an operator types it: too little history is a one-line summary
and exit 0, never a traceback; a plan is recorded for the console either way."""

from __future__ import annotations

from typer.testing import CliRunner

from baro.cli import app
from baro.platform import Platform
from tests.builders import SAO_PAULO, add_facility


def test_a_run_without_history_says_so_and_moves_nothing(
    platform: Platform, database_url: str
) -> None:
    add_facility(platform, "FC SP", SAO_PAULO)

    answer = CliRunner().invoke(app, ["anticipate", "run", "--once", "--db", database_url])

    assert answer.exit_code == 0, answer.output
    assert answer.stdout.strip().splitlines()[-1] == (
        "0 order lines read; no transfers; 0 units landed"
    )
    assert "no forecast:" in answer.output and "Traceback" not in answer.output
    (plan,) = platform.network.plans(5)
    assert plan.transfers == 0 and plan.summary.notes[0].startswith("no forecast:")


def test_a_period_that_is_not_a_day_or_a_week_is_refused(database_url: str) -> None:
    answer = CliRunner().invoke(
        app, ["anticipate", "run", "--once", "--period", "month", "--db", database_url]
    )
    assert answer.exit_code == 2
    assert "'day' or 'week'" in answer.output
