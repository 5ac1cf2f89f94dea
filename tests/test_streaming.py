"""A batch is written patient by patient, the same whatever the number of worker processes.

The JSON document is written incrementally but reads exactly as `json.dumps(indent=2)` of the
whole document; JSON Lines gives each patient as the one-patient document and each problem as
a line of its own; CSV and the matrix are printed as patients come. Peak memory is measured
by `bench/memory.py`, not here; these tests pin what makes it flat: nothing is kept longer
than a chunk.
"""

from __future__ import annotations

import datetime as dt
import glob
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.console import Console
from typer.testing import CliRunner, Result

from eligibility import load_patient, load_trials, screen_all
from eligibility.cli import app
from eligibility.cli.batch import PARALLEL_FROM
from eligibility.cli.inputs import patient_files
from eligibility.cli.sinks import Csv, JsonDocument, JsonLines
from eligibility.escapes import json_text
from eligibility.matrix import Matrix, matrix_row
from eligibility.report import csv_header

ROOT = Path(__file__).parent.parent
RULES = ROOT / "rules"
PATIENTS = ROOT / "patients"
EXAMPLE = PATIENTS / "example.yaml"
BROKEN = Path(__file__).parent / "data" / "bad" / "patient-fvc-text.yaml"
AS_OF = "2026-11-02"
SEEDS = ("--trial", "NCT05003921", "--trial", "NCT06910384")
"""The two seed trials: the matrix tests count their columns."""


def screen(*args: str | Path, **env: str) -> Result:
    result = CliRunner().invoke(app, ["screen", *map(str, args), "--rules", str(RULES),
                                      *SEEDS, "--as-of", AS_OF], env={"COLUMNS": "100", **env})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}")
    return result


def cohort(folder: Path, count: int) -> Path:
    """`count` variants of the shipped profiles, each with its own id."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(PATIENTS.glob("*.yaml"))
    for number in range(count):
        source = sources[number % len(sources)]
        text = source.read_text(encoding="utf-8")
        ident = next(line for line in text.splitlines() if line.startswith("id:"))
        (folder / f"p{number:04d}.yaml").write_text(
            text.replace(ident, f"id: V{number:04d}-{source.stem}"), encoding="utf-8")
    return folder


# The JSON document


@pytest.mark.parametrize("broken", [False, True], ids=["all-good", "one-broken"])
def test_the_streamed_json_document_is_exactly_the_indented_whole(tmp_path: Path,
                                                                  broken: bool) -> None:
    folder = cohort(tmp_path / "in", 5)
    if broken:
        shutil.copy(BROKEN, folder / "broken.yaml")
    result = screen(folder, "--format", "json")
    assert result.exit_code == (1 if broken else 0), result.output
    document = json.loads(result.stdout)
    assert result.stdout == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert len(document["patients"]) == 5
    assert len(document["failed_files"]) == (1 if broken else 0)


def test_a_json_batch_of_only_broken_files_is_an_empty_document(tmp_path: Path) -> None:
    shutil.copy(BROKEN, tmp_path / "a.yaml")
    shutil.copy(BROKEN, tmp_path / "b.yaml")
    result = screen(tmp_path, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert result.stdout == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    assert document["patients"] == [] and len(document["failed_files"]) == 2


# JSON Lines


def test_json_lines_give_each_patient_as_its_one_patient_document(tmp_path: Path) -> None:
    folder = cohort(tmp_path / "in", 4)
    shutil.copy(BROKEN, folder / "p0002a-broken.yaml")
    result = screen(folder, "--format", "jsonl", "--forecast")  # one patient: by default
    assert result.exit_code == 1, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record.get("patient_id") or record["failed_file"]["file"] for record in records] == [
        "V0000-75th-birthday", "V0001-76th-birthday", "V0002-anticoagulant-brand-name",
        str(folder / "p0002a-broken.yaml"), "V0003-anticoagulant"]
    one = screen(folder / "p0001.yaml", "--format", "json")
    assert records[1] == json.loads(one.stdout)
    assert records[3] == {
        "schema_version": "1", "engine": records[0]["engine"],
        "failed_file": {"file": str(folder / "p0002a-broken.yaml"), "line": 4, "column": 26,
                        "field": "fvc.percent_predicted", "severity": "error",
                        "message": "expected a number, got 'eighty'"}}


def test_json_lines_of_one_profile_is_one_line() -> None:
    result = screen(EXAMPLE, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert json.loads(line) == json.loads(screen(EXAMPLE, "--format", "json").stdout)


def test_json_lines_of_one_unusable_profile_is_its_problem() -> None:
    result = screen(BROKEN, "--format", "jsonl")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["failed_file"]["file"] == str(BROKEN)


# Worker processes change nothing but the time


@pytest.mark.parametrize("output", ["json", "jsonl", "csv", "table"])
def test_workers_give_the_same_output_as_one_process(tmp_path: Path, output: str) -> None:
    folder = cohort(tmp_path / "in", PARALLEL_FROM + 6)
    shutil.copy(BROKEN, folder / "p0033a-broken.yaml")
    one = screen(folder, "--format", output, "--jobs", "1")
    two = screen(folder, "--format", output, "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert "V0069" in two.stdout


def test_jobs_must_be_at_least_one() -> None:
    result = screen(EXAMPLE, "--jobs", "0")
    assert result.exit_code == 2


# Each sink writes a patient as soon as it has it


def screenings(path: Path = EXAMPLE) -> tuple[str, dt.date, tuple[Any, ...]]:
    profile = load_patient(path)
    on = dt.date.fromisoformat(AS_OF)
    return profile.id, on, tuple(screen_all(profile, load_trials(RULES), as_of=on))


@pytest.mark.parametrize("sink", [JsonDocument, JsonLines, Csv])
def test_a_sink_writes_each_patient_before_the_next_is_screened(sink: type[Any]) -> None:
    stream = io.StringIO()
    writer = sink(stream) if sink is Csv else sink(stream, ascii_only=False)
    written = [len(stream.getvalue())]
    for _ in range(3):
        writer.patient(writer.piece(*screenings()))
        written.append(len(stream.getvalue()))
    assert written == sorted(set(written)), "each patient grows the output at once"
    writer.close()


def test_the_csv_header_comes_first_even_with_no_patient() -> None:
    stream = io.StringIO()
    Csv(stream).close()
    assert stream.getvalue() == csv_header()


def test_the_matrix_prints_in_chunks_and_keeps_no_more_than_one() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=100)
    ident, on, found = screenings()
    matrix = Matrix(console, [s.trial for s in found], first=4, chunk=3)
    for number in range(4):
        matrix.add(matrix_row(f"P{number}", on, found))
    printed = buffer.getvalue()
    assert "P3" in printed and "As of" in printed  # the first chunk, with dates: not all known
    for number in range(4, 10):
        matrix.add(matrix_row(f"P{number}", on, found))
        assert len(matrix._rows) < 3
    matrix.close()
    lines = buffer.getvalue().splitlines()
    assert [line.split()[0] for line in lines if line.startswith("  P") and " 2026" in line] == [
        f"P{number}" for number in range(10)]
    assert "10 patients" in lines
    assert ident not in buffer.getvalue()


def test_a_long_batch_on_a_terminal_shows_progress_and_every_row(tmp_path: Path) -> None:
    folder = cohort(tmp_path / "in", 30)
    result = screen(folder, TTY_COMPATIBLE="1", TTY_INTERACTIVE="1", NO_COLOR="1")
    assert result.exit_code == 0, result.output
    assert "screening" in result.stderr and "100%" in result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  V")]
    assert rows == [f"V{number:04d}-{name}" for number, name in enumerate(
        [path.stem for path in sorted(PATIENTS.glob("*.yaml"))] * 2)][:30]


# The indented JSON of a batch is json's own, written faster

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8"), max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20)


@given(value=json_values, ascii_only=st.booleans())
@example(value={"a": [float("nan"), float("inf"), -1e16, 1e-7]}, ascii_only=False)
@example(value={"é\u2028": ["\x1b\x9b"], "": {}}, ascii_only=True)
def test_indented_json_text_is_what_json_dumps_writes(value: Any, ascii_only: bool) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=ascii_only)
    text = json_text(value, indent=2, ascii_only=ascii_only)
    assert json.loads(text) == json.loads(expected) or "NaN" in text
    if not re.search("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", expected):
        assert json_text(value, indent=2, ascii_only=ascii_only) == expected


# The file list is strings, in the order Path sorting gives


def test_a_folder_lists_its_profiles_in_path_order_as_rglob_did(tmp_path: Path) -> None:
    names = ["a-c.yaml", "a/b.yaml", "a/z/y.yml", "B.yaml", ".hidden.yaml", "a.yaml",
             "a b/c.yaml", "ä.yaml", "notes.txt", "a/b.yaml.bak", "x.YAML"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("id: x\n", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "a")  # a link to a folder is not followed
    files, problems = patient_files([tmp_path])
    expected = sorted(p for p in tmp_path.rglob("*") if p.suffix in (".yaml", ".yml")
                      and not p.name.startswith("."))  # hidden files are skipped
    assert files == [str(p) for p in expected]
    assert problems == []
    globbed, _ = patient_files([Path(f"{tmp_path}/**/*.y*ml")])
    assert globbed == [str(p) for p in sorted(Path(m) for m in glob.glob(
        f"{tmp_path}/**/*.y*ml", recursive=True))]


def test_no_progress_bar_runs_through_json_printed_on_the_same_terminal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility.cli import screen as command

    folder = cohort(tmp_path / "in", 30)
    monkeypatch.setattr(command, "_a_terminal", lambda: True)
    on_terminal = screen(folder, "--format", "json", TTY_COMPATIBLE="1", TTY_INTERACTIVE="1")
    assert on_terminal.exit_code == 0 and on_terminal.stderr == ""
    to_file = screen(folder, "--format", "json", "-o", tmp_path / "out.json",
                     TTY_COMPATIBLE="1", TTY_INTERACTIVE="1")
    assert to_file.exit_code == 0 and "100%" in to_file.stderr
