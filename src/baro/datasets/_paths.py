"""Where the data sets are, and the one place that turns "no such file" into a clear error."""

from __future__ import annotations

from pathlib import Path

from baro.core.config import get_settings
from baro.datasets.errors import DatasetMissing

# The team keeps the data beside the checkout: <root>/main (this project) and <root>/shared/data.
BESIDE_CHECKOUT = Path("../shared/data")


def resolve_data_dir(data_dir: Path | None = None) -> Path:
    """The data directory: ``data_dir`` if given, else ``BARO_DATA_DIR``, else
    ``../shared/data`` from the working directory, else the first ``shared/data`` found in the
    working directory or one of its parents.

    When nothing is found the answer is ``../shared/data`` made absolute, so that the error
    raised on the first missing file names the place that was looked at.
    """
    if data_dir is not None:
        return data_dir
    configured = get_settings().data_dir
    if configured is not None:
        return configured
    cwd = Path.cwd()
    beside = (cwd / BESIDE_CHECKOUT).resolve()
    if beside.is_dir():
        return beside
    for folder in (cwd, *cwd.parents):
        candidate = folder / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return beside


def data_file(data_dir: Path | None, relative: str, *, what: str) -> Path:
    """The path of ``relative`` inside the data directory; ``DatasetMissing`` if it is absent.

    ``what`` names the file for people ("Olist orders"), for the error message.
    """
    folder = resolve_data_dir(data_dir)
    path = folder / relative
    if not path.is_file():
        raise DatasetMissing(path, data_dir=folder, what=what)
    return path
