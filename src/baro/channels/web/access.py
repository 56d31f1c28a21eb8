"""Who may call which routes: customers act on their own things under /v1, operators act
through /v1/admin only (an operator key cannot read or cancel a customer's order)."""

from __future__ import annotations

from baro.commerce.customers import Forbidden, Principal


class CustomerKeyRequired(Forbidden):
    code = "customer_key_required"


def as_customer(principal: Principal) -> Principal:
    """The principal, if it is a customer's; an operator's key is refused with a 403."""
    if principal.is_admin or principal.customer_id is None:
        raise CustomerKeyRequired(
            "this route acts for a customer: use a customer's API key "
            "(operators act through /v1/admin)"
        )
    return principal
