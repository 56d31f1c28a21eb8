"""Which facility ships which order line: a chain of small, swappable policies.

``AllocationChain`` keeps the facilities that pass every filter, orders them by the
sort policy and takes the first that can ship the *whole order*; failing that, each line
from the first that can ship the whole line; only when no single facility holds a line
is it split, nearest stock first. Pure logic: no database, testable alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from baro.core.errors import Conflict, InvalidRequest


class OutOfStock(Conflict):
    code = "out_of_stock"


class InvalidLine(InvalidRequest):
    code = "invalid_line"


@dataclass(frozen=True)
class Line:
    product_id: str
    quantity: int

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise InvalidLine(f"quantity must be at least 1, got {self.quantity}")


@dataclass(frozen=True)
class StockAt:
    """Stock of one product at one facility, as seen from one shipping address."""

    facility_id: str
    product_id: str
    available: int
    distance_km: float


@dataclass(frozen=True)
class Allocation:
    product_id: str
    facility_id: str
    quantity: int


class StockFilter(Protocol):
    def keep(self, stock: StockAt) -> bool: ...


class StockOrder(Protocol):
    def key(self, stock: StockAt) -> float: ...


@dataclass(frozen=True)
class HasStock:
    """Skip facilities with nothing left of the product."""

    def keep(self, stock: StockAt) -> bool:
        return stock.available > 0


@dataclass(frozen=True)
class WithinRange:
    """Skip facilities too far from the customer to keep the promise."""

    max_km: float

    def __post_init__(self) -> None:
        if self.max_km <= 0:
            raise ValueError(f"max_km must be positive, got {self.max_km}")

    def keep(self, stock: StockAt) -> bool:
        return stock.distance_km <= self.max_km


@dataclass(frozen=True)
class NearestFirst:
    """Closest facility first: the shortest last leg."""

    def key(self, stock: StockAt) -> float:
        return stock.distance_km


@dataclass(frozen=True)
class AllocationChain:
    filters: Sequence[StockFilter] = field(default_factory=lambda: (HasStock(),))
    order: StockOrder = field(default_factory=NearestFirst)

    def plan(
        self, lines: Sequence[Line], stock: Mapping[str, Sequence[StockAt]]
    ) -> list[Allocation]:
        """Allocations covering every line, or OutOfStock naming what is short."""
        usable = {
            product: sorted(
                (s for s in stock.get(product, ()) if all(f.keep(s) for f in self.filters)),
                key=self.order.key,
            )
            for product in {line.product_id for line in lines}
        }
        needed: dict[str, int] = {}
        for line in lines:
            needed[line.product_id] = needed.get(line.product_id, 0) + line.quantity
        for product, quantity in needed.items():
            _check_enough(product, quantity, usable[product])
        whole = _one_facility_for_all(needed, usable[lines[0].product_id], usable)
        if whole is not None:
            return [Allocation(line.product_id, whole, line.quantity) for line in lines]
        # Each line is planned on what the lines before it left: two lines of one product
        # (one product bought from two sellers) must not both count on the same units.
        left = {(s.facility_id, s.product_id): s.available for by in usable.values() for s in by}
        allocations: list[Allocation] = []
        for line in lines:
            allocations.extend(_allocate_line(line, usable[line.product_id], left))
        return allocations


def _check_enough(product: str, quantity: int, usable: Sequence[StockAt]) -> None:
    available = sum(s.available for s in usable)
    if available < quantity:
        raise OutOfStock(
            f"only {available} of product {product} available, {quantity} asked",
            product_id=product,
            available=available,
            requested=quantity,
        )


def _one_facility_for_all(
    needed: Mapping[str, int],
    candidates: Sequence[StockAt],
    usable: Mapping[str, Sequence[StockAt]],
) -> str | None:
    """The first candidate facility that holds everything ``needed``, or None."""
    for candidate in candidates:
        if all(
            any(
                s.facility_id == candidate.facility_id and s.available >= quantity
                for s in usable[product]
            )
            for product, quantity in needed.items()
        ):
            return candidate.facility_id
    return None


def _allocate_line(
    line: Line, usable: Sequence[StockAt], left: dict[tuple[str, str], int]
) -> list[Allocation]:
    """The line from the first facility that can ship it whole, else split nearest first;
    what it takes comes off ``left``. The caller has checked that enough is left."""
    whole = next((s for s in usable if left[(s.facility_id, s.product_id)] >= line.quantity), None)
    sources = [whole] if whole is not None else usable
    parts: list[Allocation] = []
    remaining = line.quantity
    for stock in sources:
        key = (stock.facility_id, stock.product_id)
        take = min(left[key], remaining)
        if take == 0:
            continue
        parts.append(Allocation(line.product_id, stock.facility_id, take))
        left[key] -= take
        remaining -= take
        if remaining == 0:
            break
    return parts
