"""`eligibility funnel TRIAL PATIENTS...`: a trial's attrition, criterion by criterion.

Two cohorts: a hand-made trial and six hand-made profiles whose every number is worked out in
the test, and the shipped profiles plus variants of the example (copied into `tmp_path`) whose
numbers are recomputed here from screenings made independently of `eligibility.cohort`.

Tests marked `xfail(strict=True, reason="bug: ...")` state the behaviour we want and do not
have yet; when one starts passing, pytest reports XPASS as a failure: remove the mark.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from eligibility import Status, __version__, load_patient, load_trial, screen
from eligibility.cli import app
from eligibility.cohort import funnel
from eligibility.report import SCHEMA_VERSION

HERE = Path(__file__).parent
REPO = HERE.parent
RULES = REPO / "rules"
PATIENTS = REPO / "patients"
EXAMPLE = PATIENTS / "example.yaml"
BAD = HERE / "data" / "bad"
AS_OF = "2026-11-02"

TERMINAL_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                      "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES")
# A step of the funnel table: id, kind, pass, fail, unknown, remaining.
STEP_ROW = re.compile(r"^(\S+) +(incl|excl) +(\d+) +(\d+) +(\d+) +(\d+)\b")


def invoke(*args: str | Path, width: int = 80) -> Result:
    clean: dict[str, str | None] = dict.fromkeys(TERMINAL_VARIABLES)
    clean.update(COLUMNS=str(width))
    return CliRunner().invoke(app, [str(arg) for arg in args], env=clean, terminal_width=width)


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    assert "Traceback" not in result.output


def funnel_json(trial: str, *patients: str | Path, rules: Path = RULES) -> dict[str, Any]:
    result = invoke("funnel", trial, *patients, "--rules", rules, "--as-of", AS_OF,
                    "--format", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def table_steps(stdout: str) -> list[tuple[str, ...]]:
    """(id, pass, fail, unknown, remaining) for each criterion row of the funnel table."""
    return [(row[1], row[3], row[4], row[5], row[6]) for line in stdout.splitlines()
            if (row := STEP_ROW.match(line.strip()))]


# A hand-made trial and cohort: every number below is worked out by hand

HANDMADE_TRIAL = """\
trial:
  id: NCT00000021
  title: A funnel test trial
  short_name: FUNNEL
  overall_status: RECRUITING
criteria:
  - id: I1
    kind: inclusion
    text: "%FVC of 80% or more."
    check: {fact: fvc.percent_predicted, op: at_least, value: 80}
  - id: I2
    kind: inclusion
    text: Definite or probable ALS.
    check: {fact: als.el_escorial, op: one_of, value: [definite, probable]}
  - id: E1
    kind: exclusion
    text: "%FVC of 95% or more."
    check: {fact: fvc.percent_predicted, op: at_least, value: 95}
"""

# patient: (FVC % or None, El Escorial category or None) -> statuses I1, I2, E1
HANDMADE_PATIENTS = {
    "A": (84, "probable"),    # pass, pass, pass          eligible
    "B": (70, "probable"),    # fail, pass, pass          ineligible at I1
    "C": (96, None),          # pass, unknown, fail       ineligible at E1
    "D": (None, "possible"),  # unknown, fail, unknown    ineligible at I2
    "E": (75, "possible"),    # fail, fail, pass          ineligible at I1
    "F": (84, None),          # pass, unknown, pass       needs review
}
HANDMADE_STEPS = [
    # id, pass, fail, unknown, remaining, first_excluded
    ("I1", 3, 2, 1, 4, 2),  # B and E out
    ("I2", 2, 2, 2, 3, 1),  # D out (E already was)
    ("E1", 4, 1, 1, 2, 1),  # C out; A and F remain
]


def handmade_cohort(tmp_path: Path) -> tuple[Path, Path]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "NCT00000021.yaml").write_text(HANDMADE_TRIAL, encoding="utf-8")
    folder = tmp_path / "patients"
    folder.mkdir()
    for name, (fvc, category) in HANDMADE_PATIENTS.items():
        lines = [f"id: P-{name}", f"screening_date: {AS_OF}"]
        if fvc is not None:
            lines.append(f"fvc: {{percent_predicted: {fvc}, date: 2026-10-20}}")
        if category is not None:
            lines.append(f"als: {{el_escorial: {category}, date: 2026-10-20}}")
        (folder / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules, folder


def test_funnel_of_a_handmade_cohort_gives_the_numbers_worked_out_by_hand(
        tmp_path: Path) -> None:
    rules, folder = handmade_cohort(tmp_path)
    document = funnel_json("NCT00000021", folder, rules=rules)
    assert document["patients"] == len(HANDMADE_PATIENTS)
    assert [(step["id"], step["pass"], step["fail"], step["unknown"], step["remaining"],
             step["first_excluded"]) for step in document["steps"]] == HANDMADE_STEPS
    assert document["verdicts"] == {"eligible": 1, "ineligible": 4, "needs_review": 1}
    assert document["top_excluders"] == ["I1", "I2", "E1"]  # 2, 2 (protocol order), 1


def test_funnel_table_shows_the_handmade_numbers_and_the_top_excluders(tmp_path: Path) -> None:
    rules, folder = handmade_cohort(tmp_path)
    result = invoke("funnel", "NCT00000021", folder, "--rules", rules, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[0] == "Funnel NCT00000021 (FUNNEL) · 6 patients"
    assert re.match(r"^start +6\b", next(line for line in lines if line.startswith("start")))
    assert table_steps(result.stdout) == [
        (ident, str(passed), str(failed), str(unknown), str(remaining))
        for ident, passed, failed, unknown, remaining, _ in HANDMADE_STEPS]
    assert "Verdicts: 1 eligible · 4 ineligible · 1 needs review" in lines
    assert "Excludes the most: I1 (2), I2 (2), E1 (1)" in lines


def test_funnel_function_on_screenings_of_the_handmade_cohort(tmp_path: Path) -> None:
    rules, folder = handmade_cohort(tmp_path)
    trial = load_trial(rules / "NCT00000021.yaml")
    screenings = [screen(load_patient(path), trial, as_of=dt.date.fromisoformat(AS_OF))
                  for path in sorted(folder.glob("*.yaml"))]
    result = funnel(trial, screenings)
    assert [(step.criterion.id, step.passed, step.failed, step.unknown, step.remaining,
             step.first_excluded) for step in result.steps] == HANDMADE_STEPS
    assert [step.criterion.id for step in result.top_excluders(2)] == ["I1", "I2"]
    assert funnel(trial, []).steps[0].remaining == 0


# The shipped profiles and variants: numbers recomputed from independent screenings


def cohort(folder: Path, variants: int = 12) -> list[Path]:
    """Every shipped profile, plus `variants` copies of the example with FVC 60 % upwards."""
    folder.mkdir()
    paths = [Path(shutil.copy(path, folder / path.name)) for path in PATIENTS.glob("*.yaml")]
    text = EXAMPLE.read_text(encoding="utf-8")
    for number in range(variants):
        path = folder / f"variant-{number:02d}.yaml"
        path.write_text(text.replace("id: P001-example", f"id: P9{number:02d}-variant").replace(
            "percent_predicted: 84", f"percent_predicted: {60 + 3 * number}"), encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def expected_funnel(trial_id: str, paths: list[Path]) -> dict[str, Any]:
    """The funnel worked out from statuses alone, without eligibility.cohort."""
    trial = load_trial(RULES / f"{trial_id}.yaml")
    on = dt.date.fromisoformat(AS_OF)
    statuses = [[result.status for result in screen(load_patient(path, as_of=on), trial,
                                                     as_of=on).results] for path in paths]
    steps = []
    for index, criterion in enumerate(trial.criteria):
        column = [row[index] for row in statuses]
        steps.append({
            "id": criterion.id, "kind": criterion.kind, "text": criterion.text,
            "pass": column.count(Status.PASS), "fail": column.count(Status.FAIL),
            "unknown": column.count(Status.UNKNOWN),
            "remaining": sum(Status.FAIL not in row[:index + 1] for row in statuses),
            "first_excluded": sum(row[index] is Status.FAIL and Status.FAIL not in row[:index]
                                  for row in statuses),
        })
    ineligible = sum(Status.FAIL in row for row in statuses)
    review = sum(Status.FAIL not in row and Status.UNKNOWN in row for row in statuses)
    return {"steps": steps, "verdicts": {"eligible": len(paths) - ineligible - review,
                                         "ineligible": ineligible, "needs_review": review}}


@pytest.mark.parametrize("trial_id", sorted(path.stem for path in RULES.glob("*.yaml")))
def test_funnel_matches_screenings_computed_independently(tmp_path: Path, trial_id: str) -> None:
    paths = cohort(tmp_path / "cohort")
    document = funnel_json(trial_id, tmp_path / "cohort")
    expected = expected_funnel(trial_id, paths)
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["engine"] == {"name": "eligibility", "version": __version__}
    assert document["trial"] == trial_id
    assert document["patients"] == len(paths)
    assert document["steps"] == expected["steps"]  # also: protocol order, every criterion
    assert document["verdicts"] == expected["verdicts"]
    steps = document["steps"]
    for step in steps:
        assert step["pass"] + step["fail"] + step["unknown"] == len(paths)
    remaining = [len(paths)] + [step["remaining"] for step in steps]
    assert remaining == sorted(remaining, reverse=True)
    assert [a - b for a, b in itertools.pairwise(remaining)] == [
        step["first_excluded"] for step in steps]
    assert steps[-1]["remaining"] == len(paths) - document["verdicts"]["ineligible"]
    failing = [step for step in steps if step["fail"]]
    order = sorted(failing, key=lambda step: -step["fail"])  # stable: protocol order on ties
    assert document["top_excluders"] == [step["id"] for step in order][:5]
    assert any(step["fail"] for step in steps), "the cohort should exclude someone"


def test_funnel_table_has_the_same_numbers_as_its_json(tmp_path: Path) -> None:
    cohort(tmp_path / "cohort")
    document = funnel_json("NCT06910384", tmp_path / "cohort")
    result = invoke("funnel", "NCT06910384", tmp_path / "cohort", "--rules", RULES,
                    "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert table_steps(result.stdout) == [
        (step["id"], str(step["pass"]), str(step["fail"]), str(step["unknown"]),
         str(step["remaining"])) for step in document["steps"]]
    top = ", ".join(f"{ident} ({next(s['fail'] for s in document['steps'] if s['id'] == ident)})"
                    for ident in document["top_excluders"])
    assert f"Excludes the most: {top}" in result.stdout


def test_funnel_accepts_a_quoted_glob(tmp_path: Path) -> None:
    paths = cohort(tmp_path / "cohort")
    document = funnel_json("NCT06910384", str(tmp_path / "cohort" / "variant-*.yaml"))
    assert document["patients"] == sum(path.name.startswith("variant-") for path in paths)


# Errors


def test_funnel_of_an_unknown_trial_exits_1_and_names_the_known_ones() -> None:
    result = invoke("funnel", "NCT00000000", PATIENTS, "--rules", RULES)
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert result.stdout == ""
    assert "no rule file for trial NCT00000000" in result.stderr
    assert "NCT05003921" in result.stderr and "NCT06910384" in result.stderr


def test_funnel_reports_a_broken_profile_counts_the_others_and_exits_1(tmp_path: Path) -> None:
    rules, folder = handmade_cohort(tmp_path)
    bad = Path(shutil.copy(BAD / "patient-fvc-text.yaml", folder / "broken.yaml"))
    result = invoke("funnel", "NCT00000021", folder, "--rules", rules, "--as-of", AS_OF,
                    "--format", "json")
    assert result.exit_code == 1, result.output
    assert_no_traceback(result)
    assert f"{bad}:4:26: fvc.percent_predicted: expected a number, got 'eighty'" in (
        result.stderr.splitlines())
    assert json.loads(result.stdout)["patients"] == len(HANDMADE_PATIENTS)


@pytest.mark.parametrize("output", ["csv", "html"])
def test_funnel_in_a_format_it_does_not_print_is_a_usage_error(output: str) -> None:
    result = invoke("funnel", "NCT06910384", EXAMPLE, "--rules", RULES, "--format", output)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_funnel_refuses_the_profiles_screen_refuses(tmp_path: Path) -> None:
    profile = tmp_path / "typo.yaml"
    profile.write_text(EXAMPLE.read_text(encoding="utf-8") + (
        "assessments:\n  - {trial: NCT06910384, criterion: E55, answer: false, "
        "by: Dr. Test, date: 2026-10-20}\n"), encoding="utf-8")
    screened = invoke("screen", profile, "--rules", RULES)
    assert screened.exit_code == 1, screened.output
    result = invoke("funnel", "NCT06910384", profile, "--rules", RULES, "--format", "json")
    assert result.exit_code == 1, result.output
    assert "E55" in result.stderr
    assert json.loads(result.stdout)["patients"] == 0
