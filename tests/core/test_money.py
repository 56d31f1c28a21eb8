"""Money: integer minor units, exact splits, no mixing of currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baro.core.money import CurrencyMismatch, InvalidMoney, Money, currency_exponent, total

amounts = st.integers(min_value=-(10**15), max_value=10**15)
weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20).filter(
    lambda ws: sum(ws) > 0
)


def test_errors_have_stable_codes() -> None:
    assert CurrencyMismatch.code == "currency_mismatch"
    assert InvalidMoney.code == "invalid_money"


# --- currencies and their minor units ---------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "exponent"), [("KRW", 0), ("JPY", 0), ("USD", 2), ("BRL", 2), ("JOD", 3)]
)
def test_each_currency_has_its_own_number_of_decimals(currency: str, exponent: int) -> None:
    assert currency_exponent(currency) == exponent


def test_currencies_have_their_own_minor_units() -> None:
    assert Money.of("11.90", "USD") == Money(1190, "USD")
    assert Money.of("1190", "KRW") == Money(1190, "KRW")
    assert Money.of("1.234", "JOD").minor == 1234
    assert Money(1190, "KRW").amount == Decimal(1190)
    assert Money(1190, "USD").format() == "$11.90"


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("11.90", "USD", 1190),
        ("11.9", "USD", 1190),
        ("1.500", "USD", 150),  # trailing zeros are not extra precision
        ("-0.50", "USD", -50),
        (" 3 ", "USD", 300),
        (7, "BRL", 700),
        (Decimal("0.01"), "USD", 1),
        ("1e2", "USD", 10_000),
        ("1190", "KRW", 1190),
        ("0.001", "JOD", 1),
    ],
)
def test_of_parses_major_units(amount: str | int | Decimal, currency: str, minor: int) -> None:
    assert Money.of(amount, currency) == Money(minor, currency)


def test_amount_is_the_exact_value_in_major_units() -> None:
    assert Money(1190, "USD").amount == Decimal("11.90")
    assert str(Money(1190, "USD").amount) == "11.90"
    assert str(Money(-5, "JOD").amount) == "-0.005"
    assert str(Money(1190, "KRW").amount) == "1190"


def test_str_shows_the_amount_and_the_currency() -> None:
    assert str(Money(1190, "USD")) == "11.90 USD"
    assert str(Money(5, "USD")) == "0.05 USD"
    assert str(Money(0, "KRW")) == "0 KRW"


@pytest.mark.parametrize(
    ("money", "locale", "shown"),
    [
        (Money(1190, "USD"), None, "$11.90"),
        (Money(-1190, "USD"), None, "-$11.90"),
        (Money(-1234, "JOD"), None, "-JOD1.234"),
        (Money(1190, "BRL"), "pt_BR", "R$\xa011,90"),
        (Money(1190, "KRW"), "ko_KR", "₩1,190"),
        (Money(123456, "USD"), "de_DE", "1.234,56\xa0$"),
    ],
)
def test_format_follows_the_locale(money: Money, locale: str | None, shown: str) -> None:
    assert (money.format() if locale is None else money.format(locale)) == shown


# --- refusing what is not money ---------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "message"),
    [
        ("1.5", "KRW", "1.5 KRW has more decimals than the currency allows"),
        ("0.001", "USD", "0.001 USD has more decimals than the currency allows"),
        ("abc", "USD", "'abc' is not a decimal amount"),
        ("1", "XYZ", "unknown ISO 4217 currency 'XYZ'"),
    ],
)
def test_invalid_amounts_are_refused(amount: str, currency: str, message: str) -> None:
    with pytest.raises(InvalidMoney) as refused:
        Money.of(amount, currency)
    assert refused.value.code == "invalid_money"
    assert refused.value.message == message


def test_floats_are_not_money() -> None:
    with pytest.raises(InvalidMoney, match=r"^money is integer minor units, got 11\.9$"):
        Money(11.9, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidMoney, match=r"^money is integer minor units, got True$"):
        Money(True, "USD")
    with pytest.raises(
        InvalidMoney, match=r"^money can only be multiplied by a whole number, not 1\.5$"
    ):
        Money(1, "USD") * 1.5  # type: ignore[operator]


def test_a_boolean_is_not_a_whole_number_factor() -> None:
    with pytest.raises(
        InvalidMoney, match=r"^money can only be multiplied by a whole number, not True$"
    ):
        Money(1, "USD") * True


def test_an_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidMoney, match=r"^unknown ISO 4217 currency 'usd'$"):
        Money(1, "usd")


# --- arithmetic --------------------------------------------------------------------------


@given(amounts, amounts)
def test_addition_and_subtraction_are_exact(a: int, b: int) -> None:
    assert (Money(a, "BRL") + Money(b, "BRL")).minor == a + b
    assert (Money(a, "BRL") - Money(b, "BRL") + Money(b, "BRL")) == Money(a, "BRL")


def test_arithmetic_keeps_the_currency() -> None:
    assert Money(1190, "USD") + Money(10, "USD") == Money(1200, "USD")
    assert Money(1190, "USD") - Money(1200, "USD") == Money(-10, "USD")
    assert Money(1190, "USD") * 3 == Money(3570, "USD")
    assert 3 * Money(1190, "USD") == Money(3570, "USD")
    assert Money(1190, "USD") * 0 == Money(0, "USD")
    assert -Money(1190, "USD") == Money(-1190, "USD")
    assert -Money(-5, "JOD") == Money(5, "JOD")


def test_zero_is_nothing_in_that_currency() -> None:
    assert Money.zero("KRW") == Money(0, "KRW")


def test_comparisons_are_by_amount_within_one_currency() -> None:
    small, large = Money(100, "USD"), Money(101, "USD")
    assert small < large
    assert not large < small
    assert not small < Money(100, "USD")
    assert small <= large
    assert small <= Money(100, "USD")
    assert not large <= small


def test_total_adds_every_amount_and_is_zero_for_none() -> None:
    assert total([Money(1, "USD"), Money(20, "USD"), Money(300, "USD")], "USD") == Money(321, "USD")
    assert total([], "KRW") == Money(0, "KRW")


def test_mixing_currencies_raises() -> None:
    with pytest.raises(CurrencyMismatch, match=r"^cannot combine USD with KRW$") as mixed:
        Money(100, "USD") + Money(100, "KRW")
    assert mixed.value.code == "currency_mismatch"
    with pytest.raises(CurrencyMismatch, match=r"^cannot combine BRL with USD$"):
        total([Money(1, "USD")], "BRL")


@pytest.mark.parametrize(
    "combine",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
    ],
    ids=["add", "subtract", "less", "less-or-equal"],
)
def test_every_combination_refuses_two_currencies(combine: object) -> None:
    with pytest.raises(CurrencyMismatch, match=r"^cannot combine USD with BRL$"):
        combine(Money(1, "USD"), Money(1, "BRL"))  # type: ignore[operator]


# --- splits ------------------------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("minor", "parts", "shares"),
    [
        (10, [1, 1, 1], [4, 3, 3]),  # a tie: the earlier part gets the leftover unit
        (-10, [1, 1, 1], [-4, -3, -3]),  # a refund splits like a charge, signs kept
        (100, [3, 3, 3, 1], [30, 30, 30, 10]),
        (5, [1, 0, 1], [3, 0, 2]),  # a zero weight gets nothing
        (7, [1, 2], [2, 5]),  # the largest remainder (2/3 > 1/3) gets the unit
        (0, [1, 2], [0, 0]),
    ],
)
def test_allocation_gives_leftover_units_by_largest_remainder(
    minor: int, parts: list[int], shares: list[int]
) -> None:
    assert Money(minor, "USD").allocate(parts) == [Money(s, "USD") for s in shares]


@pytest.mark.parametrize("parts", [[], [0, 0], [-1, 2], [2, -1]])
def test_allocation_needs_whole_non_negative_weights(parts: list[int]) -> None:
    with pytest.raises(InvalidMoney) as refused:
        Money(100, "USD").allocate(parts)
    assert refused.value.message == f"cannot allocate over weights {parts}"


def test_allocation_over_a_tuple_names_the_weights_as_a_list() -> None:
    with pytest.raises(InvalidMoney, match=r"^cannot allocate over weights \[0\]$"):
        Money(100, "USD").allocate((0,))
