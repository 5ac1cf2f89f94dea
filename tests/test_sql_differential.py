"""Differential law: DuckDB, running a trial compiled to SQL over the table layout, gives every
criterion the status and the trial the verdict that the per-patient Python path gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, TRIAL_INFO
from eligibility.patient import PatientProfile
from eligibility.rules import Trial
from eligibility.screening import verdicts
from strategies import CRITERION_IDS, dates, history_leaf_mappings, profiles, trials, visit_profiles

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from eligibility.sql.compiler import CompileError, compile_trial
from eligibility.sql.duck import screen_profiles

# The screening dates: the usual one, leap days and the days around them, and any other.
SCREENING_DATES = st.one_of(
    st.just(AS_OF),
    st.sampled_from([dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
                     dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2028, 2, 29)]),
    dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
)

# What may be refused at compile time in generated rules: facts worked out from the screening
# date, which a table cannot store. Anything else refused fails the test.
EXPECTED_REFUSALS = ("is derived from the screening date",)


def _compiles(trial: Trial) -> bool:
    try:
        compile_trial(trial)
    except CompileError as error:
        assert any(refusal in error.message for refusal in EXPECTED_REFUSALS), str(error)
        return False
    return True


def _compiled_part(trial: Trial) -> Trial | None:
    """The trial with only the criteria that compile (each refusal checked to be an expected
    one), or None when none does. Dropping criteria rather than whole trials keeps most
    generated trials: a trial of four criteria is rarely free of every refused form."""
    kept = [criterion for criterion in trial.criteria
            if _compiles(trial.model_copy(update={"criteria": [criterion]}))]
    return trial.model_copy(update={"criteria": kept}) if kept else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trial=trials(), patients=st.lists(profiles(), min_size=1, max_size=6),
       as_of=st.none() | SCREENING_DATES)
def test_duckdb_and_the_python_path_give_the_same_statuses_and_verdicts(
        trial, patients, as_of) -> None:
    compiled = _compiled_part(trial)
    assume(compiled is not None)
    assert compiled is not None
    trial = compiled
    patients = [patient.model_copy(update={"id": f"P{index}"})
                for index, patient in enumerate(patients)]
    found = screen_profiles(patients, trial, as_of=as_of, today=AS_OF)
    for patient in patients:
        on = as_of or patient.screening_date or AS_OF
        statuses, verdict = verdicts(patient, trial, as_of=on)
        assert found[patient.id][1:] == (*[str(s) for s in statuses], str(verdict)), (
            patient.id, on)


EDGE_RULES = {
    "every-recorded": "every: {in: alsfrs_r.items, op: recorded}",
    "recent-fvc": "check: {fact: fvc.percent_predicted, op: at_least, value: 80, "
                  "measured_within_days: 30}",
    "adult": "check: {fact: age, op: at_least, value: 18}",
    "no-cancer": "has: {in: conditions, category: [cancer], status: ever}",
    "onset-2-years": "check: {fact: als.onset_date, op: within_years, value: 2}",
    "onset-24-months": "check: {fact: als.onset_date, op: at_most_ago, value: 24 months}",
}

EDGE_PROFILES = {
    "items-not-scored": {"alsfrs_r": {"date": dt.date(2026, 1, 1), "items": {}}},
    "fvc-exactly-30-days-old": {"fvc": {"percent_predicted": 80, "date": dt.date(2026, 10, 3)}},
    "fvc-31-days-old": {"fvc": {"percent_predicted": 80, "date": dt.date(2026, 10, 2)}},
    "fvc-undated-history": {"fvc": [{"percent_predicted": 90, "date": dt.date(2026, 10, 20)},
                                    {"percent_predicted": 70, "date": dt.date(2026, 10, 30)}]},
    "born-on-a-leap-day": {"birth_date": dt.date(2008, 2, 29)},
    "age-recorded-earlier": {"age": 17, "screening_date": dt.date(2025, 12, 1)},
    "empty-complete-list": {"conditions": {"complete": True, "items": []}},
    "empty-open-list": {"conditions": {"items": []}},
    "complete-list-unclassified": {"conditions": {"complete": True,
                                                  "items": [{"name": "gout"}]}},
    "negative-recorded": {"conditions": [{"category": "cancer", "status": "absent"}]},
    "onset-on-the-boundary": {"als": {"onset_date": dt.date(2024, 2, 29),
                                      "date": dt.date(2026, 1, 1)}},
    "nothing-at-all": {},
}


@pytest.mark.parametrize("as_of", [dt.date(2026, 2, 28), dt.date(2026, 3, 1), AS_OF,
                                   dt.date(2028, 2, 29)], ids=str)
@pytest.mark.parametrize("rule", list(EDGE_RULES), ids=str)
def test_the_three_valued_edges_agree(rule: str, as_of: dt.date) -> None:
    from conftest import trial_from_yaml
    from eligibility.patient import PatientProfile

    trial = trial_from_yaml(f"""
        trial: {{id: NCT00000001, title: A test trial, overall_status: RECRUITING}}
        criteria:
          - {{id: C1, kind: inclusion, text: Edge., {EDGE_RULES[rule]}}}
          - {{id: C2, kind: exclusion, text: Edge., {EDGE_RULES[rule]}}}
    """)
    patients = [PatientProfile.model_validate({"id": name, **fields})
                for name, fields in EDGE_PROFILES.items()]
    found = screen_profiles(patients, trial, as_of=as_of)
    for patient in patients:
        statuses, verdict = verdicts(patient, trial, as_of=as_of)
        assert found[patient.id][1:] == (*[str(s) for s in statuses], str(verdict)), patient.id


def _named(leaf: dict[str, Any], names: Sequence[str], draw: st.DrawFn) -> dict[str, Any]:
    """A medication `has` asks for a name some patient lists, so that its doses and spans
    decide rather than its name."""
    body = leaf.get("has")
    if names and isinstance(body, dict) and body["in"] == "medications":
        return {"has": {**body, "name": [draw(st.sampled_from(names))], "category": []}}
    return leaf


@st.composite
def _visit_cases(draw: st.DrawFn) -> tuple[Trial, list[PatientProfile]]:
    """Patients with records near their visits and doses, and a trial of one to three
    criteria, each a leaf reading a visit, a window, a change or a dose (maybe negated)."""
    patients = draw(st.lists(visit_profiles(), min_size=1, max_size=4))
    names = sorted({entry.name for patient in patients for entry in patient.medications.items
                    if entry.name})
    criteria = []
    for ident in CRITERION_IDS[:draw(st.integers(1, 3))]:
        leaf = _named(draw(history_leaf_mappings()), names, draw)
        if draw(st.booleans()):
            leaf = {"not": leaf}
        criteria.append({"id": ident, "kind": draw(st.sampled_from(["inclusion", "exclusion"])),
                         "text": f"Criterion {ident}.", "condition": leaf})
    return Trial.model_validate({"trial": dict(TRIAL_INFO), "criteria": criteria}), patients


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_visit_cases(), as_of=st.none() | SCREENING_DATES)
def test_the_forms_reading_visits_windows_changes_and_doses_agree(case, as_of) -> None:
    trial, patients = case
    patients = [patient.model_copy(update={"id": f"P{index}"})
                for index, patient in enumerate(patients)]
    found = screen_profiles(patients, trial, as_of=as_of, today=AS_OF)
    for patient in patients:
        on = as_of or patient.screening_date or AS_OF
        statuses, verdict = verdicts(patient, trial, as_of=on)
        assert found[patient.id][1:] == (*[str(s) for s in statuses], str(verdict)), (
            patient.id, on)
