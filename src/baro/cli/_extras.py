"""The optional parts of baro (``pyproject.toml``'s extras) and the libraries each brings.

Commands import what an extra brings inside their body, so that ``baro`` starts on a server
install; when one is missing, ``baro.cli.main`` names the extra to install in one line.
"""

from __future__ import annotations

import importlib.util

EXTRA_OF_LIBRARY = {
    "polars": "twin",
    "numpy": "twin",
    "simpy": "twin",
    "vrplib": "twin",
    "matplotlib": "twin",
    "jinja2": "twin",
    "statsforecast": "intelligence",
    "mlforecast": "intelligence",
    "hierarchicalforecast": "intelligence",
    "lightgbm": "intelligence",
    "highspy": "intelligence",
    "aiohttp": "bench",
    # The robot floor (bench robots, bench mapf, fulfillment replay); its heatmap needs twin.
    "numba": "robots",
}


def install_hint(extra: str) -> str:
    return f"pip install 'baro[{extra}]'"


def missing_extra_message(error: ModuleNotFoundError) -> str | None:
    """A line for a person when ``error`` is a library of an extra; None for anything else."""
    library = (error.name or "").partition(".")[0]
    extra = EXTRA_OF_LIBRARY.get(library)
    if extra is None:
        return None
    return f"this needs baro's {extra} extra ({library} is not installed): {install_hint(extra)}"


def has_extra(extra: str) -> bool:
    return all(
        importlib.util.find_spec(library) is not None
        for library, needed_by in EXTRA_OF_LIBRARY.items()
        if needed_by == extra
    )
