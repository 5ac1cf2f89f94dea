"""Hostile and broken input: one clear `file:line:col` message and exit 1, never a traceback,
a hang or gigabytes of memory, and one bad file in a batch never costs the others' results.

Each case is the minimal reproduction of a finding of issue 9, written into a temporary folder
and read from there, so the messages show the short file names a user would see.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eligibility.cli import app
from eligibility.loading import InputError, check_patient, check_trial, load_patient
from eligibility.reading import MAX_DEPTH, MAX_FILE_BYTES, MAX_TEXT, MAX_VALUES

HERE = Path(__file__).parent
REPO = HERE.parent
RULES = REPO / "rules"
EXAMPLE = REPO / "patients" / "example.yaml"
TODAY = dt.date(2026, 11, 2)

TRIAL_HEAD = """\
trial: {id: NCT00000001, title: A trial, overall_status: RECRUITING}
criteria:
  - {id: I1, kind: inclusion, text: Adult, check: {fact: age, op: at_least, value: 18}}
"""
"""A valid rule file; a case's lines go after it, so they start at line 4."""

# The "billion laughs": 469 bytes that PyYAML would expand to 9**9 values (3.4 GB reached).
BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

DEEP = (f"values nested more than {MAX_DEPTH} levels deep (profiles and rule files need a "
        "dozen at most)")
TOO_MANY = (f"more than {MAX_VALUES:,} values: a profile or rule file may hold no more (is it "
            "the right file?)")


def problems_in(tmp_path: Path, text: str, *, kind: str = "patient") -> list[str]:
    """The problem lines for `text` saved as a profile (after `id: P1`) or a rule file (after
    TRIAL_HEAD); both are read from inside `tmp_path`, as `x.yaml` or `NCT00000001.yaml`."""
    os.chdir(tmp_path)
    if kind == "patient":
        Path("x.yaml").write_text(f"id: P1\n{text}", encoding="utf-8")
        found, problems = check_patient("x.yaml", today=TODAY)
    else:
        Path("NCT00000001.yaml").write_text(TRIAL_HEAD + text, encoding="utf-8")
        found, problems = check_trial("NCT00000001.yaml")
    assert found is None
    return [str(problem) for problem in problems]


@pytest.fixture(autouse=True)
def _back_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """`problems_in` changes folder; this puts it back after each test."""
    monkeypatch.chdir(Path.cwd())


# 1. Shapes that used to raise RecursionError, KeyError, AttributeError or TypeError, or grew
# without bound. Each line is what `x.yaml` (a profile after `id: P1`) must give.
PROFILE_CASES = {
    "recursive-alias-in-a-list": (
        "note: &a [*a]\n",
        "x.yaml:2:7: note: this value contains an alias to itself (&a), which would repeat it "
        "forever (an alias may only repeat a value outside it)"),
    "recursive-alias-in-a-mapping": (
        "als: &loop {date: 2026-01-01, more: *loop}\n",
        "x.yaml:2:6: als: this value contains an alias to itself (&loop), which would repeat "
        "it forever (an alias may only repeat a value outside it)"),
    "300-levels-of-brackets": ("note: " + "[" * 300 + "]" * 300 + "\n",
                               f"x.yaml:2:{7 + MAX_DEPTH - 1}: note: {DEEP}"),
    "999-levels-of-brackets": ("note: " + "[" * 999 + "]" * 999 + "\n",
                               f"x.yaml:2:{7 + MAX_DEPTH - 1}: note: {DEEP}"),
    "2000-levels-past-libyaml's-own-limit": ("note: " + "[" * 2000 + "]" * 2000 + "\n",
                                             f"x.yaml:2:1006: {DEEP}"),
    "300-levels-of-mappings": ("note: " + "{a: " * 300 + "1" + "}" * 300 + "\n",
                               f"x.yaml:2:{7 + 4 * (MAX_DEPTH - 1)}: note: {DEEP}"),
    "alias-bomb": (
        BOMB,
        "x.yaml:10:4: i: aliases here make the file hold 490,329,066 values; a profile or rule "
        f"file may hold at most {MAX_VALUES:,} (write the values out, or use fewer aliases)"),
    "too-many-values": ("note: [" + ",".join(["1"] * (MAX_VALUES + 5)) + "]\n",
                        f"x.yaml:2:7: note: {TOO_MANY}"),
    "too-many-values-in-a-big-file, counted before they are built": (
        "note: [" + ",".join(["12345"] * (MAX_VALUES + 5)) + "]\n",  # at the 20,001st value:
        f"x.yaml:2:{8 + 6 * (MAX_VALUES - 5)}: note: {TOO_MANY}"),  # the root, id, P1, note, [
    "a-text-too-long": (f"note: {'x' * (MAX_TEXT + 1)}\n",
                        f"x.yaml:2:7: note: a text of {MAX_TEXT + 1:,} characters: a value may "
                        f"hold at most {MAX_TEXT:,} (is it the right file?)"),
    "bool-tag-on-maybe": (
        "sex: !!bool maybe\n",
        "x.yaml:2:6: sex: 'maybe' is not true or false, as its tag !!bool says (remove the "
        "tag, or correct the value)"),
    "timestamp-tag-on-soon": (
        "screening_date: !!timestamp soon\n",
        "x.yaml:2:17: screening_date: 'soon' is not a date, as its tag !!timestamp says "
        "(remove the tag, or correct the value)"),
    "int-tag-on-a-word-is-not-called-a-date": (
        "age: !!int x\n",
        "x.yaml:2:6: age: 'x' is not a whole number, as its tag !!int says (remove the tag, or "
        "correct the value)"),
    "float-tag-on-a-word": (
        "fvc: {percent_predicted: !!float many, date: 2026-01-01}\n",
        "x.yaml:2:26: fvc.percent_predicted: 'many' is not a number, as its tag !!float says "
        "(remove the tag, or correct the value)"),
    "map-tag-on-a-word": (
        "als: !!map onset\n",
        "x.yaml:2:6: als: 'onset' is not a mapping, as its tag !!map says (remove the tag, or "
        "correct the value)"),
    "int-tag-on-a-mapping": (
        "als: !!int {diagnosed: true}\n",
        "x.yaml:2:6: als: the tag '!!int' does not fit a mapping (remove the tag)"),
    "merge-key": (
        "als:\n  <<: {diagnosed: true}\n",
        "x.yaml:3:3: als: merge keys (<<) are not read: write the keys out in full"),
    "control-byte-in-a-value": (
        "note: a\x01b\n",
        "x.yaml:2:8: invalid YAML: the control character U+0001 is not allowed (remove it: a "
        "YAML file holds printable text, tabs and line breaks only)"),
    "control-byte-after-non-ascii-text": (
        "note: é\n\x1bb: 1\n",
        "x.yaml:3:1: invalid YAML: the control character U+001B is not allowed (remove it: a "
        "YAML file holds printable text, tabs and line breaks only)"),
    "a-number-too-long-to-read": (
        f"age: {'9' * 5000}\n",
        f"x.yaml:2:6: age: '{'9' * 40}'... (5,000 characters) is too long to read as a whole "
        "number"),
}


@pytest.mark.parametrize(("text", "expected"), PROFILE_CASES.values(), ids=list(PROFILE_CASES))
def test_a_hostile_profile_gives_one_clear_problem(tmp_path: Path, text: str,
                                                   expected: str) -> None:
    assert problems_in(tmp_path, text) == [expected]


# The same in a rule file: `NCT00000001.yaml`, TRIAL_HEAD, then the case from line 4.
RULE_CASES = {
    "recursive-alias": (
        "  - &c {id: I2, kind: inclusion, text: Loop, all: [*c]}\n",
        "NCT00000001.yaml:4:5: criteria[1]: this value contains an alias to itself (&c), which "
        "would repeat it forever (an alias may only repeat a value outside it)"),
    "300-levels-of-all": (
        "  - {id: I2, kind: inclusion, text: Deep, check: " + "{all: [" * 150
        + "{check: {fact: age, op: at_least, value: 1}}" + "]}" * 150 + "}\n",
        f"NCT00000001.yaml:4:{56 + 7 * 48}: criteria: {DEEP}"),
    "alias-bomb": (
        "notes:\n" + "".join(f"  {line}\n" for line in BOMB.splitlines()),
        "NCT00000001.yaml:13:6: notes.i: aliases here make the file hold 490,329,091 values; "
        f"a profile or rule file may hold at most {MAX_VALUES:,} (write the values out, or use "
        "fewer aliases)"),
    "a-text-too-long": (
        f"  - {{id: I2, kind: inclusion, text: {'x' * (MAX_TEXT + 1)}, judgment: Ok?}}\n",
        f"NCT00000001.yaml:4:37: criteria[1].text: a text of {MAX_TEXT + 1:,} characters: a "
        f"value may hold at most {MAX_TEXT:,} (is it the right file?)"),
    "int-tag-on-a-word-is-not-called-a-date": (
        "  - {id: I2, kind: inclusion, text: T, check: {fact: age, op: at_least, value: !!int "
        "x}}\n",
        "NCT00000001.yaml:4:80: criteria[1].check.value: 'x' is not a whole number, as its tag "
        "!!int says (remove the tag, or correct the value)"),
    "control-byte": (
        "  - {id: I2, kind: inclusion, text: \"a\x07\", judgment: Ok?}\n",
        "NCT00000001.yaml:4:39: invalid YAML: the control character U+0007 is not allowed "
        "(remove it: a YAML file holds printable text, tabs and line breaks only)"),
}


@pytest.mark.parametrize(("text", "expected"), RULE_CASES.values(), ids=list(RULE_CASES))
def test_a_hostile_rule_file_gives_one_clear_problem(tmp_path: Path, text: str,
                                                     expected: str) -> None:
    assert problems_in(tmp_path, text, kind="rules") == [expected]


def test_aliases_within_the_limit_still_work(tmp_path: Path) -> None:
    text = ("conditions:\n  - &copd {name: COPD, status: absent}\n"
            "medications:\n  - {name: riluzole, status: current}\n")
    os.chdir(tmp_path)
    Path("x.yaml").write_text(f"id: P1\n{text}prior_therapies:\n  - *copd\n", "utf-8")
    profile, problems = check_patient("x.yaml", today=TODAY)
    assert problems == () and profile is not None


def test_a_lone_equals_sign_is_text_not_a_refused_tag(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    Path("x.yaml").write_text("id: P1\nnote: =\n", encoding="utf-8")
    profile, problems = check_patient("x.yaml", today=TODAY)
    assert problems == () and profile is not None and profile.note == "="


# 2. A date with a time where the screening date goes: reported, never compared with a date.


@pytest.mark.parametrize("as_of", [None, TODAY], ids=["profile's-own-date", "as-of"])
def test_a_screening_date_with_a_time_is_a_problem_not_a_type_error(
        tmp_path: Path, as_of: dt.date | None) -> None:
    os.chdir(tmp_path)
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "screening_date: 2026-11-02\n", "screening_date: 2026-11-02 10:00:00\n")
    Path("p.yaml").write_text(text, encoding="utf-8")
    profile, problems = check_patient("p.yaml", as_of=as_of, today=TODAY)
    assert profile is None
    assert [str(problem) for problem in problems] == [
        "p.yaml:3:17: screening_date: expected a date (YYYY-MM-DD), got 2026-11-02T10:00:00"]


def test_a_time_on_the_screening_date_still_bounds_the_other_dates(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    Path("p.yaml").write_text("id: P1\nscreening_date: 2026-01-01 08:00:00\n"
                              "fvc: {percent_predicted: 80, date: 2026-03-01}\n", "utf-8")
    _, problems = check_patient("p.yaml", today=TODAY)
    assert [str(problem) for problem in problems] == [
        "p.yaml:2:17: screening_date: expected a date (YYYY-MM-DD), got 2026-01-01T08:00:00",
        "p.yaml:3:36: fvc.date: 2026-03-01 is after the screening date 2026-01-01 (dates must "
        "be on or before the screening date; check for a typo)",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("  - {id: I2, kind: inclusion, text: T, check: {fact: als.onset_date, op: before, "
     "value: 2026-01-01 10:00:00}}\n",
     "NCT00000001.yaml:4:89: criteria[1].check.value: 2026-01-01 10:00:00 is a date with a "
     "time of day: a rule file takes dates only, as YYYY-MM-DD (quote it if it is text)"),
    ("  - {id: I2, kind: inclusion, text: 2026-01-01 10:00:00, judgment: Ok?}\n",
     "NCT00000001.yaml:4:37: criteria[1].text: 2026-01-01 10:00:00 is a date with a time of "
     "day: a rule file takes dates only, as YYYY-MM-DD (quote it if it is text)"),
], ids=["a-threshold", "an-unquoted-text"])
def test_a_date_with_a_time_in_a_rule_file_is_a_problem_not_a_type_error(
        tmp_path: Path, text: str, expected: str) -> None:
    # It used to pass `check` and then crash `screen`: can't compare datetime to date.
    assert expected in problems_in(tmp_path, text, kind="rules")
    result = invoke("screen", EXAMPLE, "--rules", tmp_path / "NCT00000001.yaml")
    assert result.exit_code == 1, result.output


def test_a_date_at_midnight_in_a_rule_file_is_its_date(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    Path("NCT00000001.yaml").write_text(TRIAL_HEAD + (
        "  - {id: I2, kind: inclusion, text: T, check: {fact: als.onset_date, op: before, "
        "value: 2026-01-01T00:00:00Z}}\n"), encoding="utf-8")
    trial, problems = check_trial("NCT00000001.yaml")
    assert trial is not None, problems
    assert trial.criteria[1].condition.value == dt.date(2026, 1, 1)  # type: ignore[union-attr]
    result = invoke("screen", EXAMPLE, "--rules", "NCT00000001.yaml")
    assert result.exit_code == 0, result.output


# 3. Files that are not regular files, or too big: refused before anything is read.


def file_problem(path: Path | str, load: Callable[[Path], object] = load_patient) -> str:
    with pytest.raises(InputError) as caught:
        load(Path(path))
    (problem,) = caught.value.problems
    return str(problem)


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    assert file_problem(fifo) == (f"{fifo}: this is a named pipe (FIFO), not a regular file; "
                                  "give a YAML file saved on disk")


def test_dev_zero_is_refused_without_reading_it() -> None:
    assert file_problem("/dev/zero") == ("/dev/zero: this is a character device, not a regular "
                                         "file; give a YAML file saved on disk")


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as stream:  # sparse: 10 MB and one byte, no time to write
        stream.truncate(MAX_FILE_BYTES + 1)
    assert file_problem(big) == (f"{big}: the file is 10.0 MB, over the 10 MB limit for a YAML "
                                 "file (is it the right file?)")


def test_a_file_of_exactly_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    text = "id: P1\nnote: short\n"
    path.write_text(text + "#" * (MAX_FILE_BYTES - len(text) - 1) + "\n", encoding="utf-8")
    assert load_patient(path, today=TODAY).note == "short"


def test_a_symlink_loop_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    assert file_problem(tmp_path / "a.yaml") == (
        f"{tmp_path / 'a.yaml'}: cannot read the file (Too many levels of symbolic links)")


def test_an_unreadable_file_is_a_problem_even_as_root(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads a chmod-000 file anyway, so the refusal of the system is simulated here; the
    # CLI test below drops the privilege to read it for real.
    path = tmp_path / "p.yaml"
    path.write_text("id: P1\n", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("eligibility.reading.os.open", refuse)
    assert file_problem(path) == f"{path}: cannot read the file (Permission denied)"


# 4. The command line: exit 1 and the message, never a traceback; in a batch the other
# profiles are still screened.

runner = CliRunner()


def invoke(*args: str | Path) -> Result:
    """Run `eligibility *args`; anything but a clean exit fails the test with the output."""
    result = runner.invoke(app, [str(arg) for arg in args], env={"COLUMNS": "80"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args} raised {result.exception!r}\n{result.output}")
    return result


BATCH_CASES = {name: PROFILE_CASES[name] for name in (
    "recursive-alias-in-a-list", "999-levels-of-brackets", "alias-bomb", "bool-tag-on-maybe",
    "timestamp-tag-on-soon", "control-byte-in-a-value", "too-many-values")}


@pytest.mark.parametrize(("text", "expected"), BATCH_CASES.values(), ids=list(BATCH_CASES))
def test_one_hostile_profile_in_a_batch_costs_no_other_result(
        tmp_path: Path, text: str, expected: str) -> None:
    os.chdir(tmp_path)
    Path("batch").mkdir()
    Path("batch", "a-good.yaml").write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    Path("batch", "x.yaml").write_text(f"id: P1\n{text}", encoding="utf-8")
    result = invoke("screen", "batch", "--rules", RULES, "--as-of", "2026-11-02",
                    "--format", "json")
    assert result.exit_code == 1, result.output
    assert f"batch/{expected}" in result.stderr.splitlines()
    document = json.loads(result.stdout)
    assert [patient["patient_id"] for patient in document["patients"]] == ["P001-example"]


@pytest.mark.parametrize(("text", "expected"), BATCH_CASES.values(), ids=list(BATCH_CASES))
def test_check_reports_a_hostile_file_and_checks_the_others(
        tmp_path: Path, text: str, expected: str) -> None:
    os.chdir(tmp_path)
    Path("x.yaml").write_text(f"id: P1\n{text}", encoding="utf-8")
    result = invoke("check", "x.yaml", RULES / "NCT05003921.yaml")
    assert result.exit_code == 1, result.output
    assert expected in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1] == "checked 2 files: 1 error, 1 warning"


@pytest.mark.parametrize("command", ["screen", "check"])
def test_a_named_pipe_and_dev_zero_are_refused_by_the_commands(tmp_path: Path,
                                                               command: str) -> None:
    os.chdir(tmp_path)
    os.mkfifo("fifo.yaml")
    extra = ["--rules", str(RULES)] if command == "screen" else []
    result = invoke(command, "fifo.yaml", "/dev/zero", *extra)
    assert result.exit_code == 1, result.output
    said = result.stderr if command == "screen" else result.stdout
    assert "fifo.yaml: this is a named pipe (FIFO), not a regular file; give a YAML file " \
           "saved on disk" in said.splitlines()
    assert "/dev/zero: this is a character device, not a regular file; give a YAML file " \
           "saved on disk" in said.splitlines()


def test_a_named_pipe_in_a_folder_is_reported_and_the_rest_screened(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    Path("batch").mkdir()
    Path("batch", "a.yaml").write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    os.mkfifo("batch/b.yaml")
    result = invoke("screen", "batch", "--rules", RULES, "--format", "json")
    assert result.exit_code == 1, result.output
    assert [patient["patient_id"] for patient in json.loads(result.stdout)["patients"]] == [
        "P001-example"]


def test_check_reads_sub_folders_but_not_hidden_ones_nor_links_to_folders(
        tmp_path: Path) -> None:
    os.chdir(tmp_path)
    for folder in ("profiles/2026", "profiles/.git", "profiles/.venv/lib"):
        Path(folder).mkdir(parents=True)
    Path("profiles/2026/p.yaml").write_text("id: P1\nsex: F\n", "utf-8")
    Path("profiles/.git/bad.yaml").write_text("id: [\n", "utf-8")
    Path("profiles/.venv/lib/bad.yaml").write_text("id: [\n", "utf-8")
    Path("profiles/.#p.yaml").symlink_to("nowhere")  # an editor's lock file
    Path("profiles/loop").symlink_to(tmp_path / "profiles")
    result = invoke("check", "profiles")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "profiles/2026/p.yaml:2:6: sex: expected one of 'female' or 'male', got 'F'",
        "checked 1 file: 1 error, 0 warnings",
    ]


def test_a_symlink_loop_is_said_to_be_one_not_a_missing_file(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    Path("a.yaml").symlink_to("b.yaml")
    Path("b.yaml").symlink_to("a.yaml")
    checked = invoke("check", "a.yaml")
    assert checked.stdout.splitlines()[0] == (
        "a.yaml: cannot read the file (Too many levels of symbolic links)")
    screened = invoke("screen", EXAMPLE, "--rules", "a.yaml")
    assert screened.exit_code == 1, screened.output
    assert screened.stderr == "a.yaml: cannot read the file (Too many levels of symbolic links)\n"


def unreadable_file(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(EXAMPLE.read_text("utf-8"), "utf-8")
    path.chmod(0)
    return path


def run_unprivileged(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run the console script so that file permissions apply: as is for a normal user; for
    root, without the capabilities that let root read any file (setpriv drops them)."""
    script = Path(sys.executable).parent / "eligibility"
    command = [str(script), *map(str, args)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root without setpriv reads any file; the simulated test covers this")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "COLUMNS": "80"})


@pytest.mark.parametrize("command", ["check", "new"])
def test_an_unreadable_file_named_directly_exits_1_saying_cannot_read(
        tmp_path: Path, command: str) -> None:
    path = unreadable_file(tmp_path)
    args = ["check", path] if command == "check" else [
        "new", "--from-ctgov", path, "--rules", tmp_path / "out"]
    result = run_unprivileged(*args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{path}: cannot read the file (Permission denied)" in (
        result.stdout + result.stderr).splitlines()


@pytest.mark.parametrize("where", ["patient", "rules"])
def test_screen_of_an_unreadable_file_exits_1_saying_cannot_read(tmp_path: Path,
                                                                  where: str) -> None:
    path = unreadable_file(tmp_path)
    args = [path, "--rules", RULES] if where == "patient" else [EXAMPLE, "--rules", path]
    result = run_unprivileged("screen", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{path}: cannot read the file (Permission denied)" in result.stderr


def test_an_unreadable_file_is_refused_the_same_way_when_simulated(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Runs everywhere, root included: the system's refusal to open is simulated.
    os.chdir(tmp_path)
    Path("p.yaml").write_text("id: P1\n", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied", "p.yaml")

    monkeypatch.setattr("eligibility.reading.os.open", refuse)
    monkeypatch.setattr("os.access", lambda *args, **kwargs: False)  # what typer would ask
    result = invoke("check", "p.yaml")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[0] == "p.yaml: cannot read the file (Permission denied)"


def test_output_to_a_symlink_loop_exits_1_without_a_traceback(tmp_path: Path) -> None:
    os.chdir(tmp_path)
    Path("a").symlink_to("b")
    Path("b").symlink_to("a")
    result = runner.invoke(app, ["screen", str(EXAMPLE), "--rules", str(RULES), "-o", "a"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output


# 5. Registry records given to `new --from-ctgov`.


def record(criteria: str = "Inclusion Criteria:\n\n* Adult\n", *, nct: str = "NCT09900009",
           deep: int = 0) -> str:
    """A one-study registry record, `deep` levels of lists nested in an unread field."""
    study = {"protocolSection": {"identificationModule": {"nctId": nct, "briefTitle": "T"},
                                 "eligibilityModule": {"eligibilityCriteria": criteria}}}
    text = json.dumps(study)
    return text[:-1] + ', "x": ' + "[" * deep + "]" * deep + "}" if deep else text


def imported(tmp_path: Path, text: str) -> Result:
    os.chdir(tmp_path)
    Path("record.json").write_text(text, encoding="utf-8")
    result = invoke("new", "--from-ctgov", "record.json", "--rules", "rules")
    if result.exit_code:
        assert not Path("rules").exists() or not any(Path("rules").iterdir())  # nothing written
    return result


FIELD = "protocolSection.eligibilityModule.eligibilityCriteria"
REGISTRY_CASES = {
    "300-levels-of-lists": (record(deep=300), "record.json:1:{column}: values nested more "
                            "than 100 levels deep (a registry record nests a handful)"),
    "999-levels-of-lists": (record(deep=999), "record.json:1:{column}: values nested more "
                            "than 100 levels deep (a registry record nests a handful)"),
    "60,000-bullets": (record("".join(f"* item {n}\n" for n in range(60_000))),
                       f"record.json:1:136: {FIELD}: the criteria text has 768,890 characters; "
                       "at most 100,000 are imported (is this a registry record?)"),
    "a-5-MB-bullet": (record("* " + "word " * 1_000_000),
                      f"record.json:1:136: {FIELD}: the criteria text has 5,000,002 characters; "
                      "at most 100,000 are imported (is this a registry record?)"),
    "600-bullets": (record("".join(f"* item {n}\n" for n in range(600))),
                    f"record.json:1:136: {FIELD}: the criteria text gives 600 criteria; at most "
                    "500 are imported (is this a registry record?)"),
    "a-bullet-longer-than-a-rule-file-text": (
        record("* short\n* " + "word " * 5000),
        f"record.json:1:136: {FIELD}: the criterion at line 2 of the criteria text has 24,999 "
        "characters; a rule file's text may hold at most 20,000"),
}


@pytest.mark.parametrize(("text", "expected"), REGISTRY_CASES.values(), ids=list(REGISTRY_CASES))
def test_a_hostile_registry_record_is_refused_with_its_limit(tmp_path: Path, text: str,
                                                             expected: str) -> None:
    result = imported(tmp_path, text)
    assert result.exit_code == 1, result.output
    if "{column}" in expected:  # the 100th [ opens the 101st level, inside the record's {
        expected = expected.format(column=text.index("[" * 100) + 100)
    assert result.stderr.splitlines() == [expected]


def test_thousands_of_wrong_studies_give_the_first_hundred_problems(tmp_path: Path) -> None:
    studies = [{"protocolSection": {"identificationModule": {"nctId": n}}} for n in range(5000)]
    result = imported(tmp_path, json.dumps({"studies": studies}))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 101
    assert lines[-1].endswith(": more problems from here on: after 100 the rest of the file is "
                              "not checked (fix the ones above first)")


@pytest.mark.parametrize(("content", "expected"), [
    (b'{"studies": [\xff]}', "record.json:1:14: not UTF-8 text: invalid start byte, byte 0xff "
     "(save the file as UTF-8)"),
    (None, "record.json: this is a named pipe (FIFO), not a regular file; give a JSON file "
     "saved on disk"),
], ids=["latin-1-byte", "named-pipe"])
def test_a_registry_file_that_cannot_be_read_says_why(tmp_path: Path, content: bytes | None,
                                                      expected: str) -> None:
    os.chdir(tmp_path)
    if content is None:
        os.mkfifo("record.json")
    else:
        Path("record.json").write_bytes(content)
    result = invoke("new", "--from-ctgov", "record.json", "--rules", "rules")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [expected]


# 6. The documented limits are the code's.


@pytest.mark.parametrize("page", ["rules.md", "patient-profile.md"])
def test_the_documented_limits_are_the_limits(page: str) -> None:
    text = " ".join((REPO / "docs" / page).read_text(encoding="utf-8").split())
    assert f"at most {MAX_FILE_BYTES // 1024 // 1024} MB" in text
    assert f"{MAX_VALUES:,} values" in text
    assert f"{MAX_TEXT:,} characters" in text
    assert f"{MAX_DEPTH} levels" in text


@pytest.mark.parametrize("where", ["criteria", "conditions"])
def test_a_lone_surrogate_escape_in_a_record_is_a_problem_not_an_unloadable_rule_file(
        tmp_path: Path, where: str) -> None:
    # Found by bench/fuzz.py: `new` wrote "\uD800" into the rule file, which then would not
    # load ("invalid Unicode character escape code").
    study = json.loads(record())
    if where == "criteria":
        study["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] = "* a\\ud800b"
    else:
        study["protocolSection"]["conditionsModule"] = {"conditions": ["ALS", "x\\ud800"]}
    text = json.dumps(study).replace("\\\\ud800", "\\ud800")
    result = imported(tmp_path, text)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.endswith("is half of a character (a lone surrogate), not text; fix the record")


def test_a_registry_field_too_long_for_a_rule_file_is_a_problem(tmp_path: Path) -> None:
    # Found by bench/fuzz.py: a 30,000-character minimumAge made a rule file that would not
    # load (a text of 30,000 characters: a value may hold at most 20,000).
    study = json.loads(record())
    study["protocolSection"]["eligibilityModule"]["minimumAge"] = "1" * 30_000
    result = imported(tmp_path, json.dumps(study))
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        "record.json:1:186: protocolSection.eligibilityModule.minimumAge: a text of 30,000 "
        "characters: this field is read up to 1,000 (is this a registry record?)"]


def test_many_conditions_under_study_are_named_in_part(tmp_path: Path) -> None:
    study = json.loads(record())
    study["protocolSection"]["conditionsModule"] = {
        "conditions": [f"condition {n} " + "x" * 900 for n in range(50)]}
    study["protocolSection"]["eligibilityModule"]["healthyVolunteers"] = False
    result = imported(tmp_path, json.dumps(study))
    assert result.exit_code == 0, result.output
    assert invoke("check", "rules").exit_code == 0
    assert "and 46 more)?" in Path("rules", "NCT09900009.yaml").read_text("utf-8")


@pytest.mark.parametrize("command", ["check", "screen"])
def test_the_same_mistake_thousands_of_times_lists_the_first_100_and_counts_the_rest(
        tmp_path: Path, command: str) -> None:
    from eligibility.loading import MOST_PROBLEMS

    entries = "".join(f"  - {{name: c{index}, colour: red}}\n" for index in range(350))
    path = tmp_path / "many.yaml"
    path.write_text(f"id: P-many\nconditions:\n{entries}", encoding="utf-8")
    result = invoke(command, path)
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert len(lines) == MOST_PROBLEMS + 1
    assert all("conditions[" in line and "unknown field 'colour'" in line
               for line in lines[:-1])
    assert lines[-1] == (f"{path}:{MOST_PROBLEMS + 3}:18: 250 more problems from here on are "
                         f"not listed: only the first {MOST_PROBLEMS} are (fix those and check "
                         "again)")
