"""The public surface of ``baro.datasets``: honest ``__all__``, documented, read-only schemas."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import baro.datasets as datasets
from baro.datasets import DatasetCorrupt, DatasetError, DatasetMissing


def test_all_lists_every_public_name_once_and_each_exists() -> None:
    assert len(datasets.__all__) == len(set(datasets.__all__))
    for name in datasets.__all__:
        assert hasattr(datasets, name), name


def test_every_loader_takes_an_optional_data_dir_and_documents_its_columns() -> None:
    loaders = [name for name in datasets.__all__ if name.startswith(("load_", "list_"))]
    for name in loaders:
        function = getattr(datasets, name)
        parameter = inspect.signature(function).parameters["data_dir"]
        assert parameter.default is None, name
        assert function.__doc__, name


def test_schemas_are_read_only_mappings_of_polars_dtypes() -> None:
    schemas = [name for name in datasets.__all__ if name.endswith("_SCHEMA")]
    assert schemas
    for name in schemas:
        schema = getattr(datasets, name)
        assert isinstance(schema, Mapping), name
        assert all(isinstance(dtype, pl.DataType) for dtype in schema.values()), name
        writable: Any = schema
        with pytest.raises(TypeError):
            writable["extra"] = pl.String()


def test_both_errors_are_dataset_errors_that_carry_the_path() -> None:
    missing = DatasetMissing(Path("/d/x.csv"), data_dir=Path("/d"))
    corrupt = DatasetCorrupt(Path("/d/x.csv"), "has no header")

    for error in (missing, corrupt):
        assert isinstance(error, DatasetError)
        assert error.path == Path("/d/x.csv")
        assert "/d/x.csv" in str(error)
