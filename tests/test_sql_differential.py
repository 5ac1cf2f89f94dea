"""Differential law: DuckDB, running a trial compiled to SQL over the table layout, gives every
criterion the status and the trial the verdict that the per-patient Python path gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, TRIAL_INFO
from eligibility.patient import PatientProfile
from eligibility.rules import Trial
from eligibility.screening import verdicts
from strategies import CRITERION_IDS, dates, history_leaf_mappings, profiles, trials, visit_profiles

pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from eligibility.sql.compiler import compile_trial
from eligibility.sql.duck import screen_profiles

# The screening dates: the usual one, leap days and the days around them, and any other.
SCREENING_DATES = st.one_of(
    st.just(AS_OF),
    st.sampled_from([dt.date(2024, 2, 28), dt.date(2024, 2, 29), dt.date(2024, 3, 1),
                     dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2028, 2, 29)]),
    dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
)


def assert_paths_agree(patients, trial, as_of, *, today=AS_OF) -> None:
    """Each patient gets from DuckDB the statuses and verdict the per-patient path gives, on
    the day each is screened (`as_of`, else their screening date, else `today`)."""
    found = screen_profiles(patients, trial, as_of=as_of, today=today)
    for patient in patients:
        on = as_of or patient.screening_date or today
        statuses, verdict = verdicts(patient, trial, as_of=on)
        assert found[patient.id][1:] == (*[str(s) for s in statuses], str(verdict)), (
            patient.id, on)

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trial=trials(), patients=st.lists(profiles(), min_size=1, max_size=6),
       as_of=st.none() | SCREENING_DATES)
def test_duckdb_and_the_python_path_give_the_same_statuses_and_verdicts(
        trial, patients, as_of) -> None:
    compile_trial(trial)  # every generated criterion compiles; a refusal fails the test
    patients = [patient.model_copy(update={"id": f"P{index}"})
                for index, patient in enumerate(patients)]
    assert_paths_agree(patients, trial, as_of)


# Worked-out numbers exactly on a threshold written in decimal (binary arithmetic lands
# beside it: 1.5 x 1.2, a BMI of 59.94 kg at 180 cm, 70.1 - 70.3 kg).
DECIMAL_BOUNDARIES = {
    "bilirubin-exactly-1.5-uln": {"labs": {
        "bilirubin": {"value": 1.8, "unit": "mg/dL", "date": dt.date(2026, 1, 1),
                      "reference_range": {"low": 0.3, "high": 1.2}},
        "alt": {"value": 0.9, "unit": "U/L", "date": dt.date(2026, 1, 1),
                "reference_range": {"low": 0.1, "high": 0.3}}}},
    "bmi-exactly-18.5": {"weight": {"kg": 59.94, "date": dt.date(2026, 1, 1)},
                         "height": {"cm": 180, "date": dt.date(2020, 1, 1)}},
    "weight-lost-exactly-0.2": {"weight": [{"kg": 70.3, "date": dt.date(2025, 10, 20)},
                                           {"kg": 70.1, "date": dt.date(2026, 1, 12)}]},
}


EDGE_RULES = {
    "every-recorded": "every: {in: alsfrs_r.items, op: recorded}",
    "recent-fvc": "check: {fact: fvc.percent_predicted, op: at_least, value: 80, "
                  "measured_within_days: 30}",
    "adult": "check: {fact: age, op: at_least, value: 18}",
    "no-cancer": "has: {in: conditions, category: [cancer], status: ever}",
    "no-current-cancer": "has: {in: conditions, category: [cancer], status: current}",
    "onset-2-years": "check: {fact: als.onset_date, op: within_years, value: 2}",
    "onset-24-months": "check: {fact: als.onset_date, op: at_most_ago, value: 24 months}",
    "bilirubin-1.5-uln": "check: {fact: labs.bilirubin, op: at_most_times_upper_limit, "
                         "value: 1.5}",
    "alt-3-uln": "check: {fact: labs.alt, op: above_times_upper_limit, value: 3}",
    "bmi-18.5": "check: {fact: bmi, op: at_least, value: 18.5}",
    "months-since-onset": "check: {fact: als.months_since_onset, op: at_least, value: 12}",
    "weight-loss": "change: {fact: weight.kg, from: {before: 12 weeks, within_days: 14}, "
                   "op: at_least, value: -0.2}",
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
    "negative-overtaken-unclassified": {"conditions": [
        {"category": "cancer", "status": "absent", "date": dt.date(2015, 6, 1)},
        {"name": "gout flare", "status": "current", "date": dt.date(2020, 1, 1)}]},
    "negative-overtaken": {"conditions": [
        {"category": "cancer", "status": "absent", "date": dt.date(2015, 6, 1)},
        {"name": "breast cancer", "status": "past", "start": dt.date(2020, 1, 1),
         "stop": dt.date(2021, 1, 1)}]},
    "onset-on-the-boundary": {"als": {"onset_date": dt.date(2024, 2, 29),
                                      "date": dt.date(2026, 1, 1)}},
    "nothing-at-all": {},
    **DECIMAL_BOUNDARIES,
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
    assert_paths_agree(patients, trial, as_of)


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
    assert_paths_agree(patients, trial, as_of)


# Facts that move with the screening date: months since onset and since diagnosis (derived
# from it), and the built-in ages read at a visit.

_MONTH_OPS = ("at_least", "at_most", "above", "below", "between")
_AGE_FACTS = {"age": (16, 19), "age_months": (200, 230), "age_days": (6500, 6700)}


def _days_for(months: float) -> int:
    return round(months * 30.4375)


@st.composite
def _moving_cases(draw: st.DrawFn) -> tuple[Trial, list[PatientProfile], dt.date | None]:
    """A trial of one to three checks of months since onset or diagnosis (every numeric
    operator, a threshold in whole or tenths of months) or of an age at a visit, patients whose
    dates lie on, or a day or two either side of, each threshold (leap days included), some
    without an onset, a diagnosis date or a screening date, and a date screened on that may
    differ from their own."""
    criteria = []
    thresholds: list[float] = []
    for ident in CRITERION_IDS[:draw(st.integers(1, 3))]:
        if draw(st.integers(0, 3)):
            fact = draw(st.sampled_from(["als.months_since_onset", "als.months_since_diagnosis"]))
            op = draw(st.sampled_from(_MONTH_OPS))
            value: Any = draw(st.integers(0, 60) | st.integers(0, 600).map(lambda t: t / 10))
            if op == "between":
                value = sorted([value, draw(st.integers(0, 60))])
                thresholds += value
            else:
                thresholds.append(value)
            check = {"fact": fact, "op": op, "value": value}
            if draw(st.booleans()):
                check["measured_within_days"] = draw(st.integers(1, 60))
        else:
            fact = draw(st.sampled_from(sorted(_AGE_FACTS)))
            check = {"fact": fact, "op": draw(st.sampled_from(["at_least", "below"])),
                     "value": draw(st.integers(*_AGE_FACTS[fact])),
                     "at": {"visit": "screening", "within_days": draw(st.sampled_from([0, 3]))}}
        condition: dict[str, Any] = {"check": check}
        if draw(st.booleans()):
            condition = {"not": condition}
        criteria.append({"id": ident, "kind": draw(st.sampled_from(["inclusion", "exclusion"])),
                         "text": f"Criterion {ident}.", "condition": condition})
    trial = Trial.model_validate({"trial": dict(TRIAL_INFO), "criteria": criteria})
    on = draw(SCREENING_DATES)
    near = st.sampled_from(thresholds or [24]).map(_days_for)
    patients = []
    for index in range(draw(st.integers(1, 4))):
        onset_days = draw(near) + draw(st.integers(-2, 2))
        diagnosis_days = draw(st.integers(0, max(onset_days, 0)))
        als: dict[str, Any] = {}
        if draw(st.integers(0, 4)):
            als["onset_date"] = on - dt.timedelta(days=max(onset_days, 0))
            if draw(st.booleans()):
                als["diagnosis_date"] = on - dt.timedelta(days=min(diagnosis_days,
                                                                    max(onset_days, 0)))
        fields: dict[str, Any] = {"id": f"P{index}", "als": als}
        if draw(st.booleans()):
            fields["screening_date"] = on
        born = on - dt.timedelta(days=draw(st.integers(16 * 365, 19 * 365)))
        if draw(st.booleans()):
            fields["birth_date"] = born
        elif "screening_date" in fields and draw(st.booleans()):
            fields["age"] = draw(st.integers(16, 19))
        if draw(st.integers(0, 3)):
            fields["visits"] = {"screening": on + dt.timedelta(days=draw(st.integers(-4, 4)))}
        patients.append(PatientProfile.model_validate(fields))
    as_of = draw(st.none() | st.just(on) | st.integers(-400, 400).map(
        lambda days: on + dt.timedelta(days=days)) | SCREENING_DATES)
    return trial, patients, as_of


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_moving_cases())
def test_facts_moving_with_the_screening_date_agree(case) -> None:
    trial, patients, as_of = case
    assert_paths_agree(patients, trial, as_of)


# 730 days are 23.98 months, shown as 24.0 (decimals: 1) yet below 24; 1461 days are exactly
# 48 months; an onset after the date screened on gives a negative number of months.
MONTH_RULES = {
    "at-least-24": "check: {fact: als.months_since_onset, op: at_least, value: 24}",
    "below-24": "check: {fact: als.months_since_onset, op: below, value: 24}",
    "at-most-48": "check: {fact: als.months_since_onset, op: at_most, value: 48}",
    "above-48": "check: {fact: als.months_since_onset, op: above, value: 48}",
    "between-0-48": "check: {fact: als.months_since_onset, op: between, value: [0, 48]}",
    "diagnosis-below-6": "check: {fact: als.months_since_diagnosis, op: below, value: 6, "
                         "measured_within_days: 30}",
    "age-at-screening": "check: {fact: age, op: at_least, value: 18, "
                        "at: {visit: screening, within_days: 2}}",
}
_SCREENED = dt.date(2026, 3, 1)
MONTH_PROFILES = {
    "730-days": {"als": {"onset_date": _SCREENED - dt.timedelta(days=730)}},
    "731-days": {"als": {"onset_date": _SCREENED - dt.timedelta(days=731)}},
    "1461-days": {"als": {"onset_date": _SCREENED - dt.timedelta(days=1461),
                          "diagnosis_date": _SCREENED - dt.timedelta(days=100)}},
    "onset-on-a-leap-day": {"als": {"onset_date": dt.date(2024, 2, 29)},
                            "birth_date": dt.date(2008, 2, 29),
                            "visits": {"screening": _SCREENED}},
    "no-onset": {"als": {"diagnosis_date": dt.date(2026, 2, 1)}},
    "own-screening-date": {"als": {"onset_date": dt.date(2024, 3, 1)},
                           "screening_date": dt.date(2026, 2, 28), "age": 18,
                           "visits": {"screening": dt.date(2026, 3, 1)}},
    "nothing-at-all": {},
    **DECIMAL_BOUNDARIES,
}


@pytest.mark.parametrize("as_of", [_SCREENED, dt.date(2024, 2, 28), dt.date(2028, 2, 29), None],
                         ids=str)
@pytest.mark.parametrize("rule", list(MONTH_RULES), ids=str)
def test_months_since_onset_agree_at_their_edges(rule: str, as_of: dt.date | None) -> None:
    from conftest import trial_from_yaml

    trial = trial_from_yaml(f"""
        trial: {{id: NCT00000001, title: A test trial, overall_status: RECRUITING}}
        criteria:
          - {{id: C1, kind: inclusion, text: Edge., {MONTH_RULES[rule]}}}
          - {{id: C2, kind: exclusion, text: Edge., {MONTH_RULES[rule]}}}
    """)
    patients = [PatientProfile.model_validate({"id": name, **fields})
                for name, fields in MONTH_PROFILES.items()]
    assert_paths_agree(patients, trial, as_of, today=_SCREENED)


@pytest.mark.parametrize(("days", "expected"), [(730, "fail"), (731, "pass"), (1461, "pass"),
                                                (1460, "fail")],
                         ids=["shown-24.0-but-23.98", "24.02", "exactly-48.0", "47.97"])
def test_months_are_compared_unrounded_as_on_the_per_patient_path(days, expected) -> None:
    from conftest import trial_from_yaml

    threshold = 24 if days < 1000 else 48
    trial = trial_from_yaml(f"""
        trial: {{id: NCT00000001, title: A test trial, overall_status: RECRUITING}}
        criteria:
          - {{id: C1, kind: inclusion, text: Edge., check: {{fact: als.months_since_onset,
              op: at_least, value: {threshold}}}}}
    """)
    patient = PatientProfile.model_validate(
        {"id": "P", "als": {"onset_date": _SCREENED - dt.timedelta(days=days)}})
    found = screen_profiles([patient], trial, as_of=_SCREENED)
    assert found["P"][1] == expected
    statuses, _ = verdicts(patient, trial, as_of=_SCREENED)
    assert str(statuses[0]) == expected
