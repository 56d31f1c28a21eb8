"""Tables for customers, addresses, saved payment methods and API keys; the query that turns
a bearer secret (an API key, a web session) into a ``Principal``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Select,
    String,
    Table,
    bindparam,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.customers.domain import Address, PaymentMethod, Principal, Role
from baro.core.db import Base, UTCDateTime, table_of
from baro.core.ids import new_id
from baro.core.tokens import hash_secret, new_secret


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Argon2id; None for customers who only use API keys (imports, devices).
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    # The delivery option (baro.delivery.promise.Mode's value) 1-Click ships with when it
    # holds; None: the fastest that holds.
    delivery_preference: Mapped[str | None] = mapped_column(String(16), nullable=True, default=None)
    # Whose Prime benefits this customer has (owner or household), and until when: written
    # only by baro.commerce.prime (``set_prime``), read with the principal so that the
    # order path learns who is a member without a statement of its own.
    prime_membership_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    prime_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def one_default_per_customer(table: str) -> Index:
    """At most one default row per customer, kept by the database (a partial unique index)."""
    return Index(
        f"uq_{table}_one_default",
        "customer_id",
        unique=True,
        sqlite_where=text("is_default"),
        postgresql_where=text("is_default"),
    )


class AddressRow(Base):
    __tablename__ = "addresses"
    __table_args__ = (one_default_per_customer("addresses"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    line1: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(120))
    postcode: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    h3_cell: Mapped[str] = mapped_column(String(16), index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class PaymentMethodRow(Base):
    __tablename__ = "payment_methods"
    __table_args__ = (one_default_per_customer("payment_methods"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"), index=True)
    gateway_token: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # What the owner sees to tell keys apart: their own label and the key's last characters.
    label: Mapped[str | None] = mapped_column(String(60), nullable=True, default=None)
    hint: Mapped[str | None] = mapped_column(String(8), nullable=True, default=None)


def issue_api_key(
    session: Session,
    role: Role,
    customer_id: str | None,
    now: datetime,
    *,
    label: str | None = None,
) -> tuple[ApiKeyRow, str]:
    """A new key's row and the raw key, which is shown once and stored only as its hash."""
    raw = new_secret("bk_admin" if role is Role.ADMIN else "bk_live")
    row = ApiKeyRow(
        id=new_id("key"),
        key_hash=hash_secret(raw),
        role=role.value,
        customer_id=customer_id,
        created_at=now,
        label=label,
        hint=raw[-4:],
    )
    session.add(row)
    return row, raw


def address_from_row(row: AddressRow) -> Address:
    return Address(
        row.id,
        row.customer_id,
        row.line1,
        row.city,
        row.postcode,
        row.country,
        row.lat,
        row.lng,
        row.is_default,
    )


def payment_method_from_row(row: PaymentMethodRow) -> PaymentMethod:
    return PaymentMethod(
        row.id, row.customer_id, row.gateway_token, row.brand, row.last4, row.is_default
    )


def principal_query(bearers: Table, secret_hash: ColumnElement[str]) -> Select[Any]:
    """Who holds a bearer secret, with their 1-Click defaults, in one query. ``bearers`` is a
    table with ``role`` and ``customer_id`` columns (API keys, web sessions); the query
    selects its rows whose ``secret_hash`` is in the expanding parameter ``hashes``."""
    addresses, cards = AddressRow.__table__, PaymentMethodRow.__table__
    customers = CustomerRow.__table__
    return (
        select(
            secret_hash.label("key_hash"),
            bearers.c.role,
            bearers.c.customer_id,
            customers.c.delivery_preference,
            customers.c.prime_membership_id,
            customers.c.prime_until,
            *(c.label(f"a_{c.name}") for c in addresses.c),
            *(c.label(f"p_{c.name}") for c in cards.c),
        )
        .select_from(bearers)
        .outerjoin(customers, customers.c.id == bearers.c.customer_id)
        .outerjoin(
            addresses,
            (addresses.c.customer_id == bearers.c.customer_id) & addresses.c.is_default,
        )
        .outerjoin(cards, (cards.c.customer_id == bearers.c.customer_id) & cards.c.is_default)
        .where(secret_hash.in_(bindparam("hashes", expanding=True)))
    )


# Built once: this runs on every authenticated request.
_keys = table_of(ApiKeyRow)
_PRINCIPAL = principal_query(_keys, _keys.c.key_hash)


def principals_by_key_hash(session: Session, key_hashes: Sequence[str]) -> dict[str, Principal]:
    """The callers of many keys and their 1-Click defaults, in a single query; unknown
    hashes are missing from the result."""
    return principals_by_hash(session, _PRINCIPAL, key_hashes)


def principals_by_hash(
    session: Session, query: Select[Any], hashes: Sequence[str]
) -> dict[str, Principal]:
    """Run a ``principal_query``: each known hash's principal."""
    # On the connection, not the session: a Core statement needs none of the ORM's work
    # for its rows, and this one runs on every authenticated request.
    rows = session.connection().execute(query, {"hashes": list(hashes)}).mappings()
    return {row["key_hash"]: principal_from_row(row) for row in rows}


def principal_from_row(row: Any) -> Principal:
    address = None
    if row["a_id"] is not None:
        address = Address(
            row["a_id"],
            row["a_customer_id"],
            row["a_line1"],
            row["a_city"],
            row["a_postcode"],
            row["a_country"],
            row["a_lat"],
            row["a_lng"],
            True,
        )
    card = None
    if row["p_id"] is not None:
        card = PaymentMethod(
            row["p_id"],
            row["p_customer_id"],
            row["p_gateway_token"],
            row["p_brand"],
            row["p_last4"],
            True,
        )
    return Principal(
        role=Role(row["role"]),
        customer_id=row["customer_id"],
        address=address,
        payment_method=card,
        delivery_preference=row["delivery_preference"],
        prime_membership_id=row["prime_membership_id"],
        prime_until=row["prime_until"],
    )


def set_prime(
    session: Session, customer_ids: Sequence[str], membership_id: str | None, until: datetime | None
) -> None:
    """Give these customers the benefits of ``membership_id`` until ``until`` (None, None:
    take them away), in the caller's transaction."""
    if customer_ids:
        session.execute(
            update(CustomerRow)
            .where(CustomerRow.id.in_(sorted(set(customer_ids))))
            .values(prime_membership_id=membership_id, prime_until=until)
        )


def customer_id_by_email(session: Session, email: str) -> str | None:
    return session.scalar(select(CustomerRow.id).where(CustomerRow.email == email.strip().lower()))


_cards = PaymentMethodRow.__table__
_TOKEN = select(_cards.c.gateway_token).where(_cards.c.id == bindparam("payment_method_id"))


def payment_token(session: Session, payment_method_id: str) -> str | None:
    """The gateway token of a saved card (to finish a payment the customer already asked for)."""
    return session.execute(_TOKEN, {"payment_method_id": payment_method_id}).scalar()
