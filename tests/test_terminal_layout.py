"""What a person sees: nothing cut at any width, any encoding, through `| head`, or from `-`.

The batch matrix never cuts an id, a date or a verdict: piped it keeps each patient on one
line, on a terminal a long id wraps inside its column, and a terminal too narrow for the
columns gets a paragraph per patient. The one-patient summary never drops a deciding
criterion. An output encoding without ✓ gets ASCII symbols and escapes instead of a crash;
a closed pipe ends the command quietly with status 0; `-` reads a profile from standard input.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eligibility.cli import app

ROOT = Path(__file__).parent.parent
RULES = ROOT / "rules"
PATIENTS = ROOT / "patients"
EXAMPLE = PATIENTS / "example.yaml"
BROKEN = Path(__file__).parent / "data" / "bad" / "patient-fvc-text.yaml"
AS_OF = "2026-11-02"
TERMINAL = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "0", "NO_COLOR": "1"}
PIPED = {"TTY_COMPATIBLE": "0", "TTY_INTERACTIVE": "0", "NO_COLOR": "1"}


def invoke(*args: str | Path, width: int = 80, stdin: str | bytes | None = None,
           **env: str) -> Result:
    result = CliRunner().invoke(app, [str(arg) for arg in args], input=stdin,
                                env={"COLUMNS": str(width), "LINES": "50", **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}")
    assert "Traceback" not in result.output
    return result


def long_ids(folder: Path) -> dict[str, str]:
    """Profiles with long ids and each its own screening date; their id -> date."""
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    expected = {}
    for number in range(1, 4):
        ident = f"P00{number}-a-rather-long-identifier-from-the-hospital-record-{number}"
        day = f"2026-11-0{number + 2}"
        (folder / f"p{number}.yaml").write_text(
            text.replace("id: P001-example", f"id: {ident}").replace(
                "screening_date: 2026-11-02", f"screening_date: {day}"), encoding="utf-8")
        expected[ident] = day
    return expected


VERDICT = re.compile(r"NEEDS REVIEW|INELIGIBLE|ELIGIBLE")
SEEDS = ("--trial", "NCT05003921", "--trial", "NCT06910384")
"""The two seed trials: the matrix tests count their columns and verdicts."""


# The batch matrix


@pytest.mark.parametrize("width", [80, 60, 200])
def test_a_piped_matrix_keeps_each_patient_whole_on_one_line(tmp_path: Path,
                                                             width: int) -> None:
    expected = long_ids(tmp_path / "in")
    result = invoke("screen", tmp_path / "in", "--rules", RULES, *SEEDS, width=width, **PIPED)
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    rows = {line.split()[0]: line for line in result.stdout.splitlines()
            if line.startswith("  P00")}
    assert set(rows) == set(expected)
    for ident, day in expected.items():
        assert day in rows[ident]
        assert VERDICT.findall(rows[ident]) == ["NEEDS REVIEW", "INELIGIBLE"]


def test_on_an_80_column_terminal_a_long_id_wraps_inside_its_column(tmp_path: Path) -> None:
    expected = long_ids(tmp_path / "in")
    result = invoke("screen", tmp_path / "in", "--rules", RULES, *SEEDS, width=80, **TERMINAL)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(map(len, lines)) <= 80 and "…" not in result.stdout
    header = next(line for line in lines if "Patient" in line)
    column = header.index("As of") - 3
    ids = "".join(line[2:column].strip() for line in lines[lines.index(header) + 2:]
                  if line.strip() and not line.startswith(("NCT", "(E4)")))
    assert ids == "".join(expected)
    for day in expected.values():
        assert day in result.stdout
    assert result.stdout.count("INELIGIBLE") == 3 and result.stdout.count("NEEDS REVIEW") == 3


def test_a_terminal_too_narrow_for_the_columns_gets_a_paragraph_per_patient(
        tmp_path: Path) -> None:
    expected = long_ids(tmp_path / "in")
    result = invoke("screen", tmp_path / "in", "--rules", RULES, *SEEDS, width=40, **TERMINAL)
    assert result.exit_code == 0, result.output
    for ident, day in expected.items():
        assert f"{ident} · as of {day}" in result.stdout
    assert result.stdout.count("  NCT06910384 STR04: INELIGIBLE (1 fail: E4, 6 unknown)") == 3


def test_the_matrix_title_says_the_one_date_when_all_share_it(tmp_path: Path) -> None:
    long_ids(tmp_path / "in")
    result = invoke("screen", tmp_path / "in", "--rules", RULES, *SEEDS, "--as-of", AS_OF,
                    **PIPED)
    assert result.stdout.startswith(f"3 patients · as of {AS_OF}\n")
    assert "As of" not in result.stdout


# The one-patient summary


def deciding(path: Path) -> dict[str, list[str]]:
    document = json.loads(invoke("screen", path, "--rules", RULES, "--format", "json").stdout)
    wanted = {"ineligible": "fail", "needs_review": "unknown"}
    return {trial["id"]: [c["id"] for c in trial["criteria"]
                          if c["status"] == wanted.get(trial["verdict"])]
            for trial in document["trials"]}


@pytest.mark.parametrize("width", [40, 50, 60, 64, 80, 120])
@pytest.mark.parametrize("path", [EXAMPLE, PATIENTS / "missing-data.yaml"],
                         ids=["example", "missing-data"])
def test_the_summary_never_drops_a_deciding_criterion(path: Path, width: int) -> None:
    result = invoke("screen", path, "--rules", RULES, width=width, **TERMINAL)
    assert result.exit_code == 0, result.output
    summary = result.stdout.split("Summary (best first)")[1].split("\n\n\n")[0]
    listed = re.findall(r"\b[A-Z]+\d+\b", summary)
    for trial, ids in deciding(path).items():
        for ident in ids:
            assert ident in listed, f"{trial} {ident} missing at {width} columns:\n{summary}"
    assert max(map(len, result.stdout.splitlines())) <= width
    assert "…" not in summary


# Encodings


def run(*args: str | Path, encoding: str = "utf-8", **env: str) -> subprocess.CompletedProcess[
        bytes]:
    environment = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "80", **env}
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        environment.pop(name, None)
    return subprocess.run([sys.executable, "-m", "eligibility", *map(str, args)],
                          capture_output=True, env=environment, timeout=120, check=False)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
@pytest.mark.parametrize("args", [
    ["screen", EXAMPLE], ["screen", PATIENTS], ["screen", EXAMPLE, "--format", "csv"],
    ["show", "NCT06910384"], ["funnel", "NCT06910384", PATIENTS],
], ids=["one-patient", "matrix", "csv", "show", "funnel"])
def test_an_output_that_cannot_encode_unicode_gets_ascii_symbols(encoding: str,
                                                                 args: list[str]) -> None:
    result = run(*args, "--rules", RULES, encoding=encoding)
    assert result.returncode == 0, result.stderr.decode(encoding, errors="replace")
    assert b"Traceback" not in result.stderr
    result.stdout.decode(encoding)  # every byte is in the encoding
    for symbol in ("✓", "✗", "→", "•", "█"):
        assert symbol.encode("utf-8") not in result.stdout


def test_json_to_an_ascii_output_escapes_non_ascii_and_means_the_same() -> None:
    ascii_run = run("screen", PATIENTS, "--rules", RULES, "--format", "json", "--as-of", AS_OF,
                    encoding="ascii")
    utf8_run = run("screen", PATIENTS, "--rules", RULES, "--format", "json", "--as-of", AS_OF)
    assert ascii_run.returncode == utf8_run.returncode == 0
    assert ascii_run.stdout.isascii()
    assert json.loads(ascii_run.stdout) == json.loads(utf8_run.stdout)


# A closed pipe


@pytest.mark.parametrize("args", [
    ["screen", PATIENTS, "--format", "json"], ["screen", PATIENTS],
    ["screen", PATIENTS, "--format", "csv", "--jobs", "2"], ["screen", EXAMPLE],
    ["show", "NCT06910384"], ["schema", "rules"],
], ids=["json", "matrix", "csv-workers", "one-patient", "show", "schema"])
def test_a_reader_that_stops_early_ends_the_command_quietly_with_status_0(
        args: list[str]) -> None:
    command = [sys.executable, "-m", "eligibility", *map(str, args)]
    if args[0] != "schema":
        command += ["--rules", str(RULES)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()  # as `| head -c 10` does
        stderr = process.stderr.read()
        process.wait(timeout=120)
    assert process.returncode == 0, stderr.decode()
    assert stderr == b""


# Standard input


def test_dash_screens_a_profile_from_standard_input_as_from_its_file() -> None:
    from_file = invoke("screen", EXAMPLE, "--rules", RULES, "--format", "json")
    from_stdin = invoke("screen", "-", "--rules", RULES, "--format", "json",
                        stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert from_stdin.exit_code == 0, from_stdin.output
    assert from_stdin.stdout == from_file.stdout


def test_a_problem_in_standard_input_is_reported_at_stdin() -> None:
    result = invoke("screen", "-", "--rules", RULES, stdin=BROKEN.read_text(encoding="utf-8"))
    assert result.exit_code == 1
    assert result.stderr == "<stdin>:4:26: fvc.percent_predicted: expected a number, got 'eighty'\n"


def test_standard_input_that_is_not_utf8_is_one_message() -> None:
    result = invoke("screen", "-", EXAMPLE, "--rules", RULES, stdin=b"id: P1\nsex: f\xe9male\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "<stdin>:2:7: not UTF-8 text: invalid continuation byte, byte 0xe9 (send the profile "
        "as UTF-8)", "1 of 2 profiles could not be used; the others were screened."]
    assert "P001-example" in result.stdout


def test_dash_among_files_is_one_patient_of_the_batch(tmp_path: Path) -> None:
    result = invoke("screen", PATIENTS / "stale-fvc.yaml", "-", "--rules", RULES, "--format",
                    "json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert [patient["patient_id"] for patient in json.loads(result.stdout)["patients"]] == [
        "P008-stale-fvc", "P001-example"]


def test_a_rule_file_on_standard_input_is_recognised() -> None:
    result = invoke("screen", "-", "--rules", RULES,
                    stdin=(RULES / "NCT06910384.yaml").read_text(encoding="utf-8"))
    assert result.exit_code == 1
    assert result.stderr.startswith("<stdin>: this is a rule file (trial criteria)")


def test_funnel_reads_a_profile_from_standard_input_too() -> None:
    result = invoke("funnel", "NCT06910384", "-", "--rules", RULES,
                    stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert "1 patient" in result.stdout
