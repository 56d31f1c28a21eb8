"""``baro bench search``: each perturbation makes the mistake it names and no other, the
measures give known values, and the bench runs end to end on a small Instacart-shaped
catalogue, where baro finds what the plain full-text search cannot."""

from __future__ import annotations

import gzip
import json
import random
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baro.bench.search import SearchBenchConfig, capped_recall_at, ndcg_at, run
from baro.bench.search_queries import (
    ENGLISH,
    KOREAN,
    category_queries,
    jamo_typo,
    known_items,
    particle_appended,
    plural_singular,
    spacing_added,
    spacing_removed,
    typo_delete,
    typo_insert,
    typo_substitute,
    typo_transpose,
    word_dropped,
    words_swapped,
)
from baro.cli import app

PRODUCTS = [
    ("Organic Bananas", 1, 1),
    ("Bag of Organic Lemons", 1, 1),
    ("Strawberries", 1, 1),
    ("Honeycrisp Apples", 1, 1),
    ("Whole Milk", 2, 2),
    ("Organic Reduced Fat Milk", 2, 2),
    ("Greek Yogurt Plain", 3, 2),
    ("Sharp Cheddar Cheese Slices", 4, 2),
    ("Chocolate Sandwich Cookies", 5, 3),
    ("Sea Salt Potato Chips", 6, 3),
    ("Sparkling Water Grapefruit", 7, 4),
    ("Orange Juice No Pulp", 7, 4),
]
AISLES = {1: "fresh fruits", 2: "milk", 3: "yogurt", 4: "packaged cheese", 5: "cookies cakes",
          6: "chips pretzels", 7: "juice nectars"}  # fmt: skip
DEPARTMENTS = {1: "produce", 2: "dairy eggs", 3: "snacks", 4: "beverages"}


def instacart_dir(root: Path) -> Path:
    """A data folder with an Instacart-shaped catalogue of the products above."""
    folder = root / "instacart"
    folder.mkdir(parents=True)
    products = "product_id,product_name,aisle_id,department_id\n" + "".join(
        f'{n},"{name}",{aisle},{dept}\n' for n, (name, aisle, dept) in enumerate(PRODUCTS, 1)
    )
    (folder / "products.csv.gz").write_bytes(gzip.compress(products.encode()))
    orders = "order_id,product_id,add_to_cart_order,reordered\n" + "".join(
        f"{o},{p},1,0\n" for o, p in enumerate([1, 1, 1, 5, 5, 9], 1)
    )
    (folder / "order_products__prior.csv.gz").write_bytes(gzip.compress(orders.encode()))
    (folder / "aisles.csv").write_text(
        "aisle_id,aisle\n" + "".join(f"{k},{v}\n" for k, v in AISLES.items())
    )
    (folder / "departments.csv").write_text(
        "department_id,department\n" + "".join(f"{k},{v}\n" for k, v in DEPARTMENTS.items())
    )
    return root


def edits(a: str, b: str) -> int:
    """Levenshtein distance (a transposition counts two)."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


@pytest.mark.parametrize("seed", range(20))
def test_each_english_typo_is_one_edit_in_one_word_past_its_first_letter(seed: int) -> None:
    title = "Sharp Cheddar Cheese Slices"
    rng = random.Random(seed)
    for typo, distance in ((typo_insert, 1), (typo_delete, 1), (typo_substitute, 1)):
        mangled = typo(title, rng)
        assert mangled is not None and edits(title, mangled) == distance
        assert [w[0] for w in mangled.split()] == [w[0] for w in title.split()]
    swapped = typo_transpose(title, rng)
    assert swapped is not None and sorted(swapped) == sorted(title) and swapped != title


def test_word_changes_keep_the_rest_of_the_title() -> None:
    rng = random.Random(1)
    assert plural_singular("Strawberries", rng) == "Strawberry"
    assert plural_singular("Organic Bananas", random.Random(3)) in (
        "Organics Bananas",
        "Organic Banana",
    )
    assert _other_number_pairs() == [("Berry", "Berries"), ("Box", "Boxes"), ("Lemons", "Lemon")]
    dropped = word_dropped("Bag of Organic Lemons", rng)
    assert dropped is not None and len(dropped.split()) == 3
    assert word_dropped("Whole Milk", rng) is None  # too little left to know it by
    assert sorted(words_swapped("Whole Milk", rng).split()) == ["Milk", "Whole"]  # type: ignore[union-attr]


def _other_number_pairs() -> list[tuple[str, str]]:
    return [(w, plural_singular(w, random.Random(0)) or "") for w in ("Berry", "Box", "Lemons")]


def test_a_particle_follows_the_last_korean_word_as_grammar_wants() -> None:
    closed = {particle_appended("해담 유기농 딸기잼 500g", random.Random(s)) for s in range(40)}
    opened = {particle_appended("해담 유기농 우유 1L", random.Random(s)) for s in range(40)}

    assert closed == {f"해담 유기농 딸기잼{p} 500g" for p in ("을", "이", "은", "에서")}
    assert opened == {f"해담 유기농 우유{p} 1L" for p in ("를", "가", "는", "에서")}
    assert particle_appended("Whole Milk", random.Random(0)) is None


def test_spacing_is_removed_or_added_inside_a_korean_word() -> None:
    assert spacing_removed("해담 유기농 우유 1L", random.Random(0)) == "해담유기농우유1L"
    added = spacing_added("해담 유기농우유 1L", random.Random(0))
    assert added is not None and added.replace(" ", "") == "해담유기농우유1L"
    assert added.count(" ") == 3


@pytest.mark.parametrize("seed", range(20))
def test_a_jamo_typo_changes_one_vowel_of_one_syllable(seed: int) -> None:
    title = "해담 유기농 딸기잼 500g"
    mangled = jamo_typo(title, random.Random(seed))

    assert mangled is not None
    changed = [(a, b) for a, b in zip(title, mangled, strict=True) if a != b]
    assert len(changed) == 1
    before, after = (unicodedata.normalize("NFD", c) for c in changed[0])
    assert before[0] == after[0] and before[2:] == after[2:] and before[1] != after[1]


def test_query_sets_are_the_seeds_and_skip_what_a_perturbation_cannot_change() -> None:
    titles = [(f"p{n}", name) for n, (name, _a, _d) in enumerate(PRODUCTS)]

    first = known_items(titles, ENGLISH, "en", per_kind=5, seed=7)
    again = known_items(titles, ENGLISH, "en", per_kind=5, seed=7)
    other = known_items(titles, ENGLISH, "en", per_kind=5, seed=8)

    assert first == again and first != other
    dropped = [q for q in first if q.kind == "word_dropped"]
    assert len(dropped) == 5
    assert all(len(dict(titles)[q.product_id].split()) >= 3 for q in dropped)
    assert known_items(titles, KOREAN, "ko", per_kind=5, seed=7) == []  # no Korean titles
    assert [q.query for q in category_queries([("missing", "missing"), ("milk", "milk")])] == [
        "milk"
    ]


def test_measures_give_known_values() -> None:
    relevant = {"a", "b"}
    assert ndcg_at(["a", "b", "x"], relevant, 10) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], relevant, 10) == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625))
    assert ndcg_at(["x"], relevant, 10) == 0.0
    assert capped_recall_at(["a", "x"], relevant, 50) == 0.5
    assert capped_recall_at(["a"], {str(n) for n in range(100)} | {"a"}, 50) == 1 / 50


def test_the_bench_runs_end_to_end_and_baro_finds_what_plain_search_cannot(
    tmp_path: Path,
) -> None:
    data = instacart_dir(tmp_path / "data")
    result = run(SearchBenchConfig(data_dir=data, per_kind=4, latency_queries=20))

    assert result["catalogue"]["products"] == len(PRODUCTS)
    assert result["databases"]["postgresql"] == {"skipped": "no --postgres server given"}
    systems = result["databases"]["sqlite"]["systems"]
    baro, plain = systems["baro"], systems["plain"]
    for figures in (baro, plain, result["tantivy"]):
        assert 0 <= figures["ndcg_at_10"] <= 1 and figures["latency"]["queries"] == 20
    assert baro["known_item_recall_at_10"]["ko:particle"]["recall"] == 1.0
    assert plain["known_item_recall_at_10"]["ko:particle"]["recall"] == 0.0
    assert baro["known_item_recall_at_10"]["en:plural_singular"]["recall"] == 1.0
    assert set(result["verdict"]) == {"sqlite"}


def test_the_cli_writes_the_json_and_refuses_a_folder_without_instacart(tmp_path: Path) -> None:
    data = instacart_dir(tmp_path / "data")
    out = tmp_path / "search.json"
    runner = CliRunner()

    done = runner.invoke(
        app, ["bench", "search", "--data-dir", str(data), "--per-kind", "2", "--json", str(out)]
    )
    missing = runner.invoke(app, ["bench", "search", "--data-dir", str(tmp_path / "none")])

    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["bench"] == "search"
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    assert "instacart" in missing.output.lower()
