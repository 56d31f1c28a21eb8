"""Putaway: which bin a received item goes into. Each strategy is one small class behind
``Putaway``; the service asks it for a bin that takes all ``units`` and splits the units
when none does.

- ``RandomStow``: any bin with room by volume and weight; the system remembers where.
  Spreading a product over many bins keeps every bin full and puts each product near
  every picker (Amazon's random stow).
- ``DedicatedSlots``: each product has its own bins and goes nowhere else.
- ``ClassBased``: ABC by velocity, fast movers (A) in the bins nearest the pick stations.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol

from .domain import Bin, Item
from .errors import NoBinRoom

VelocityClass = Literal["A", "B", "C"]


class Putaway(Protocol):
    def choose(self, item: Item, units: int, bins: Sequence[Bin]) -> Bin | None:
        """A bin that takes all ``units`` of ``item``, or None when none of ``bins`` does."""
        ...


def place(putaway: Putaway, item: Item, units: int, bins: dict[str, Bin]) -> list[tuple[str, int]]:
    """Stow ``units`` of ``item`` into ``bins`` (updated in place), all in one bin the
    strategy chooses when one takes them, else halving the chunk until each part finds one;
    the (bin id, units) placed. Raises ``NoBinRoom`` when not even one unit fits."""
    placed: dict[str, int] = {}
    left, chunk = units, units
    while left:
        chunk = min(chunk, left)
        chosen = putaway.choose(item, chunk, list(bins.values()))
        if chosen is None:
            if chunk == 1:
                raise NoBinRoom(
                    f"no bin at this facility has room for one more {item.product_id} "
                    f"({item.volume_cm3:,} cm³, {item.weight_g:,} g); {left} of {units} unplaced"
                )
            chunk = max(1, chunk // 2)
            continue
        bins[chosen.id] = chosen.with_units(item, chunk)
        placed[chosen.id] = placed.get(chosen.id, 0) + chunk
        left -= chunk
    return sorted(placed.items())


class RandomStow:
    """Any bin with room, drawn from a seeded generator (the same seed, the same bins)."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - a layout draw, not a secret

    def choose(self, item: Item, units: int, bins: Sequence[Bin]) -> Bin | None:
        # Bins sorted by id, so the draw depends on the seed, not on the order of a query.
        able = sorted(
            (b for b in bins if b.dedicated_to is None and b.fits(item, units)), key=lambda b: b.id
        )
        return self._rng.choice(able) if able else None


class DedicatedSlots:
    """Only the product's own bins, filled in id order."""

    def choose(self, item: Item, units: int, bins: Sequence[Bin]) -> Bin | None:
        own = [b for b in bins if b.dedicated_to == item.product_id and b.fits(item, units)]
        return min(own, key=lambda b: b.id, default=None)


def abc_classes(
    velocity: Mapping[str, float], *, a_share: float = 0.8, b_share: float = 0.95
) -> dict[str, VelocityClass]:
    """Products by units picked per day: A make the first ``a_share`` of the picks, B up to
    ``b_share``, C the rest (the Pareto split warehouses use). Ties broken by product id."""
    if not 0 < a_share < b_share <= 1:
        raise ValueError(f"need 0 < a_share < b_share <= 1, got {a_share} and {b_share}")
    ranked = sorted(velocity.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(v for _, v in ranked)
    classes: dict[str, VelocityClass] = {}
    before = 0.0
    for product_id, units in ranked:
        # A product belongs to the band its first pick falls in.
        share = before / total if total else 1.0
        classes[product_id] = "A" if share < a_share else "B" if share < b_share else "C"
        before += units
    return classes


class ClassBased:
    """Bins ranked by distance to the pick stations and cut into bands (the nearest
    ``a_bins`` share for A, the next ``b_bins`` for B, the rest for C). A product goes to
    the nearest bin with room in its own band, then in the bands further out, and only then
    nearer in: a slow mover must not take a near bin while a far one has room."""

    def __init__(
        self,
        classes: Mapping[str, VelocityClass],
        *,
        a_bins: float = 0.2,
        b_bins: float = 0.3,
        default: VelocityClass = "C",
    ) -> None:
        if not (a_bins > 0 and b_bins > 0 and a_bins + b_bins < 1):
            raise ValueError(f"bands must be positive and leave room for C: {a_bins}, {b_bins}")
        self._classes = dict(classes)
        self._a, self._b = a_bins, b_bins
        self._default = default

    def choose(self, item: Item, units: int, bins: Sequence[Bin]) -> Bin | None:
        ranked = sorted(
            (b for b in bins if b.dedicated_to is None), key=lambda b: (b.station_distance, b.id)
        )
        n = len(ranked)
        cut_a, cut_b = round(n * self._a), round(n * (self._a + self._b))
        band = {"A": ranked[:cut_a], "B": ranked[cut_a:cut_b], "C": ranked[cut_b:]}
        order: dict[VelocityClass, tuple[VelocityClass, ...]] = {
            "A": ("A", "B", "C"),
            "B": ("B", "C", "A"),
            "C": ("C", "B", "A"),
        }
        for name in order[self._classes.get(item.product_id, self._default)]:
            for candidate in band[name]:
                if candidate.fits(item, units):
                    return candidate
        return None
