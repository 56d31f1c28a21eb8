"""Recommendations for the home page: frames in, frames out, no database and no clock.

Scorers (each satisfies ``Scorer``; fit on a ``History`` built from the orders and lines
frames of ``baro.intelligence.replenish``): ``BuyAgain`` (personal frequency with time
decay), ``CoPurchase`` (bought together, popularity-corrected), ``TifuKnn`` (the SIGIR 2020
neighbourhood model, the paper's Instacart defaults), ``Trending`` (recency-weighted
popularity, the cold start). ``SearchAffinity`` reads search events instead of orders.
``fit_blend`` learns how to weigh the scorers (LightGBM) and how far to weigh up products
new to the customer (``explore_weighted``, ``choose_explore_weight``); ``Blend.recommend``
answers customer_id, product_id, score, rank. ``metrics``: Recall, NDCG, PHR, repeat and
explore recall, and a bootstrap interval for a difference between two methods.

As in ``replenish``, a caller that evaluates keeps targets out with ``orders_before``.
"""

from baro.intelligence.recommend.blend import FEATURES as FEATURES
from baro.intelligence.recommend.blend import Blend as Blend
from baro.intelligence.recommend.blend import BlendSettings as BlendSettings
from baro.intelligence.recommend.blend import choose_explore_weight as choose_explore_weight
from baro.intelligence.recommend.blend import explore_weighted as explore_weighted
from baro.intelligence.recommend.blend import fit_blend as fit_blend
from baro.intelligence.recommend.buy_again import BuyAgain as BuyAgain
from baro.intelligence.recommend.copurchase import CoPurchase as CoPurchase
from baro.intelligence.recommend.errors import (
    InvalidRecommendSettings as InvalidRecommendSettings,
)
from baro.intelligence.recommend.errors import NotEnoughHistory as NotEnoughHistory
from baro.intelligence.recommend.errors import RecommendError as RecommendError
from baro.intelligence.recommend.history import History as History
from baro.intelligence.recommend.metrics import MEASURES as MEASURES
from baro.intelligence.recommend.metrics import basket_metrics as basket_metrics
from baro.intelligence.recommend.metrics import bootstrap_difference as bootstrap_difference
from baro.intelligence.recommend.metrics import mean_metrics as mean_metrics
from baro.intelligence.recommend.scorer import Scorer as Scorer
from baro.intelligence.recommend.scorer import ranked as ranked
from baro.intelligence.recommend.scorer import recommend as recommend
from baro.intelligence.recommend.search import SearchAffinity as SearchAffinity
from baro.intelligence.recommend.tifu_knn import TifuKnn as TifuKnn
from baro.intelligence.recommend.trending import Trending as Trending

__all__ = [
    "FEATURES",
    "MEASURES",
    "Blend",
    "BlendSettings",
    "BuyAgain",
    "CoPurchase",
    "History",
    "InvalidRecommendSettings",
    "NotEnoughHistory",
    "RecommendError",
    "Scorer",
    "SearchAffinity",
    "TifuKnn",
    "Trending",
    "basket_metrics",
    "bootstrap_difference",
    "choose_explore_weight",
    "explore_weighted",
    "fit_blend",
    "mean_metrics",
    "ranked",
    "recommend",
]
