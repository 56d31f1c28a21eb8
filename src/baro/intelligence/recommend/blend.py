"""The blend: candidates from every scorer, ranked by LightGBM on their scores.

Candidates for a customer are the union of each scorer's best (``BlendSettings``: the
customer's own products by buy-again, TIFU-KNN's, the closest customers', bought-together's,
trending's). Each
candidate carries every scorer's score and rank, and those of three views that offer no
candidates (``VIEWS``: bought together with the last basket above all, the share of the 100
closest customers who ever bought the product, a second TIFU-KNN with 7 groups, 300
neighbours and alpha 0.7), what the customer's history says of the
product (times bought, orders and days since), the product's popularity and repeat rate,
the customer's order count, basket size and repeat share, and the days since their last
order when the caller knows them (a page asked for now: now - last order) (``FEATURES``).

Learning: each of the customers' last ``training_targets`` orders is a target whose
products label its candidates; the scorers that make a target's features are fitted on the
orders before it (``orders_before``), so no feature has seen its label. Early stopping
watches the log loss (NDCG@10 with ``lambdarank``) on a share of the customers held out
by a stable hash (``hash_share``), never on the caller's evaluation targets, which the
caller cuts off before ``fit_blend``.
Serving: the scorers refitted on every order given, the ranker as learned. A customer the
history does not know gets trending (the cold start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from baro.intelligence.recommend.buy_again import BuyAgain
from baro.intelligence.recommend.copurchase import CoPurchase
from baro.intelligence.recommend.errors import InvalidRecommendSettings, NotEnoughHistory
from baro.intelligence.recommend.history import History
from baro.intelligence.recommend.scorer import Scorer, ranked, recommend, top_n
from baro.intelligence.recommend.tifu_knn import TifuKnn
from baro.intelligence.recommend.trending import Trending
from baro.intelligence.replenish.frames import hash_share, last_orders, orders_before
from baro.intelligence.replenish.settings import ReorderSettings

SCORERS = ("buy_again", "frequency", "tifu_knn", "neighbours", "copurchase", "trending")
# Other views of the same scorers, scores and ranks too, but offering no candidates: the
# ranker's evidence on what the candidates above offer (their columns come last).
VIEWS = ("copurchase_last", "neighbour_share", "tifu_wide")
FEATURES = (
    *SCORERS,
    *(f"{name}_rank" for name in SCORERS[:-1]),
    "bought",
    "orders_since",
    "days_since",
    "bought_share",
    "product_buyers",
    "product_repeat_rate",
    "customer_orders",
    "customer_basket",
    "customer_repeat_share",
    "rate_since_first",
    "recent_share",
    "median_interval",
    "cycle_due",
    "customer_mean_gap",
    "gap",
    "gap_vs_mean",
    "order_due",
    *VIEWS,
    *(f"{name}_rank" for name in VIEWS),
)
UNSEEN = 10_000.0  # orders or days since a product the customer never bought
RECENT_ORDERS = 5  # as in replenish: the orders counted as recent
CHUNK = 500
TOP = 10  # the list's head, where recall and explore recall are counted
# The least share of new products a customer's basket is taken to hold: a customer who has
# only ever bought again would otherwise make a new product's weight unbounded.
LEAST_NEW_SHARE = 0.1


@dataclass(frozen=True)
class BlendSettings:
    """How many candidates each scorer offers, how many past orders teach the ranker, the
    scorers' parameters (TIFU-KNN: the paper's Instacart defaults), and LightGBM's knobs
    (``ranker``: those of the reorder model; early stopping watches NDCG@10 either way).

    The objective, the number of training targets, ``close_neighbours`` (a second TIFU-KNN
    with only the 100 nearest customers' vectors) and the ranker's knobs were chosen on a
    validation split of training customers only (``docs/benchmarks.md``): ``binary`` with
    early stopping on the log loss was steadier than ``lambdarank`` on NDCG@10, which
    stopped after 8 rounds on Instacart. ``bags`` > 1 averages rankers early-stopped on
    different held-out customers (no gain there, so 1). ``last_basket_decay`` (bought
    together, weighted by the age of the customer's orders) and ``wide_tifu`` (the second
    TIFU-KNN's parameters) make ``VIEWS``; the views were kept on that split for Instacart's
    gain (Online Retail about even).

    ``explore_weights`` are the weights of explore recall the blend may try
    (``explore_weighted``); it keeps the one with the best explore recall@10 on its
    validation customers among those that give up at most ``recall_for_explore`` of their
    recall@10 (none: weight 0). The weights stop at 1, explore recall counted as much as
    recall itself: on the selection folds Instacart's validation customers chose 1.5 for
    a gain that was theirs alone, and 0.5 % rather than 1 % kept more recall there
    (``docs/benchmarks.md``)."""

    own_candidates: int = 60
    tifu_candidates: int = 40
    copurchase_candidates: int = 30
    trending_candidates: int = 20
    training_targets: int = 6
    buy_again_decay: float = 0.9
    tifu: dict[str, float] = field(default_factory=dict)
    objective: str = "binary"
    close_neighbours: int = 100
    last_basket_decay: float = 0.2
    wide_tifu: dict[str, float] = field(
        default_factory=lambda: {"neighbours": 300, "alpha": 0.7, "groups": 7, "group_decay": 0.8}
    )
    bags: int = 1
    explore_weights: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)
    recall_for_explore: float = 0.005
    ranker: ReorderSettings = field(
        default_factory=lambda: ReorderSettings(
            num_leaves=15,
            min_data_in_leaf=100,
            max_rounds=800,
            early_stopping_rounds=60,
            validation_share=0.2,
        )
    )

    def __post_init__(self) -> None:
        if self.objective not in ("lambdarank", "binary"):
            raise InvalidRecommendSettings(
                f"objective must be lambdarank or binary, not {self.objective!r}"
            )
        for name in (
            "own_candidates",
            "tifu_candidates",
            "copurchase_candidates",
            "trending_candidates",
            "training_targets",
            "bags",
        ):
            if getattr(self, name) < 1:
                raise InvalidRecommendSettings(
                    f"{name} must be at least 1, not {getattr(self, name)}"
                )
        if any(not weight >= 0 for weight in self.explore_weights):
            raise InvalidRecommendSettings(
                f"explore_weights must not be negative, not {self.explore_weights}"
            )
        if not 0 <= self.recall_for_explore < 1:
            raise InvalidRecommendSettings(
                f"recall_for_explore must be in [0, 1), not {self.recall_for_explore}"
            )

    def scorers(self) -> dict[str, Scorer]:
        return {
            "buy_again": BuyAgain(self.buy_again_decay),
            "frequency": BuyAgain(1.0),
            "tifu_knn": TifuKnn(**self.tifu),  # type: ignore[arg-type]
            # What the closest customers buy, without the customer's own vector; and (in the
            # same neighbour search, ``Fitted``) the share of them who ever bought each product.
            "neighbours": TifuKnn(neighbours=self.close_neighbours, alpha=0.0, shares=True),
            "copurchase": CoPurchase(),
            # Bought together with the last basket above all (its weight 1, the one before 0.2).
            "copurchase_last": CoPurchase(decay=self.last_basket_decay),
            # A second TIFU-KNN: more, shorter groups and more weight on the neighbours.
            "tifu_wide": TifuKnn(**self.wide_tifu),  # type: ignore[arg-type]
            "trending": Trending(),
        }


@dataclass(frozen=True)
class Fitted:
    """The scorers fitted on one history, with the per-product and per-pair facts."""

    history: History
    scorers: dict[str, Scorer]
    pairs: pl.DataFrame
    products: pl.DataFrame
    customers: pl.DataFrame

    @classmethod
    def on(cls, history: History, settings: BlendSettings) -> Fitted:
        scorers = {name: s.fit(history) for name, s in settings.scorers().items()}
        lines = history.lines
        pairs = (
            lines.sort("row", "col", "back", descending=[False, False, True])
            .group_by("row", "col")
            .agg(
                times=pl.len(),
                orders_since=pl.col("back").min().cast(pl.Float64),
                days_since=pl.col("days_ago").min().cast(pl.Float64),
                rate_since_first=(pl.len() / (pl.col("back").max() + 1)).cast(pl.Float64),
                recent=(pl.col("back") < RECENT_ORDERS).sum().cast(pl.Float64),
                median_interval=(-pl.col("days_ago").diff()).median().cast(pl.Float64),
            )
        )
        products = pairs.group_by("col").agg(
            product_buyers=pl.len().cast(pl.Float64),
            product_repeat_rate=(pl.col("times") > 1).mean(),
        )
        first = lines.group_by("row", "col").agg(pl.col("back").max()).rename({"back": "first"})
        customers = (
            lines.join(first, on=["row", "col"])
            .group_by("row")
            .agg(
                customer_orders=pl.col("n_orders").first().cast(pl.Float64),
                customer_basket=(pl.len() / pl.col("n_orders").first()).cast(pl.Float64),
                customer_repeat_share=(pl.col("back") < pl.col("first")).mean(),
                customer_mean_gap=(
                    pl.col("days_ago").max() / (pl.col("n_orders").first() - 1).clip(1)
                ).cast(pl.Float64),
            )
        )
        return cls(history, scorers, pairs, products, customers)

    def candidates(
        self, rows: np.ndarray, settings: BlendSettings, gaps: np.ndarray | None = None
    ) -> pl.DataFrame:
        """row, col and ``FEATURES`` for each customer row's candidates (``rows`` known),
        ``CHUNK`` customers at a time so that the neighbours' dense scores stay small.
        ``gaps``: days from each customer's last order to the request (NaN: unknown)."""
        if gaps is None:
            gaps = np.full(len(rows), np.nan)
        return pl.concat(
            [
                self._candidates(rows[start : start + CHUNK], gaps[start : start + CHUNK], settings)
                for start in range(0, max(len(rows), 1), CHUNK)
            ]
        )

    def _candidates(
        self, rows: np.ndarray, gaps: np.ndarray, settings: BlendSettings
    ) -> pl.DataFrame:
        scores = {name: s.scores(rows) for name, s in self.scorers.items() if name != "neighbours"}
        neighbours = self.scorers["neighbours"]
        assert isinstance(neighbours, TifuKnn)
        scores["neighbours"], scores["neighbour_share"] = neighbours.scores_and_shares(rows)
        offered = {
            "buy_again": settings.own_candidates,
            "tifu_knn": settings.tifu_candidates,
            "neighbours": settings.tifu_candidates,
            "copurchase": settings.copurchase_candidates,
            "trending": settings.trending_candidates,
        }
        local, cols = [], []
        for name, n in offered.items():
            r, c, _ = top_n(scores[name], n)
            local.append(r)
            cols.append(c)
        frame = (
            pl.DataFrame({"local": np.concatenate(local), "col": np.concatenate(cols)})
            .unique()
            .sort("local", "col")
        )
        at, col = frame["local"].to_numpy(), frame["col"].to_numpy()
        values = {
            name: np.asarray(matrix[at, col]).ravel() if frame.height else np.zeros(0)
            for name, matrix in scores.items()
        }
        trending = self.scorers["trending"]
        assert isinstance(trending, Trending)
        values["trending"] = trending.popularity[col]  # every product's, not only the best
        frame = frame.with_columns(
            row=pl.Series(rows[at]).cast(pl.Int32),
            col=pl.col("col").cast(pl.Int32),
            gap=pl.Series(np.asarray(gaps, dtype=np.float64)[at]).fill_nan(None),
            **{name: pl.Series(v, dtype=pl.Float64) for name, v in values.items()},
        ).with_columns(
            pl.col(name)
            .rank("ordinal", descending=True)
            .over("local")
            .cast(pl.Float64)
            .alias(f"{name}_rank")
            for name in (*SCORERS[:-1], *VIEWS)
        )
        return (
            frame.join(self.pairs, on=["row", "col"], how="left")
            .join(self.products, on="col", how="left")
            .join(self.customers, on="row", how="left")
            .with_columns(
                bought=pl.col("times").is_not_null().cast(pl.Float64),
                bought_share=(pl.col("times").fill_null(0) / pl.col("customer_orders")),
                orders_since=pl.col("orders_since").fill_null(UNSEEN),
                days_since=pl.col("days_since").fill_null(UNSEEN),
                product_buyers=pl.col("product_buyers").fill_null(0.0),
                product_repeat_rate=pl.col("product_repeat_rate").fill_null(0.0),
                rate_since_first=pl.col("rate_since_first").fill_null(0.0),
                recent_share=pl.col("recent").fill_null(0.0)
                / pl.col("customer_orders").clip(upper_bound=RECENT_ORDERS),
                cycle_due=(pl.col("days_since") + pl.col("gap"))
                / (pl.col("median_interval") + 1.0),
                gap_vs_mean=pl.col("gap") / (pl.col("customer_mean_gap") + 1.0),
                # orders since the last purchase over the customer's orders per purchase of it
                order_due=(pl.col("orders_since") + 1.0) * pl.col("rate_since_first"),
            )
            .drop("times", "local", "recent")
        )


@dataclass(frozen=True)
class Blend:
    """The fitted blend: the ranker, and the scorers fitted on every order it was given."""

    boosters: tuple[lgb.Booster, ...]
    serving: Fitted
    settings: BlendSettings
    training_rows: int
    validation_rows: int
    explore_weight: float = 0.0

    @property
    def rounds(self) -> list[int]:
        """Each bag's rounds (the best by early stopping)."""
        return [_rounds(b) for b in self.boosters]

    def score(self, candidates: pl.DataFrame) -> np.ndarray:
        """The mean of the bags' predictions for each candidate row."""
        features = _matrix(candidates)
        return np.asarray(np.mean([_predict(b, features) for b in self.boosters], axis=0))

    def recommend(
        self,
        customer_ids: list[int] | np.ndarray,
        n: int,
        gaps: list[float | None] | np.ndarray | None = None,
    ) -> pl.DataFrame:
        """customer_id, product_id, score, rank: each customer's ``n`` best products; a
        customer without history gets trending. ``gaps``: for each customer, the days since
        their last order as of the request (None or NaN: unknown, which the ranker allows)."""
        history = self.serving.history
        ids = np.asarray(customer_ids, dtype=np.int64)
        rows = history.rows(ids)
        days = (
            np.full(len(ids), np.nan)
            if gaps is None
            else np.array([np.nan if g is None else g for g in gaps], dtype=np.float64)
        )
        parts = []
        if (rows >= 0).any():
            known = rows[rows >= 0]
            rows_frame = self.serving.candidates(known, self.settings, days[rows >= 0])
            score = explore_weighted(self.score(rows_frame), rows_frame, self.explore_weight)
            best = (
                rows_frame.select("row", "col")
                .with_columns(score=pl.Series(score, dtype=pl.Float64))
                .sort(["row", "score", "col"], descending=[False, True, False])
                .group_by("row", maintain_order=True)
                .head(n)
            )
            parts.append(
                ranked(
                    history.customers[best["row"].to_numpy()],
                    history.products[best["col"].to_numpy()],
                    best["score"].to_numpy(),
                )
            )
        if (rows < 0).any():
            parts.append(recommend(self.serving.scorers["trending"], history, ids[rows < 0], n))
        if not parts:
            return ranked(np.empty(0), np.empty(0), np.empty(0))
        return pl.concat(parts)


def fit_blend(
    orders: pl.DataFrame, lines: pl.DataFrame, settings: BlendSettings | None = None
) -> Blend:
    """Learn the blend from the customers' own last orders; every order given may be read
    (an evaluating caller passes ``orders_before(orders, evaluation_targets)``)."""
    settings = settings or BlendSettings()
    examples = []
    for back in range(settings.training_targets):
        targets = last_orders(orders, back=back)
        if targets.is_empty():
            break
        fitted = Fitted.on(History.build(orders_before(orders, targets), lines), settings)
        timed = targets.join(
            orders.select("order_id", "days_since_prior"), on="order_id", how="left"
        )
        rows = fitted.history.rows(timed["customer_id"].to_numpy())
        gaps = timed["days_since_prior"].cast(pl.Float64).fill_null(np.nan).to_numpy()[rows >= 0]
        rows = rows[rows >= 0]
        if not len(rows):
            continue
        truth = _labels(fitted.history, targets, lines)
        example = (
            fitted.candidates(rows, settings, gaps)
            .join(truth, on=["row", "col"], how="left")
            .join(_target_sizes(fitted, targets, lines), on="row", how="left")
            .with_columns(
                label=pl.col("label").fill_null(0),
                level=pl.lit(back, pl.Int32),
            )
        )
        customers = fitted.history.customers[example["row"].to_numpy()]
        examples.append(example.with_columns(customer_id=pl.Series(customers)))
    labelled = pl.concat(examples) if examples else pl.DataFrame({"label": []})
    if labelled.is_empty() or labelled["label"].n_unique() < 2:
        raise NotEnoughHistory(
            f"{labelled.height} candidates with "
            f"{int(labelled['label'].sum()) if labelled.height else 0} bought: nothing to learn"
        )
    boosters, weight = [], 0.0
    for bag in range(settings.bags):
        train, valid = _split(labelled, settings.ranker, salt=f"validation{bag or ''}")
        boosters.append(_train(train, valid, settings.ranker, settings.objective))
        if bag == 0 and valid.height:
            probability = _predict(boosters[0], _matrix(valid))
            weight = choose_explore_weight(valid, probability, settings)
    serving = Fitted.on(History.build(orders, lines), settings)
    return Blend(tuple(boosters), serving, settings, train.height, valid.height, weight)


def explore_weighted(score: np.ndarray, candidates: pl.DataFrame, weight: float) -> np.ndarray:
    """Each candidate's score, a product new to the customer's multiplied by ``1 + weight /
    (1 - the customer's repeat share)``.

    Why: ranked by the probability of purchase, the head holds the products that add most
    to the expected recall, p / |basket|. Adding ``weight`` x the expected explore recall,
    p / |new products in the basket| for a new product, weighs a new one up by 1 + weight x
    |basket| / |new|, and the share of new products in a customer's baskets is about one
    minus their repeat share (at least ``LEAST_NEW_SHARE``)."""
    if weight == 0 or candidates.is_empty():
        return score
    new = candidates["bought"].to_numpy() == 0
    new_share = np.maximum(1 - candidates["customer_repeat_share"].to_numpy(), LEAST_NEW_SHARE)
    return np.where(new, score * (1 + weight / new_share), score)


def choose_explore_weight(
    targets: pl.DataFrame, probability: np.ndarray, settings: BlendSettings
) -> float:
    """The weight of ``settings.explore_weights`` with the best explore recall@10 over
    ``targets`` (labelled candidates: level, customer_id, label, bought, target_size,
    target_new, customer_repeat_share) among those keeping ``1 - recall_for_explore`` of
    weight 0's recall@10; ties to the smaller weight, and 0 when none gains."""
    if targets.is_empty():
        return 0.0
    plain_recall, plain_explore = _head_recall(targets, probability)
    floor = (1 - settings.recall_for_explore) * plain_recall
    best, best_explore = 0.0, plain_explore
    for weight in sorted(settings.explore_weights):
        recall, explore = _head_recall(targets, explore_weighted(probability, targets, weight))
        if recall >= floor and explore > best_explore:
            best, best_explore = weight, explore
    return best


def _head_recall(rows: pl.DataFrame, score: np.ndarray) -> tuple[float, float]:
    """Mean recall@``TOP`` and mean explore recall@``TOP`` over the targets in ``rows``
    (each target: one level of one customer) when each is ranked by ``score``."""
    head = (
        rows.select("level", "customer_id", "label", "bought", "target_size", "target_new")
        .with_columns(score=pl.Series(score, dtype=pl.Float64))
        .filter(
            pl.col("score").rank("ordinal", descending=True).over("level", "customer_id") <= TOP
        )
        .group_by("level", "customer_id")
        .agg(
            recall=pl.col("label").sum() / pl.col("target_size").first(),
            explore=pl.when(pl.col("target_new").first() > 0).then(
                (pl.col("label") * (pl.col("bought") == 0)).sum() / pl.col("target_new").first()
            ),
        )
        .select(pl.col("recall", "explore").mean().fill_null(0.0))
    )
    recall, explore = head.row(0)
    return float(recall), float(explore)


def _target_sizes(fitted: Fitted, targets: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """row, target_size (products in the customer's target) and target_new (those the
    customer had not bought before it)."""
    return (
        _target_products(fitted.history, targets, lines)
        .join(fitted.pairs.select("row", "col", repeat=pl.lit(1)), on=["row", "col"], how="left")
        .group_by("row")
        .agg(
            target_size=pl.len().cast(pl.Float64),
            target_new=pl.col("repeat").is_null().sum().cast(pl.Float64),
        )
    )


def _target_products(history: History, targets: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """row, col: each product of each target of a customer the history knows (col -1 for a
    product the history has never seen)."""
    bought = targets.join(lines.select("order_id", "product_id").unique(), on="order_id")
    rows = history.rows(bought["customer_id"].to_numpy())
    product = bought["product_id"].cast(pl.Int64).to_numpy()
    col = np.searchsorted(history.products, product).clip(0, max(len(history.products) - 1, 0))
    named = history.products[col] == product if len(history.products) else rows < -1
    known = rows >= 0
    return pl.DataFrame(
        {"row": rows[known], "col": np.where(named, col, -1)[known]},
        schema={"row": pl.Int32, "col": pl.Int32},
    )


def _labels(history: History, targets: pl.DataFrame, lines: pl.DataFrame) -> pl.DataFrame:
    """row, col, label = 1 for each product of each target the history can name."""
    return (
        _target_products(history, targets, lines)
        .filter(pl.col("col") >= 0)
        .with_columns(label=pl.lit(1, pl.Int32))
    )


def _predict(booster: lgb.Booster, features: np.ndarray) -> np.ndarray:
    return np.asarray(booster.predict(features, num_iteration=_rounds(booster)), dtype=np.float64)


def _rounds(booster: lgb.Booster) -> int:
    return booster.best_iteration or booster.current_iteration()


def _split(
    rows: pl.DataFrame, settings: ReorderSettings, *, salt: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(training, validation) rows: ``validation_share`` of the customers by a stable hash."""
    held = hash_share(rows["customer_id"].unique().to_list(), settings.validation_share, salt=salt)
    rows = rows.sort("level", "customer_id")
    is_validation = rows["customer_id"].is_in(list(held))
    return rows.filter(~is_validation), rows.filter(is_validation)


def _train(
    train: pl.DataFrame, valid: pl.DataFrame, settings: ReorderSettings, objective: str
) -> lgb.Booster:
    parameters = settings.lightgbm(objective)
    data = lgb.Dataset(
        _matrix(train), label=train["label"].to_numpy(), group=_groups(train), free_raw_data=True
    )
    valid_sets: list[lgb.Dataset] = []
    callbacks: list[Callable[..., Any]] = []
    if valid.height and valid["label"].sum() > 0:
        valid_sets = [
            lgb.Dataset(
                _matrix(valid),
                label=valid["label"].to_numpy(),
                group=_groups(valid),
                reference=data,
            )
        ]
        callbacks = [lgb.early_stopping(settings.early_stopping_rounds, verbose=False)]
    return lgb.train(
        parameters,
        data,
        num_boost_round=settings.max_rounds,
        valid_sets=valid_sets,
        callbacks=callbacks,
    )


def _groups(rows: pl.DataFrame) -> np.ndarray:
    return rows.group_by("level", "customer_id", maintain_order=True).len()["len"].to_numpy()


def _matrix(rows: pl.DataFrame) -> np.ndarray:
    return rows.select(pl.col(FEATURES).cast(pl.Float64)).to_numpy()
