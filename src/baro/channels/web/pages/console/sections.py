"""The console's sections: one entry per page group, in the order of the navigation.

A capability that brings its own console pages (returns, drones, the twin's reports) writes
a module here with an ``APIRouter`` of its routes (paths relative to /ops) and adds one
``ConsoleSection`` to ``SECTIONS``. The console mounts every section's router behind the
operator check and the CSRF check, and builds its navigation from this list: a section
cannot forget either check, and nothing else changes to add one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fastapi import APIRouter

from . import (
    anticipation,
    customers,
    delivery,
    devices,
    feed,
    fulfillment,
    home_rows,
    inventory,
    orders,
    prime,
    replenishment,
)


@dataclass(frozen=True)
class ConsoleSection:
    title: str  # English; the navigation translates it like any page text
    path: str  # the navigation's link, relative to /ops ("" for /ops itself)
    router: APIRouter
    order: int  # smaller comes first in the navigation

    def __post_init__(self) -> None:
        if self.path and not self.path.startswith("/"):
            raise ValueError(f"a section's path starts with '/', got {self.path!r}")

    @property
    def href(self) -> str:
        return "/ops" + self.path


def ordered(sections: tuple[ConsoleSection, ...]) -> tuple[ConsoleSection, ...]:
    """By ``order``; two sections may not share a path or a title (the nav would be ambiguous)."""
    for attribute in ("path", "title"):
        values = [getattr(section, attribute) for section in sections]
        if len(set(values)) != len(values):
            raise ValueError(f"two console sections share a {attribute}: {sorted(values)}")
    return tuple(sorted(sections, key=lambda section: section.order))


SECTIONS: Final = ordered(
    (
        ConsoleSection("Live feed", "", feed.router, order=10),
        ConsoleSection("Orders", "/orders", orders.router, order=20),
        ConsoleSection("Inventory", "/inventory", inventory.router, order=30),
        ConsoleSection("Fulfillment", "/fulfillment", fulfillment.router, order=33),
        ConsoleSection("Customers", "/customers", customers.router, order=40),
        ConsoleSection("Delivery", "/delivery", delivery.router, order=35),
        ConsoleSection("Anticipation", "/anticipation", anticipation.router, order=37),
        ConsoleSection("Devices", "/devices", devices.router, order=38),
        ConsoleSection("Home pages", "/home-pages", home_rows.router, order=42),
        ConsoleSection("Replenishment", "/replenishment", replenishment.router, order=39),
        ConsoleSection("Prime", "/prime", prime.router, order=41),
    )
)
