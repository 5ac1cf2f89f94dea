"""An explanation says each thing once, however many items it is true of (issue 9, item 8).

Found by screening 3,000 synthetic profiles (`bench/synthetic.py`) and looking for a clause
that an explanation repeats: an advice written once per entry without a category, and the
unscored items of one group listed once per rule over it.
"""

from __future__ import annotations

import datetime as dt

from conftest import AS_OF, criterion_result, profile


def test_entries_without_a_category_share_one_piece_of_advice() -> None:
    patient = profile(conditions=[{"name": "gout", "status": "current"},
                                  {"name": "osteoarthritis", "status": "current"}])
    result = criterion_result(
        {"has": {"in": "conditions", "category": ["infection"], "status": "current"}},
        patient, kind="exclusion")
    explanation = result.outcome.explanation
    assert "'gout'" in explanation and "'osteoarthritis'" in explanation
    assert explanation.count("no category") == 1, explanation
    assert "'gout' and 'osteoarthritis' have no category, so any of them may be one" in (
        explanation)


def test_one_entry_without_a_category_is_said_as_before() -> None:
    patient = profile(conditions=[{"name": "gout", "status": "current"}])
    result = criterion_result(
        {"has": {"in": "conditions", "category": ["infection"], "status": "current"}},
        patient, kind="exclusion")
    assert result.outcome.explanation.endswith(
        "('gout' has no category, so it may be one (add its category, or category: other))")


def test_two_rules_over_one_group_say_the_unscored_items_once() -> None:
    patient = profile(alsfrs_r={"date": AS_OF - dt.timedelta(days=10),
                                "items": {"speech": 4}})
    result = criterion_result({"all": [
        {"every": {"in": "alsfrs_r.items", "op": "at_least", "value": 2,
                   "measured_within_days": 90}},
        {"every": {"in": "alsfrs_r.items", "only": ["dyspnea", "orthopnea",
                                                    "respiratory_insufficiency"],
                   "op": "equals", "value": 4, "measured_within_days": 90}},
    ]}, patient)
    explanation = result.outcome.explanation
    assert "dyspnea" in explanation
    assert explanation.count("not scored") == 1, explanation
    assert explanation.count("dyspnea") == 1, explanation


def test_a_part_said_inside_a_joined_sentence_is_not_said_again() -> None:
    # AB19001 I4 read "...before the baseline visit: the baseline visit is not recorded yet"
    # twice: once as the first source, once inside the fallback that waits for it too.
    from eligibility.explain import join

    waiting = "X before the baseline visit: the baseline visit is not recorded yet"
    assert join([waiting, f"Y before screening (a; b); {waiting}"]) == (
        f"{waiting}; Y before screening (a; b)")


def test_facts_not_recorded_are_said_in_one_sentence() -> None:
    # STR04 E2 read 'Hemoglobin is not recorded; White blood cells is not recorded; Absolute
    # neutrophils is not recorded; Platelets is not recorded'.
    from eligibility.explain import join

    assert join(["Hemoglobin is not recorded", "White blood cells is not recorded",
                 "X lacks a date", "Platelets is not recorded"]) == (
        "Hemoglobin, White blood cells and Platelets are not recorded; X lacks a date")
    assert join(["Platelets is not recorded"]) == "Platelets is not recorded"
