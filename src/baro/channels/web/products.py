"""The catalogue: search and product pages (no key needed; a customer's key makes a search
count as theirs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from baro.commerce.catalog import Visitor
from baro.commerce.customers import Principal

from .deps import Caller, CallerDep, PlatformDep
from .problems import AUTHENTICATED, errors
from .schemas import (
    Category,
    FacetsOut,
    Id,
    ProductDetailOut,
    ProductOut,
    ProductPage,
    SearchText,
)

router = APIRouter(prefix="/v1/products", tags=["catalogue"])


@router.get(
    "",
    responses=errors(
        *AUTHENTICATED,
        422,
        described={
            401: "An API key was sent and is unknown (send none to search anonymously)",
            403: "An operator's key: search without one (a search with a key is a customer's)",
        },
    ),
    # The key is optional: with none, the search is anonymous (OpenAPI's empty requirement).
    openapi_extra={"security": [{}]},
)
def search_products(
    platform: PlatformDep,
    who: CallerDep,
    q: Annotated[SearchText, Query(description="Words to find, in Korean or English")] = "",
    category: Annotated[Category | None, Query()] = None,
    in_stock: Annotated[bool, Query(description="Only products with units free to sell")] = False,
    price_min: Annotated[int | None, Query(ge=0, description="In minor units")] = None,
    price_max: Annotated[int | None, Query(ge=0, description="In minor units")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> ProductPage:
    """Active products matching every word of `q` (Korean particles and spacing, English
    plurals, synonyms and one typo are matched: docs/search.md), ranked by text, sales and
    stock, with facets, a total and, when words were corrected, `did_you_mean`. Without
    words, the category's products by SKU, filtered alike. No key is needed; with
    a customer's key the search counts as theirs. A first page (`offset` 0) with words or a
    category is recorded as a search (`search.performed`: the words, the category, the
    first matches and their categories), the customer's or anonymous."""
    customer = _customer(who)
    found = platform.catalog.find(
        q,
        category=category,
        in_stock=in_stock,
        price_min=price_min,
        price_max=price_max,
        limit=limit,
        offset=offset,
        visitor=Visitor(customer.customer_id if customer else None),
        home=customer.home if customer else None,
    )
    return ProductPage(
        items=[ProductOut.of(f.product, f.available) for f in found.items],
        limit=limit,
        offset=offset,
        total=found.total,
        facets=FacetsOut.of(found.facets) if found.facets else None,
        did_you_mean=found.did_you_mean,
    )


def _customer(who: Caller) -> Principal | None:
    """None without a key (anonymous); with one, the key's customer, checked once as on
    every customer route: unknown 401, an operator's 403."""
    return who.customer() if who.api_key is not None else None


@router.get("/{product_id}", responses=errors(404, 422, described={404: "No such product"}))
def get_product(product_id: Id, platform: PlatformDep) -> ProductDetailOut:
    """A product and its stock per facility. Not a view (clients fetch products for many
    reasons): a client that shows a product to a customer says so with POST
    /v1/events/view."""
    return ProductDetailOut.detail(platform.catalog.get(product_id))
