"""How the reorder model is trained: checked on construction."""

from __future__ import annotations

from dataclasses import dataclass

from baro.intelligence.replenish.errors import InvalidSettings


@dataclass(frozen=True)
class ReorderSettings:
    """LightGBM's knobs, the share of training customers kept for early stopping, and threads.

    Two threads by default: the bench's budget is two cores, and a fixed seed with
    ``deterministic`` gives the same model on every run.
    """

    learning_rate: float = 0.05
    num_leaves: int = 31
    min_data_in_leaf: int = 50
    max_rounds: int = 1000
    early_stopping_rounds: int = 30
    validation_share: float = 0.1
    threads: int = 2
    seed: int = 7

    def __post_init__(self) -> None:
        if not 0 < self.learning_rate <= 1:
            raise InvalidSettings(f"learning_rate must be in (0, 1], not {self.learning_rate}")
        if not 0 <= self.validation_share < 1:
            raise InvalidSettings(
                f"validation_share must be in [0, 1), not {self.validation_share}"
            )
        for name in ("num_leaves", "min_data_in_leaf", "max_rounds", "threads"):
            if getattr(self, name) < 1:
                raise InvalidSettings(f"{name} must be at least 1, not {getattr(self, name)}")

    def lightgbm(self, objective: str = "binary") -> dict[str, object]:
        """LightGBM's parameters for these settings: the reorder model's and the home page
        blend's (they share the knobs; only the objective and its metric differ)."""
        return {
            "objective": objective,
            # NDCG@10 on a few hundred customers jumps from round to round; the log loss
            # is smooth.
            "metric": "ndcg" if objective == "lambdarank" else "binary_logloss",
            "eval_at": [10],
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.9,
            "bagging_freq": 1,
            "num_threads": self.threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }
