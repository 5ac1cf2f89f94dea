"""The richer rule language: histories and visits, change, first, has over dates and doses,
derived facts, and the clinical boundaries each one draws."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import TRIAL_ID, condition, criterion_result, outcome, profile, texts
from eligibility.logic import Truth
from eligibility.results import Status

D = dt.date
T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN

ITEMS_3 = {item: 3 for item in (
    "speech", "salivation", "swallowing", "handwriting", "cutting_food", "dressing_hygiene",
    "turning_in_bed", "walking", "climbing_stairs", "dyspnea", "orthopnea",
    "respiratory_insufficiency")}


# Histories: the latest record, a record at a visit


def test_a_check_reads_the_latest_record_of_a_history_whatever_the_order_written():
    patient = profile(fvc=[{"percent_predicted": 84, "date": D(2026, 10, 20)},
                           {"percent_predicted": 70, "date": D(2026, 5, 1)}])
    result = outcome({"check": {"fact": "fvc.percent_predicted", "op": "at_least",
                                "value": 80}}, patient)
    assert result.truth is T
    assert "84 % predicted on 2026-10-20" in result.explanation


def test_a_newer_incomplete_assessment_leaves_the_latest_complete_total_in_force():
    # The newer ALSFRS-R has speech not scored: no total on 2026-10-01, so the total of
    # 2026-08-01 is the latest, and the sentence dates it. Scoring speech later gives a newer
    # total, which supersedes it (docs/rules.md, "What filling in a fact can change").
    partial = {item: (0 if index < 6 else 4) for index, item in enumerate(ITEMS_3)
               if item != "speech"}
    rule = {"check": {"fact": "alsfrs_r.total", "op": "at_least", "value": 30}}
    before = profile(alsfrs_r=[{"date": D(2026, 8, 1), "items": ITEMS_3},
                               {"date": D(2026, 10, 1), "items": partial}])
    result = outcome(rule, before)
    assert result.truth is T
    assert "36 points on 2026-08-01" in result.explanation
    after = profile(alsfrs_r=[{"date": D(2026, 8, 1), "items": ITEMS_3},
                              {"date": D(2026, 10, 1), "items": {**partial, "speech": 0}}])
    assert outcome(rule, after).truth is F
    assert "24 points on 2026-10-01" in outcome(rule, after).explanation


def test_at_a_visit_reads_the_record_marked_for_that_visit():
    patient = profile(visits={"screening": D(2026, 8, 3)},
                      fvc=[{"percent_predicted": 72, "date": D(2026, 8, 4), "visit": "screening"},
                           {"percent_predicted": 90, "date": D(2026, 10, 20)}])
    result = outcome({"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
                                "at": {"visit": "screening"}}}, patient)
    assert result.truth is F
    assert "72 % predicted on 2026-08-04 (screening)" in result.explanation


@pytest.mark.parametrize(("measured", "within_days", "expected"), [
    (D(2026, 8, 3), 0, T),       # the visit's own day
    (D(2026, 8, 6), 3, T),       # three days off, three allowed
    (D(2026, 8, 7), 3, U),       # four days off
])
def test_at_a_visit_reads_the_nearest_record_within_the_tolerance(measured, within_days,
                                                                   expected):
    patient = profile(visits={"screening": D(2026, 8, 3)},
                      fvc={"percent_predicted": 85, "date": measured})
    rule = {"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
                      "at": {"visit": "screening", "within_days": within_days}}}
    assert outcome(rule, patient).truth is expected


def test_a_visit_not_yet_recorded_is_unknown_and_says_what_to_collect_there():
    patient = profile(fvc={"percent_predicted": 85, "date": D(2026, 10, 20)})
    result = outcome({"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
                                "at": {"visit": "baseline"}}}, patient)
    assert result.truth is U
    assert result.code == "check.visit_pending"
    assert texts(result.missing) == ("FVC (% predicted) at the baseline visit",)


def test_a_record_naming_a_visit_the_profile_does_not_list_is_refused():
    with pytest.raises(ValueError, match="visit 'baseline' is not among the profile's visits"):
        profile(fvc={"percent_predicted": 85, "date": D(2026, 10, 20), "visit": "baseline"})


def test_two_records_on_one_day_that_disagree_are_refused():
    with pytest.raises(ValueError, match="has the same date 2026-10-20"):
        profile(fvc=[{"percent_predicted": 85, "date": D(2026, 10, 20)},
                     {"percent_predicted": 80, "date": D(2026, 10, 20)}])


# Derived facts


def test_the_total_is_derived_from_the_items_of_one_assessment_never_mixed():
    older = {**ITEMS_3}
    newer = {key: value for key, value in ITEMS_3.items() if key != "walking"}
    patient = profile(alsfrs_r=[{"date": D(2026, 6, 1), "items": older},
                                {"date": D(2026, 10, 20), "items": newer}])
    result = outcome({"check": {"fact": "alsfrs_r.total", "op": "at_least", "value": 30}},
                     patient)
    # the latest assessment lacks an item, so the total is the older one's, with its date
    assert "36 points on 2026-06-01" in result.explanation


@pytest.mark.parametrize(("total", "speech", "message"), [
    (10, 4, "total 10 is less than the sum of the items scored"),
    (47, 1, "total 47 is more than the items scored allow, even with the items not scored at 4"),
], ids=["below-the-items-scored", "above-what-the-items-scored-allow"])
def test_a_recorded_total_that_the_items_scored_rule_out_is_refused(total, speech, message):
    # Eleven items scored, respiratory_insufficiency not: the total can only be 44 to 48 (with
    # speech 4) or 41 to 45 (speech 1). A total of 10 was taken as read: 'total at least 20'
    # failed though the items scored add up to 44.
    items = {**{item: 4 for item in ITEMS_3}, "speech": speech}
    del items["respiratory_insufficiency"]
    with pytest.raises(ValueError, match=message):
        profile(alsfrs_r={"date": D(2026, 10, 20), "total": total, "items": items})


@pytest.mark.parametrize("total", [44, 48])
def test_a_recorded_total_within_what_the_items_scored_allow_stands(total):
    items = {item: 4 for item in ITEMS_3 if item != "respiratory_insufficiency"}
    patient = profile(alsfrs_r={"date": D(2026, 10, 20), "total": total, "items": items})
    assert outcome({"check": {"fact": "alsfrs_r.total", "op": "equals", "value": total}},
                   patient).truth is T


def test_a_recorded_total_stands_when_the_items_are_not_scored():
    patient = profile(alsfrs_r={"date": D(2026, 10, 20), "total": 41})
    assert outcome({"check": {"fact": "alsfrs_r.total", "op": "equals", "value": 41}},
                   patient).truth is T


def test_a_recorded_total_that_disagrees_with_its_items_is_refused():
    with pytest.raises(ValueError, match="total 40 is not the sum of the twelve items scored"):
        profile(alsfrs_r={"date": D(2026, 10, 20), "total": 40, "items": ITEMS_3})


def test_a_subscore_sums_its_items_and_shows_the_sum():
    patient = profile(alsfrs_r={"date": D(2026, 10, 20),
                                "items": {**ITEMS_3, "dyspnea": 4, "orthopnea": 4}})
    result = outcome({"check": {"fact": "alsfrs_r.respiratory", "op": "at_least",
                                "value": 10}}, patient)
    assert result.truth is T
    assert "11 points on 2026-10-20 (= 4 + 4 + 3)" in result.explanation


def test_delta_fs_is_explained_with_its_formula_and_inputs():
    patient = profile(als={"onset_date": D(2025, 7, 3)},
                      alsfrs_r={"date": D(2026, 11, 2), "total": 44})
    result = outcome({"check": {"fact": "als.delta_fs", "op": "above", "value": 0.25}},
                     patient)
    assert result.truth is F  # exactly 0.25: 4 points over 487 days, 16 mean months
    assert result.explanation == (
        "ΔFS 0.25 points/month on 2026-11-02 (= (48 - 44) / 16 months; ALSFRS-R total 44 on "
        "2026-11-02, ALS symptom onset 2025-07-03) is at most 0.25 points/month")


def test_delta_fs_is_unknown_when_an_input_is_missing_and_says_which():
    patient = profile(alsfrs_r={"date": D(2026, 11, 2), "total": 44})
    result = outcome({"check": {"fact": "als.delta_fs", "op": "above", "value": 0.5}}, patient)
    assert result.truth is U


def test_a_derived_value_on_a_day_of_division_by_zero_is_unknown_not_an_error():
    # onset and ALSFRS-R on the same day: no months elapsed
    patient = profile(als={"onset_date": D(2026, 11, 2)},
                      alsfrs_r={"date": D(2026, 11, 2), "total": 44})
    assert outcome({"check": {"fact": "als.delta_fs", "op": "above", "value": 0.5}},
                   patient).truth is U


@pytest.mark.parametrize("kind", ["inclusion", "exclusion"])
@pytest.mark.parametrize(("op", "value"), [("below", 0.5), ("above", 1.0)])
def test_delta_fs_of_an_alsfrs_r_dated_before_the_onset_is_unknown_not_negative(kind, op,
                                                                               value):
    # (48 - 36) over -1.94 months was a ΔFS of -6.19, below 0.5 and not above 1: decided
    # from a rate the record cannot give (an ALSFRS-R before the first symptom).
    patient = profile(als={"onset_date": D(2026, 3, 1)},
                      alsfrs_r={"date": D(2026, 1, 1), "total": 36})
    result = criterion_result({"check": {"fact": "als.delta_fs", "op": op, "value": value}},
                              patient, kind=kind)
    assert result.status is Status.UNKNOWN


@pytest.mark.parametrize(("kg", "expected"), [(59.94, T), (59.93, F)])
def test_a_bmi_exactly_on_the_threshold_in_decimal_is_on_it(kg, expected):
    # 59.94 / (1.8 * 1.8) is 18.5, but 18.499999999999996 in binary: 'at least 18.5' failed.
    patient = profile(weight={"kg": kg, "date": D(2026, 10, 1)},
                      height={"cm": 180, "date": D(2020, 5, 5)})
    assert outcome({"check": {"fact": "bmi", "op": "at_least", "value": 18.5}},
                   patient).truth is expected


def test_bmi_is_derived_from_the_latest_weight_and_height():
    patient = profile(weight=[{"kg": 80, "date": D(2026, 1, 5)},
                              {"kg": 72, "date": D(2026, 10, 1)}],
                      height={"cm": 180, "date": D(2020, 5, 5)})
    result = outcome({"check": {"fact": "bmi", "op": "below", "value": 23}}, patient)
    assert result.truth is T
    assert result.explanation.startswith("BMI 22.2 kg/m2 on 2026-10-01")


# change


RUN_IN = {"screening": D(2026, 8, 3), "randomization": D(2026, 10, 26)}
DECLINE = {"change": {"fact": "alsfrs_r.total", "from": {"visit": "screening"},
                      "to": {"visit": "randomization"}, "op": "at_most", "value": -1}}


@pytest.mark.parametrize(("later", "expected"), [(39, T), (40, T), (41, F), (43, F)],
                         ids=["decline-2", "decline-1-exactly", "no-change", "improved"])
def test_change_between_two_visits_is_later_minus_earlier(later, expected):
    patient = profile(visits=RUN_IN, alsfrs_r=[
        {"date": D(2026, 8, 3), "visit": "screening", "total": 41},
        {"date": D(2026, 10, 26), "visit": "randomization", "total": later}])
    assert outcome(DECLINE, patient).truth is expected


@pytest.mark.parametrize(("earlier", "later", "op", "value", "expected"), [
    (70.3, 70.1, "at_least", -0.2, T),
    (70.3, 70.1, "below", -0.2, F),
    (0.1, 0.3, "at_most", 0.2, T),
    (80.1, 79.1, "between", [-1, 0], T),
], ids=["loss-of-0.2-is-at-least-minus-0.2", "loss-of-0.2-is-not-below-minus-0.2",
        "gain-of-0.2-is-at-most-0.2", "loss-of-1-is-within-minus-1-to-0"])
def test_a_change_between_decimals_is_the_difference_as_written(earlier, later, op, value,
                                                                 expected):
    # 70.1 - 70.3 is -0.20000000000000284 in binary; the change is compared as written.
    rule = {"change": {"fact": "weight.kg", "from": {"visit": "screening"},
                       "to": {"visit": "randomization"}, "op": op, "value": value}}
    patient = profile(visits=RUN_IN, weight=[
        {"date": D(2026, 8, 3), "visit": "screening", "kg": earlier},
        {"date": D(2026, 10, 26), "visit": "randomization", "kg": later}])
    assert outcome(rule, patient).truth is expected


@pytest.mark.parametrize(("earlier", "later", "said"), [
    (41, 39, "a change of -2 points, which is at most -1 point"),
    (39, 40, "a change of +1 point, which is above -1 point"),  # one point, not one points
])
def test_change_explains_both_assessments_and_the_amount(earlier, later, said):
    patient = profile(visits=RUN_IN, alsfrs_r=[
        {"date": D(2026, 8, 3), "visit": "screening", "total": earlier},
        {"date": D(2026, 10, 26), "visit": "randomization", "total": later}])
    assert outcome(DECLINE, patient).explanation == (
        f"ALSFRS-R total went from {earlier} on 2026-08-03 (screening) to {later} on "
        f"2026-10-26 (randomization): {said}")


def test_change_before_the_later_visit_is_unknown_and_asks_for_it():
    patient = profile(visits={"screening": D(2026, 8, 3)},
                      alsfrs_r={"date": D(2026, 8, 3), "visit": "screening", "total": 41})
    result = outcome(DECLINE, patient)
    assert result.truth is U
    assert texts(result.missing) == ("ALSFRS-R total at the randomization visit",)


def test_change_over_a_span_finds_the_assessment_that_far_before_the_latest():
    rule = {"change": {"fact": "alsfrs_r.total", "from": {"before": "12 weeks",
                                                           "within_days": 14},
                       "op": "between", "value": [-2, -1]}}
    history = [{"date": D(2026, 6, 1), "total": 45}, {"date": D(2026, 8, 7), "total": 43},
               {"date": D(2026, 10, 30), "total": 42}]
    assert outcome(rule, profile(alsfrs_r=history)).truth is T  # 43 -> 42, not 45 -> 42
    assert outcome(rule, profile(alsfrs_r=history[:1] + history[2:])).truth is U


def test_a_rate_of_change_is_per_mean_month():
    rule = {"change": {"fact": "alsfrs_r.total", "from": {"visit": "screening"},
                       "to": {"visit": "randomization"}, "per": "month", "op": "at_most",
                       "value": -1}}
    patient = profile(visits={"screening": D(2026, 8, 3), "randomization": D(2026, 11, 2)},
                      alsfrs_r=[{"date": D(2026, 8, 3), "visit": "screening", "total": 41},
                                {"date": D(2026, 11, 2), "visit": "randomization", "total": 38}])
    result = outcome(rule, patient)  # -3 points over 91 days, 2.99 months
    assert result.truth is T
    assert "a change of -1 point per month" in result.explanation


# first


GASTROSTOMY = {"first": [
    {"has": {"in": "procedures", "category": ["gastrostomy"], "status": "ever"}},
    {"check": {"fact": "alsfrs_r.items.cutting_food_gastrostomy", "op": "recorded",
               "measured_within_days": 90}},
    {"not": {"check": {"fact": "alsfrs_r.items.cutting_food", "op": "recorded",
                       "measured_within_days": 90}}},
]}


def test_first_takes_the_most_authoritative_source_that_is_recorded():
    scored_5a = {"date": D(2026, 10, 1), "items": ITEMS_3}
    recorded = [{"name": "PEG", "status": "current", "date": D(2026, 10, 20)}]
    result = outcome(GASTROSTOMY, profile(alsfrs_r=scored_5a, procedures=recorded))
    assert result.truth is T
    assert result.code == "first.decided"
    assert "a less authoritative source says otherwise" in result.explanation


def test_first_falls_back_to_the_next_source_and_says_so():
    scored_5a = {"date": D(2026, 10, 1), "items": ITEMS_3}
    result = outcome(GASTROSTOMY, profile(alsfrs_r=scored_5a))
    assert result.truth is F
    assert result.code == "first.fallback"
    assert "so the rule falls back to" in result.explanation


def test_first_with_every_source_unknown_asks_for_each():
    result = outcome(GASTROSTOMY, profile())
    assert result.truth is U
    assert len(result.missing) == 3


def test_first_does_not_ask_to_collect_a_source_that_waits_for_a_visit_not_yet_held():
    # "SVC at the screening visit" cannot be collected before that visit; "SVC within 90 days"
    # can, today. With the visit dated, the visit's SVC is asked for again.
    svc = {"first": [
        {"check": {"fact": "svc.percent_predicted", "op": "at_least", "value": 70,
                   "at": {"visit": "screening"}}},
        {"check": {"fact": "svc.percent_predicted", "op": "at_least", "value": 70,
                   "measured_within_days": 90}}]}
    pending = outcome(svc, profile())
    assert pending.truth is U
    assert [need.text for need in pending.missing] == [
        "SVC (% predicted), measured within 90 days"]
    dated = outcome(svc, profile(visits={"screening": D(2026, 11, 1)}))
    assert [need.text for need in dated.missing] == [
        "SVC (% predicted) at the screening visit", "SVC (% predicted), measured within 90 days"]


# has: names, synonyms, codes and negatives


def test_a_name_asked_finds_its_synonyms():
    result = outcome({"has": {"in": "medications", "name": "riluzole", "status": "current"}},
                     profile(medications=[{"name": "Exservan", "status": "current"}]))
    assert result.truth is T


def test_an_atc_code_places_an_unnamed_medicine_in_its_class():
    result = outcome({"has": {"in": "medications", "category": "anticoagulant",
                              "status": "current"}},
                     profile(medications=[{"codes": {"atc": "B01AF02"}, "status": "current"}]))
    assert result.truth is T


@pytest.mark.parametrize(("code", "truth"), [
    ("38341003", T),      # the category's own SNOMED CT code: hypertension
    ("383410031", U),     # other digits that only start the same: not hypertension by code
])
def test_a_snomed_code_places_an_entry_only_by_the_exact_code(code, truth):
    result = outcome({"has": {"in": "conditions", "category": "hypertension",
                              "status": "current"}},
                     profile(conditions=[{"codes": {"snomed": code}, "status": "current"}]))
    assert result.truth is truth


def test_a_negative_by_name_rules_out_the_name_and_its_synonyms_not_its_class():
    negatives = [{"name": "warfarin", "status": "absent", "date": D(2026, 10, 1)}]
    by_brand = outcome({"has": {"in": "medications", "name": "Coumadin", "status": "current"}},
                       profile(medications=negatives))
    by_class = outcome({"has": {"in": "medications", "category": "anticoagulant",
                                "status": "current"}}, profile(medications=negatives))
    assert by_brand.truth is F
    assert by_class.truth is U


def test_an_entry_without_a_status_is_never_taken_for_current():
    patient = profile(conditions=[{"name": "HIV", "date": D(2020, 1, 1)}])
    asks = {"in": "conditions", "category": "viral_infection"}
    assert outcome({"has": {**asks, "status": "ever"}}, patient).truth is T
    assert outcome({"has": {**asks, "status": "current"}}, patient).truth is U


def test_a_stop_date_makes_an_entry_without_a_status_past():
    patient = profile(medications=[{"name": "apixaban", "stop": D(2026, 9, 1)}])
    result = outcome({"has": {"in": "medications", "category": "anticoagulant",
                              "status": "past"}}, patient)
    assert result.truth is T


def test_a_present_entry_contradicted_by_a_negative_is_unknown_and_says_so():
    patient = profile(conditions=[
        {"name": "meningioma", "category": "intracranial_lesion", "status": "current",
         "date": D(2025, 3, 14)},
        {"category": "intracranial_lesion", "status": "absent", "date": D(2026, 5, 2)}])
    result = outcome({"has": {"in": "conditions", "category": "intracranial_lesion"}}, patient)
    assert result.truth is U
    assert result.code == "has.conflict"
    # Not "Not recorded whether ...": it is recorded, twice, both ways.
    assert result.explanation == (
        "The record contradicts itself on any current or past condition in category "
        "intracranial_lesion (meningioma (intracranial_lesion, current, 2025-03-14) against the "
        "negative any intracranial_lesion (2026-05-02); correct one of them)")


def test_a_negative_that_rules_out_part_of_a_has_leaves_only_the_rest_open():
    # "No viral infection" recorded: only syphilis (asked by name) is still open, and only it
    # is to collect; the sentence said "Not recorded whether ... syphilis or ... viral_infection".
    patient = profile(conditions=[{"category": "viral_infection", "status": "absent",
                                   "date": D(2026, 10, 20)}])
    result = outcome({"has": {"in": "conditions", "name": ["syphilis"],
                              "category": ["viral_infection"], "status": "current"}}, patient)
    assert result.truth is U
    assert result.explanation == (
        "Not recorded whether there is any current condition named syphilis (the rest is ruled "
        "out: recorded absent: any viral_infection (2026-10-20))")
    assert [need.text for need in result.missing] == [
        "conditions: whether there is any current condition named syphilis"]


def test_a_diagnosis_recorded_after_a_negative_is_news_not_a_contradiction():
    patient = profile(conditions=[
        {"category": "intracranial_lesion", "status": "absent", "date": D(2025, 5, 2)},
        {"name": "meningioma", "category": "intracranial_lesion", "status": "current",
         "date": D(2026, 3, 14)}])
    result = outcome({"has": {"in": "conditions", "category": "intracranial_lesion"}}, patient)
    assert result.truth is T


@pytest.mark.parametrize(("later", "expected"), [
    ({"name": "breast cancer", "category": "cancer", "status": "past",
      "start": D(2020, 1, 1), "stop": D(2021, 1, 1)}, U),
    ({"name": "breast cancer", "category": "cancer", "status": "past", "date": D(2010, 1, 1),
      "stop": D(2011, 1, 1)}, F),
], ids=["news-after-the-negative-reopens-it", "an-entry-before-it-does-not"])
def test_a_negative_overtaken_by_news_no_longer_rules_anything_out(later, expected):
    # "No cancer" recorded in 2015, then a cancer treated 2020-2021: the negative no longer
    # describes the patient, so "current cancer" is not ruled out (it was: false, from 2015).
    patient = profile(conditions=[
        {"category": "cancer", "status": "absent", "date": D(2015, 6, 1)}, later])
    rule = {"has": {"in": "conditions", "category": "cancer", "status": "current"}}
    result = outcome(rule, patient)
    assert result.truth is expected
    if expected is U:
        assert result.code == "has.overtaken"
        assert "recorded absent: any cancer (2015-06-01), but an entry recorded after it " \
               "is, or may be, what it rules out" in result.explanation


@pytest.mark.parametrize(("drug", "expected"), [
    ({"name": "Kardegic", "status": "current", "start": D(2026, 6, 1)}, U),
    ({"name": "Kardegic", "status": "current", "start": D(2025, 6, 1)}, F),
    ({"name": "Kardegic", "status": "current"}, F),
    ({"name": "Kardegic", "category": "antiplatelet", "status": "current",
      "start": D(2026, 6, 1)}, F),
    ({"name": "Kardegic", "category": "anticoagulant", "status": "current",
      "start": D(2026, 6, 1)}, T),
], ids=["unclassified-begun-after-the-negative", "unclassified-begun-before-it",
        "unclassified-undated", "classified-as-something-else", "classified-as-one"])
def test_a_drug_without_a_category_begun_after_no_anticoagulant_leaves_it_open(drug, expected):
    # It was false: the January negative closed the question for a drug begun in June that
    # may be an anticoagulant, and giving it its category then flipped false to true.
    patient = profile(medications=[
        {"category": "anticoagulant", "status": "absent", "date": D(2026, 1, 1)}, drug])
    rule = {"has": {"in": "medications", "category": "anticoagulant", "status": "current"}}
    assert outcome(rule, patient).truth is expected


# has: dates, doses and attributes


WASHOUT = {"has": {"in": "medications", "name": "edaravone", "within": "4 weeks"}}


@pytest.mark.parametrize(("stop", "expected"), [
    (D(2026, 10, 5), T),    # exactly 4 weeks before 2026-11-02: within
    (D(2026, 10, 4), F),    # a day earlier
])
def test_taken_within_a_span_counts_the_last_day_of_the_span(stop, expected):
    patient = profile(medications=[{"name": "Radicava", "status": "past", "stop": stop,
                                    "start": D(2025, 1, 1)}])
    assert outcome(WASHOUT, patient).truth is expected


def test_a_past_entry_without_a_stop_date_may_have_been_taken_within_the_span():
    patient = profile(medications=[{"name": "edaravone", "status": "past"}])
    result = outcome(WASHOUT, patient)
    assert result.truth is U
    assert "lacks stop date" in result.explanation


STABLE = {"has": {"in": "medications", "name": "riluzole", "status": "current",
                  "daily_dose": {"op": "equals", "value": 100, "unit": "mg"},
                  "stable_for": "12 weeks"}}


@pytest.mark.parametrize(("since", "expected"), [
    (D(2026, 8, 10), T),   # exactly 12 weeks before 2026-11-02
    (D(2026, 8, 11), F),
])
def test_a_stable_dose_counts_from_the_day_the_current_dose_began(since, expected):
    patient = profile(medications=[{"name": "riluzole", "status": "current", "dose": 50,
                                    "unit": "mg", "frequency": "twice daily",
                                    "dose_since": since}])
    assert outcome(STABLE, patient).truth is expected


def test_the_daily_dose_converts_units_and_frequencies():
    patient = profile(medications=[{"name": "riluzole", "status": "current", "dose": 0.05,
                                    "unit": "g", "frequency": "BID",
                                    "dose_since": D(2025, 1, 1)}])
    assert outcome(STABLE, patient).truth is T


def test_a_dose_history_gives_the_regimen_in_effect():
    patient = profile(medications=[{"name": "riluzole", "status": "current", "doses": [
        {"from": D(2025, 1, 1), "dose": 50, "unit": "mg", "frequency": "once daily"},
        {"from": D(2026, 9, 1), "dose": 50, "unit": "mg", "frequency": "twice daily"}]}])
    result = outcome(STABLE, patient)
    assert result.truth is F  # 100 mg a day, but only since 2026-09-01
    assert "its current dose began 2026-09-01" in result.explanation


def test_a_dose_without_its_start_leaves_stability_unknown_and_asks_for_it():
    patient = profile(medications=[{"name": "riluzole", "status": "current", "dose": 50,
                                    "unit": "mg", "frequency": "twice daily"}])
    result = outcome(STABLE, patient)
    assert result.truth is U
    assert "dose_since" in result.explanation


@pytest.mark.parametrize(("hours", "expected"), [(3, T), (2, F)])
def test_an_attribute_test_compares_the_entrys_own_value(hours, expected):
    patient = profile(procedures=[{"name": "BiPAP", "status": "current",
                                   "waking_hours_per_day": hours}])
    rule = {"has": {"in": "procedures", "category": "non_invasive_ventilation",
                    "status": "current", "where": {"waking_hours_per_day": {"above": 2}}}}
    assert outcome(rule, patient).truth is expected


def test_an_attribute_a_list_does_not_have_is_refused():
    with pytest.raises(ValueError, match="medications has no attribute 'hours_per_day'"):
        condition({"has": {"in": "medications", "where": {"hours_per_day": {"above": 2}}}})


# judgment: how long an answer counts


def test_an_answer_older_than_the_judgment_allows_is_asked_again():
    rule = {"judgment": {"question": "Poor condition?", "answered_within_days": 90}}
    answer = {"trial": TRIAL_ID, "criterion": "C1", "answer": False, "by": "Dr A"}
    fresh = profile(assessments=[{**answer, "date": D(2026, 9, 1)}])
    old = profile(assessments=[{**answer, "date": D(2026, 6, 1)}])
    assert criterion_result(rule, fresh).outcome.truth is F
    stale = criterion_result(rule, old).outcome
    assert stale.truth is U and stale.code == "judgment.stale"
    assert "older than the 90 days allowed" in stale.explanation


def test_an_open_list_entry_read_and_not_matching_is_named_in_the_unknown_sentence():
    # BiPAP 7 hours a day, when ventilation over 23 hours is asked about: the list was read,
    # the entry does not match, and the open list keeps the question unknown; the sentence
    # did not mention BiPAP at all.
    patient = profile(procedures=[{"name": "BiPAP", "status": "current", "hours_per_day": 7}])
    result = outcome({"has": {"in": "procedures", "category": ["ventilation"],
                              "status": "current", "where": {"hours_per_day": {"above": 23}}}},
                     patient)
    assert result.truth is U
    assert result.explanation.endswith("(BiPAP (current, hours_per_day: 7) does not match)")


def test_item_5a_says_it_is_scored_without_gastrostomy_where_it_stands_for_no_gastrostomy():
    # Talampanel E2 passed on 'ALSFRS-R item 5a cutting food and handling utensils 3 points
    # ... is recorded': the reason (5a is scored only without a gastrostomy) went unsaid.
    scored_5a = {"date": D(2026, 10, 1), "items": ITEMS_3}
    result = outcome(GASTROSTOMY, profile(alsfrs_r=scored_5a))
    assert ("ALSFRS-R item 5a cutting food and handling utensils (no gastrostomy) 3 points on "
            "2026-10-01 is recorded") in result.explanation
