"""Write the population table as JSON Lines or Parquet, and open either in DuckDB."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import Vocabulary
from .layout import columns

if TYPE_CHECKING:
    import duckdb

__all__ = ["FORMATS", "TableError", "open_table", "table_format", "write_table"]

FORMATS: Mapping[str, str] = {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class TableError(Exception):
    """A population file that cannot be written or read, with the sentence saying why."""


def table_format(path: Path) -> str:
    """`parquet` or `jsonl`, from the file's suffix."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise TableError(f"{path}: expected a .parquet, .jsonl or .ndjson file (a CSV file "
                         "cannot hold the nested columns of the table layout)")
    return found


def _read_json(connection: duckdb.DuckDBPyConnection, path: Path,
               vocabulary: Vocabulary) -> duckdb.DuckDBPyRelation:
    """JSON Lines read with the layout's exact types (no guessing: an empty list in the first
    rows must not leave a column untyped)."""
    return connection.read_json(str(path), format="newline_delimited",
                                columns=columns(vocabulary))


def write_table(rows: Iterable[dict[str, Any]], vocabulary: Vocabulary, destination: Path) -> int:
    """Write rows to `destination` (JSON Lines or Parquet, by suffix) as a whole file or
    nothing; the number of rows written."""
    kind = table_format(destination)
    folder = destination.parent if str(destination.parent) else Path(".")
    handle, lines = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.", suffix=".jsonl")
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for count, row in enumerate(rows, 1):  # noqa: B007 - the count is the result
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        if kind == "jsonl":
            os.replace(lines, destination)
            return count
        import duckdb

        parquet = lines.removesuffix(".jsonl") + ".parquet"
        try:
            with duckdb.connect() as connection:
                _read_json(connection, Path(lines), vocabulary).write_parquet(parquet)
            os.replace(parquet, destination)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(parquet)
        return count
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lines)


def open_table(connection: duckdb.DuckDBPyConnection, path: Path,
               vocabulary: Vocabulary) -> None:
    """Make `path` the view `population` of `connection`, checking it has the layout's
    columns."""
    import duckdb

    kind = table_format(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    try:
        source = (connection.read_parquet(str(path)) if kind == "parquet"
                  else _read_json(connection, path, vocabulary))
        source.create_view("population")
        found = {name for name, *_ in connection.execute("DESCRIBE population").fetchall()}
    except duckdb.Error as error:
        raise TableError(f"{path}: cannot be read as {kind}: {_first_line(error)}") from None
    lacking = [name for name in columns(vocabulary) if name not in found]
    if lacking:
        shown = ", ".join(lacking[:5]) + (f" and {len(lacking) - 5} more" if len(lacking) > 5
                                          else "")
        raise TableError(f"{path}: not a population table of this vocabulary: no column "
                         f"{shown} (make it with eligibility export)")


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
