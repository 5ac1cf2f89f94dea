"""`eligibility show`: a trial as a clinician reads it, as a terminal page or as Markdown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eligibility.cli import app
from eligibility.coverage import coverage
from eligibility.loading import load_trial
from eligibility.page import decided_by
from eligibility.rules import Trial

ROOT = Path(__file__).parent.parent
CASES = Path(__file__).parent / "data" / "check"
SHIPPED_RULES = sorted((ROOT / "rules").glob("*.yaml"))
TRIAL_IDS = [path.stem for path in SHIPPED_RULES]

runner = CliRunner()


def run(*args: str, columns: int = 80) -> Result:
    """Invoke the CLI; a crash (anything but a clean exit) fails the test at once."""
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{args} crashed: {result.exception!r}\n{result.output}")
    return result


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def words(text: str) -> str:
    return " ".join(text.split())


def shipped(trial_id: str) -> Trial:
    return load_trial(ROOT / "rules" / f"{trial_id}.yaml")


# The text page


def text_column(page: str) -> tuple[list[str], str]:
    """The ids in the table's first column, and everything in its text column as one line."""
    lines = page.splitlines()
    header = next(index for index, line in enumerate(lines) if "Protocol text" in line)
    start = lines[header].index("Protocol text")
    ids = [match[1] for line in lines[header + 2:]
           if (match := re.match(r" (\S+)\s+(?:incl|excl)\s", line))]
    return ids, words(" ".join(line[start:] for line in lines[header + 2:]))


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_show_lists_every_criterion_id_in_protocol_order(in_root: None, trial_id: str) -> None:
    result = run("show", trial_id)
    assert result.exit_code == 0, result.output
    ids, _ = text_column(result.stdout)
    assert ids == [criterion.id for criterion in shipped(trial_id).criteria]


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_show_prints_the_verbatim_text_of_every_criterion(in_root: None, trial_id: str) -> None:
    _, column = text_column(run("show", trial_id).stdout)
    for criterion in shipped(trial_id).criteria:
        assert words(criterion.text) in column, criterion.id


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_show_fits_80_columns(in_root: None, trial_id: str) -> None:
    result = run("show", trial_id)
    too_wide = [line for line in result.stdout.splitlines() if len(line) > 80]
    assert too_wide == []


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_show_says_how_each_criterion_not_computable_is_decided(
        in_root: None, trial_id: str) -> None:
    _, column = text_column(run("show", trial_id).stdout)
    for criterion in shipped(trial_id).criteria:
        if decided_by(criterion) != "computable":
            assert f"[{decided_by(criterion)}]" in column


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_show_warns_when_the_trial_is_not_recruiting(in_root: None, trial_id: str) -> None:
    info = shipped(trial_id).trial
    notice = f"! Not recruiting ({info.overall_status})."
    assert (notice in run("show", trial_id).stdout) is not info.recruiting


def test_show_accepts_a_rule_file_path_from_any_folder() -> None:
    result = run("show", str(SHIPPED_RULES[0]))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(SHIPPED_RULES[0].stem)


def test_show_looks_the_id_up_in_the_rules_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    (path,) = (CASES / "clean").glob("NCT*.yaml")
    result = run("show", path.stem, "--rules", "clean")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{path.stem} A test trial")


# Markdown


def markdown(trial_id: str) -> str:
    result = run("show", trial_id, "--format", "markdown")
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_markdown_has_a_table_row_per_criterion(in_root: None, trial_id: str) -> None:
    page = markdown(trial_id)
    rows = [line for line in page.splitlines() if re.match(r"\| [IES]\d+ \|", line)]
    trial = shipped(trial_id)
    assert len(rows) == len(trial.criteria)
    for row, criterion in zip(rows, trial.criteria, strict=True):
        text = words(criterion.text).replace("|", "\\|")
        assert row.startswith(f"| {criterion.id} | {criterion.kind} | {text} | ")
        assert row.endswith(f" | {decided_by(criterion)} |")


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_markdown_states_the_coverage(in_root: None, trial_id: str) -> None:
    counts = coverage(shipped(trial_id))
    assert (f"**Coverage:** {counts.total} criteria: {counts.computable} computable from the "
            f"profile, {counts.judgment} by clinician judgment, {counts.curation} still to "
            "curate.") in markdown(trial_id).splitlines()


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_markdown_lists_every_reading_as_an_interpretation(in_root: None, trial_id: str) -> None:
    page = markdown(trial_id)
    interpretations = page.split("## Interpretations", 1)[1].split("\n## ", 1)[0]
    readings = [c for c in shipped(trial_id).criteria if c.reading]
    assert readings, "the shipped trials explain their readings"
    for criterion in readings:
        assert f"- **{criterion.id}.** {words(criterion.reading or '')}" in (
            interpretations.splitlines())


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_markdown_starts_with_the_trial_heading(in_root: None, trial_id: str) -> None:
    info = shipped(trial_id).trial
    name = f" ({info.short_name})" if info.short_name else ""
    assert markdown(trial_id).startswith(f"# {info.id}{name}: {words(info.title)}\n")


def test_markdown_without_readings_has_no_interpretations_section(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    (path,) = (CASES / "clean").glob("NCT*.yaml")
    result = run("show", str(path.relative_to(CASES)), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "## Interpretations" not in result.stdout
    assert "## Clinician judgment" in result.stdout


# What cannot be shown


def test_show_an_unknown_trial_exits_1_naming_it(in_root: None) -> None:
    result = run("show", "NCT00000000")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "NCT00000000" in result.stderr
    assert "Traceback" not in result.output


def test_show_an_unknown_trial_says_which_trials_there_are(in_root: None) -> None:
    result = run("show", "NCT00000000")
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: no rule file for trial NCT00000000 in rules (known: "
                             f"{', '.join(TRIAL_IDS)})\n")


def test_show_a_misspelt_trial_id_suggests_the_nearest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    (path,) = (CASES / "clean").glob("NCT*.yaml")
    result = run("show", path.stem[:-1], "--rules", "clean")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == (f"error: no rule file for trial {path.stem[:-1]} in clean (did you "
                             f"mean {path.stem!r}?) (known: {path.stem})\n")


def test_show_a_rule_file_with_errors_exits_1_with_its_problems(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    (path,) = (CASES / "contradictory-female-and-male").glob("NCT*.yaml")
    result = run("show", str(path.relative_to(CASES)))
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == (
        f"{path.relative_to(CASES)}:13:9: criteria[0].all[1]: contradictory: 'sex' cannot be "
        "both 'female' and 'male' (one of these checks is wrong: fix or remove it)\n")


def test_show_a_missing_rule_file_names_the_file_as_a_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)
    result = run("show", "nowhere/NCT00000000.yaml")
    assert result.exit_code == 1, result.output
    assert result.stderr == "nowhere/NCT00000000.yaml: no such file\n"
