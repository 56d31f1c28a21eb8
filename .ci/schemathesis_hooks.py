"""Schemathesis hooks for `.ci/schemathesis`: what the OpenAPI document cannot say.

- Each Idempotency-Key names one intended operation (the API says: a UUID). A fuzzer that
  reuses "0" with another body gets the 422 the Idempotency-Key draft prescribes, for a
  request the schema calls valid; a valid key is swapped for a fresh one (an invalid one is
  kept, so negative cases stay negative).
- Quantities are JSON integers written as integers: the API refuses 1.0 as it refuses "1"
  and true, but in JSON Schema 2020-12 (OpenAPI 3.1) 2.0 *is* an integer, so schemathesis
  sends whole floats as valid data. They are sent as integers instead.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

KEY = "Idempotency-Key"
VALID_KEY = re.compile(r"[^\x00-\x1f\x7f-\x9f]{1,255}")


def _whole_floats_as_integers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_floats_as_integers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_floats_as_integers(v) for v in value]
    return value


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    key = (case.headers or {}).get(KEY)
    if isinstance(key, str) and VALID_KEY.fullmatch(key):
        case.headers[KEY] = f"st-{uuid.uuid4()}"
    if isinstance(case.body, dict | list):
        case.body = _whole_floats_as_integers(case.body)
