"""Who settles a placement whose first attempt is slow: the original, the client's retry, or
the recovery sweep? Each race is staged at a named failpoint on real PostgreSQL; whoever
wins, the order is paid once, recorded once, and every loser answers with that order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from baro.commerce.orders import OrderStatus, Placement
from baro.commerce.payments import SandboxLedger
from baro.core.clock import SimulatedClock
from baro.core.config import Settings
from baro.core.events import read_log
from baro.core.failpoints import armed
from baro.core.ids import new_id
from baro.platform import Platform
from tests.builders import SAO_PAULO, Shopper, add_facility, add_product, shopper, stock
from tests.conftest import START

pytestmark = pytest.mark.postgres

ABANDONED_AFTER = timedelta(seconds=120)
ORDERS_OF_KEY = text(
    "SELECT id FROM orders WHERE customer_id = :customer_id AND idempotency_key = :key"
)


class ProcessDied(BaseException):
    """Stands for the process being killed at the failpoint: nothing after it runs."""


def die() -> None:
    raise ProcessDied


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.jsonl"


@pytest.fixture
def platform(pg_url: str, ledger: Path) -> Iterator[Platform]:
    settings = Settings(
        database_url=pg_url,
        sandbox_ledger=ledger,
        abandoned_after_seconds=int(ABANDONED_AFTER.total_seconds()),
    )
    started = Platform.start(settings, clock=SimulatedClock(START))
    yield started
    started.close()


@pytest.fixture
def press(platform: Platform) -> Callable[[], Placement]:
    """A 1-Click press of a fresh buyer with a key of their own, ready to send again."""
    item = add_product(platform, sku=new_id("SKU"))
    stock(platform, add_facility(platform, "FC", SAO_PAULO), item.id, 5)
    buyer: Shopper = shopper(platform, "Settler")
    return lambda: platform.orders.place_one_click(
        buyer.principal, item.id, 1, idempotency_key="settle"
    )


def once(action: Callable[[], object]) -> Callable[[], None]:
    """``action`` the first time the failpoint is passed (the rival passes it too)."""
    done: list[object] = []

    def run() -> None:
        if not done:
            done.append(True)
            done.append(action())

    return run


def later(platform: Platform, action: Callable[[], object]) -> Callable[[], object]:
    """``action`` once the first attempt counts as abandoned."""

    def run() -> object:
        clock = platform.clock
        assert isinstance(clock, SimulatedClock)
        clock.advance(ABANDONED_AFTER + timedelta(seconds=1))
        return action()

    return run


def assert_paid_once(platform: Platform, ledger: Path, placement: Placement) -> None:
    order = placement.order
    assert order.status is OrderStatus.ALLOCATED
    with platform.db.read() as session:
        events = [e.event_type for e in read_log(session) if e.aggregate_id == order.id]
    assert events == ["order.placed", "order.paid", "order.allocated"]
    captures = {e.id for e in SandboxLedger.read(ledger) if e.idempotency_key.startswith(order.id)}
    assert len([c for c in captures if c.startswith("cap_")]) == 1
    with platform.db.read() as session:
        rows = session.execute(
            ORDERS_OF_KEY, {"customer_id": order.customer_id, "key": "settle"}
        ).all()
    assert [row.id for row in rows] == [order.id]


@pytest.mark.parametrize("slow_at", ["placement.written", "placement.charged"])
def test_the_recovery_sweep_settles_while_the_original_is_slow(
    platform: Platform, ledger: Path, press: Callable[[], Placement], slow_at: str
) -> None:
    """The original stops before paying, or after paying but before recording it; the sweep
    finishes the order meanwhile. The original then answers with the sweep's order."""
    swept: list[object] = []
    sweep = later(platform, lambda: swept.extend(platform.orders.recover_abandoned()))

    with armed(slow_at, once(sweep)):
        original = press()

    assert len(swept) == 1 and original.order.id == swept[0].id  # type: ignore[attr-defined]
    assert original.replayed
    assert_paid_once(platform, ledger, original)
    assert press().order.id == original.order.id  # a later retry replays it


def test_a_retry_after_the_original_was_abandoned_settles_it_first(
    platform: Platform, ledger: Path, press: Callable[[], Placement]
) -> None:
    """The original is stuck after charging; the client's retry, once the first attempt
    counts as abandoned, pays the same order (same gateway keys) and records it; the
    original then finds it settled."""
    retried: list[Placement] = []

    with armed("placement.charged", once(later(platform, lambda: retried.append(press())))):
        original = press()

    assert retried[0].order.id == original.order.id and original.replayed
    assert_paid_once(platform, ledger, original)


def test_the_sweep_and_a_retry_both_finishing_one_abandoned_order_pay_it_once(
    platform: Platform, ledger: Path, press: Callable[[], Placement]
) -> None:
    """The original died after writing its order. The retry resumes it and stops after
    charging; the sweep pays and records it meanwhile; the retry answers with that order."""
    with armed("placement.written", die), pytest.raises(ProcessDied):
        press()
    swept: list[object] = []

    def retry() -> Placement:
        sweep = once(lambda: swept.extend(platform.orders.recover_abandoned()))
        with armed("placement.charged", sweep):
            return press()

    retried = later(platform, retry)()

    assert len(swept) == 1 and retried.order.id == swept[0].id  # type: ignore[attr-defined]
    assert_paid_once(platform, ledger, retried)
