"""An explanation says each thing once, however many items it is true of (issue 9, item 8).

Found by screening 3,000 synthetic profiles (`bench/synthetic.py`) and looking for a clause
that an explanation repeats: two places in the evaluator write a sentence per item where one
sentence for the items would do. The sentences are made in the engine (`lists.py`,
`groups.py` and the joining of parts in `screening.py`), which renderers never rephrase, so
these tests state the wanted behaviour and stay marked `xfail(strict=True)` until the engine
changes; an XPASS then fails the run, to have the mark removed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import AS_OF, criterion_result, profile

UNCLASSIFIED = "so it may be one (add its category, or category: other)"


@pytest.mark.xfail(strict=True, reason="bug: lists.py writes the advice once per entry "
                   "without a category: \"'gout' has no category, so it may be one (add its "
                   "category, or category: other); 'osteoarthritis' has no category, so it may "
                   "be one (...)\"; wanted: \"'gout' and 'osteoarthritis' have no category, so "
                   "either may be one (add a category, or category: other)\"")
def test_entries_without_a_category_share_one_piece_of_advice() -> None:
    patient = profile(conditions=[{"name": "gout", "status": "current"},
                                  {"name": "osteoarthritis", "status": "current"}])
    result = criterion_result(
        {"has": {"in": "conditions", "category": ["infection"], "status": "current"}},
        patient, kind="exclusion")
    explanation = result.outcome.explanation
    assert "'gout'" in explanation and "'osteoarthritis'" in explanation
    assert explanation.count(UNCLASSIFIED) == 1, explanation


@pytest.mark.xfail(strict=True, reason="bug: two `every` rules over one group each say which "
                   "items are not scored, and all joins both: 'ALSFRS-R items not scored: "
                   "speech, ..., respiratory_insufficiency; ALSFRS-R items not scored: dyspnea, "
                   "orthopnea, respiratory_insufficiency'; wanted: the group's unscored items "
                   "said once (the second list is part of the first)")
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
