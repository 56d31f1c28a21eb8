"""The promise chain: every rule, from every origin, through capacity; pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from baro.delivery.promise.capacity import CapacityCheck, Unlimited
from baro.delivery.promise.model import Option, PromiseRequest, Quote, Refusal
from baro.delivery.promise.rules import Drone, InCar, Locker, ModeRule, SameDay, Standard, TwoDay
from baro.delivery.promise.timing import PromiseSettings


def default_rules() -> tuple[ModeRule, ...]:
    return (Standard(), TwoDay(), SameDay(), Drone(), Locker(), InCar())


def speed(option: Option) -> tuple[object, ...]:
    """Fastest first: the earliest end of window, then start, then the lower fee."""
    return (option.window_end, option.window_start, option.fee.minor, option.mode.value)


@dataclass(frozen=True)
class PromiseChain:
    rules: Sequence[ModeRule] = field(default_factory=default_rules)
    settings: PromiseSettings = field(default_factory=PromiseSettings)
    capacity: CapacityCheck = field(default_factory=Unlimited)

    def quote(self, request: PromiseRequest) -> Quote:
        """Each mode's fastest option over the origins that hold the stock, or the
        reason it does not hold (from the nearest origin, or capacity)."""
        options: list[Option] = []
        refused: list[Refusal] = []
        for rule in self.rules:
            best: Option | None = None
            why: Refusal | None = None
            for origin in request.origins:
                offer = rule.offer(request, origin, self.settings)
                if isinstance(offer, Refusal):
                    why = why or offer
                    continue
                if not self.capacity.has_room(
                    offer.facility_id, offer.mode, offer.window_start.date()
                ):
                    why = Refusal(
                        rule.mode,
                        "capacity_full",
                        f"{offer.facility_id} has no {rule.mode.value} capacity left on "
                        f"{offer.window_start.date().isoformat()}",
                    )
                    continue
                if best is None or speed(offer) < speed(best):
                    best = offer
            if best is not None:
                options.append(best)
            else:
                refused.append(why or Refusal(rule.mode, "no_stock", "no facility holds the stock"))
        return Quote(tuple(sorted(options, key=speed)), tuple(refused))
