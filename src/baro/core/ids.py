"""Opaque, prefixed, time-sortable identifiers (``ord_01j…``)."""

from __future__ import annotations

import base64
import os
import time


def new_id(prefix: str) -> str:
    """``prefix_`` + 48 bits of milliseconds + 80 random bits in base32hex (26 characters).

    base32hex keeps byte order, so ids sort by creation time: new rows land at the end of
    the primary-key index, and ``before=<id>`` pages by time. Wall time is used only for
    that locality; nothing reads it back, so the injected clock is not needed here.
    """
    raw = (time.time_ns() // 1_000_000).to_bytes(6, "big") + os.urandom(10)
    return f"{prefix}_{base64.b32hexencode(raw).decode().lower().rstrip('=')}"
