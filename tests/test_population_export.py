"""`eligibility export`: profiles to the population table, read back as DuckDB reads it."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility.cli import app

duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _export(*args: str) -> object:
    return runner.invoke(app, ["export", *args, "--rules", str(ROOT / "rules")])


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv"])
def test_export_writes_one_row_per_profile_with_each_fact_history(tmp_path: Path,
                                                                   suffix: str) -> None:
    table = tmp_path / f"registry{suffix}"
    result = _export(str(ROOT / "patients"), "-o", str(table))
    assert result.exit_code == 0, result.output
    from eligibility.sql.tables import open_table
    from eligibility.vocabulary import DEFAULT

    with duckdb.connect() as connection:
        open_table(connection, table, DEFAULT)
        count, = connection.execute("SELECT count(*) FROM population").fetchone()
        fvc = connection.execute(
            'SELECT "fvc.percent_predicted"[1].value, "fvc.percent_predicted"[1].date '
            "FROM population WHERE patient_id = 'P006-75th-birthday'").fetchone()
        riluzole = connection.execute(
            "SELECT medications.items[1].key, medications.complete FROM population "
            "WHERE patient_id = 'P006-75th-birthday'").fetchone()
    assert count == len(list((ROOT / "patients").glob("*.yaml")))
    assert fvc[0] == 88 and str(fvc[1]) == "2026-02-20"
    assert riluzole == ("riluzole", True)


def test_export_reports_a_bad_profile_writes_the_others_and_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "good.yaml").write_text((ROOT / "patients" / "75th-birthday.yaml").read_text())
    (folder / "bad.yaml").write_text("id: x\nfvc: {percent_predicted: eighty}\n")
    table = tmp_path / "registry.jsonl"
    result = _export(str(folder), "-o", str(table))
    assert result.exit_code == 1, result.output
    assert "bad.yaml" in result.output and "1 patient written" in result.output
    assert len(table.read_text().splitlines()) == 1


def test_export_to_an_unknown_suffix_is_a_usage_error_naming_the_formats(
        tmp_path: Path) -> None:
    result = _export(str(ROOT / "patients"), "-o", str(tmp_path / "registry.xlsx"))
    assert result.exit_code == 2, result.output
    assert "expected a .parquet, .jsonl, .ndjson or .csv file" in result.output
    assert not (tmp_path / "registry.xlsx").exists()


def test_a_csv_table_keeps_nested_columns_as_json_and_screens_as_parquet_does(
        tmp_path: Path) -> None:
    for suffix in (".csv", ".parquet"):
        result = _export(str(ROOT / "patients"), "-o", str(tmp_path / f"registry{suffix}"))
        assert result.exit_code == 0, result.output
    header, first = (tmp_path / "registry.csv").read_text().splitlines()[:2]
    assert header.startswith("patient_id,age,screening_date,visits,assessments,")
    assert ',"[{""value"":' in first  # a history: its JSON in a quoted cell

    def screened(table: str) -> list[str]:
        result = runner.invoke(app, ["screen", str(tmp_path / table), "--format", "jsonl",
                                     "--rules", str(ROOT / "rules")])
        assert result.exit_code == 0, result.output
        return sorted(result.stdout.splitlines())

    assert screened("registry.csv") == screened("registry.parquet")


@pytest.mark.parametrize(("text", "message"), [
    ("id,sex,age\nP1,female,60\n", "not a population table of this vocabulary: no column "
     "patient_id, screening_date, visits, assessments, birth_date and"),
    (None, ":2: fvc.percent_predicted: 'eighty' is not a number"),
], ids=["a-spreadsheet-of-patients", "a-nested-cell-that-does-not-fit"])
def test_a_csv_that_is_not_a_population_table_is_an_input_error(
        tmp_path: Path, text: str | None, message: str) -> None:
    table = tmp_path / "registry.csv"
    if text is None:
        result = _export(str(ROOT / "patients" / "example.yaml"), "-o", str(table))
        assert result.exit_code == 0, result.output
        rows = list(csv.reader(table.open()))
        rows[1][rows[0].index("fvc.percent_predicted")] = (
            '[{"value": "eighty", "date": null, "visit": null, "low": null, "high": null}]')
        with table.open("w", newline="") as stream:
            csv.writer(stream).writerows(rows)
    else:
        table.write_text(text)
    result = runner.invoke(app, ["screen", str(table), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("column", "cell", "message"), [
    ("age", "eighty", ":4: age: 'eighty': could not convert string 'eighty' to DOUBLE"),
    ("age", "17.6", ": patient 'P013-anticoagulant-brand-name': age: 17.6 is not a whole number"),
    ("screening_date", "2026-02-30", ":4: screening_date: '2026-02-30': date field value out "
     "of range"),
    ("fvc.percent_predicted", '[{"value": 84, "date": "20/10/2026", "visit": null, "low": '
     'null, "high": null}]',
     ':4: fvc.percent_predicted: invalid date field format: "20/10/2026"'),
    ("conditions", '{"complete": true, "itemz": []}',
     ':4: conditions: object {"complete":true,"itemz":[]} has unknown key "itemz"'),
    ("medications", "[not json", ":4: medications: malformed JSON"),
    ("fvc.percent_predicted", '[{"value": true, "date": "2025-10-20", "visit": null, "low": '
     'null, "high": null}]',
     ":4: fvc.percent_predicted: true is not a number (patient 'P013-anticoagulant-brand-name'"),
], ids=["text-for-a-number", "a-fraction", "no-such-day", "a-date-inside-a-history",
        "a-misspelt-key", "not-json", "true-inside-a-history"])
def test_a_csv_cell_that_does_not_fit_is_named_by_its_line_and_column(
        tmp_path: Path, column: str, cell: str, message: str) -> None:
    table = tmp_path / "registry.csv"
    result = _export(str(ROOT / "patients"), "-o", str(table))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(table.open(newline="")))
    rows[3][rows[0].index(column)] = cell  # the third patient, on line 4
    with table.open("w", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(rows)
    for command in (["screen", str(table)], ["funnel", "NCT06910384", str(table)]):
        result = runner.invoke(app, [*command, "--rules", str(ROOT / "rules")])
        assert result.exit_code == 1, result.output
        assert f"error: {table}{message}" in " ".join(result.output.split())


def test_neither_the_library_nor_the_command_line_imports_the_sql_engines() -> None:
    code = ("import sys, eligibility, eligibility.cli; "
            "print(sorted({'duckdb', 'sqlglot', 'pyspark'} & set(sys.modules)))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == "[]"


def test_export_into_a_missing_folder_names_the_destination_not_a_temporary_file(
        tmp_path: Path) -> None:
    destination = tmp_path / "no" / "such" / "registry.parquet"
    result = _export(str(ROOT / "patients"), "-o", str(destination))
    assert result.exit_code == 1, result.output
    assert f"error: cannot write {destination}: no such folder" in result.output
    assert ".tmp" not in result.output and ".jsonl" not in result.output


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_an_exported_table_is_readable_as_the_umask_allows(tmp_path: Path, suffix: str) -> None:
    import os

    destination = tmp_path / f"registry{suffix}"
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(app, ["export", str(ROOT / "patients" / "example.yaml"),
                                          "-o", str(destination), "--rules",
                                          str(ROOT / "rules")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert destination.stat().st_mode & 0o777 == 0o644


def test_a_second_profile_of_one_patient_is_reported_and_left_out_of_the_table(
        tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    for name in ("a.yaml", "b.yaml"):
        (folder / name).write_text((ROOT / "patients" / "example.yaml").read_text())
    table = tmp_path / "registry.parquet"
    result = _export(str(folder), "-o", str(table))
    assert result.exit_code == 1, result.output
    assert (f"{folder / 'b.yaml'}:2:1: id: 'P001-example' is also the id of "
            f"{folder / 'a.yaml'}: a table holds each patient once") in " ".join(
        result.output.split())
    assert "1 patient written" in result.output
    screened = runner.invoke(app, ["screen", str(table), "--rules", str(ROOT / "rules")])
    assert screened.exit_code == 0, screened.output  # the table is one a screen can use


def test_one_profile_named_two_ways_is_exported_once(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text((ROOT / "patients" / "example.yaml").read_text())
    result = _export("a.yaml", str(tmp_path / "a.yaml"), "./a.yaml", "-o", "t.parquet")
    assert result.exit_code == 0, result.output
    assert "1 patient written" in result.output


def test_a_csv_row_with_another_number_of_cells_is_named_at_its_line(tmp_path: Path) -> None:
    # DuckDB gives up on the whole file and finds none of its columns
    table = tmp_path / "registry.csv"
    result = _export(str(ROOT / "patients"), "-o", str(table))
    assert result.exit_code == 0, result.output
    lines = table.read_text(encoding="utf-8").splitlines()
    cells = len(next(csv.reader([lines[0]])))
    lines[9] += ",extra"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["screen", str(table), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 1, result.output
    assert (f"{table}:10: {cells + 1} cells where the header has {cells} (a line cut short, "
            "or a comma outside quotes)") in " ".join(result.output.split())
