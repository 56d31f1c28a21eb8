"""The customer directory operators browse, with personal data masked at the source.

An operator needs to recognise a customer and see where they ship and how they pay, not to
read their e-mail address, street or card: the rows leave the database already masked, so
no page can show more than this (e-mail ``j***@example.com``, a name's first word and
initial, the default address's city, the default card's brand and last 4 digits).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from baro.commerce.customers.repository import AddressRow, CustomerRow, PaymentMethodRow
from baro.core.db import Database

MAX_PAGE = 100


@dataclass(frozen=True)
class CustomerListing:
    id: str
    name: str
    email: str
    city: str | None  # of the default address
    card_brand: str | None  # of the default card
    card_last4: str | None
    joined_at: datetime


def mask_email(email: str) -> str:
    """``joana@example.com`` -> ``j***@example.com``: enough to tell two people apart."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """``Joana Maria Silva`` -> ``Joana S.``: the first word and the last word's initial."""
    words = name.split()
    if len(words) < 2:
        return name.strip()
    return f"{words[0]} {words[-1][0]}."


class CustomerDirectory:
    def __init__(self, db: Database) -> None:
        self._db = db

    def page(self, *, limit: int = 25, before: str | None = None) -> list[CustomerListing]:
        """Newest customers first; ``before`` is the last id of the previous page."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}")
        query = (
            select(
                CustomerRow.id,
                CustomerRow.name,
                CustomerRow.email,
                CustomerRow.created_at,
                AddressRow.city,
                PaymentMethodRow.brand,
                PaymentMethodRow.last4,
            )
            .outerjoin(
                AddressRow, (AddressRow.customer_id == CustomerRow.id) & AddressRow.is_default
            )
            .outerjoin(
                PaymentMethodRow,
                (PaymentMethodRow.customer_id == CustomerRow.id) & PaymentMethodRow.is_default,
            )
            .order_by(CustomerRow.id.desc())
            .limit(limit)
        )
        if before:
            query = query.where(CustomerRow.id < before)
        with self._db.read() as session:
            rows = session.execute(query).all()
        return [
            CustomerListing(
                id=row.id,
                name=mask_name(row.name),
                email=mask_email(row.email),
                city=row.city,
                card_brand=row.brand,
                card_last4=row.last4,
                joined_at=row.created_at,
            )
            for row in rows
        ]
