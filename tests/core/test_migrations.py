"""One Alembic chain builds exactly the schema the code declares."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from baro.core.db import Base, current_revision, head_revision, make_engine, upgrade

# The modules whose import registers every table the migrations build.
for _module in ("baro.platform", "baro.channels.devices", "baro.recommendations"):
    importlib.import_module(_module)


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": lambda name, kind, _parent: (
                    not (name or "").startswith("products_fts")
                )
            },
        )
        assert compare_metadata(context, Base.metadata) == []
    assert current_revision(database_url) == head_revision() == "0020"


def test_0009_takes_the_delivery_time_of_orders_delivered_before_it(tmp_path: Path) -> None:
    """An order delivered before 0009 gets the time of its ``order.delivered`` event; a
    delivered order without one gets its placement time (its return window closes
    earliest); an order not delivered gets none."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0008")
    placed, delivered = "2026-11-01 10:00:00.000000", "2026-11-03 15:30:00.000000"
    with sqlite3.connect(tmp_path / "old.db") as old:  # no foreign keys: only these rows
        for order_id, status in (
            ("ord_a", "delivered"),
            ("ord_b", "delivered"),
            ("ord_c", "shipped"),
        ):
            old.execute(
                "INSERT INTO orders (id, customer_id, status, currency, total_minor, facility_id,"
                " address_id, payment_method_id, placed_at, cancel_until)"
                " VALUES (?, 'cus_1', ?, 'BRL', 1990, 'fac_1', 'adr_1', 'pm_1', ?, ?)",
                (order_id, status, placed, placed),
            )
        old.execute(
            "INSERT INTO outbox_events (event_id, event_type, aggregate_id, occurred_at, data)"
            " VALUES ('evt_1', 'order.delivered', 'ord_a', ?, '{}')",
            (delivered,),
        )

    upgrade(url)

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, delivered_at FROM orders ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("ord_a", delivered),
        ("ord_b", placed),
        ("ord_c", None),
    ]


def test_0011_counts_every_unit_of_an_order_returned_before_it_as_returned(
    tmp_path: Path,
) -> None:
    """Returns were whole before 0011 (a customer's or a locker's): the lines of an order
    with an ``order.returned`` event take their quantity as returned; others none."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0010")
    placed = "2026-11-01 10:00:00.000000"
    with sqlite3.connect(tmp_path / "old.db") as old:  # no foreign keys: only these rows
        for order_id, status in (("ord_a", "refunded"), ("ord_b", "delivered")):
            old.execute(
                "INSERT INTO orders (id, customer_id, status, currency, total_minor, facility_id,"
                " address_id, payment_method_id, placed_at, cancel_until)"
                " VALUES (?, 'cus_1', ?, 'BRL', 1990, 'fac_1', 'adr_1', 'pm_1', ?, ?)",
                (order_id, status, placed, placed),
            )
            old.execute(
                "INSERT INTO order_lines (order_id, line_no, product_id, facility_id, quantity,"
                " unit_price_minor) VALUES (?, 1, 'prd_1', 'fac_1', 3, 1990)",
                (order_id,),
            )
        old.execute(
            "INSERT INTO outbox_events (event_id, event_type, aggregate_id, occurred_at, data)"
            " VALUES ('evt_1', 'order.returned', 'ord_a', ?, '{}')",
            (placed,),
        )

    upgrade(url)

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT order_id, returned FROM order_lines ORDER BY order_id")
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("ord_a", 3), ("ord_b", 0)]


def test_0019_gives_each_pick_list_made_before_it_a_row_without_a_station(
    tmp_path: Path,
) -> None:
    """A pick list was only a column of its orders before 0019: it gets its row, released
    when its first order was, at no station."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0018")
    first, later = "2026-11-01 10:00:00.000000", "2026-11-01 10:05:00.000000"
    with sqlite3.connect(tmp_path / "old.db") as old:  # no foreign keys: only these rows
        # the pick lists' rows refer to their facility, as 0019 writes them with keys on
        old.execute(
            "INSERT INTO facilities (id, name, kind, lat, lng, h3_cell, capacity_units, active)"
            " VALUES ('fac_1', 'FC', 'fulfillment_center', 0, 0, '8a', 1000, 1)"
        )
        for order_id, pick_list_id, released_at in (
            ("ord_a", "pkl_1", later),
            ("ord_b", "pkl_1", first),
            ("ord_c", "pkl_2", later),
        ):
            old.execute(
                "INSERT INTO fulfillment_orders (order_id, facility_id, pick_list_id, stage,"
                " released_at) VALUES (?, 'fac_1', ?, 'released', ?)",
                (order_id, pick_list_id, released_at),
            )

    upgrade(url)

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, facility_id, station_id, released_at"
                    " FROM fulfillment_pick_lists ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("pkl_1", "fac_1", None, first),
        ("pkl_2", "fac_1", None, later),
    ]
