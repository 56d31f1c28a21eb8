"""The public surface of ``baro.fulfillment``: an honest ``__all__`` that names every error."""

from __future__ import annotations

import inspect

import baro.fulfillment as fulfillment
from baro.core.errors import DomainError
from baro.fulfillment import errors


def test_all_lists_every_public_name_once_and_each_exists() -> None:
    assert len(fulfillment.__all__) == len(set(fulfillment.__all__))
    for name in fulfillment.__all__:
        assert hasattr(fulfillment, name), name


def test_every_floor_error_is_exported() -> None:
    defined = {
        name
        for name, value in inspect.getmembers(errors, inspect.isclass)
        if issubclass(value, DomainError) and value.__module__ == errors.__name__
    }
    assert defined
    assert defined <= set(fulfillment.__all__)
