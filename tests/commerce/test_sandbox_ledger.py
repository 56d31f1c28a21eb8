"""The sandbox gateway writes down what it answered, so that tests can audit the money."""

from __future__ import annotations

from pathlib import Path

from baro.commerce.payments import LedgerEntry, SandboxGateway, SandboxLedger
from baro.core.clock import SimulatedClock
from baro.core.money import Money


def test_every_answer_of_every_process_is_written_down_once_per_call(
    tmp_path: Path, clock: SimulatedClock
) -> None:
    path = tmp_path / "ledger.jsonl"
    one, two = (SandboxGateway(clock, SandboxLedger(path)) for _ in range(2))  # two workers
    amount = Money(1990, "BRL")

    held = one.authorize("tok_sandbox_visa_7", amount, idempotency_key="ord_1:authorize")
    again = two.authorize("tok_sandbox_visa_7", amount, idempotency_key="ord_1:authorize")
    taken = two.capture(held, amount, idempotency_key="ord_1:capture")
    back = one.refund(taken.id, amount, idempotency_key="ord_1:refund")

    assert again == held  # the same key, the same answer, in any process
    assert list(SandboxLedger.read(path)) == [
        LedgerEntry("authorize", "ord_1:authorize", held.id, "tok_sandbox_visa_7", 1990, "BRL"),
        LedgerEntry("authorize", "ord_1:authorize", held.id, "tok_sandbox_visa_7", 1990, "BRL"),
        LedgerEntry("capture", "ord_1:capture", taken.id, held.id, 1990, "BRL"),
        LedgerEntry("refund", "ord_1:refund", back.id, taken.id, 1990, "BRL"),
    ]
