"""What can go wrong when reading a data set from disk.

::

    DatasetError            anything about the data files; the message says which file and why
    ├── DatasetMissing      the file (or the whole data directory) is not there
    └── DatasetCorrupt      the file is there but cannot be read as documented:
                            not gzip, wrong header, a value of the wrong type, a bad instance

These are not ``DomainError``s: a missing download is an operator's problem, not a customer's,
and it never reaches the HTTP API. The CLI prints the message; no traceback.
"""

from __future__ import annotations

from pathlib import Path

HOW_TO_POINT = (
    "Set BARO_DATA_DIR (or pass --data-dir) to the folder that holds olist/, instacart/, "
    "m5/, … and SOURCES.md (the repository's shared/data)."
)


class DatasetError(Exception):
    """A data file that cannot be used; ``path`` is the file concerned."""

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


class DatasetMissing(DatasetError):
    """The file is not in the data directory."""

    def __init__(self, path: Path, *, data_dir: Path, what: str | None = None) -> None:
        subject = f"{what} not found" if what else "data file not found"
        super().__init__(f"{subject}: {path} (data dir {data_dir}). {HOW_TO_POINT}", path=path)
        self.data_dir = data_dir


class DatasetCorrupt(DatasetError):
    """The file exists but does not hold what its documentation says."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}", path=path)
        self.problem = problem
