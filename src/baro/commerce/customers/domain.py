"""Customers, where they want things shipped, and how they pay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from baro.core.errors import Conflict, DomainError, InvalidRequest, NotFound


class CustomerNotFound(NotFound):
    code = "customer_not_found"


class InvalidCustomer(InvalidRequest):
    """Bad customer data; ``field`` names the input at fault (``InvalidCustomer(msg,
    field="password")``) so that a form can show the message next to it."""

    code = "invalid_customer"

    @property
    def field(self) -> str | None:
        field: str | None = self.context.get("field")
        return field


class EmailTaken(Conflict):
    code = "email_taken"


class NotAuthenticated(InvalidRequest):
    code = "not_authenticated"


class ApiKeyNotFound(NotFound):
    code = "api_key_not_found"


class Forbidden(DomainError):
    """Authenticated, but this key may not do that (a customer calling an operator route)."""

    code = "forbidden"


class NoDefaultAddress(Conflict):
    code = "no_default_address"


class NoDefaultPaymentMethod(Conflict):
    code = "no_default_payment_method"


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class Address:
    id: str
    customer_id: str
    line1: str
    city: str
    postcode: str
    country: str
    lat: float
    lng: float
    is_default: bool


@dataclass(frozen=True)
class PaymentMethod:
    """A card saved at the gateway: baro keeps only the gateway's token and display hints."""

    id: str
    customer_id: str
    gateway_token: str
    brand: str
    last4: str
    is_default: bool


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class Principal:
    """Who is calling, with what 1-Click needs already loaded (one query per request)."""

    role: Role
    customer_id: str | None
    address: Address | None
    payment_method: PaymentMethod | None
    delivery_preference: str | None = None  # the delivery option 1-Click uses if it holds
    # The Prime membership whose benefits the customer has (their own or a household's),
    # and until when; kept on the customer's row by baro.commerce.prime.
    prime_membership_id: str | None = None
    prime_until: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def home(self) -> tuple[float, float] | None:
        """Where the default address is (lat, lng), if there is one."""
        return (self.address.lat, self.address.lng) if self.address else None
