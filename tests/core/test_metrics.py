"""Metrics across server processes, and the outbox's lag read at scrape time."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from baro.core import metrics
from baro.core.clock import SimulatedClock
from baro.core.db import Database
from baro.core.events import DomainEvent, OutboxRelay, record
from tests.integration.conftest import pg_url  # noqa: F401 - the PostgreSQL test's database


def samples(text: bytes | str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    decoded = text.decode() if isinstance(text, bytes) else text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(decoded)
        for sample in family.samples
    }


def run_python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_preparing_the_folder_empties_it_and_exports_it_for_the_workers(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.delenv(metrics.MULTIPROCESS_DIR_VARIABLE, raising=False)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999.db").write_bytes(b"stale")

    assert metrics.prepare_multiprocess_dir(folder) == folder

    assert list(folder.iterdir()) == []
    assert os.environ[metrics.MULTIPROCESS_DIR_VARIABLE] == str(folder)


def test_counts_of_every_worker_process_add_up_in_one_scrape(tmp_path: Path) -> None:
    env = {metrics.MULTIPROCESS_DIR_VARIABLE: str(tmp_path)}
    worker = """
        from baro.commerce.orders import metrics
        metrics.record_batch(3)
        metrics.record_stock_contention_retry()
    """
    run_python(worker, env)
    run_python(worker, env)

    scraped = run_python(
        """
        import sys
        from baro.core import metrics
        body, _ = metrics.exposition()
        sys.stdout.write(body.decode())
        """,
        env,
    )

    found = samples(scraped)
    assert found[("baro_order_batch_size_count", ())] == 2
    assert found[("baro_order_batch_size_sum", ())] == 6
    assert found[("baro_order_stock_contention_retries_total", ())] == 2


def test_a_dead_worker_s_live_gauges_are_dropped_and_its_counts_kept(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv(metrics.MULTIPROCESS_DIR_VARIABLE, str(tmp_path))
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")

    metrics.mark_process_dead(4242)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db"]


def test_marking_a_process_dead_without_the_folder_does_nothing(monkeypatch) -> None:
    monkeypatch.delenv(metrics.MULTIPROCESS_DIR_VARIABLE, raising=False)
    metrics.mark_process_dead(4242)


def test_one_process_scrape_has_this_process_metrics_and_extra_collectors(platform) -> None:
    from baro.commerce.orders import metrics as order_metrics

    before = samples(metrics.exposition()[0]).get(("baro_order_batch_size_count", ()), 0)
    order_metrics.record_batch(5)

    body, content_type = metrics.exposition(metrics.OutboxLag(platform.db, platform.clock))

    assert content_type.startswith("text/plain")
    found = samples(body)
    assert found[("baro_order_batch_size_count", ())] == before + 1
    assert ("baro_outbox_unpublished_events", ()) in found


class Happened(DomainEvent):
    pass


def test_outbox_lag_is_the_count_and_age_of_what_is_not_yet_published(platform) -> None:
    clock: SimulatedClock = platform.clock
    with platform.db.transaction() as session:
        record(session, [Happened(aggregate_id="a", occurred_at=clock.now())])
    clock.advance(timedelta(seconds=30))
    with platform.db.transaction() as session:
        record(session, [Happened(aggregate_id="b", occurred_at=clock.now())])
    clock.advance(timedelta(seconds=15))
    lag = metrics.OutboxLag(platform.db, clock)

    found = samples_of(lag)

    assert found == {
        "baro_outbox_unpublished_events": 2,
        "baro_outbox_oldest_unpublished_age_seconds": 45,
    }


@pytest.mark.postgres
def test_outbox_lag_on_postgresql(pg_url: str) -> None:  # noqa: F811 - the fixture
    db = Database.connect(pg_url)
    clock = SimulatedClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    try:
        OutboxRelay(db, lambda _event: None, clock.now).drain()
        with db.transaction() as session:
            record(session, [Happened(aggregate_id="a", occurred_at=clock.now())])
            record(session, [Happened(aggregate_id="b", occurred_at=clock.now())])
        clock.advance(timedelta(seconds=7))

        assert samples_of(metrics.OutboxLag(db, clock)) == {
            "baro_outbox_unpublished_events": 2,
            "baro_outbox_oldest_unpublished_age_seconds": 7,
        }
    finally:
        db.dispose()


def test_outbox_lag_is_zero_when_everything_is_published(platform) -> None:
    with platform.db.transaction() as session:
        record(session, [Happened(aggregate_id="a", occurred_at=platform.clock.now())])
    OutboxRelay(platform.db, lambda _event: None, platform.clock.now).drain()

    assert samples_of(metrics.OutboxLag(platform.db, platform.clock)) == {
        "baro_outbox_unpublished_events": 0,
        "baro_outbox_oldest_unpublished_age_seconds": 0,
    }


def test_outbox_lag_leaves_the_scrape_alone_when_the_database_is_down(platform) -> None:
    down = Database.connect("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        assert samples_of(metrics.OutboxLag(down, platform.clock)) == {}
    finally:
        down.dispose()


def samples_of(collector: metrics.OutboxLag) -> dict[str, float]:
    return {
        sample.name: sample.value for family in collector.collect() for sample in family.samples
    }
