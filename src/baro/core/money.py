"""Money as integer minor units plus an ISO 4217 currency. No floats, ever.

``Money(minor=1190, currency="USD")`` is $11.90; ``Money(minor=1190, currency="KRW")`` is ₩1,190
(KRW has no minor unit). The number of decimals per currency comes from CLDR via Babel.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

from baro.core.errors import DomainError


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"


class InvalidMoney(DomainError):
    code = "invalid_money"


@cache
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_exponent(currency: str) -> int:
    """Decimals of the currency's minor unit: KRW 0, USD 2, BRL 2, JOD 3."""
    return int(get_currency_precision(currency))


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise InvalidMoney(f"money is integer minor units, got {self.minor!r}")
        if self.currency not in _known_currencies():
            raise InvalidMoney(f"unknown ISO 4217 currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """Parse a decimal amount in major units (``"11.90"``); refuses sub-minor precision."""
        try:
            value = Decimal(str(amount))
        except InvalidOperation as error:
            raise InvalidMoney(f"{amount!r} is not a decimal amount") from error
        minor = value.scaleb(currency_exponent(currency))
        if minor != minor.to_integral_value():
            raise InvalidMoney(f"{amount} {currency} has more decimals than the currency allows")
        return cls(int(minor), currency)

    @property
    def amount(self) -> Decimal:
        """The value in major units, exact."""
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, int):
            raise InvalidMoney(f"money can only be multiplied by a whole number, not {factor!r}")
        return Money(self.minor * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.minor <= other.minor

    def allocate(self, weights: Sequence[int]) -> list[Money]:
        """Split by whole-number weights so that the parts add back to exactly this amount.

        Remainders go, one minor unit each, to the parts with the largest fractional share
        (largest remainder method), ties to the earlier part.
        """
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise InvalidMoney(f"cannot allocate over weights {list(weights)}")
        total = sum(weights)
        sign = -1 if self.minor < 0 else 1
        magnitude = abs(self.minor)
        shares = [divmod(magnitude * w, total) for w in weights]
        parts = [q for q, _ in shares]
        leftover = magnitude - sum(parts)
        by_remainder = sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))
        for index in by_remainder[:leftover]:
            parts[index] += 1
        return [Money(sign * p, self.currency) for p in parts]

    def format(self, locale: str = "en_US") -> str:
        return str(format_currency(self.amount, self.currency, locale=locale))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def total(amounts: Iterable[Money], currency: str) -> Money:
    """Sum that is well defined for an empty sequence."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
