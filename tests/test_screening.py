"""Conditions and criteria -> outcomes: truths, statuses, sentences, missing facts, verdicts."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from conftest import (
    AS_OF,
    TRIAL_ID,
    alsfrs_r,
    condition,
    criterion_result,
    outcome,
    profile,
    screen_one,
    single_criterion_trial,
    texts,
    trial_from_yaml,
    trial_with,
)
from eligibility.kinds import Env, compile_condition
from eligibility.logic import Truth
from eligibility.observations import observations
from eligibility.results import Status, Verdict
from eligibility.vocabulary import DEFAULT

D = dt.date
F, U, T = Truth.FALSE, Truth.UNKNOWN, Truth.TRUE

FVC_AT_LEAST_80 = {"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80}}
FVC_RECENT = {"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
                        "measured_within_days": 90}}
AGE_18_TO_75 = {"check": {"fact": "age", "op": "between", "value": [18, 75]}}
IS_FEMALE = {"check": {"fact": "sex", "op": "equals", "value": "female"}}
PREGNANT = {"check": {"fact": "reproductive.pregnant", "op": "is_true"}}
POOR_CONDITION = {"judgment": "Is the patient's current medical condition poor?"}


MEASURED = D(2026, 10, 20)
ASSESSED = D(2026, 10, 30)


def fvc(percent: float, date: dt.date = MEASURED) -> dict:
    return {"percent_predicted": percent, "date": date}


def assessment(criterion: str, answer: bool, date: dt.date = ASSESSED, *,
               trial: str = TRIAL_ID, by: str = "Dr Rivera") -> dict:
    return {"trial": trial, "criterion": criterion, "answer": answer, "by": by, "date": date}


# Check: present, missing, stale, undated


def test_missing_fvc_is_unknown_not_fail():
    result = criterion_result(FVC_AT_LEAST_80, profile())
    assert result.status is Status.UNKNOWN
    assert result.outcome.explanation == "FVC is not recorded"
    assert texts(result.outcome.missing) == ("FVC (% predicted)",)
    (evidence,) = result.outcome.evidence
    assert (evidence.fact, evidence.state) == ("fvc.percent_predicted", "missing")


def test_fvc_below_threshold_fails_and_the_sentence_gives_value_date_and_threshold():
    result = criterion_result(FVC_AT_LEAST_80, profile(fvc=fvc(78, D(2026, 1, 10))))
    assert result.status is Status.FAIL
    assert result.outcome.explanation == "FVC 78 % predicted on 2026-01-10 is below 80 %"
    assert texts(result.outcome.missing) == ()


def test_fvc_exactly_at_threshold_passes():
    result = criterion_result(FVC_AT_LEAST_80, profile(fvc=fvc(80)))
    assert result.status is Status.PASS
    assert result.outcome.explanation == "FVC 80 % predicted on 2026-10-20 is at least 80 %"


def test_a_decimal_value_is_shown_as_written():
    assert outcome(FVC_AT_LEAST_80, profile(fvc=fvc(79.5))).explanation.startswith(
        "FVC 79.5 % predicted on 2026-10-20 is below 80 %")


def test_stale_measurement_is_unknown_and_the_sentence_says_older_than_the_days_allowed():
    result = criterion_result(FVC_RECENT, profile(fvc=fvc(84, D(2026, 1, 10))))
    assert result.status is Status.UNKNOWN
    assert "FVC 84 % predicted on 2026-01-10 is older than the 90 days allowed" in (
        result.outcome.explanation)
    assert "296 days before 2026-11-02" in result.outcome.explanation
    assert texts(result.outcome.missing) == ("FVC (% predicted), measured within 90 days",)
    (evidence,) = result.outcome.evidence
    assert (evidence.state, evidence.value, evidence.date) == ("stale", 84, D(2026, 1, 10))


def test_a_stale_failing_value_is_unknown_too_not_fail():
    # A low FVC from last year says nothing certain about today.
    assert criterion_result(FVC_RECENT, profile(fvc=fvc(60, D(2025, 1, 10)))).status is (
        Status.UNKNOWN)


@pytest.mark.parametrize(
    ("measured", "expected"),
    [(D(2026, 8, 4), T), (D(2026, 8, 3), U), (AS_OF, T)],
    ids=["exactly-90-days-old", "91-days-old", "measured-on-screening-day"],
)
def test_measured_within_days_includes_the_last_day(measured, expected):
    assert outcome(FVC_RECENT, profile(fvc=fvc(84, measured))).truth is expected


def test_undated_observation_is_unknown_when_the_rule_needs_a_recent_one():
    recent_pregnancy = {"check": {**PREGNANT["check"], "measured_within_days": 30}}
    result = outcome(recent_pregnancy, profile(reproductive={"pregnant": False}))
    assert result.truth is U
    assert result.explanation == (
        "Pregnant: no has no date; the rule needs one within 30 days of screening")
    assert texts(result.missing) == ("Pregnant, measured within 30 days",)
    assert result.evidence[0].state == "undated"


def test_undated_observation_is_decided_when_the_rule_needs_no_date():
    assert outcome(PREGNANT, profile(reproductive={"pregnant": False})).truth is F


def test_a_block_date_dates_each_fact_in_the_block():
    recent_pregnancy = {"check": {**PREGNANT["check"], "measured_within_days": 30}}
    patient = profile(reproductive={"pregnant": False, "date": D(2026, 10, 20)})
    result = outcome(recent_pregnancy, patient)
    assert result.truth is F
    assert result.explanation == "Pregnant: no on 2026-10-20"


@pytest.mark.parametrize(
    ("mapping", "fields", "sentence"),
    [
        ({"check": {"fact": "als.el_escorial", "op": "one_of", "value": ["definite",
                                                                          "probable"]}},
         {"als": {"el_escorial": "possible", "date": D(2026, 10, 1)}},
         "Revised El Escorial category possible on 2026-10-01 is not one of definite, "
         "probable"),
        ({"check": {"fact": "als.onset_date", "op": "within_years", "value": 2}},
         {"als": {"onset_date": D(2024, 11, 1)}},
         "ALS symptom onset 2024-11-01 is more than 2 years before the screening date "
         "(2026-11-02)"),
        ({"check": {"fact": "consent.signed_date", "op": "within_days", "value": 30}},
         {"consent": {"signed_date": D(2026, 10, 20)}},
         "Consent signed 2026-10-20 is within 30 days before the screening date (2026-11-02)"),
        ({"check": {"fact": "labs.hemoglobin", "op": "below_lower_limit"}},
         {"labs": {"hemoglobin": {"value": 11.2, "unit": "g/dL", "date": D(2026, 10, 20),
                                  "reference_range": {"low": 12.0, "high": 15.5}}}},
         "Hemoglobin 11.2 g/dL on 2026-10-20 is below the lab's lower limit (12 to 15.5 "
         "g/dL)"),
        (AGE_18_TO_75, {"birth_date": D(1950, 11, 2)},
         "Age 76 years on 2026-11-02 is outside 18 to 75 years"),
        ({"check": {"fact": "alsfrs_r.total", "op": "at_least", "value": 30}},
         {"alsfrs_r": alsfrs_r()},
         "ALSFRS-R total 36 points on 2026-10-20 is at least 30 points"),
    ],
    ids=["category-one-of", "onset-within-years", "consent-within-days", "lab-lower-limit",
         "age-between", "alsfrs-total"],
)
def test_check_sentence_gives_observed_value_its_date_and_the_threshold(mapping, fields,
                                                                         sentence):
    assert outcome(mapping, profile(**fields)).explanation == sentence


# Age


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        (D(1951, 11, 2), T),
        (D(1951, 11, 3), T),
        (D(1950, 11, 3), T),
        (D(1950, 11, 2), F),
        (D(2008, 11, 2), T),
        (D(2008, 11, 3), F),
    ],
    ids=["75th-birthday", "day-before-75th-birthday", "day-before-76th-birthday",
         "76th-birthday", "18th-birthday", "day-before-18th-birthday"],
)
def test_age_from_birth_date_between_18_and_75_counts_completed_years(birth_date, expected):
    assert outcome(AGE_18_TO_75, profile(birth_date=birth_date)).truth is expected


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [(D(2026, 2, 28), F), (D(2026, 3, 1), T)],
    ids=["28-feb-of-the-18th-year", "1-mar-of-the-18th-year"],
)
def test_someone_born_on_29_february_turns_18_on_1_march_of_a_common_year(as_of, expected):
    adult = {"check": {"fact": "age", "op": "at_least", "value": 18}}
    assert outcome(adult, profile(birth_date=D(2008, 2, 29)), as_of=as_of).truth is expected


def test_birth_date_wins_over_an_age_recorded_on_no_particular_date():
    patient = profile(birth_date=D(1950, 11, 2), age=70)
    assert outcome(AGE_18_TO_75, patient).truth is F


def test_an_age_that_contradicts_the_birth_date_is_refused():
    with pytest.raises(ValidationError, match="age 70 does not match birth_date 1950-11-02"):
        profile(birth_date=D(1950, 11, 2), age=70, screening_date=AS_OF)


@pytest.mark.parametrize(
    ("age", "recorded_on", "expected"),
    [
        (75, AS_OF, T),
        (76, AS_OF, F),
        (70, D(2026, 1, 5), T),
        (76, D(2026, 1, 5), F),
        (75, D(2026, 1, 5), U),
        (17, D(2025, 12, 1), U),
    ],
    ids=["75-recorded-on-screening-day", "76-recorded-on-screening-day",
         "70-then-70-or-71", "76-then-76-or-77", "75-then-75-or-76", "17-then-17-or-18"],
)
def test_age_recorded_without_birth_date_is_unknown_only_when_a_birthday_could_change_it(
        age, recorded_on, expected):
    patient = profile(age=age, screening_date=recorded_on)
    assert outcome(AGE_18_TO_75, patient).truth is expected


def test_an_uncertain_age_asks_for_the_birth_date_and_names_both_ages():
    result = outcome(AGE_18_TO_75, profile(age=75, screening_date=D(2026, 1, 5)))
    assert texts(result.missing) == ("Age: birth date",)
    assert "Age is 75 or 76 years on 2026-11-02" in result.explanation
    assert "75 recorded on 2026-01-05" in result.explanation


def test_age_recorded_a_year_earlier_has_two_possible_values_on_a_later_day():
    facts = observations(profile(age=70, screening_date=D(2025, 6, 1)), AS_OF)
    assert facts["age"].alternatives == (71, 72)


def test_age_recorded_on_the_screening_date_is_exact():
    facts = observations(profile(age=70, screening_date=AS_OF), AS_OF)
    assert (facts["age"].value, facts["age"].alternatives) == (70, ())


def test_age_recorded_exactly_a_year_before_is_exact_on_the_anniversary():
    # Between 2025-11-02 and 2026-11-02 every calendar day, so every birthday, comes once.
    patient = profile(age=74, screening_date=D(2025, 11, 2))
    assert observations(patient, AS_OF)["age"].alternatives in ((), (75,))
    assert outcome(AGE_18_TO_75, patient).truth is T


def test_an_uncertain_age_sentence_quotes_the_age_that_was_recorded():
    patient = profile(age=70, screening_date=D(2024, 6, 1))
    result = outcome({"check": {"fact": "age", "op": "between", "value": [18, 72]}}, patient)
    assert result.truth is U
    assert "70 recorded on 2024-06-01" in result.explanation


# Has: open lists

VIRAL_INFECTION = {"has": {"in": "conditions", "category": ["viral_infection"]}}


def has(collection: str, **query) -> dict:
    return {"has": {"in": collection, **query}}


def test_has_is_true_for_a_recorded_entry_named_as_asked_whatever_the_case():
    result = outcome(has("conditions", name=["syphilis"]),
                     profile(conditions=[{"name": "Syphilis", "date": D(2026, 3, 1)}]))
    assert result.truth is T
    assert result.explanation == (
        "Recorded current or past condition named syphilis: Syphilis (2026-03-01)")


def test_has_with_nothing_recorded_is_unknown_never_false():
    result = outcome(VIRAL_INFECTION, profile())
    assert result.truth is U
    assert texts(result.missing) == (
        "conditions: whether there is any current or past condition in category "
        "viral_infection",)


def test_has_ignores_entries_that_do_not_match():
    patient = profile(conditions=[{"name": "migraine", "status": "current"}])
    assert outcome(VIRAL_INFECTION, patient).truth is U


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (has("conditions", name=["hiv"]), F),
        (has("conditions", name=["HIV"]), F),
        (has("conditions", name=["hepatitis c"]), U),
        (has("conditions", name=["hiv", "hepatitis c"]), U),
        (VIRAL_INFECTION, U),
    ],
    ids=["same-name", "same-name-other-case", "other-name", "that-name-and-another",
         "its-category"],
)
def test_an_entry_recorded_absent_by_name_covers_only_that_name(query, expected):
    patient = profile(conditions=[{"name": "HIV", "status": "absent", "date": D(2026, 10, 1)}])
    assert outcome(query, patient).truth is expected


def test_a_named_absent_entry_with_a_category_still_covers_only_its_name():
    patient = profile(conditions=[{"name": "HIV", "category": "viral_infection",
                                   "status": "absent"}])
    assert outcome(VIRAL_INFECTION, patient).truth is U


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (VIRAL_INFECTION, F),
        (has("conditions", category=["viral_infection"], status="current"), F),
        (has("conditions", category=["infection"]), U),
        (has("conditions", category=["bacterial_infection"]), U),
        (has("conditions", name=["syphilis"], category=["viral_infection"]), U),
    ],
    ids=["the-category", "the-category-currently", "a-broader-category",
         "a-sibling-category", "the-category-and-a-name-outside-it"],
)
def test_a_category_recorded_absent_covers_that_category_only(query, expected):
    patient = profile(conditions=[{"category": "viral_infection", "status": "absent"}])
    result = outcome(query, patient)
    assert result.truth is expected
    if expected is F:
        assert "any viral_infection" in result.explanation


@pytest.mark.parametrize("name", ["hiv", "Hepatitis-C", "COVID-19"])
def test_a_category_recorded_absent_covers_the_names_known_to_fall_in_it(name):
    patient = profile(conditions=[{"category": "viral_infection", "status": "absent"}])
    assert outcome(has("conditions", name=[name]), patient).truth is F


def test_a_category_recorded_absent_covers_its_sub_categories():
    patient = profile(conditions=[{"category": "infection", "status": "absent"}])
    assert outcome(VIRAL_INFECTION, patient).truth is F


def test_a_broader_absent_category_and_a_named_query_settle_together():
    patient = profile(conditions=[{"category": "viral_infection", "status": "absent"},
                                  {"category": "bacterial_infection", "status": "absent"}])
    query = has("conditions", name=["syphilis"], category=["viral_infection"],
                status="current")
    assert outcome(query, patient).truth is F


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (has("medications", category=["anticoagulant"]), F),
        (has("medications", name=["warfarin"]), F),
        (has("medications", name=["riluzole"]), T),
        (has("medications", category=["als_therapy"], status="past"), F),
        (has("medications"), T),
    ],
    ids=["unlisted-category", "unlisted-name", "listed-name", "listed-but-not-past",
         "anything"],
)
def test_a_complete_list_closes_the_world(query, expected):
    patient = profile(medications={"complete": True, "reviewed": D(2026, 10, 20),
                                   "items": [{"name": "riluzole", "status": "current"}]})
    result = outcome(query, patient)
    assert result.truth is expected
    if expected is F:
        assert "the medications list is marked complete" in result.explanation


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"name": "migraine"}, U),
        ({"name": "migraine", "category": "other"}, F),
        ({"name": "migraine", "category": "neurological_disease"}, F),
        ({"name": "migraine", "status": "absent"}, F),
        ({"name": "melanoma", "category": "cancer"}, T),
    ],
    ids=["unclassified", "classified-other", "classified-elsewhere", "unclassified-absent",
         "classified-in-it"],
)
def test_a_complete_list_rules_out_a_category_only_if_every_entry_is_classified(entry,
                                                                                 expected):
    patient = profile(conditions={"complete": True, "items": [entry]})
    result = outcome(has("conditions", category=["cancer"]), patient)
    assert result.truth is expected
    if expected is U:
        assert "'migraine' has no category" in result.explanation


def test_an_unclassified_entry_does_not_block_a_question_by_name():
    patient = profile(conditions={"complete": True, "items": [{"name": "migraine"}]})
    assert outcome(has("conditions", name=["syphilis"]), patient).truth is F


def test_an_empty_complete_list_says_there_is_nothing():
    patient = profile(allergies={"complete": True, "items": []})
    assert outcome(has("allergies"), patient).truth is F


def test_an_empty_open_list_says_nothing():
    assert outcome(has("allergies"), profile(allergies=[])).truth is U


@pytest.mark.parametrize(
    ("status", "expected"),
    [("current", U), ("past", T), ("ever", T)],
)
def test_a_past_entry_answers_past_and_ever_but_leaves_current_open(status, expected):
    patient = profile(conditions=[{"name": "breast cancer", "category": "cancer",
                                   "status": "past"}])
    assert outcome(has("conditions", category=["cancer"], status=status), patient).truth is (
        expected)


@pytest.mark.parametrize(
    ("collection", "entry", "query"),
    [
        ("medications", {"name": "warfarin"}, {"category": ["anticoagulant"]}),
        ("medications", {"name": "Apixaban"}, {"category": ["anticoagulant"]}),
        ("medications", {"name": "aspirin"}, {"category": ["antiplatelet"]}),
        ("allergies", {"name": "amoxicillin"}, {"category": ["penicillin"]}),
        ("allergies", {"name": "amoxicillin"}, {"category": ["drug"]}),
        ("allergies", {"name": "Streptomycin"}, {"name": ["streptomycin"]}),
        ("conditions", {"name": "HIV"}, {"category": ["viral_infection"]}),
        ("conditions", {"name": "HTLV-1"}, {"category": ["infection"]}),
        ("conditions", {"name": "glioma", "category": "intracranial_lesion"},
         {"category": ["neurological_disease"]}),
        ("prior_therapies", {"name": "MSC infusion", "category": "stem_cell_transplant"},
         {"category": ["cell_therapy"]}),
    ],
    ids=["warfarin-anticoagulant", "apixaban-anticoagulant", "aspirin-antiplatelet",
         "amoxicillin-penicillin", "amoxicillin-drug", "streptomycin-by-name",
         "hiv-viral-infection", "htlv-1-infection", "stated-sub-category",
         "stem-cell-transplant-cell-therapy"],
)
def test_known_names_and_sub_categories_fall_in_the_broader_category(collection, entry, query):
    assert outcome(has(collection, **query), profile(**{collection: [entry]})).truth is T


def test_a_known_name_does_not_fall_in_an_unrelated_category():
    patient = profile(medications=[{"name": "warfarin"}])
    assert outcome(has("medications", category=["antiplatelet"]), patient).truth is U


SEVERE_ALLERGY = has("allergies", severity=["severe"])


@pytest.mark.parametrize(
    ("allergies", "expected"),
    [
        ([{"name": "penicillin"}], U),
        ({"complete": True, "items": [{"name": "penicillin"}]}, U),
        ({"complete": True, "items": [{"name": "penicillin", "severity": "moderate"}]}, F),
        ([{"name": "penicillin", "severity": "severe"}], T),
        ([{"name": "penicillin"}, {"name": "latex", "severity": "severe"}], T),
        ([{"name": "penicillin", "severity": "mild"}], U),
    ],
    ids=["severity-unrecorded", "severity-unrecorded-complete-list", "moderate-complete-list",
         "severe", "one-unrecorded-one-severe", "mild-open-list"],
)
def test_an_attribute_the_rule_asks_for_and_the_entry_lacks_is_unknown(allergies, expected):
    assert outcome(SEVERE_ALLERGY, profile(allergies=allergies)).truth is expected


def test_the_sentence_names_the_entry_and_the_attribute_it_lacks():
    result = outcome(SEVERE_ALLERGY, profile(allergies=[{"name": "penicillin"}]))
    assert result.explanation == ("Not recorded whether there is any current or past allergy "
                                  "of severity severe (penicillin lacks severity)")


UNCONTROLLED_HYPERTENSION = has("conditions", category=["hypertension"], status="current",
                                controlled=False)


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ([{"name": "hypertension", "status": "current", "controlled": True}], F),
        ([{"name": "Essential hypertension", "controlled": True}], F),
        ([{"category": "hypertension", "controlled": True}], F),
        ([{"name": "hypertension", "status": "current", "controlled": False}], T),
        ([{"name": "hypertension", "status": "current"}], U),
        ([], U),
        ([{"name": "migraine"}], U),
        ([{"name": "hypertension", "status": "absent"}], F),
        ([{"name": "Hypertension", "status": "absent"}], F),
        ([{"category": "hypertension", "status": "absent"}], F),
        ([{"name": "essential hypertension", "status": "absent"}], U),
    ],
    ids=["controlled", "controlled-by-known-name", "controlled-by-category", "uncontrolled",
         "control-unrecorded", "nothing-recorded", "something-else-recorded",
         "absent-by-the-category-name", "absent-by-the-category-name-capitalised",
         "absent-category", "one-kind-absent-leaves-others-open"],
)
def test_a_singular_category_is_settled_by_the_one_entry_recorded_in_it(conditions, expected):
    result = outcome(UNCONTROLLED_HYPERTENSION, profile(conditions=conditions))
    assert result.truth is expected


def test_an_unclassified_entry_does_not_reopen_a_singular_category_already_recorded():
    conditions = [{"name": "hypertension", "status": "current", "controlled": True},
                  {"name": "migraine", "status": "current"}]
    assert outcome(UNCONTROLLED_HYPERTENSION, profile(conditions=conditions)).truth is F


def test_hypertension_recorded_absent_is_the_reason_given():
    result = outcome(UNCONTROLLED_HYPERTENSION, profile(
        conditions=[{"name": "hypertension", "status": "absent", "date": "2026-10-01"}]))
    assert result.explanation.endswith(": recorded absent: hypertension (2026-10-01)")


@pytest.mark.parametrize("listed", [True, False], ids=["settles-the-category", "listed-only"])
def test_an_attribute_the_entry_description_shows_is_not_said_again(listed):
    # "recorded: hypertension (current, controlled: yes): controlled yes" said it twice.
    conditions = [{"name": "hypertension", "status": "current", "controlled": True}]
    rule = UNCONTROLLED_HYPERTENSION if listed else has(
        "conditions", name=["hypertension"], controlled=False)
    result = outcome(rule, profile(conditions=conditions))
    assert "hypertension (current, controlled: yes)" in result.explanation
    assert "controlled yes" not in result.explanation


def test_hypertension_without_control_status_says_what_it_lacks():
    result = outcome(UNCONTROLLED_HYPERTENSION,
                     profile(conditions=[{"name": "hypertension", "status": "current"}]))
    assert "hypertension (current) lacks controlled" in result.explanation


def test_a_category_that_is_not_singular_stays_open_after_one_entry():
    # A past cancer does not rule out another, current one that was not listed.
    patient = profile(conditions=[{"name": "melanoma", "category": "cancer", "status": "past"}])
    assert outcome(has("conditions", category=["cancer"], status="current"), patient).truth is U


# Every: groups of items

EVERY_ITEM_AT_LEAST_2 = {"every": {"in": "alsfrs_r.items", "op": "at_least", "value": 2}}
BREATHING_ITEMS_4 = {"every": {"in": "alsfrs_r.items",
                               "only": ["dyspnea", "orthopnea", "respiratory_insufficiency"],
                               "op": "equals", "value": 4}}


def test_every_item_at_least_2_is_true_when_all_twelve_are():
    result = outcome(EVERY_ITEM_AT_LEAST_2, profile(alsfrs_r=alsfrs_r()))
    assert result.truth is T
    assert result.explanation == "All 12 ALSFRS-R items on 2026-10-20 are at least 2 points"


def test_item_5b_fills_the_slot_of_item_5():
    scored = alsfrs_r(cutting_food_gastrostomy=2, without=("cutting_food",))
    assert outcome(EVERY_ITEM_AT_LEAST_2, profile(alsfrs_r=scored)).truth is T


def test_item_5b_below_the_threshold_fails_the_slot_of_item_5():
    scored = alsfrs_r(cutting_food_gastrostomy=1, without=("cutting_food",))
    result = outcome(EVERY_ITEM_AT_LEAST_2, profile(alsfrs_r=scored))
    assert result.truth is F
    assert "cutting_food_gastrostomy 1" in result.explanation


def test_a_missing_item_makes_every_unknown_and_is_what_to_collect():
    result = outcome(EVERY_ITEM_AT_LEAST_2, profile(alsfrs_r=alsfrs_r(without=("walking",))))
    assert result.truth is U
    assert texts(result.missing) == ("ALSFRS-R items walking",)
    assert result.explanation == "ALSFRS-R items not scored: walking"


def test_a_missing_item_5_asks_for_5a_or_5b():
    result = outcome(EVERY_ITEM_AT_LEAST_2,
                     profile(alsfrs_r=alsfrs_r(without=("cutting_food",))))
    assert result.truth is U
    assert result.explanation == (
        "ALSFRS-R items not scored: cutting_food or cutting_food_gastrostomy")


def test_one_item_below_makes_every_false_even_with_others_missing():
    scored = alsfrs_r(climbing_stairs=1, without=("walking", "speech"))
    result = outcome(EVERY_ITEM_AT_LEAST_2, profile(alsfrs_r=scored))
    assert result.truth is F
    assert texts(result.missing) == ()
    assert result.explanation == (
        "ALSFRS-R items below 2 points on 2026-10-20: climbing_stairs 1")


def test_every_with_only_looks_at_the_listed_items_alone():
    scored = alsfrs_r(dyspnea=4, orthopnea=4, respiratory_insufficiency=4, walking=0,
                      without=("speech",))
    assert outcome(BREATHING_ITEMS_4, profile(alsfrs_r=scored)).truth is T
    failing = alsfrs_r(dyspnea=4, orthopnea=3, respiratory_insufficiency=4)
    result = outcome(BREATHING_ITEMS_4, profile(alsfrs_r=failing))
    assert result.truth is F
    assert "orthopnea 3" in result.explanation


def test_every_without_an_alsfrs_r_is_unknown_and_names_each_item_once():
    result = outcome(BREATHING_ITEMS_4, profile())
    assert result.truth is U
    assert texts(result.missing) == (
        "ALSFRS-R items dyspnea, orthopnea, respiratory_insufficiency",)


def test_a_stale_alsfrs_r_makes_every_unknown():
    stale = {"every": {**EVERY_ITEM_AT_LEAST_2["every"], "measured_within_days": 90}}
    result = outcome(stale, profile(alsfrs_r=alsfrs_r(D(2026, 1, 20))))
    assert result.truth is U
    assert result.explanation == ("ALSFRS-R on 2026-01-20 is older than the 90 days "
                                  "allowed (286 days before 2026-11-02)")
    assert texts(result.missing) == ("ALSFRS-R (all items), measured within 90 days",)


def test_every_between_states_its_range_as_a_range():
    within = {"every": {"in": "alsfrs_r.items", "op": "between", "value": [2, 4]}}
    result = outcome(within, profile(alsfrs_r=alsfrs_r()))
    assert result.truth is T
    assert "2 to 4" in result.explanation


# Judgment


def test_a_judgment_is_unknown_until_a_clinician_answers():
    result = criterion_result(POOR_CONDITION, profile(), kind="exclusion", id="E5")
    assert result.status is Status.UNKNOWN
    assert result.outcome.explanation == (
        "Needs a clinician's judgment: Is the patient's current medical condition poor?")
    assert texts(result.outcome.missing) == (
        "clinician assessment of E5: Is the patient's current medical condition poor?",)


@pytest.mark.parametrize(
    ("answer", "status"), [(True, Status.FAIL), (False, Status.PASS)], ids=["yes", "no"])
def test_a_judgment_follows_the_clinicians_answer(answer, status):
    patient = profile(assessments=[assessment("E5", answer, D(2026, 10, 30))])
    result = criterion_result(POOR_CONDITION, patient, kind="exclusion", id="E5")
    assert result.status is status
    assert result.outcome.explanation == (
        f"Dr Rivera answered {'yes' if answer else 'no'} on 2026-10-30: Is the patient's "
        "current medical condition poor?")


@pytest.mark.parametrize(
    "other",
    [assessment("E5", True, trial="NCT09999999"), assessment("E4", True),
     assessment("E5.other", True)],
    ids=["another-trial", "another-criterion", "another-judgment-of-this-criterion"],
)
def test_an_answer_for_another_question_leaves_a_judgment_unknown(other):
    result = criterion_result(POOR_CONDITION, profile(assessments=[other]), kind="exclusion",
                              id="E5")
    assert result.status is Status.UNKNOWN


@pytest.mark.parametrize("reverse", [False, True], ids=["older-first", "newer-first"])
def test_the_latest_answer_wins_whatever_the_order_written(reverse):
    answers = [assessment("E5", True, D(2026, 9, 1)), assessment("E5", False, D(2026, 10, 1))]
    patient = profile(assessments=answers[::-1] if reverse else answers)
    assert criterion_result(POOR_CONDITION, patient, kind="exclusion", id="E5").status is (
        Status.PASS)


def test_a_judgment_with_an_id_is_answered_under_criterion_dot_id():
    question = {"judgment": {"question": "Stable on riluzole?", "id": "riluzole"}}
    unanswered = criterion_result(question, profile(assessments=[assessment("I9", True)]),
                                  id="I9")
    assert unanswered.status is Status.UNKNOWN
    assert texts(unanswered.outcome.missing) == ("clinician assessment of I9.riluzole: Stable on "
                                          "riluzole?",)
    answered = criterion_result(question, profile(assessments=[assessment("I9.riluzole",
                                                                          True)]), id="I9")
    assert answered.status is Status.PASS


# Criteria: status from kind, applies_to


@pytest.mark.parametrize(
    ("kind", "answer", "status"),
    [
        ("inclusion", True, Status.PASS),
        ("inclusion", False, Status.FAIL),
        ("inclusion", None, Status.UNKNOWN),
        ("exclusion", True, Status.FAIL),
        ("exclusion", False, Status.PASS),
        ("exclusion", None, Status.UNKNOWN),
    ],
    ids=["inclusion-true", "inclusion-false", "inclusion-unknown", "exclusion-true",
         "exclusion-false", "exclusion-unknown"],
)
def test_an_inclusion_passes_when_true_and_an_exclusion_fails_when_true(kind, answer, status):
    answers = [] if answer is None else [assessment("C1", answer)]
    result = criterion_result(POOR_CONDITION, profile(assessments=answers), kind=kind)
    assert result.status is status


WOMEN_WHO_ARE_PREGNANT = {"kind": "exclusion", "applies_to": IS_FEMALE}


def test_an_exclusion_for_women_does_not_apply_to_a_man():
    result = criterion_result(PREGNANT, profile(sex="male"), **WOMEN_WHO_ARE_PREGNANT)
    assert result.status is Status.PASS
    assert result.outcome.explanation.startswith("Does not apply: Sex male is not female")
    assert result.outcome.applies is False
    assert texts(result.outcome.missing) == ()


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"sex": "female", "reproductive": {"pregnant": True}}, Status.FAIL),
        ({"sex": "female", "reproductive": {"pregnant": False}}, Status.PASS),
        ({"sex": "female"}, Status.UNKNOWN),
        ({"reproductive": {"pregnant": False}}, Status.PASS),
        ({"reproductive": {"pregnant": True}}, Status.UNKNOWN),
        ({"sex": "male", "reproductive": {"pregnant": True}}, Status.PASS),
    ],
    ids=["woman-pregnant", "woman-not-pregnant", "woman-unknown", "sex-unknown-not-pregnant",
         "sex-unknown-pregnant", "man-whatever-recorded"],
)
def test_an_exclusion_with_applies_to_excludes_only_whom_it_is_about(fields, status):
    result = criterion_result(PREGNANT, profile(**fields), **WOMEN_WHO_ARE_PREGNANT)
    assert result.status is status


def test_an_unknown_guard_and_unknown_condition_ask_for_both():
    result = criterion_result(PREGNANT, profile(), **WOMEN_WHO_ARE_PREGNANT)
    assert result.status is Status.UNKNOWN
    assert texts(result.outcome.missing) == ("Sex", "Pregnant")


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"sex": "male"}, Status.PASS),
        ({"sex": "female", "reproductive": {"contraception": True}}, Status.PASS),
        ({"sex": "female", "reproductive": {"contraception": False}}, Status.FAIL),
        ({"sex": "female"}, Status.UNKNOWN),
        ({"reproductive": {"contraception": True}}, Status.PASS),
        ({"reproductive": {"contraception": False}}, Status.UNKNOWN),
    ],
    ids=["guard-false", "guard-true-condition-true", "guard-true-condition-false",
         "guard-true-condition-unknown", "guard-unknown-condition-true",
         "guard-unknown-condition-false"],
)
def test_an_inclusion_with_applies_to_is_required_only_of_whom_it_is_about(fields, status):
    contraception = {"check": {"fact": "reproductive.contraception", "op": "is_true"}}
    result = criterion_result(contraception, profile(**fields), kind="inclusion",
                              applies_to=IS_FEMALE)
    assert result.status is status
    if fields == {"sex": "male"}:
        assert "Does not apply" in result.outcome.explanation


# Combinations inside a criterion


def test_any_of_lab_checks_explains_with_the_part_that_decided_it():
    low_counts = {"any": [
        {"check": {"fact": "labs.hemoglobin", "op": "below_lower_limit"}},
        {"check": {"fact": "labs.platelets", "op": "below_lower_limit"}},
    ]}
    patient = profile(labs={"hemoglobin": {"value": 10.0, "unit": "g/dL", "date": AS_OF,
                                           "reference_range": {"low": 12.0, "high": 15.5}}})
    result = criterion_result(low_counts, patient, kind="exclusion")
    assert result.status is Status.FAIL
    assert result.outcome.explanation.startswith("Hemoglobin 10 g/dL on 2026-11-02 is below")
    assert "Platelets" not in result.outcome.explanation
    assert texts(result.outcome.missing) == ()


def test_all_of_with_an_unknown_part_asks_only_for_what_is_missing():
    both = {"all": [FVC_AT_LEAST_80, AGE_18_TO_75]}
    result = criterion_result(both, profile(fvc=fvc(90)))
    assert result.status is Status.UNKNOWN
    assert texts(result.outcome.missing) == ("Birth date (or age, with the screening date)",)
    assert result.outcome.explanation == "Age is not recorded"


def test_a_combination_keeps_every_part_outcome_and_all_evidence():
    both = {"all": [FVC_AT_LEAST_80, AGE_18_TO_75]}
    result = outcome(both, profile(fvc=fvc(70)))
    assert result.truth is F
    assert [part.truth for part in result.parts] == [F, U]
    assert [evidence.fact for evidence in result.evidence] == ["fvc.percent_predicted", "age"]


def test_not_swaps_true_and_false_and_keeps_the_sentence():
    negated = {"not": FVC_AT_LEAST_80}
    result = outcome(negated, profile(fvc=fvc(78, D(2026, 1, 10))))
    assert result.truth is T
    assert result.explanation == "FVC 78 % predicted on 2026-01-10 is below 80 %"
    assert outcome(negated, profile()).truth is U


# Screening: order, verdict, what to collect next

JUDGED = ("C1", "C2", "C3")


def judged_trial(kinds: tuple[str, ...] = ("inclusion",) * 3):
    return trial_with(*({"id": ident, "kind": kind, "text": f"Criterion {ident}.",
                         "judgment": f"Question {ident}?"} for ident, kind in zip(JUDGED, kinds,
                                                                                 strict=True)))


@pytest.mark.parametrize(
    ("answers", "verdict"),
    [
        ((True, True, True), Verdict.ELIGIBLE),
        ((True, None, True), Verdict.NEEDS_REVIEW),
        ((None, None, None), Verdict.NEEDS_REVIEW),
        ((True, False, True), Verdict.INELIGIBLE),
        ((None, False, None), Verdict.INELIGIBLE),
    ],
    ids=["all-pass", "one-unknown", "all-unknown", "one-fail", "fail-among-unknowns"],
)
def test_verdict_is_ineligible_on_any_fail_else_needs_review_on_any_unknown(answers, verdict):
    patient = profile(assessments=[assessment(ident, answer)
                                   for ident, answer in zip(JUDGED, answers, strict=True)
                                   if answer is not None])
    assert screen_one(patient, judged_trial()).verdict is verdict


def test_screening_keeps_criteria_in_protocol_order_and_screens_each_once():
    trial = trial_with(*({"id": ident, "kind": "inclusion", "text": "x", "check": IS_FEMALE[
        "check"]} for ident in ("I3", "I1", "E2", "I2")))
    screening = screen_one(profile(sex="female"), trial)
    assert [result.criterion.id for result in screening.results] == ["I3", "I1", "E2", "I2"]
    assert (screening.patient_id, screening.as_of, screening.trial) == ("P-test", AS_OF, trial)


def test_collect_next_lists_missing_facts_of_unknown_criteria_in_order_without_repeats():
    trial = trial_with(
        {"id": "I1", "kind": "inclusion", "text": "FVC", **FVC_AT_LEAST_80},
        {"id": "I2", "kind": "inclusion", "text": "Age", **AGE_18_TO_75},
        {"id": "I3", "kind": "inclusion", "text": "FVC and sex",
         "all": [FVC_AT_LEAST_80, IS_FEMALE]},
        {"id": "E1", "kind": "exclusion", "text": "Pregnant", **PREGNANT},
        {"id": "E2", "kind": "exclusion", "text": "Judged", **POOR_CONDITION},
    )
    screening = screen_one(profile(reproductive={"pregnant": True}), trial)
    assert [result.status for result in screening.results] == [
        Status.UNKNOWN, Status.UNKNOWN, Status.UNKNOWN, Status.FAIL, Status.UNKNOWN]
    assert texts(screening.collect_next) == (
        "FVC (% predicted)", "Birth date (or age, with the screening date)", "Sex",
        "clinician assessment of E2: Is the patient's current medical condition poor?")


def test_collect_next_leaves_out_facts_of_decided_criteria():
    either = {"any": [FVC_AT_LEAST_80, IS_FEMALE]}
    screening = screen_one(profile(sex="female"), single_criterion_trial(either))
    assert screening.results[0].status is Status.PASS
    assert texts(screening.collect_next) == ()
    assert screening.verdict is Verdict.ELIGIBLE


def test_a_rule_file_in_yaml_screens_like_the_same_rule_built_in_python():
    trial = trial_from_yaml(f"""
        trial:
          id: {TRIAL_ID}
          title: YAML test
          overall_status: RECRUITING
        criteria:
          - id: I5
            kind: inclusion
            text: "%FVC of 80% or more."
            check: {{fact: fvc.percent_predicted, op: at_least, value: 80}}
          - id: E10
            kind: exclusion
            text: Women who are pregnant
            applies_to:
              check: {{fact: sex, op: equals, value: female}}
            check: {{fact: reproductive.pregnant, op: is_true}}
        """)
    screening = screen_one(profile(sex="male", fvc=fvc(78, D(2026, 1, 10))), trial)
    assert [(result.criterion.id, result.status) for result in screening.results] == [
        ("I5", Status.FAIL), ("E10", Status.PASS)]
    assert screening.results[0].outcome.explanation == (
        "FVC 78 % predicted on 2026-01-10 is below 80 %")
    assert "Does not apply" in screening.results[1].outcome.explanation
    assert screening.verdict is Verdict.INELIGIBLE


# Entries filed too broadly, and questions asked too early


def test_an_entry_filed_only_as_an_infection_may_be_the_viral_infection_asked_about():
    patient = profile(conditions={"complete": True, "items": [
        {"name": "pneumonia", "category": "infection", "status": "current"}]})
    result = outcome(VIRAL_INFECTION, patient)
    assert result.truth is U
    assert "'pneumonia' is not classified finely enough to tell" in result.explanation


def test_a_bacterial_infection_in_a_complete_list_rules_out_a_viral_one():
    patient = profile(conditions={"complete": True, "items": [
        {"name": "syphilis", "status": "current"}]})
    assert outcome(VIRAL_INFECTION, patient).truth is F


def test_an_organ_system_category_is_not_read_as_a_possible_sub_category():
    patient = profile(conditions={"complete": True, "items": [
        {"name": "depression", "category": "psychiatric_disorder", "status": "current"}]})
    asked = {"has": {"in": "conditions", "category": ["substance_use_disorder"]}}
    assert outcome(asked, patient).truth is F


def test_a_clinician_is_not_asked_while_the_data_the_question_depends_on_is_missing():
    guarded = {"all": [{"check": {"fact": "als.el_escorial", "op": "equals",
                                  "value": "probable_laboratory_supported"}},
                       {"judgment": "Does it count as probable?"}]}
    result = outcome(guarded, profile())
    assert result.truth is U
    assert texts(result.missing) == ("Revised El Escorial category",)


def test_a_clinician_is_asked_once_the_data_is_in():
    guarded = {"all": [{"check": {"fact": "als.el_escorial", "op": "equals",
                                  "value": "probable_laboratory_supported"}},
                       {"judgment": "Does it count as probable?"}]}
    patient = profile(als={"el_escorial": "probable_laboratory_supported"})
    result = outcome(guarded, patient)
    # evaluated outside any criterion, so the key has no criterion id
    assert texts(result.missing) == ("clinician assessment of : Does it count as probable?",)


def test_a_condition_is_compiled_once_and_keeps_nothing_of_the_patients_it_read():
    model = condition(FVC_RECENT)
    low = profile(fvc={"percent_predicted": 70, "date": D(2026, 10, 1)})
    high = profile(fvc={"percent_predicted": 90, "date": D(2026, 10, 1)})
    assert compile_condition(model, Env(DEFAULT)) is compile_condition(model, Env(DEFAULT))
    assert outcome(model, low).truth is F
    assert outcome(model, high).truth is T
    assert outcome(model, low) == outcome(model, low)


def test_a_copy_with_other_criteria_is_screened_by_its_own_criteria_not_the_originals_plan():
    trial = trial_with({"id": "I1", "kind": "inclusion", "text": "FVC.", **FVC_AT_LEAST_80},
                       {"id": "I2", "kind": "inclusion", "text": "Female.", **IS_FEMALE})
    patient = profile(fvc=fvc(90))
    assert [r.criterion.id for r in screen_one(patient, trial).results] == ["I1", "I2"]
    copy = trial.model_copy(update={"criteria": trial.criteria[1:]})
    assert [r.criterion.id for r in screen_one(patient, copy).results] == ["I2"]
    assert [r.criterion.id for r in screen_one(patient, trial).results] == ["I1", "I2"]


def test_a_derived_fact_that_cannot_be_worked_out_asks_for_what_it_is_worked_out_from():
    # "Collect next" asked for ΔFS itself, which nobody measures: the onset date is missing.
    condition_ = {"check": {"fact": "als.delta_fs", "op": "at_most", "value": 1.0}}
    result = criterion_result(condition_, profile(
        alsfrs_r=alsfrs_r(MEASURED), als={"diagnosed": True, "date": MEASURED}))
    assert result.status is Status.UNKNOWN
    assert result.outcome.explanation == (
        "ΔFS cannot be worked out: ALS symptom onset is not recorded")
    assert [(need.fact, need.text) for need in result.outcome.missing] == [
        ("als.onset_date", "ALS symptom onset")]


def test_items_to_score_for_two_rules_over_one_group_are_asked_for_once():
    # STR04 I3: every item at least 2, and the breathing items 4: with nothing scored the
    # breathing items were asked for twice, once among all twelve and once alone.
    recent = 90
    every_item = {"every": {"in": "alsfrs_r.items", "op": "at_least", "value": 2,
                            "measured_within_days": recent}}
    breathing = {"every": {"in": "alsfrs_r.items", "only": ["dyspnea", "orthopnea"],
                           "op": "equals", "value": 4, "measured_within_days": recent}}
    trial = trial_with({"id": "I1", "kind": "inclusion", "text": "Items.", **every_item},
                       {"id": "I2", "kind": "inclusion", "text": "Breathing.", **breathing})
    needs = screen_one(profile(), trial).collect_next
    assert len(needs) == 1
    assert needs[0].text.startswith("ALSFRS-R items speech, salivation")
    assert {"dyspnea", "orthopnea"} <= set(needs[0].items)
    # Alone, the breathing rule still asks for its own items.
    alone = screen_one(profile(), trial_with(
        {"id": "I2", "kind": "inclusion", "text": "Breathing.", **breathing})).collect_next
    assert [need.text for need in alone] == [
        "ALSFRS-R items dyspnea, orthopnea, measured within 90 days"]
