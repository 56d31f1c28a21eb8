"""SOURCES.md parsing, sha256 verification, and the ``baro data check`` command."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest
from typer.testing import CliRunner

from baro.cli.data import app
from baro.datasets import CheckStatus, DatasetCorrupt, DatasetMissing, read_manifest, verify
from baro.datasets._checksums import parse_manifest

Put = Callable[[str, str], Path]
ORDERS = "order_id\no1\n"
SELLERS = "seller_id\ns1\ns2\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def manifest(*rows: tuple[str, str, int | None]) -> str:
    """A SOURCES.md in the shared layout: prose, then a table of (path, content, rows)."""
    lines = [
        "# Data sources",
        "",
        "## olist — a sample",
        "",
        "| file | bytes | rows | sha256 |",
        "|---|---:|---:|---|",
    ]
    for path, content, count in rows:
        shown = "" if count is None else str(count)
        lines.append(f"| data/{path} | {len(content)} | {shown} | `{sha256(content)}` |")
    return "\n".join([*lines, ""])


@pytest.fixture
def two_files(put: Put) -> None:
    put("olist/orders.csv", ORDERS)
    put("olist/sellers.csv", SELLERS)
    put(
        "SOURCES.md",
        manifest(("olist/orders.csv", ORDERS, 1), ("olist/sellers.csv", SELLERS, None)),
    )


def test_the_manifest_rows_give_set_path_size_rows_and_sha256() -> None:
    entries = parse_manifest(manifest(("olist/orders.csv", ORDERS, 1), ("m5/x.map", "", None)))

    assert [(e.set_name, e.path, e.size, e.rows) for e in entries] == [
        ("olist", PurePosixPath("olist/orders.csv"), len(ORDERS), 1),
        ("m5", PurePosixPath("m5/x.map"), 0, None),
    ]
    assert entries[0].sha256 == sha256(ORDERS)


def test_every_file_as_stated_verifies_ok(two_files: None, data_dir: Path) -> None:
    progress: list[tuple[int, int]] = []

    checks = verify(data_dir, progress=lambda done, total: progress.append((done, total)))

    assert [check.status for check in checks] == [CheckStatus.OK, CheckStatus.OK]
    assert all(check.ok for check in checks)
    assert progress == [(1, 2), (2, 2)]


def test_a_changed_file_is_a_mismatch_and_an_absent_one_missing(
    two_files: None, data_dir: Path
) -> None:
    (data_dir / "olist" / "orders.csv").write_text(ORDERS + "o2\n")
    (data_dir / "olist" / "sellers.csv").unlink()

    checks = verify(data_dir)

    assert [check.status for check in checks] == [CheckStatus.MISMATCH, CheckStatus.MISSING]
    assert checks[0].actual_sha256 == sha256(ORDERS + "o2\n")
    assert checks[1].actual_sha256 is None


def test_no_manifest_is_missing_and_an_empty_one_corrupt(put: Put, data_dir: Path) -> None:
    with pytest.raises(DatasetMissing, match=r"SOURCES\.md"):
        read_manifest(data_dir)
    put("SOURCES.md", "# nothing listed\n")
    with pytest.raises(DatasetCorrupt, match="lists no files"):
        read_manifest(data_dir)


def test_the_check_command_prints_each_set_and_exits_0_when_all_is_ok(
    two_files: None, data_dir: Path
) -> None:
    result = CliRunner().invoke(app, ["check", "--data-dir", str(data_dir)])

    assert result.exit_code == 0, result.output
    assert "olist" in result.output and "ok" in result.output


def test_the_check_command_names_bad_files_and_exits_1(two_files: None, data_dir: Path) -> None:
    (data_dir / "olist" / "orders.csv").write_text("changed\n")
    (data_dir / "olist" / "sellers.csv").unlink()

    result = CliRunner().invoke(app, ["check", "--data-dir", str(data_dir)])

    assert result.exit_code == 1
    assert "checksum mismatch" in result.output and "missing" in result.output
    assert "olist/orders.csv" in result.output and "olist/sellers.csv" in result.output


def test_the_check_command_without_data_is_a_message_not_a_traceback(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["check", "--data-dir", str(data_dir)])

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "BARO_DATA_DIR" in result.output
