"""``baro search explain`` shows each result's parts of the score; ``reindex`` indexes
products that have no terms."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from baro.cli import _console as console
from baro.cli import app
from baro.platform import Platform
from tests.search_cases import search_world

WIDE = {"COLUMNS": "200"}


def test_explain_prints_text_sales_stock_and_final_scores(
    platform: Platform, database_url: str
) -> None:
    """Each result's parts, as the service scored them: the bottle without stock x 0.3."""
    search_world(platform)
    scores = platform.catalog.find("steel bottles").scores

    result = CliRunner().invoke(
        app, ["search", "explain", "steel bottles", "--db", database_url], env=WIDE
    )

    assert result.exit_code == 0, result.output
    assert [s.stock for s in scores] == [1.0, 0.3]
    for score in scores:
        for shown in (f"{score.text:.3f}", f"{score.stock:.2f} ({score.available:,})"):
            assert shown in result.stdout
        assert f"{score.final:.3f}" in result.stdout
    assert "2 matches ranked" in result.stdout


def test_explain_says_did_you_mean(platform: Platform, database_url: str) -> None:
    search_world(platform)

    result = CliRunner().invoke(app, ["search", "explain", "laptpo", "--db", database_url])

    assert result.exit_code == 0 and "did you mean: laptop" in result.output


def test_reindex_indexes_products_without_terms(platform: Platform, database_url: str) -> None:
    search_world(platform)
    with platform.db.transaction() as session:
        session.execute(text("UPDATE products SET search_terms = NULL"))

    first = CliRunner().invoke(app, ["search", "reindex", "--db", database_url])
    again = CliRunner().invoke(app, ["search", "reindex", "--db", database_url])

    assert "6 products indexed" in first.output and "0 products indexed" in again.output
    assert platform.catalog.find("mugs").items


def test_explain_from_a_home_shows_the_units_near_it(
    platform: Platform, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From São Paulo, where the center stands, the stocked bottle has its 5 units near."""
    world = search_world(platform)
    monkeypatch.setattr(console.out, "width", 200)  # a row per result, however run

    result = CliRunner().invoke(
        app,
        ["search", "explain", "steel bottles", "--home", "-23.5505,-46.6333", "--db", database_url],
        env=WIDE,
    )

    assert result.exit_code == 0, result.output
    assert "1.00 (5, 5 near)" in result.stdout and "0.30 (0, 0 near)" in result.stdout
    assert world.bottle_in.id in result.stdout
    assert "can arrive by: " in result.stdout  # the one stocked bottle, by some day


def test_explain_refuses_a_home_that_is_not_coordinates(database_url: str) -> None:
    for bad in ("somewhere", "91,0", "1,2,3"):
        result = CliRunner().invoke(
            app, ["search", "explain", "mug", "--home", bad, "--db", database_url]
        )

        assert result.exit_code == 2 and "LAT,LNG" in result.output
        assert "Traceback" not in result.output
