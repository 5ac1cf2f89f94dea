"""`eligibility screen` over many profiles: matrix, JSON, CSV, --output, broken files, ranking.

Profiles are copied from patients/ (and varied) into `tmp_path`, so every test chooses exactly
which files a batch holds. Tables are read at 200 columns unless a test is about the width, so
no patient id is folded. Screenings use `--as-of 2026-11-02`, the example's screening date, so
the outcome does not depend on the day the tests run.

Tests marked `xfail(strict=True, reason="bug: ...")` state the behaviour we want and do not
have yet; when one starts passing, pytest reports XPASS as a failure: remove the mark.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from eligibility import Status, Verdict, __version__, load_patient, load_trials, screen
from eligibility.cli import app
from eligibility.cohort import deciding, rank
from eligibility.report import CSV_FIELDS, SCHEMA_VERSION

HERE = Path(__file__).parent
REPO = HERE.parent
RULES = REPO / "rules"
PATIENTS = REPO / "patients"
EXAMPLE = PATIENTS / "example.yaml"
BAD = HERE / "data" / "bad"
AS_OF = "2026-11-02"
WIDE = 200

TERMINAL_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                      "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES")
# A criterion row of a trial's table: id, kind, symbol and status word.
CRITERION_ROW = re.compile(r"^ (\S+) +(incl|excl) +[✓✗?+x] (pass|fail|unknown) ")
VERDICT_WORD = re.compile(r"INELIGIBLE|ELIGIBLE|NEEDS REVIEW")
WORDS = {"eligible": "ELIGIBLE", "ineligible": "INELIGIBLE", "needs_review": "NEEDS REVIEW"}


def invoke(*args: str | Path, width: int = WIDE, **env: str) -> Result:
    """Run `eligibility *args` with plain, non-terminal output `width` columns wide."""
    clean: dict[str, str | None] = dict.fromkeys(TERMINAL_VARIABLES)
    clean.update(COLUMNS=str(width), **env)
    return CliRunner().invoke(app, [str(arg) for arg in args], env=clean, terminal_width=width)


def screen_batch(*args: str | Path, width: int = WIDE, **env: str) -> Result:
    """`eligibility screen *args --rules RULES --as-of AS_OF`."""
    return invoke("screen", *args, "--rules", RULES, "--as-of", AS_OF, width=width, **env)


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output


def profile_id(path: Path) -> str:
    (line,) = [line for line in path.read_text(encoding="utf-8").splitlines()
               if line.startswith("id:")]
    return line.removeprefix("id:").strip()


def copy_profiles(folder: Path, *names: str) -> list[Path]:
    """Copy patients/NAME.yaml for each name into `folder`; return the copies."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(PATIENTS / f"{name}.yaml", folder / f"{name}.yaml"))
            for name in names]


def variants(folder: Path, count: int) -> list[Path]:
    """`count` copies of the example profile, each with its own id and FVC."""
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    paths = []
    for number in range(count):
        changed = text.replace("id: P001-example", f"id: P9{number:02d}-variant").replace(
            "percent_predicted: 84", f"percent_predicted: {60 + number}")
        assert changed != text
        path = folder / f"variant-{number:02d}.yaml"
        path.write_text(changed, encoding="utf-8")
        paths.append(path)
    return paths


def matrix_verdicts(stdout: str, ids: Sequence[str]) -> dict[str, list[str]]:
    """Per patient id, the verdict words of its matrix row, in trial order."""
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if words and words[0] in ids:
            found[words[0]] = VERDICT_WORD.findall(line)
    return found


def json_document(*args: str | Path) -> dict[str, Any]:
    result = screen_batch(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def leftovers(folder: Path) -> list[str]:
    """Files an interrupted or finished atomic write should never leave behind."""
    return sorted(path.name for path in folder.iterdir()
                  if path.name.endswith(".tmp") or path.name.startswith("."))


# Which files a batch holds: folders, several files, quoted globs


def test_a_folder_screens_every_yaml_profile_inside_it_recursively(tmp_path: Path) -> None:
    copy_profiles(tmp_path / "cohort", "example", "stale-fvc")
    copy_profiles(tmp_path / "cohort" / "site-b", "hepatitis-b")
    (tmp_path / "cohort" / "notes.txt").write_text("not a profile\n", encoding="utf-8")
    document = json_document(tmp_path / "cohort")
    assert sorted(patient["patient_id"] for patient in document["patients"]) == [
        "P001-example", "P008-stale-fvc", "P019-hepatitis-b"]
    assert document["failed_files"] == []


def test_two_files_are_screened_in_the_order_given(tmp_path: Path) -> None:
    first, second = copy_profiles(tmp_path, "stale-fvc", "example")
    document = json_document(first, second)
    assert [patient["patient_id"] for patient in document["patients"]] == [
        "P008-stale-fvc", "P001-example"]


def test_the_same_file_given_twice_is_screened_once(tmp_path: Path) -> None:
    (example,) = copy_profiles(tmp_path, "example")
    rows = csv_of(example, example)
    criteria = sum(len(trial.criteria) for trial in load_trials(RULES))
    assert [row["patient_id"] for row in rows] == ["P001-example"] * criteria


def test_a_quoted_glob_screens_only_the_files_it_matches(tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example", "eligible-str04", "stale-fvc")
    shutil.copy(PATIENTS / "hepatitis-b.yaml", tmp_path / "hepatitis-b.yml")  # not *.yaml
    document = json_document(str(tmp_path / "e*.yaml"))  # one argument, as a shell passes it
    assert [patient["patient_id"] for patient in document["patients"]] == [
        "P002-eligible-str04", "P001-example"]


def test_a_glob_matching_nothing_exits_1_and_says_so(tmp_path: Path) -> None:
    pattern = str(tmp_path / "nobody-*.yaml")
    result = screen_batch(pattern)
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert result.stdout == ""
    assert f"{pattern}: no file matches this pattern" in result.stderr.splitlines()


def test_a_glob_matching_nothing_does_not_stop_the_other_profiles(tmp_path: Path) -> None:
    (example,) = copy_profiles(tmp_path, "example")
    result = screen_batch(example, str(tmp_path / "nobody-*.yaml"))
    assert result.exit_code == 1, result.output
    assert "P001-example" in matrix_verdicts(result.stdout, ["P001-example"])


def test_a_glob_matching_nothing_does_not_claim_nothing_was_screened(tmp_path: Path) -> None:
    (example,) = copy_profiles(tmp_path, "example")
    result = screen_batch(example, str(tmp_path / "nobody-*.yaml"))
    assert "P001-example" in result.stdout
    assert "no profile could be screened" not in result.stderr


def test_a_folder_with_one_profile_still_gives_the_several_patient_json(tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example")
    document = json_document(tmp_path)
    assert set(document) == {"schema_version", "engine", "patients", "failed_files"}


# The matrix


def test_matrix_has_every_patient_and_their_verdicts_but_no_criterion_tables(
        tmp_path: Path) -> None:
    copy_profiles(tmp_path, *(path.stem for path in sorted(PATIENTS.glob("*.yaml"))))
    document = json_document(tmp_path)
    result = screen_batch(tmp_path)
    assert result.exit_code == 0, result.output
    expected = {patient["patient_id"]: [WORDS[trial["verdict"]] for trial in patient["trials"]]
                for patient in document["patients"]}
    assert len(expected) == len(list(PATIENTS.glob("*.yaml")))
    assert matrix_verdicts(result.stdout, list(expected)) == expected
    assert {word for words in expected.values() for word in words} == set(WORDS.values())
    assert not [line for line in result.stdout.splitlines() if CRITERION_ROW.match(line)]
    assert "Criterion (protocol text)" not in result.stdout


def test_matrix_totals_count_each_verdict_per_trial(tmp_path: Path) -> None:
    copy_profiles(tmp_path, *(path.stem for path in sorted(PATIENTS.glob("*.yaml"))))
    document = json_document(tmp_path)
    result = screen_batch(tmp_path)
    for index, trial in enumerate(document["patients"][0]["trials"]):
        verdicts = [patient["trials"][index]["verdict"] for patient in document["patients"]]
        counts = " · ".join(f"{verdicts.count(v)} {WORDS[v].lower()}" for v in WORDS)
        misses = sum(patient["trials"][index]["near_miss"] is not None
                     for patient in document["patients"])
        near = f" ({misses} near miss{'es' if misses != 1 else ''})" if misses else ""
        assert f"{trial['id']}: {counts}{near}" in result.stdout.splitlines()


def test_detail_prints_every_patients_criterion_tables_and_the_matrix(tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example", "stale-fvc", "hepatitis-b")
    ids = ["P001-example", "P008-stale-fvc", "P019-hepatitis-b"]
    criteria = sum(len(trial.criteria) for trial in load_trials(RULES))
    result = screen_batch(tmp_path, "--detail")
    assert result.exit_code == 0, result.output
    for ident in ids:
        assert f"Patient {ident} · screened as of {AS_OF}" in result.stdout
    rows = [line for line in result.stdout.splitlines() if CRITERION_ROW.match(line)]
    assert len(rows) == len(ids) * criteria
    assert set(matrix_verdicts(result.stdout, ids)) == set(ids)


def test_matrix_at_80_columns_keeps_each_patient_id_on_one_line(tmp_path: Path) -> None:
    copies = copy_profiles(tmp_path, "anticoagulant-brand-name", "premenopausal-no-contraception")
    result = screen_batch(tmp_path, width=80)
    for path in copies:
        assert profile_id(path) in result.stdout


def test_matrix_title_of_one_patient_is_singular(tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example")
    result = screen_batch(tmp_path)
    assert result.stdout.lstrip().startswith("1 patient ")


# Progress


def test_a_long_batch_is_silent_on_stderr_when_piped(tmp_path: Path) -> None:
    variants(tmp_path, 30)
    result = screen_batch(tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_a_long_batch_shows_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    variants(tmp_path, 30)
    result = screen_batch(tmp_path, TTY_COMPATIBLE="1", TTY_INTERACTIVE="1")
    assert result.exit_code == 0, result.output
    assert "screening" in result.stderr and "100%" in result.stderr


# One bad file never spoils a batch

BAD_PROFILES = sorted(BAD.glob("patient-*.yaml"))


@pytest.mark.parametrize("bad", [*BAD_PROFILES, BAD / "no-such-patient.yaml", "folder.yaml"],
                         ids=[*(path.stem for path in BAD_PROFILES), "missing-file",
                              "folder-named-yaml"])
def test_a_bad_profile_is_reported_and_the_others_are_screened(tmp_path: Path,
                                                               bad: Path | str) -> None:
    if bad == "folder.yaml":
        bad = tmp_path / "folder.yaml"
        bad.mkdir()
    (example,) = copy_profiles(tmp_path / "good", "example")
    result = screen_batch(example, bad)
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert re.search(rf"^{re.escape(str(bad))}(:\d+:\d+)?: \S", result.stderr, re.MULTILINE), (
        result.stderr)
    assert "P001-example" in matrix_verdicts(result.stdout, ["P001-example"])


def test_a_broken_profile_in_a_folder_gives_its_position_and_the_rest_are_screened(
        tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example", "stale-fvc")
    bad = Path(shutil.copy(BAD / "patient-fvc-text.yaml", tmp_path / "broken.yaml"))
    result = screen_batch(tmp_path)
    assert result.exit_code == 1, result.output
    assert (f"{bad}:4:26: fvc.percent_predicted: expected a number, got 'eighty'"
            in result.stderr.splitlines())
    assert set(matrix_verdicts(result.stdout, ["P001-example", "P008-stale-fvc"])) == {
        "P001-example", "P008-stale-fvc"}


# JSON and CSV


def test_batch_json_has_the_documented_shape(tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example", "stale-fvc")
    bad = Path(shutil.copy(BAD / "patient-fvc-text.yaml", tmp_path / "broken.yaml"))
    result = screen_batch(tmp_path, "--format", "json")
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert list(document) == ["schema_version", "engine", "patients", "failed_files"]
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["engine"] == {"name": "eligibility", "version": __version__}
    trial_ids = [trial.id for trial in load_trials(RULES)]
    assert [patient["patient_id"] for patient in document["patients"]] == [
        "P001-example", "P008-stale-fvc"]  # sorted by path: broken.yaml failed
    for patient in document["patients"]:
        assert set(patient) == {"patient_id", "as_of", "trials", "collect_across_trials"}
        assert patient["as_of"] == AS_OF
        assert [trial["id"] for trial in patient["trials"]] == trial_ids
    assert document["failed_files"] == [{
        "file": str(bad), "line": 4, "column": 26, "field": "fvc.percent_predicted",
        "severity": "error", "message": "expected a number, got 'eighty'"}]


def test_one_unreadable_profile_gives_a_json_document_naming_it() -> None:
    bad = BAD / "patient-fvc-text.yaml"
    result = screen_batch(bad, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["patients"] == []
    assert [entry["file"] for entry in document["failed_files"]] == [str(bad)]


def csv_of(*args: str | Path) -> list[dict[str, str]]:
    result = screen_batch(*args, "--format", "csv")
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.stdout, newline=""))
    assert tuple(reader.fieldnames or ()) == CSV_FIELDS
    return list(reader)


def test_csv_has_one_row_per_patient_trial_and_criterion_equal_to_the_json(
        tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example", "stale-fvc", "missing-data", "hepatitis-b")
    document = json_document(tmp_path)
    rows = csv_of(tmp_path)
    criteria = sum(len(trial.criteria) for trial in load_trials(RULES))
    assert len(rows) == 4 * criteria
    expected = [
        {"patient_id": patient["patient_id"], "as_of": patient["as_of"],
         "trial_id": trial["id"], "verdict": trial["verdict"], "criterion_id": criterion["id"],
         "kind": criterion["kind"], "status": criterion["status"],
         "explanation": criterion["explanation"], "missing": "; ".join(criterion["missing"]),
         "facts_read": criterion["facts_read"], "text": criterion["text"],
         "rule_sha256": trial["rule_file"]["sha256"], "applies": criterion["applies"],
         "forecast": "", "status_changes": ""}  # a batch forecasts only with --forecast
        for patient in document["patients"] for trial in patient["trials"]
        for criterion in trial["criteria"]
    ]
    for row, want in zip(rows, expected, strict=True):
        # facts_read is JSON inside the cell; applies is compared in the test below
        got = row | {"facts_read": json.loads(row["facts_read"]),
                     "applies": {"true": True, "false": False}[row["applies"].lower()]}
        assert got == want


def test_csv_spells_booleans_as_the_json_does(tmp_path: Path) -> None:
    copy_profiles(tmp_path, "example")
    rows = csv_of(tmp_path)
    assert {row["applies"] for row in rows} <= {"true", "false"}


def test_csv_of_one_patient_has_the_same_columns(tmp_path: Path) -> None:
    (example,) = copy_profiles(tmp_path, "example")
    rows = csv_of(example)
    assert {row["patient_id"] for row in rows} == {"P001-example"}


# --output


@pytest.mark.parametrize("output", ["json", "csv", "table", "html"])
def test_output_writes_the_whole_document_and_leaves_no_temporary_file(
        tmp_path: Path, output: str) -> None:
    copy_profiles(tmp_path / "in", "example", "stale-fvc")
    destination = tmp_path / "out" / f"report.{output}"
    destination.parent.mkdir()
    result = screen_batch(tmp_path / "in", "--format", output, "--output", destination)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"wrote {destination}\n"
    written = destination.read_text(encoding="utf-8")
    if output in ("json", "csv"):
        printed = screen_batch(tmp_path / "in", "--format", output)
        assert written == printed.stdout
    assert "P001-example" in written and "P008-stale-fvc" in written
    assert leftovers(destination.parent) == []


def test_output_replaces_an_existing_report(tmp_path: Path) -> None:
    (example,) = copy_profiles(tmp_path / "in", "example")
    destination = tmp_path / "report.json"
    destination.write_text("old report\n", encoding="utf-8")
    result = screen_batch(example, "--format", "json", "-o", destination)
    assert result.exit_code == 0, result.output
    assert json.loads(destination.read_text(encoding="utf-8"))["patient_id"] == "P001-example"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_a_failed_write_exits_1_and_leaves_nothing_behind(tmp_path: Path, where: str) -> None:
    (example,) = copy_profiles(tmp_path / "in", "example")
    destination = tmp_path / "no-such-folder" / "report.json"
    if where == "a-folder":
        destination = tmp_path / "report.json"
        destination.mkdir()
    result = screen_batch(example, "--format", "json", "-o", destination)
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert f"error: cannot write {destination}" in result.stderr
    assert leftovers(tmp_path) == []


def test_output_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    (example,) = copy_profiles(tmp_path / "in", "example")
    destination = tmp_path / "report.json"
    umask = os.umask(0)
    os.umask(umask)
    result = screen_batch(example, "--format", "json", "-o", destination)
    assert result.exit_code == 0, result.output
    assert destination.stat().st_mode & 0o777 == 0o666 & ~umask


def rules_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(RULES, tmp_path / "rules"))


@pytest.mark.parametrize(
    "case",
    ["profile-named", "profile-in-folder", "profile-by-glob", "profile-by-other-spelling",
     "profile-by-symlink", "rule-file-in-folder", "rule-file-named"],
)
def test_output_refuses_to_overwrite_an_input(tmp_path: Path, case: str) -> None:
    (example,) = copy_profiles(tmp_path / "in", "example")
    rules = rules_copy(tmp_path)
    rule_file = rules / "NCT06910384.yaml"
    inputs: list[str | Path] = [example]
    destination: Path = example
    if case == "profile-in-folder":
        inputs = [example.parent]
    elif case == "profile-by-glob":
        inputs = [str(example.parent / "*.yaml")]
    elif case == "profile-by-other-spelling":
        destination = example.parent / ".." / "in" / "." / example.name
    elif case == "profile-by-symlink":
        destination = tmp_path / "link.yaml"
        destination.symlink_to(example)
    elif case.startswith("rule-file"):
        destination = rule_file
        if case == "rule-file-named":
            rules = rule_file
    before = {path: path.read_bytes() for path in (example, rule_file)}
    result = invoke("screen", *inputs, "--rules", rules, "--format", "json", "-o", destination)
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert "would overwrite an input" in result.stderr
    assert {path: path.read_bytes() for path in before} == before
    assert leftovers(example.parent) == [] and leftovers(rule_file.parent) == []


# Ranking: one patient, many trials

PASS = "check: {fact: fvc.percent_predicted, op: at_least, value: 80}"
FAIL = "check: {fact: fvc.percent_predicted, op: at_least, value: 90}"
UNKNOWN = "check: {fact: als.el_escorial, op: one_of, value: [definite, probable]}"
# For a patient with FVC 84 % and no ALS category: statuses by construction.
RANKING_TRIALS = {
    "NCT00000011": [FAIL, PASS, FAIL],                # ineligible, 2 failed
    "NCT00000012": [UNKNOWN, PASS, UNKNOWN],          # needs review, 2 unknown
    "NCT00000013": [PASS, PASS],                      # eligible
    "NCT00000014": [UNKNOWN, FAIL, UNKNOWN, UNKNOWN],  # ineligible, 1 failed (3 unknown)
    "NCT00000015": [UNKNOWN],                         # needs review, 1 unknown
    "NCT00000016": [PASS],                            # eligible, ties with NCT00000013
}
RANKED = ["NCT00000013", "NCT00000016", "NCT00000015", "NCT00000012", "NCT00000014",
          "NCT00000011"]
DECIDING = {"NCT00000011": ("I1", "I3"), "NCT00000012": ("I1", "I3"), "NCT00000013": (),
            "NCT00000014": ("I2",), "NCT00000015": ("I1",), "NCT00000016": ()}


def ranking_files(tmp_path: Path) -> tuple[Path, Path]:
    """A rules folder of RANKING_TRIALS and a profile with FVC 84 % and nothing else."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for ident, conditions in RANKING_TRIALS.items():
        criteria = "".join(f"  - id: I{number}\n    kind: inclusion\n"
                           f"    text: Criterion {number}.\n    {condition}\n"
                           for number, condition in enumerate(conditions, 1))
        (rules / f"{ident}.yaml").write_text(
            f"trial:\n  id: {ident}\n  title: Trial {ident}\n  overall_status: RECRUITING\n"
            f"criteria:\n{criteria}", encoding="utf-8")
    patient = tmp_path / "patient.yaml"
    patient.write_text("id: P-rank\nscreening_date: 2026-11-02\n"
                       "fvc: {percent_predicted: 84, date: 2026-10-20}\n", encoding="utf-8")
    return rules, patient


def test_rank_puts_eligible_then_fewest_unknowns_then_fewest_failures(tmp_path: Path) -> None:
    rules, patient = ranking_files(tmp_path)
    profile = load_patient(patient)
    screenings = [screen(profile, trial, as_of=profile.screening_date)
                  for trial in load_trials(rules)]
    assert [s.trial.id for s in screenings] == list(RANKING_TRIALS)  # file order going in
    ranked = rank(screenings)
    assert [s.trial.id for s in ranked] == RANKED
    assert [s.verdict for s in ranked] == [Verdict.ELIGIBLE] * 2 + [Verdict.NEEDS_REVIEW] * 2 + [
        Verdict.INELIGIBLE] * 2
    assert {s.trial.id: deciding(s) for s in screenings} == DECIDING
    for s in screenings:  # deciding criteria are exactly those of the deciding status
        status = {Verdict.INELIGIBLE: Status.FAIL, Verdict.NEEDS_REVIEW: Status.UNKNOWN}.get(
            s.verdict)
        assert deciding(s) == tuple(r.criterion.id for r in s.results if r.status is status)


def test_rank_keeps_the_given_order_on_ties(tmp_path: Path) -> None:
    rules, patient = ranking_files(tmp_path)
    profile = load_patient(patient)
    screenings = [screen(profile, trial, as_of=profile.screening_date)
                  for trial in reversed(load_trials(rules))]
    assert [s.trial.id for s in rank(screenings)][:2] == ["NCT00000016", "NCT00000013"]


def test_single_patient_summary_is_ranked_with_its_deciding_criteria(tmp_path: Path) -> None:
    rules, patient = ranking_files(tmp_path)
    result = invoke("screen", patient, "--rules", rules, width=120)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    summary = [line.rstrip() for line in lines if re.match(r"^ +NCT\d{8} ", line)]
    assert [line.split()[0] for line in summary] == RANKED
    for line in summary:
        ident = line.split()[0]
        # the last column: deciding criteria; an eligible trial has none, so Registry ends it
        assert line.endswith(", ".join(DECIDING[ident]) or "RECRUITING"), line
    sections = [line.split()[0] for line in lines if re.match(r"^NCT\d{8} ", line)]
    assert sections == RANKED


def test_single_patient_summary_uses_the_default_rules_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _, patient = ranking_files(tmp_path)  # writes tmp_path/rules/
    monkeypatch.chdir(tmp_path)
    result = invoke("screen", patient.name, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [trial["id"] for trial in document["trials"]] == list(RANKING_TRIALS)
    assert {trial["id"]: trial["verdict"] for trial in document["trials"]} == {
        "NCT00000011": "ineligible", "NCT00000012": "needs_review",
        "NCT00000013": "eligible", "NCT00000014": "ineligible",
        "NCT00000015": "needs_review", "NCT00000016": "eligible"}


@pytest.mark.parametrize("copies", [2, 70], ids=["in-process", "workers"])
def test_two_profiles_of_one_patient_id_are_both_screened_with_a_warning(
        tmp_path: Path, copies: int) -> None:
    # 70 files are screened by worker processes (64 or more), which must pass the id back
    for number in range(copies):
        (tmp_path / f"p{number:02}.yaml").write_text(EXAMPLE.read_text())
    result = screen_batch(tmp_path, "--format", "csv", "--jobs", "2", "--no-forecast")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning: id:" in line]
    assert len(warnings) == copies - 1
    assert warnings[0] == (f"{tmp_path / 'p01.yaml'}:2:1: warning: id: 'P001-example' is also "
                           f"the id of {tmp_path / 'p00.yaml'}: the output holds this patient "
                           "twice")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sum(1 for row in rows if row["trial_id"] == "NCT06910384" and
               row["criterion_id"] == "I1") == copies  # each profile is screened


def test_a_funnel_of_two_profiles_of_one_patient_id_warns_that_it_counts_them_twice(
        tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(EXAMPLE.read_text())
    result = invoke("funnel", "NCT06910384", tmp_path, "--rules", RULES, "--format", "json")
    assert result.exit_code == 0, result.output
    assert (f"{tmp_path / 'b.yaml'}:2:1: warning: id: 'P001-example' is also the id of "
            f"{tmp_path / 'a.yaml'}: the funnel counts this patient twice") in result.stderr
    assert json.loads(result.stdout)["patients"] == 2

