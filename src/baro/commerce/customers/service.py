"""Registering customers, their addresses and cards, and recognising API keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol, cast

from sqlalchemy import literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from baro.commerce.customers.domain import (
    Address,
    Customer,
    CustomerNotFound,
    EmailTaken,
    InvalidCustomer,
    NotAuthenticated,
    PaymentMethod,
    Principal,
    Role,
)
from baro.commerce.customers.repository import (
    AddressRow,
    CustomerRow,
    PaymentMethodRow,
    address_from_row,
    issue_api_key,
    payment_method_from_row,
    principal_query,
    principals_by_hash,
    principals_by_key_hash,
)
from baro.core.clock import Clock
from baro.core.db import Database, table_of
from baro.core.errors import NotFound
from baro.core.geo import check_coordinates, h3_cell
from baro.core.ids import new_id
from baro.core.tokens import hash_secret

# Customers by id, with their 1-Click defaults: the platform acting for them (a
# subscription's order). The same query the API keys use, keyed on the customer's id.
_by_id = select(CustomerRow.id.label("customer_id"), literal("customer").label("role")).subquery(
    "by_id"
)
_PRINCIPAL_BY_ID = principal_query(_by_id, _by_id.c.customer_id)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Registration:
    customer: Customer
    api_key: str  # shown once; only its hash is stored


@dataclass(frozen=True)
class NewCustomer:
    """A customer to import with a default address and a saved card (gateway token)."""

    name: str
    email: str
    line1: str
    city: str
    postcode: str
    country: str
    lat: float
    lng: float
    gateway_token: str
    brand: str = "visa"
    last4: str = "4242"


class TokenizedCard(Protocol):
    @property
    def token(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def last4(self) -> str: ...


class CardTokenizer(Protocol):
    """Turns a typed card into a gateway token (the sandbox's; real gateways do it in
    their own hosted form, so a real deployment has none)."""

    def __call__(
        self, number: str, exp_month: int, exp_year: int, cvc: str, *, today: date
    ) -> TokenizedCard: ...


class Customers:
    def __init__(
        self, db: Database, clock: Clock, tokenize_card: CardTokenizer | None = None
    ) -> None:
        self._db = db
        self._clock = clock
        self._tokenize_card = tokenize_card

    def register(self, name: str, email: str) -> Registration:
        name, email = name.strip(), email.strip().lower()
        if not name or "@" not in email:
            raise InvalidCustomer(f"a customer needs a name and an e-mail address ({email!r})")
        customer = Customer(new_id("cus"), name, email)
        try:
            with self._db.transaction() as session:
                session.add(
                    CustomerRow(
                        id=customer.id, name=name, email=email, created_at=self._clock.now()
                    )
                )
                session.flush()
                api_key = self._issue_key(session, Role.CUSTOMER, customer.id)
        except IntegrityError as error:
            raise EmailTaken(f"{email} is already registered") from error
        return Registration(customer, api_key)

    def import_many(self, people: Sequence[NewCustomer]) -> list[Principal]:
        """Many customers, each with a default address and card, in one transaction
        (bulk imports, the twin). No API keys are issued: they act through the importer."""
        now = self._clock.now()
        principals: list[Principal] = []
        customers, addresses, cards = [], [], []
        for person in people:
            check_coordinates(person.lat, person.lng)
            customer_id = new_id("cus")
            address = Address(
                new_id("adr"),
                customer_id,
                person.line1,
                person.city,
                person.postcode,
                person.country,
                person.lat,
                person.lng,
                True,
            )
            card = PaymentMethod(
                new_id("pm"), customer_id, person.gateway_token, person.brand, person.last4, True
            )
            customers.append(
                {
                    "id": customer_id,
                    "name": person.name,
                    "email": person.email.lower(),
                    "created_at": now,
                }
            )
            addresses.append({**vars(address), "h3_cell": h3_cell(person.lat, person.lng)})
            cards.append(dict(vars(card)))
            principals.append(Principal(Role.CUSTOMER, customer_id, address, card))
        try:
            with self._db.transaction() as session:
                if customers:
                    session.execute(table_of(CustomerRow).insert(), customers)
                    session.execute(table_of(AddressRow).insert(), addresses)
                    session.execute(table_of(PaymentMethodRow).insert(), cards)
        except IntegrityError as error:
            raise EmailTaken("an imported e-mail address is already registered") from error
        return principals

    def issue_admin_key(self) -> str:
        with self._db.transaction() as session:
            return self._issue_key(session, Role.ADMIN, None)

    def _issue_key(self, session: Session, role: Role, customer_id: str | None) -> str:
        return issue_api_key(session, role, customer_id, self._clock.now())[1]

    def add_address(
        self,
        customer_id: str,
        *,
        line1: str,
        city: str,
        postcode: str,
        country: str,
        lat: float,
        lng: float,
        make_default: bool = True,
    ) -> Address:
        try:
            check_coordinates(lat, lng)
        except ValueError as error:
            raise InvalidCustomer(str(error)) from error
        if len(country) != 2:
            raise InvalidCustomer(f"country is an ISO 3166 two-letter code, got {country!r}")
        with self._db.transaction() as session:
            self._require_customer(session, customer_id)
            if make_default:
                _clear_default(session, AddressRow, customer_id)
            row = AddressRow(
                id=new_id("adr"),
                customer_id=customer_id,
                line1=line1,
                city=city,
                postcode=postcode,
                country=country.upper(),
                lat=lat,
                lng=lng,
                h3_cell=h3_cell(lat, lng),
                is_default=make_default,
            )
            session.add(row)
            session.flush()
            return address_from_row(row)

    def add_payment_method(
        self,
        customer_id: str,
        *,
        gateway_token: str,
        brand: str,
        last4: str,
        make_default: bool = True,
    ) -> PaymentMethod:
        if not (len(last4) == 4 and last4.isdigit()):
            raise InvalidCustomer("last4 must be the card's last four digits")
        with self._db.transaction() as session:
            self._require_customer(session, customer_id)
            if make_default:
                _clear_default(session, PaymentMethodRow, customer_id)
            row = PaymentMethodRow(
                id=new_id("pm"),
                customer_id=customer_id,
                gateway_token=gateway_token,
                brand=brand,
                last4=last4,
                is_default=make_default,
            )
            session.add(row)
            session.flush()
            return payment_method_from_row(row)

    def add_sandbox_card(
        self, customer_id: str, *, number: str, exp_month: int, exp_year: int, cvc: str
    ) -> PaymentMethod:
        """A card typed into baro's own form, tokenised by the sandbox gateway (the number
        goes no further than this call). With a real gateway, cards are added in the
        gateway's hosted form and only its token reaches ``add_payment_method``."""
        if self._tokenize_card is None:
            raise InvalidCustomer(
                "cards are added through the payment gateway's own form", field="number"
            )
        card = self._tokenize_card(number, exp_month, exp_year, cvc, today=self._clock.now().date())
        return self.add_payment_method(
            customer_id, gateway_token=card.token, brand=card.brand, last4=card.last4
        )

    def payment_methods(self, customer_id: str) -> list[PaymentMethod]:
        with self._db.read() as session:
            rows = session.scalars(
                select(PaymentMethodRow)
                .where(PaymentMethodRow.customer_id == customer_id)
                .order_by(PaymentMethodRow.id)
            )
            return [payment_method_from_row(row) for row in rows]

    def set_default_address(self, customer_id: str, address_id: str) -> None:
        self._set_default(AddressRow, customer_id, address_id, "address")

    def set_default_payment_method(self, customer_id: str, payment_method_id: str) -> None:
        self._set_default(PaymentMethodRow, customer_id, payment_method_id, "card")

    def _set_default(
        self,
        model: type[AddressRow] | type[PaymentMethodRow],
        customer_id: str,
        row_id: str,
        what: str,
    ) -> None:
        with self._db.transaction() as session:
            row = cast("AddressRow | PaymentMethodRow | None", session.get(model, row_id))
            if row is None or row.customer_id != customer_id:
                raise NotFound(f"you have no {what} {row_id!r}")
            _clear_default(session, model, customer_id)
            session.flush()  # the old default steps down before the unique index sees two
            row.is_default = True

    def set_delivery_preference(self, customer_id: str, option: str | None) -> None:
        """The delivery option 1-Click uses when it holds (None: the fastest that holds).
        The caller checks that ``option`` names one (commerce does not know the modes)."""
        with self._db.transaction() as session:
            self._require_customer(session, customer_id).delivery_preference = option

    def authenticate(self, api_key: str) -> Principal:
        (principal,) = self.authenticate_all([api_key])
        if isinstance(principal, NotAuthenticated):
            raise principal
        return principal

    def authenticate_all(self, api_keys: Sequence[str]) -> list[Principal | NotAuthenticated]:
        """The bearers of many requests' keys, with one query; an error for each unknown key."""
        hashes = [hash_secret(api_key) for api_key in api_keys]
        with self._db.read() as session:
            known = principals_by_key_hash(session, sorted(set(hashes)))
        return [known.get(h) or NotAuthenticated("the API key is not valid") for h in hashes]

    def principals_of(self, customer_ids: Sequence[str]) -> dict[str, Principal]:
        """Customers by id with their 1-Click defaults, in one query; unknown ids are missing."""
        with self._db.read() as session:
            return principals_by_hash(session, _PRINCIPAL_BY_ID, sorted(set(customer_ids)))

    def home_cells(self) -> dict[str, str]:
        """Each customer's default address's H3 cell (customers without one are missing)."""
        with self._db.read() as session:
            rows = session.execute(
                select(AddressRow.customer_id, AddressRow.h3_cell).where(AddressRow.is_default)
            )
            return {customer_id: cell for customer_id, cell in rows}

    def get(self, customer_id: str) -> Customer:
        with self._db.read() as session:
            row = self._require_customer(session, customer_id)
            return Customer(row.id, row.name, row.email)

    def addresses(self, customer_id: str) -> list[Address]:
        with self._db.read() as session:
            rows = session.scalars(
                select(AddressRow)
                .where(AddressRow.customer_id == customer_id)
                .order_by(AddressRow.id)
            )
            return [address_from_row(row) for row in rows]

    @staticmethod
    def _require_customer(session: Session, customer_id: str) -> CustomerRow:
        row = session.get(CustomerRow, customer_id)
        if row is None:
            raise CustomerNotFound(f"no customer {customer_id!r}")
        return row


def _clear_default(
    session: Session, model: type[AddressRow] | type[PaymentMethodRow], customer_id: str
) -> None:
    """The new row becomes the default: the old default steps down in the same transaction."""
    session.execute(update(model).where(model.customer_id == customer_id).values(is_default=False))
