"""Web accounts: passwords, sessions, operators, a shopper's own API keys, sandbox cards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from baro.commerce.customers import (
    ApiKeyNotFound,
    EmailTaken,
    InvalidCustomer,
    NotAuthenticated,
    Passwords,
    Role,
)
from baro.commerce.payments import DECLINES, InvalidCard
from baro.core.clock import SimulatedClock
from baro.core.db import table_of
from baro.platform import Platform

PASSWORD = "correct horse battery"


def test_a_shopper_signs_up_and_in_and_the_session_says_who_they_are(platform: Platform) -> None:
    customer = platform.accounts.sign_up(
        name=" Ana  Lima ", email="Ana@Example.com", password=PASSWORD
    )
    token = platform.accounts.sign_in(
        email="ana@example.com ", password=PASSWORD, role=Role.CUSTOMER
    )
    session = platform.accounts.session(token)
    assert (session.name, session.email) == ("Ana Lima", "ana@example.com")
    assert session.principal.customer_id == customer.id
    assert session.principal.role is Role.CUSTOMER and not session.principal.is_admin


def test_the_password_is_stored_only_as_an_argon2id_hash(platform: Platform) -> None:
    from baro.commerce.customers.repository import CustomerRow

    customer = platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    with platform.db.read() as session:
        stored = session.get(CustomerRow, customer.id)
        assert stored is not None and stored.password_hash is not None
        assert (
            stored.password_hash.startswith("$argon2id$") and PASSWORD not in stored.password_hash
        )


@pytest.mark.parametrize(
    ("email", "password"),
    [("a@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown e-mail"],
)
def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(
    platform: Platform, email: str, password: str
) -> None:
    platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    with pytest.raises(NotAuthenticated, match="the e-mail address or the password is wrong"):
        platform.accounts.sign_in(email=email, password=password, role=Role.CUSTOMER)


@pytest.mark.parametrize(
    ("name", "email", "password", "field"),
    [
        ("", "a@example.com", PASSWORD, "name"),
        ("Ana", "not-an-email", PASSWORD, "email"),
        ("Ana", "a@localhost", PASSWORD, "email"),
        ("Ana", "a b@example.com", PASSWORD, "email"),
        ("Ana", "a@example.com", "short", "password"),
        ("Ana", "a@example.com", "x" * 257, "password"),
        ("Ana", "a@example.com", "nul\x00 in the password", "password"),
        ("A\x00na", "a@example.com", PASSWORD, "name"),
    ],
)
def test_bad_sign_up_input_names_the_field_at_fault(
    platform: Platform, name: str, email: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidCustomer) as raised:
        platform.accounts.sign_up(name=name, email=email, password=password)
    assert raised.value.field == field


def test_an_email_signs_up_once(platform: Platform) -> None:
    platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    with pytest.raises(EmailTaken):
        platform.accounts.sign_up(name="Other", email="A@example.com", password=PASSWORD)


def test_a_session_ends_when_it_expires_or_signs_out(
    platform: Platform, clock: SimulatedClock
) -> None:
    platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    first = platform.accounts.sign_in(email="a@example.com", password=PASSWORD, role=Role.CUSTOMER)
    clock.advance(timedelta(days=14, seconds=1))
    with pytest.raises(NotAuthenticated):
        platform.accounts.session(first)
    second = platform.accounts.sign_in(email="a@example.com", password=PASSWORD, role=Role.CUSTOMER)
    platform.accounts.session(second)
    platform.accounts.sign_out(second)
    with pytest.raises(NotAuthenticated):
        platform.accounts.session(second)
    with pytest.raises(NotAuthenticated):
        platform.accounts.session("bs_made_up")


def test_expired_sessions_are_swept_when_the_account_signs_in_again(
    platform: Platform, clock: SimulatedClock
) -> None:
    from baro.commerce.customers.accounts import WebSessionRow

    platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    for _ in range(3):
        platform.accounts.sign_in(email="a@example.com", password=PASSWORD, role=Role.CUSTOMER)
        clock.advance(timedelta(days=15))
    with platform.db.read() as session:
        assert session.query(table_of(WebSessionRow)).count() == 1


def test_operators_sign_in_to_their_own_role_only(platform: Platform) -> None:
    platform.accounts.add_operator(name="Op", email="op@example.com", password=PASSWORD)
    token = platform.accounts.sign_in(email="op@example.com", password=PASSWORD, role=Role.ADMIN)
    session = platform.accounts.session(token)
    assert session.principal.is_admin and session.principal.customer_id is None
    assert session.name == "Op"
    with pytest.raises(NotAuthenticated):
        platform.accounts.sign_in(email="op@example.com", password=PASSWORD, role=Role.CUSTOMER)


def test_a_shopper_issues_uses_and_revokes_their_own_api_keys(platform: Platform) -> None:
    ana = platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    bob = platform.accounts.sign_up(name="Bob", email="b@example.com", password=PASSWORD)
    info, raw = platform.accounts.issue_api_key(ana.id, "  my   script ")
    assert info.label == "my script" and raw.endswith(info.hint) and len(info.hint) == 4
    assert platform.customers.authenticate(raw).customer_id == ana.id
    assert [key.id for key in platform.accounts.api_keys(ana.id)] == [info.id]
    assert platform.accounts.api_keys(bob.id) == []
    with pytest.raises(ApiKeyNotFound):
        platform.accounts.revoke_api_key(bob.id, info.id)
    platform.customers.authenticate(raw)  # Bob's attempt changed nothing
    platform.accounts.revoke_api_key(ana.id, info.id)
    with pytest.raises(NotAuthenticated):
        platform.customers.authenticate(raw)
    with pytest.raises(InvalidCustomer):
        platform.accounts.issue_api_key(ana.id, " ")


def test_the_instance_secret_is_made_once_and_then_read_back(platform: Platform) -> None:
    first = platform.accounts.instance_secret("csrf")
    assert len(first) == 32
    assert platform.accounts.instance_secret("csrf") == first
    assert platform.accounts.instance_secret("other") != first


def test_a_sandbox_card_keeps_only_its_token_brand_and_last_four(platform: Platform) -> None:
    ana = platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    card = platform.customers.add_sandbox_card(
        ana.id, number="4000 0000 0000 0002", exp_month=12, exp_year=2030, cvc="123"
    )
    assert (card.gateway_token, card.brand, card.last4, card.is_default) == (
        DECLINES,
        "visa",
        "0002",
        True,
    )
    other = platform.customers.add_sandbox_card(
        ana.id, number="5555555555554444", exp_month=1, exp_year=2031, cvc="1234"
    )
    assert other.brand == "mastercard" and other.gateway_token.startswith("tok_sandbox_card_")
    platform.customers.set_default_payment_method(ana.id, card.id)
    defaults = [pm.id for pm in platform.customers.payment_methods(ana.id) if pm.is_default]
    assert defaults == [card.id]


@pytest.mark.parametrize(
    ("number", "month", "year", "cvc", "field"),
    [
        ("4242424242424241", 12, 2030, "123", "number"),
        ("4242", 12, 2030, "123", "number"),
        ("4242424242424242", 13, 2030, "123", "expiry"),
        ("4242424242424242", 10, 2026, "123", "expiry"),  # the clock says November 2026
        ("4242424242424242", 12, 2030, "12", "cvc"),
    ],
)
def test_a_bad_card_is_refused_with_the_field_at_fault(
    platform: Platform, number: str, month: int, year: int, cvc: str, field: str
) -> None:
    ana = platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    with pytest.raises(InvalidCard) as raised:
        platform.customers.add_sandbox_card(
            ana.id, number=number, exp_month=month, exp_year=year, cvc=cvc
        )
    assert raised.value.field == field
    assert platform.customers.payment_methods(ana.id) == []


def test_nobody_makes_another_customers_address_their_default(platform: Platform) -> None:
    ana = platform.accounts.sign_up(name="Ana", email="a@example.com", password=PASSWORD)
    bob = platform.accounts.sign_up(name="Bob", email="b@example.com", password=PASSWORD)
    address = platform.customers.add_address(
        ana.id, line1="Rua A 1", city="São Paulo", postcode="01000-000", country="BR",
        lat=-23.55, lng=-46.63,
    )  # fmt: skip
    with pytest.raises(Exception, match="no address"):
        platform.customers.set_default_address(bob.id, address.id)


def test_real_argon2_costs_are_the_default_and_old_hashes_are_upgraded() -> None:
    cheap, strong = Passwords(memory_kib=32, time_cost=1), Passwords()
    old = cheap.hash(PASSWORD)
    assert strong.matches(old, PASSWORD) and strong.needs_rehash(old)
    assert "m=65536,t=3" in strong.hash(PASSWORD)
    assert not strong.matches(None, PASSWORD)
