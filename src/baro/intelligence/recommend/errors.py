"""What can go wrong when recommending.

::

    RecommendError              anything about the input of a recommender; the message says what
    ├── InvalidRecommendSettings a parameter that cannot work (a decay outside (0, 1], …)
    └── NotEnoughHistory        nothing to learn the blend from

Frames with a missing column or a wrong type raise ``replenish.InvalidOrders``: the frames
are the same. Not ``DomainError``s: the bench and the planner ask, never a customer over HTTP.
"""

from __future__ import annotations

from typing import ClassVar

from baro.intelligence.replenish.errors import ReplenishError


class RecommendError(ReplenishError):
    """An input the recommenders cannot use; ``code`` is stable, ``message`` is for people."""

    code: ClassVar[str] = "recommend_error"


class InvalidRecommendSettings(RecommendError):
    code = "invalid_recommend_settings"


class NotEnoughHistory(RecommendError):
    code = "not_enough_history"
