"""Money: integer minor units, exact splits, no mixing of currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baro.core.money import CurrencyMismatch, InvalidMoney, Money, total

amounts = st.integers(min_value=-(10**15), max_value=10**15)
weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20).filter(
    lambda ws: sum(ws) > 0
)


@given(amounts, weights)
def test_allocation_adds_back_to_exactly_the_total(minor: int, parts: list[int]) -> None:
    shares = Money(minor, "USD").allocate(parts)
    assert sum(s.minor for s in shares) == minor
    assert all(s.currency == "USD" for s in shares)


@given(st.integers(min_value=0, max_value=10**12), weights)
def test_allocation_is_fair_to_within_one_minor_unit(minor: int, parts: list[int]) -> None:
    shares = Money(minor, "KRW").allocate(parts)
    for share, weight in zip(shares, parts, strict=True):
        exact = Decimal(minor) * weight / sum(parts)
        assert abs(Decimal(share.minor) - exact) < 1


@given(amounts, amounts)
def test_addition_and_subtraction_are_exact(a: int, b: int) -> None:
    assert (Money(a, "BRL") + Money(b, "BRL")).minor == a + b
    assert (Money(a, "BRL") - Money(b, "BRL") + Money(b, "BRL")) == Money(a, "BRL")


def test_currencies_have_their_own_minor_units() -> None:
    assert Money.of("11.90", "USD") == Money(1190, "USD")
    assert Money.of("1190", "KRW") == Money(1190, "KRW")
    assert Money.of("1.234", "JOD").minor == 1234
    assert Money(1190, "KRW").amount == Decimal(1190)
    assert Money(1190, "USD").format() == "$11.90"


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        Money(100, "USD") + Money(100, "KRW")
    with pytest.raises(CurrencyMismatch):
        total([Money(1, "USD")], "BRL")


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.5", "KRW"), ("0.001", "USD"), ("abc", "USD"), ("1", "XYZ")]
)
def test_invalid_amounts_are_refused(amount: str, currency: str) -> None:
    with pytest.raises(InvalidMoney):
        Money.of(amount, currency)


def test_floats_are_not_money() -> None:
    with pytest.raises(InvalidMoney):
        Money(11.9, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidMoney):
        Money(1, "USD") * 1.5  # type: ignore[operator]
