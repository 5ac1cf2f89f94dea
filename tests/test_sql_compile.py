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
            text: Onset within 24 months at screening.
            check: {fact: als.months_since_onset, op: at_most, value: 24,
                    at: {visit: screening}}
    """)
    with pytest.raises(CompileError) as raised:
        compile_trial(trial)
    assert str(raised.value) == (
        "NCT00000001 I7: cannot compile to SQL: 'als.months_since_onset' at a visit has no SQL "
        "form yet (it is derived from the screening date, and the table keeps no history of "
        "it)")


DERIVED = """
    trial: {id: NCT00000001, title: A test trial, overall_status: RECRUITING}
    facts:
      %s
    criteria:
      - {id: C1, kind: inclusion, text: Derived., check: {fact: %s, op: %s, value: %s}}
"""


@pytest.mark.parametrize(("facts", "fact", "op", "value"), [
    ("double_months: {kind: number, label: Twice the months, unit: months, "
     "derive: als.months_since_onset * 2}", "double_months", "at_least", 30),
    ("als.onset_age: {kind: integer, label: Onset age, unit: years, "
     "derive: 'years_between(birth_date, als.onset_date)'}", "als.onset_age", "below", 50),
    ("onset_to_screening_days: {kind: integer, label: Days, unit: days, "
     "derive: 'days_between(als.onset_date, screening_date)'}", "onset_to_screening_days",
     "at_most", 730),
    ("fast: {kind: number, label: Fast, unit: points/month, derive: "
     "'(48 - alsfrs_r.total) / max(months_between(als.onset_date, screening_date), 1)'}",
     "fast", "above", 0.5),
    ("old_enough: {kind: boolean, label: Old enough, derive: age >= 18 and "
     "recorded(als.onset_date)}", "old_enough", "equals", "true"),
    ("late_or_weak: {kind: boolean, label: Late or weak, derive: "
     "'either(als.months_since_onset, 0) > 12 or fvc.percent_predicted < 50'}",
     "late_or_weak", "is_true", "null"),
], ids=["per-month", "not-moving", "days", "across-with-max", "boolean-from-age", "either"])
def test_rule_file_facts_derived_from_the_screening_date_agree(facts, fact, op, value) -> None:
    trial = trial_from_yaml(DERIVED % (facts, fact, op, value))
    compile_trial(trial)
    for as_of in (None, dt.date(2024, 2, 29), dt.date(2026, 11, 2)):
        found = screen_profiles(PROFILES, trial, as_of=as_of)
        for profile in PROFILES:
            on = as_of or profile.screening_date or dt.date.today()
            expected, verdict = verdicts(profile, trial, as_of=on)
            assert found[profile.id][1:] == (*[str(s) for s in expected], str(verdict)), (
                profile.id, on)


def test_a_number_with_a_point_in_an_expression_is_a_double_as_in_python() -> None:
    # 3 * 0.1 is 0.30000000000000004 in Python, above 0.3; as DECIMALs it would be 0.3
    trial = trial_from_yaml(DERIVED % (
        "tenths: {kind: boolean, label: Tenths, derive: "
        "'days_between(als.onset_date, screening_date) * 0.1 <= 0.3'}", "tenths", "is_true",
        "null"))
    on = dt.date(2026, 3, 1)
    patient = PROFILES[0].model_validate({"id": "P", "als": {
        "onset_date": on - dt.timedelta(days=3)}})
    expected, _ = verdicts(patient, trial, as_of=on)
    assert str(expected[0]) == "fail"
    assert screen_profiles([patient], trial, as_of=on)["P"][1] == "fail"


def test_a_fact_derived_in_one_record_from_two_of_its_facts_and_the_date_is_refused() -> None:
    trial = trial_from_yaml(DERIVED % (
        "delay: {kind: number, label: Delay, unit: months, derive: "
        "'either(als.months_since_onset, 0) - either(als.months_since_diagnosis, 0)'}",
        "delay", "at_least", 12))
    with pytest.raises(CompileError) as raised:
        compile_trial(trial)
    assert raised.value.message == (
        "'delay' is derived record by record from als.diagnosis_date, als.onset_date and the "
        "screening date: the table cannot line up several facts of one record")


def test_the_has_of_a_trial_on_one_list_read_its_entries_in_one_pass() -> None:
    allorx = next(trial for trial in TRIALS if trial.id == "NCT05003921")
    sql = compile_trial(allorx).sql("duckdb")
    on_conditions = [criterion for criterion in allorx.criteria
                     if getattr(criterion.condition, "in_", None) == "conditions"]
    assert len(on_conditions) == 4
    assert sql.count('AS "__conditions_levels0"') == 1
    assert sql.count("LIST_REDUCE(") == len({"conditions", "medications", "prior_therapies",
                                             "allergies"})


def test_the_sql_of_a_trial_is_the_same_whatever_python_s_hash_seed() -> None:
    # A rule asking for several categories wrote its covered-categories test in the order of
    # a set, which changes from one Python process to the next
    import os
    import subprocess
    import sys

    program = ("import datetime as dt, hashlib, re; from eligibility.loading import "
               "load_trials; from eligibility.sql.compiler import compile_trials; "
               "queries, _ = compile_trials(load_trials('rules'), today=dt.date(2026, 11, 2)); "
               "print(hashlib.sha256(re.sub(r'_e[0-9]+', '_e', ''.join(q.sql('duckdb') + "
               "q.sql('spark') for q in queries)).encode()).hexdigest())")
    found = {subprocess.run([sys.executable, "-c", program], cwd=ROOT, check=True,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONHASHSEED": seed}).stdout
             for seed in ("1", "2", "3")}
    assert len(found) == 1, found  # one text for every seed
