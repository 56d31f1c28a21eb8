"""Accounts for people who use the web pages: shoppers and operators sign in with an e-mail
and a password and get a session; shoppers manage their own API keys. The API keeps its
bearer keys; a web session is the same kind of bearer secret, kept in a cookie."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from baro.commerce.customers.domain import (
    ApiKeyNotFound,
    Customer,
    EmailTaken,
    InvalidCustomer,
    NotAuthenticated,
    Principal,
    Role,
)
from baro.commerce.customers.passwords import Passwords
from baro.commerce.customers.repository import (
    ApiKeyRow,
    CustomerRow,
    issue_api_key,
    principal_from_row,
    principal_query,
)
from baro.core.clock import Clock
from baro.core.db import Base, Database, UTCDateTime, insert_or_ignore, table_of
from baro.core.ids import new_id
from baro.core.tokens import hash_secret, new_secret

SESSION_LIFETIME = timedelta(days=14)
MAX_LABEL = 60


class OperatorRow(Base):
    """People who run the business in the console (the role ``admin``)."""

    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebSessionRow(Base):
    """A signed-in browser: only the hash of its cookie's token is kept."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id"), nullable=True, index=True
    )
    operator_id: Mapped[str | None] = mapped_column(
        ForeignKey("operators.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class InstanceSecretRow(Base):
    """Keys this installation signs with (CSRF tokens), the same in every worker process."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


@dataclass(frozen=True)
class WebSession:
    principal: Principal
    name: str
    email: str
    expires_at: datetime


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as its owner sees it; the key itself is shown once, when issued."""

    id: str
    label: str
    hint: str
    created_at: datetime


_sessions = table_of(WebSessionRow)
_SESSION_PRINCIPAL = principal_query(_sessions, _sessions.c.token_hash).add_columns(
    _sessions.c.operator_id, _sessions.c.expires_at
)


class Accounts:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        passwords: Passwords,
        *,
        session_lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._db = db
        self._clock = clock
        self._passwords = passwords
        self._session_lifetime = session_lifetime

    def sign_up(self, *, name: str, email: str, password: str) -> Customer:
        """A new shopper with a password (no API key: they create one when they want it)."""
        name, email = check_name(name), check_email(email)
        password_hash = self._passwords.hash(password)
        customer = Customer(new_id("cus"), name, email)
        try:
            with self._db.transaction() as session:
                session.add(
                    CustomerRow(
                        id=customer.id,
                        name=name,
                        email=email,
                        created_at=self._clock.now(),
                        password_hash=password_hash,
                    )
                )
        except IntegrityError as error:
            raise EmailTaken(f"{email} is already registered", field="email") from error
        return customer

    def add_operator(self, *, name: str, email: str, password: str) -> str:
        name, email = check_name(name), check_email(email)
        operator_id = new_id("op")
        password_hash = self._passwords.hash(password)
        try:
            with self._db.transaction() as session:
                session.add(
                    OperatorRow(
                        id=operator_id,
                        name=name,
                        email=email,
                        password_hash=password_hash,
                        created_at=self._clock.now(),
                    )
                )
        except IntegrityError as error:
            raise EmailTaken(f"{email} is already an operator", field="email") from error
        return operator_id

    def sign_in(self, *, email: str, password: str, role: Role) -> str:
        """A new session's token (for the cookie). The same error, after the same work,
        whether the e-mail is unknown or the password wrong."""
        model: type[CustomerRow] | type[OperatorRow] = (
            OperatorRow if role is Role.ADMIN else CustomerRow
        )
        email = email.strip().lower()
        with self._db.transaction() as session:
            account = cast(
                "CustomerRow | OperatorRow | None",
                session.scalar(select(model).where(model.email == email)),
            )
            stored = account.password_hash if account is not None else None
            if account is None or not self._passwords.matches(stored, password):
                raise NotAuthenticated("the e-mail address or the password is wrong")
            if stored and self._passwords.needs_rehash(stored):
                account.password_hash = self._passwords.hash(password)
            return self._open_session(session, role, account.id)

    def _open_session(self, session: Session, role: Role, account_id: str) -> str:
        now = self._clock.now()
        # Each sign-in sweeps this account's expired sessions: the table holds live ones.
        owner = _sessions.c.operator_id if role is Role.ADMIN else _sessions.c.customer_id
        session.execute(delete(_sessions).where(owner == account_id, _sessions.c.expires_at <= now))
        token = new_secret("bs")
        session.add(
            WebSessionRow(
                token_hash=hash_secret(token),
                role=role.value,
                customer_id=None if role is Role.ADMIN else account_id,
                operator_id=account_id if role is Role.ADMIN else None,
                created_at=now,
                expires_at=now + self._session_lifetime,
            )
        )
        return token

    def session(self, token: str) -> WebSession:
        """Who a session token belongs to; NotAuthenticated once it expired or signed out."""
        token_hash = hash_secret(token)
        with self._db.read() as session:
            rows = session.execute(_SESSION_PRINCIPAL, {"hashes": [token_hash]}).mappings().all()
            row = rows[0] if rows else None
            if row is None or row["expires_at"] <= self._clock.now():
                raise NotAuthenticated("your session has ended; sign in again")
            principal = principal_from_row(row)
            owner: CustomerRow | OperatorRow | None = (
                session.get(OperatorRow, row["operator_id"])
                if row["operator_id"] is not None
                else session.get(CustomerRow, row["customer_id"])
            )
            assert owner is not None, "a session's owner is kept by a foreign key"
            return WebSession(principal, owner.name, owner.email, row["expires_at"])

    def sign_out(self, token: str) -> None:
        with self._db.transaction() as session:
            session.execute(delete(_sessions).where(_sessions.c.token_hash == hash_secret(token)))

    def api_keys(self, customer_id: str) -> list[ApiKeyInfo]:
        with self._db.read() as session:
            rows = session.scalars(
                select(ApiKeyRow)
                .where(ApiKeyRow.customer_id == customer_id)
                .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
            )
            return [_key_info(row) for row in rows]

    def issue_api_key(self, customer_id: str, label: str) -> tuple[ApiKeyInfo, str]:
        """A new key for the customer's own programs; the raw key is returned only here."""
        label = " ".join(label.split())
        if not label or len(label) > MAX_LABEL or "\x00" in label:
            raise InvalidCustomer(f"name the key in 1 to {MAX_LABEL} characters", field="label")
        with self._db.transaction() as session:
            row, raw = issue_api_key(
                session, Role.CUSTOMER, customer_id, self._clock.now(), label=label
            )
            return _key_info(row), raw

    def revoke_api_key(self, customer_id: str, key_id: str) -> None:
        """Only the key's owner can revoke it; anyone else learns nothing (not found)."""
        keys = table_of(ApiKeyRow)
        with self._db.transaction() as session:
            gone = session.execute(
                delete(keys).where(keys.c.id == key_id, keys.c.customer_id == customer_id)
            )
            if not gone.rowcount:  # type: ignore[attr-defined]
                raise ApiKeyNotFound(f"you have no API key {key_id!r}")

    def instance_secret(self, name: str) -> bytes:
        """A random secret made once per installation and shared by all its processes:
        the first process to ask stores it, every later one reads the same row."""
        with self._db.transaction() as session:
            insert_or_ignore(
                session,
                table_of(InstanceSecretRow),
                {"name": name, "value": secrets.token_hex(32)},
            )
            value = session.scalar(
                select(InstanceSecretRow.value).where(InstanceSecretRow.name == name)
            )
        assert value is not None
        return bytes.fromhex(value)


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 200 or "\x00" in name:
        raise InvalidCustomer("a name has 1 to 200 characters", field="name")
    return name


def check_email(email: str) -> str:
    email = email.strip().lower()
    local, at, domain = email.rpartition("@")
    if (
        not (at and local and "." in domain.strip("."))
        or len(email) > 320
        or any(c.isspace() or c == "\x00" for c in email)
    ):
        raise InvalidCustomer("that is not an e-mail address", field="email")
    return email


def _key_info(row: ApiKeyRow) -> ApiKeyInfo:
    return ApiKeyInfo(row.id, row.label or "API key", row.hint or "", row.created_at)
