"""Sandbox cards: test card numbers turned into sandbox tokens, as a real gateway's hosted
form would do in the shopper's browser. Sandbox only — a real gateway never lets a card
number reach baro, and this code neither stores nor logs the number it is given.

==================== ======================== ==============================
number               token                    the sandbox gateway then
==================== ======================== ==============================
4242 4242 4242 4242  ``tok_sandbox_visa``     succeeds
4000 0000 0000 0002  ``tok_sandbox_decline``  declines the authorization
4000 0000 0000 0119  ``tok_sandbox_timeout``  does not answer in time
any other valid card ``tok_sandbox_card_…``   succeeds
==================== ======================== ==============================
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from baro.commerce.payments.sandbox import DECLINES, SANDBOX_PREFIX, SUCCEEDS, TIMES_OUT
from baro.core.errors import InvalidRequest

_TEST_NUMBERS = {
    "4242424242424242": SUCCEEDS,
    "4000000000000002": DECLINES,
    "4000000000000119": TIMES_OUT,
}
# Issuer prefixes (IIN ranges) of the brands a shopper will recognise.
_BRANDS = (("4", "visa"), ("51", "mastercard"), ("52", "mastercard"), ("53", "mastercard"),
           ("54", "mastercard"), ("55", "mastercard"), ("2", "mastercard"), ("34", "amex"),
           ("37", "amex"), ("9", "local"))  # fmt: skip


class InvalidCard(InvalidRequest):
    """A card the sandbox cannot accept; ``field`` is ``number``, ``expiry`` or ``cvc``."""

    code = "invalid_card"

    @property
    def field(self) -> str:
        field: str = self.context["field"]
        return field


@dataclass(frozen=True)
class CardToken:
    """What baro keeps of a card: the gateway's token and what the shopper sees."""

    token: str
    brand: str
    last4: str


def tokenize_sandbox_card(
    number: str, exp_month: int, exp_year: int, cvc: str, *, today: date
) -> CardToken:
    digits = "".join(number.split()).replace("-", "")
    if not (12 <= len(digits) <= 19 and digits.isdigit() and _luhn_valid(digits)):
        raise InvalidCard("that is not a valid card number", field="number")
    if not (1 <= exp_month <= 12) or (exp_year, exp_month) < (today.year, today.month):
        raise InvalidCard("the card has expired or the expiry date is wrong", field="expiry")
    if exp_year > today.year + 20:
        raise InvalidCard("the expiry year is too far ahead", field="expiry")
    if not (cvc.isdigit() and len(cvc) in (3, 4)):
        raise InvalidCard("the security code is the 3 or 4 digits on the card", field="cvc")
    token = _TEST_NUMBERS.get(digits) or f"{SANDBOX_PREFIX}card_{secrets.token_hex(12)}"
    return CardToken(token=token, brand=_brand(digits), last4=digits[-4:])


def _brand(digits: str) -> str:
    return next((brand for prefix, brand in _BRANDS if digits.startswith(prefix)), "card")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
