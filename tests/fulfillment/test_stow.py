"""Putaway strategies, without a database: room by volume and weight, dedicated bins, ABC."""

from __future__ import annotations

import pytest

from baro.fulfillment import (
    Bin,
    ClassBased,
    DedicatedSlots,
    InvalidBin,
    Item,
    RandomStow,
    abc_classes,
)

MUG = Item("prd_mug", "MUG", weight_g=400, length_cm=10, width_cm=10, height_cm=10)  # 1,000 cm³


def shelf_bin(
    bin_id: str,
    *,
    volume: int = 10_000,
    weight: int = 5_000,
    distance: int = 0,
    dedicated_to: str | None = None,
) -> Bin:
    return Bin(
        bin_id, "fac_1", "A", volume, weight, station_distance=distance, dedicated_to=dedicated_to
    )


def test_random_stow_takes_only_bins_with_room_by_volume_and_weight() -> None:
    """Of three bins, one is too small and one too weak for 5 mugs: the third is chosen,
    whatever the seed."""
    bins = [
        shelf_bin("small", volume=4_999),
        shelf_bin("weak", weight=1_999),
        shelf_bin("roomy"),
    ]
    for seed in range(20):
        chosen = RandomStow(seed).choose(MUG, 5, bins)
        assert chosen is not None and chosen.id == "roomy"


def test_random_stow_with_exactly_enough_room_fits_and_one_more_does_not() -> None:
    full_but_one = shelf_bin("b", volume=10_000).with_units(MUG, 9)
    assert RandomStow(0).choose(MUG, 1, [full_but_one]) is not None
    assert RandomStow(0).choose(MUG, 2, [full_but_one]) is None


def test_random_stow_is_the_same_for_the_same_seed_and_spreads_over_bins() -> None:
    bins = [shelf_bin(f"b{i:02}") for i in range(20)]
    first = [RandomStow(7).choose(MUG, 1, bins) for _ in range(1)]
    again = [RandomStow(7).choose(MUG, 1, bins) for _ in range(1)]
    assert first == again
    stow = RandomStow(7)
    drawn = {stow.choose(MUG, 1, bins).id for _ in range(50)}  # type: ignore[union-attr]
    assert len(drawn) > 5


def test_random_stow_leaves_dedicated_bins_alone() -> None:
    bins = [shelf_bin("own", dedicated_to="prd_other")]
    assert RandomStow(0).choose(MUG, 1, bins) is None


def test_dedicated_slots_use_only_the_products_own_bins() -> None:
    bins = [
        shelf_bin("a-free"),
        shelf_bin("b-mug", dedicated_to="prd_mug"),
        shelf_bin("c-tea", dedicated_to="prd_tea"),
    ]
    chosen = DedicatedSlots().choose(MUG, 3, bins)
    assert chosen is not None and chosen.id == "b-mug"
    assert DedicatedSlots().choose(MUG, 11, bins) is None  # its own bin is too small


def test_abc_classes_split_by_share_of_picks() -> None:
    """80 % of the picks are A, up to 95 % B, the rest C (the first pick decides the band)."""
    velocity = {"fast": 80.0, "mid": 15.0, "slow": 4.0, "dead": 1.0}
    assert abc_classes(velocity) == {"fast": "A", "mid": "B", "slow": "C", "dead": "C"}


def test_class_based_puts_fast_movers_near_and_slow_movers_far() -> None:
    bins = [shelf_bin(f"d{d:02}", distance=d) for d in range(10)]  # A: 2 bins, B: 3, C: 5
    stow = ClassBased({"prd_mug": "A", "prd_slow": "C", "prd_mid": "B"})
    slow = Item("prd_slow", "SLOW", 400, 10, 10, 10)
    mid = Item("prd_mid", "MID", 400, 10, 10, 10)
    assert stow.choose(MUG, 1, bins).id == "d00"  # type: ignore[union-attr]
    assert stow.choose(mid, 1, bins).id == "d02"  # type: ignore[union-attr]
    assert stow.choose(slow, 1, bins).id == "d05"  # type: ignore[union-attr]


def test_class_based_overflows_outwards_before_inwards() -> None:
    """A slow mover whose band is full goes to B, not to the A bins by the stations."""
    bins = [shelf_bin(f"d{d:02}", distance=d, volume=1_000) for d in range(10)]
    bins = [b.with_units(MUG, 1) if b.station_distance >= 5 else b for b in bins]
    slow = Item("prd_slow", "SLOW", 400, 10, 10, 10)
    chosen = ClassBased({"prd_slow": "C"}).choose(slow, 1, bins)
    assert chosen is not None and chosen.id == "d02"


def test_a_bin_refuses_nonsense_on_construction() -> None:
    with pytest.raises(InvalidBin, match="positive volume"):
        shelf_bin("b", volume=0)
    with pytest.raises(InvalidBin, match="pod and its shelf"):
        Bin("b", "fac_1", "K", 1_000, 1_000, pod="pod-1")
