"""Box choice by dimensions and weight, and the scale's tolerance."""

from __future__ import annotations

import pytest

from baro.fulfillment import (
    BOXES,
    Item,
    NoBoxFits,
    Tolerance,
    WeightMismatch,
    check_weight,
    choose_box,
)

BOTTLE = Item("prd_b", "B", weight_g=500, length_cm=30, width_cm=10, height_cm=10)
CARD = Item("prd_c", "C", weight_g=50, length_cm=15, width_cm=10, height_cm=1)


def test_the_smallest_box_that_holds_the_items_is_chosen() -> None:
    assert choose_box([(CARD, 1)]).name == "S"
    # 30 cm does not fit S's 25 cm side; M (35 x 25 x 15) takes it
    assert choose_box([(BOTTLE, 1)]).name == "M"


def test_volume_at_the_fill_share_moves_up_a_box() -> None:
    """M (13,125 cm³) takes 10,500 cm³ at 80 % fill: three bottles (9,000) fit, four
    (12,000) need L."""
    assert choose_box([(BOTTLE, 3)]).name == "M"
    assert choose_box([(BOTTLE, 4)]).name == "L"


def test_an_item_longer_than_every_box_fits_none() -> None:
    pole = Item("prd_p", "P", 900, 120, 5, 5)
    with pytest.raises(NoBoxFits, match="fit none"):
        choose_box([(pole, 1)])


def test_too_heavy_for_the_box_moves_up() -> None:
    brick = Item("prd_k", "K", 1_000, 10, 10, 5)
    assert choose_box([(brick, 1)], BOXES).name == "S"
    assert choose_box([(brick, 2)], BOXES).name == "M"  # 2,060 g passes S's 2,000 g


def test_weight_within_tolerance_passes_and_just_outside_fails() -> None:
    tolerance = Tolerance(grams=20, share=0.03)
    check_weight(1_000, 1_030, tolerance)  # 3 % of 1,000 is 30 g
    with pytest.raises(WeightMismatch, match="expected 1,000 g ± 30 g"):
        check_weight(1_000, 1_031, tolerance)
    check_weight(100, 80, tolerance)  # the 20 g floor for light parcels
    with pytest.raises(WeightMismatch):
        check_weight(100, 79, tolerance)
