"""When the matches of a search could reach the shopper: the delivery-promise facet.

The catalogue does not import delivery (capabilities stand beside each other): it asks an
``ArrivalEstimates`` for when a parcel from each facility holding matches would arrive at
the shopper's home, and ``platform.py`` hands it the promise engine's answer. A match
arrives as soon as the soonest facility holding it can deliver.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


class ArrivalEstimates(Protocol):
    def __call__(
        self, home: tuple[float, float], facilities: Mapping[str, tuple[float, float]]
    ) -> Mapping[str, datetime]:
        """By when a parcel from each facility (id: lat, lng) reaches ``home``, for those
        some delivery option reaches."""
        ...


@dataclass(frozen=True)
class ArrivalCount:
    """``count`` matches can arrive by the end of ``by`` (UTC)."""

    by: date
    count: int


def soonest(holders: Iterable[str], arrivals: Mapping[str, datetime]) -> datetime | None:
    """When a product held at ``holders`` (facility ids) arrives at the soonest."""
    return min((arrivals[f] for f in holders if f in arrivals), default=None)


def arrival_facet(arrives: Sequence[datetime | None]) -> tuple[ArrivalCount, ...]:
    """How many matches can arrive by each day one of them arrives, counting those of the
    days before (by Friday includes by Thursday); matches no option reaches are left out."""
    per_day = Counter(moment.date() for moment in arrives if moment is not None)
    running, counts = 0, []
    for day in sorted(per_day):
        running += per_day[day]
        counts.append(ArrivalCount(day, running))
    return tuple(counts)
