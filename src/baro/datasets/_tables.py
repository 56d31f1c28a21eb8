"""Reading a documented CSV table into typed columns.

Every value is read as text first and then parsed column by column, so that a value that does
not fit is reported with its file, column and row (``DatasetCorrupt``) rather than surfacing as
a Polars traceback, and so that no number passes through a float it was not meant to be.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import polars as pl

from baro.datasets.errors import DatasetCorrupt

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
UTC_MICROSECONDS = pl.Datetime("us", "UTC")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its header in the file, its name and type in the frame, how to parse it."""

    source: str
    name: str
    dtype: pl.DataType
    parse: Callable[[pl.Expr], pl.Expr]
    meaning: str


def schema(columns: Sequence[Column]) -> Mapping[str, pl.DataType]:
    """The frame's columns and dtypes, in order, as a read-only mapping."""
    return MappingProxyType({column.name: column.dtype for column in columns})


def text(source: str, name: str | None = None) -> Column:
    return Column(source, name or source, pl.String(), lambda raw: raw, "text")


def integer(source: str, dtype: pl.DataType, name: str | None = None) -> Column:
    return Column(
        source,
        name or source,
        dtype,
        lambda raw: raw.cast(dtype, strict=False),
        f"an integer ({dtype})",
    )


def whole_number(source: str, dtype: pl.DataType, name: str | None = None) -> Column:
    """An integer written as a float by pandas (``"7.0"``, ``"17850.0"``); ``"7.5"`` is refused."""

    def parse(raw: pl.Expr) -> pl.Expr:
        number = raw.cast(pl.Float64(), strict=False)
        return pl.when(number == number.floor()).then(number.cast(dtype, strict=False))

    return Column(source, name or source, dtype, parse, f"a whole number ({dtype})")


def real(source: str, name: str | None = None) -> Column:
    return Column(
        source,
        name or source,
        pl.Float64(),
        lambda raw: raw.cast(pl.Float64(), strict=False),
        "a number",
    )


def flag(source: str, name: str | None = None) -> Column:
    """``"1"`` is true, ``"0"`` false."""
    return Column(
        source,
        name or source,
        pl.Boolean(),
        lambda raw: pl.when(raw == "1").then(True).when(raw == "0").then(False),
        'a flag ("0" or "1")',
    )


def minor_units(source: str, name: str) -> Column:
    """A decimal amount in major units (``"199.9"``) as integer minor units (``19990``).

    The text is parsed as an exact decimal with two places, rounding half to even, so no amount
    passes through a binary float. All the currencies here (BRL, GBP, USD) have two decimals.
    """

    def parse(raw: pl.Expr) -> pl.Expr:
        cents = raw.cast(pl.Decimal(38, 2), strict=False) * 100
        return cents.cast(pl.Int64(), strict=False)

    return Column(source, name, pl.Int64(), parse, "a decimal amount")


def calendar_date(source: str, name: str | None = None) -> Column:
    return Column(
        source,
        name or source,
        pl.Date(),
        lambda raw: raw.str.to_date("%Y-%m-%d", strict=False),
        "a date (YYYY-MM-DD)",
    )


def local_timestamp(source: str, zone: str, name: str | None = None) -> Column:
    """A wall-clock time in ``zone`` (``"2017-10-02 10:56:33"``) as an instant in UTC.

    DST is honoured: an ambiguous time (the repeated hour in autumn) is read as its first
    occurrence, and a time inside the spring-forward gap, which no clock showed, with the offset
    in force just before the gap. Both are what Python's ``zoneinfo`` does with ``fold=0``.
    """

    def parse(raw: pl.Expr) -> pl.Expr:
        naive = raw.str.to_datetime(TIMESTAMP_FORMAT, time_unit="us", strict=False)
        aware = naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        # The gaps of the zones used here last one hour, so an hour earlier is before the gap.
        hour = pl.duration(hours=1)
        before_gap = (naive - hour).dt.replace_time_zone(
            zone, ambiguous="earliest", non_existent="null"
        ) + hour
        return pl.coalesce(aware, before_gap).dt.convert_time_zone("UTC")

    return Column(
        source, name or source, UTC_MICROSECONDS, parse, f"a time ({TIMESTAMP_FORMAT}, {zone})"
    )


def read_text_table(
    path: Path,
    *,
    separator: str = ",",
    header: Sequence[str] | None = None,
    skip_lines: int = 0,
) -> pl.DataFrame:
    """Every cell of a CSV file as text (empty cells null); gunzipped if the name ends in .gz.

    ``header`` names the columns of a file that has no header line; ``skip_lines`` skips lines
    before the header (or before the data when ``header`` is given).
    """
    try:
        content = path.read_bytes()
    except OSError as error:
        raise DatasetCorrupt(path, f"cannot be read ({error})") from error
    if path.name.endswith(".gz"):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as error:
            raise DatasetCorrupt(path, f"is not a complete gzip file ({error})") from error
    try:
        return pl.read_csv(
            content,
            infer_schema=False,
            separator=separator,
            has_header=header is None,
            new_columns=list(header) if header is not None else None,
            skip_rows=skip_lines,
        )
    except pl.exceptions.PolarsError as error:
        raise DatasetCorrupt(path, f"is not a readable CSV table ({error})") from error


def require_columns(raw: pl.DataFrame, expected: Sequence[str], path: Path) -> None:
    """``DatasetCorrupt`` unless the header holds every expected column (extra ones may follow)."""
    missing = [name for name in expected if name not in raw.columns]
    if missing:
        found = ", ".join(raw.columns[:12]) + (", …" if raw.width > 12 else "")
        raise DatasetCorrupt(
            path,
            f"missing column(s) {', '.join(missing)}; expected {', '.join(expected)}; "
            f"the header has {found}",
        )


def parse_columns(raw: pl.DataFrame, columns: Sequence[Column], path: Path) -> pl.DataFrame:
    """The typed frame; ``DatasetCorrupt`` names the first value that does not parse."""
    require_columns(raw, [column.source for column in columns], path)
    try:
        parsed = raw.select(
            column.parse(pl.col(column.source)).alias(column.name) for column in columns
        )
    except pl.exceptions.PolarsError as error:
        raise DatasetCorrupt(path, f"values cannot be parsed ({error})") from error
    for column in columns:
        values = raw.get_column(column.source)
        unparsed = values.is_not_null() & parsed.get_column(column.name).is_null()
        if unparsed.any():
            row = int(unparsed.arg_true()[0])
            raise DatasetCorrupt(
                path,
                f"column {column.source!r}, data row {row + 1}: {values[row]!r} "
                f"is not {column.meaning}",
            )
    return parsed


def read_table(path: Path, columns: Sequence[Column], *, separator: str = ",") -> pl.DataFrame:
    """The CSV file at ``path`` as a frame with exactly ``columns``, typed and validated."""
    return parse_columns(read_text_table(path, separator=separator), columns, path)
