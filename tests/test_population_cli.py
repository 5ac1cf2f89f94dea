"""`screen` and `funnel` on a population table: DuckDB gives what the per-patient path gives,
a trial that does not compile is named with its criteria, and --explain re-screens."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility.cli import app

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

ROOT = Path(__file__).resolve().parents[1]
RULES = str(ROOT / "rules")
runner = CliRunner()
STR04 = "NCT06910384"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    table = tmp_path_factory.mktemp("population") / "registry.parquet"
    result = runner.invoke(app, ["export", str(ROOT / "patients"), "-o", str(table),
                                 "--rules", RULES])
    assert result.exit_code == 0, result.output
    return table


def _run(*args: str) -> object:
    return runner.invoke(app, [*args, "--rules", RULES])


def _second_row(tmp_path: Path, row: dict[str, object]) -> Path:
    """A JSON Lines table of two patients, M0 with nothing and M1 with `row` on line 2."""
    table = tmp_path / "registry.jsonl"
    table.write_text(json.dumps({"patient_id": "M0"}) + "\n" + json.dumps(
        {"patient_id": "M1", **row}) + "\n", encoding="utf-8")
    return table


def test_funnel_on_the_table_is_the_funnel_of_the_profiles(registry: Path) -> None:
    python = _run("funnel", STR04, str(ROOT / "patients"), "--format", "json")
    duck = _run("funnel", STR04, str(registry), "--format", "json")
    assert python.exit_code == 0, python.output
    assert duck.exit_code == 0, duck.output
    assert json.loads(duck.stdout) == json.loads(python.stdout)


def test_screen_jsonl_gives_a_line_per_patient_and_trial_with_each_status(registry: Path,
                                                                         ) -> None:
    result = _run("screen", str(registry), "--trial", STR04, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(list((ROOT / "patients").glob("*.yaml")))
    first = next(line for line in lines if line["patient_id"] == "P006-75th-birthday")
    assert first["trial"] == STR04 and first["verdict"] == "eligible"
    assert first["I1"] == "pass" and set(first) >= {"I1", "E11", "S2"}


def test_a_trial_that_does_not_compile_is_named_with_its_criteria_and_the_rest_screened(
        registry: Path, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(ROOT / "rules" / f"{STR04}.yaml", rules)
    (rules / "NCT00000001.yaml").write_text(textwrap.dedent("""\
        trial: {id: NCT00000001, title: A test trial, overall_status: RECRUITING}
        criteria:
          - id: I7
            kind: inclusion
            text: Onset within 24 months at screening.
            check: {fact: als.months_since_onset, op: at_most, value: 24,
                    at: {visit: screening}}
    """))
    out = tmp_path / "statuses.csv"
    result = runner.invoke(app, ["screen", str(registry), "--format", "csv", "-o", str(out),
                                 "--rules", str(rules)])
    assert result.exit_code == 1, result.output
    assert ("error: NCT00000001 I7: cannot compile to SQL: 'als.months_since_onset' at a visit "
            "has no SQL form yet (it is derived from the screening date, and the table keeps no "
            "history of it) (screen this trial from the YAML profiles, or a patient of the "
            "table with --explain ID)") in " ".join(result.output.split())
    assert "1 of 2 trials could not be compiled to SQL" in " ".join(result.output.split())
    header, *rows = out.read_text().splitlines()
    assert header == "patient_id,trial,verdict,criterion,status"
    assert {row.split(",")[1] for row in rows} == {STR04}


def test_parquet_output_is_one_row_per_patient_trial_and_criterion(registry: Path,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "statuses.parquet"
    result = _run("screen", str(registry), "--trial", STR04, "--format", "parquet", "-o",
                  str(out))
    assert result.exit_code == 0, result.output
    [(count,)] = duckdb.sql(f"SELECT count(*) FROM '{out}'").fetchall()
    assert count == 19 * len(list((ROOT / "patients").glob("*.yaml")))


def test_explain_screens_a_patient_of_the_table_on_the_explained_path(registry: Path) -> None:
    result = _run("screen", str(registry), "--trial", STR04, "--explain", "P006-75th-birthday")
    assert result.exit_code == 0, result.output
    assert "Patient P006-75th-birthday" in result.stdout
    assert "Revised El Escorial category probable" in result.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--explain", "nobody"], 1, "error: no patient 'nobody' in the table"),
        (["--engine", "python"], 2, "a population table needs --engine duckdb"),
        (["--format", "parquet"], 2, "error: --format parquet needs --output FILE"),
        (["--format", "html"], 2, "with a population table --format is one of"),
    ],
    ids=["unknown-patient", "python-engine-on-a-table", "parquet-to-the-terminal",
         "html-of-a-table"],
)
def test_population_mistakes_get_one_message_and_their_exit_code(
        registry: Path, args: list[str], code: int, message: str) -> None:
    result = _run("screen", str(registry), *args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_missing_table_is_an_input_error(tmp_path: Path) -> None:
    result = _run("screen", str(tmp_path / "registry.parquet"))
    assert result.exit_code == 1, result.output
    assert "registry.parquet: no such file" in result.output


def test_parquet_of_profiles_needs_a_table() -> None:
    result = _run("screen", str(ROOT / "patients" / "75th-birthday.yaml"), "--format", "parquet")
    assert result.exit_code == 2, result.output
    assert "--format parquet needs a population table" in result.output


def test_the_verdict_table_of_one_patient_says_patient(tmp_path: Path) -> None:
    table = tmp_path / "one.jsonl"
    result = runner.invoke(app, ["export", str(ROOT / "patients" / "75th-birthday.yaml"),
                                 "-o", str(table), "--rules", RULES])
    assert result.exit_code == 0, result.output
    result = _run("screen", str(table), "--trial", STR04)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 patient\n"), result.stdout


@pytest.mark.parametrize("as_of", [None, "2027-02-28", "2028-02-29"])
def test_every_shipped_trial_screens_the_exported_patients_as_the_python_path_does(
        registry: Path, as_of: str | None) -> None:
    dated = ["--as-of", as_of] if as_of else []
    python = _run("screen", str(ROOT / "patients"), "--format", "jsonl", *dated)
    duck = _run("screen", str(registry), "--engine", "duckdb", "--format", "jsonl", *dated)
    assert python.exit_code == 0, python.output
    assert duck.exit_code == 0, duck.output
    expected = {(line["patient_id"], trial["id"]): {
                    "verdict": trial["verdict"],
                    **{criterion["id"]: criterion["status"] for criterion in trial["criteria"]}}
                for line in map(json.loads, python.stdout.splitlines())
                for trial in line["trials"]}
    found = {(line.pop("patient_id"), line.pop("trial")): line
             for line in map(json.loads, duck.stdout.splitlines())}
    assert len({trial for _, trial in found}) == 7
    assert found == expected


def test_a_table_exported_by_an_earlier_version_is_one_message_not_a_traceback(
        registry: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.parquet"  # a group's records without 'written', as before
    items = '"alsfrs_r.items"'
    duckdb.sql(f"COPY (SELECT * REPLACE (list_transform({items}, lambda r: "
               f"struct_pack(date := r.date, visit := r.visit)) AS {items}) "
               f"FROM read_parquet('{registry}')) TO '{old}' (FORMAT parquet)")
    for command in (["screen", str(old), "--trial", "NCT03127267"],
                    ["funnel", "NCT03127267", str(old)]):
        result = _run(*command)
        assert result.exit_code == 1, result.output
        assert "cannot be screened" in result.output
        assert "export it again with eligibility export" in " ".join(result.output.split())
        assert "Traceback" not in result.output


def _python_trials(*args: str) -> dict[tuple[str, str], dict[str, object]]:
    """Each (patient, trial) of the per-patient path's JSON Lines: its verdict and near miss."""
    python = _run("screen", str(ROOT / "patients"), "--format", "jsonl", *args)
    assert python.exit_code == 0, python.output
    return {(line["patient_id"], trial["id"]): trial
            for line in map(json.loads, python.stdout.splitlines()) for trial in line["trials"]}


@pytest.mark.parametrize("chosen", ["needs_review", "eligible,ineligible", "near_miss",
                                    "needs_review,near_miss"])
def test_verdict_keeps_the_patients_and_trials_the_per_patient_path_gives_that_verdict(
        registry: Path, chosen: str) -> None:
    wanted = chosen.split(",")
    expected = {key for key, trial in _python_trials().items()
                if trial["verdict"] in wanted
                or ("near_miss" in wanted and trial["near_miss"] is not None)}
    duck = _run("screen", str(registry), "--format", "jsonl", "--verdict", chosen)
    assert duck.exit_code == 0, duck.output
    found = {(line["patient_id"], line["trial"]) for line in map(json.loads,
                                                                 duck.stdout.splitlines())}
    assert expected, "the example patients give every verdict"
    assert found == expected


def test_the_verdict_counts_of_a_table_show_the_chosen_verdicts_and_near_misses(
        registry: Path) -> None:
    trials = _python_trials("--trial", STR04)
    review = sum(trial["verdict"] == "needs_review" for trial in trials.values())
    near = sum(trial["near_miss"] is not None for trial in trials.values())
    result = _run("screen", str(registry), "--trial", STR04, "--verdict",
                  "needs_review,near_miss")
    assert result.exit_code == 0, result.output
    header, row = (line for line in result.stdout.splitlines() if "needs_review" in line
                   or STR04 in line)
    assert "eligible " not in header and "ineligible" not in header and "near_miss" in header
    assert [cell.strip() for cell in row.split("│")[2:4]] == [str(review), str(near)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sort", "best"], "--sort chooses the order of profiles"),
        (["--verdict", "eligible", "--explain", "P006-75th-birthday"],
         "--explain names the patients to explain; --verdict chooses among all of them"),
    ],
    ids=["sort", "verdict-and-explain"],
)
def test_what_a_table_cannot_do_with_verdict_and_sort_is_a_usage_error(
        registry: Path, args: list[str], message: str) -> None:
    result = _run("screen", str(registry), *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_a_misspelt_key_in_a_json_lines_table_is_an_error_at_its_line(tmp_path: Path) -> None:
    table = tmp_path / "registry.jsonl"
    result = runner.invoke(app, ["export", str(ROOT / "patients" / "example.yaml"),
                                 str(ROOT / "patients" / "75th-birthday.yaml"), "-o",
                                 str(table), "--rules", RULES])
    assert result.exit_code == 0, result.output
    first, second = table.read_text(encoding="utf-8").splitlines()
    row = json.loads(second)
    row["fvc.percent_predictd"] = row.pop("fvc.percent_predicted")
    table.write_text(first + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert (f"{table}:2: fvc.percent_predictd: not a column of the population table (did you "
            "mean 'fvc.percent_predicted'?)") in result.output
    assert "Traceback" not in result.output


def test_a_key_left_out_of_a_json_lines_table_is_a_fact_not_recorded(tmp_path: Path) -> None:
    table = tmp_path / "registry.jsonl"
    result = runner.invoke(app, ["export", str(ROOT / "patients" / "75th-birthday.yaml"),
                                 "-o", str(table), "--rules", RULES])
    assert result.exit_code == 0, result.output
    row = json.loads(table.read_text(encoding="utf-8"))
    del row["fvc.percent_predicted"]
    table.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = _run("screen", str(table), "--trial", STR04, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["I5"] == "unknown"


@pytest.mark.parametrize(
    ("row", "message"),
    [({"medications": {"complete": True, "items": [{"name": "warfarin",
                                                      "status": "current"}]}},
      "name: not a field of a list's entries (an entry names what it is in key"),
     ({"fvc.percent_predicted": [{"valeu": 84, "date": "2026-10-20"}]},
      "valeu: not a field of a history's records (did you mean 'value'?)"),
     ({"conditions": {"complete": True, "itemz": []}},
      "itemz: not a field of a list (complete, items, ...) (did you mean 'items'?)"),
     ({"medications": {"complete": True, "items": [
         {"key": "riluzole", "status": "current", "doses": [{"sinse": "2026-01-01"}]}]}},
      "sinse: not a field of an entry's doses (did you mean 'since'?)"),
     ({"allergies": {"items": [{"key": "penicillin", "attributes": {"severty": "severe"}}]}},
      "severty: not an attribute of a list's entries (did you mean 'severity'?)")],
    ids=["entry-by-name", "record-field", "list-field", "dose-field", "attribute"])
def test_a_misspelt_field_inside_a_json_lines_value_is_an_error_at_its_line(
        tmp_path: Path, row: dict[str, object], message: str) -> None:
    table = _second_row(tmp_path, {"screening_date": "2026-06-01", **row})
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert f"{table}:2: {message}" in result.output


def test_an_entry_without_what_export_works_out_may_be_anything_asked_about(
        tmp_path: Path) -> None:
    # a complete list whose one current entry says nothing of what it is: it may be an
    # anticoagulant, so AlloRx E5 is unknown, never passed
    table = tmp_path / "registry.jsonl"
    table.write_text(json.dumps({"patient_id": "M1", "screening_date": "2026-06-01",
                                 "medications": {"complete": True, "items": [
                                     {"status": "current"}]}}) + "\n", encoding="utf-8")
    result = _run("screen", str(table), "--trial", "NCT05003921", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["E5"] == "unknown"


@pytest.mark.parametrize(
    ("output", "message"),
    [("nofolder/statuses.jsonl", "no such folder"), (".", "it is a folder")],
    ids=["missing-folder", "a-folder"])
def test_output_to_a_place_that_cannot_hold_the_file_is_one_message(
        registry: Path, tmp_path: Path, output: str, message: str) -> None:
    result = _run("screen", str(registry), "--format", "jsonl", "-o", str(tmp_path / output))
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output


def test_dash_as_output_is_standard_output_for_a_table_too(registry: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("screen", str(registry), "--trial", STR04, "--format", "jsonl", "-o", "-")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == len(list((ROOT / "patients").glob("*.yaml")))
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("suffix", "rows", "message"),
    [(".jsonl", [{"patient_id": "A"}, {"patient_id": "B"}, {"patient_id": "A"}],
      "patient_id 'A' is in 2 rows: each row is one patient"),
     (".jsonl", [{"patient_id": "A"}, {"screening_date": "2026-06-01"}],
      "1 row without a patient_id (each row is one patient, named by patient_id)")],
    ids=["duplicate-id", "no-id"])
def test_a_table_row_is_one_patient_named_by_its_id(
        tmp_path: Path, suffix: str, rows: list[dict[str, str]], message: str) -> None:
    table = tmp_path / f"registry{suffix}"
    table.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    for command in (["screen", str(table)], ["funnel", STR04, str(table)]):
        result = _run(*command)
        assert result.exit_code == 1, result.output
        assert f"{table}: {message}" in result.output


def test_a_spreadsheet_s_empty_last_row_is_not_a_patient(registry: Path, tmp_path: Path
                                                         ) -> None:
    table = tmp_path / "registry.csv"
    result = runner.invoke(app, ["export", str(ROOT / "patients" / "example.yaml"), "-o",
                                 str(table), "--rules", RULES])
    assert result.exit_code == 0, result.output
    header = table.read_text(encoding="utf-8").splitlines()[0]
    with table.open("a", encoding="utf-8") as sheet:
        sheet.write("," * header.count(",") + "\n")
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert "1 row without a patient_id" in result.output


@pytest.mark.parametrize(
    ("row", "message"),
    [({"fvc.percent_predicted": [{"value": 840, "date": "2026-05-20"}]},
      "patient 'M1': fvc.percent_predicted: 840 is not among the values the vocabulary "
      "allows (0 to 200)"),
     ({"als.el_escorial": [{"value": "Probable", "date": "2026-05-20"}]},
      "patient 'M1': als.el_escorial: 'Probable' is not among the values the vocabulary allows "
      "('definite', 'probable', 'probable_laboratory_supported', 'possible') (did you mean "
      "'probable'?)"),
     ({"age": 200}, "patient 'M1': age: 200 is not among the values the vocabulary allows "
      "(0 to 130)"),
     ({"alsfrs_r.items": [{"date": "2026-05-20", "speech": 5}]},
      "patient 'M1': alsfrs_r.items.speech: 5 is not among the values the vocabulary allows "
      "(0 to 4)")],
    ids=["fvc-out-of-range", "category-in-capitals", "age", "group-item"])
def test_a_table_value_the_vocabulary_does_not_allow_is_an_error_naming_the_patient(
        tmp_path: Path, row: dict[str, object], message: str) -> None:
    table = _second_row(tmp_path, {"screening_date": "2026-06-01", **row})
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert f"{table}: {message}" in " ".join(result.output.split())


@pytest.mark.parametrize("args", [["screen"], ["funnel", STR04]], ids=["screen", "funnel"])
def test_a_row_holding_a_date_after_its_screening_day_is_refused_as_a_profile_is(
        registry: Path, args: list[str]) -> None:
    python = _run("screen", str(ROOT / "patients" / "75th-birthday.yaml"),
                  "--as-of", "2020-01-01")
    assert python.exit_code == 1, python.output  # the per-patient path refuses the profile
    result = _run(*args, str(registry), "--as-of", "2020-01-01")
    assert result.exit_code == 1, result.output
    assert "holds a date" in result.output
    assert "after the day the row is screened on (2020-01-01)" in " ".join(
        result.output.split())


@pytest.mark.parametrize(
    ("row", "message"),
    [({"age": "eighty"}, ":2: age: 'eighty' is not a number (patient 'M1'"),
     ({"fvc.percent_predicted": [{"value": True, "date": "2026-01-05"}]},
      ":2: fvc.percent_predicted: true is not a number (patient 'M1'; true and false are "
      "not read as 1 and 0"),
     ({"als.diagnosed": [{"value": 1, "date": "2026-01-05"}]},
      ":2: als.diagnosed: 1 is not true or false (patient 'M1'; 1 and 0 are not read as "
      "true and false"),
     ({"conditions": {"complete": 1, "items": []}},
      ":2: conditions: 1 is not true or false"),
     ({"birth_date": [{"value": "2026-02-30"}]},
      ':2: birth_date: date field value out of range: "2026-02-30"'),
     ({"birth_date": [{"value": "06/01/1960"}]},
      ':2: birth_date: invalid date field format: "06/01/1960"')],
    ids=["text-for-a-number", "true-for-a-number", "one-for-true", "one-for-complete",
         "no-such-day", "another-date-form"])
def test_a_table_value_of_another_type_is_one_message_at_its_line(
        tmp_path: Path, row: dict[str, object], message: str) -> None:
    table = _second_row(tmp_path, row)
    for command in (["screen", str(table)], ["funnel", STR04, str(table)]):
        result = _run(*command)
        assert result.exit_code == 1, result.output
        assert f"{table}{message}" in result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize(("value", "message"), [
    ({"labs.hemoglobin": [{"value": "female", "date": "2026-01-05"}]},
     ":150: labs.hemoglobin: 'female' is not a number"),
    ({"birth_date": [{"value": "2026-02-30", "date": "2026-01-05"}]},
     ':150: birth_date: date field value out of range: "2026-02-30"'),
], ids=["a-number", "a-date"])
def test_a_value_of_another_type_deep_in_a_table_is_placed_at_its_own_line(
        tmp_path: Path, value: dict[str, object], message: str) -> None:
    # DuckDB names line 85 for a value inside a history on line 150, and the text it quotes
    # is on every row: the line is found again by reading the lines.
    table = tmp_path / "registry.jsonl"
    rows: list[dict[str, object]] = [
        {"patient_id": f"M{n}", "sex": [{"value": "female", "date": "2026-01-05"}],
         "visits": [{"name": "2026-02-30", "date": "2026-01-05"}]} for n in range(200)]
    rows[149] |= value
    table.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert f"{table}{message}" in " ".join(result.output.split())


def test_a_key_twice_in_a_row_is_one_message_at_its_line(tmp_path: Path) -> None:
    table = tmp_path / "registry.jsonl"
    table.write_text(json.dumps({"patient_id": "M0", "age": 70}) + "\n" +
                     '{"patient_id": "M1", "age": 70, "age": 17}\n', encoding="utf-8")
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert f"{table}:2: the key 'age' twice in one object" in " ".join(result.output.split())
    assert "another type" not in result.output


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl", ".csv"])
def test_a_table_without_rows_is_an_input_error_as_a_folder_without_profiles_is(
        registry: Path, tmp_path: Path, suffix: str) -> None:
    # An export or a query upstream that failed must not read as a population where nobody
    # qualifies.
    import duckdb

    table = tmp_path / f"empty{suffix}"
    how = {".parquet": "(FORMAT parquet)", ".jsonl": "(FORMAT json)",
           ".csv": "(FORMAT csv, HEADER)"}[suffix]
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{registry}') LIMIT 0) TO '{table}' {how}")
    for command in (["screen", str(table)], ["funnel", STR04, str(table)]):
        result = _run(*command)
        assert result.exit_code == 1, result.output
        assert f"{table}: no rows: the table holds no patient" in " ".join(
            result.output.split())


def _str04_with_vocabulary(tmp_path: Path, vocabulary: str) -> Path:
    """A rules folder: STR04 beside a vocabulary file of its own."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(ROOT / "rules" / f"{STR04}.yaml", rules)
    (rules / "vocabulary.yaml").write_text(textwrap.dedent(vocabulary), encoding="utf-8")
    return rules


@pytest.mark.parametrize("args", [["screen"], ["funnel", STR04]], ids=["screen", "funnel"])
def test_a_table_exported_with_another_vocabulary_of_lists_is_refused(
        registry: Path, tmp_path: Path, args: list[str]) -> None:
    # The rules' folder adds a drug to a class: a table worked out before cannot know that an
    # entry of that name is in the class, and would answer "no" where a profile says "yes".
    rules = _str04_with_vocabulary(tmp_path, """\
        vocabulary: {name: site}
        collections:
          medications:
            concepts:
              examplemab: {categories: [investigational_drug]}
    """)
    profile = runner.invoke(app, ["screen", str(ROOT / "patients" / "example.yaml"),
                                  "--rules", str(rules), "--no-forecast"])
    assert profile.exit_code == 0, profile.output  # the vocabulary is good
    result = runner.invoke(app, [*args, str(registry), "--rules", str(rules)])
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert (f"{registry}: exported with another vocabulary: the list medications was defined "
            "otherwise than in the rules' vocabulary (what each entry is, and the facts export "
            "works out, were written into the rows then); export the profiles again with the "
            "rules you screen with") in said
    assert "Traceback" not in result.output
    again = tmp_path / "again.parquet"
    exported = runner.invoke(app, ["export", str(ROOT / "patients"), "-o", str(again),
                                   "--rules", str(rules)])
    assert exported.exit_code == 0, exported.output
    result = runner.invoke(app, [*args, str(again), "--rules", str(rules)])
    assert result.exit_code == 0, result.output


def test_rewording_a_vocabulary_keeps_its_tables_and_changing_a_meaning_does_not() -> None:
    from eligibility.loading import DEFAULT
    from eligibility.sql.layout import fingerprint
    from eligibility.vocabulary.files import VocabularyFile

    def added(text: str) -> str:
        file = VocabularyFile.model_validate(
            __import__("yaml").safe_load(textwrap.dedent(text)))
        return fingerprint(DEFAULT.extended(file, "site"))

    plain = added("""\
        vocabulary: {name: site}
        collections:
          medications:
            concepts: {examplemab: {categories: [investigational_drug]}}
    """)
    assert plain != fingerprint(DEFAULT)
    assert added("""\
        vocabulary: {name: site, description: Our site's drugs.}
        collections:
          medications:
            description: Reworded.
            concepts: {examplemab: {categories: [investigational_drug]}}
    """) == plain
    assert added("""\
        vocabulary: {name: site}
        collections:
          medications:
            concepts: {examplemab: {synonyms: [EXM-1], categories: [investigational_drug]}}
    """) != plain


def _with_vocabulary(tmp_path: Path, registry: Path, *texts: str | None) -> Path:
    """The registry's first rows as JSON Lines, their `vocabulary` column replaced."""
    rows = duckdb.sql(f"SELECT * FROM '{registry}' ORDER BY patient_id LIMIT {len(texts)}")
    names = rows.columns
    table = tmp_path / "registry.jsonl"
    with table.open("w", encoding="utf-8") as out:
        for found, text in zip(rows.fetchall(), texts, strict=True):
            row = dict(zip(names, found, strict=True))
            row["vocabulary"] = text
            out.write(json.dumps(row, default=str) + "\n")
    return table


def test_a_fact_worked_out_with_another_definition_is_named(registry: Path, tmp_path: Path
                                                            ) -> None:
    from eligibility.loading import load_trials, trials_vocabulary
    from eligibility.sql.layout import fingerprint

    ours = json.loads(fingerprint(trials_vocabulary(load_trials(RULES))))
    ours["facts"]["alsfrs_r.total"] = "0" * 16  # the total once summed other items
    table = _with_vocabulary(tmp_path, registry, json.dumps(ours), json.dumps(ours))
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert (f"{table}: exported with another vocabulary: the fact alsfrs_r.total was defined "
            "otherwise than in the rules' vocabulary") in " ".join(result.output.split())


@pytest.mark.parametrize("version", [None, 1], ids=["before-versions", "an-earlier-version"])
def test_a_table_exported_before_negatives_could_be_overtaken_is_refused(
        registry: Path, tmp_path: Path, version: int | None) -> None:
    # Same vocabulary, same columns; its lists sum up as absent a negative that a later entry
    # overtakes (screened as it is, "no cancer" of 2015 would still rule out a current cancer
    # after one treated since), and its derived numbers are not rounded to 9 places.
    from eligibility.loading import load_trials, trials_vocabulary
    from eligibility.sql.layout import EXPORT, fingerprint

    theirs = json.loads(fingerprint(trials_vocabulary(load_trials(RULES))))
    del theirs["export"]
    if version is not None:
        theirs["export"] = EXPORT - version
    table = _with_vocabulary(tmp_path, registry, json.dumps(theirs), json.dumps(theirs))
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert (f"{table}: exported by another version of eligibility export, which worked out "
            "its rows otherwise") in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("texts", "message"),
    [(["A", "B"], "rows exported with 2 different vocabularies (tables of two exports put "
      "together?)"),
     (["not json", "not json"], "the vocabulary column holds 'not json', not what eligibility "
      "export writes there (leave it empty in a table another program writes)"),
     (["EXPORTED", None], "some rows say which vocabulary they were exported with and others "
      "do not (rows another program wrote, or of an export from before tables said it, put "
      "together with exported rows)"),
     (["EXPORTED", " "], "some rows say which vocabulary")],
    ids=["two-exports", "not-export-s", "some-rows-without", "some-rows-blank"])
def test_a_vocabulary_column_that_cannot_be_trusted_is_refused(
        registry: Path, tmp_path: Path, texts: list[str | None], message: str) -> None:
    exported = duckdb.sql(f"SELECT vocabulary FROM '{registry}' LIMIT 1").fetchall()[0][0]
    table = _with_vocabulary(tmp_path, registry, *[exported if text == "EXPORTED" else text
                                                   for text in texts])
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert f"{table}: {message}" in " ".join(result.output.split())


@pytest.mark.parametrize("empty", [None, "", "  "], ids=["null", "empty", "blank"])
def test_rows_without_a_vocabulary_are_screened_as_another_program_wrote_them(
        registry: Path, tmp_path: Path, empty: str | None) -> None:
    table = _with_vocabulary(tmp_path, registry, empty, empty, empty)
    result = _run("screen", str(table), "--trial", STR04, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 3


def test_a_vocabulary_column_of_another_type_is_one_message(registry: Path,
                                                            tmp_path: Path) -> None:
    table = tmp_path / "numbers.parquet"
    duckdb.sql(f"COPY (SELECT * REPLACE (0 AS vocabulary) FROM '{registry}') TO '{table}'")
    for command in (["screen", str(table)], ["funnel", STR04, str(table)]):
        result = _run(*command)
        assert result.exit_code == 1, result.output
        assert f"{table}: the vocabulary column holds '0', not what eligibility export" in (
            " ".join(result.output.split()))
        assert "Traceback" not in result.output


@pytest.mark.parametrize(("cut", "message"), [
    (lambda line: line[:120], ":3:"),
    (lambda line: line[:-1], ":3:"),
    (lambda line: line.replace('"age": null', '"age": nul', 1), ":3:"),
], ids=["cut-short", "no-closing-brace", "misspelt-null"])
def test_a_json_lines_row_that_is_not_json_is_an_error_at_its_line(
        registry: Path, tmp_path: Path, cut: object, message: str) -> None:
    rows = duckdb.sql(f"SELECT * FROM '{registry}' ORDER BY patient_id LIMIT 4")
    lines = [json.dumps(dict(zip(rows.columns, found, strict=True)), default=str)
             for found in rows.fetchall()]
    lines[2] = cut(lines[2])  # type: ignore[operator]
    table = tmp_path / "registry.jsonl"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert f"error: {table}{message}" in said
    assert ("not JSON" in said and "(each line of a JSON Lines table is one patient's row, a "
            "JSON object)" in said)


def test_json_lines_named_json_is_read_as_a_profile_with_a_hint(registry: Path,
                                                                tmp_path: Path) -> None:
    rows = duckdb.sql(f"SELECT * FROM '{registry}' LIMIT 2")
    table = tmp_path / "registry.json"
    table.write_text("".join(json.dumps(dict(zip(rows.columns, found, strict=True)),
                                        default=str) + "\n" for found in rows.fetchall()))
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert (f"{table}:2:1: invalid JSON: extra data (a JSON object a line, each with a "
            "patient_id: a population table? Name it .jsonl)") in " ".join(result.output.split())


@pytest.mark.parametrize(("row", "message"), [
    ({"age": 17.6}, "age: 17.6 is not a whole number"),
    ({"als.japan_severity_grade": [{"value": 2.5, "date": "2026-05-20"}]},
     "als.japan_severity_grade: 2.5 is not a whole number"),
    ({"alsfrs_r.items": [{"date": "2026-05-20", "speech": 3.5}]},
     "alsfrs_r.items.speech: 3.5 is not a whole number")],
    ids=["age", "fact-history", "group-member"])
def test_a_fraction_where_the_vocabulary_asks_a_whole_number_is_refused_not_rounded(
        tmp_path: Path, row: dict[str, object], message: str) -> None:
    # DuckDB reads 17.6 into a whole-number column as 18, and "at least 18" would pass
    table = _second_row(tmp_path, {"screening_date": "2026-06-01", **row})
    for command in (["screen", str(table)], ["funnel", STR04, str(table)]):
        result = _run(*command)
        assert result.exit_code == 1, result.output
        assert (f"{table}: patient 'M1': {message}, which the vocabulary's kind for it "
                "(integer) asks") in " ".join(result.output.split())


def test_a_json_lines_row_that_is_not_utf8_is_an_error_at_its_line(registry: Path,
                                                                   tmp_path: Path) -> None:
    rows = duckdb.sql(f"SELECT * FROM '{registry}' ORDER BY patient_id LIMIT 4")
    lines = [json.dumps(dict(zip(rows.columns, found, strict=True)), default=str).encode()
             for found in rows.fetchall()]
    lines[2] = b'{"patient_id": "X\xff"}'
    table = tmp_path / "registry.jsonl"
    table.write_bytes(b"\n".join(lines) + b"\n")
    result = _run("screen", str(table))
    assert result.exit_code == 1, result.output
    assert f"error: {table}:3:18: not JSON: not UTF-8 text" in " ".join(result.output.split())
