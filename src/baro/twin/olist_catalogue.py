"""A catalogue from the real Olist products (when ``../shared/data`` is present).

Olist lists weight, dimensions and a Portuguese category per product but no title and no
list price: the price is the median price the product actually sold at (order items, BRL),
and the title is made from the category (English from Olist's translation table, Korean from
the table below, English where it has no entry) plus the product's short id.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from baro.commerce.catalog import Dimensions, Product
from baro.core.ids import new_id
from baro.core.money import Money
from baro.datasets import (
    load_olist_category_translation,
    load_olist_order_items,
    load_olist_products,
)

# A product whose size the data set does not give ships as this parcel.
DEFAULT_SIZE = {"weight_g": 1_000, "length_cm": 30, "width_cm": 20, "height_cm": 10}

KOREAN_CATEGORY = {
    "furniture_decor": "가구·인테리어",
    "bed_bath_table": "침구·욕실",
    "sports_leisure": "스포츠·레저",
    "health_beauty": "뷰티·헬스",
    "housewares": "생활용품",
    "computers_accessories": "컴퓨터 액세서리",
    "toys": "장난감",
    "telephony": "휴대폰",
    "cool_stuff": "아이디어 상품",
    "watches_gifts": "시계·선물",
    "auto": "자동차용품",
    "perfumery": "향수",
    "baby": "유아용품",
    "fashion_bags_accessories": "가방·잡화",
    "garden_tools": "원예 도구",
    "pet_shop": "반려동물",
    "stationery": "문구",
    "electronics": "전자제품",
    "office_furniture": "사무용 가구",
    "luggage_accessories": "여행가방",
    "consoles_games": "게임기",
    "small_appliances": "소형가전",
    "musical_instruments": "악기",
    "fashion_shoes": "신발",
    "home_appliances": "가전제품",
    "books_general_interest": "도서",
    "food_drink": "식품·음료",
    "food": "식품",
    "uncategorised": "기타 상품",
    "construction_tools_construction": "건축 공구",
    "home_construction": "집수리 자재",
    "furniture_living_room": "거실 가구",
    "air_conditioning": "에어컨",
    "books_technical": "전문 서적",
    "fixed_telephony": "유선 전화기",
    "home_confort": "홈 데코",
    "market_place": "마켓플레이스 상품",
    "fashion_male_clothing": "남성 의류",
    "kitchen_dining_laundry_garden_furniture": "주방·세탁·정원 가구",
    "signaling_and_security": "안전 표지",
    "construction_tools_safety": "안전 공구",
    "home_appliances_2": "생활 가전",
    "costruction_tools_garden": "정원 공구",
    "drinks": "음료",
    "construction_tools_lights": "조명 공구",
    "agro_industry_and_commerce": "농업 용품",
    "industry_commerce_and_business": "산업·사무 용품",
    "christmas_supplies": "크리스마스 용품",
    "audio": "음향기기",
    "art": "미술품",
    "fashion_underwear_beach": "속옷·수영복",
    "dvds_blu_ray": "DVD·블루레이",
    "furniture_bedroom": "침실 가구",
    "costruction_tools_tools": "수공구",
    "books_imported": "외국 도서",
    "small_appliances_home_oven_and_coffee": "오븐·커피머신",
    "computers": "컴퓨터",
    "cine_photo": "카메라",
    "fashio_female_clothing": "여성 의류",
    "music": "음반",
    "party_supplies": "파티 용품",
    "fashion_sport": "스포츠 의류",
    "arts_and_craftmanship": "공예 용품",
    "flowers": "꽃",
    "diapers_and_hygiene": "기저귀·위생용품",
    "furniture_mattress_and_upholstery": "매트리스",
    "la_cuisine": "주방용품",
    "tablets_printing_image": "태블릿·프린터",
    "home_comfort_2": "홈 데코",
    "fashion_childrens_clothes": "아동복",
    "security_and_services": "보안 서비스",
    "cds_dvds_musicals": "CD·DVD 음반",
}


def olist_product_frame(data_dir: Path | None) -> pl.DataFrame:
    """product_id, category (English), weight_g, length_cm, width_cm, height_cm, price_minor
    (median sold price; null if never sold), sold (order items)."""
    prices = (
        load_olist_order_items(data_dir)
        .group_by("product_id")
        .agg(price_minor=pl.col("price_minor").median().round().cast(pl.Int64), sold=pl.len())
    )
    english = load_olist_category_translation(data_dir)
    return (
        load_olist_products(data_dir)
        .join(prices, on="product_id", how="left")
        .join(english, on="product_category_name", how="left")
        .select(
            "product_id",
            category=pl.col("product_category_name_english").fill_null("uncategorised"),
            weight_g=pl.col("product_weight_g"),
            length_cm=pl.col("product_length_cm"),
            width_cm=pl.col("product_width_cm"),
            height_cm=pl.col("product_height_cm"),
            price_minor="price_minor",
            sold=pl.col("sold").fill_null(0),
        )
    )


def olist_products(data_dir: Path | None, *, limit: int, currency: str = "BRL") -> list[Product]:
    """Up to ``limit`` sold Olist products with complete sizes, most-sold first."""
    rows = (
        olist_product_frame(data_dir)
        .drop_nulls(["weight_g", "length_cm", "width_cm", "height_cm", "price_minor"])
        .filter(pl.col("weight_g") > 0, pl.col("price_minor") > 0)
        .sort(["sold", "product_id"], descending=[True, False])
        .head(limit)
    )
    return to_products(rows, currency)


def to_products(rows: pl.DataFrame, currency: str) -> list[Product]:
    """Products from a frame shaped like ``olist_product_frame`` (sizes and price complete)."""
    return [_product(row, currency) for row in rows.iter_rows(named=True)]


def _product(row: dict[str, object], currency: str) -> Product:
    category = str(row["category"])
    short = str(row["product_id"])[:8]
    label_en = category.replace("_", " ").capitalize()
    return Product(
        id=new_id("prd"),
        sku=f"OL-{row['product_id']}",
        title_en=f"{label_en} {short}",
        title_ko=f"{KOREAN_CATEGORY.get(category, label_en)} {short}",
        category=category,
        price=Money(int(row["price_minor"]), currency),  # type: ignore[call-overload]
        weight_g=max(1, int(row["weight_g"])),  # type: ignore[call-overload]
        dimensions=Dimensions(
            max(1, int(row["length_cm"])),  # type: ignore[call-overload]
            max(1, int(row["width_cm"])),  # type: ignore[call-overload]
            max(1, int(row["height_cm"])),  # type: ignore[call-overload]
        ),
    )
