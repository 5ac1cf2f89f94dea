"""Spreadsheet input: one row per patient, one column per fact, every problem with its line and
column, and nothing written (nor overwritten) unless the whole sheet is right."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eligibility.cli import app
from eligibility.importing import profile_text
from eligibility.importing.csvfile import columns_of, locate, read_sheet, template
from eligibility.loading import check_patient_to_screen

RULES = Path(__file__).parent.parent / "rules"

GOOD = (
    "id,birth_date,sex,als.onset_date,als.diagnosis_date,als.el_escorial,"
    "fvc.percent_predicted,fvc.date,alsfrs_r.total,alsfrs_r.date,labs.hemoglobin,"
    "labs.hemoglobin.unit,labs.hemoglobin.date,labs.hemoglobin.low,labs.hemoglobin.high,"
    "medications.anticoagulant,medications.anticoagulant.date,allergies.complete,"
    "allergies.reviewed,conditions.HIV,conditions.HIV.date\n"
    "S-001,1968-04-17,female,2025-09-10,2026-03-02,probable,84.5,2026-10-20,40,2026-10-20,"
    "13.1,g/dL,2026-10-20,12,15.5,absent,2026-10-20,yes,2026-10-20,absent,2026-10-20\n"
    "\n"
    "S-002,1955-01-02,male,,,,,,,,,,,,,current,,,,,\n")


def run(tmp_path: Path, sheet: str, *args: str):
    (tmp_path / "p.csv").write_text(sheet, encoding="utf-8")
    return CliRunner().invoke(app, ["import", "csv", str(tmp_path / "p.csv"), "-o",
                                    str(tmp_path / "out"), *args])


def profile(tmp_path: Path, ident: str) -> dict[str, object]:
    return dict(yaml.safe_load((tmp_path / "out" / f"{ident}.yaml").read_text(encoding="utf-8")))


def test_each_row_becomes_a_profile_with_its_facts(tmp_path):
    result = run(tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote 2 profiles into {tmp_path / 'out'} from {tmp_path / 'p.csv'}\n"
    assert profile(tmp_path, "S-001") == {
        "id": "S-001", "birth_date": dt.date(1968, 4, 17), "sex": "female",
        "als": {"onset_date": dt.date(2025, 9, 10), "diagnosis_date": dt.date(2026, 3, 2),
                "el_escorial": "probable"},
        "fvc": {"percent_predicted": 84.5, "date": dt.date(2026, 10, 20)},
        "alsfrs_r": {"total": 40, "date": dt.date(2026, 10, 20)},
        "labs": {"hemoglobin": [{"value": 13.1, "unit": "g/dL", "date": dt.date(2026, 10, 20),
                                 "reference_range": {"low": 12, "high": 15.5}}]},
        "allergies": {"complete": True, "reviewed": dt.date(2026, 10, 20), "items": []},
        "medications": [{"category": "anticoagulant", "status": "absent",
                         "date": dt.date(2026, 10, 20)}],
        "conditions": [{"name": "HIV", "status": "absent", "date": dt.date(2026, 10, 20)}],
    }
    assert profile(tmp_path, "S-002") == {
        "id": "S-002", "birth_date": dt.date(1955, 1, 2), "sex": "male",
        "medications": [{"category": "anticoagulant", "status": "current"}]}


def test_each_fact_names_the_line_it_came_from(tmp_path):
    assert run(tmp_path, GOOD).exit_code == 0
    text = (tmp_path / "out" / "S-002.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == [
        "id: S-002  # p.csv line 4", "birth_date: 1955-01-02  # p.csv line 4",
        "sex: male  # p.csv line 4", "medications:",
        "  - {category: anticoagulant, status: current}  # p.csv line 4"]


def test_the_imported_profiles_screen(tmp_path):
    assert run(tmp_path, GOOD).exit_code == 0
    result = CliRunner().invoke(app, ["screen", "--rules", str(RULES), str(tmp_path / "out"),
                                      "--as-of", "2026-11-02", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "\nS-002,2026-11-02,NCT05003921,ineligible," in result.output


@pytest.mark.parametrize(
    ("header", "cells", "message"),
    [("birth_date", "17/04/1968",
      "p.csv:2:2: birth_date: expected a date as YYYY-MM-DD, got '17/04/1968'"),
     ("sex", "F", "p.csv:2:2: sex: expected one of 'female', 'male', got 'F'"),
     ("fvc.percent_predicted", '"84,5"', "p.csv:2:2: fvc.percent_predicted: expected a number, "
      "got '84,5' (write decimals with a point: 84.5)"),
     ("age", "70.5", "p.csv:2:2: age: expected a whole number, got '70.5'"),
     ("weight.kg,weight.date", "nan,2026-10-20",
      "p.csv:2:2: weight.kg: expected a number, got 'nan'"),
     ("consent.willing", "maybe", "p.csv:2:2: consent.willing: expected true or false (or "
      "yes or no), got 'maybe'"),
     ("conditions.cancer", "resolved", "p.csv:2:2: conditions.cancer: expected current, past, "
      "absent or present, got 'resolved'"),
     ("conditions.HIV.date", "2026-10-20", "p.csv:2:2: conditions.HIV.date: a date without "
      "conditions.HIV (write current, past, absent or present in that column)"),
     ("fvc.percent_predicted", "84", "p.csv:2:2: fvc.date: missing required field 'date'"),
     ("alsfrs_r.items.speech,alsfrs_r.date", "5,2026-10-20",
      "p.csv:2:2: alsfrs_r.items.speech: expected a value from 0 to 4, got 5"),
     ("weight.kg,weight.date", "70,2999-01-01", "p.csv:2:3: weight.date: 2999-01-01 is after "
      f"today, the screening date {dt.date.today()} (dates must be on or before the screening "
      "date; check for a typo)")],
    ids=["date", "category", "decimal-comma", "whole-number", "not-a-number", "boolean", "status",
         "date-without-status", "missing-date", "range", "future-date"])
def test_a_bad_cell_is_reported_with_its_line_and_column(tmp_path, header, cells, message):
    result = run(tmp_path, f"id,{header}\nS-1,{cells}\n")
    assert result.exit_code == 1
    assert result.output == (f"{tmp_path}/{message}\nerror: {tmp_path / 'p.csv'}: nothing was "
                             "written; correct the sheet and run again\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("sheet", "message"),
    [("id,fvc.percent_predictd\n", "p.csv:1:2: fvc.percent_predictd: unknown column "
      "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?) (`eligibility import csv "
      "--template` lists every column)"),
     ("id,sex,sex\n", "p.csv:1:3: sex: this column appears twice"),
     ("sex\n", "p.csv:1:1: id: no id column: each row needs the patient's id"),
     ("id,,sex\n", "p.csv:1:2: a column without a name (name it, or delete the column)"),
     ("", "p.csv:1:1: empty file: the first line names the columns (`eligibility import csv "
      "--template`)"),
     ("id,sex\n,male\n", "p.csv:2:1: id: each row needs the patient's id"),
     ("id\nS-1\ns-1\n", "p.csv:3:1: id: id 's-1' is also on line 2 (each patient once)"),
     ("id\n../x\n", "p.csv:2:1: id: id '../x' cannot name a file: use letters, digits, '.', "
      "'-' and '_'"),
     ("id,sex\nS-1,male,70\n", "p.csv:2:3: 3 cells, but the first line names 2 columns (a "
      "comma inside a cell needs quotes)")],
    ids=["unknown-column", "twice", "no-id", "blank-header", "empty", "no-id-cell",
         "same-id", "id-not-a-file-name", "too-many-cells"])
def test_a_bad_sheet_is_reported_with_its_line_and_column(tmp_path, sheet, message):
    (tmp_path / "p.csv").write_text(sheet, encoding="utf-8")
    _, problems = read_sheet(tmp_path / "p.csv", sheet)
    assert [str(problem) for problem in problems] == [f"{tmp_path}/{message}"]


def test_a_quoted_cell_with_line_breaks_keeps_the_line_numbers_right(tmp_path):
    sheet = 'id,note,sex\nS-1,"two\nlines",male\nS-2,,F\n'
    _, problems = read_sheet(tmp_path / "p.csv", sheet)
    assert [str(problem) for problem in problems] == [
        f"{tmp_path}/p.csv:4:3: sex: expected one of 'female', 'male', got 'F'"]


def test_excel_csv_with_semicolons_and_a_byte_order_mark_is_read(tmp_path):
    rows, problems = read_sheet(tmp_path / "p.csv", "\ufeffid;sex;fvc.percent_predicted;"
                                "fvc.date\r\nS-1;female;84.5;2026-10-20\r\n")
    assert problems == []
    assert rows[0].imported.facts()["fvc"] == {"percent_predicted": 84.5,
                                                "date": dt.date(2026, 10, 20)}


def test_an_empty_cell_states_nothing(tmp_path):
    result = run(tmp_path, "id,sex,fvc.percent_predicted,fvc.date,conditions.cancer\nS-1,,,,\n")
    assert result.exit_code == 0, result.output
    assert profile(tmp_path, "S-1") == {"id": "S-1"}


def test_import_csv_never_overwrites_a_profile_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "S-002.yaml").write_text("id: S-002\n", encoding="utf-8")
    result = run(tmp_path, GOOD)
    assert result.exit_code == 1
    assert result.output == (f"error: {tmp_path / 'out' / 'S-002.yaml'} already exists; "
                             "nothing was written (use --force to overwrite)\n")
    assert not (tmp_path / "out" / "S-001.yaml").exists()
    assert (tmp_path / "out" / "S-002.yaml").read_text(encoding="utf-8") == "id: S-002\n"
    result = run(tmp_path, GOOD, "--force")
    assert result.exit_code == 0, result.output
    assert profile(tmp_path, "S-002")["sex"] == "male"


def test_every_template_column_is_read():
    columns, problems = columns_of(template())
    assert problems == [] and None not in columns


def test_the_template_is_the_header_line_of_every_column():
    result = CliRunner().invoke(app, ["import", "csv", "--template"])
    assert result.exit_code == 0, result.output
    assert result.output == ",".join(template()) + "\n"
    assert result.output.startswith("id,screening_date,birth_date,age,sex,note,weight.kg,")


def test_import_csv_without_a_folder_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(app, ["import", "csv", str(tmp_path / "p.csv")])
    assert result.exit_code == 2
    assert result.output == "error: give the CSV file and --output FOLDER (or --template)\n"


def test_docs_describe_every_kind_of_column():
    text = (Path(__file__).parent.parent / "docs" / "spreadsheet.md").read_text(
        encoding="utf-8")
    for form in ("`labs.TEST.unit`", "`labs.TEST.low`", "`BLOCK.date`", "`LIST.CATEGORY`",
                 "`LIST.complete`", "`LIST.reviewed`", "`LIST.NAME.date`"):
        assert form in text


CELLS = st.text(max_size=8) | st.sampled_from(
    ["2026-10-20", "yes", "absent", "current", "12", "-3", "1e400", "female", "g/dL", "0.5"])


@settings(max_examples=200, deadline=None)
@given(headers=st.lists(st.sampled_from(template()[1:]), min_size=1, max_size=6, unique=True),
       rows=st.lists(st.lists(CELLS, max_size=7), max_size=3))
def test_any_cells_give_profiles_that_load_or_problems_with_a_place(headers, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *headers])
    writer.writerows([f"P{index}", *cells] for index, cells in enumerate(rows))
    sheet, problems = read_sheet("p.csv", out.getvalue())
    assert all(problem.span.line >= 1 and problem.span.column >= 1 for problem in problems)
    for row in sheet:
        _, found = check_patient_to_screen("p.csv", (), text=profile_text(row.imported, ()))
        for problem in found:
            _, column = locate(row, problem.field)
            assert 1 <= column <= len(headers) + 1


@pytest.mark.parametrize(("cell", "expected"), [
    ("78%", "expected a number, got '78%' (write the number alone, without its unit: 78)"),
    ("84,5", "expected a number, got '84,5' (write decimals with a point: 84.5)"),
])
def test_a_number_cell_with_its_unit_says_to_write_the_number_alone(
        cell: str, expected: str) -> None:
    from eligibility.importing.cells import number

    with pytest.raises(ValueError, match=None) as caught:
        number(cell)
    assert str(caught.value) == expected
