"""A JSON Lines population table is read exactly as written or refused: a number, a boolean
or a structure where the layout has another kind is an input error at its line, never cast
(DuckDB's JSON reader would read true as 1, 1 as true)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eligibility.cli import app

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from eligibility.sql.layout import columns  # noqa: E402
from eligibility.sql.tables import TableError, duckdb_type, open_table  # noqa: E402
from eligibility.vocabulary import DEFAULT  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()
Path_ = tuple[str | int, ...]


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    table = tmp_path_factory.mktemp("values") / "registry.jsonl"
    result = runner.invoke(app, ["export", str(ROOT / "patients"), "-o", str(table),
                                 "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in table.read_text(encoding="utf-8").splitlines()]


def _leaves(value: Any, kind: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    """Each number and boolean a row states, with where it is and its layout kind."""
    if value is None:
        return
    if kind.id in ("double", "bigint", "boolean"):
        yield path, "boolean" if kind.id == "boolean" else "number"
    elif kind.id == "struct" and isinstance(value, dict):
        for name, child in kind.children:
            yield from _leaves(value.get(name), child, (*path, name))
    elif kind.id == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, kind.children[0][1], (*path, index))


def _every_leaf(rows: list[dict[str, Any]]) -> list[tuple[int, Path_, str]]:
    layout = {name: duckdb_type(kind) for name, kind in columns(DEFAULT).items()}
    return [(number, path, wanted) for number, row in enumerate(rows)
            for name, kind in layout.items()
            for path, wanted in _leaves(row.get(name), kind, (name,))]


def _set(row: dict[str, Any], path: Path_, value: Any) -> None:
    inner: Any = row
    for step in path[:-1]:
        inner = inner[step]
    inner[path[-1]] = value


# What may be written in a leaf of each kind, and what must be refused there.
FITTING = {"number": st.integers(-5, 300) | st.floats(0, 300, allow_nan=False),
           "boolean": st.booleans()}
UNFITTING = {"number": st.booleans() | st.sampled_from(["eighty", "", "yes"]) |
             st.just({"value": 1}) | st.just([1]),
             "boolean": st.sampled_from([0, 1, 2, 0.5, "yes", "1", ""]) |
             st.just({"value": True}) | st.just([True])}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_leaf_of_another_kind_is_refused_at_its_line_and_one_of_its_kind_is_not(
        rows: list[dict[str, Any]], tmp_path: Path, data: st.DataObject) -> None:
    number, path, wanted = data.draw(st.sampled_from(_every_leaf(rows)), label="leaf")
    fits = data.draw(st.booleans(), label="fits")
    value = data.draw(FITTING[wanted] if fits else UNFITTING[wanted], label="value")
    # Two rows: another patient's as it was exported, then the changed one, on line 2.
    changed = json.loads(json.dumps(rows[number]))
    _set(changed, path, value)
    table = tmp_path / "registry.jsonl"
    table.write_text(json.dumps(rows[(number + 1) % len(rows)]) + "\n" + json.dumps(changed)
                     + "\n", encoding="utf-8")
    try:
        with duckdb.connect() as connection:
            open_table(connection, table, DEFAULT)
    except TableError as error:
        # A fitting value may still be refused for what it says (out of the fact's range,
        # a fraction where the fact is whole, a date after the screening day): never for
        # its kind.
        if fits:
            assert "is not a number" not in str(error), str(error)
            assert "is not true or false" not in str(error), str(error)
        else:
            # At its line; named by its column, unless a structure stands where a value
            # belongs (its keys are then named as keys the column does not have).
            where = f"{table}:2: " + ("" if isinstance(value, (dict, list)) else f"{path[0]}: ")
            assert str(error).startswith(where), str(error)
        return
    assert fits, f"{value!r} at {path} of {rows[number]['patient_id']} was read as a {wanted}"
