"""Hand-made orders frames: a few rows whose measures can be worked out on paper."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl


def at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def orders(rows: list[tuple[str, datetime, int]]) -> pl.DataFrame:
    """(customer_id, placed_at, total_minor) rows -> an orders frame, one item each."""
    return pl.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(len(rows))],
            "customer_id": [customer for customer, _, _ in rows],
            "placed_at": [when for _, when, _ in rows],
            "total_minor": [total for _, _, total in rows],
            "currency": ["GBP"] * len(rows),
            "items": [1] * len(rows),
        },
        schema_overrides={
            "placed_at": pl.Datetime("us", "UTC"),
            "total_minor": pl.Int64,
            "items": pl.Int64,
        },
    )


def memberships(rows: list[tuple[str, datetime, datetime | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": [c for c, _, _ in rows],
            "joined_at": [j for _, j, _ in rows],
            "ended_at": [e for _, _, e in rows],
        },
        schema={
            "customer_id": pl.String,
            "joined_at": pl.Datetime("us", "UTC"),
            "ended_at": pl.Datetime("us", "UTC"),
        },
    )
