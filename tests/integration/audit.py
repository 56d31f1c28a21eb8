"""After a crash: do the orders, the stock, the event log and the gateway's ledger agree?

Each check reads a different source of truth and returns what disagrees (empty: all good).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import bindparam, text

from baro.commerce.payments import SandboxLedger
from baro.core.db import Database
from baro.core.events import read_log

LIVE = ("placed", "paid", "allocated", "picking", "packed", "shipped", "delivered")
PAID = ("paid", "allocated", "picking", "packed", "shipped", "delivered")
RELEASED = ("order.payment_failed", "order.cancelled")


def keys_with_several_orders(db: Database) -> list[tuple[str, str, int]]:
    """(customer, idempotency key, orders) for every key that made more than one order."""
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT customer_id, idempotency_key, count(*) FROM orders "
                "WHERE idempotency_key IS NOT NULL "
                "GROUP BY customer_id, idempotency_key HAVING count(*) > 1"
            )
        ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def unpaid_placements(db: Database) -> list[str]:
    with db.read() as session:
        rows = session.execute(text("SELECT id FROM orders WHERE status = 'placed'")).all()
    return [row[0] for row in rows]


def money_mismatches(db: Database, ledger: Path) -> dict[str, tuple[int, int]]:
    """Per card token: (kept by the gateway: captured less refunded, owed: the totals of the
    orders baro holds as paid), wherever the two differ. A capture counts once however
    often it was asked for (a retry with the same key gets the same capture)."""
    entries = list(SandboxLedger.read(ledger))
    token_of_authorization = {e.id: e.acts_on for e in entries if e.operation == "authorize"}
    token_of_capture: dict[str, str] = {}
    kept: dict[str, int] = defaultdict(int)
    for entry in {e.id: e for e in entries if e.operation == "capture"}.values():
        token = token_of_authorization[entry.acts_on]
        token_of_capture[entry.id] = token
        kept[token] += entry.amount_minor
    for entry in {e.id: e for e in entries if e.operation == "refund"}.values():
        kept[token_of_capture[entry.acts_on]] -= entry.amount_minor
    owed: dict[str, int] = defaultdict(int)
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT p.gateway_token, o.total_minor FROM orders o "
                "JOIN payment_methods p ON p.id = o.payment_method_id WHERE o.status IN :paid"
            ).bindparams(bindparam("paid", expanding=True)),
            {"paid": list(PAID)},
        ).all()
    for token, total in rows:
        owed[token] += total
    tokens = set(kept) | set(owed)
    return {t: (kept[t], owed[t]) for t in tokens if kept[t] != owed[t]}


def stock_mismatches(
    db: Database, initial: dict[tuple[str, str], int]
) -> dict[tuple[str, str], tuple[tuple[int, int], tuple[int, int]]]:
    """Per (facility, product), where the stock table and the event log disagree:
    (free: on hand − reserved, against initial − sold + released) and (on hand, against
    initial − shipped). Sold, released and shipped are read from the event log."""
    sold: dict[tuple[str, str], int] = defaultdict(int)
    released: dict[tuple[str, str], int] = defaultdict(int)
    shipped: dict[tuple[str, str], int] = defaultdict(int)
    lines_of: dict[str, list[tuple[str, str, int]]] = {}
    with db.read() as session:
        for event in read_log(session):
            if event.event_type == "order.placed":
                lines_of[event.aggregate_id] = [
                    (line["facility_id"], line["product_id"], line["quantity"])
                    for line in event.data["lines"]
                ]
                into = sold
            elif event.event_type in RELEASED:
                into = released
            elif event.event_type == "order.shipped":
                into = shipped
            else:
                continue
            for facility, product, quantity in lines_of[event.aggregate_id]:
                into[(facility, product)] += quantity
        rows = session.execute(
            text("SELECT facility_id, product_id, on_hand, reserved FROM inventory")
        ).all()
    found = {}
    for facility, product, on_hand, reserved in rows:
        place = (facility, product)
        free = (on_hand - reserved, initial.get(place, 0) - sold[place] + released[place])
        held = (on_hand, initial.get(place, 0) - shipped[place])
        if free[0] != free[1] or held[0] != held[1]:
            found[place] = (free, held)
    return found
