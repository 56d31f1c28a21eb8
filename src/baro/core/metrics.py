"""Prometheus metrics of every server process, in one scrape.

uvicorn serves with several worker processes, and a scrape reaches one of them; so each
process writes its counts to files in a folder that all share (prometheus_client's
multiprocess mode) and ``/metrics`` adds them up. The supervisor that starts the workers
calls ``prepare_multiprocess_dir`` before it starts them (prometheus_client chooses its mode
when it is imported, from ``PROMETHEUS_MULTIPROC_DIR``) and ``mark_process_dead`` when one
exits. Without that variable, one process serves its own metrics.

Metrics are defined by the capability they count (``baro.commerce.orders.metrics``, the
metered payment gateway, the web layer's request latency); ``OutboxLag`` is read from the
database at scrape time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from baro.core.clock import Clock
from baro.core.db import Database
from baro.core.events import OutboxRow

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# The mode prometheus_client chose when it was imported, not what the environment says now:
# a variable set after the import (in this process) changes nothing for its metrics.
_MULTIPROCESS = bool(getattr(values.ValueClass, "_multiprocess", False))

log = logging.getLogger("baro.metrics")


def prepare_multiprocess_dir(path: Path) -> Path:
    """For the supervisor, before it starts the workers: make ``path`` an empty folder for
    their metric files and export it as ``PROMETHEUS_MULTIPROC_DIR``, which they inherit.
    Files left by an earlier run would add its counts to this one's, so they go."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR_VARIABLE] = str(path)
    return path


def mark_process_dead(pid: int) -> None:
    """For the supervisor, when worker ``pid`` has exited: drop its live gauges (its counts
    stay, as counters should). Does nothing outside multiprocess mode."""
    path = os.environ.get(MULTIPROCESS_DIR_VARIABLE)
    if path:
        multiprocess.mark_process_dead(pid, path)  # type: ignore[no-untyped-call]


def exposition(*collectors: Collector) -> tuple[bytes, str]:
    """The text a scrape returns (and its content type): the metrics of every worker
    process, or of this one alone, plus ``collectors`` read now."""
    registry = CollectorRegistry()
    if _MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(REGISTRY)
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


_UNPUBLISHED = OutboxRow.published_at.is_(None)
# Both on the relay's partial index of unpublished events: the count from the index alone,
# the oldest as the relay's next event (lowest seq), one row.
_LAG = select(
    select(func.count()).select_from(OutboxRow).where(_UNPUBLISHED).scalar_subquery(),
    select(OutboxRow.occurred_at)
    .where(_UNPUBLISHED)
    .order_by(OutboxRow.seq)
    .limit(1)
    .scalar_subquery(),
)


class OutboxLag(Collector):
    """How far the outbox relay is behind: unpublished events and the age of the oldest,
    with one query on the relay's own partial index, when scraped."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            with self._db.read() as session:
                count, oldest = session.execute(_LAG).one()
        except SQLAlchemyError as error:
            # The other metrics still answer; readiness reports the database itself.
            log.warning("outbox lag not measured: %s", type(error).__name__)
            return
        age = (self._clock.now() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "baro_outbox_unpublished_events", "Events not yet handed on by the relay", count
        )
        yield GaugeMetricFamily(
            "baro_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest event not yet handed on (0 when none)",
            age,
        )
