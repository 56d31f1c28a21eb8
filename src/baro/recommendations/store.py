"""What ``baro recommend train`` leaves for serving: per customer the products of each row
(buy again, picked for you), the cold-start row (trending), and each product's bought-together
neighbours. A model is a version; serving reads the active one, and a new one becomes active
in one UPDATE, after all its rows are written (so a page never mixes two models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.core.db import Base, UTCDateTime, execute_many, table_of

EVERYONE = ""  # the customer id of the rows every customer gets (the cold start)


class HomeModelRow(Base):
    __tablename__ = "home_models"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean)
    customers: Mapped[int] = mapped_column(Integer)
    products: Mapped[int] = mapped_column(Integer)
    train_s: Mapped[float] = mapped_column(Float)


class HomeRowRow(Base):
    """The primary key leads with (version, customer_id): a page reads one range of it."""

    __tablename__ = "home_rows"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)


class HomePairRow(Base):
    __tablename__ = "home_pairs"

    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    other_id: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True)
class HomeModel:
    version: int
    built_at: datetime
    customers: int
    products: int
    train_s: float


@dataclass(frozen=True)
class Ranked:
    product_id: str
    score: float


_models = table_of(HomeModelRow)
_rows = table_of(HomeRowRow)
_pairs = table_of(HomePairRow)
# Built once: every home page runs these three.
_ACTIVE = select(_models).where(_models.c.active)
_ROWS_OF = (
    select(_rows.c.customer_id, _rows.c.kind, _rows.c.product_id, _rows.c.score)
    .where(
        _rows.c.version == bindparam("version"),
        _rows.c.customer_id.in_(bindparam("customers", expanding=True)),
    )
    .order_by(_rows.c.kind, _rows.c.position)
)
_PAIRS = (
    select(_pairs.c.other_id, _pairs.c.score)
    .where(
        _pairs.c.version == bindparam("version"),
        _pairs.c.product_id.in_(bindparam("products", expanding=True)),
    )
    .order_by(_pairs.c.score.desc(), _pairs.c.other_id)
)


def active_model(session: Session) -> HomeModel | None:
    row = session.execute(_ACTIVE).first()
    if row is None:
        return None
    return HomeModel(row.version, row.built_at, row.customers, row.products, row.train_s)


def write_model(
    session: Session,
    model: HomeModel,
    rows: list[dict[str, object]],
    pairs: list[dict[str, object]],
) -> None:
    """Write a new version's rows, make it the active one, and drop the older versions."""
    session.add(
        HomeModelRow(
            version=model.version,
            built_at=model.built_at,
            active=False,
            customers=model.customers,
            products=model.products,
            train_s=model.train_s,
        )
    )
    session.flush()
    execute_many(session, table_of(HomeRowRow).insert(), rows)
    execute_many(session, table_of(HomePairRow).insert(), pairs)
    session.execute(update(HomeModelRow).values(active=HomeModelRow.version == model.version))
    for table in (HomeRowRow, HomePairRow):
        session.execute(delete(table).where(table.version != model.version))
    session.execute(delete(HomeModelRow).where(HomeModelRow.version != model.version))


def next_version(session: Session) -> int:
    latest = session.scalar(select(HomeModelRow.version).order_by(HomeModelRow.version.desc()))
    return (latest or 0) + 1


def rows_of(session: Session, version: int, owners: list[str]) -> dict[str, list[Ranked]]:
    """The rows of these owners (the customer, their region, everyone), by kind, best first;
    where two owners have a row of one kind, the first owner's wins."""
    found = session.execute(_ROWS_OF, {"version": version, "customers": owners})
    by_owner: dict[tuple[str, str], list[Ranked]] = {}
    for owner, kind, product_id, score in found:
        by_owner.setdefault((owner, kind), []).append(Ranked(product_id, score))
    rows: dict[str, list[Ranked]] = {}
    for owner in owners:
        for (who, kind), ranked in by_owner.items():
            if who == owner and kind not in rows:
                rows[kind] = ranked
    return rows


def pairs_of(session: Session, version: int, product_ids: list[str]) -> list[Ranked]:
    """The bought-together neighbours of these products, best first, each once."""
    found = session.execute(_PAIRS, {"version": version, "products": product_ids})
    seen: dict[str, Ranked] = {}
    for other_id, score in found:
        if other_id not in product_ids:
            seen.setdefault(other_id, Ranked(other_id, score))
    return list(seen.values())
