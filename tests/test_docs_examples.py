"""The examples in docs/rules.md are real: every condition snippet validates, and the worked
example trial loads and gives the results the page says it gives."""

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
