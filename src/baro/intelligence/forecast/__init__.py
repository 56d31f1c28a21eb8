"""Demand forecasts: frames in, frames out, no database and no clock (the cut-off is passed in).

``forecast_demand(demand, cutoff=…, settings=ForecastSettings(horizon=…))`` forecasts units per
product (or per category's pool of sparse products) × region × day or week, with prediction
intervals, coherent across the levels above (region × category, category, region, total).
The design, the levels and the sparse rule are in ``series``; the model, its features, the
intervals and the reconciliation in ``model``; the baselines it is measured against in
``baselines``; the measures in ``accuracy``.

``training_frame`` is the only door from demand to training and takes the cut-off: nothing on
or after it reaches a model. Errors are ``ForecastError``s (see ``errors``).
"""

from baro.intelligence.forecast.accuracy import accuracy as accuracy
from baro.intelligence.forecast.accuracy import actual_series as actual_series
from baro.intelligence.forecast.accuracy import interval_coverage as interval_coverage
from baro.intelligence.forecast.baselines import BASELINES as BASELINES
from baro.intelligence.forecast.baselines import baseline_forecasts as baseline_forecasts
from baro.intelligence.forecast.errors import ForecastError as ForecastError
from baro.intelligence.forecast.errors import InvalidDemand as InvalidDemand
from baro.intelligence.forecast.errors import InvalidSettings as InvalidSettings
from baro.intelligence.forecast.errors import NoHistory as NoHistory
from baro.intelligence.forecast.lookup import RECENCY_HALF_LIFE as RECENCY_HALF_LIFE
from baro.intelligence.forecast.lookup import product_forecast as product_forecast
from baro.intelligence.forecast.lookup import recent_products as recent_products
from baro.intelligence.forecast.model import base_forecasts as base_forecasts
from baro.intelligence.forecast.model import forecast_demand as forecast_demand
from baro.intelligence.forecast.model import reconcile as reconcile
from baro.intelligence.forecast.regions import h3_regions as h3_regions
from baro.intelligence.forecast.series import LEVELS as LEVELS
from baro.intelligence.forecast.series import POOL as POOL
from baro.intelligence.forecast.series import Training as Training
from baro.intelligence.forecast.series import training_frame as training_frame
from baro.intelligence.forecast.settings import ForecastSettings as ForecastSettings

__all__ = [
    "BASELINES",
    "LEVELS",
    "POOL",
    "RECENCY_HALF_LIFE",
    "ForecastError",
    "ForecastSettings",
    "InvalidDemand",
    "InvalidSettings",
    "NoHistory",
    "Training",
    "accuracy",
    "actual_series",
    "base_forecasts",
    "baseline_forecasts",
    "forecast_demand",
    "h3_regions",
    "interval_coverage",
    "product_forecast",
    "recent_products",
    "reconcile",
    "training_frame",
]
