"""The baselines every forecast is measured against, from statsforecast: seasonal naive (the
same period a season ago) and AutoETS (exponential smoothing, its form chosen per series by
AICc), each fitted on its own to every series of every level of the same training frame."""

from __future__ import annotations

import os

import polars as pl
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, SeasonalNaive

from baro.intelligence.forecast.series import Training

BASELINES = ("seasonal_naive", "auto_ets")


def baseline_forecasts(training: Training, *, ets: bool = True) -> pl.DataFrame:
    """unique_id, ds, seasonal_naive, auto_ets (without ``ets``, no auto_ets): each series'
    forecast for the horizon, cut at zero (demand is never negative, and the cut only helps
    them). A series shorter than a season has no seasonal-naive value for some periods: those
    are zero, as AutoETS falls back to seasonal naive where it cannot fit."""
    settings = training.settings
    season = settings.season
    models: list[object] = [SeasonalNaive(season_length=season, alias="seasonal_naive")]
    if ets:
        models.append(AutoETS(season_length=season, alias="auto_ets"))
    forecaster = StatsForecast(
        models=models,
        freq=settings.frequency,
        n_jobs=settings.threads or os.cpu_count() or 1,
        fallback_model=SeasonalNaive(season_length=season),
    )
    forecast = forecaster.forecast(df=training.history, h=settings.horizon)
    names = [name for name in BASELINES if name in forecast.columns]
    return forecast.select(
        "unique_id",
        "ds",
        *(pl.col(name).fill_nan(None).fill_null(0.0).clip(lower_bound=0.0) for name in names),
    )
