"""Forms: what was typed, and what is wrong with it, field by field.

A route reads the posted fields (``Fields``), checks them, calls a service, and on any
complaint renders the same page again with ``FormState``: the input kept (never a
password or a card number) and each message beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from baro.core.errors import DomainError

from .rendering import gettext
from .security import CSRF_FIELD

MAX_FIELD = 1000  # longer than any of our fields: the rest is noise or an attack
NEVER_KEPT = frozenset({"password", "number", "cvc", CSRF_FIELD})
# What a shopper is told, by the service's error code, where the service's own message is
# written for developers (it quotes ids and numbers, in English).
FRIENDLY = {
    "out_of_stock": "Sorry, there is not enough stock left for that quantity.",
    "product_unavailable": "This product is no longer sold.",
    "product_not_found": "This product is no longer sold.",
    "payment_declined": "Your card was declined. Try another card.",
    "gateway_unavailable": "The payment service did not answer. Please try again.",
    "idempotency_key_in_flight": "Your order is still being placed. Check your orders.",
    "idempotency_key_reused": "This form was already used. Please press the button again.",
    "stock_contention": "Many people are buying this right now. Please try again.",
    "empty_cart": "Your cart is empty.",
    "cancel_window_closed": "The cancel window has closed.",
    "order_already_shipped": "This order has shipped and can no longer be cancelled.",
    "return_window_closed": "The return window has closed.",
    "order_not_returnable": "Only a delivered order can be returned.",
    "email_taken": "An account with this e-mail address already exists.",
    "delivery_option_unavailable": "That delivery option cannot reach you. Choose another.",
    "no_delivery_option": "No delivery option reaches your address.",
    "already_member": "They already have Prime benefits.",
    "household_full": "Your household is full.",
    "household_member_not_found": "Nobody has signed up with that e-mail address.",
    "no_default_payment_method": "Save a default card first.",
    "prime_no_price_in_currency": "This plan is not sold in that currency.",
    "prime_renewal_in_progress": "Your membership is being renewed right now. Try again.",
}


@dataclass
class FormState:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, fields: dict[str, str]) -> FormState:
        return cls({k: v for k, v in fields.items() if k not in NEVER_KEPT})

    def fail(self, request: Request, name: str, message: str) -> None:
        """``message`` (English; shown in the page's language) beside the field ``name``
        (``_form``: above the form)."""
        self.errors.setdefault(name, gettext(request, message))

    def refused(self, request: Request, error: DomainError, default: str = "_form") -> None:
        """A service's refusal, beside the field it names."""
        message = FRIENDLY.get(error.code, error.message)
        self.fail(request, str(error.context.get("field") or default), message)

    @property
    def ok(self) -> bool:
        return not self.errors


async def form_fields(request: Request) -> dict[str, str]:
    """The posted text fields (files and repeats dropped), each cut to ``MAX_FIELD``."""
    form = await request.form()
    return {k: v[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}


Fields = Annotated[dict[str, str], Depends(form_fields)]


def whole_number(
    state: FormState,
    request: Request,
    fields: dict[str, str],
    name: str,
    low: int,
    high: int,
    message: str,
) -> int:
    """``fields[name]`` as an int in [low, high]; else ``message`` beside it and ``low``."""
    text = fields.get(name, "").strip()
    if text.isdigit() and low <= int(text) <= high:
        return int(text)
    state.fail(request, name, message)
    return low
