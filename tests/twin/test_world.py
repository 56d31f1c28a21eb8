"""Worlds built through the real services: synthetic (seeded) and from Olist's products."""

from __future__ import annotations

import gzip
import random
import re
from pathlib import Path

import pytest

from baro.core.money import Money
from baro.datasets import DatasetMissing
from baro.platform import Platform
from baro.twin.olist_catalogue import olist_products
from baro.twin.world import CatalogueSource, WorldSpec, seed_world, synthetic_products

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def test_a_seeded_world_is_reproducible_and_ready_to_shop(platform: Platform) -> None:
    spec = WorldSpec(products=40, customers=5, facilities=3, source=CatalogueSource.SYNTHETIC)
    manifest = seed_world(platform, spec)

    assert len(manifest.products) == 40 and len(manifest.facilities) == 3
    customer = manifest.customers[0]
    principal = platform.customers.authenticate(str(customer["api_key"]))
    assert principal.address is not None and principal.payment_method is not None
    product = str(manifest.products[0]["id"])
    placed = platform.orders.place_one_click(principal, product, 1, idempotency_key="w")
    assert placed.order.facility_id in {f["id"] for f in manifest.facilities}
    titles = [p.title_en for p in synthetic_products(40, "BRL", random.Random(spec.seed))]
    assert titles == [p["title_en"] for p in manifest.products]


def write_olist(folder: Path) -> None:
    olist = folder / "olist"
    olist.mkdir(parents=True)
    products = (
        '"product_id","product_category_name","product_name_lenght","product_description_lenght",'
        '"product_photos_qty","product_weight_g","product_length_cm","product_height_cm",'
        '"product_width_cm"\n'
        '"aaaa1111",bebes,40,287,1,225,16,10,14\n'
        '"bbbb2222",artes,44,276,1,1000,30,18,20\n'
        '"cccc3333",bebes,44,276,1,,30,18,20\n'
    )
    items = (
        "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value\n"
        "o1,1,aaaa1111,s1,2017-02-13 13:57:51,199.9,18.14\n"
        "o2,1,aaaa1111,s1,2017-02-14 13:57:51,10.10,1.00\n"
        "o3,1,aaaa1111,s1,2017-02-15 13:57:51,20.00,1.00\n"
        "o4,1,bbbb2222,s2,2017-02-15 13:57:51,5.5,1.00\n"
        "o5,1,cccc3333,s2,2017-02-15 13:57:51,5.5,1.00\n"
    )
    (olist / "products.csv.gz").write_bytes(gzip.compress(products.encode()))
    (olist / "order_items.csv.gz").write_bytes(gzip.compress(items.encode()))
    (olist / "product_category_name_translation.csv").write_text(
        "product_category_name,product_category_name_english\nbebes,baby\nartes,art\n"
    )


def test_olist_products_take_the_median_price_sold_and_skip_incomplete_sizes(
    tmp_path: Path,
) -> None:
    write_olist(tmp_path)

    products = olist_products(tmp_path, limit=10)

    assert [p.sku for p in products] == ["OL-aaaa1111", "OL-bbbb2222"]
    baby, art = products
    assert baby.price == Money(2000, "BRL")  # median of 199.90, 10.10, 20.00
    assert baby.title_ko.startswith("유아용품") and baby.title_en.startswith("Baby")
    assert art.title_ko.startswith("미술품")
    assert (baby.weight_g, baby.dimensions.length_cm) == (225, 16)


def test_missing_olist_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetMissing, match=r"order_items\.csv\.gz"):
        olist_products(tmp_path, limit=10)


@pytest.mark.data
def test_the_real_olist_catalogue_has_a_thousand_products_in_many_categories() -> None:
    if not (SHARED_DATA / "olist" / "products.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    products = olist_products(SHARED_DATA, limit=1000)
    assert len(products) == 1000
    assert len({p.category for p in products}) >= 20
    assert all(p.price.minor > 0 and p.weight_g > 0 for p in products)
    # Korean titles in Korean, whatever the category: a Korean shopper searches by them.
    assert all(re.search("[가-힣]", p.title_ko) for p in products)


@pytest.mark.data
def test_an_olist_world_puts_customers_where_olists_live_and_centers_by_demand(
    platform: Platform,
) -> None:
    if not (SHARED_DATA / "olist" / "orders.csv.gz").exists():
        pytest.skip(f"{SHARED_DATA} not found: set BARO_DATA_DIR or run beside ../shared/data")
    spec = WorldSpec(
        products=50, customers=30, facilities=4, source=CatalogueSource.OLIST, data_dir=SHARED_DATA
    )

    manifest = seed_world(platform, spec)

    assert len(manifest.facilities) == 4
    assert all(-34 <= float(c["lat"]) <= 6 for c in manifest.customers)  # in Brazil
    assert {p["sku"][:3] for p in manifest.products} == {"OL-"}
    principal = platform.customers.authenticate(str(manifest.customers[0]["api_key"]))
    order = platform.orders.place_one_click(
        principal, str(manifest.products[0]["id"]), 1, idempotency_key="olist"
    ).order
    assert order.facility_id in {f["id"] for f in manifest.facilities}
