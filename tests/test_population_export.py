"""`eligibility export`: profiles to the population table, read back as DuckDB reads it."""

from __future__ import annotations

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


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
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


def test_export_to_a_csv_file_is_a_usage_error_naming_the_formats(tmp_path: Path) -> None:
    result = _export(str(ROOT / "patients"), "-o", str(tmp_path / "registry.csv"))
    assert result.exit_code == 2, result.output
    assert "expected a .parquet, .jsonl or .ndjson file" in result.output
    assert not (tmp_path / "registry.csv").exists()


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
