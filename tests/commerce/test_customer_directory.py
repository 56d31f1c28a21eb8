"""The operators' customer directory: newest first, personal data masked at the source."""

from __future__ import annotations

import pytest

from baro.commerce.customers import CustomerDirectory
from baro.commerce.customers.directory import mask_email, mask_name
from baro.platform import Platform
from tests.builders import shopper


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("joana@example.com", "j***@example.com"),
        ("j@example.com", "j***@example.com"),
        ("JOANA.SILVA+shop@mail.example.com.br", "J***@mail.example.com.br"),
    ],
)
def test_an_email_keeps_its_first_letter_and_its_domain(email: str, masked: str) -> None:
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("Joana Maria Silva", "Joana S."), ("Joana", "Joana"), ("  김 민준 ", "김 민.")],
)
def test_a_name_keeps_its_first_word_and_last_initial(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_a_listing_shows_city_and_card_hint_only(platform: Platform) -> None:
    ana_id = shopper(platform, "Ana Souza").customer_id
    bia_id = platform.customers.register("Bia Lima", "bia.lima@example.org").customer.id

    listed = CustomerDirectory(platform.db).page()

    by_id = {c.id: c for c in listed}
    ana, bia = by_id[ana_id], by_id[bia_id]
    assert (bia.name, bia.email, bia.city, bia.card_brand, bia.card_last4) == (
        "Bia L.",
        "b***@example.org",
        None,
        None,
        None,
    )
    assert (ana.name, ana.city, ana.card_brand, ana.card_last4) == (
        "Ana S.",
        "São Paulo",
        "visa",
        "4242",
    )
    assert ana.email.startswith("a***@") and "ana souza" not in repr(listed).lower()
    assert "Rua 1" not in repr(listed) and "01001" not in repr(listed)


def test_pages_go_newest_first_and_follow_on_from_the_last_id(platform: Platform) -> None:
    """Ids sort by creation time (two made in one millisecond may tie on time, not order)."""
    ids = [platform.customers.register(f"C{n}", f"c{n}@example.com").customer.id for n in range(3)]
    directory = CustomerDirectory(platform.db)

    first = directory.page(limit=2)
    second = directory.page(limit=2, before=first[-1].id)

    assert [c.id for c in first + second] == sorted(ids, reverse=True)
