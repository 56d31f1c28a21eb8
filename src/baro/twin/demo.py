"""People for a demo world: a shopper and an operator who sign in to the web pages."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass

from baro.platform import Platform
from baro.twin.world import WorldManifest

SHOPPER_EMAIL = "shopper@demo.baro.example"
OPERATOR_EMAIL = "operator@demo.baro.example"
# Stripe-style sandbox test number: the sandbox gateway approves it (see payments.sandbox_cards).
TEST_CARD = "4242 4242 4242 4242"


@dataclass(frozen=True)
class DemoAccounts:
    shopper_email: str
    shopper_password: str
    operator_email: str
    operator_password: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def add_demo_accounts(platform: Platform, manifest: WorldManifest) -> DemoAccounts:
    """A shopper who lives where the world's first customer lives, with an address and a
    sandbox card, so that 1-Click works at once; and an operator for the console. Fresh
    random passwords each time: a demo left running on a network is not an open door."""
    shopper_password, operator_password = secrets.token_urlsafe(9), secrets.token_urlsafe(9)
    shopper = platform.accounts.sign_up(
        name="Demo Shopper", email=SHOPPER_EMAIL, password=shopper_password
    )
    home = manifest.customers[0]
    platform.customers.add_address(
        shopper.id,
        line1="Demo street 1",
        city=str(home["city"]),
        postcode="00001",
        country="BR",
        lat=float(home["lat"]),  # type: ignore[arg-type]
        lng=float(home["lng"]),  # type: ignore[arg-type]
    )
    next_year = platform.clock.now().year + 1
    platform.customers.add_sandbox_card(
        shopper.id, number=TEST_CARD, exp_month=12, exp_year=next_year, cvc="123"
    )
    platform.accounts.add_operator(
        name="Demo Operator", email=OPERATOR_EMAIL, password=operator_password
    )
    return DemoAccounts(SHOPPER_EMAIL, shopper_password, OPERATOR_EMAIL, operator_password)
