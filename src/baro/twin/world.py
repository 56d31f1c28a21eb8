"""Worlds to run baro on: a seeded synthetic one (demo, tests, benches), built through the
real services, so a seeded world is exactly what the API would have produced."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from baro.commerce.catalog import Dimensions, Product
from baro.commerce.payments import SUCCEEDS
from baro.core.config import Settings
from baro.core.ids import new_id
from baro.core.money import Money
from baro.network import FacilityKind, StockLevel, open_facility, open_stock
from baro.platform import Platform

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class City:
    name: str
    state: str
    lat: float
    lng: float
    weight: int  # relative share of customers (metro population, millions)


CITIES: Sequence[City] = (
    City("São Paulo", "SP", -23.5505, -46.6333, 22),
    City("Rio de Janeiro", "RJ", -22.9068, -43.1729, 13),
    City("Belo Horizonte", "MG", -19.9167, -43.9345, 6),
    City("Curitiba", "PR", -25.4284, -49.2733, 4),
    City("Porto Alegre", "RS", -30.0346, -51.2177, 4),
    City("Salvador", "BA", -12.9777, -38.5016, 4),
    City("Recife", "PE", -8.0476, -34.8770, 4),
    City("Brasília", "DF", -15.7939, -47.8828, 5),
)


@dataclass(frozen=True)
class Category:
    code: str
    title_en: str
    title_ko: str
    nouns: Sequence[tuple[str, str]]  # (en, ko)
    price_range_minor: tuple[int, int]
    weight_range_g: tuple[int, int]


CATEGORIES: Sequence[Category] = (
    Category(
        "health_beauty",
        "Health & beauty",
        "뷰티",
        (("shampoo", "샴푸"), ("sunscreen", "선크림"), ("lotion", "로션"), ("toothpaste", "치약")),
        (990, 12_000),
        (80, 900),
    ),
    Category(
        "housewares",
        "Housewares",
        "생활용품",
        (("thermos", "보온병"), ("frying pan", "프라이팬"), ("mug", "머그컵"), ("towel", "수건")),
        (1_500, 25_000),
        (200, 3_000),
    ),
    Category(
        "electronics",
        "Electronics",
        "전자제품",
        (
            ("earbuds", "이어폰"),
            ("charger", "충전기"),
            ("speaker", "스피커"),
            ("power bank", "보조배터리"),
        ),
        (3_000, 90_000),
        (50, 1_500),
    ),
    Category(
        "books",
        "Books",
        "도서",
        (("novel", "소설"), ("cookbook", "요리책"), ("atlas", "지도책"), ("comic", "만화책")),
        (1_500, 9_000),
        (200, 1_200),
    ),
    Category(
        "sports_leisure",
        "Sports & leisure",
        "스포츠",
        (
            ("yoga mat", "요가매트"),
            ("water bottle", "물병"),
            ("football", "축구공"),
            ("dumbbell", "아령"),
        ),
        (2_000, 30_000),
        (150, 8_000),
    ),
    Category(
        "baby",
        "Baby",
        "유아용품",
        (("diapers", "기저귀"), ("wipes", "물티슈"), ("bottle", "젖병"), ("rattle", "딸랑이")),
        (800, 15_000),
        (100, 4_000),
    ),
    Category(
        "pet_shop",
        "Pet shop",
        "반려동물",
        (
            ("dog food", "사료"),
            ("cat litter", "고양이 모래"),
            ("leash", "목줄"),
            ("chew toy", "장난감"),
        ),
        (900, 20_000),
        (100, 10_000),
    ),
    Category(
        "office_supplies",
        "Office supplies",
        "사무용품",
        (
            ("toner", "토너"),
            ("notebook", "공책"),
            ("pen set", "펜 세트"),
            ("stapler", "스테이플러"),
        ),
        (500, 18_000),
        (50, 2_000),
    ),
)

ADJECTIVES: Sequence[tuple[str, str]] = (
    ("Classic", "클래식"),
    ("Compact", "컴팩트"),
    ("Premium", "프리미엄"),
    ("Eco", "친환경"),
    ("Travel", "여행용"),
    ("Family", "대용량"),
    ("Mini", "미니"),
    ("Pro", "프로"),
)


@dataclass
class WorldManifest:
    """What scripts and benches need to drive the API on a seeded world."""

    admin_api_key: str
    currency: str
    facilities: list[dict[str, object]] = field(default_factory=list)
    customers: list[dict[str, object]] = field(default_factory=list)
    products: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class CatalogueSource(StrEnum):
    AUTO = "auto"  # Olist when its files are there (and prices are in BRL), else synthetic
    OLIST = "olist"
    INSTACART = "instacart"  # Instacart's product names, aisles as categories; generated map
    SYNTHETIC = "synthetic"


@dataclass(frozen=True)
class WorldSpec:
    products: int = 1_000
    customers: int = 100
    facilities: int = 3
    stock_range: tuple[int, int] = (20, 200)
    seed: int = 7
    source: CatalogueSource = CatalogueSource.AUTO  # the catalogue and the map
    data_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.products < 1 or self.customers < 1:
            raise ValueError("a world needs at least one product and one customer")
        if not 1 <= self.facilities <= len(CITIES):
            raise ValueError(f"facilities must be between 1 and {len(CITIES)}")
        low, high = self.stock_range
        if not 0 <= low <= high:
            raise ValueError(f"stock_range must be 0 <= low <= high, got {self.stock_range}")


def synthetic_products(count: int, currency: str, rng: random.Random) -> list[Product]:
    products = []
    for number in range(1, count + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        (noun_en, noun_ko) = rng.choice(category.nouns)
        (adj_en, adj_ko) = rng.choice(ADJECTIVES)
        low, high = category.price_range_minor
        side = rng.randint(5, 60)
        products.append(
            Product(
                id=new_id("prd"),
                sku=f"BR-{number:06d}",
                title_ko=f"{adj_ko} {noun_ko} {number}",
                title_en=f"{adj_en} {noun_en} {number}",
                category=category.code,
                price=Money(rng.randint(low, high) // 10 * 10 + 90, currency),
                weight_g=rng.randint(*category.weight_range_g),
                dimensions=Dimensions(side, max(1, side // 2), max(1, side // 3)),
            )
        )
    return products


@dataclass(frozen=True)
class Site:
    name: str
    lat: float
    lng: float


@dataclass(frozen=True)
class Home:
    city: str
    lat: float
    lng: float


def olist_data(spec: WorldSpec, currency: str) -> Path | None:
    """The data folder when this world is built from Olist, None for a synthetic world."""
    data_dir = spec.data_dir or Settings().resolved_data_dir()
    wants_olist = spec.source is CatalogueSource.OLIST or (
        spec.source is CatalogueSource.AUTO
        and currency == "BRL"
        and (data_dir / "olist" / "products.csv.gz").exists()
    )
    if not wants_olist:
        return None
    if currency != "BRL":
        raise ValueError(f"Olist prices are in BRL; this world's currency is {currency}")
    return data_dir


def synthetic_geography(spec: WorldSpec, rng: random.Random) -> tuple[list[Site], list[Home]]:
    """Centers in the largest cities; customers around cities in proportion to population."""
    sites = [Site(f"FC {c.name}", c.lat, c.lng) for c in CITIES[: spec.facilities]]
    homes = []
    for _ in range(spec.customers):
        city = rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]
        homes.append(Home(city.name, city.lat + rng.gauss(0, 0.08), city.lng + rng.gauss(0, 0.08)))
    return sites, homes


def olist_geography(
    spec: WorldSpec, data_dir: Path, rng: random.Random
) -> tuple[list[Site], list[Home]]:
    """Customers where Olist's customers live; centers where their orders are (weighted
    k-medoids, one per ``spec.facilities``)."""
    # Imported here: a generated world (baro demo on a server install) needs none of the
    # twin extra's libraries that reading Olist does.
    import polars as pl

    from baro.twin.facility_siting import weighted_k_medoids
    from baro.twin.replay import olist_replay

    replay = olist_replay(data_dir)
    demand = (
        replay.orders.group_by("customer_key")
        .agg(orders=pl.len())
        .join(replay.customers, on="customer_key")
        .sort("customer_key")
    )
    medoids = weighted_k_medoids(
        demand["lat"].to_numpy(),
        demand["lng"].to_numpy(),
        demand["orders"].to_numpy().astype(float),
        min(spec.facilities, demand.height),
        seed=spec.seed,
    )
    sites = [
        Site(f"FC {n} ({row['state']})", row["lat"], row["lng"])
        for n, row in enumerate(demand[medoids.tolist()].iter_rows(named=True), start=1)
    ]
    chosen = rng.sample(range(demand.height), min(spec.customers, demand.height))
    homes = [
        Home(row["state"], row["lat"], row["lng"]) for row in demand[chosen].iter_rows(named=True)
    ]
    return sites, homes


def seed_world(
    platform: Platform,
    spec: WorldSpec,
    *,
    products: Sequence[Product] | None = None,
    progress: Progress | None = None,
) -> WorldManifest:
    """Fulfillment centers, the catalogue stocked in each, and customers with a default
    address and sandbox card: from Olist (real products, real customer locations, centers
    sited by demand) or generated."""
    rng = random.Random(spec.seed)
    report = progress or (lambda _stage, _n: None)
    currency = platform.settings.currency
    data_dir = olist_data(spec, currency)
    if products is not None:
        catalogue = list(products)
    elif spec.source is CatalogueSource.INSTACART:
        from baro.twin.instacart_catalogue import instacart_products  # the twin extra

        catalogue = [
            found.product
            for found in instacart_products(
                spec.data_dir, limit=spec.products, currency=currency, seed=spec.seed
            )
        ]
    elif data_dir is not None:
        from baro.twin.olist_catalogue import olist_products  # the twin extra, as above

        catalogue = olist_products(data_dir, limit=spec.products, currency=currency)
    else:
        catalogue = synthetic_products(spec.products, currency, rng)
    platform.catalog.add(catalogue)
    report("products", len(catalogue))
    sites, homes = (
        olist_geography(spec, data_dir, rng) if data_dir else synthetic_geography(spec, rng)
    )

    manifest = WorldManifest(admin_api_key=platform.customers.issue_admin_key(), currency=currency)
    with platform.db.transaction() as session:
        facilities = [
            open_facility(
                session,
                name=site.name,
                kind=FacilityKind.FULFILLMENT_CENTER,
                lat=site.lat,
                lng=site.lng,
                capacity_units=500_000,
            )
            for site in sites
        ]
        open_stock(
            session,
            [
                StockLevel(site.id, item.id, rng.randint(*spec.stock_range), 0)
                for site in facilities
                for item in catalogue
            ],
        )
    manifest.facilities = [
        {"id": f.id, "name": f.name, "lat": f.lat, "lng": f.lng} for f in facilities
    ]
    report("facilities", len(facilities))

    for number, home in enumerate(homes, start=1):
        registration = platform.customers.register(
            f"Customer {number}", f"customer{number}.{spec.seed}@example.com"
        )
        customer_id = registration.customer.id
        platform.customers.add_address(
            customer_id,
            line1=f"Rua {number}",
            city=home.city,
            postcode=f"{number:05d}",
            country="BR",
            lat=home.lat,
            lng=home.lng,
        )
        platform.customers.add_payment_method(
            customer_id, gateway_token=SUCCEEDS, brand="visa", last4="4242"
        )
        manifest.customers.append(
            {
                "id": customer_id,
                "api_key": registration.api_key,
                "city": home.city,
                "lat": round(home.lat, 5),
                "lng": round(home.lng, 5),
            }
        )
        report("customers", 1)
    manifest.products = [
        {
            "id": p.id,
            "sku": p.sku,
            "title_en": p.title_en,
            "category": p.category,
            "price_minor": p.price.minor,
            "currency": p.price.currency,
        }
        for p in catalogue
    ]
    return manifest
