"""The catalogue: products, and finding them."""

from baro.commerce.catalog.arrival import ArrivalCount as ArrivalCount
from baro.commerce.catalog.arrival import ArrivalEstimates as ArrivalEstimates
from baro.commerce.catalog.browse import Showcase as Showcase
from baro.commerce.catalog.domain import Dimensions as Dimensions
from baro.commerce.catalog.domain import InvalidProduct as InvalidProduct
from baro.commerce.catalog.domain import Product as Product
from baro.commerce.catalog.domain import ProductNotFound as ProductNotFound
from baro.commerce.catalog.domain import ProductUnavailable as ProductUnavailable
from baro.commerce.catalog.repository import load as products_by_id
from baro.commerce.catalog.search.ranking import RankingWeights as RankingWeights
from baro.commerce.catalog.search.ranking import Scored as Scored
from baro.commerce.catalog.service import Catalog as Catalog
from baro.commerce.catalog.service import Facets as Facets
from baro.commerce.catalog.service import InvalidSearch as InvalidSearch
from baro.commerce.catalog.service import ProductWithStock as ProductWithStock
from baro.commerce.catalog.service import SearchResults as SearchResults
from baro.commerce.catalog.shelves import Shelf as Shelf
from baro.commerce.catalog.shelves import Shelves as Shelves
from baro.commerce.catalog.signals import ANONYMOUS as ANONYMOUS
from baro.commerce.catalog.signals import SEARCH_ID as SEARCH_ID
from baro.commerce.catalog.signals import SearchClick as SearchClick
from baro.commerce.catalog.signals import SignalBuffer as SignalBuffer
from baro.commerce.catalog.signals import Visitor as Visitor

__all__ = [
    "ANONYMOUS",
    "SEARCH_ID",
    "ArrivalCount",
    "ArrivalEstimates",
    "Catalog",
    "Dimensions",
    "Facets",
    "InvalidProduct",
    "InvalidSearch",
    "Product",
    "ProductNotFound",
    "ProductUnavailable",
    "ProductWithStock",
    "RankingWeights",
    "Scored",
    "SearchClick",
    "SearchResults",
    "Shelf",
    "Shelves",
    "Showcase",
    "SignalBuffer",
    "Visitor",
    "products_by_id",
]
