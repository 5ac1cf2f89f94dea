"""The examples in docs/rules.md and docs/vocabulary-files.md are real: every condition snippet
and whole criterion loads as a rule file does, the worked example trial loads and gives the
results the page says it gives, and the vocabulary file examples load."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml
from pydantic import TypeAdapter

from eligibility import load_patient, load_trial, screen
from eligibility.results import Status
from eligibility.rules import CONDITION_KINDS, Condition

DOCS = Path(__file__).resolve().parent.parent / "docs"
RULES_DOC = (DOCS / "rules.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", RULES_DOC, flags=re.S)


def _conditions(block: str) -> list[str]:
    """The conditions of a block: comment lines dropped, one per top-level key (a block may
    show several conditions one after the other)."""
    text = textwrap.dedent("\n".join(line for line in block.splitlines()
                                     if not line.lstrip().startswith("#")))
    parts = re.split(r"\n(?=\S)", text.strip())
    return [part for part in parts if part.split(":", 1)[0].strip() in CONDITION_KINDS]


SNIPPETS = [snippet for block in BLOCKS if "\n  - id:" not in block
            for snippet in _conditions(block)]


def test_the_rule_reference_has_condition_snippets() -> None:
    assert len(SNIPPETS) >= 20


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.splitlines()[0][:50] for s in SNIPPETS])
def test_every_condition_snippet_in_the_rule_reference_validates(snippet: str) -> None:
    TypeAdapter(Condition).validate_python(yaml.safe_load(snippet))


_TRIAL = "trial: {id: NCT00000001, title: a documentation example, overall_status: RECRUITING}\n"


def _load_criteria(tmp_path: Path, criteria: str, *, facts: str = "") -> None:
    """Load a trial made of these criteria (and declared facts), so each is checked against
    the vocabulary as a rule file is: fact names, operators for their kinds, values in range."""
    rule_file = tmp_path / "NCT00000001.yaml"
    rule_file.write_text(_TRIAL + facts + "criteria:\n" + criteria, encoding="utf-8")
    load_trial(rule_file)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.splitlines()[0][:50] for s in SNIPPETS])
def test_every_condition_snippet_in_the_rule_reference_passes_the_checks_of_a_rule_file(
        snippet: str, tmp_path: Path) -> None:
    _load_criteria(tmp_path, "  - id: X1\n    kind: inclusion\n    text: an example\n"
                   + textwrap.indent(snippet, "    ") + "\n")


CRITERIA_BLOCKS = [block for block in BLOCKS
                   if block.startswith("  - id:") and "\n  - id:" not in block.rstrip()]


def test_the_rule_reference_shows_whole_criteria() -> None:
    assert len(CRITERIA_BLOCKS) >= 2


@pytest.mark.parametrize("block", CRITERIA_BLOCKS, ids=[b.split()[2] for b in CRITERIA_BLOCKS])
def test_every_criterion_example_in_the_rule_reference_loads(block: str, tmp_path: Path) -> None:
    _load_criteria(tmp_path, block)


def test_the_rule_file_at_a_glance_loads(tmp_path: Path) -> None:
    glance = next(block for block in BLOCKS if block.startswith("# rules/NCT06910384.yaml"))
    rule_file = tmp_path / "NCT06910384.yaml"
    rule_file.write_text(glance, encoding="utf-8")
    assert [c.id for c in load_trial(rule_file).criteria] == ["I5", "E3", "E5"]


def test_the_declared_facts_example_loads_and_its_facts_can_be_checked(tmp_path: Path) -> None:
    facts = next(block for block in BLOCKS if block.startswith("facts:\n  mip.cm_h2o:"))
    _load_criteria(tmp_path, textwrap.dedent("""\
          - {id: I1, kind: inclusion, text: MIP, check: {fact: mip.cm_h2o, op: at_least, value: 60}}
          - id: I2
            kind: inclusion
            text: ALSFRS-R items 1-6
            check: {fact: alsfrs_r.bulbar_and_fine, op: at_least, value: 12}
        """), facts=facts)


def _section(title: str) -> str:
    start = RULES_DOC.index(title)
    return re.search(r"```yaml\n(.*?)```", RULES_DOC[start:], flags=re.S).group(1)  # type: ignore[union-attr]


def test_the_worked_example_loads_and_screens_as_the_page_says(tmp_path: Path) -> None:
    header = _section("### Step 2").replace("criteria:\n", "")
    criteria = _section("### Step 4")
    rule_file = tmp_path / "NCT00000000.yaml"
    rule_file.write_text(header + criteria, encoding="utf-8")
    trial = load_trial(rule_file)
    profile_file = tmp_path / "P002-drugx.yaml"
    profile_file.write_text(_section("### Step 6"), encoding="utf-8")
    profile = load_patient(profile_file)
    result = screen(profile, trial, as_of=profile.screening_date)
    counts = {status: len(result.with_status(status)) for status in Status}
    claimed = re.search(r"The result is `NEEDS REVIEW \((\d+) pass, (\d+) fail, (\d+) unknown\)`",
                        RULES_DOC)
    assert claimed is not None
    assert (counts[Status.PASS], counts[Status.FAIL], counts[Status.UNKNOWN]) == tuple(
        int(number) for number in claimed.groups())
    assert [r.criterion.id for r in result.with_status(Status.UNKNOWN)] == ["E7"]


VOCABULARY_DOC = (DOCS / "vocabulary-files.md").read_text(encoding="utf-8")
VOCABULARY_KEYS = ("facts:", "blocks:", "groups:", "collections:", "providers:", "frequencies:")
VOCABULARY_BLOCKS = [
    block for block in re.findall(r"```yaml\n(.*?)```", VOCABULARY_DOC, flags=re.S)
    if block.startswith(VOCABULARY_KEYS) and "..." not in block]


def test_the_vocabulary_file_reference_has_whole_examples() -> None:
    assert [block.split(":")[0] for block in VOCABULARY_BLOCKS] == [
        "facts", "blocks", "collections", "providers", "frequencies"]


@pytest.mark.parametrize("block", VOCABULARY_BLOCKS,
                         ids=[block.split(":")[0] for block in VOCABULARY_BLOCKS])
def test_every_whole_example_in_the_vocabulary_file_reference_loads(
        block: str, tmp_path: Path) -> None:
    from eligibility.loading import check_vocabulary

    path = tmp_path / "example.yaml"
    path.write_text("vocabulary: {name: example}\n" + block, encoding="utf-8")
    assert [str(problem) for problem in check_vocabulary(path)[1]] == []
