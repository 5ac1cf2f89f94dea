"""The verdict-only path gives exactly the statuses and verdicts of the explained screening."""

from __future__ import annotations

from pathlib import Path

import pytest

from eligibility import load_patient, load_trials, screen
from eligibility.observations import READERS
from eligibility.verdicts import verdicts
from eligibility.vocabulary import FACTS

ROOT = Path(__file__).resolve().parent.parent
TRIALS = load_trials(ROOT / "rules")
PROFILES = sorted((ROOT / "patients").glob("*.yaml"))


def test_every_fact_of_the_vocabulary_has_a_reader():
    assert set(READERS) == set(FACTS)


@pytest.mark.parametrize("path", PROFILES, ids=[path.stem for path in PROFILES])
def test_verdicts_agree_with_screen_on_every_example(path):
    profile = load_patient(path)
    for trial in TRIALS:
        explained = screen(profile, trial, as_of=profile.screening_date)
        statuses, verdict = verdicts(profile, trial, as_of=profile.screening_date)
        assert statuses == tuple(result.status for result in explained.results), trial.id
        assert verdict is explained.verdict
