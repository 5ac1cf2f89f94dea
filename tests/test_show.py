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


@pytest.mark.parametrize("output", ["text", "markdown"])
def test_show_words_a_fact_the_rule_file_declares(tmp_path: Path, output: str) -> None:
    # The text page described each rule against the package's vocabulary: a KeyError.
    rule = tmp_path / "NCT09990001.yaml"
    rule.write_text("""\
trial: {id: NCT09990001, title: A COPD trial, overall_status: RECRUITING}
facts:
  fev1.percent_predicted: {kind: number, label: FEV1, unit: "% predicted", range: [0, 200]}
criteria:
  - {id: I1, kind: inclusion, text: FEV1 30-70 %.,
     check: {fact: fev1.percent_predicted, op: between, value: [30, 70]}}
""", encoding="utf-8")
    result = run("show", str(rule), "--format", output)
    assert result.exit_code == 0, result.output
    assert "FEV1 within 30 to 70 %" in words(result.stdout)


@pytest.mark.parametrize("how", ["by-id", "by-path"])
def test_show_reads_the_vocabulary_files_beside_the_rule_file(
        monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    # The heart-failure example's facts are in rules/vocabulary.yaml beside the rule file.
    example = ROOT / "docs" / "examples" / "heart-failure"
    monkeypatch.chdir(example)
    result = run("show", "NCT00000002" if how == "by-id" else "rules/NCT00000002.yaml")
    assert result.exit_code == 0, result.output
    assert "unknown fact" not in result.output
    assert "NT-proBNP" in result.stdout


# Markdown


def markdown(trial_id: str) -> str:
    result = run("show", trial_id, "--format", "markdown")
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_markdown_has_a_table_row_per_criterion(in_root: None, trial_id: str) -> None:
    page = markdown(trial_id)
    rows = [line for line in page.splitlines()
            if re.match(r"\| [A-Za-z][A-Za-z0-9_-]* \| (inclusion|exclusion) \|", line)]
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


def test_show_a_patient_profile_says_it_is_one_and_how_to_screen_it(in_root: None) -> None:
    result = run("show", "patients/example.yaml")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == ("patients/example.yaml: this is a patient profile, not a rule file "
                             "(to screen this patient: eligibility screen "
                             "patients/example.yaml)\n")


@pytest.mark.parametrize(
    ("folder", "inside"),
    [("rules", f"its rule files: {', '.join(TRIAL_IDS)}"),
     ("patients", "it holds patient profiles: screen them with eligibility screen patients"),
     ("src", "it holds no YAML files")],
)
def test_show_a_folder_says_it_takes_one_trial(in_root: None, folder: str, inside: str) -> None:
    result = run("show", folder)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr == (f"{folder}: this is a folder; show takes one trial id or one rule "
                             f"file ({inside})\n")


def test_show_a_missing_path_without_extension_says_no_such_file(in_root: None) -> None:
    result = run("show", "patients/example")
    assert result.exit_code == 1, result.output
    assert result.stderr == "patients/example: no such file\n"


@pytest.mark.parametrize("name", ["STR04", "str04"])
def test_show_finds_a_trial_by_its_short_name_as_screen_trial_does(
        in_root: None, name: str) -> None:
    result = run("show", name)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("NCT06910384 (STR04) ")


def test_show_prints_brackets_in_the_trial_id_as_written(in_root: None) -> None:
    result = run("show", "[bold]NCT1")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: no rule file for trial [bold]NCT1 in rules ")


# Nested any/all stay visibly nested

STR04_E8 = [  # any: [has, all: [any: [has, has], judgment]]
    "any of:",
    "&emsp;- prior therapies include a current or past prior therapy in category cell_therapy "
    "or gene_therapy",
    "&emsp;- all of:",
    "&emsp;&emsp;- any of:",
    "&emsp;&emsp;&emsp;- prior therapies include a current or past prior therapy in category "
    "antisense_oligonucleotide",
    "&emsp;&emsp;&emsp;- medications include a current or past medication in category "
    "antisense_oligonucleotide",
    "&emsp;&emsp;- clinician judgment: Does the prior antisense oligonucleotide therapy count as "
    "gene therapy for this protocol?",
]


def test_markdown_indents_each_nested_group_one_level_deeper(in_root: None) -> None:
    (row,) = [line for line in markdown("NCT06910384").splitlines()
              if line.startswith("| E8 |")]
    assert row.split(" | ")[3].split("<br>") == STR04_E8


def test_markdown_lists_each_clinician_question_as_asked(in_root: None) -> None:
    section = markdown("NCT06910384").split("## Clinician judgment", 1)[1].split("\n## ", 1)[0]
    items = [line for line in section.splitlines() if line.startswith("- **")]
    assert items[0] == ('- **I1.** Does "probable, laboratory-supported" ALS count as "Probable" '
                        'for this protocol?')
    assert items[-1] == ("- **E8.** Does the prior antisense oligonucleotide therapy count as "
                         "gene therapy for this protocol?")


def test_markdown_names_a_judgment_with_its_own_id_as_assessments_do(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("NCT06910384.yaml").write_text(
        "trial: {id: NCT06910384, title: T, overall_status: RECRUITING}\n"
        "criteria:\n"
        "  - id: E1\n"
        "    kind: exclusion\n"
        "    text: Unfit or unwilling\n"
        "    any:\n"
        "      - judgment: {question: Unfit?, id: fit}\n"
        "      - judgment: {question: Unwilling?, id: willing}\n", encoding="utf-8")
    page = run("show", "NCT06910384.yaml", "--format", "markdown").stdout
    assert "- **E1.fit.** Unfit?\n- **E1.willing.** Unwilling?\n" in page


def test_show_text_keeps_a_wrapped_rule_line_under_its_bullet(in_root: None) -> None:
    page = run("show", "NCT06910384", columns=60).stdout.splitlines()
    start = next(index for index, line in enumerate(page) if line.startswith(" E8 "))
    first = next(index for index in range(start, len(page)) if "→ any of:" in page[index])
    end = next(index for index in range(first, len(page)) if "[clinician judgment]" in page[index])
    arrow = page[first].index("→")
    rule = page[first + 1:end]
    assert len(rule) >= 6
    assert [line for line in rule if len(line) - len(line.lstrip()) <= arrow] == []
