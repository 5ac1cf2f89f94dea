"""ClinicalTrials.gov records -> studies, bullets and rule-file skeletons that load."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from eligibility.ctgov import Bullet, Study, parse_criteria, read_studies, rule_file_text
from eligibility.loading import InputError, load_trial
from eligibility.rules import Check, Judgment, Trial

SHARED = Path("/work/shared/ctgov")
DATA = Path(__file__).parent / "data" / "ctgov"
GUIDANCE = "Imported from ClinicalTrials.gov; replace with a computable rule where one exists."

REAL = [SHARED / "NCT04207047.json", SHARED / "NCT00973089.json"]
HANDMADE = sorted(DATA.glob("*.json"))


def studies_in(path: Path) -> tuple[Study, ...]:
    return read_studies(path.read_text(encoding="utf-8"), str(path))


def only_study(path: Path) -> Study:
    (study,) = studies_in(path)
    return study


def loaded(study: Study, folder: Path) -> Trial:
    path = folder / f"{study.nct_id}.yaml"
    path.write_text(rule_file_text(study), encoding="utf-8")
    return load_trial(path)


def texts(bullets: list[Bullet] | tuple[Bullet, ...]) -> list[str]:
    return [bullet.text for bullet in bullets]


def criterion(trial: Trial, ident: str) -> Any:
    return next(item for item in trial.criteria if item.id == ident)


def problem_lines(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


# The real records, counted by reading them

CARIES_INCLUSION = [
    "Healthy children",
    "Patient's age is 5-8 years old at the time of the treatment",
    "Primary molars presenting with deep carious lesions",
    "Carious lesion reaching the inner half of the dentin,with absence of periapical or "
    "interradicular alterations as detected by radiographic examination.",
    "Absence of spontaneous pain",
]
CARIES_EXCLUSION = [
    "Subjects that are not ASA I",
    "Lack of cooperation",
    "Clinical or radiographic signs of pathology",
]
LUTRONIC_I7 = (
    "Subjects of childbearing potential must have a negative urine pregnancy test result and "
    "must not be lactating at the Screening Visit and be willing and able to use an acceptable "
    "method of birth control (e.g. barrier methods used with a spermicidal agent, hormonal "
    "methods, IUD, surgical sterilization, abstinence) during the study. Women will not be "
    "considered of childbearing potential if one of the following conditions is documented on "
    "the medical history:\n"
    "  1. Postmenopausal for at least 12 months prior to study;\n"
    "  2. Without a uterus and/or both ovaries; or\n"
    "  3. Bilateral tubal ligation at least six months prior to study enrollment."
)
LUTRONIC_E19 = (
    "History or current use of the following medications:\n"
    "  1. Daily anticoagulants, aspirin, iron supplements, herbal supplements or ointments such "
    "as ginkgo, ginseng or garlic;\n"
    "  2. Topical retinoid in the exposure area within the past one week; and Protocol Number: "
    "L18006 v5.0 11192018 Page 9 of 52\n"
    "  3. Psychiatric drugs that in the investigators opinion would impair the subject from "
    "understanding the protocol requirements or understanding and signing the informed consent."
)


def test_withdrawn_childrens_trial_arrives_bullet_for_bullet():
    study = only_study(SHARED / "NCT00973089.json")
    assert texts(study.inclusion) == CARIES_INCLUSION
    assert texts(study.exclusion) == CARIES_EXCLUSION
    assert (study.nct_id, study.status, study.minimum_age, study.maximum_age) == (
        "NCT00973089", "WITHDRAWN", "5 Years", "8 Years")
    assert study.healthy_volunteers is True
    assert study.conditions == ("Caries, Dental",)
    assert study.version == "2024-01-22"
    assert str(study.last_update) == "2015-08-19"


def test_numbered_record_has_one_criterion_per_top_level_number():
    study = only_study(SHARED / "NCT04207047.json")
    assert len(study.inclusion) == 9
    assert len(study.exclusion) == 19
    assert study.inclusion[0].text == "Male or female, age 18 years and older."
    assert study.inclusion[2].text == (
        "Fitzpatrick Skin Type I to VI. Protocol Number: L18006 v5.0 11192018 Page 8 of 52")
    assert study.exclusion[9].text.startswith("Subjects with implanted medical devices: ")


def test_nested_numbered_items_stay_with_their_parent():
    study = only_study(SHARED / "NCT04207047.json")
    assert study.inclusion[6].text == LUTRONIC_I7
    assert study.inclusion[7].text == (
        "Absence of physical or psychological conditions unacceptable to the investigator.")
    assert study.exclusion[18].text == LUTRONIC_E19


def test_stray_trailing_dash_is_dropped():
    study = only_study(SHARED / "NCT04207047.json")
    assert not any(line.strip() in ("-", "") for bullet in (*study.inclusion, *study.exclusion)
                   for line in bullet.text.split("\n"))


@pytest.mark.parametrize("path", REAL, ids=lambda path: path.stem)
def test_every_line_of_a_real_record_lands_in_exactly_one_bullet(path):
    study = only_study(path)
    record = json.loads(path.read_text(encoding="utf-8"))
    raw = record["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    lines = [line.strip() for line in raw.split("\n")]
    content = [line.split(" ", 1)[1] for line in lines if line and " " in line
               and not line.endswith("Criteria:")]
    every = [*study.inclusion, *study.exclusion]
    for words in content:
        assert sum(words in bullet.text for bullet in every) == 1, words


@pytest.mark.parametrize("path", REAL, ids=lambda path: path.stem)
def test_bullets_record_the_line_and_header_they_stand_under(path):
    study = only_study(path)
    assert study.inclusion[0].line == 3
    assert {bullet.section for bullet in study.inclusion} == {"Inclusion Criteria:"}
    assert {bullet.section for bullet in study.exclusion} == {"Exclusion Criteria:"}
    assert study.headers == ("Inclusion Criteria:", "Exclusion Criteria:")


# Rule files load, with the verbatim text intact


@pytest.mark.parametrize("path", [*REAL, *HANDMADE], ids=lambda path: path.stem)
def test_rule_file_loads_and_keeps_every_verbatim_text(path, tmp_path):
    for study in studies_in(path):
        trial = loaded(study, tmp_path)
        assert trial.id == study.nct_id
        imported = [item for item in trial.criteria if item.id[0] in "IE"]
        assert [item.text for item in imported] == texts(study.inclusion) + texts(
            study.exclusion)
        assert [item.kind for item in imported] == (
            ["inclusion"] * len(study.inclusion) + ["exclusion"] * len(study.exclusion))
        assert all(item.needs_curation for item in imported)


@pytest.mark.parametrize("path", [*REAL, *HANDMADE], ids=lambda path: path.stem)
def test_imported_criteria_ids_count_up_in_protocol_order(path, tmp_path):
    for study in studies_in(path):
        ids = [item.id for item in loaded(study, tmp_path).criteria]
        expected = ([f"I{n}" for n in range(1, len(study.inclusion) + 1)]
                    + [f"E{n}" for n in range(1, len(study.exclusion) + 1)])
        assert ids[: len(expected)] == expected
        assert all(ident.startswith("S") for ident in ids[len(expected):])


def test_imported_bullet_becomes_a_placeholder_judgment(tmp_path):
    trial = loaded(only_study(SHARED / "NCT00973089.json"), tmp_path)
    first, last = criterion(trial, "I1"), criterion(trial, "E3")
    assert first.condition == Judgment(
        question="Does the patient meet this criterion: Healthy children?", guidance=GUIDANCE)
    assert last.condition.question == (
        "Does this apply to the patient: Clinical or radiographic signs of pathology?")
    assert first.needs_curation is True


def test_rule_file_opens_with_schema_and_generation_comment():
    text = rule_file_text(only_study(SHARED / "NCT04207047.json"))
    lines = text.split("\n")
    assert lines[0] == "# yaml-language-server: $schema=../docs/schema/rules.schema.json"
    header = " ".join(line[2:] for line in lines[1:6])
    assert "Generated from the ClinicalTrials.gov record NCT04207047" in header
    assert "last updated on 2019-12-20" in header
    assert "must be curated" in header


def test_trial_metadata_comes_from_the_registry(tmp_path):
    info = loaded(only_study(SHARED / "NCT04207047.json"), tmp_path).trial
    written = info.model_dump(exclude_unset=True)
    assert written == {
        "id": "NCT04207047",
        "title": "Histologic Evaluation of Tissue Following Lutronic System Exposure",
        "short_name": None,
        "phase": None,
        "overall_status": "UNKNOWN",
        "sponsor": "LUTRONIC Corporation",
        "last_update": only_study(SHARED / "NCT04207047.json").last_update,
        "source": "https://clinicaltrials.gov/study/NCT04207047",
        "minimum_age": "18 Years",
        "maximum_age": None,
        "sex": "ALL",
        "healthy_volunteers": True,
    }


def test_phases_are_joined_and_acronym_is_the_short_name(tmp_path):
    info = loaded(only_study(DATA / "key_criteria.json"), tmp_path).trial
    assert (info.phase, info.short_name, info.title) == (
        "PHASE1, PHASE2", "KEYEX", "A Study of Key Criteria Example")


# Structured registry fields become computable criteria


def registry_criteria(path: Path, folder: Path, index: int = 0) -> list[Any]:
    trial = loaded(studies_in(path)[index], folder)
    return [item for item in trial.criteria if item.id.startswith("S")]


def test_age_in_years_becomes_age_checks_and_the_maximum_reading_names_the_next_birthday(
        tmp_path):
    minimum, maximum = registry_criteria(SHARED / "NCT00973089.json", tmp_path)
    assert (minimum.id, maximum.id) == ("S1", "S2")
    assert minimum.condition == Check(fact="age", op="at_least", value=5)
    assert maximum.condition == Check(fact="age", op="at_most", value=8)
    assert "until the 9th birthday" in maximum.reading
    assert not minimum.needs_curation and not maximum.needs_curation


def test_maximum_of_75_years_admits_through_age_75(tmp_path):
    maximum = criterion(loaded(only_study(DATA / "key_criteria.json"), tmp_path), "S2")
    assert maximum.condition == Check(fact="age", op="at_most", value=75)
    assert "through age 75, i.e. until the 76th birthday" in maximum.reading


def test_ages_in_months_use_age_months(tmp_path):
    minimum, maximum, _ = registry_criteria(DATA / "months.json", tmp_path)
    assert minimum.condition == Check(fact="age_months", op="at_least", value=6)
    assert maximum.condition == Check(fact="age_months", op="at_most", value=36)


def test_ages_in_days_and_weeks_use_age_days(tmp_path):
    minimum, maximum, sex = registry_criteria(DATA / "search_two_studies.json", tmp_path, 1)
    assert minimum.condition == Check(fact="age_days", op="at_least", value=10)
    assert maximum.condition == Check(fact="age_days", op="at_most", value=14)
    assert "2 Weeks read as 14 days" in maximum.reading
    assert sex.condition == Check(fact="sex", op="equals", value="male")


def test_female_only_becomes_a_sex_check_and_na_age_no_criterion(tmp_path):
    sex, volunteers = registry_criteria(DATA / "one_section.json", tmp_path)
    assert sex.condition == Check(fact="sex", op="equals", value="female")
    assert sex.text == "Registry eligibility: sex: FEMALE."
    assert volunteers.text == "Registry eligibility: accepts healthy volunteers: No."


def test_no_healthy_volunteers_asks_about_the_condition_under_study(tmp_path):
    volunteers = registry_criteria(DATA / "months.json", tmp_path)[-1]
    assert volunteers.needs_curation is True
    assert volunteers.condition.question == (
        "Does the patient have the condition under study (Spinal Muscular Atrophy)?")


def test_healthy_volunteers_and_all_sexes_add_no_criterion(tmp_path):
    (minimum,) = registry_criteria(SHARED / "NCT04207047.json", tmp_path)
    assert minimum.condition == Check(fact="age", op="at_least", value=18)


@pytest.mark.parametrize(
    ("minimum", "maximum", "expected"),
    [
        ("N/A", "N/A", []),
        (None, None, []),
        ("0 Years", "200 Years", []),
        ("1 Year", "1 Month", [("age", "at_least", 1), ("age_months", "at_most", 1)]),
        ("3 Weeks", "30 Days", [("age_days", "at_least", 21), ("age_days", "at_most", 30)]),
    ],
    ids=["not-applicable", "missing", "limits-nobody", "singular-units", "weeks-and-days"],
)
def test_registry_age_limits(minimum, maximum, expected, tmp_path):
    study = Study("NCT09900010", brief_title="Ages", status="RECRUITING", minimum_age=minimum,
                  maximum_age=maximum, healthy_volunteers=True,
                  inclusion=(Bullet("Adults", 1, None),))
    checks = [item.condition for item in loaded(study, tmp_path).criteria
              if item.id.startswith("S")]
    assert [(check.fact, check.op, check.value) for check in checks] == expected


def test_age_in_hours_is_left_to_curate(tmp_path):
    study = Study("NCT09900011", brief_title="Newborns", minimum_age="24 Hours",
                  healthy_volunteers=True)
    (item,) = loaded(study, tmp_path).criteria
    assert (item.id, item.needs_curation) == ("S1", True)
    assert "24 Hours" in item.condition.question


# Headers, bullets and escapes


@pytest.mark.parametrize(
    ("inclusion", "exclusion"),
    [
        ("Inclusion Criteria:", "Exclusion Criteria:"),
        ("Key Inclusion Criteria:", "Key Exclusion Criteria:"),
        ("INCLUSION CRITERIA", "EXCLUSION CRITERIA"),
        ("inclusion criteria:", "exclusion criteria:"),
        ("Inclusion:", "Exclusion:"),
        ("**Inclusion Criteria:**", "**Exclusion Criteria:**"),
        ("## Inclusion Criteria", "## Exclusion Criteria"),
        ("Inclusion Criteria for Part A:", "Exclusion criteria (all cohorts):"),
        ("Criteria for inclusion:", "Criteria for exclusion:"),
    ],
    ids=["plain", "key", "upper-no-colon", "lower", "short", "bold", "heading", "qualified",
         "criteria-for"],
)
def test_section_header_variants(inclusion, exclusion):
    text = f"{inclusion}\n\n* Adults\n* Consent\n\n{exclusion}\n\n* Pregnancy\n"
    included, excluded = parse_criteria(text)
    assert texts(included) == ["Adults", "Consent"]
    assert texts(excluded) == ["Pregnancy"]
    assert included[0].section is not None and "nclusion" in included[0].section.lower()


def test_headers_without_blank_lines_around_them():
    included, excluded = parse_criteria(
        "Inclusion Criteria:\n- a adult\n- b consent\nExclusion Criteria:\n- c pregnancy")
    assert (texts(included), texts(excluded)) == (["a adult", "b consent"], ["c pregnancy"])


def test_header_with_text_after_its_colon_starts_a_section_with_that_text():
    included, excluded = parse_criteria(
        "Inclusion Criteria: Adults over 18\nExclusion Criteria: Pregnancy")
    assert (texts(included), texts(excluded)) == (["Adults over 18"], ["Pregnancy"])


def test_wrapped_words_that_look_like_a_header_stay_in_their_bullet():
    included, excluded = parse_criteria(
        "Inclusion Criteria:\n* Meets none of the\nexclusion criteria\n* Adult")
    assert texts(included) == ["Meets none of the exclusion criteria", "Adult"]
    assert excluded == []


def test_prose_starting_with_a_section_word_is_not_a_header():
    included, _ = parse_criteria("Inclusion Criteria:\n\nInclusion in another trial is "
                                 "allowed\n\n* Adult")
    assert texts(included) == ["Inclusion in another trial is allowed", "Adult"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("* one\n* two", ["one", "two"]),
        ("- one\n- two", ["one", "two"]),
        ("+ one\n+ two", ["one", "two"]),
        ("1. one\n2. two", ["one", "two"]),
        ("1) one\n2) two", ["one", "two"]),
        ("• one\n• two", ["one", "two"]),
    ],
    ids=["star", "dash", "plus", "dot-number", "paren-number", "bullet-char"],
)
def test_bullet_markers(text, expected):
    included, _ = parse_criteria(f"Inclusion Criteria:\n\n{text}")
    assert texts(included) == expected


def test_continuation_lines_join_their_bullet_with_one_space():
    included, _ = parse_criteria(
        "Inclusion Criteria:\n\n* ALSFRS-R of 30\n  or more at\nscreening\n* Adult")
    assert texts(included) == ["ALSFRS-R of 30 or more at screening", "Adult"]


def test_indented_paragraph_after_a_blank_line_belongs_to_its_item():
    included, _ = parse_criteria("Inclusion Criteria:\n\n1. Adult\n\n   aged 18 or more\n"
                                 "2. Consent")
    assert texts(included) == ["Adult aged 18 or more", "Consent"]


def test_nesting_two_spaces_per_level_keeps_markers_and_depth():
    included, _ = parse_criteria(
        "Inclusion Criteria:\n\n* One of:\n  - FVC 60%\n    1) within 30 days\n  - SVC 60%\n"
        "* Adult")
    assert texts(included) == [
        "One of:\n  - FVC 60%\n    1) within 30 days\n  - SVC 60%",
        "Adult",
    ]


def test_key_criteria_record_keeps_nested_alternatives_with_their_lead_in():
    study = only_study(DATA / "key_criteria.json")
    assert texts(study.inclusion) == [
        "Diagnosis of ALS according to the revised El Escorial criteria",
        "Able to give informed consent",
        "One of the following:\n  * FVC of 60% or more\n  * SVC of 60% or more\n"
        "    * measured within 30 days",
    ]
    assert texts(study.exclusion) == ["Tracheostomy", "Other neurological disease"]
    assert study.notes == (
        "This study enrolls adults with ALS. Only the key criteria are listed here.",)


def test_numbers_that_wrap_a_sentence_do_not_start_a_list():
    included, _ = parse_criteria("Inclusion Criteria:\n\n* Approved in\n2019. Still valid\n"
                                 "* Adult")
    assert texts(included) == ["Approved in 2019. Still valid", "Adult"]


def test_backslash_escapes_are_undone():
    study = only_study(DATA / "escapes.json")
    assert texts(study.inclusion) == [
        "ALSFRS-R total >= 30", "Age < 80 years", "Taking riluzole *or* edaravone"]
    assert texts(study.exclusion) == ["Creatinine > 1.5 x ULN", "[any] prior gene therapy"]


def test_a_backslash_before_a_letter_is_kept():
    included, _ = parse_criteria("Inclusion Criteria:\n\n* C:\\temp \\d \\\\ done")
    assert texts(included) == ["C:\\temp \\d \\ done"]


@pytest.mark.parametrize("empty", ["-", "*", "1.", "- .", "* ---", "1) ;"])
def test_empty_or_punctuation_only_bullets_are_dropped(empty):
    included, _ = parse_criteria(f"Inclusion Criteria:\n\n* Adult\n{empty}\n\n  {empty}\n")
    assert texts(included) == ["Adult"]


def test_no_header_at_all_reads_everything_as_inclusion_and_says_so(tmp_path):
    study = only_study(DATA / "one_section.json")
    assert texts(study.inclusion) == [
        "Women with ALS", "Not pregnant or breastfeeding", "Onset of weakness within 24 months"]
    assert study.exclusion == ()
    assert {bullet.section for bullet in study.inclusion} == {None}
    comments = " ".join(line[2:] for line in rule_file_text(study).split("\n")
                        if line.startswith("# "))
    assert "no Inclusion or Exclusion header" in comments
    assert "read as an inclusion criterion" in comments


def test_paragraphs_without_headers_are_criteria_too():
    included, excluded = parse_criteria("Adults with ALS.\n\nAble to walk\nunaided.")
    assert texts(included) == ["Adults with ALS.", "Able to walk unaided."]
    assert excluded == []


def test_record_with_only_an_inclusion_section_says_exclusions_are_missing():
    study = Study("NCT09900012", brief_title="Half", inclusion=parse_criteria(
        "Inclusion Criteria:\n\n* Adult")[0], headers=("Inclusion Criteria:",),
        criteria_text="Inclusion Criteria:\n\n* Adult")
    assert "# The record lists no exclusion criteria." in rule_file_text(study)


def test_bullets_before_the_first_header_are_inclusion_and_prose_is_a_note():
    included, excluded = parse_criteria(
        "Participants must be:\n\n* Adults\n\nExclusion Criteria:\n\n* Pregnancy")
    assert [(bullet.text, bullet.section) for bullet in included] == [("Adults", None)]
    assert texts(excluded) == ["Pregnancy"]


def test_key_header_and_note_become_comments():
    text = rule_file_text(only_study(DATA / "key_criteria.json"))
    comment = " ".join(line[2:] for line in text.split("\n") if line.startswith("# "))
    assert "'Key Inclusion Criteria:', 'Key Exclusion Criteria:'" in comment
    assert "This study enrolls adults with ALS." in comment
    assert "  # Key Inclusion Criteria:\n  - id: I1\n" in text
    assert "  # Key Exclusion Criteria:\n  - id: E1\n" in text


def test_carriage_returns_and_tabs_are_whitespace():
    included, excluded = parse_criteria(
        "Inclusion Criteria:\r\n\r\n*\tAdult\r\n\t*\tover 18\r\nExclusion Criteria:\r* None")
    assert texts(included) == ["Adult\n  * over 18"]
    assert texts(excluded) == ["None"]


# Search responses and statuses


def test_search_response_gives_every_study_in_order(tmp_path):
    studies = studies_in(DATA / "search_two_studies.json")
    assert [study.nct_id for study in studies] == ["NCT09900004", "NCT09900005"]
    assert studies[1].status == "NOT_YET_RECRUITING"
    assert [loaded(study, tmp_path).id for study in studies] == ["NCT09900004", "NCT09900005"]


def test_status_outside_the_trial_statuses_is_written_as_unknown(tmp_path):
    study = Study("NCT09900013", brief_title="Expanded access", status="AVAILABLE",
                  inclusion=(Bullet("Adult", 1, None),), criteria_text="Adult")
    assert loaded(study, tmp_path).trial.overall_status == "UNKNOWN"
    assert "'AVAILABLE' is not a trial status" in rule_file_text(study).replace("\n# ", " ")


def test_record_without_any_criteria_still_loads_with_a_placeholder(tmp_path):
    study = Study("NCT09900014", healthy_volunteers=True, sex="ALL")
    trial = loaded(study, tmp_path)
    assert trial.trial.title == "NCT09900014"
    assert [(item.id, item.needs_curation) for item in trial.criteria] == [("I1", True)]
    assert "no eligibility criteria text" in rule_file_text(study)


# Input problems


def test_invalid_json_reports_line_and_column():
    with pytest.raises(InputError) as error:
        read_studies('{\n  "protocolSection": {\n    "x": 1,\n  }\n}', "bad.json")
    (line,) = problem_lines(error)
    assert line.startswith("bad.json:4:3: invalid JSON: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1, 2]", "bad.json:1:1: expected a ClinicalTrials.gov API v2 study (an object with "
                   "protocolSection) or a search response (an object with studies), got a list"),
        ('{"title": "x"}', "bad.json:1:1: expected a ClinicalTrials.gov API v2 study (an object "
                           "with protocolSection) or a search response (an object with "
                           "studies), got an object without protocolSection"),
        ('{"FullStudiesResponse": {}}', "bad.json:1:1: this is an API v1 record; download the "
                                        "study from API v2 (https://clinicaltrials.gov/api/v2/"
                                        "studies/<NCT id>)"),
        ('{"studies": {}}', "bad.json:1:13: studies: expected a list of studies, got an "
                            "object"),
        ('{"studies": []}', "bad.json:1:13: studies: the search response has no studies "
                            "(nothing to import)"),
        ('"NCT00973089"', "bad.json:1:1: expected a ClinicalTrials.gov API v2 study (an object "
                          "with protocolSection) or a search response (an object with "
                          "studies), got text ('NCT00973089')"),
    ],
    ids=["list", "other-object", "api-v1", "studies-not-a-list", "no-studies", "bare-id"],
)
def test_json_that_is_not_a_study(text, expected):
    with pytest.raises(InputError) as error:
        read_studies(text, "bad.json")
    assert problem_lines(error) == [expected]


def test_study_without_nct_id_is_reported_where_its_identification_is():
    text = json.dumps({"studies": [
        {"protocolSection": {"identificationModule": {"nctId": "NCT09900020"}}},
        {"protocolSection": {"identificationModule": {"briefTitle": "No id"}}},
        {"protocolSection": {"identificationModule": {"nctId": "NCT123"}}},
    ]}, indent=1)
    with pytest.raises(InputError) as error:
        read_studies(text, "search.json")
    assert problem_lines(error) == [
        "search.json:12:29: studies[1].protocolSection.identificationModule.nctId: missing "
        "NCT id (every study needs one)",
        "search.json:20:15: studies[2].protocolSection.identificationModule.nctId: 'NCT123' is "
        "not an NCT id (NCT and 8 digits)",
    ]


def test_fields_of_the_wrong_kind_are_each_reported():
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09900021", "briefTitle": 7},
        "eligibilityModule": {"healthyVolunteers": "No", "sex": "BOTH",
                              "eligibilityCriteria": ["a"]},
        "conditionsModule": {"conditions": ["ALS", 3]},
        "statusModule": {"lastUpdatePostDateStruct": {"date": "March 2025"}},
    }}
    with pytest.raises(InputError) as error:
        read_studies(json.dumps(record), "odd.json")
    messages = sorted(f"{problem.field}: {problem.message}" for problem in error.value.problems)
    assert messages == [
        "protocolSection.conditionsModule.conditions[1]: expected text, got a number (3)",
        "protocolSection.eligibilityModule.eligibilityCriteria: expected text, got a list",
        "protocolSection.eligibilityModule.healthyVolunteers: expected true or false, got "
        "text ('No')",
        "protocolSection.eligibilityModule.sex: unknown sex 'BOTH' (expected ALL, FEMALE or "
        "MALE)",
        "protocolSection.identificationModule.briefTitle: expected text, got a number (7)",
        "protocolSection.statusModule.lastUpdatePostDateStruct.date: expected a date "
        "(YYYY-MM-DD), got 'March 2025'",
    ]


def test_same_study_twice_in_a_search_response_is_a_problem():
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT09900022"}}}
    with pytest.raises(InputError) as error:
        read_studies(json.dumps({"studies": [study, study]}), "twice.json")
    assert [problem.message for problem in error.value.problems] == [
        "NCT09900022 is also at studies[0] (give each study once)"]


def test_byte_order_mark_is_ignored():
    text = "\ufeff" + (SHARED / "NCT00973089.json").read_text(encoding="utf-8")
    assert read_studies(text, "bom.json")[0].nct_id == "NCT00973089"


# Laws


@given(st.text(min_size=1))
@example("Age \\>= 18: yes # not a comment\n  - nested\n\ttab")
@example("  leading spaces\ntrailing spaces  \n\n\nblank lines")
@example("line\u2028separator\x85next\rreturn")
@example("'quoted' \"double\" |pipe >fold &anchor *alias !tag %percent @at `tick`")
@example("null")
@example("\n")
@example("\x85")
@example("text\n\n")
def test_any_text_loads_back_exactly_as_written(text):
    study = Study("NCT09900030", brief_title=text, sponsor=text,
                  inclusion=(Bullet(text, 1, text),), exclusion=(Bullet(text, 2, None),),
                  notes=(text,), headers=(text,), conditions=(text,),
                  healthy_volunteers=False, criteria_text=text)
    with tempfile.TemporaryDirectory() as folder:
        trial = loaded(study, Path(folder))
    assert trial.trial.title == text
    assert trial.trial.sponsor == text
    assert [item.text for item in trial.criteria[:2]] == [text, text]


WORD = st.from_regex(r"[a-z]{1,8}", fullmatch=True)  # too short to spell a section name
SENTENCE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)
ITEM = st.tuples(SENTENCE, st.lists(SENTENCE, max_size=3))


@given(st.lists(ITEM, min_size=1, max_size=6), st.lists(ITEM, max_size=6),
       st.sampled_from(["* ", "- ", "+ ", "1. ", "1) "]), st.sampled_from([2, 3, 4]))
def test_written_bullets_read_back_as_written(inclusion, exclusion, marker, indent):
    def markdown(items: list[tuple[str, list[str]]]) -> str:
        return "".join(f"{marker}{text}\n" + "".join(f"{' ' * indent}{marker}{child}\n"
                                                     for child in children)
                       for text, children in items)

    def expected(items: list[tuple[str, list[str]]]) -> list[str]:
        return ["\n".join([text, *(f"  {marker}{child}" for child in children)])
                for text, children in items]

    text = f"Inclusion Criteria:\n\n{markdown(inclusion)}\nExclusion Criteria:\n\n" + (
        markdown(exclusion))
    included, excluded = parse_criteria(text)
    assert texts(included) == expected(inclusion)
    assert texts(excluded) == expected(exclusion)


@given(st.text())
def test_parsing_any_text_never_raises_and_keeps_only_worded_bullets(text):
    included, excluded = parse_criteria(text)
    for bullet in (*included, *excluded):
        assert any(char.isalnum() for char in bullet.text)
        assert bullet.line >= 1


def test_yaml_output_is_plain_safe_yaml():
    text = rule_file_text(only_study(SHARED / "NCT04207047.json"))
    document = yaml.safe_load(text)
    assert set(document) == {"trial", "criteria"}
    assert document["criteria"][6]["text"] == LUTRONIC_I7
