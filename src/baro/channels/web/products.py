"""The catalogue: search and product pages (no key needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from .deps import PlatformDep
from .schemas import ProductDetailOut, ProductOut, ProductPage

router = APIRouter(prefix="/v1/products", tags=["catalogue"])


@router.get("")
def search_products(
    platform: PlatformDep,
    q: Annotated[
        str, Query(max_length=200, description="Words to find, in Korean or English")
    ] = "",
    category: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> ProductPage:
    found = platform.catalog.search(q, category=category, limit=limit, offset=offset)
    return ProductPage(
        items=[ProductOut.of(f.product, f.available) for f in found], limit=limit, offset=offset
    )


@router.get("/{product_id}", responses={404: {"description": "No such product"}})
def get_product(product_id: str, platform: PlatformDep) -> ProductDetailOut:
    return ProductDetailOut.detail(platform.catalog.get(product_id))
