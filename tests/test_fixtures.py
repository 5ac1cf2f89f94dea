"""Rule fixtures: the example patients a rule file ships, run by `eligibility test`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility.cli import app

ROOT = Path(__file__).parent.parent
RULE = (ROOT / "rules" / "NCT06910384.yaml").read_text(encoding="utf-8").split("\nfixtures:")[0]


def run(tmp_path: Path, fixtures: str):
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "NCT06910384.yaml").write_text(RULE + "\nfixtures:\n" + fixtures,
                                                          encoding="utf-8")
    return CliRunner().invoke(app, ["test", "--rules", str(tmp_path / "rules")])


@pytest.mark.parametrize("args", [["--rules", str(ROOT / "rules")], [str(ROOT / "rules")]],
                         ids=["option", "argument"])
def test_the_shipped_trials_give_what_their_fixtures_expect(args):
    result = CliRunner().invoke(app, ["test", *args])
    assert result.exit_code == 0, result.output
    assert result.output.endswith("14 fixtures in 7 trials: 14 passed, 0 failed\n")


INLINE = """\
  - name: a penicillin allergy excludes
    as_of: 2026-11-02
    profile:
      id: F-1
      allergies: [{name: amoxicillin}]
    expect: {E4: fail, I1: unknown}
"""


def test_an_inline_profile_that_gives_what_it_expects_passes(tmp_path):
    result = run(tmp_path, INLINE)
    assert result.exit_code == 0, result.output
    assert result.output == (f"NCT06910384 (STR04): {tmp_path}/rules/NCT06910384.yaml\n"
                             "  ok    a penicillin allergy excludes (2 criteria)\n"
                             "1 fixture in 1 trial: 1 passed, 0 failed\n")


def test_a_difference_is_reported_with_what_was_expected_and_why_not(tmp_path):
    result = run(tmp_path, INLINE.replace("E4: fail", "E4: pass") + "    verdict: eligible\n")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[1] == "  FAIL  a penicillin allergy excludes (2 criteria)"
    assert lines[2].startswith("          E4: expected pass, got fail: ")
    assert lines[3] == "          verdict: expected eligible, got ineligible"
    assert lines[4] == "1 fixture in 1 trial: 0 passed, 1 failed"


def test_a_fixture_profile_with_a_problem_points_into_the_rule_file(tmp_path):
    result = run(tmp_path, INLINE.replace("id: F-1", "id: F-1\n      sex: F"))
    assert result.exit_code == 1
    line = RULE.count("\n") + 7
    assert (f"{tmp_path}/rules/NCT06910384.yaml:{line}:12: fixtures[0].profile.sex: expected "
            "one of 'female' or 'male', got 'F'") in result.output
    assert "could not be run" in result.output


def test_an_expected_criterion_the_trial_lacks_is_a_problem(tmp_path):
    result = run(tmp_path, INLINE.replace("E4: fail", "E44: fail"))
    assert result.exit_code == 1
    assert "fixtures[0].expect.E44: no criterion 'E44' in trial NCT06910384 (did you mean " in (
        result.output)


@pytest.mark.parametrize(
    ("change", "message"),
    [(("profile:\n      id: F-1\n", "profile_file: p.yaml\n    profile:\n      id: F-1\n"),
      "fixtures[0]: give the patient as profile (written here) or profile_file, one of the two"),
     (("    expect: {E4: fail, I1: unknown}\n", "    expect: {E4: failed}\n"),
      "fixtures[0].expect.E4: expected one of 'pass', 'fail' or 'unknown', got 'failed'")],
    ids=["both-profiles", "bad-status"])
def test_a_malformed_fixture_is_a_problem_of_the_rule_file(tmp_path, change, message):
    result = run(tmp_path, INLINE.replace(*change))
    assert result.exit_code == 1
    assert message in result.output


def test_a_profile_file_is_read_relative_to_the_rule_file(tmp_path):
    (tmp_path / "patients").mkdir()
    shutil.copy(ROOT / "patients" / "example.yaml", tmp_path / "patients" / "p.yaml")
    result = run(tmp_path, "  - name: example\n    profile_file: ../patients/p.yaml\n"
                 "    as_of: 2026-11-02\n    expect: {E4: fail}\n")
    assert result.exit_code == 0, result.output
    missing = run(tmp_path, "  - name: example\n    profile_file: ../patients/none.yaml\n"
                  "    as_of: 2026-11-02\n    expect: {E4: fail}\n")
    assert missing.exit_code == 1
    assert (f"NCT06910384.yaml:{RULE.count(chr(10)) + 4}:19: fixtures[0].profile_file: no such "
            f"file '{tmp_path}/rules/../patients/none.yaml' (a profile file is named relative "
            "to the rule file's folder)") in missing.output


@pytest.mark.parametrize(
    ("fixtures", "message"),
    [(INLINE.replace("id: F-1", "id: F-1\n      sex: F"),
      "fixtures[0].profile.sex: expected one of 'female' or 'male', got 'F'"),
     (INLINE.replace("E4: fail", "E44: fail"), "fixtures[0].expect.E44: no criterion 'E44'"),
     ("  - name: example\n    profile_file: none.yaml\n    as_of: 2026-11-02\n"
      "    expect: {E4: fail}\n", "fixtures[0].profile_file: no such file")],
    ids=["profile", "criterion", "profile-file"])
def test_check_reports_what_keeps_a_fixture_from_running(tmp_path, fixtures, message):
    run(tmp_path, fixtures)
    result = CliRunner().invoke(app, ["check", str(tmp_path / "rules")])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "1 file: 1 error" in result.output


def test_no_fixtures_is_not_a_failure(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "NCT06910384.yaml").write_text(RULE, encoding="utf-8")
    result = CliRunner().invoke(app, ["test", "--rules", str(tmp_path / "rules")])
    assert result.exit_code == 0, result.output
    assert result.output == (f"no fixtures in {tmp_path}/rules (a rule file's `fixtures:` "
                             "lists example patients)\n")


@pytest.mark.parametrize("path", sorted((ROOT / "rules").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_trial_pins_every_criterion_of_an_eligible_patient(path):
    from eligibility import load_trial

    trial = load_trial(path)
    eligible = [fixture for fixture in trial.fixtures if fixture.verdict == "eligible"]
    assert eligible, f"{path.name} ships no eligible example patient"
    assert set(eligible[0].expect) == {criterion.id for criterion in trial.criteria}
