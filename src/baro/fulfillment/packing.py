"""Packing: the smallest box that holds the order, and the scale's check of the parcel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .domain import Item
from .errors import NoBoxFits, WeightMismatch

# Loose items do not fill a box like water: keep this share of its volume for air and dunnage.
FILL = 0.8


@dataclass(frozen=True)
class Box:
    name: str
    length_cm: int
    width_cm: int
    height_cm: int
    tare_g: int
    max_weight_g: int

    def __post_init__(self) -> None:
        if min(self.length_cm, self.width_cm, self.height_cm, self.max_weight_g) <= 0:
            raise ValueError(f"box {self.name} needs positive sides and weight limit")

    @property
    def volume_cm3(self) -> int:
        return self.length_cm * self.width_cm * self.height_cm

    @property
    def sides(self) -> tuple[int, ...]:
        return tuple(sorted((self.length_cm, self.width_cm, self.height_cm), reverse=True))


# A small catalogue, smallest first: a mailer, three cartons.
BOXES: tuple[Box, ...] = (
    Box("S", 25, 18, 8, tare_g=60, max_weight_g=2_000),
    Box("M", 35, 25, 15, tare_g=150, max_weight_g=10_000),
    Box("L", 50, 40, 30, tare_g=400, max_weight_g=20_000),
    Box("XL", 70, 50, 50, tare_g=900, max_weight_g=30_000),
)


def choose_box(contents: Sequence[tuple[Item, int]], boxes: Sequence[Box] = BOXES) -> Box:
    """The smallest box whose sides take the largest item (turned as needed), whose volume
    takes every unit at ``FILL``, and whose limit takes their weight."""
    if not contents:
        raise NoBoxFits("nothing to pack")
    volume = sum(item.volume_cm3 * units for item, units in contents)
    weight = sum(item.weight_g * units for item, units in contents)
    for box in sorted(boxes, key=lambda b: (b.volume_cm3, b.name)):
        sides_fit = all(
            all(i <= b for i, b in zip(item.sides, box.sides, strict=True)) for item, _ in contents
        )
        if (
            sides_fit
            and volume <= box.volume_cm3 * FILL
            and weight + box.tare_g <= box.max_weight_g
        ):
            return box
    raise NoBoxFits(f"{volume:,} cm³ and {weight:,} g fit none of the {len(boxes)} boxes")


@dataclass(frozen=True)
class Tolerance:
    """How far the scale may differ from the expected weight: the larger of ``grams`` and
    ``share`` of the expected (scales and packing paper vary; a missing item does not)."""

    grams: int = 20
    share: float = 0.03

    def allowed(self, expected_g: int) -> int:
        return max(self.grams, round(expected_g * self.share))


def check_weight(expected_g: int, measured_g: int, tolerance: Tolerance) -> None:
    allowed = tolerance.allowed(expected_g)
    if abs(measured_g - expected_g) > allowed:
        raise WeightMismatch(
            f"the parcel weighs {measured_g:,} g; expected {expected_g:,} g ± {allowed:,} g",
            expected_g=expected_g,
            measured_g=measured_g,
        )
