"""How the registry importer reads the free text (issue 9): HTML character references,
sections repeated for parts of a trial, group labels and a closing disclaimer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from eligibility.ctgov import Study, parse_criteria, read_studies, rule_file_text
from eligibility.loading import load_trial

PARTS = """\
Inclusion Criteria for Part A:

* Age 18 or older
* Signed consent

Exclusion Criteria for Part A:

* Pregnancy

Inclusion Criteria for Part B:

For parent participants:

* Parent of a child aged 2 to 5
* Able to read English

For child participants:

* Aged 2 to 5 years

Exclusion Criteria for Part B:

* Known allergy to peanuts

The above information is not intended to contain all considerations relevant to a patient's
potential participation in a clinical trial.
"""


def study_of(criteria: str) -> Study:
    record = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09900009", "briefTitle": "A trial"},
        "statusModule": {"overallStatus": "RECRUITING"},
        "eligibilityModule": {"eligibilityCriteria": criteria}}}
    (study,) = read_studies(json.dumps(record), "record.json")
    return study


def written(criteria: str) -> tuple[str, list[dict[str, Any]]]:
    """The rule file's text and its criteria, as YAML reads them."""
    text = rule_file_text(study_of(criteria))
    return text, yaml.safe_load(text)["criteria"]


@pytest.mark.parametrize(("written_as", "read_as"), [
    ("Age &ge; 18 years", "Age ≥ 18 years"),
    ("Hb &lt; 10 g/dL &amp; platelets &gt; 100", "Hb < 10 g/dL & platelets > 100"),
    ("eGFR &#8805; 60, or &#x2265; 45 on dialysis", "eGFR ≥ 60, or ≥ 45 on dialysis"),
    ("a&nbsp;b", "a b"),
    ("R&D staff, AT&T, Q&A", "R&D staff, AT&T, Q&A"),  # no reference: kept as written
    ("&bogus; stays", "&bogus; stays"),
    ("a bell &#7; stays written", "a bell &#7; stays written"),  # a control character
    ("\\&amp; is escaped", "&amp; is escaped"),  # CommonMark: an escaped & starts nothing
], ids=["named", "three-named", "numeric", "non-breaking-space", "bare-ampersands",
        "unknown-name", "control-character", "escaped"])
def test_html_character_references_are_decoded(written_as: str, read_as: str) -> None:
    (bullet,), _ = parse_criteria(f"* {written_as}")
    assert bullet.text == read_as


def test_repeated_sections_keep_the_order_of_the_record(tmp_path: Path) -> None:
    _, criteria = written(PARTS)
    assert [(item["id"], item["text"]) for item in criteria] == [
        ("I1", "Age 18 or older"), ("I2", "Signed consent"), ("E1", "Pregnancy"),
        ("I3", "Parent of a child aged 2 to 5"), ("I4", "Able to read English"),
        ("I5", "Aged 2 to 5 years"), ("E2", "Known allergy to peanuts")]


def test_a_group_label_is_a_scope_note_not_a_criterion() -> None:
    text, criteria = written(PARTS)
    assert not any(str(item["text"]).startswith("For ") for item in criteria)
    assert ("  # Inclusion Criteria for Part B:\n  # For parent participants:\n  - id: I3\n"
            in text)
    assert "  # For child participants:\n  - id: I5\n" in text
    questions = {item["id"]: item["judgment"]["question"] for item in criteria}
    assert questions["I3"] == ("For parent participants: does the patient meet this "
                               "criterion: Parent of a child aged 2 to 5?")
    assert questions["I5"] == ("For child participants: does the patient meet this "
                               "criterion: Aged 2 to 5 years?")
    assert questions["E2"] == "Does this apply to the patient: Known allergy to peanuts?"


def test_items_indented_under_a_group_label_are_criteria_of_their_own() -> None:
    included, _ = parse_criteria("Inclusion Criteria:\n\nFor parents:\n\n  * Aged 18 or older\n"
                                 "  * Able to read\n")
    assert [(bullet.text, bullet.scope) for bullet in included] == [
        ("Aged 18 or older", "For parents:"), ("Able to read", "For parents:")]


@pytest.mark.parametrize("lead_in", [
    "Participants must meet all of the following:",
    "Have any of the following conditions:",
    "Women of childbearing potential should use one of:",
])
def test_a_lead_in_to_alternatives_stays_a_criterion(lead_in: str) -> None:
    included, _ = parse_criteria(f"Inclusion Criteria:\n\n{lead_in}\n\n* a\n* b\n")
    assert [bullet.text for bullet in included] == [lead_in, "a", "b"]
    assert all(bullet.scope is None for bullet in included)


def test_a_group_ends_with_its_section() -> None:
    _, excluded = parse_criteria(PARTS)
    assert [bullet.scope for bullet in excluded] == [None, None]


def test_a_closing_disclaimer_is_kept_as_a_comment_not_a_criterion(tmp_path: Path) -> None:
    study = study_of(PARTS)
    assert [bullet.text for bullet in study.exclusion] == ["Pregnancy",
                                                           "Known allergy to peanuts"]
    assert study.closing == ("The above information is not intended to contain all "
                             "considerations relevant to a patient's potential participation "
                             "in a clinical trial.",)
    text = rule_file_text(study)
    assert ("# Text closing the record's criteria, not read as a criterion:\n"
            "#   The above information is not intended") in text
    path = tmp_path / "NCT09900009.yaml"
    path.write_text(text, encoding="utf-8")
    assert len(load_trial(path).criteria) == 7


@pytest.mark.parametrize("closing", [
    "Other protocol-defined inclusion/exclusion criteria may apply.",
    "For more information, please contact the study team.",
])
def test_other_usual_disclaimers_close_the_criteria(closing: str) -> None:
    study = study_of(f"Exclusion Criteria:\n\n* Pregnancy\n\n{closing}\n")
    assert [bullet.text for bullet in study.exclusion] == ["Pregnancy"]
    assert study.closing == (closing,)


def test_a_closing_paragraph_that_states_a_criterion_stays_one() -> None:
    study = study_of("Exclusion Criteria:\n\n* Pregnancy\n\nAny condition that, in the opinion "
                     "of the investigator, makes the patient unsuitable.\n")
    assert len(study.exclusion) == 2 and study.closing == ()
