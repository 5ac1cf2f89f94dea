"""`eligibility check`: every problem in rule files and profiles, without screening anyone.

Cases live in data/check/<what is wrong>/; most tests run from that folder so the paths in
the output read `case/NCT000002xx.yaml`, as an author running `check` beside them would see.
Each case holds its own trial id, so cases checked together never clash.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eligibility.cli import app, github_annotation
from eligibility.coverage import coverage
from eligibility.loading import Problem, is_rule_file, load_trial
from eligibility.source import SourceSpan

ROOT = Path(__file__).parent.parent
CASES = Path(__file__).parent / "data" / "check"
SHIPPED_RULES = sorted((ROOT / "rules").glob("*.yaml"))
SHIPPED_PROFILES = sorted((ROOT / "patients").glob("*.yaml"))

runner = CliRunner()


def run(*args: str, columns: int = 80) -> Result:
    """Invoke the CLI; a crash (anything but a clean exit) fails the test at once."""
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args} crashed: {result.exception!r}\n{result.output}")
    return result


@pytest.fixture
def in_cases(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def at(case: str) -> Path:
    """The rule file of a case, relative to data/check (as `check` prints it from there)."""
    (path,) = (CASES / case).glob("NCT*.yaml")
    return path.relative_to(CASES)


def yaml_files(*folders: Path) -> list[Path]:
    """The YAML files directly in `folders` (the shipped ones have no sub-folders)."""
    return sorted(p for folder in folders for p in folder.iterdir()
                  if p.suffix in (".yaml", ".yml"))


# Defaults, exit codes and the summary line


def test_check_without_arguments_checks_rules_and_patients_without_errors(in_root: None) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    count = len(yaml_files(ROOT / "rules", ROOT / "patients"))
    assert re.fullmatch(rf"checked {count} files: 0 errors, \d+ warnings?", lines[-1]), lines[-1]
    assert all(": warning: " in line for line in lines[:-1]), result.output


def test_check_without_arguments_is_check_rules_and_patients(in_root: None) -> None:
    assert run("check").stdout == run("check", "rules", "patients").stdout


def test_a_clean_file_says_so_in_the_summary(in_cases: None) -> None:
    result = run("check", "clean")
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 1 file: 0 errors, 0 warnings\n"


def test_warnings_alone_exit_0(in_cases: None) -> None:
    result = run("check", "not-recruiting")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{at('not-recruiting')}:5:19: warning: trial.overall_status: the registry "
        "lists this trial as COMPLETED: screenings will warn that it is not recruiting",
        "checked 1 file: 0 errors, 1 warning",
    ]


def test_one_error_exits_1(in_cases: None) -> None:
    result = run("check", "clean", "unknown-fact")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1] == "checked 2 files: 1 error, 0 warnings"


def test_errors_and_warnings_are_counted_apart(in_cases: None) -> None:
    result = run("check", "not-recruiting", "judgment-without-guidance", "many-problems")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1] == "checked 3 files: 4 errors, 2 warnings"


# Each kind of problem, as the author reads it


CONTRADICTION = ("contradictory: 'fvc.percent_predicted' cannot be both at least 80 and "
                 "below 60 (one of these checks is wrong: fix or remove it)")

PROBLEMS = {
    "unknown-fact": [
        f"{at('unknown-fact')}:11:19: criteria[0].check.fact: unknown fact "
        "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)"],
    "alsfrs-threshold-5": [
        f"{at('alsfrs-threshold-5')}:11:63: criteria[0].check.value: 5 is "
        "outside the range of 'alsfrs_r.items.speech' (0 to 4 points)"],
    "duplicate-criterion-id": [
        f"{at('duplicate-criterion-id')}:13:9: criteria[1].id: duplicate "
        "criterion id 'I1' (first used at line 8; ids must be unique)"],
    "duplicate-key": [
        f"{at('duplicate-key')}:10:5: criteria[0].kind: duplicate key 'kind' "
        "(first written at line 9; keep one)"],
    "empty-any": [
        f"{at('empty-any')}:11:10: criteria[0].any: an empty group decides nothing "
        "(list at least one condition, or remove it)"],
    "empty-all": [
        f"{at('empty-all')}:11:10: criteria[0].all: an empty group decides nothing "
        "(list at least one condition, or remove it)"],
    "missing-text": [
        f"{at('missing-text')}:8:5: criteria[0].text: missing required field "
        "'text'"],
    "trial-id-mismatch": [
        f"{at('trial-id-mismatch')}:3:7: trial.id: trial id 'NCT00000002' does "
        f"not match the file name '{at('trial-id-mismatch').name}' (name the file "
        "NCT00000002.yaml)"],
    "contradictory-at-least-80-and-below-60": [
        f"{at('contradictory-at-least-80-and-below-60')}:13:9: criteria[0].all[1]: "
        f"{CONTRADICTION}"],
    "integer-item-equals-fraction": [
        f"{at('integer-item-equals-fraction')}:11:61: criteria[0].check.value: 2.5 is not "
        "a whole number, and 'alsfrs_r.items.speech' takes only whole numbers"],
    "one-of-empty": [
        f"{at('one-of-empty')}:11:43: criteria[0].check.value: the list of values is "
        "empty: nothing could match (list at least one)"],
    "measured-within-days-on-sex": [
        f"{at('measured-within-days-on-sex')}:11:73: criteria[0].check.measured_within_days: "
        "'sex' has no date of its own, so a recency window keeps it unknown for every patient "
        "(remove measured_within_days)"],
    "status-in-wrong-case": [
        f"{at('status-in-wrong-case')}:5:19: trial.overall_status: expected one of "
        "'RECRUITING', 'NOT_YET_RECRUITING', 'ENROLLING_BY_INVITATION', "
        "'ACTIVE_NOT_RECRUITING', 'COMPLETED', 'SUSPENDED', 'TERMINATED', 'WITHDRAWN' or "
        "'UNKNOWN', got 'Recruiting' (did you mean 'RECRUITING'?)"],
    "criterion-id-with-dot": [
        f"{at('criterion-id-with-dot')}:8:9: criteria[0].id: expected a short id that starts "
        "with a letter, then letters, digits, '_' or '-' (like I1 or E10), got 'I1.a'"],
    "impossible-date": [
        f"{at('impossible-date')}:6:16: trial.last_update: '2025-02-30' is not a valid date "
        "(day is out of range for month)"],
    "profile-impossible-date": [
        "profile-impossible-date/patient.yaml:4:13: birth_date: '1968-02-30' is not a valid "
        "date (day is out of range for month)"],
    "many-problems": [
        f"{at('many-problems')}:11:19: criteria[0].check.fact: unknown fact "
        "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
        f"{at('many-problems')}:13:9: criteria[1].id: duplicate criterion id "
        "'I1' (first used at line 8; ids must be unique)",
        f"{at('many-problems')}:16:63: criteria[1].check.value: 5 is outside "
        "the range of 'alsfrs_r.items.speech' (0 to 4 points)",
        f"{at('many-problems')}:19:11: criteria[2].kind: expected one of 'inclusion' "
        "or 'exclusion', got 'exlusion' (did you mean 'exclusion'?)"],
}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_check_reports_every_problem_as_file_line_col_field_message(
        in_cases: None, case: str) -> None:
    result = run("check", case)
    assert result.exit_code == 1, result.output
    *lines, summary = result.stdout.splitlines()
    assert lines == PROBLEMS[case], result.output
    errors = len(PROBLEMS[case])
    assert summary == f"checked 1 file: {errors} error{'s' if errors > 1 else ''}, 0 warnings"


def test_an_error_has_no_severity_word_and_a_warning_says_warning(in_cases: None) -> None:
    result = run("check", "unknown-fact", "not-recruiting")
    assert result.stdout.splitlines() == [
        f"{at('not-recruiting')}:5:19: warning: trial.overall_status: the registry lists this "
        "trial as COMPLETED: screenings will warn that it is not recruiting",
        f"{at('unknown-fact')}:11:19: criteria[0].check.fact: unknown fact "
        "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
        "checked 2 files: 1 error, 1 warning",
    ]


def test_an_operator_for_another_kind_of_fact_is_reported_on_the_operator(
        in_cases: None) -> None:
    result = run("check", "operator-wrong-kind")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == (
        f"{at('operator-wrong-kind')}:11:39: criteria[0].check.op: operator "
        "'at_least' does not apply to 'als.onset_date', a date fact (operators for date: "
        "within_days, within_months, within_years, before, on_or_after, at_most_ago, "
        "less_than_ago, at_least_ago, more_than_ago, recorded)")


def test_a_schema_error_does_not_hide_a_contradiction_elsewhere(in_cases: None) -> None:
    result = run("check", "schema-error-and-contradiction")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"{at('schema-error-and-contradiction')}:11:19: criteria[0].check.fact: unknown fact "
        "'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
        f"{at('schema-error-and-contradiction')}:18:9: criteria[1].all[1]: {CONTRADICTION}",
        "checked 1 file: 2 errors, 0 warnings",
    ]


def test_a_trial_defined_in_two_files_is_an_error(in_cases: None) -> None:
    result = run("check", "duplicate-trial-id")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "duplicate-trial-id/NCT00000212.yml:3:7: trial.id: trial NCT00000212 is also defined "
        "in duplicate-trial-id/NCT00000212.yaml",
        "checked 2 files: 1 error, 0 warnings",
    ]


def test_screen_refuses_a_trial_defined_in_two_files(in_cases: None) -> None:
    result = run("screen", str(ROOT / "patients" / "example.yaml"), "--rules",
                 "duplicate-trial-id")
    assert result.exit_code == 1, result.output
    assert "is also defined in" in result.stderr


@pytest.mark.parametrize(("written", "meant"), [
    ("Recruiting", "RECRUITING"),
    ("recruiting", "RECRUITING"),
    ("Completed", "COMPLETED"),
    ("not_yet_recruiting", "NOT_YET_RECRUITING"),
    ("RECRUITNG", "RECRUITING"),
    ("Recruting", "RECRUITING"),
    ("Not yet recruiting", "NOT_YET_RECRUITING"),
], ids=["capitalised", "lower-case", "capitalised-completed", "lower-case-with-underscores",
        "misspelt", "misspelt-and-capitalised", "as-the-website-shows-it"])
def test_an_overall_status_in_another_spelling_suggests_the_registry_code(
        tmp_path: Path, written: str, meant: str) -> None:
    text = (CASES / at("status-in-wrong-case")).read_text("utf-8")
    path = tmp_path / at("status-in-wrong-case").name
    path.write_text(text.replace("overall_status: Recruiting", f"overall_status: {written}"),
                    "utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0].endswith(f", got {written!r} (did you mean {meant!r}?)")


# An impossible date (rule file and profile) is one problem, not a crash nor two; its exact
# text is in PROBLEMS above.
IMPOSSIBLE_DATES = ["impossible-date", "profile-impossible-date"]


@pytest.mark.parametrize("case", IMPOSSIBLE_DATES)
def test_an_impossible_date_is_a_problem_not_a_crash(in_cases: None, case: str) -> None:
    result = run("check", case)
    assert result.exit_code == 1, result.output
    assert result.stdout.startswith(PROBLEMS[case][0] + "\n"), result.output


@pytest.mark.parametrize("case", IMPOSSIBLE_DATES)
def test_an_impossible_date_is_reported_once(in_cases: None, case: str) -> None:
    assert run("check", case).stdout.splitlines()[-1] == "checked 1 file: 1 error, 0 warnings"


def test_equals_true_on_a_boolean_fact_is_checked_without_a_crash(in_cases: None) -> None:
    result = run("check", "boolean-equals-true")
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 1 file: 0 errors, 0 warnings\n"


# A missing path; rule files and profiles told apart


def test_a_missing_path_is_reported_and_the_rest_still_checked(in_cases: None) -> None:
    result = run("check", "nowhere.yaml", "not-recruiting")
    assert result.exit_code == 1, result.output
    *lines, summary = result.stdout.splitlines()
    # A problem with a file as a whole has no line and column: just `file: message`.
    assert "nowhere.yaml: no such file or folder" in lines
    assert any(line.startswith(f"{at('not-recruiting')}:5:19: warning: ") for line in lines)
    assert summary == "checked 1 file: 1 error, 1 warning"


def test_a_missing_path_has_kind_missing_and_line_0_in_json(in_cases: None) -> None:
    document = json.loads(run("check", "nowhere.yaml", "--format", "json").stdout)
    assert document["files"] == [{"path": "nowhere.yaml", "kind": "missing", "problems": [
        {"line": 0, "column": 0, "field": "", "severity": "error",
         "message": "no such file or folder"}]}]


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not YAML", "utf-8")
    result = run("check", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"{tmp_path}: no YAML files (*.yaml or *.yml) in this folder",
        "checked 0 files: 1 error, 0 warnings",
    ]


def test_an_empty_folder_has_line_0_in_json(tmp_path: Path) -> None:
    result = run("check", str(tmp_path), "--format", "json")
    assert result.exit_code == 1, result.output
    (file,) = json.loads(result.stdout)["files"]
    assert (file["path"], file["problems"]) == (str(tmp_path), [
        {"line": 0, "column": 0, "field": "", "severity": "error",
         "message": "no YAML files (*.yaml or *.yml) in this folder"}])


def test_a_folder_is_read_with_its_sub_folders_as_screen_reads_one(in_cases: None) -> None:
    # folder-with-a-subfolder/sub/ holds a broken rule file: check must find it (issue 9).
    result = run("check", "folder-with-a-subfolder")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "folder-with-a-subfolder/sub/NCT00000225.yaml:11:19: criteria[0].check.fact: unknown "
        "fact 'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
        "checked 2 files: 1 error, 0 warnings",
    ]


def test_a_file_named_twice_is_checked_once(in_cases: None) -> None:
    result = run("check", "unknown-fact", str(at("unknown-fact")), "unknown-fact")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [*PROBLEMS["unknown-fact"],
                                          "checked 1 file: 1 error, 0 warnings"]


def test_rule_files_and_profiles_in_one_folder_are_told_apart(in_cases: None) -> None:
    result = run("check", "rules-and-profiles", "--format", "json")
    assert result.exit_code == 1, result.output
    kinds = {file["path"]: file["kind"] for file in json.loads(result.stdout)["files"]}
    assert kinds == {str(at("rules-and-profiles")): "rules",
                     "rules-and-profiles/bad-profile.yaml": "patient",
                     "rules-and-profiles/good-profile.yaml": "patient"}


def test_a_profile_problem_names_the_profile_field(in_cases: None) -> None:
    result = run("check", "rules-and-profiles")
    assert result.stdout.splitlines() == [
        "rules-and-profiles/bad-profile.yaml:6:26: fvc.percent_predicted: expected a "
        "number, got 'eighty'",
        "checked 3 files: 1 error, 0 warnings",
    ]


@pytest.mark.parametrize("path", SHIPPED_RULES, ids=lambda path: path.name)
def test_shipped_rule_files_are_rule_files(path: Path) -> None:
    assert is_rule_file(path)


@pytest.mark.parametrize("path", SHIPPED_PROFILES, ids=lambda path: path.name)
def test_shipped_profiles_are_not_rule_files(path: Path) -> None:
    assert not is_rule_file(path)


# --format json and --format github


def test_json_report_has_counts_files_problems_and_coverage(in_cases: None) -> None:
    result = run("check", "not-recruiting", "many-problems", "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"schema_version", "errors", "warnings", "files", "coverage"}
    assert (document["schema_version"], document["errors"], document["warnings"]) == ("1", 4, 1)
    assert [file["path"] for file in document["files"]] == [
        str(at("not-recruiting")), str(at("many-problems"))]
    first = document["files"][1]["problems"][0]
    assert first == {"line": 11, "column": 19, "field": "criteria[0].check.fact",
                     "severity": "error", "message": "unknown fact 'fvc.percent_predictd' "
                     "(did you mean 'fvc.percent_predicted'?)"}
    assert document["files"][0]["problems"][0]["severity"] == "warning"
    # Only usable trials have coverage: the broken one is left out.
    assert [row["trial"] for row in document["coverage"]] == [at("not-recruiting").stem]


def test_json_report_exit_code_follows_errors(in_cases: None) -> None:
    assert run("check", "clean", "--format", "json").exit_code == 0
    assert run("check", "unknown-fact", "--format", "json").exit_code == 1


def test_github_format_prints_one_workflow_annotation_per_problem(in_cases: None) -> None:
    result = run("check", "many-problems", "not-recruiting", "--format", "github")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"::error file={at('many-problems')},line=11,col=19,title=criteria[0].check."
        "fact::unknown fact 'fvc.percent_predictd' (did you mean 'fvc.percent_predicted'?)",
        f"::error file={at('many-problems')},line=13,col=9,title=criteria[1].id::"
        "duplicate criterion id 'I1' (first used at line 8; ids must be unique)",
        f"::error file={at('many-problems')},line=16,col=63,title=criteria[1].check."
        "value::5 is outside the range of 'alsfrs_r.items.speech' (0 to 4 points)",
        f"::error file={at('many-problems')},line=19,col=11,title=criteria[2].kind::"
        "expected one of 'inclusion' or 'exclusion', got 'exlusion' (did you mean "
        "'exclusion'?)",
        f"::warning file={at('not-recruiting')},line=5,col=19,title=trial."
        "overall_status::the registry lists this trial as COMPLETED: screenings will warn "
        "that it is not recruiting",
    ]


def test_github_format_with_only_warnings_exits_0(in_cases: None) -> None:
    result = run("check", "not-recruiting", "--format", "github")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"::warning file={at('not-recruiting')},line=5,")


def test_github_annotation_escapes_what_the_workflow_syntax_reserves() -> None:
    problem = Problem(SourceSpan("rules/NCT00000001.yaml", 3, 7), "a,b:c",
                      "100% sure\nsecond line")
    assert github_annotation(problem) == (
        "::error file=rules/NCT00000001.yaml,line=3,col=7,title=a%2Cb%3Ac::100%25 sure%0A"
        "second line")


def test_github_annotation_never_sends_a_terminal_escape_to_the_log() -> None:
    problem = Problem(SourceSpan("p\x1b]8;;x\x07.yaml", 1, 1), "id",
                      "unknown value '\x1b[31mred'")
    annotation = github_annotation(problem)
    assert "\x1b" not in annotation and "\x07" not in annotation
    assert annotation == ("::error file=p\\x1b]8;;x\\x07.yaml,line=1,col=1,title=id::"
                          "unknown value '\\x1b[31mred'")


def test_github_annotation_without_a_field_is_titled_eligibility() -> None:
    problem = Problem(SourceSpan("x.yaml", 1, 1), "", "the file is empty")
    assert github_annotation(problem) == (
        "::error file=x.yaml,line=1,col=1,title=eligibility::the file is empty")


# --coverage


COVERAGE_ROW = re.compile(r"^\s*(NCT\d{8})\s+(\d+)\s+(\d+) \((\d+)%\)\s+(\d+) \((\d+)\)\s+"
                          r"(\d+)\s+(\d+)%\s*(.*?)\s*$")


def test_coverage_table_matches_the_library_on_the_shipped_trials(in_root: None) -> None:
    result = run("check", "--coverage", columns=120)
    assert result.exit_code == 0, result.output
    rows = {match[1]: match.groups()[1:] for line in result.stdout.splitlines()
            if (match := COVERAGE_ROW.match(line))}
    expected = {}
    for path in SHIPPED_RULES:
        counts = coverage(load_trial(path))
        assert counts.decided_by_data is not None
        expected[counts.trial] = (
            str(counts.total), str(counts.computable),
            str(100 * counts.computable // counts.total), str(counts.judgment),
            str(counts.partly_judgment), str(counts.curation),
            f"{100 * counts.decided_by_data:.0f}",
            ", ".join((*counts.judgment_ids, *counts.curation_ids)))
    assert rows == expected, result.output


def test_coverage_in_json_matches_the_library_on_the_shipped_trials(in_root: None) -> None:
    document = json.loads(run("check", "--format", "json").stdout)
    expected = []
    for path in SHIPPED_RULES:
        counts = coverage(load_trial(path))
        expected.append(vars(counts) | {"curation_ids": list(counts.curation_ids),
                                        "judgment_ids": list(counts.judgment_ids),
                                        "partly_judgment_ids": list(counts.partly_judgment_ids),
                                        "decided_by_data": counts.decided_by_data})
    assert document["coverage"] == expected


def test_coverage_counts_judgments_and_criteria_to_curate(in_cases: None) -> None:
    document = json.loads(run("check", "needs-curation", "clean", "--format", "json").stdout)
    assert document["coverage"] == [
        {"trial": at("needs-curation").stem, "total": 1, "computable": 0, "judgment": 0,
         "curation": 1, "curation_ids": ["C1"], "judgment_ids": [], "partly_judgment": 0,
         "partly_judgment_ids": [], "decided_by_data": 0.0},
        {"trial": at("clean").stem, "total": 2, "computable": 1, "judgment": 1, "curation": 0,
         "curation_ids": [], "judgment_ids": ["E1"], "partly_judgment": 0,
         "partly_judgment_ids": [], "decided_by_data": 1.0},
    ]


def test_without_coverage_flag_there_is_no_coverage_table(in_root: None) -> None:
    assert "Coverage" not in run("check").stdout


# screen runs the same checks


def test_screen_refuses_a_rule_file_with_a_lint_error(in_cases: None) -> None:
    result = run("screen", str(ROOT / "patients" / "example.yaml"), "--rules",
                 str(at("contradictory-at-least-80-and-below-60")))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == "".join(
        line + "\n" for line in PROBLEMS["contradictory-at-least-80-and-below-60"])


LINT_ERRORS = {
    "never-true-alsfrs-item-above-4": (
        f"{at('never-true-alsfrs-item-above-4')}:11:60: criteria[0].check.value: never true: "
        "no allowed value of 'alsfrs_r.items.speech' (0 to 4) is above 4 (the criterion can "
        "never be met: check the operator and the value)"),
    "contradictory-female-and-male": (
        f"{at('contradictory-female-and-male')}:13:9: criteria[0].all[1]: contradictory: "
        "'sex' cannot be both 'female' and 'male' (one of these checks is wrong: fix or "
        "remove it)"),
}


@pytest.mark.parametrize("case", list(LINT_ERRORS))
def test_screen_refuses_a_folder_holding_a_rule_file_with_a_lint_error(
        in_cases: None, case: str) -> None:
    result = run("screen", str(ROOT / "patients" / "example.yaml"), "--rules", case)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == LINT_ERRORS[case] + "\n"


def test_screen_reports_an_empty_rules_folder_as_a_whole(tmp_path: Path) -> None:
    result = run("screen", str(ROOT / "patients" / "example.yaml"), "--rules", str(tmp_path))
    assert result.exit_code == 1, result.output
    assert result.stderr == f"{tmp_path}: no rule files (*.yaml or *.yml) in this folder\n"


@pytest.mark.parametrize("case", ["not-recruiting", "judgment-without-guidance",
                                  "needs-curation", "always-true-alsfrs-item-at-least-0"])
def test_screen_accepts_a_rule_file_with_only_warnings(in_cases: None, case: str) -> None:
    result = run("screen", str(ROOT / "patients" / "example.yaml"), "--rules", case,
                 columns=120)
    assert result.exit_code == 0, result.output
    assert at(case).stem in result.stdout


def test_screen_accepts_equals_true_on_a_boolean_fact(in_cases: None) -> None:
    result = run("screen", str(ROOT / "patients" / "example.yaml"), "--rules",
                 "boolean-equals-true")
    assert result.exit_code == 0, result.output


# Clinicians' answers are checked against the trials they name


def profile_with_assessment(tmp_path: Path, trial: str, criterion: str) -> Path:
    text = (ROOT / "patients" / "example.yaml").read_text(encoding="utf-8")
    path = tmp_path / "answered.yaml"
    path.write_text(text + (f"assessments:\n  - {{trial: {trial}, criterion: {criterion}, "
                            "answer: false, by: Dr. Test, date: 2026-10-20}\n"),
                    encoding="utf-8")
    return path


@pytest.mark.usefixtures("in_root")
def test_a_criterion_answered_in_lower_case_is_suggested_in_its_own_case(
        tmp_path: Path) -> None:
    # 'e5' drew the list of judgment criteria: difflib does not take e5 for E5.
    path = profile_with_assessment(tmp_path, "NCT06910384", "e5")
    result = run("check", str(path))
    assert result.exit_code == 1, result.output
    assert ("trial NCT06910384 has no judgment criterion 'e5' (did you mean 'E5'?); this "
            "answer would not be used") in result.stdout


@pytest.mark.usefixtures("in_root")
def test_check_of_a_profile_alone_checks_its_answers_against_rules(tmp_path: Path) -> None:
    path = profile_with_assessment(tmp_path, "NCT06910384", "E55")
    result = run("check", str(path))
    assert result.exit_code == 1, result.output
    assert "trial NCT06910384 has no judgment criterion 'E55'" in result.stdout


@pytest.mark.usefixtures("in_root")
def test_an_answer_to_a_criterion_whose_judgment_has_an_id_names_the_key_to_use(
        tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "NCT00000001.yaml").write_text(
        "trial: {id: NCT00000001, title: t, overall_status: RECRUITING}\ncriteria:\n"
        "  - {id: E10, kind: exclusion, text: t, judgment: {question: Is it?, id: area}}\n",
        encoding="utf-8")
    path = profile_with_assessment(tmp_path, "NCT00000001", "E10")
    result = run("check", str(path), str(rules))
    assert result.exit_code == 1, result.output
    assert ("trial NCT00000001 has no judgment criterion 'E10' (its judgments are addressed "
            "'E10.area'); this answer would not be used") in result.stdout


@pytest.mark.usefixtures("in_root")
def test_an_answer_naming_a_trial_by_its_short_name_is_an_error(tmp_path: Path) -> None:
    path = profile_with_assessment(tmp_path, "STR04", "E5")
    checked = run("check", str(path))
    assert checked.exit_code == 1, checked.output
    assert "assessments[0].trial: name the trial by its registry id: NCT06910384 (STR04)" in (
        checked.stdout)
    screened = run("screen", str(path))
    assert screened.exit_code == 1, screened.output
    assert "NCT06910384 (STR04)" in screened.stderr


@pytest.mark.usefixtures("in_root")
def test_an_answer_for_a_trial_without_a_rule_file_is_accepted(tmp_path: Path) -> None:
    path = profile_with_assessment(tmp_path, "NCT01234567", "E1")
    assert run("check", str(path)).exit_code == 0


def test_a_judgment_in_applies_to_makes_the_criterion_a_judgment(tmp_path: Path) -> None:
    path = tmp_path / "NCT00000299.yaml"
    path.write_text(
        "trial: {id: NCT00000299, title: A test trial, overall_status: RECRUITING}\n"
        "criteria:\n"
        "  - id: E1\n"
        "    kind: exclusion\n"
        "    text: Pregnancy in women the investigator judges of childbearing potential.\n"
        "    applies_to:\n"
        "      judgment: {question: Of childbearing potential?, guidance: Ask the site.}\n"
        "    check: {fact: reproductive.pregnant, op: is_true}\n", encoding="utf-8")
    row = coverage(load_trial(path))
    assert (row.judgment, row.judgment_ids) == (1, ("E1",))
    # Data decides it when the patient is not pregnant: a partly judgment criterion.
    assert (row.partly_judgment, row.partly_judgment_ids) == (1, ("E1",))
    assert row.decided_by_data == 1.0


@pytest.mark.parametrize(("condition", "partly"), [
    ("judgment: {question: Fit for the trial?}", False),
    ("not: {judgment: {question: Fit for the trial?}}", False),
    ("any: [{judgment: {question: A?, id: a}}, {judgment: {question: B?, id: b}}]", False),
    ("any: [{check: {fact: age, op: at_least, value: 18}}, {judgment: {question: A?}}]", True),
    ("all: [{judgment: {question: A?}}, {check: {fact: age, op: at_least, value: 18}}]", True),
    ("first: [{judgment: {question: A?}}, {check: {fact: age, op: at_least, value: 18}}]", True),
])
def test_a_judgment_criterion_is_partly_decided_by_data_when_a_part_can_decide_it(
        tmp_path: Path, condition: str, partly: bool) -> None:
    path = tmp_path / "NCT00000298.yaml"
    path.write_text(
        "trial: {id: NCT00000298, title: A test trial, overall_status: RECRUITING}\n"
        "criteria:\n"
        "  - {id: I1, kind: inclusion, text: Adults the investigator finds fit., "
        f"{condition}}}\n", encoding="utf-8")
    row = coverage(load_trial(path))
    assert row.judgment == 1 and row.partly_judgment == int(partly)
    assert row.decided_by_data == (1.0 if partly else None)


def test_a_rule_file_checked_alone_is_read_with_the_vocabulary_files_beside_it() -> None:
    # `check rules/NCT00000002.yaml` said "unknown fact 'labs.nt_probnp'" where `check rules`
    # (and screen, and show) read the folder's vocabulary file first.
    rule = Path(__file__).parent.parent / "docs/examples/heart-failure/rules/NCT00000002.yaml"
    result = CliRunner().invoke(app, ["check", str(rule)])
    assert result.exit_code == 0, result.output
    assert "checked 1 file: 0 errors" in result.output


def test_a_dose_unit_or_frequency_the_engine_cannot_read_is_a_warning(tmp_path: Path) -> None:
    # They passed check silently; screening then left daily-dose rules unknown with no hint.
    path = tmp_path / "p.yaml"
    path.write_text("""\
id: P-doses
screening_date: 2026-11-02
medications:
  - {name: riluzole, status: current, dose: 100, unit: mg/day}
  - name: edaravone
    status: past
    doses:
      - {from: 2026-01-05, dose: 60, unit: mg, frequency: twice dayly}
""", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{path}:4:56: warning: medications[0].unit: dose unit 'mg/day' is not one the engine "
        "reads (mg, g, mcg, µg, mL): give the dose of one intake with its frequency (50 mg, "
        "twice daily); rules about the daily dose stay unknown",
        f"{path}:8:59: warning: medications[1].doses[0].frequency: frequency 'twice dayly' is "
        "not one the engine reads (did you mean 'twice daily'?): rules about the daily dose "
        "stay unknown",
        "checked 1 file: 0 errors, 2 warnings",
    ]


@pytest.mark.parametrize(("written", "expected"), [
    ("2x daily", None),  # a spelling of twice daily: read, no warning
    ("3 times a day", None),
    ("5x daily", "frequency '5x daily' is not one the engine reads (once daily, twice daily, "
                 "bid, ...): rules about the daily dose stay unknown"),
    ("q12hr", "frequency 'q12hr' is not one the engine reads (did you mean 'q12h'?): rules "
              "about the daily dose stay unknown"),
])
def test_a_frequency_is_never_suggested_with_other_numbers_than_written(
        tmp_path: Path, written: str, expected: str | None) -> None:
    # '2x daily' drew "did you mean 'daily'?": following it halves the daily dose.
    path = tmp_path / "p.yaml"
    path.write_text("id: P-frequency\nmedications:\n  - {name: riluzole, status: current, "
                    f"dose: 50, unit: mg, frequency: {written}}}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    warnings = [line.split("frequency: ", 1)[1] for line in result.output.splitlines()
                if ": warning: " in line]
    assert warnings == ([] if expected is None else [expected])


def test_an_entry_name_the_vocabulary_does_not_know_is_a_warning(tmp_path: Path) -> None:
    # 'edavarone' (a typo of edaravone) passed check silently; screening then left every
    # rule about edaravone, and about any category of medications, unknown.
    path = tmp_path / "p.yaml"
    path.write_text("""\
id: P-names
medications:
  - {name: edavarone, status: current}
  - {name: edavarone, category: als_therapy, status: past, date: 2026-01-05}
  - {name: fish oil, category: other}
  - {name: ropinirole, status: absent}
  - {name: Coumadin, status: current}
conditions:
  - {name: essential hypertension, status: current}
""", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{path}:3:12: warning: medications[0].name: 'edavarone' is not a name the vocabulary "
        "knows (did you mean 'edaravone'?): give its category (or category: other), or rules "
        "asking about a category of medications stay unknown",
        f"{path}:4:12: warning: medications[1].name: 'edavarone' is not a name the vocabulary "
        "knows (did you mean 'edaravone'?): a rule asking for edaravone by name does not find "
        "it",
        "checked 1 file: 0 errors, 2 warnings",
    ]
