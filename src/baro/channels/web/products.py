"""The catalogue: search and product pages (no key needed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from .deps import PlatformDep
from .problems import errors
from .schemas import Category, Id, ProductDetailOut, ProductOut, ProductPage, SearchText

router = APIRouter(prefix="/v1/products", tags=["catalogue"])


@router.get("", responses=errors(422))
def search_products(
    platform: PlatformDep,
    q: Annotated[SearchText, Query(description="Words to find, in Korean or English")] = "",
    category: Annotated[Category | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> ProductPage:
    found = platform.catalog.search(q, category=category, limit=limit, offset=offset)
    return ProductPage(
        items=[ProductOut.of(f.product, f.available) for f in found], limit=limit, offset=offset
    )


@router.get("/{product_id}", responses=errors(404, 422, described={404: "No such product"}))
def get_product(product_id: Id, platform: PlatformDep) -> ProductDetailOut:
    return ProductDetailOut.detail(platform.catalog.get(product_id))
