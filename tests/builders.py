"""Small hand-made worlds for tests: a few facilities, products and customers."""

from __future__ import annotations

from dataclasses import dataclass

from baro.commerce.catalog import Dimensions, Product
from baro.commerce.customers import Principal
from baro.commerce.payments import SUCCEEDS
from baro.core.ids import new_id
from baro.core.money import Money
from baro.network import FacilityKind, open_facility, receive
from baro.platform import Platform

# São Paulo, Rio de Janeiro and Belo Horizonte: three real cities ~350-500 km apart.
SAO_PAULO = (-23.5505, -46.6333)
RIO = (-22.9068, -43.1729)
BELO_HORIZONTE = (-19.9167, -43.9345)


@dataclass
class Shopper:
    customer_id: str
    api_key: str
    principal: Principal


def product(sku: str = "SKU-1", price_minor: int = 1990, title: str = "Garrafa térmica") -> Product:
    return Product(
        id=new_id("prd"),
        sku=sku,
        title_ko="보온병 " + sku,
        title_en=title,
        category="casa",
        price=Money(price_minor, "BRL"),
        weight_g=500,
        dimensions=Dimensions(30, 10, 10),
    )


def add_product(platform: Platform, **kwargs: object) -> Product:
    item = product(**kwargs)  # type: ignore[arg-type]
    platform.catalog.add([item])
    return item


def add_facility(platform: Platform, name: str, at: tuple[float, float]) -> str:
    with platform.db.transaction() as session:
        return open_facility(
            session,
            name=name,
            kind=FacilityKind.FULFILLMENT_CENTER,
            lat=at[0],
            lng=at[1],
            capacity_units=100_000,
        ).id


def stock(platform: Platform, facility_id: str, product_id: str, units: int) -> None:
    with platform.db.transaction() as session:
        receive(session, facility_id, product_id, units)


def shopper(
    platform: Platform,
    name: str = "Ana",
    at: tuple[float, float] = SAO_PAULO,
    token: str = SUCCEEDS,
) -> Shopper:
    registration = platform.customers.register(name, f"{name.lower()}-{new_id('e')}@example.com")
    customer_id = registration.customer.id
    platform.customers.add_address(
        customer_id,
        line1="Rua 1",
        city="São Paulo",
        postcode="01001",
        country="BR",
        lat=at[0],
        lng=at[1],
    )
    platform.customers.add_payment_method(
        customer_id, gateway_token=token, brand="visa", last4="4242"
    )
    return Shopper(
        customer_id, registration.api_key, platform.customers.authenticate(registration.api_key)
    )
