"""Rules compiled to SQL: the shipped trials agree with the per-patient path on every shipped
profile, and a form with no SQL says so with its trial and criterion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import trial_from_yaml
from eligibility.loading import load_patient, load_trials
from eligibility.screening import verdicts

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from eligibility.sql.compiler import CompileError, compile_trial, compile_trials
from eligibility.sql.duck import screen_profiles

ROOT = Path(__file__).resolve().parents[1]
TRIALS = load_trials(ROOT / "rules")
PROFILES = [load_patient(path) for path in sorted((ROOT / "patients").glob("*.yaml"))]

def test_every_shipped_criterion_compiles() -> None:
    compiled, refused = compile_trials(TRIALS)
    assert refused == ()
    assert len(compiled) == len(TRIALS) == 7


@pytest.mark.parametrize("trial", TRIALS, ids=lambda t: t.id)
@pytest.mark.parametrize("as_of", [None, dt.date(2026, 2, 29 - 1), dt.date(2028, 2, 29)],
                         ids=["own-screening-date", "2026-02-28", "leap-day-2028"])
def test_duckdb_gives_each_shipped_profile_the_statuses_and_verdict_of_the_python_path(
        trial, as_of) -> None:
    found = screen_profiles(PROFILES, trial, as_of=as_of)
    for profile in PROFILES:
        on = as_of or profile.screening_date or dt.date.today()
        expected, verdict = verdicts(profile, trial, as_of=on)
        assert found[profile.id][1:] == (*[str(s) for s in expected], str(verdict)), profile.id


def test_a_form_without_sql_is_refused_at_compile_time_naming_trial_and_criterion() -> None:
    trial = trial_from_yaml("""
        trial: {id: NCT00000001, title: A test trial, overall_status: RECRUITING}
        criteria:
          - id: I7
            kind: inclusion
            text: Onset within 24 months.
            check: {fact: als.months_since_onset, op: at_most, value: 24}
    """)
    with pytest.raises(CompileError) as raised:
        compile_trial(trial)
    assert str(raised.value) == (
        "NCT00000001 I7: cannot compile to SQL: 'als.months_since_onset' is derived from the "
        "screening date, which the population table cannot store")


def test_the_has_of_a_trial_on_one_list_read_its_entries_in_one_pass() -> None:
    allorx = next(trial for trial in TRIALS if trial.id == "NCT05003921")
    sql = compile_trial(allorx).sql("duckdb")
    on_conditions = [criterion for criterion in allorx.criteria
                     if getattr(criterion.condition, "in_", None) == "conditions"]
    assert len(on_conditions) == 4
    assert sql.count('AS "__conditions_levels0"') == 1
    assert sql.count("LIST_REDUCE(") == len({"conditions", "medications", "prior_therapies",
                                             "allergies"})
