"""Fixtures for the data-set loaders: tiny files written per test, and the real data dir."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from baro.datasets import resolve_data_dir

Put = Callable[[str, str], Path]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """An empty data directory of the shared layout."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def put(data_dir: Path) -> Put:
    """Write ``content`` to ``relative`` in ``data_dir``, gzipped when the name ends in .gz."""

    def write(relative: str, content: str) -> Path:
        path = data_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = content.encode()
        path.write_bytes(gzip.compress(raw, mtime=0) if relative.endswith(".gz") else raw)
        return path

    return write


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """The real ``shared/data`` (BARO_DATA_DIR, else found beside the checkout), or a skip."""
    folder = resolve_data_dir()
    if not (folder / "SOURCES.md").is_file():
        pytest.skip("../shared/data not found: set BARO_DATA_DIR to run real-data tests")
    return folder
