"""Products as the storefront sells them."""

from __future__ import annotations

from dataclasses import dataclass

from baro.core.errors import InvalidRequest, NotFound
from baro.core.money import Money


class ProductNotFound(NotFound):
    code = "product_not_found"


class ProductUnavailable(NotFound):
    """The product exists but is not for sale (delisted)."""

    code = "product_unavailable"


class InvalidProduct(InvalidRequest):
    code = "invalid_product"


@dataclass(frozen=True)
class Dimensions:
    length_cm: int
    width_cm: int
    height_cm: int


@dataclass(frozen=True)
class Product:
    id: str
    sku: str
    title_ko: str
    title_en: str
    category: str
    price: Money
    weight_g: int
    dimensions: Dimensions
    active: bool = True

    def __post_init__(self) -> None:
        if not self.sku.strip():
            raise InvalidProduct("a product needs a SKU")
        if not (self.title_ko.strip() or self.title_en.strip()):
            raise InvalidProduct(f"product {self.sku} needs a title in Korean or English")
        if self.price.minor <= 0:
            raise InvalidProduct(f"product {self.sku} needs a positive price, got {self.price}")
        if self.weight_g <= 0:
            raise InvalidProduct(f"product {self.sku} needs a positive weight in grams")
        dims = self.dimensions
        if min(dims.length_cm, dims.width_cm, dims.height_cm) <= 0:
            raise InvalidProduct(f"product {self.sku} needs positive dimensions, got {dims}")
