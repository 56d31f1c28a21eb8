"""Is every data file the one ``SOURCES.md`` describes? sha256 of each, against its table.

``SOURCES.md`` (in the data directory) lists each set's files in Markdown tables::

    | file | bytes | rows | sha256 |
    |---|---:|---:|---|
    | data/olist/orders.csv.gz | 476100 | 7009 | `f810868d…` |

Paths start with ``data/``, the data directory itself; ``rows`` is empty for non-tables.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from baro.datasets._paths import resolve_data_dir
from baro.datasets.errors import DatasetCorrupt, DatasetMissing

MANIFEST = "SOURCES.md"
_FILE_ROW = re.compile(
    r"^\|\s*data/(?P<path>[^|\s]+)\s*\|\s*(?P<bytes>\d+)\s*\|\s*(?P<rows>\d*)\s*\|"
    r"\s*`(?P<sha256>[0-9a-f]{64})`\s*\|\s*$"
)


class CheckStatus(StrEnum):
    OK = "ok"
    MISSING = "missing"
    MISMATCH = "checksum mismatch"


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One file as ``SOURCES.md`` states it; ``path`` is relative to the data directory."""

    set_name: str
    path: PurePosixPath
    size: int
    rows: int | None
    sha256: str


@dataclass(frozen=True, slots=True)
class FileCheck:
    """What was found for one manifest entry; ``actual_sha256`` is None when missing."""

    entry: ManifestEntry
    status: CheckStatus
    actual_sha256: str | None

    @property
    def ok(self) -> bool:
        return self.status is CheckStatus.OK


def parse_manifest(text: str) -> list[ManifestEntry]:
    """Every file row of the tables in ``text``; the set is the first folder of the path."""
    entries = []
    for line in text.splitlines():
        match = _FILE_ROW.match(line)
        if match is None:
            continue
        path = PurePosixPath(match["path"])
        entries.append(
            ManifestEntry(
                set_name=path.parts[0],
                path=path,
                size=int(match["bytes"]),
                rows=int(match["rows"]) if match["rows"] else None,
                sha256=match["sha256"],
            )
        )
    return entries


def read_manifest(data_dir: Path | None = None) -> list[ManifestEntry]:
    """The entries of the data directory's ``SOURCES.md``."""
    folder = resolve_data_dir(data_dir)
    path = folder / MANIFEST
    if not path.is_file():
        raise DatasetMissing(path, data_dir=folder, what="data manifest")
    entries = parse_manifest(path.read_text(encoding="utf-8"))
    if not entries:
        raise DatasetCorrupt(
            path, "lists no files (rows like '| data/… | bytes | rows | `sha256` |')"
        )
    return entries


def sha256_of(path: Path) -> str:
    """The file's sha256, read in chunks (the largest files are several MB)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def check_file(data_dir: Path, entry: ManifestEntry) -> FileCheck:
    path = data_dir / entry.path
    if not path.is_file():
        return FileCheck(entry, CheckStatus.MISSING, None)
    actual = sha256_of(path)
    status = CheckStatus.OK if actual == entry.sha256 else CheckStatus.MISMATCH
    return FileCheck(entry, status, actual)


def verify(
    data_dir: Path | None = None, *, progress: Callable[[int, int], None] | None = None
) -> list[FileCheck]:
    """Check every file ``SOURCES.md`` lists, in its order; ``progress(done, total)`` after each."""
    folder = resolve_data_dir(data_dir)
    entries = read_manifest(folder)
    checks = []
    for done, entry in enumerate(entries, start=1):
        checks.append(check_file(folder, entry))
        if progress is not None:
            progress(done, len(entries))
    return checks
