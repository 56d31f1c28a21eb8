"""``baro world seed --catalogue instacart``: Instacart's product names with their aisles as
categories, Korean titles from the grocery generator, every product by default."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from baro.cli import app
from baro.core.config import Settings
from baro.platform import Platform
from tests.bench.test_search import AISLES, PRODUCTS, instacart_dir


def test_an_instacart_world_holds_every_product_under_its_aisle(tmp_path: Path) -> None:
    data = instacart_dir(tmp_path / "data")
    url = f"sqlite:///{tmp_path / 'w.db'}"

    seeded = CliRunner().invoke(
        app,
        ["world", "seed", "--db", url, "--catalogue", "instacart", "--data-dir", str(data),
         "--customers", "2", "--json"],
    )  # fmt: skip

    assert seeded.exit_code == 0, seeded.output
    products = json.loads(seeded.stdout[seeded.stdout.index("{") :])["products"]
    assert sorted(p["title_en"] for p in products) == sorted(name for name, _a, _d in PRODUCTS)
    assert {p["category"] for p in products} == {a.replace(" ", "_") for a in AISLES.values()}
    platform = Platform.start(Settings(database_url=url))
    try:
        (banana,) = [p for p in products if p["title_en"] == "Organic Bananas"]
        assert platform.catalog.find("banana").items[0].product.id == banana["id"]
        korean = platform.catalog.get(banana["id"]).product.title_ko
        assert len(korean.split()) >= 3  # brand, noun, size at least
        assert platform.catalog.find(korean).items[0].product.id == banana["id"]
    finally:
        platform.close()


def test_a_folder_without_instacart_is_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["world", "seed", "--db", f"sqlite:///{tmp_path / 'w.db'}", "--catalogue", "instacart",
         "--data-dir", str(tmp_path / "none")],
    )  # fmt: skip

    assert result.exit_code == 1
    assert "instacart" in result.output.lower() and "Traceback" not in result.output
