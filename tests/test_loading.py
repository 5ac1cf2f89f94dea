"""Loading: each bad file gives its exact problems, every one at once; good files load.

The bad files live in `tests/data/bad/`, named by what is wrong; rule files sit in a folder of
their own so `--rules` can point at them. Tests load them from inside that folder, so each
message reads exactly as a user would see it: `patient-fvc-text.yaml:4:26: fvc.percent_predicted:
expected a number, got 'eighty'`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from eligibility import InputError, load_patient, load_trial, load_trials
from eligibility.loading import Problem, check_patient, check_trial, parse_yaml
from eligibility.source import SourceSpan

HERE = Path(__file__).parent
BAD = HERE / "data" / "bad"
REPO = HERE.parent
RULES = REPO / "rules"
EXAMPLE = REPO / "patients" / "example.yaml"
SCREENING_DAY = dt.date(2026, 11, 2)  # the bad profiles' screening_date


def load_bad_patient(name: str) -> object:
    return load_patient(name, today=SCREENING_DAY)


def _profile_problems(tmp_path: Path, text: str) -> tuple[Problem, ...]:
    """The problems of a profile written as `text`, which must be refused."""
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_patient(str(path), today=SCREENING_DAY)
    return tuple(caught.value.problems)


def problems_of(load: Callable[[str], object], name: str) -> tuple[Problem, ...]:
    """The problems `load(name)` reports, in file order."""
    with pytest.raises(InputError) as caught:
        load(name)
    return caught.value.problems


def problem_lines(load: Callable[[str], object], name: str) -> list[str]:
    """The problems `load(name)` reports, one `file:line:col: field: message` line each."""
    return [str(problem) for problem in problems_of(load, name)]


@pytest.fixture
def in_bad(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test inside tests/data/bad, so paths in messages are the short names."""
    monkeypatch.chdir(BAD)
    return BAD


# Each bad patient profile -> every line it must produce, in file order.
BAD_PATIENTS: dict[str, list[str]] = {
    "patient-duplicate-key.yaml": [
        "patient-duplicate-key.yaml:6:1: sex: duplicate key 'sex' (first written at line 4; "
        "keep one)",
    ],
    "patient-alsfrs-item-5.yaml": [
        "patient-alsfrs-item-5.yaml:9:17: alsfrs_r.items.swallowing: expected a value from 0 "
        "to 4, got 5",
    ],
    "patient-alsfrs-5a-and-5b.yaml": [
        "patient-alsfrs-5a-and-5b.yaml:6:10: alsfrs_r.items: item 5 is scored as 5a "
        "(cutting_food) or 5b (cutting_food_gastrostomy), not both",
    ],
    "patient-fvc-text.yaml": [
        "patient-fvc-text.yaml:4:26: fvc.percent_predicted: expected a number, got 'eighty'",
    ],
    "patient-future-date.yaml": [
        "patient-future-date.yaml:4:36: fvc.date: 2027-10-20 is after the screening date "
        "2026-11-02 (dates must be on or before the screening date; check for a typo)",
    ],
    "patient-unquoted-comma-note.yaml": [
        "patient-unquoted-comma-note.yaml:5:78: conditions[0].HCV: unknown field 'HCV' (if "
        "this is part of a text, quote the whole text: inside { } a comma starts a new field)",
        "patient-unquoted-comma-note.yaml:5:83: conditions[0].HIV negative: unknown field "
        "'HIV negative' (if this is part of a text, quote the whole text: inside { } a comma "
        "starts a new field)",
    ],
    "patient-unknown-field.yaml": [
        "patient-unknown-field.yaml:4:1: birthdate: unknown field 'birthdate' (did you mean "
        "'birth_date'?)",
    ],
    "patient-pregnant-as-text.yaml": [
        "patient-pregnant-as-text.yaml:5:26: reproductive.pregnant: expected true or false, "
        "got 'no'",
    ],
    "patient-missing-date.yaml": [
        "patient-missing-date.yaml:4:6: fvc.date: missing required field 'date'",
    ],
    "patient-many-problems.yaml": [
        "patient-many-problems.yaml:4:6: sex: expected one of 'female' or 'male', got 'femal' "
        "(did you mean 'female'?)",
        "patient-many-problems.yaml:5:1: birthdate: unknown field 'birthdate' (did you mean "
        "'birth_date'?)",
        "patient-many-problems.yaml:6:26: fvc.percent_predicted: expected a number, got "
        "'eighty'",
        "patient-many-problems.yaml:8:9: alsfrs_r.date: 2027-10-20 is after the screening date "
        "2026-11-02 (dates must be on or before the screening date; check for a typo)",
        "patient-many-problems.yaml:9:19: alsfrs_r.items.speech: expected a value from 0 to 4, "
        "got 5",
        "patient-many-problems.yaml:10:1: sex: duplicate key 'sex' (first written at line 4; "
        "keep one)",
    ],
    "patient-yaml-list.yaml": [
        "patient-yaml-list.yaml:2:1: expected a mapping of fields at the top of the file "
        "(key: value lines)",
    ],
    "patient-empty.yaml": [
        "patient-empty.yaml: the file is empty",
    ],
    "patient-binary.yaml": [
        "patient-binary.yaml:1:1: not UTF-8 text: invalid start byte, byte 0xff (save the "
        "file as UTF-8)",
    ],
    "patient-tab-indent.yaml": [
        "patient-tab-indent.yaml:7:1: invalid YAML: a tab in the indentation: YAML indents with "
        "spaces only (replace the tab)",
    ],
    "patient-missing-colon.yaml": [
        "patient-missing-colon.yaml:4:1: invalid YAML: 'sex female' has no ':' between the "
        "field and its value (write 'field: value')",
    ],
    "patient-missing-colon-nested.yaml": [
        "patient-missing-colon-nested.yaml:5:3: invalid YAML: 'onset_date 2025-09-10' has no "
        "':' between the field and its value (write 'field: value')",
    ],
    "patient-latin-1.yaml": [
        "patient-latin-1.yaml:3:10: not UTF-8 text: invalid continuation byte, byte 0xe9 (save "
        "the file as UTF-8)",
    ],
    "patient-impossible-date.yaml": [
        "patient-impossible-date.yaml:3:13: birth_date: '1968-02-30' is not a valid date (day "
        "is out of range for month)",
    ],
    "patient-date-with-time.yaml": [
        "patient-date-with-time.yaml:4:36: fvc.date: expected a date (YYYY-MM-DD), got "
        "2026-10-20T10:30:00",
    ],
    "patient-quoted-future-date.yaml": [
        "patient-quoted-future-date.yaml:4:36: fvc.date: 2027-10-20 is after the screening "
        "date 2026-11-02 (dates must be on or before the screening date; check for a typo)",
    ],
    "patient-contradicting-assessments.yaml": [
        "patient-contradicting-assessments.yaml:6:49: assessments[1].answer: contradicts "
        "assessment 1 (Dr. A, same trial, criterion and date 2026-05-04, answer false); keep "
        "the answer that stands, or date the later one",
    ],
    "patient-age-without-date.yaml": [
        "patient-age-without-date.yaml:4:6: age: age needs a screening_date to say when it was "
        "true (or give birth_date instead)",
    ],
    "patient-one-drug-listed-twice.yaml": [
        "patient-one-drug-listed-twice.yaml:11:12: medications[1].name: riluzole is already "
        "listed as current, at index 0 of this list ('Rilutek' is riluzole): a patient takes "
        "one regimen of it, so list it once (its dose changes go under doses)",
    ],
    "patient-lab-unit.yaml": [
        "patient-lab-unit.yaml:5:34: labs.hemoglobin.unit: unit 'g/L' is not the unit of "
        "Hemoglobin (give the value in 'g/dL')",
    ],
    "patient-python-tag.yaml": [
        "patient-python-tag.yaml:3:7: note: the YAML tag '!!python/object/apply:os.mkdir' is "
        "refused: tags that build program objects are never loaded (remove the tag)",
    ],
    "patient-python-tag-on-mapping.yaml": [
        "patient-python-tag-on-mapping.yaml:4:10: consent: the YAML tag "
        "'!!python/object:builtins.dict' is refused: tags that build program objects are never "
        "loaded (remove the tag)",
    ],
    "patient-python-tag-on-scalar.yaml": [
        "patient-python-tag-on-scalar.yaml:3:7: note: the YAML tag '!!python/name:os.system' is "
        "refused: tags that build program objects are never loaded (remove the tag)",
    ],
}

# Each bad rule folder -> every line it must produce, in file order.
BAD_RULES: dict[str, list[str]] = {
    "rules-unknown-fact": [
        "rules-unknown-fact/NCT06910384.yaml:11:19: criteria[0].check.fact: unknown fact "
        "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
    ],
    "rules-misspelt-operator": [
        "rules-misspelt-operator/NCT06910384.yaml:11:46: criteria[0].check.op: unknown "
        "operator 'at_leats' (did you mean 'at_least'?)",
    ],
    "rules-threshold-as-text": [
        "rules-threshold-as-text/NCT06910384.yaml:11:63: criteria[0].check.value: expected a "
        "number, got '80' (write the number without quotes: value: 80)",
    ],
    "rules-threshold-out-of-range": [
        "rules-threshold-out-of-range/NCT06910384.yaml:11:63: criteria[0].check.value: 800 is "
        "outside the range of 'fvc.percent_predicted' (0 to 200 % predicted)",
    ],
    "rules-date-compared-with-number": [
        "rules-date-compared-with-number/NCT06910384.yaml:16:39: criteria[1].check.op: "
        "operator 'at_least' does not apply to 'als.onset_date', a date fact (operators for "
        "date: within_days, within_months, within_years, before, on_or_after, at_most_ago, "
        "less_than_ago, at_least_ago, more_than_ago, recorded)",
    ],
    "rules-duplicate-criterion-id": [
        "rules-duplicate-criterion-id/NCT06910384.yaml:13:9: criteria[1].id: duplicate "
        "criterion id 'I5' (first used at line 8; ids must be unique)",
    ],
    "rules-trial-id-mismatch": [
        "rules-trial-id-mismatch/NCT06910384.yaml:3:7: trial.id: trial id 'NCT05003921' does "
        "not match the file name 'NCT06910384.yaml' (name the file NCT05003921.yaml)",
    ],
    "rules-empty-any": [
        "rules-empty-any/NCT06910384.yaml:16:10: criteria[1].any: an empty group decides "
        "nothing (list at least one condition, or remove it)",
    ],
    "rules-missing-text": [
        "rules-missing-text/NCT06910384.yaml:13:5: criteria[1].text: missing required field "
        "'text'",
    ],
    "rules-kind-misspelt": [
        "rules-kind-misspelt/NCT06910384.yaml:14:11: criteria[1].kind: expected one of "
        "'inclusion' or 'exclusion', got 'exlusion' (did you mean 'exclusion'?)",
    ],
    "rules-unknown-condition-in-any": [
        "rules-unknown-condition-in-any/NCT06910384.yaml:18:9: criteria[1].any[1]: unknown "
        "condition 'chek' (did you mean 'check'?) (a condition is one of: check, all, any, "
        "not, first, judgment, has, every, change)",
    ],
    "rules-unknown-field": [
        "rules-unknown-field/NCT06910384.yaml:3:3: trial.title: missing required field 'title'",
        "rules-unknown-field/NCT06910384.yaml:4:3: trial.titel: unknown field 'titel' (did "
        "you mean 'title'?)",
    ],
    "rules-duplicate-key": [
        "rules-duplicate-key/NCT06910384.yaml:10:5: criteria[0].kind: duplicate key 'kind' "
        "(first written at line 9; keep one)",
    ],
    "rules-many-problems": [
        "rules-many-problems/NCT06910384.yaml:11:19: criteria[0].check.fact: unknown fact "
        "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
        "rules-many-problems/NCT06910384.yaml:13:9: criteria[1].id: duplicate criterion id "
        "'I5' (first used at line 8; ids must be unique)",
        "rules-many-problems/NCT06910384.yaml:16:52: criteria[1].check.op: unknown operator "
        "'is_ture' (did you mean 'is_true'?)",
        "rules-many-problems/NCT06910384.yaml:21:10: criteria[2].any: an empty group decides "
        "nothing (list at least one condition, or remove it)",
    ],
    "rules-yaml-list": [
        "rules-yaml-list/NCT06910384.yaml:2:1: expected a mapping of fields at the top of the "
        "file (key: value lines)",
    ],
    "rules-judgement-misspelt": [
        "rules-judgement-misspelt/NCT06910384.yaml:16:5: criteria[1].judgement: unknown field "
        "'judgement' (did you mean 'judgment'?)",
    ],
    "rules-missing-value": [
        "rules-missing-value/NCT06910384.yaml:11:12: criteria[0].check.value: missing value: "
        "this operator needs a number (add value: ...)",
    ],
    "rules-unquoted-colon-text": [
        "rules-unquoted-colon-text/NCT06910384.yaml:15:31: invalid YAML: mapping values are not "
        "allowed in this context (a text containing ': ' must be put in quotes)",
    ],
    "rules-field-indented-under-text": [
        "rules-field-indented-under-text/NCT06910384.yaml:16:13: invalid YAML: mapping values "
        "are not allowed in this context (line 16 is indented further than 'text' on line 15, "
        "so it reads as more of the value of 'text': to start a new field, line it up with "
        "'text'; if it is part of a text, put the whole text in quotes)",
    ],
    "rules-text-quoted-in-part": [
        "rules-text-quoted-in-part/NCT06910384.yaml:10:22: invalid YAML: while parsing a block "
        "mapping did not find expected key (more follows a quoted text or a [ ] or { } value on "
        "this line: when a text starts with a quote, put the whole text in quotes, such as "
        "text: '\"Definite\" or \"Probable\" ALS')",
    ],
    "rules-item-indented-too-little": [
        "rules-item-indented-too-little/NCT06910384.yaml:13:2: invalid YAML: while parsing a "
        "block mapping did not find expected key (check the indentation: the items of one "
        "list, or the keys of one mapping, must start in the same column)",
    ],
    "rules-text-starts-with-asterisk": [
        "rules-text-starts-with-asterisk/NCT06910384.yaml:10:11: invalid YAML: found undefined "
        "alias (a text that starts with '*' must be put in quotes: text: \"*Age 18 years or "
        "older.\")",
    ],
    "rules-missing-comma-in-braces": [
        "rules-missing-comma-in-braces/NCT06910384.yaml:11:42: invalid YAML: while parsing a "
        "flow mapping did not find expected ',' or '}' (the '{' at line 11, column 12 needs a "
        "'}', and its items a ',' between each two: one of them is missing before here)",
    ],
    "rules-declared-fact-mistake": [
        "rules-declared-fact-mistake/NCT09990001.yaml:6:40: facts.copd.exacerbations_last_year."
        "kind: expected one of 'number', 'integer', 'boolean', 'category', 'date' or 'lab', got "
        "'count'",
        "rules-declared-fact-mistake/NCT09990001.yaml:11:20: criteria[1].check.fact: fact "
        "'copd.exacerbations_last_year' is declared in this file with a mistake (fix "
        "facts.copd.exacerbations_last_year first)",
    ],
    "rules-lowercase-trial-id": [
        "rules-lowercase-trial-id/NCT06910384.yaml:3:7: trial.id: expected an NCT id: 'NCT' and "
        "eight digits, like NCT01234567, got 'nct06910384'",
    ],
    "rules-duplicate-trial-id": [
        "rules-duplicate-trial-id/NCT06910384.yml:3:7: trial.id: trial NCT06910384 is also "
        "defined in rules-duplicate-trial-id/NCT06910384.yaml",
    ],
}



def test_every_bad_file_has_a_test() -> None:
    on_disk = {path.name for path in BAD.iterdir()}
    assert on_disk == set(BAD_PATIENTS) | set(BAD_RULES)


@pytest.mark.usefixtures("in_bad")
@pytest.mark.parametrize(("name", "expected"), BAD_PATIENTS.items(), ids=list(BAD_PATIENTS))
def test_bad_patient_file_gives_its_exact_problems(name: str, expected: list[str]) -> None:
    assert problem_lines(load_bad_patient, name) == expected


@pytest.mark.usefixtures("in_bad")
@pytest.mark.parametrize(("folder", "expected"), BAD_RULES.items(), ids=list(BAD_RULES))
def test_bad_rule_folder_gives_its_exact_problems(folder: str, expected: list[str]) -> None:
    assert problem_lines(load_trials, folder) == expected


@pytest.mark.usefixtures("in_bad")
@pytest.mark.parametrize("folder", [name for name in BAD_RULES
                                    if name != "rules-duplicate-trial-id"])
def test_a_bad_rule_file_alone_gives_the_same_problems_as_its_folder(folder: str) -> None:
    (file,) = sorted(Path(folder).glob("*.yaml"))
    assert problem_lines(load_trial, str(file)) == problem_lines(load_trials, folder)


@pytest.mark.usefixtures("in_bad")
def test_every_problem_of_a_patient_file_comes_at_once_in_file_order() -> None:
    with pytest.raises(InputError) as caught:
        load_bad_patient("patient-many-problems.yaml")
    problems = caught.value.problems
    assert len(problems) == 6
    assert [problem.span.line for problem in problems] == [4, 5, 6, 8, 9, 10]
    assert str(caught.value) == "\n".join(BAD_PATIENTS["patient-many-problems.yaml"])


@pytest.mark.usefixtures("in_bad")
def test_every_problem_of_a_rule_file_comes_at_once_in_file_order() -> None:
    with pytest.raises(InputError) as caught:
        load_trials("rules-many-problems")
    assert [problem.span.line for problem in caught.value.problems] == [11, 13, 16, 21]


def test_problems_of_several_rule_files_come_together(tmp_path: Path) -> None:
    shutil.copy(BAD / "rules-unknown-fact" / "NCT06910384.yaml", tmp_path)
    text = (RULES / "NCT05003921.yaml").read_text(encoding="utf-8")
    (tmp_path / "NCT05003921.yaml").write_text(
        text.replace("op: is_true}", "op: is_tru}", 1), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_trials(tmp_path)
    files = [Path(problem.span.file).name for problem in caught.value.problems]
    assert files == ["NCT05003921.yaml", "NCT06910384.yaml"]
    assert "unknown operator 'is_tru' (did you mean 'is_true'?)" in str(caught.value)
    assert "unknown fact 'fvc.percent_predictd'" in str(caught.value)


def test_a_later_as_of_accepts_a_date_after_the_profiles_screening_date() -> None:
    profile = load_patient(BAD / "patient-future-date.yaml", as_of=dt.date(2027, 12, 1))
    assert profile.fvc and profile.fvc[0].date == dt.date(2027, 10, 20)


@pytest.mark.usefixtures("in_bad")
def test_an_earlier_as_of_makes_dates_after_it_problems() -> None:
    with pytest.raises(InputError) as caught:
        load_patient("patient-fvc-text.yaml", as_of=dt.date(2026, 10, 1))
    assert [str(problem) for problem in caught.value.problems] == [
        "patient-fvc-text.yaml:4:26: fvc.percent_predicted: expected a number, got 'eighty'",
        "patient-fvc-text.yaml:4:40: fvc.date: 2026-10-20 is after the --as-of date "
        "2026-10-01 (screen on a later date, or check the date)",
    ]


# Files and folders that are not what was asked for


@pytest.mark.usefixtures("in_bad")
def test_a_folder_given_as_patient_is_a_problem() -> None:
    assert problem_lines(load_bad_patient, "rules-unknown-fact") == [
        "rules-unknown-fact: this is a folder; give a YAML file",
    ]


@pytest.mark.usefixtures("in_bad")
def test_a_missing_patient_file_is_a_problem() -> None:
    assert problem_lines(load_bad_patient, "no-such-patient.yaml") == [
        "no-such-patient.yaml: no such file",
    ]


def test_a_folder_without_rule_files_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a rule file\n", encoding="utf-8")
    assert problem_lines(load_trials, str(tmp_path)) == [
        f"{tmp_path}: no rule files (*.yaml or *.yml) in this folder",
    ]


# Duplicate keys: plain PyYAML keeps the last value without a word


def test_pyyaml_alone_would_silently_keep_the_last_duplicate() -> None:
    text = (BAD / "patient-duplicate-key.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["sex"] == "male"  # why the loader must check for itself


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\na: 2\n", "x.yaml:2:1: a: duplicate key 'a' (first written at line 1; keep one)"),
        ("b:\n  c: 1\n  c: 2\n",
         "x.yaml:3:3: b.c: duplicate key 'c' (first written at line 2; keep one)"),
        ("d: {e: 1, e: 2}\n",
         "x.yaml:1:11: d.e: duplicate key 'e' (first written at line 1; keep one)"),
        ("f:\n  - {g: 1}\n  - {g: 1, g: 2}\n",
         "x.yaml:3:12: f[1].g: duplicate key 'g' (first written at line 3; keep one)"),
    ],
    ids=["top-level", "nested", "flow-mapping", "inside-a-list"],
)
def test_duplicate_keys_are_rejected_at_the_second_key(text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "x.yaml")
    assert [str(problem) for problem in caught.value.problems] == [expected]


# Safe loading: YAML tags that build Python objects are refused, never run


def test_python_object_tag_is_refused_and_not_executed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(BAD / "patient-python-tag.yaml", tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        load_bad_patient("patient-python-tag.yaml")
    assert not (tmp_path / "pwned-by-yaml").exists()
    (problem,) = caught.value.problems
    assert problem.span == SourceSpan("patient-python-tag.yaml", 3, 7)


@pytest.mark.parametrize("value", ["!!binary aGk=", "!!set {a: null}", "!!omap [a: 1]",
                                   "!!pairs [a: 1]"], ids=["binary", "set", "omap", "pairs"])
def test_a_tag_the_careful_parse_refuses_is_refused_by_the_fast_path_too(
        tmp_path: Path, value: str) -> None:
    # Found by tests/test_fuzz.py: `id: !!binary aGk=` loaded as id 'hi' on the fast path.
    path = tmp_path / "p.yaml"
    path.write_text(f"id: {value}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_patient(path)
    (problem,) = caught.value.problems
    assert problem.message.startswith(f"the YAML tag '{value.split()[0]}' is refused")


# Good files


@pytest.mark.parametrize("path", sorted(RULES.glob("*.yaml")), ids=lambda path: path.stem)
def test_repository_rule_file_loads(path: Path) -> None:
    trial = load_trial(path)
    assert trial.id == path.stem
    assert trial.criteria
    assert len({criterion.id for criterion in trial.criteria}) == len(trial.criteria)
    assert trial.file == str(path)
    assert trial.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_repository_rules_folder_loads_in_file_name_order() -> None:
    trials = load_trials(RULES)
    assert [trial.id for trial in trials] == sorted(path.stem for path in RULES.glob("*.yaml"))


def test_example_patient_loads() -> None:
    profile = load_patient(EXAMPLE, today=SCREENING_DAY)
    assert profile.id == "P001-example"
    assert profile.screening_date == SCREENING_DAY


@pytest.mark.parametrize("path", sorted(RULES.glob("*.yaml")), ids=lambda path: path.stem)
def test_criterion_spans_point_at_their_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    written = {
        line.split("- id:", 1)[1].strip(): SourceSpan(str(path), number, line.index("id:") + 1)
        for number, line in enumerate(lines, start=1)
        if line.lstrip().startswith("- id:")
    }
    trial = load_trial(path)
    assert {criterion.id: criterion.span for criterion in trial.criteria} == written


def test_criterion_spans_in_block_and_flow_style(tmp_path: Path) -> None:
    path = tmp_path / "NCT06910384.yaml"
    path.write_text(
        "trial: {id: NCT06910384, title: T, overall_status: RECRUITING}\n"
        "criteria:\n"
        "  - id: I5\n"
        "    kind: inclusion\n"
        '    text: "%FVC of 80% or more."\n'
        "    check: {fact: fvc.percent_predicted, op: at_least, value: 80}\n"
        "\n"
        "  - {id: E9, kind: exclusion, text: In another trial,"
        " check: {fact: trial_participation.current, op: is_true}}\n",
        encoding="utf-8",
    )
    spans = [criterion.span for criterion in load_trial(path).criteria]
    assert spans == [SourceSpan(str(path), 3, 5), SourceSpan(str(path), 8, 5)]


def test_rule_file_hash_is_of_the_file_bytes_even_with_crlf_line_ends(tmp_path: Path) -> None:
    text = (BAD / "rules-unknown-fact" / "NCT06910384.yaml").read_text(encoding="utf-8")
    path = tmp_path / "NCT06910384.yaml"
    path.write_bytes(text.replace("fvc.percent_predictd", "fvc.percent_predicted")
                     .replace("\n", "\r\n").encode("utf-8"))
    assert load_trial(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# Text that YAML reads as a number, true or false: the message says to quote it

QUOTE_NUMBER = ("(YAML reads unquoted digits as a number, so 003 becomes 3 and 010 becomes 8: "
                "put the value in quotes exactly as written, like {key}: \"003\")")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("003", "id: expected text, got the number 3 " + QUOTE_NUMBER.format(key="id")),
        ("010", "id: expected text, got the number 8 " + QUOTE_NUMBER.format(key="id")),
        ("1.10", "id: expected text, got the number 1.1 " + QUOTE_NUMBER.format(key="id")),
        ("yes", 'id: expected text, got true (YAML reads an unquoted yes, no, on or off as true '
                'or false: put the text in quotes, like id: "yes")'),
    ],
    ids=["leading-zeros", "octal-looking", "trailing-zero", "yes"],
)
def test_an_unquoted_patient_id_read_as_no_text_says_to_quote_it_as_written(
        tmp_path: Path, written: str, expected: str) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text(f"id: {written}\nsex: female\n", encoding="utf-8")
    (problem,) = problems_of(load_bad_patient, str(path))
    assert problem.span == SourceSpan(str(path), 1, 5)
    assert f"{problem.field}: {problem.message}" == expected


def test_a_quoted_patient_id_keeps_its_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text('id: "003"\nsex: female\n', encoding="utf-8")
    assert load_patient(path, today=SCREENING_DAY).id == "003"


def test_numbers_in_the_text_fields_of_an_assessment_say_to_quote_them(tmp_path: Path) -> None:
    path = tmp_path / "patient.yaml"
    path.write_text("id: P1\nassessments:\n  - {trial: 12345678, criterion: E5, answer: false, "
                    "by: 17, date: 2026-03-02}\n", encoding="utf-8")
    assert [f"{problem.field}: {problem.message}" for problem in
            problems_of(load_bad_patient, str(path))] == [
        "assessments[0].trial: expected text, got the number 12345678 "
        + QUOTE_NUMBER.format(key="trial"),
        "assessments[0].by: expected text, got the number 17 " + QUOTE_NUMBER.format(key="by"),
    ]


RULE_FILE = """\
trial: {{id: NCT06910384, title: T, overall_status: RECRUITING}}
criteria:
  - id: {criterion}
    kind: exclusion
    text: Judged unfit
    judgment: {{question: Unfit?, id: {judgment}}}
"""


@pytest.mark.parametrize(
    ("criterion", "judgment", "expected"),
    [
        ("1", "J1", "criteria[0].id: expected a short id that starts with a letter, then letters, "
                    "digits, '_' or '-' (like I1 or E10), got the number 1"),
        ("E1", "007", "criteria[0].judgment.id: expected text, got the number 7 "
                      + QUOTE_NUMBER.format(key="id")),
    ],
    ids=["criterion-id-quoting-would-not-help", "judgment-id-may-be-digits"],
)
def test_a_number_as_an_id_in_a_rule_file_says_what_an_id_looks_like(
        tmp_path: Path, criterion: str, judgment: str, expected: str) -> None:
    path = tmp_path / "NCT06910384.yaml"
    path.write_text(RULE_FILE.format(criterion=criterion, judgment=judgment), encoding="utf-8")
    (problem,) = problems_of(load_trial, str(path))
    assert f"{problem.field}: {problem.message}" == expected


def test_a_decimal_where_a_whole_number_is_expected_is_quoted_as_written(tmp_path: Path) -> None:
    text = (REPO / "patients" / "example.yaml").read_text(encoding="utf-8")
    birth = next(line for line in text.splitlines() if line.startswith("birth_date:"))
    (tmp_path / "p.yaml").write_text(text.replace(birth, "age: 70.0"), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_patient(tmp_path / "p.yaml")
    assert [problem.message for problem in caught.value.problems] == [
        "expected a whole number, got 70.0"]


@pytest.mark.parametrize(("screening", "problem"), [
    ("2027-12-06", None),
    ("2027-12-07", "3:17: screening_date: 2027-12-07 is more than a year after today "
                   "(2026-12-05): check for a typo (to screen ahead of time, leave it out and "
                   "give --as-of)"),
    ("2062-11-02", "3:17: screening_date: 2062-11-02 is more than a year after today "
                   "(2026-12-05): check for a typo (to screen ahead of time, leave it out and "
                   "give --as-of)"),
], ids=["a-year-and-a-day-ahead", "a-day-more", "2062-for-2026"])
def test_a_screening_date_more_than_a_year_ahead_is_a_typo(tmp_path: Path, screening: str,
                                                           problem: str | None) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"id: P1\nsex: female\nscreening_date: {screening}\n", encoding="utf-8")
    profile, problems = check_patient(path, today=dt.date(2026, 12, 5))
    assert [str(found) for found in problems] == ([] if problem is None else
                                                 [f"{path}:{problem}"])
    assert (profile is None) == (problem is not None)


@pytest.mark.parametrize(
    ("value", "hint"),
    [("%FVC of 80% or more.", "a text that starts with '%' must be put in quotes: text: \"%FVC "
                              "of 80% or more.\""),
     ("@home ventilation.", "a text that starts with '@' must be put in quotes: text: \"@home "
                            "ventilation.\""),
     ("> 18 years of age.", "a text that starts with '>' must be put in quotes: text: \"> 18 "
                            "years of age.\""),
     ('*"Healthy" subject in good health, as the investigator judges it.',
      "a text that starts with '*' must be put in quotes: text: '*\"Healthy\" subject in good "
      "health, as ...'")],
    ids=["percent", "at-sign", "greater-than", "asterisk-and-double-quotes"],
)
def test_a_text_starting_with_a_yaml_character_is_refused_with_the_line_quoted(
        value: str, hint: str) -> None:
    from eligibility.reading import Refused, compose

    with pytest.raises(Refused) as refused:
        compose(f"id: I1\ntext: {value}\nkind: inclusion\n", "x.yaml")
    assert str(refused.value).endswith(f"({hint})")


@pytest.mark.parametrize(
    ("line", "warning"),
    [("text: Prior treatment #2 or later.",
      "criteria[0].text: the text stops before '#2 or later.': YAML reads ' #' and the rest of "
      "the line as a comment (if it is part of the text, put the whole text in quotes; if it is "
      "a comment, put it on a line of its own)"),
     ("text: &Subject in good health.",
      "criteria[0].text: YAML reads '&Subject' as an anchor name, not as text, so the text "
      "starts at 'in' (if '&Subject' is part of the text, put the whole text in quotes)")],
    ids=["comment", "anchor"],
)
def test_a_protocol_text_yaml_reads_shorter_than_written_is_a_warning(
        tmp_path: Path, line: str, warning: str) -> None:
    rule_file = tmp_path / "NCT00000001.yaml"
    rule_file.write_text(
        "trial: {id: NCT00000001, title: t, overall_status: RECRUITING}\n"
        f"criteria:\n  - id: I1\n    kind: inclusion\n    {line}\n    judgment: Is it?\n",
        encoding="utf-8")
    trial, problems = check_trial(rule_file)
    assert trial is not None
    assert [(problem.span.line, f"{problem.field}: {problem.message}", problem.severity)
            for problem in problems if problem.field.endswith("text")] == [
        (5, warning, "warning")]


def test_a_quoted_text_with_a_hash_and_a_repeated_anchor_are_not_cut(tmp_path: Path) -> None:
    rule_file = tmp_path / "NCT00000001.yaml"
    rule_file.write_text(
        "trial: {id: NCT00000001, title: t, overall_status: RECRUITING}\ncriteria:\n"
        "  - {id: I1, kind: inclusion, text: \"Prior treatment #2.\", judgment: Is it?}\n"
        "  - {id: I2, kind: inclusion, text: &same Same text, judgment: Is it?}\n"
        "  - {id: I3, kind: inclusion, text: *same, judgment: Is it?}\n", encoding="utf-8")
    assert [problem for problem in check_trial(rule_file)[1]
            if problem.field.endswith("text")] == []


@pytest.mark.parametrize(("text", "expected"), [
    ("id: a\nals:\n  onset_date:2025-09-10\n  diagnosis_date: 2026-03-02\n",
     "p.yaml:3:3: invalid YAML: 'onset_date:2025-09-10' has no space after its ':' (write "
     "'field: value')"),
    ("id: a\nals:\n  diagnosis_date: 2026-03-02\n  onset_date 2025-09-10\n",
     "p.yaml:4:3: invalid YAML: 'onset_date 2025-09-10' has no ':' between the field and its "
     "value (write 'field: value')"),
    ("id: a\nmedications:\n  - name riluzole\n    status: current\n",
     "p.yaml:3:5: invalid YAML: 'name riluzole' has no ':' between the field and its value "
     "(write 'field: value')"),
    # The second line of a text is no lost key: the ': ' in the third is the mistake.
    ("id: a\nnote: first\n  second line\n  third: x\n",
     "p.yaml:4:8: invalid YAML: mapping values are not allowed in this context (a text "
     "containing ': ' must be put in quotes)"),
])
def test_a_key_without_its_colon_is_named_on_its_own_line(text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "p.yaml")
    assert [str(problem) for problem in caught.value.problems] == [expected]


@pytest.mark.parametrize(("written", "expected"), [
    ("78%", "expected a number, got '78%' (write the number alone, without its unit: 78)"),
    ("78.5 %", "expected a number, got '78.5 %' (write the number alone, without its unit: "
               "78.5)"),
    ("78,5", "expected a number, got '78,5' (write the number with a decimal point: 78.5)"),
    ("eighty", "expected a number, got 'eighty'"),
])
def test_a_number_written_with_its_unit_says_to_write_the_number_alone(
        tmp_path: Path, written: str, expected: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"id: P\nfvc:\n  percent_predicted: {written}\n  date: 2026-10-20\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_patient(str(path), today=SCREENING_DAY)
    assert [problem.message for problem in caught.value.problems] == [expected]


def test_a_decimal_comma_inside_braces_says_a_comma_starts_a_new_field(tmp_path: Path) -> None:
    # {percent_predicted: 78,5} reads as 78 and a field named 5: it said 'fvc[5]: keys should
    # be strings'.
    path = tmp_path / "p.yaml"
    path.write_text("id: P\nfvc: {percent_predicted: 78,5, date: 2026-10-20}\n",
                    encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_patient(str(path), today=SCREENING_DAY)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{path}:2:30: fvc: 5 stands where a field name should: inside {{ }} a comma starts a "
        "new field (a decimal comma? write the number with a point, 1.05 not 1,05; a text with "
        "commas? put it in quotes)"]


@pytest.mark.parametrize(("key", "expected"), [
    ("ALSFRS-R", "unknown field 'ALSFRS-R' (did you mean 'alsfrs_r'?)"),
    ("fvc_percent", "unknown field 'fvc_percent' (did you mean 'fvc'? its values go inside "
                    "it, on indented lines under 'fvc:')"),
    ("als_onset_date", "unknown field 'als_onset_date' (did you mean 'als'? its values go "
                       "inside it, on indented lines under 'als:')"),
])
def test_a_field_named_as_a_report_names_it_suggests_the_profiles_field(
        tmp_path: Path, key: str, expected: str) -> None:
    # 'ALSFRS-R' and 'fvc_percent' drew only the list of the 25 allowed fields.
    problems = _profile_problems(tmp_path, f"id: P\n{key}: 78\n")
    assert [problem.message for problem in problems] == [expected]


@pytest.mark.parametrize(("text", "field"), [
    ("id: P\nfvc:\n", "fvc"),
    ("id: P\nmedications:\nsex: male\n", "medications"),
    ("id: P\nlabs:\n  hemoglobin:\n", "labs.hemoglobin"),
])
def test_a_block_left_empty_says_so_not_that_a_list_was_expected(
        tmp_path: Path, text: str, field: str) -> None:
    # `fvc:` with nothing under it said 'expected a list, got an empty value' (fvc takes one
    # record or a list); `medications:` said 'expected a mapping'.
    problems = _profile_problems(tmp_path, text)
    assert [(problem.field, problem.message) for problem in problems] == [
        (field, "empty: write what it holds on the indented lines under it, or remove the "
                "line")]


@pytest.mark.parametrize("written", ["2025-10", "2025"])
def test_an_onset_known_only_to_the_month_says_a_rule_needs_the_day(
        tmp_path: Path, written: str) -> None:
    # Symptom onset is often recorded as a month; the message only gave the form, so the
    # user picked a day without knowing that it may decide a window criterion.
    problems = _profile_problems(tmp_path, f"id: P\nals: {{onset_date: {written}}}\n")
    (problem,) = problems
    assert problem.field == "als.onset_date"
    assert problem.message.endswith(
        ": a rule needs the day too (only the month or year known: see 'Dates known only to "
        "the month' in docs/patient-profile.md)")


@pytest.mark.parametrize(("text", "expected"), [
    # A value where the block takes a record: 'expected a list, got 78'.
    ("id: P\nfvc: 78\n",
     "fvc: expected a record, its fields on indented lines under it (percent_predicted, "
     "liters, date, visit), got 78"),
    # An item score beside the date instead of under items: only the allowed fields.
    ("id: P\nalsfrs_r:\n  date: 2026-10-20\n  speech: 4\n",
     "alsfrs_r.speech: unknown field 'speech' here (it belongs under items:, indented below "
     "it)"),
    ("id: P\npregnant: false\n",
     "pregnant: unknown field 'pregnant' here (it belongs under reproductive:, indented below "
     "it)"),
    ("id: P\npercent_predicted: 78\n",
     "percent_predicted: unknown field 'percent_predicted' here (it belongs under fvc: or "
     "svc:, indented below it)"),
    # An entry written without its '- '.
    ("id: P\nmedications:\n  name: riluzole\n",
     "medications.name: unknown field 'name' here (an entry of the list? start each entry "
     "with '- ', as in - name: ...)"),
])
def test_a_value_one_level_off_says_where_it_belongs(
        tmp_path: Path, text: str, expected: str) -> None:
    problems = _profile_problems(tmp_path, text)
    assert [f"{problem.field}: {problem.message}" for problem in problems] == [
        expected]


def test_yes_where_a_word_is_expected_says_yaml_read_it_as_true(tmp_path: Path) -> None:
    # `status: yes` said "expected one of 'current', 'past' or 'absent', got true": the user
    # wrote no 'true'.
    problems = _profile_problems(tmp_path,
                                 "id: P\nconditions:\n  - {name: diabetes, status: yes}\n")
    assert [problem.message for problem in problems] == [
        "expected one of 'current', 'past' or 'absent', got true (YAML reads an unquoted yes, "
        "no, on or off as true or false: write one of these words instead)"]
