"""docs/trials/NCT*.md are generated from the rule files and must not go stale."""

from __future__ import annotations

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
