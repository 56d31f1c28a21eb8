"""Intelligence: pure prediction code, frames in -> frames out (Polars). Demand forecasts
(``forecast``) and the plans made from them (``anticipate``: pre-positioning transfers and
speculative shipments). It imports only ``baro.core`` and ``baro.datasets``; the services and
the twin call it and act on the plans it returns. Each module keeps its public surface in
its own ``__init__`` or module docstring's ``__all__``."""
