"""The robot floor's layout in the WMS: a facility's grid, each pod's home cell and the pick
stations' cells; pick lists as rows of their own, each with the station a release sent it to
(the least loaded one). The pick lists made before this revision get their row from their
orders (the earliest release time, no station). An index on the floor's orders by facility
and stage serves the floor view and the stations' load, which read the orders still being
picked.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from baro.core.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_floors",
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("grid_rows", sa.Integer(), nullable=False),
        sa.Column("grid_cols", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "grid_rows > 0 AND grid_cols > 0", name=op.f("ck_fulfillment_floors_grid_not_empty")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_floors_facility_id_facilities"),
        ),
        sa.PrimaryKeyConstraint("facility_id", name=op.f("pk_fulfillment_floors")),
    )
    op.create_table(
        "fulfillment_pods",
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("pod", sa.String(length=40), nullable=False),
        sa.Column("grid_row", sa.Integer(), nullable=False),
        sa.Column("grid_col", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "grid_row >= 0 AND grid_col >= 0", name=op.f("ck_fulfillment_pods_cell_on_grid")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["fulfillment_floors.facility_id"],
            name=op.f("fk_fulfillment_pods_facility_id_fulfillment_floors"),
        ),
        sa.PrimaryKeyConstraint("facility_id", "pod", name=op.f("pk_fulfillment_pods")),
        sa.UniqueConstraint(
            "facility_id",
            "grid_row",
            "grid_col",
            name=op.f("uq_fulfillment_pods_facility_id_grid_row_grid_col"),
        ),
    )
    op.create_table(
        "fulfillment_stations",
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("grid_row", sa.Integer(), nullable=False),
        sa.Column("grid_col", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "grid_row >= 0 AND grid_col >= 0", name=op.f("ck_fulfillment_stations_cell_on_grid")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["fulfillment_floors.facility_id"],
            name=op.f("fk_fulfillment_stations_facility_id_fulfillment_floors"),
        ),
        sa.PrimaryKeyConstraint("facility_id", "id", name=op.f("pk_fulfillment_stations")),
    )
    op.create_table(
        "fulfillment_pick_lists",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("facility_id", sa.String(length=40), nullable=False),
        sa.Column("station_id", sa.String(length=40), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_fulfillment_pick_lists_facility_id_facilities"),
        ),
        sa.ForeignKeyConstraint(
            ["facility_id", "station_id"],
            ["fulfillment_stations.facility_id", "fulfillment_stations.id"],
            name=op.f("fk_fulfillment_pick_lists_facility_id_fulfillment_stations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fulfillment_pick_lists")),
    )
    op.create_index(
        "ix_fulfillment_pick_lists_station",
        "fulfillment_pick_lists",
        ["facility_id", "station_id"],
        unique=False,
    )
    op.create_index(
        "ix_fulfillment_orders_facility_stage",
        "fulfillment_orders",
        ["facility_id", "stage"],
        unique=False,
    )
    # Both columns are UTCDateTime, stored alike on each database: copied as they are.
    op.execute(
        "INSERT INTO fulfillment_pick_lists (id, facility_id, station_id, released_at)"
        " SELECT pick_list_id, MIN(facility_id), NULL, MIN(released_at)"
        " FROM fulfillment_orders GROUP BY pick_list_id"
    )


def downgrade() -> None:
    op.drop_index("ix_fulfillment_orders_facility_stage", table_name="fulfillment_orders")
    for table in (
        "fulfillment_pick_lists",
        "fulfillment_stations",
        "fulfillment_pods",
        "fulfillment_floors",
    ):
        op.drop_table(table)  # its indexes go with it
