"""``baro bench siting`` sites centers in a child process and reports what it measured."""

from __future__ import annotations

from pathlib import Path

from baro.bench import siting


def test_the_siting_bench_reports_sites_cells_and_memory(tmp_path: Path) -> None:
    """Without the data set the customers are spread over Brazil; the report says so."""
    result = siting.run(3_000, 4, seed=1, data_dir=tmp_path)

    assert result["customers"] == 3_000 and result["sites_found"] == 4
    assert "uniform" in result["customer_points"]
    assert 4 <= result["candidate_cells"] <= 3_000
    assert result["peak_rss_mb"] >= result["peak_rss_before_siting_mb"] > 0
    assert result["wall_s"] >= 0
