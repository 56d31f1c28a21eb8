"""Purchase cycles: frames in, frames out, no database and no clock.

Per customer × product, the probability of a reorder in the customer's next order
(``fit_reorders`` / ``predict_reorders``: LightGBM on user, product, user × product and
time-since-last-purchase features, ``features``), the basket that maximises the expected F1
with the None decision (``choose_baskets``, ``basket``), and when the product is due again
(``purchase_cycles``: an interval model with an 80 % range, ``cycles``). The frames are
described in ``frames``; the baselines in ``baselines``; the Kaggle scoring in ``score``.

``orders_before(orders, evaluation_targets)`` is the door that keeps evaluated orders out of
training: fit on what it returns. Errors are ``ReplenishError``s (see ``errors``).
"""

from baro.intelligence.replenish.baselines import BASELINES as BASELINES
from baro.intelligence.replenish.baselines import FREQUENT_SHARE as FREQUENT_SHARE
from baro.intelligence.replenish.baselines import frequent_items as frequent_items
from baro.intelligence.replenish.baselines import repeat_last_order as repeat_last_order
from baro.intelligence.replenish.basket import Choice as Choice
from baro.intelligence.replenish.basket import best_basket as best_basket
from baro.intelligence.replenish.basket import choose_baskets as choose_baskets
from baro.intelligence.replenish.basket import expected_f1 as expected_f1
from baro.intelligence.replenish.cycles import purchase_cycles as purchase_cycles
from baro.intelligence.replenish.errors import InvalidOrders as InvalidOrders
from baro.intelligence.replenish.errors import InvalidSettings as InvalidSettings
from baro.intelligence.replenish.errors import NoTrainingData as NoTrainingData
from baro.intelligence.replenish.errors import ReplenishError as ReplenishError
from baro.intelligence.replenish.features import FEATURES as FEATURES
from baro.intelligence.replenish.frames import hash_share as hash_share
from baro.intelligence.replenish.frames import last_orders as last_orders
from baro.intelligence.replenish.frames import orders_before as orders_before
from baro.intelligence.replenish.frames import reorder_truth as reorder_truth
from baro.intelligence.replenish.model import ReorderModel as ReorderModel
from baro.intelligence.replenish.model import fit_reorders as fit_reorders
from baro.intelligence.replenish.model import predict_reorders as predict_reorders
from baro.intelligence.replenish.score import basket_scores as basket_scores
from baro.intelligence.replenish.score import mean_scores as mean_scores
from baro.intelligence.replenish.settings import ReorderSettings as ReorderSettings

__all__ = [
    "BASELINES",
    "FEATURES",
    "FREQUENT_SHARE",
    "Choice",
    "InvalidOrders",
    "InvalidSettings",
    "NoTrainingData",
    "ReorderModel",
    "ReorderSettings",
    "ReplenishError",
    "basket_scores",
    "best_basket",
    "choose_baskets",
    "expected_f1",
    "fit_reorders",
    "frequent_items",
    "hash_share",
    "last_orders",
    "mean_scores",
    "orders_before",
    "predict_reorders",
    "purchase_cycles",
    "reorder_truth",
    "repeat_last_order",
]
