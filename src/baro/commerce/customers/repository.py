"""Tables for customers, addresses, saved payment methods and API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, select, text
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from baro.commerce.customers.domain import Address, PaymentMethod, Principal, Role
from baro.core.db import Base, UTCDateTime


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AddressRow(Base):
    __tablename__ = "addresses"
    __table_args__ = (
        # At most one default address per customer, kept by the database.
        Index(
            "uq_addresses_one_default",
            "customer_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

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
    __table_args__ = (
        Index(
            "uq_payment_methods_one_default",
            "customer_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

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


def principal_by_key_hash(session: Session, key_hash: str) -> Principal | None:
    """The caller and their 1-Click defaults, in a single query."""
    address = aliased(AddressRow)
    card = aliased(PaymentMethodRow)
    row = session.execute(
        select(ApiKeyRow.role, ApiKeyRow.customer_id, address, card)
        .outerjoin(address, (address.customer_id == ApiKeyRow.customer_id) & address.is_default)
        .outerjoin(card, (card.customer_id == ApiKeyRow.customer_id) & card.is_default)
        .where(ApiKeyRow.key_hash == key_hash)
    ).first()
    if row is None:
        return None
    return Principal(
        role=Role(row.role),
        customer_id=row.customer_id,
        address=address_from_row(row[2]) if row[2] is not None else None,
        payment_method=payment_method_from_row(row[3]) if row[3] is not None else None,
    )
