"""docs/trials/NCT*.md are generated from the rule files and must not go stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eligibility import load_trials
from eligibility.page import trial_markdown

ROOT = Path(__file__).resolve().parent.parent
TRIALS = load_trials(ROOT / "rules")


@pytest.mark.parametrize("trial", TRIALS, ids=[trial.id for trial in TRIALS])
def test_trial_page_matches_its_rule_file(trial):
    page = ROOT / "docs" / "trials" / f"{trial.id}.md"
    assert page.exists(), f"missing {page}: run `eligibility show {trial.id} --format markdown`"
    assert page.read_text(encoding="utf-8") == trial_markdown(trial), (
        f"{page.name} is stale: regenerate it with "
        f"`eligibility show {trial.id} --format markdown > docs/trials/{trial.id}.md`"
    )


@pytest.mark.parametrize("trial", TRIALS, ids=[trial.id for trial in TRIALS])
def test_trial_page_lists_every_criterion_with_its_verbatim_text(trial):
    page = trial_markdown(trial)
    for criterion in trial.criteria:
        assert f"| {criterion.id} | {criterion.kind} |" in page
        assert " ".join(criterion.text.split()).replace("|", "\\|") in page


def test_every_trial_page_has_a_rationale_page_it_links_to():
    for trial in TRIALS:
        rationale = ROOT / "docs" / "trials" / f"{trial.id}-rationale.md"
        assert rationale.exists()
        assert f"({trial.id}-rationale.md)" in trial_markdown(trial)


SOURCES = ROOT / "docs" / "trials" / "sources"


def _eligibility_words(path: Path) -> str:
    """The eligibility section of a registry copy as one line of words: list markers ('-',
    '*', '1.') and line breaks removed, the API's escaped '\\>' read as '>'."""
    text = path.read_text(encoding="utf-8").split("Eligibility criteria (verbatim):", 1)[1]
    text = text.replace("\\>", ">")
    text = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", " ", text, flags=re.MULTILINE)
    text = text.replace(" * ", " ")  # bullets of a one-line copy of the API's field
    return " ".join(text.split())


@pytest.mark.parametrize("source", sorted(SOURCES.glob("NCT*.txt")), ids=lambda path: path.stem)
def test_every_criterion_of_a_trial_with_a_kept_source_is_verbatim_from_it(source: Path):
    trial = next(trial for trial in TRIALS if trial.id == source.stem)
    words = _eligibility_words(source)
    for criterion in trial.criteria:
        if criterion.text.startswith("Registry eligibility:"):
            continue  # the registry's structured fields, not a bullet
        assert " ".join(criterion.text.split()) in words, criterion.id


def test_every_trial_has_its_registry_text_kept_or_in_the_shared_seeds():
    seeds = {"NCT06910384", "NCT05003921"}  # ../shared/seeds, outside this repository
    assert {trial.id for trial in TRIALS} == seeds | {path.stem for path in SOURCES.glob("*.txt")}
