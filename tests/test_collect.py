"""The "collect next" list across trials: merging by fact, the ranking, who provides it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eligibility import load_patient, load_trials
from eligibility.cli import app
from eligibility.collect import collect_across, near_miss
from eligibility.results import Status, Verdict
from eligibility.screening import screen_all
from eligibility.vocabulary import DEFAULT

ROOT = Path(__file__).resolve().parent.parent
TRIALS = load_trials(ROOT / "rules")
PATIENTS = ROOT / "patients"
SHIPPED = sorted(path.stem for path in PATIENTS.glob("*.yaml"))


def screened(name: str) -> tuple[Any, ...]:
    profile = load_patient(PATIENTS / f"{name}.yaml")
    return screen_all(profile, TRIALS, as_of=profile.screening_date)


@pytest.mark.parametrize(
    ("patient", "fact", "provided_by", "unlocks", "trials"),
    [
        ("stale-fvc", "fvc.percent_predicted", "spirometry", ("NCT06910384",), 3),
        ("example", "medications", "record", (), 4),
        ("missing-data", "medications", "record", (), 6),
        ("probable-laboratory-supported", "assessment:NCT06910384:I1", "clinician",
         ("NCT06910384",), 1),
        ("sod1-tofersen", "assessment:NCT06910384:E8", "clinician", ("NCT06910384",), 1),
    ],
    ids=["stale-fvc-unlocks-str04", "example-medications-touch-most", "missing-data",
         "one-clinician-answer-unlocks-str04", "tofersen-question-unlocks-str04"],
)
def test_the_top_of_the_list_on_the_shipped_patients(patient, fact, provided_by, unlocks,
                                                      trials):
    top = collect_across(screened(patient))[0]
    assert (top.fact, top.provided_by, top.unlocks, len(top.trials)) == (
        fact, provided_by, unlocks, trials)


def test_the_fvc_of_a_stale_profile_merges_what_each_trial_asks_of_it():
    fvc = collect_across(screened("stale-fvc"))[0]
    assert fvc.label == "FVC (% predicted)"
    # Not "at the screening visit": that visit is not dated yet, and an FVC within 90 days
    # would do today (a `first` asks only for what can be collected now).
    assert set(fvc.questions) == {"FVC (% predicted) at the baseline visit",
                                  "FVC (% predicted), measured within 90 days"}
    assert [(c.trial, c.id, c.decided) for c in fvc.criteria] == [
        ("NCT06910384", "I5", True),  # trials best first: STR04 has one unknown left
        ("NCT03127267", "E2", False),  # the baseline visit must take place too
        ("NCT03548311", "E3", True)]


def test_a_criterion_that_needs_two_things_is_touched_but_not_decided_by_either():
    procedures = next(item for item in collect_across(screened("example"))
                      if item.fact == "procedures")
    pacing = [c for c in procedures.criteria if (c.trial, c.id) == ("NCT03491462", "E3")]
    assert pacing and not pacing[0].decided  # it needs the clinician's answer too


def test_a_question_held_back_until_data_is_recorded_still_counts_as_a_need():
    # Found by the property below: NCT00696332 I1 lists only the El Escorial category, but
    # with a 'probable laboratory-supported' answer it asks the clinician; so it is touched,
    # not decided, by the category alone.
    escorial = next(item for item in collect_across(screened("contradicting-negative"))
                    if item.fact == "als.el_escorial")
    (talampanel,) = [c for c in escorial.criteria if (c.trial, c.id) == ("NCT00696332", "I1")]
    assert not talampanel.decided


def test_ineligible_and_eligible_trials_add_nothing_to_the_list():
    screenings = screened("example")
    in_review = {s.trial.id for s in screenings if s.verdict is Verdict.NEEDS_REVIEW}
    touched = {trial for item in collect_across(screenings) for trial in item.trials}
    assert touched == in_review


@pytest.mark.parametrize("name", SHIPPED)
def test_the_list_is_ranked_and_names_each_fact_once(name):
    merged = collect_across(screened(name))
    assert len({item.fact for item in merged}) == len(merged)
    assert [item.rank_key() for item in merged] == sorted(item.rank_key() for item in merged)
    for item in merged:
        assert set(item.unlocks) <= set(item.trials)
        assert item.questions and item.criteria


@pytest.mark.parametrize("name", SHIPPED)
def test_every_need_of_a_shipped_patient_says_who_provides_it(name):
    assert all(item.provided_by for item in collect_across(screened(name)))


def test_every_fact_a_profile_states_and_every_list_has_a_provider():
    assert [fact.name for fact in DEFAULT.facts.values() if not fact.provided_by] == []
    assert [c.name for c in DEFAULT.collections.values() if not c.provided_by] == []
    assert set(DEFAULT.answered_by) == {"assessments", "visits"}


@pytest.mark.parametrize(
    ("patient", "expected"),
    [("example", {"NCT03548311": "I1", "NCT06910384": "E4"}), ("eligible-str04", {})],
)
def test_near_miss_names_the_one_failed_criterion(patient, expected):
    found = {s.trial.id: near_miss(s) for s in screened(patient)}
    assert {trial: ident for trial, ident in found.items() if ident} == expected


# Answering a need decides what it claims

def _answered(document: dict[str, Any], fact: str, value: Any, on: dt.date) -> dict[str, Any]:
    """The profile document with `fact` stated (a fact of a block, or a clinician's answer),
    recorded on the screening date."""
    document = dict(document)
    if fact.startswith("assessment:"):
        _, trial, key = fact.split(":")
        document["assessments"] = [*document.get("assessments", []), {
            "trial": trial, "criterion": key, "answer": value, "by": "Dr Test", "date": on}]
        return document
    spec = DEFAULT.facts[fact]
    if spec.block is None:  # a top-level fact, such as sex
        return {**document, fact: value}
    block, field = spec.path
    record = ({field: {"value": value, "unit": spec.unit, "date": on,
                       "reference_range": {"low": 0, "high": 100_000}}}
              if spec.kind == "lab" else {field: value, "date": on})
    if spec.kind == "lab":
        document[block] = {**document.get(block, {}), **record}
        return document
    before = document.get(block)
    if isinstance(before, dict) and "date" not in before:  # an undated record: complete it
        document[block] = {**before, **record}
        return document
    records = [] if before is None else before if isinstance(before, list) else [before]
    document[block] = [*records, record]
    return document


def _value(fact: str) -> st.SearchStrategy[Any]:
    if fact.startswith("assessment:"):
        return st.booleans()
    spec = DEFAULT.facts[fact]
    if spec.kind == "boolean":
        return st.booleans()
    if spec.kind == "category":
        return st.sampled_from(spec.categories)
    low, high = spec.minimum or 0, spec.maximum if spec.maximum is not None else 1000
    if spec.kind == "integer":
        return st.integers(int(low), int(high))
    return st.floats(low, high, allow_nan=False).map(lambda number: round(number, 1))


def _answerable(fact: str) -> bool:
    """A clinician's question, or a fact a profile states at the top or in a block."""
    if fact.startswith("assessment:"):
        return True
    spec = DEFAULT.facts.get(fact)
    return (spec is not None and spec.stated and not spec.derived and len(spec.path) <= 2
            and spec.kind != "date")


CASES = [(name, item.fact) for name in SHIPPED
         for item in collect_across(screened(name)) if _answerable(item.fact)]


@settings(max_examples=60, deadline=None)
@given(case=st.sampled_from(CASES), data=st.data())
def test_answering_a_need_decides_every_criterion_it_claims_to_decide(case, data, tmp_path_factory):
    name, fact = case
    path = PATIENTS / f"{name}.yaml"
    profile = load_patient(path)
    on = profile.screening_date
    item = next(item for item in collect_across(screened(name)) if item.fact == fact)
    value = data.draw(_value(fact), label="answer")
    document = _answered(yaml.safe_load(path.read_text(encoding="utf-8")), fact, value, on)
    answered_path = tmp_path_factory.mktemp("answered") / f"{name}.yaml"
    answered_path.write_text(yaml.safe_dump(document), encoding="utf-8")
    after = {s.trial.id: s for s in screen_all(load_patient(answered_path), TRIALS, as_of=on)}
    for criterion in item.decides:
        result = next(r for r in after[criterion.trial].results
                      if r.criterion.id == criterion.id)
        note(f"{criterion.trial} {criterion.id}: {result.outcome.explanation}")
        assert result.status is not Status.UNKNOWN
    for trial in item.unlocks:
        assert after[trial].verdict is not Verdict.NEEDS_REVIEW


# The table


def screen_table(name: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["screen", str(PATIENTS / f"{name}.yaml"), "--rules",
                                      str(ROOT / "rules"), *args],
                                env={"COLUMNS": "80", "NO_COLOR": None, "FORCE_COLOR": None},
                                terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_table_shows_the_merged_list_after_the_summary_at_80_columns():
    text = screen_table("stale-fvc")
    lines = text.splitlines()
    start = lines.index("Collect next, across trials (what decides the most first)")
    assert lines.index("Summary (best first)") < start < next(
        number for number, line in enumerate(lines) if line.startswith("NCT06910384 (STR04)"))
    block = "\n".join(lines[start:start + 10])
    assert "  1   FVC (% predicted)" in block and "spirometry" in block
    assert "(fvc.percent_predicted)" in block
    assert "could decide NCT06910384 on its own" in block
    assert max(len(line) for line in lines) <= 80


def test_one_trial_keeps_its_own_list_and_shows_no_merged_one():
    text = screen_table("stale-fvc", "--trial", "NCT06910384")
    assert "Collect next, across trials" not in text
    assert "Collect or assess next:" in text
