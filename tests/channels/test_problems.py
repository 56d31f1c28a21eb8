"""Every domain error has an explicit HTTP status (no silent generic 400)."""

from __future__ import annotations

import baro.channels.web.app  # noqa: F401 - imports every capability's errors
from baro.channels.web.problems import STATUS
from baro.core.errors import all_error_classes


def test_every_domain_error_has_an_http_status() -> None:
    missing = [cls.__qualname__ for cls in all_error_classes() if cls not in STATUS]
    assert missing == []


def test_error_codes_are_unique() -> None:
    codes = [cls.code for cls in all_error_classes()]
    assert len(codes) == len(set(codes))
