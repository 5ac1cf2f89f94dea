"""Fuzzing: real files mutated five ways (tests/mutations.py) never make loading or the CLI
raise, every problem names its file (and its line, unless it is about the whole file), and the
fast path for good profiles accepts only what the careful parse accepts.

Bounded to about ten seconds; `bench/fuzz.py` runs ten thousand inputs with time and memory
limits. A failure prints the hypothesis seed to replay it.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eligibility.cli import app
from eligibility.ctgov import read_studies
from eligibility.loading import InputError, Problem, check_patient, check_trial, parse_yaml
from eligibility.patient import PatientProfile
from mutations import FAMILIES, Case, draw

RULES = Path(__file__).resolve().parent.parent / "rules"
EXAMPLE = RULES.parent / "patients" / "example.yaml"
TODAY = dt.date(2026, 11, 2)
YAML_FAMILIES = [name for name in FAMILIES if name != "registry"]

FUZZ = settings(max_examples=400, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
cases = st.builds(draw, st.sampled_from(YAML_FAMILIES), st.randoms(use_true_random=False))
records = st.builds(draw, st.just("registry"), st.randoms(use_true_random=False))


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def saved(folder: Path, case: Case) -> Path:
    path = folder / ("NCT00000001.yaml" if case.kind == "rules" else
                     "record.json" if case.kind == "registry" else "p.yaml")
    path.write_bytes(case.content)
    return path


def assert_placed(problems: tuple[Problem, ...] | list[Problem], path: Path,
                  content: bytes) -> None:
    """Every problem names the file; one inside it names a line of it and a column."""
    lines = content.count(b"\n") + content.count(b"\r") + 2
    for problem in problems:
        assert problem.span.file == str(path), problem
        assert problem.message and "\n" not in str(problem), problem
        if problem.span.line:
            assert 1 <= problem.span.line <= lines and problem.span.column >= 1, problem


@FUZZ
@given(case=cases)
def test_loading_a_mutated_file_gives_problems_never_an_exception(folder: Path,
                                                                  case: Case) -> None:
    path = saved(folder, case)
    if case.kind == "patient":
        model, problems = check_patient(path, today=TODAY)
    else:
        model, problems = check_trial(path)  # type: ignore[assignment]
    assert (model is None) == any(problem.severity == "error" for problem in problems), case
    assert_placed(problems, path, case.content)


@FUZZ
@given(case=cases.filter(lambda case: case.kind == "patient"))
def test_the_fast_path_accepts_only_what_the_careful_parse_accepts(folder: Path,
                                                                   case: Case) -> None:
    path = saved(folder, case)
    profile, _ = check_patient(path, today=TODAY)
    if profile is None:
        return
    text = case.content.decode("utf-8").replace("\r\n", "\n")
    document = parse_yaml(text, str(path))  # raises if the careful parse finds a problem
    assert PatientProfile.model_validate(document.plain()) == profile


@FUZZ
@given(case=records)
def test_reading_a_mutated_registry_record_raises_only_input_error(folder: Path,
                                                                   case: Case) -> None:
    path = saved(folder, case)
    try:
        text = case.content.decode("utf-8")
    except UnicodeDecodeError:
        return  # `new` says so before the record is read (tests/test_hostile_input.py)
    try:
        read_studies(text, str(path))
    except InputError as error:
        assert error.problems
        assert_placed(error.problems, path, case.content)


COMMANDS = {
    "patient": lambda path: ["screen", str(path), "--rules", str(RULES)],
    "rules": lambda path: ["check", str(path)],
    "registry": lambda path: ["new", "--from-ctgov", str(path), "--rules",
                              str(path.parent / "out")],
}


@settings(FUZZ, max_examples=150)
@given(case=st.one_of(cases, records))
def test_the_cli_on_a_mutated_file_exits_0_or_1_and_names_the_file(folder: Path,
                                                                   case: Case) -> None:
    path = saved(folder, case)
    result = CliRunner().invoke(app, COMMANDS[case.kind](path), env={"COLUMNS": "80"})
    assert isinstance(result.exception, SystemExit | None), (case, result.output)
    assert result.exit_code in (0, 1), (case, result.output)
    if result.exit_code == 1:
        assert str(path) in result.output, (case, result.output)
    for written in (path.parent / "out").glob("*.yaml"):
        written.unlink()  # `new` may write; the next example starts clean


def test_every_family_makes_inputs_of_its_own() -> None:
    rng = random.Random(0)
    for family in FAMILIES:
        made = {draw(family, rng).content for _ in range(20)}
        assert len(made) > 10, family
