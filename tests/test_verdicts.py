"""The verdict-only path gives exactly the statuses and verdicts of the explained screening."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import AS_OF
from eligibility import load_patient, load_trials, screen
from eligibility.context import Context
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


def _nested(depth: int) -> dict:
    """A rule `depth` levels deep: all, any, first and not in turn around checks."""
    leaf = {"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
                      "measured_within_days": 90}}
    rule: dict = leaf
    for level in range(depth):
        rule = [{"all": [rule, {"check": {"fact": "sex", "op": "equals", "value": "female"}}]},
                {"any": [{"check": {"fact": "age", "op": "below", "value": 18}}, rule]},
                {"first": [{"check": {"fact": "als.el_escorial", "op": "recorded"}}, rule]},
                {"not": rule}][level % 4]
    return rule


@pytest.mark.parametrize("depth", [0, 1, 5, 6, 7, 12, 30])
def test_the_generated_verdict_function_agrees_with_the_plans_however_deep_the_rule(depth):
    # The verdict view writes a criterion out as one Python function; Python refuses more
    # than 20 nested blocks, so a deep rule must still compile (calling its deep parts).
    from conftest import profile, trial_with
    from eligibility.screening import status_functions, trial_plan

    trial = trial_with({"id": "I1", "kind": "inclusion", "text": "Deep.", **_nested(depth)},
                       {"id": "E1", "kind": "exclusion", "text": "Deep.", **_nested(depth),
                        "applies_to": {"check": {"fact": "sex", "op": "equals",
                                                 "value": "female"}}})
    people = [profile(), profile(sex="female", fvc={"percent_predicted": 85,
                                                    "date": "2026-10-20"}),
              profile(sex="male", age=40, screening_date=AS_OF,
                      fvc={"percent_predicted": 70, "date": "2026-10-20"},
                      als={"el_escorial": "probable", "date": "2026-10-01"})]
    for person in people:
        context = Context.of(person, AS_OF, trial.id, trial.vocabulary)
        assert [status(context) for status in status_functions(trial)] == [
            plan.status(context) for plan in trial_plan(trial)]
