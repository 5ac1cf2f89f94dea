"""Write the population table as JSON Lines, Parquet or CSV, and open any of them in DuckDB.

CSV holds the same columns, one row per patient; a nested column (a history, a list) is its
JSON text in the cell, read back with the layout's exact types."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..vocabulary import Fact, Vocabulary
from .layout import columns, fingerprint

if TYPE_CHECKING:
    import duckdb

__all__ = ["FORMATS", "TableError", "open_table", "refuse_later_dates", "table_format",
           "write_table"]

FORMATS: Mapping[str, str] = {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl",
                               ".csv": "csv"}


def duckdb_type(kind: str) -> Any:
    """A DuckDB type from its SQL text (its `id` and `children`)."""
    import duckdb

    return duckdb.sqltype(kind)


class TableError(Exception):
    """A population file that cannot be written or read, with the sentence saying why."""


def table_format(path: Path) -> str:
    """`parquet` or `jsonl`, from the file's suffix."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise TableError(f"{path}: expected a .parquet, .jsonl, .ndjson or .csv file")
    return found


def _read_json(connection: duckdb.DuckDBPyConnection, path: Path,
               vocabulary: Vocabulary, *, reading: bool = False) -> duckdb.DuckDBPyRelation:
    """JSON Lines read with the layout's exact types (no guessing: an empty list in the first
    rows must not leave a column untyped); with `reading`, whole numbers as DOUBLE, to be
    checked whole before they are cast (`_whole_numbers`)."""
    return connection.read_json(str(path), format="newline_delimited", columns={
        name: _reading(kind) if reading else kind for name, kind in columns(vocabulary).items()})


def _reading(kind: str) -> str:
    """A layout type with its whole numbers read as DOUBLE: DuckDB reads 17.6 into a BIGINT
    as 18, silently, and an age of 17.6 would pass "at least 18"."""
    return kind.replace("BIGINT", "DOUBLE")


def _whole_numbers(connection: duckdb.DuckDBPyConnection, path: Path, vocabulary: Vocabulary,
                   raw: str) -> None:
    """Every value of an integer column of the table `raw` (read with `_reading` types) is
    whole, as a profile's must be; then `raw`, its whole numbers cast to the layout's types,
    is the table `population`."""
    tests: list[tuple[str, str]] = []
    layout = columns(vocabulary)
    for name, kind in layout.items():
        found = duckdb_type(kind)
        column = _quoted(name)
        if found.id == "bigint":
            tests.append((name, f"CASE WHEN {column} <> trunc({column}) THEN {column} END"))
        elif found.id == "list" and found.children[0][1].id == "struct":
            for field, inner in found.children[0][1].children:
                if inner.id == "bigint":
                    value = f"r.{_quoted(field)}"
                    tests.append((name if field == "value" else f"{name}.{field}",
                                  f"list_filter({column}, lambda r: {value} <> trunc({value}))"
                                  f"[1].{_quoted(field)}"))
    found = _first_found(connection, raw, [test for _, test in tests])
    if found is not None:
        ident, index, value = found
        raise TableError(f"{path}: patient {ident!r}: {tests[index][0]}: {value:g} is not a "
                         "whole number, which the vocabulary's kind for it (integer) asks")
    # Only the columns holding whole numbers are rewritten (a copy of the whole table would
    # hold two in memory at once)
    for name, kind in layout.items():
        if kind != _reading(kind):
            connection.execute(f"ALTER TABLE {raw} ALTER COLUMN {_quoted(name)} SET DATA TYPE "
                               f"{kind}")
    connection.execute(f"ALTER TABLE {raw} RENAME TO population")


def _known_keys(connection: duckdb.DuckDBPyConnection, path: Path,
                vocabulary: Vocabulary) -> None:
    """A JSON Lines table (often written by hand or by another program) names only the
    layout's columns, and in a history's records and a list's entries only the layout's
    fields: a misspelt key would otherwise be read as a fact nobody recorded (a medication
    given by `name` rather than `key` matched nothing). The first unknown one is an error at
    its line. A key left out is a fact not recorded."""
    from ..vocabulary import closest

    known = columns(vocabulary)
    levels: dict[str, set[str]] = {level: set() for level in (
        "record", "list", "entry", "dose", "attribute")}
    levels[""] = set(known)
    for kind in known.values():
        found = duckdb_type(kind)
        if found.id == "list" and found.children[0][1].id == "struct":
            levels["record"] |= {name for name, _ in found.children[0][1].children}
        elif found.id == "struct" and "items" in dict(found.children):
            levels["list"] |= {name for name, _ in found.children}
            entry = dict(dict(found.children)["items"].children[0][1].children)
            levels["entry"] |= set(entry)
            if "doses" in entry:
                levels["dose"] |= {name for name, _ in entry["doses"].children[0][1].children}
            if "attributes" in entry:
                levels["attribute"] |= {name for name, _ in entry["attributes"].children}

    def keys(level: str, objects: str) -> str:
        found = (f"flatten(list_transform({objects}, lambda x: CASE WHEN json_type(x) = "
                 "'OBJECT' THEN json_keys(x) ELSE [] END))")
        return f"list_transform({found}, lambda k: '{level}' || chr(31) || k)"

    def inside(values: str, path_: str) -> str:
        return (f"flatten(list_transform({values}, lambda x: coalesce(json_extract(x, "
                f"'{path_}'), [])))")

    # Each row is parsed once into its values, and each level read from the one above it
    # (json_extract from the row for each level parsed the whole row each time: 1.1x slower).
    arrays = "list_filter(vals, lambda x: json_type(x) = 'ARRAY')"
    found = connection.execute(
        "WITH rows AS (SELECT json_keys(json) AS top, json_extract(json, '$.*') AS vals "
        "FROM read_ndjson_objects(?)), "
        "lists AS (SELECT top, list_filter(vals, lambda x: json_type(x) = 'OBJECT') AS lists, "
        f"{inside(arrays, '$[*]')} AS records "
        "FROM rows), "
        f"entries AS (SELECT *, {inside('lists', '$.items[*]')} AS entries FROM lists) "
        "SELECT DISTINCT unnest(list_concat("
        "list_transform(top, lambda k: chr(31) || k), " + ", ".join((
            keys("record", "records"), keys("list", "lists"), keys("entry", "entries"),
            keys("dose", inside("entries", "$.doses[*]")),
            keys("attribute", "list_transform(entries, lambda x: json_extract(x, "
                 "'$.attributes'))"))) +
        ")) AS key FROM entries", [str(path)]).fetchall()
    unknown = {(level, key) for level, key in (row[0].split("\x1f", 1) for row in found)
               if key not in levels[level]}
    if not unknown:
        return
    line, level, key = next(((number, level, key) for number, level, key in _keys_by_line(path)
                             if (level, key) in unknown), (None, *min(unknown)))
    more = f" (and {len(unknown) - 1} more unknown)" if len(unknown) > 1 else ""
    where = f"{path}:{line}" if line is not None else f"{path}"
    what = {"": "a column of the population table", "record": "a field of a history's records",
            "list": "a field of a list (complete, items, ...)",
            "entry": "a field of a list's entries", "dose": "a field of an entry's doses",
            "attribute": "an attribute of a list's entries"}[level]
    hint = (" (an entry names what it is in key, as export writes it: the vocabulary's name, "
            "such as riluzole)" if (level, key) == ("entry", "name") else
            closest(key, levels[level]))
    raise TableError(f"{where}: {key}: not {what}{hint}{more}; the "
                     "keys are those eligibility export writes (docs/population.md)")


def _keys_by_line(path: Path) -> Iterable[tuple[int, str, str]]:
    """Each line's keys, in order, at each level `_known_keys` checks (only read to say where
    an unknown key is)."""

    def objects(value: Any) -> Iterator[dict[str, Any]]:
        for inner in value if isinstance(value, list) else [value]:
            if isinstance(inner, dict):
                yield inner

    with open(path, encoding="utf-8", errors="replace") as lines:
        for number, text in enumerate(lines, start=1):
            try:
                found = json.loads(text)
            except ValueError:
                continue
            if not isinstance(found, dict):
                continue
            for key, value in found.items():
                yield number, "", key
                if isinstance(value, list):
                    for record in objects(value):
                        yield from ((number, "record", inner) for inner in record)
                    continue
                for listed in objects(value):
                    yield from ((number, "list", inner) for inner in listed)
                    for entry in objects(listed.get("items")):
                        yield from ((number, "entry", inner) for inner in entry)
                        for dose in objects(entry.get("doses")):
                            yield from ((number, "dose", inner) for inner in dose)
                        for attribute in objects(entry.get("attributes")):
                            yield from ((number, "attribute", inner) for inner in attribute)


def write_table(rows: Iterable[dict[str, Any]], vocabulary: Vocabulary, destination: Path) -> int:
    """Write rows to `destination` (JSON Lines or Parquet, by suffix) as a whole file or
    nothing; the number of rows written."""
    kind = table_format(destination)
    folder = destination.parent if str(destination.parent) else Path(".")
    handle, lines = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.", suffix=".jsonl")
    count = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            if kind == "csv":
                count = _write_csv(rows, vocabulary, stream)
            else:
                for count, row in enumerate(rows, 1):  # noqa: B007 - the count is the result
                    stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        if kind in ("jsonl", "csv"):
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


def _write_csv(rows: Iterable[dict[str, Any]], vocabulary: Vocabulary, stream: Any) -> int:
    """Rows as CSV: scalars as text (NULL an empty cell), nested columns as JSON."""
    names = list(columns(vocabulary))
    table = csv.writer(stream, lineterminator="\n")
    table.writerow(names)
    count = 0
    for count, row in enumerate(rows, 1):  # noqa: B007 - the count is the result
        table.writerow([_cell(row.get(name)) for name in names])
    return count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _read_csv(connection: duckdb.DuckDBPyConnection, path: Path,
              vocabulary: Vocabulary) -> None:
    """A CSV table read as text and cast to the layout's types (nested cells from their
    JSON, whole numbers as DOUBLE), into memory as `population_raw`, so that a cell that does
    not fit is reported now, not mid-query."""
    source = connection.read_csv(str(path), header=True, all_varchar=True)
    found = set(source.columns)
    lacking = [name for name in columns(vocabulary) if name not in found]
    if lacking and (uneven := _uneven_row(path)) is not None:
        raise TableError(uneven)
    if lacking:
        raise TableError(f"{path}: not a population table of this vocabulary: no column "
                         f"{_shown(lacking)} (make it with eligibility export; a spreadsheet "
                         "of patients, one per row, is read by eligibility import csv)")
    source.create_view("population_text")
    casts = ", ".join(f"{_cast(name, kind)} AS {_quoted(name)}"
                      for name, kind in columns(vocabulary).items())
    import duckdb

    try:
        connection.execute(f"CREATE TEMP TABLE population_raw AS SELECT {casts} FROM "
                           "population_text")
    except duckdb.ConversionException:
        raise TableError(_unfit_cell(path, vocabulary)) from None


def _uneven_row(path: Path) -> str | None:
    """When DuckDB found none of the header's columns, whether the header is the layout's and
    a row has more or fewer cells than it (a cut line, a comma outside quotes): DuckDB then
    gives up on the whole file. The first such row, at its line; None for another file."""
    with open(path, encoding="utf-8", errors="replace", newline="") as stream:
        rows = csv.reader(stream)
        header = next(rows, [])
        if "patient_id" not in header:
            return None
        for row in rows:
            if row and len(row) != len(header):
                return (f"{path}:{rows.line_num}: {len(row)} cells where the header has "
                        f"{len(header)} (a line cut short, or a comma outside quotes)")
    return None


def _cast(name: str, kind: str, cast: str = "CAST") -> str:
    """SQL reading a CSV cell as its column's type (a nested one from its JSON), whole
    numbers as DOUBLE (`_reading`)."""
    kind = _reading(kind)
    if _nested(kind):
        return f"{cast}({cast}({_quoted(name)} AS JSON) AS {kind})"
    return f"{cast}({_quoted(name)} AS {kind})"


def _nested(kind: str) -> bool:
    return kind.endswith((")", "]")) and not kind.startswith("VARCHAR")


def _unfit_cell(path: Path, vocabulary: Vocabulary) -> str:
    """The first cell of a CSV table that its column's type cannot read, as `file:line:
    column: why` (DuckDB says the line only, and not always the right one). On the error path
    only: the file is read again in order, the first failing line found by halving (a
    nested cell's inner field that does not fit is not NULL under TRY_CAST, so each half is
    cast for real), then each cell of that line is cast alone."""
    import duckdb

    kinds = columns(vocabulary)
    with duckdb.connect() as connection:
        connection.read_csv(str(path), header=True, all_varchar=True).create_view("cells")
        # The line of a row: the header is line 1 (a cell holding a line break would move
        # later rows down; export writes none).
        connection.execute("CREATE TEMP TABLE numbered AS SELECT row_number() OVER () + 1 AS "
                           "line, * FROM cells")
        casts = ", ".join(f"{_cast(name, kind)} AS {_quoted(name)}"
                          for name, kind in kinds.items())

        def fails(low: int, high: int) -> bool:
            try:
                connection.execute(f"CREATE OR REPLACE TEMP TABLE probe AS SELECT {casts} "
                                   f"FROM numbered WHERE line >= {low} AND line < {high}")
            except duckdb.Error:
                return True
            return False

        (last,) = connection.execute("SELECT max(line) FROM numbered").fetchone() or (None,)
        low, high = 2, (last or 1) + 1
        if not fails(low, high):
            return f"{path}: a cell does not fit its column's type (see docs/population.md)"
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if fails(low, middle) else (middle, high)
        for name, kind in kinds.items():
            try:
                connection.execute(f"SELECT {_cast(name, kind)} FROM numbered WHERE "
                                   f"line = {low}").fetchall()
            except duckdb.Error as error:
                why = re.sub(r"^[A-Za-z ]+ Error: ", "", _first_line(error))
                why = re.sub(r" when casting from source column \S+$", "", why)
                why = why[:1].lower() + why[1:]
                (value,) = connection.execute(f"SELECT {_quoted(name)} FROM numbered WHERE "
                                              f"line = {low}").fetchone() or ("",)
                break
        else:
            return f"{path}:{low}: a cell does not fit its column's type (see docs/population.md)"
    shown = "" if _nested(kinds[name]) else f"{str(value)[:60]!r}: "
    return (f"{path}:{low}: {name}: {shown}{why} (a value of another type than the "
            "layout's: correct it, or export the table again with eligibility export)")


def _malformed(path: Path, near: int, said: str) -> str:
    """A line of a JSON Lines table that is not JSON, at its line: DuckDB's line may be the
    one after (it counts the line break that ends a cut line), so the line before it is
    tried first."""
    place, why = f"{near}", said.rstrip(".")
    with open(path, "rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if number < near - 1 or not raw.strip():
                continue
            try:
                json.loads(raw.rstrip(b"\r\n").decode("utf-8"))
            except UnicodeDecodeError as error:
                place, why = f"{number}:{error.start + 1}", "not UTF-8 text"
                break
            except json.JSONDecodeError as error:
                place, why = f"{number}:{error.colno}", error.msg.lower().removesuffix(" at")
                break
            if number >= near:
                break
    return (f"{path}:{place}: not JSON: {why} (each line of a JSON Lines table is one "
            "patient's row, a JSON object)")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def open_table(connection: duckdb.DuckDBPyConnection, path: Path,
               vocabulary: Vocabulary) -> None:
    """Make `path` the view `population` of `connection`, checking it has the layout's
    columns."""
    import duckdb

    kind = table_format(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    try:
        if kind == "csv":  # read whole into `population_raw`, its columns checked
            _read_csv(connection, path, vocabulary)
        else:
            if kind == "jsonl":
                _known_keys(connection, path, vocabulary)
            source = (connection.read_parquet(str(path)) if kind == "parquet"
                      else _read_json(connection, path, vocabulary, reading=True))
            view = "population" if kind == "parquet" else "population_json"
            source.create_view(view)
            found = {name for name, *_ in connection.execute(f"DESCRIBE {view}").fetchall()}
    except duckdb.Error as error:
        first = _first_line(error)
        malformed = re.search(r"Malformed JSON .* in line (\d+): (.*)$", first)
        if kind == "jsonl" and malformed:
            raise TableError(_malformed(path, int(malformed.group(1)),
                                        malformed.group(2))) from None
        raise TableError(f"{path}: cannot be read as {kind}: {first}") from None
    if kind != "csv" and (lacking := [name for name in columns(vocabulary)
                                      if name not in found]):
        raise TableError(f"{path}: not a population table of this vocabulary: no column "
                         f"{_shown(lacking)} (make it with eligibility export)")
    try:
        if kind == "jsonl":
            # Parsed once, into memory as a CSV table is: the checks and each trial's query
            # read the table again, and parsing the JSON is most of what that costs (100,000
            # rows and seven trials: 25 s streamed from the file, 16-18 s; 1.35 GB against 0.95).
            connection.execute("CREATE TEMP TABLE population_raw AS SELECT * FROM "
                               "population_json")
        if kind != "parquet":
            _whole_numbers(connection, path, vocabulary, "population_raw")
        one_row_per_patient(connection, path)
        same_vocabulary(connection, path, vocabulary)
        values_fit(connection, path, vocabulary)
    except duckdb.Error as error:
        raise TableError(unfit_table(path, error)) from None


def _query(connection: Any, sql: str) -> Any:
    """Run a check written in DuckDB's SQL on the table's engine (a `SparkTable` says
    "spark"), translated by sqlglot."""
    dialect = getattr(connection, "dialect", "duckdb")
    if dialect != "duckdb":
        import sqlglot

        sql = sqlglot.transpile(sql, read="duckdb", write=dialect)[0]
    return connection.execute(sql)


def same_vocabulary(connection: Any, path: Path, vocabulary: Vocabulary) -> None:
    """The table was exported with the definitions it is screened with: what each list entry
    is (a drug's class, a synonym) and the facts export works out (an ALSFRS-R total) were
    written into the rows then, and a vocabulary changed since (a synonym added, a drug moved
    to another class) would be screened with the old answers, silently. A table whose
    `vocabulary` is empty (NULL or blank) in every row was written by another program, which
    answers for its fields; one with some rows empty and others not is refused, since the
    empty ones may be of an export from before tables recorded their vocabulary."""
    text = "CAST(vocabulary AS VARCHAR)"
    found = [value for (value,) in _query(
        connection, f"SELECT DISTINCT CASE WHEN trim({text}) = '' THEN NULL ELSE {text} END "
        "FROM population LIMIT 4").fetchall()]
    values = [value for value in found if value is not None]
    again = ("export the profiles again with the rules you screen with "
             "(eligibility export PROFILES -o TABLE --rules RULES)")
    if len(values) > 1:
        raise TableError(f"{path}: rows exported with {'3 or more' if len(values) > 2 else 2} "
                         f"different vocabularies (tables of two exports put together?): "
                         f"{again}")
    if not values:
        return
    if len(found) > len(values):
        raise TableError(f"{path}: some rows say which vocabulary they were exported with and "
                         "others do not (rows another program wrote, or of an export from "
                         f"before tables said it, put together with exported rows): {again}")
    if values[0] == fingerprint(vocabulary):
        return
    theirs = _json_or_none(values[0])
    if not isinstance(theirs, dict):
        raise TableError(f"{path}: the vocabulary column holds {values[0][:60]!r}, not what "
                         f"eligibility export writes there (leave it empty in a table another "
                         f"program writes): {again}")
    ours = json.loads(fingerprint(vocabulary))
    if theirs.get("export") != ours["export"]:
        raise TableError(f"{path}: exported by another version of eligibility export, which "
                         f"worked out negatives and derived numbers otherwise: {again}")
    try:
        differ = [f"the list {name}" for name, digest in ours["lists"].items()
                  if theirs["lists"].get(name) != digest]
        differ += [what for part, what in (("doses", "dose units and frequencies"),
                                           ("groups", "the groups"))
                   if theirs[part] != ours[part]]
        differ += [f"the fact {name}" for name, digest in ours["facts"].items()
                   if theirs["facts"].get(name) != digest]
    except (KeyError, TypeError, AttributeError):  # JSON of another form
        raise TableError(f"{path}: exported by another version of eligibility export, "
                         f"whose vocabulary column this one does not read: {again}") from None
    if differ:  # (else the same definitions, written by a version that ordered them otherwise)
        raise TableError(f"{path}: exported with another vocabulary: {_shown(differ)} "
                         f"{'was' if len(differ) == 1 else 'were'} defined otherwise than in "
                         f"the rules' vocabulary (what each entry is, and the facts export works "
                         f"out, were written into the rows then); {again}")


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def one_row_per_patient(connection: Any, path: Path) -> None:
    """Every row is one patient, named by `patient_id`: a row without one (a spreadsheet's
    empty last line) or an id in two rows would be counted as patients of their own."""
    found = _query(
        connection,
        "SELECT patient_id, count(*) AS rows FROM population GROUP BY patient_id "
        "HAVING patient_id IS NULL OR count(*) > 1 ORDER BY patient_id NULLS FIRST "
        "LIMIT 4").fetchall()
    if not found:
        return
    ident, rows = found[0]
    if ident is None:
        raise TableError(f"{path}: {rows} row{'s' if rows != 1 else ''} without a patient_id "
                         "(each row is one patient, named by patient_id)")
    more = (f" (and {len(found) - 1}{'+' if len(found) == 4 else ''} more ids repeated)"
            if len(found) > 1 else "")
    raise TableError(f"{path}: patient_id {ident!r} is in {rows} rows{more}: each row is one "
                     "patient, and two rows of one would count them twice")


def values_fit(connection: Any, path: Path,
                vocabulary: Vocabulary) -> None:
    """Every value within what its fact allows (a range, a list of categories), as a YAML
    profile's are: an FVC of 840 % or El Escorial 'Probable' would otherwise be screened as
    written. The first that does not fit is an error naming its patient and fact."""
    from ..vocabulary import closest
    from .layout import stored

    tests: list[tuple[Fact, str]] = []

    def misfit(fact: Fact, value: str) -> str | None:
        if fact.categories:
            listed = ", ".join("'" + c.replace("'", "''") + "'" for c in fact.categories)
            return f"{value} NOT IN ({listed})"
        bounds = [f"{value} < {fact.minimum!r}" if fact.minimum is not None else "",
                  f"{value} > {fact.maximum!r}" if fact.maximum is not None else ""]
        found = " OR ".join(bound for bound in bounds if bound)
        return found or None

    for name in stored(vocabulary):
        fact = vocabulary.facts[name]
        if fact.derive is not None:  # worked out on export, not stated: not held to a range
            continue
        if (test := misfit(fact, "r.value")) is not None:
            tests.append((fact, f'list_filter("{name}", lambda r: {test})[1].value'))
    for group_name, group in vocabulary.groups.items():
        for member in group.members():
            fact = vocabulary.facts[f"{group_name}.{member}"]
            if (test := misfit(fact, f'r."{member}"')) is not None:
                tests.append((fact, f'list_filter("{group_name}", lambda r: {test})[1]."{member}"'))
    if "age" in vocabulary.facts and (test := misfit(vocabulary.facts["age"], '"age"')):
        tests.append((vocabulary.facts["age"], f'CASE WHEN {test} THEN "age" END'))
    found = _first_found(connection, "population", [test for _, test in tests])
    if found is None:
        return
    ident, index, value = found
    fact = tests[index][0]
    hint = closest(str(value).lower(), fact.categories) if fact.categories else ""
    shown = f"{value!r}" if isinstance(value, str) else f"{value:g}" if isinstance(
        value, float) else str(value)
    raise TableError(f"{path}: patient {ident!r}: {fact.name}: {shown} is not among the values "
                     f"the vocabulary allows ({fact.describe_range()}){hint}")


def _first_found(connection: Any, table: str,
                 tests: Sequence[str]) -> tuple[Any, int, Any] | None:
    """The first row of `table` for which one of `tests` (SQL, NULL when the row passes) is
    not NULL: its patient id, which test, and what the test gave; None when every row passes
    every test. One query, on the table's engine."""
    if not tests:
        return None
    chosen = ", ".join(f"{test} AS c{index}" for index, test in enumerate(tests))
    found = _query(
        connection, f"SELECT * FROM (SELECT patient_id, {chosen} FROM {table}) WHERE " +
        " OR ".join(f"c{index} IS NOT NULL" for index in range(len(tests))) + " LIMIT 1"
    ).fetchone()
    if found is None:
        return None
    ident, *values = found
    index = next(index for index, value in enumerate(values) if value is not None)
    return ident, index, values[index]


def refuse_later_dates(connection: Any, path: Path,
                       vocabulary: Vocabulary, as_of: str) -> None:
    """No date in a row after the day the row is screened on (`as_of`: SQL for it over the
    table's columns), as a profile with one is refused (`--as-of` before the data, or a row
    whose screening date comes before what it records): the query would read, on the day it
    screens, what was only known later. The first such row is an error naming its patient."""
    found_columns = []
    for name, kind in columns(vocabulary).items():
        if name == "screening_date":
            continue
        latest = _latest_date(f'"{name}"', duckdb_type(kind), 0)
        if latest is not None:
            found_columns.append((name, latest))
    if not found_columns:
        return
    chosen = ", ".join(f"{latest} AS d{index}" for index, (_, latest) in
                       enumerate(found_columns))
    import duckdb

    try:
        found = _query(
            connection,
            f"SELECT * FROM (SELECT patient_id, {as_of} AS day, {chosen} FROM population) "
            "WHERE " + " OR ".join(f"d{index} > day" for index in range(len(found_columns))) +
            " LIMIT 1").fetchone()
    except duckdb.Error as error:
        raise TableError(unfit_table(path, error)) from None
    if found is None:
        return
    ident, day, *dates = found
    name, date = next((name, date) for (name, _), date in zip(found_columns, dates, strict=True)
                      if date is not None and date > day)
    raise TableError(f"{path}: patient {ident!r}: {name} holds a date ({date}) after the day "
                     f"the row is screened on ({day}): a profile with one is refused, as what "
                     "was known on that day cannot be told from what came later (give an "
                     "--as-of on or after it, or correct the row)")


def _latest_date(expression: str, kind: Any, depth: int) -> str | None:
    """SQL for the latest date anywhere in a value of type `kind`, or None if it holds none."""
    if kind.id == "date":
        return expression
    if kind.id == "struct":
        parts = [found for name, child in kind.children if (found := _latest_date(
            f'{expression}."{name}"', child, depth)) is not None]
        return None if not parts else parts[0] if len(parts) == 1 else (
            f"greatest({', '.join(parts)})")
    if kind.id == "list":
        inner = _latest_date(f"x{depth}", kind.children[0][1], depth + 1)
        return None if inner is None else (
            f"list_max(list_transform({expression}, lambda x{depth}: {inner}))")
    return None


def unfit_table(path: Path, error: BaseException) -> str:
    """A DuckDB error met reading a table's values, as one line: `file:line: what` when
    DuckDB says the line (JSON Lines), and what to do."""
    first = _first_line(error)
    found = re.search(r"in line (\d+): (.*)$", first)
    if found:
        # DuckDB's line is approximate: the line holding the value it quotes, if one does
        line = _line_holding(path, re.findall(r'"([^"]*)"', found.group(2)))
        what = (f"{path}:{line}: {found.group(2)}" if line is not None else
                f"{path}: near line {found.group(1)}: {found.group(2)}")
    else:
        what = f"{path}: cannot be screened: {re.sub(r'^[A-Za-z ]+ Error: ', '', first)}"
    return (f"{what} (a value of another type than the layout's, or a table exported by an "
            "earlier version: correct it, or export it again with eligibility export)")


def _line_holding(path: Path, quoted: list[str]) -> int | None:
    """The first line of a JSON Lines file holding the last quoted value as a JSON string."""
    if not quoted or not path.is_file():
        return None
    wanted = json.dumps(quoted[-1])
    with open(path, encoding="utf-8", errors="replace") as lines:
        return next((number for number, text in enumerate(lines, start=1) if wanted in text),
                    None)


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
