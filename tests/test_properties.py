"""Laws of screening over generated profiles, conditions and trials."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import example, find, given, note, settings
from hypothesis import strategies as st

from conftest import (
    AS_OF,
    TRIAL_ID,
    criterion_result,
    outcome,
    profile,
    screen_one,
    single_criterion_trial,
)
from eligibility.kinds import KINDS
from eligibility.logic import Truth, all_of, any_of, negate, truth_of
from eligibility.results import Status, Verdict
from eligibility.rules import AllOf, AnyOf, Not
from eligibility.screening import Context, evaluate
from strategies import (
    Filled,
    condition_mappings,
    conditions,
    conditions_about,
    dates,
    profile_and_a_fact_it_lacks,
    profiles,
    trials,
)

# A whole profile takes a few milliseconds to draw; these counts keep the file to seconds while
# the monotonicity laws, the ones most likely to catch a real mistake, get the most examples.
# No deadline: a loaded CI machine must not turn a slow example into a failure.
laws = settings(max_examples=50, deadline=None)
main_laws = settings(max_examples=150, deadline=None)

RECORDED_70 = {"age": 70, "screening_date": dt.date(2026, 1, 5)}
PAST_CANCER = {"name": "breast cancer", "category": "cancer", "status": "past",
               "start": dt.date(2020, 1, 1), "stop": dt.date(2021, 1, 1)}
# Screening days from the profiles' dates to years after them, leap days included.
SCREENING_DAYS = st.one_of(st.just(AS_OF), dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
                           st.sampled_from([dt.date(2028, 2, 29), dt.date(2027, 2, 28)]))


@main_laws
@given(case=profile_and_a_fact_it_lacks(), trial=trials())
@example(
    case=Filled(profile(**RECORDED_70),
                profile(**RECORDED_70, birth_date=dt.date(1955, 6, 1)), "birth_date"),
    trial=single_criterion_trial({"check": {"fact": "age", "op": "between",
                                            "value": [18, 75]}}),
)
@example(  # dating "no cancer" shows a cancer treated since overtook it: unknown, saying so
    case=Filled(profile(conditions=[{"category": "cancer", "status": "absent"}, PAST_CANCER]),
                profile(conditions=[{"category": "cancer", "status": "absent",
                                     "date": dt.date(2015, 6, 1)}, PAST_CANCER]),
                "conditions[0].date"),
    trial=single_criterion_trial({"has": {"in": "conditions", "category": ["cancer"],
                                          "status": "current"}}, kind="exclusion"),
)
def test_filling_in_a_missing_fact_never_flips_a_decided_criterion(case, trial):
    note(f"filled in: {case.field}")
    before = screen_one(case.before, trial)
    after = screen_one(case.after, trial)
    for old, new in zip(before.results, after.results, strict=True):
        if old.status is not Status.UNKNOWN:
            assert new.status is old.status or excused(old.outcome, new.outcome), (
                old.outcome.explanation, new.outcome.explanation)


@main_laws
@given(case=profile_and_a_fact_it_lacks(), data=st.data())
def test_filling_in_a_missing_fact_never_flips_a_decided_condition_that_reads_it(case, data):
    # Conditions drawn to read the filled-in field, so the law is tested where it can fail.
    condition_ = data.draw(conditions_about(case), label="condition")
    note(f"filled in: {case.field}")
    before = outcome(condition_, case.before)
    if before.truth is not Truth.UNKNOWN:
        after = outcome(condition_, case.after)
        assert after.truth is before.truth or excused(before, after), (
            before.explanation, after.explanation)


def codes(outcome_) -> set[str]:
    """Every outcome code in an outcome and its parts."""
    return {outcome_.code, *(code for part in outcome_.parts for code in codes(part))}


def evidence(outcome_) -> list:
    """Every observation an outcome and its parts read."""
    return [*outcome_.evidence, *(found for part in outcome_.parts for found in evidence(part))]


def superseded(before, after) -> bool:
    """Whether `after` read an observation of a fact newer than every one `before` read of it:
    a newer measurement, which supersedes the older one."""
    read = {}
    for found in evidence(before):
        if found.date is not None:
            read[found.fact] = max(read.get(found.fact, found.date), found.date)
    return any(found.fact in read and found.date is not None and found.date > read[found.fact]
               for found in evidence(after))


def excused(before, after) -> bool:
    """The three ways a decided outcome may change when a fact is filled in, all documented
    (docs/rules.md, "What filling in a fact can change"): the new fact contradicts a recorded
    one, or shows a negative was overtaken by news after it (the answer becomes unknown,
    saying so); the old answer came from a less authoritative source of a `first`, which the
    new fact, from a more authoritative one, overrides; or the new fact is a newer observation
    of what was read, which supersedes it.

    Traced down the parts: a combination's change is excused only when every decided part of
    it that changed is, so a `first` decided by its fallback somewhere in a criterion does not
    excuse a flip in another part of it."""
    if after.truth is Truth.UNKNOWN and after.code in ("has.conflict", "has.overtaken"):
        return True
    if before.code == "first.fallback":
        return True
    if not before.parts:
        return superseded(before, after)
    if len(before.parts) != len(after.parts):  # a criterion that no longer applies
        return superseded(before, after) or "first.fallback" in codes(before)
    changed = [(old, new) for old, new in zip(before.parts, after.parts, strict=True)
               if old.truth is not Truth.UNKNOWN and new.truth is not old.truth]
    return bool(changed) and all(excused(old, new) for old, new in changed)


@laws
@given(patient=profiles(), condition_=conditions())
def test_evaluate_never_raises_and_an_unknown_says_what_would_settle_it(patient, condition_):
    result = outcome(condition_, patient)
    assert isinstance(result.truth, Truth)
    assert result.explanation
    if result.truth is Truth.UNKNOWN:
        assert result.missing
    else:
        assert result.missing == ()


@laws
@given(patient=profiles(), condition_=conditions())
def test_evaluate_is_deterministic(patient, condition_):
    assert outcome(condition_, patient) == outcome(condition_, patient)


@laws
@given(patient=profiles(), trial=trials())
def test_screening_is_deterministic(patient, trial):
    assert screen_one(patient, trial) == screen_one(patient, trial)


@laws
@given(patient=profiles(), trial=trials())
def test_every_criterion_appears_exactly_once_in_protocol_order(patient, trial):
    screening = screen_one(patient, trial)
    assert [result.criterion for result in screening.results] == list(trial.criteria)


@laws
@given(patient=profiles(), trial=trials())
def test_the_verdict_follows_the_statuses(patient, trial):
    screening = screen_one(patient, trial)
    statuses = [result.status for result in screening.results]
    assert (screening.verdict is Verdict.INELIGIBLE) == (Status.FAIL in statuses)
    if Status.UNKNOWN in statuses:
        assert screening.verdict is not Verdict.ELIGIBLE
    assert (screening.verdict is Verdict.ELIGIBLE) == all(
        status is Status.PASS for status in statuses)


@laws
@given(patient=profiles(), trial=trials())
def test_a_status_is_the_truth_read_through_the_criterion_kind(patient, trial):
    for result in screen_one(patient, trial).results:
        truth = result.outcome.truth
        if truth is Truth.UNKNOWN:
            assert result.status is Status.UNKNOWN
        elif result.criterion.kind == "inclusion":
            assert result.status is (Status.PASS if truth is Truth.TRUE else Status.FAIL)
        else:
            assert result.status is (Status.FAIL if truth is Truth.TRUE else Status.PASS)


@laws
@given(patient=profiles(), trial=trials())
def test_a_criterion_does_not_apply_only_when_its_applies_to_is_false(patient, trial):
    context = Context.of(patient, AS_OF, trial.id)
    for result in screen_one(patient, trial).results:
        guard = result.criterion.applies_to
        local = context._replace(criterion_id=result.criterion.id)
        expected = guard is None or evaluate(guard, local).truth is not Truth.FALSE
        assert result.outcome.applies is expected, result.criterion.id


@given(patient=profiles(), trial=trials())
def test_collect_next_holds_each_missing_fact_of_unknown_criteria_once_in_order(patient,
                                                                                trial):
    screening = screen_one(patient, trial)
    expected: list[str] = []
    for result in screening.results:
        if result.status is Status.UNKNOWN:
            expected += [item for item in result.outcome.missing if item not in expected]
    found = list(screening.collect_next)
    # In order, once each, nothing added; a need left out is one that another need in the
    # list covers (a group's items to score, all of them among another need's).
    assert found == [item for item in expected if item in found]
    assert all(item in found or any(other.covers(item) for other in found)
               for item in expected)


@laws
@given(patient=profiles(), condition_=conditions())
def test_not_not_has_the_same_truth(patient, condition_):
    assert outcome(Not(part=Not(part=condition_)), patient).truth is (
        outcome(condition_, patient).truth)


@laws
@given(patient=profiles(), condition_=conditions())
def test_not_negates_the_truth_of_its_part(patient, condition_):
    assert outcome(Not(part=condition_), patient).truth is negate(
        outcome(condition_, patient).truth)


@laws
@given(patient=profiles(), parts=st.lists(conditions(max_leaves=3), min_size=1, max_size=4))
def test_all_and_any_combine_the_truths_of_their_parts(patient, parts):
    truths = [outcome(part, patient).truth for part in parts]
    combined_all = outcome(AllOf(parts=tuple(parts)), patient)
    combined_any = outcome(AnyOf(parts=tuple(parts)), patient)
    assert combined_all.truth is all_of(truths)
    assert combined_any.truth is any_of(truths)
    assert [part.truth for part in combined_all.parts] == truths


@laws
@given(patient=profiles(), parts=st.lists(conditions(max_leaves=3), min_size=1, max_size=3))
def test_de_morgan_holds_for_conditions(patient, parts):
    negated_all = Not(part=AllOf(parts=tuple(parts)))
    any_negated = AnyOf(parts=tuple(Not(part=part) for part in parts))
    assert outcome(negated_all, patient).truth is outcome(any_negated, patient).truth


@laws
@given(condition_=conditions())
def test_a_profile_that_states_nothing_leaves_every_condition_unknown(condition_):
    # The open world: silence is unknown, never false, whatever the condition asks.
    assert outcome(condition_, profile()).truth is Truth.UNKNOWN


@laws
@given(patient=profiles())
def test_a_judgment_follows_the_latest_assessment_of_this_trial_and_criterion(patient):
    result = criterion_result({"judgment": "Poor condition?"}, patient, id="C1")
    answers = [(a.date, a.answer) for a in patient.assessments
               if a.trial == TRIAL_ID and a.criterion == "C1"]
    if not answers:
        assert result.outcome.truth is Truth.UNKNOWN
        return
    latest = max(date for date, _ in answers)
    assert result.outcome.truth in {truth_of(answer) for date, answer in answers
                                    if date == latest}


@given(patient=profiles(), trial=trials())
def test_the_verdict_only_path_agrees_with_the_explained_screening(patient, trial):
    from eligibility.verdicts import verdicts

    explained = screen_one(patient, trial)
    statuses, verdict = verdicts(patient, trial, as_of=explained.as_of)
    assert statuses == tuple(result.status for result in explained.results)
    assert verdict is explained.verdict


@pytest.mark.parametrize("key", [*KINDS, "at", "within", "started_within", "stable_for",
                                 "daily_dose", "where"])
def test_the_generated_conditions_reach_every_kind_and_every_form_of_the_registry(key):
    # The laws above hold only for what the strategies draw: each kind of the registry, and
    # each way of reading a history or an entry's own dates and doses, must be drawn.
    def holds(mapping) -> bool:
        return f"'{key}'" in repr(mapping)

    found = find(condition_mappings(), holds, settings=settings(max_examples=5000,
                                                                 database=None))
    assert holds(found)


@given(patient=profiles(), as_of=st.sampled_from([AS_OF, dt.date(2024, 2, 29)]))
def test_a_fact_derived_as_recorded_x_reads_as_the_expression_gives(patient, as_of):
    # The reader of `recorded(x)` in a record skips the expression engine; it must give what
    # evaluating the expression gives: the value, what was read, and what was missing.
    from eligibility.observations import _derive_in, _record_observer, _recorded_in_record
    from eligibility.vocabulary import DEFAULT

    shortcut = [(fact, fact.block) for fact in DEFAULT.facts.values()
                if fact.block and _recorded_in_record(fact, fact.block, DEFAULT)]
    assert shortcut, "als.diagnosed is derived as recorded(als.diagnosis_date)"
    for fact, block in shortcut:
        observe = _record_observer(fact, block, DEFAULT)
        for record in getattr(patient, block, ()):
            if fact.stated and getattr(record, fact.path[-1], None) is not None:
                continue  # stated in the record: no derivation at all
            general = _derive_in(record, fact, DEFAULT, as_of)
            found = observe(record, as_of)
            if general.value is None:
                assert found is None
            else:
                assert found is not None and found.derived is not None
                assert (found.value, found.derived.value, found.derived.read,
                        found.derived.missing, found.derived.formula) == (
                    general.value, general.value, general.read, general.missing,
                    general.formula)


@laws
@given(patient=profiles(), first=SCREENING_DAYS, then=SCREENING_DAYS)
def test_facts_moved_to_another_day_read_as_facts_read_on_that_day(patient, first, then):
    # A forecast screens one profile on many days, keeping the facts that do not depend on
    # the screening date: kept or read again, every fact must be what that day reads.
    from eligibility.observations import Facts
    from eligibility.vocabulary import DEFAULT

    earlier = Facts(patient, first, DEFAULT)
    for name in DEFAULT.facts:
        earlier.get(name)
        earlier.history(name)
    moved, fresh = earlier.on(then), Facts(patient, then, DEFAULT)
    for name in DEFAULT.facts:
        assert moved.get(name) == fresh.get(name), name
        assert moved.history(name) == fresh.history(name), name
