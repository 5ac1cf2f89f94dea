"""Read a spreadsheet (CSV, one row per patient, one column per fact) into `Imported` profiles.

The columns are named like the profile's fields (`fvc.percent_predicted`, with `fvc.date` for
the day it was measured); every problem names its row (the file's line) and column. An empty
cell states nothing: the fact stays unknown. Docs: docs/spreadsheet.md.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..loading import Problem
from ..source import SourceSpan
from ..vocabulary import DEFAULT, Vocabulary, closest, normalise_name
from . import Imported
from . import cells as cell

__all__ = ["Row", "columns_of", "locate", "read_sheet", "template"]

TOP = ("id", "screening_date", "birth_date", "age", "sex", "note")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Column:
    """What one header names: where its value goes in the profile and how it is read."""

    header: str
    kind: str          # top, record, lab, lab_unit, lab_date, lab_low, lab_high, entry,
                       # entry_date, complete, reviewed
    target: tuple[str, ...]
    parse: Callable[[str], Any]


@dataclass(frozen=True)
class Row:
    """One patient of the sheet: its profile, the line it starts on, and its cells' columns."""

    line: int
    imported: Imported
    cells: dict[str, int]   # header -> 1-based column number, for locating problems
    entries: dict[str, list[str]]   # list -> the header of each of its entries, in order


def template(vocabulary: Vocabulary = DEFAULT) -> list[str]:
    """Every column the importer reads, in the order a sheet would hold them."""
    headers = list(TOP)
    for block in vocabulary.blocks.values():
        facts = [vocabulary.facts[name] for name in block.facts]
        if block.panel:
            for fact in facts:
                headers += [fact.name, f"{fact.name}.unit", f"{fact.name}.date",
                            f"{fact.name}.low", f"{fact.name}.high"]
            continue
        stated = [fact.name for fact in facts if not fact.derived or fact.stated]
        if stated:
            headers += [*stated, f"{block.name}.date"]
    for name, collection in vocabulary.collections.items():
        headers += [f"{name}.complete", f"{name}.reviewed"]
        for category in collection.categories:
            headers += [f"{name}.{category}", f"{name}.{category}.date"]
    return headers


def columns_of(headers: list[str], vocabulary: Vocabulary = DEFAULT) -> tuple[
        list[Column | None], list[tuple[int, str, str]]]:
    """The column each header names, and each header's problem as (column, header, message)."""
    known = template(vocabulary)
    columns: list[Column | None] = []
    problems: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for number, header in enumerate(headers, start=1):
        name = header.strip()
        column = _column(name, vocabulary) if name else None
        if not name:
            problems.append((number, header, "a column without a name (name it, or delete "
                             "the column)"))
        elif name in seen:
            problems.append((number, name, "this column appears twice"))
        elif column is None:
            problems.append((number, name, f"unknown column {name!r}{closest(name, known)} "
                             "(`eligibility import csv --template` lists every column)"))
        seen.add(name)
        columns.append(column)
    if "id" not in seen:
        problems.append((1, "id", "no id column: each row needs the patient's id"))
    return columns, problems


def read_sheet(path: Path | str, text: str, *, vocabulary: Vocabulary = DEFAULT) -> tuple[
        list[Row], list[Problem]]:
    """Every row of the sheet as a profile being built, and every problem with its place."""
    name = str(path)
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte-order mark
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    lines = _rows(text, delimiter)
    try:
        header_line, headers = next(lines)
    except StopIteration:
        return [], [Problem(SourceSpan(name, 1, 1), "", "empty file: the first line names "
                            "the columns (`eligibility import csv --template`)")]
    except csv.Error as error:
        return [], [Problem(SourceSpan(name, 1, 1), "", f"not a CSV file: {error}")]
    columns, header_problems = columns_of(headers, vocabulary)
    problems = [Problem(SourceSpan(name, header_line, number), header, message)
                for number, header, message in header_problems]
    if header_problems:
        return [], problems
    rows: list[Row] = []
    ids: dict[str, int] = {}
    try:
        for line, cells in lines:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line between patients
            row = _row(name, line, cells, columns, problems, vocabulary)
            if row is None:
                continue
            ident = str(row.imported.scalars["id"][0])
            if ident.casefold() in ids:
                problems.append(Problem(SourceSpan(name, line, row.cells["id"]), "id",
                                        f"id {ident!r} is also on line {ids[ident.casefold()]} "
                                        "(each patient once)"))
            ids.setdefault(ident.casefold(), line)
            rows.append(row)
    except csv.Error as error:
        problems.append(Problem(SourceSpan(name, line + 1, 1), "", f"not a CSV file: {error}"))
    return rows, problems


def _rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted cell may hold line breaks)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _row(name: str, line: int, cells: list[str], columns: list[Column | None],
         problems: list[Problem], vocabulary: Vocabulary) -> Row | None:
    source = f"{Path(name).name} line {line}"
    imported = Imported()
    places = {column.header: number for number, column in enumerate(columns, start=1)
              if column is not None}
    before = len(problems)
    if len(cells) > len(columns):
        problems.append(Problem(SourceSpan(name, line, len(columns) + 1), "",
                                f"{len(cells)} cells, but the first line names {len(columns)} "
                                "columns (a comma inside a cell needs quotes)"))
    for number, (column, written) in enumerate(zip(columns, cells, strict=False), start=1):
        if column is None or not written.strip():
            continue
        try:
            value = column.parse(written.strip())
        except ValueError as error:
            problems.append(Problem(SourceSpan(name, line, number), column.header, str(error)))
            continue
        _place(imported, column, value, source)
    ident = imported.scalars.get("id")
    if ident is None:
        problems.append(Problem(SourceSpan(name, line, places["id"]), "id",
                                "each row needs the patient's id"))
    elif not _ID.match(str(ident[0])):
        problems.append(Problem(SourceSpan(name, line, places["id"]), "id",
                                f"id {ident[0]!r} cannot name a file: use letters, digits, "
                                "'.', '-' and '_'"))
    entries = _finish(name, line, imported, places, vocabulary, problems)
    return Row(line, imported, places, entries) if len(problems) == before else None


def _place(imported: Imported, column: Column, value: Any, source: str) -> None:
    kind, target = column.kind, column.target
    if kind == "top":
        imported.scalars[target[0]] = (value, source)
    elif kind == "record":
        block = target[0]
        records = imported.records.setdefault(block, [({}, source)])
        _put(records[0][0], target[1:], value)
    elif kind.startswith("lab"):
        results = imported.labs.setdefault(target[0], [({}, source)])
        field = {"lab": "value", "lab_unit": "unit", "lab_date": "date"}.get(kind)
        if field:
            results[0][0][field] = value
        else:
            results[0][0].setdefault("reference_range", {})[kind.removeprefix("lab_")] = value
    elif kind in ("entry", "entry_date"):
        entries = imported.lists.setdefault(target[0], [])
        entry = next((values for values, _ in entries if values.get("_key") == target[1]), None)
        if entry is None:
            entry = {"_key": target[1]}
            entries.append((entry, source))
        entry.update(value if kind == "entry" else {"date": value})
    elif kind == "complete":
        if value:
            imported.complete[target[0]] = (None, source)
    elif kind == "reviewed":
        imported.records.setdefault("_reviewed", []).append(({target[0]: value}, source))


def _put(record: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for step in path[:-1]:
        record = record.setdefault(step, {})
    record[path[-1]] = value


def _finish(name: str, line: int, imported: Imported, places: dict[str, int],
            vocabulary: Vocabulary, problems: list[Problem]) -> dict[str, list[str]]:
    """Give one row the profile's shape: list entries named by category or known name, each
    list's reviewed date beside its `complete`. Returns each list's entry columns, in order."""
    reviewed = {key: value for values, _ in imported.records.pop("_reviewed", [])
                for key, value in values.items()}
    for collection, (_, source) in list(imported.complete.items()):
        imported.complete[collection] = (reviewed.get(collection), source)
    headers: dict[str, list[str]] = {}
    for collection, entries in imported.lists.items():
        categories = vocabulary.collections[collection].categories
        for values, _ in entries:
            key = values.pop("_key")
            header = f"{collection}.{key}"
            headers.setdefault(collection, []).append(header)
            if "status" not in values and not values.pop("present", False):
                problems.append(Problem(SourceSpan(name, line, places[f"{header}.date"]),
                                        f"{header}.date", f"a date without {header} (write "
                                        "current, past, absent or present in that column)"))
            values.update({"category": key} if key in categories else {"name": key})
    return headers


def locate(row: Row, field: str) -> tuple[str, int]:
    """The column a profile problem is about: `labs.hemoglobin[0].unit` is in
    `labs.hemoglobin.unit`, `conditions[1].status` in the second list column."""
    match = re.match(r"^(\w+)\[(\d+)\]", field)
    if match and match.group(1) in row.entries:
        entries = row.entries[match.group(1)]
        if int(match.group(2)) < len(entries):
            header = entries[int(match.group(2))]
            return header, row.cells.get(header, 1)
    plain = re.sub(r"\[\d+\]", "", field)
    best = max((header for header in row.cells
                if plain == header or plain.startswith(header + ".")
                or header.startswith(plain + ".")), key=len, default=None)
    if best is None:  # a column the sheet lacks (fvc.date): the block's first column
        block = plain.split(".")[0] + "."
        nearest = min((row.cells[h] for h in row.cells if h.startswith(block)), default=1)
        return plain or "id", nearest
    return best, row.cells[best]


def _column(header: str, vocabulary: Vocabulary) -> Column | None:
    if header in TOP:
        parse = {"screening_date": cell.date, "birth_date": cell.date,
                 "age": cell.integer, "sex": cell.one_of(("female", "male"))}.get(
            header, cell.text)
        return Column(header, "top", (header,), parse)
    head, _, last = header.rpartition(".")
    if header in vocabulary.facts and vocabulary.facts[header].kind == "lab":
        return Column(header, "lab", (header.split(".", 1)[1],), cell.number)
    if head in vocabulary.facts and vocabulary.facts[head].kind == "lab":
        test = head.split(".", 1)[1]
        kinds = {"unit": ("lab_unit", cell.text), "date": ("lab_date", cell.date),
                 "low": ("lab_low", cell.number), "high": ("lab_high", cell.number)}
        if last in kinds:
            return Column(header, kinds[last][0], (test,), kinds[last][1])
        return None
    fact = vocabulary.facts.get(header)
    if fact is not None and fact.block and (not fact.derived or fact.stated):
        return Column(header, "record", tuple(header.split(".")), cell.parser(fact))
    if last == "date" and head in vocabulary.blocks and not vocabulary.blocks[head].panel:
        return Column(header, "record", (head, "date"), cell.date)
    return _list_column(header, vocabulary)


def _list_column(header: str, vocabulary: Vocabulary) -> Column | None:
    collection, _, rest = header.partition(".")
    if collection not in vocabulary.collections or not rest:
        return None
    if rest == "complete":
        return Column(header, "complete", (collection,), cell.boolean)
    if rest == "reviewed":
        return Column(header, "reviewed", (collection,), cell.date)
    key, dated = (rest.removesuffix(".date"), True) if rest.endswith(".date") else (rest, False)
    known = vocabulary.collections[collection]
    if key not in known.categories and normalise_name(key) not in known.concepts:
        return None
    if dated:
        return Column(header, "entry_date", (collection, key), cell.date)
    return Column(header, "entry", (collection, key), cell.status)
