"""FHIR R4 input: the real IPS and Synthea bundles, each mapping, the IPS statements of
absence, and what is never imported (so it stays unknown, never a false "no")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from eligibility import load_trials
from eligibility.cli import app
from eligibility.importing import LeftOut, profile_text
from eligibility.importing.fhir import bundle_as_profile, import_bundle, is_bundle, read_bundle
from eligibility.loading import InputError, check_patient_to_screen, trials_vocabulary
from eligibility.screening import screen_all

HERE = Path(__file__).parent
FHIR = Path("/work/shared/fhir")  # the real examples (../shared/fhir), there in CI too
RULES = HERE.parent / "rules"
IPS = FHIR / "ips-bundle-minimal.json"
IPS_NO_INFO = FHIR / "ips-bundle-no-info-required-sections.json"
SYNTHEA = FHIR / "synthea-r4-Alejandro_Riojas_a9fcc685.json"
AS_OF = dt.date(2026, 11, 2)
IPS_ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def facts_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return import_bundle(bundle).facts()


def bundle_of(*resources: dict[str, Any], patient: bool = True) -> dict[str, Any]:
    people = [{"resourceType": "Patient", "id": "p1", "gender": "female",
               "birthDate": "1960-01-02"}] if patient else []
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": resource} for resource in [*people, *resources]]}


def concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def statuses(path: Path) -> dict[str, tuple[str, dict[str, str]]]:
    """Each trial's verdict and its decided criteria, screening the bundle as `screen` does."""
    trials = load_trials(RULES)
    text, problems = bundle_as_profile(path, vocabulary=trials_vocabulary(trials))
    assert text is not None, problems
    profile, problems = check_patient_to_screen(str(path), trials, text=text)
    assert profile is not None, problems
    return {s.trial.id: (s.verdict.name, {r.criterion.id: r.status.name for r in s.results
                                          if r.status.name != "UNKNOWN"})
            for s in screen_all(profile, trials, as_of=AS_OF)}


# The real examples -------------------------------------------------------------------------

def test_the_ips_minimal_bundle_gives_its_patient_penicillin_allergy_and_medication():
    facts = facts_of(read_bundle(IPS))
    assert facts == {
        "id": "7685713c-e29e-4a75-8a90-45be7ba3be94",
        "birth_date": dt.date(1972, 5, 1),
        "sex": "female",
        "conditions": [{"name": "Menopausal flushing (finding)",
                        "codes": {"snomed": "198436008"}, "status": "current"}],
        "medications": [{"name": "Product containing anastrozole (medicinal product)",
                         "codes": {"snomed": "108774000", "atc": "L02BG03"},
                         "status": "current"}],
        "allergies": [{"name": "penicillin", "category": "drug",
                       "codes": {"snomed": "373270004"}, "status": "current"}],
    }


def test_the_ips_minimal_bundle_is_ineligible_for_str04_by_its_penicillin_allergy():
    found = statuses(IPS)
    assert found["NCT06910384"] == ("INELIGIBLE", {"I6": "PASS", "E4": "FAIL",
                                                   "E11": "PASS", "S1": "PASS"})
    assert all(verdict == "NEEDS_REVIEW" for trial, (verdict, _) in found.items()
               if trial != "NCT06910384")


def test_partial_dates_of_the_ips_bundle_are_left_out_not_invented():
    imported = import_bundle(read_bundle(IPS))
    reasons = {item.source: item.reason for item in imported.left_out}
    assert reasons["Condition/ad84b7a2-b4dd-474e-bef3-0779e6cb595f.onset"] == (
        "'2015' is not a whole date; left out")
    assert "start" not in imported.facts()["medications"][0]


def test_ips_no_information_codes_state_nothing_and_are_listed():
    imported = import_bundle(read_bundle(IPS_NO_INFO))
    assert imported.facts() == {"id": "AAA1234", "birth_date": dt.date(1985, 4, 25),
                                "sex": "male"}
    reasons = [item.reason for item in imported.left_out]
    assert "IPS 'no-allergy-info': no information, so allergies stay unknown" in reasons
    assert "IPS 'no-problem-info': no information, so conditions stay unknown" in reasons
    assert "IPS 'no-medication-info': no information, so medications stay unknown" in reasons


def test_the_synthea_bundle_gives_its_history_with_clopidogrel_as_a_past_antiplatelet():
    facts = facts_of(read_bundle(SYNTHEA))
    assert (facts["id"], facts["birth_date"], facts["sex"]) == (
        "829bb06a-42b9-433d-a8f6-560727c63da9", dt.date(1963, 10, 5), "male")
    assert [record["date"] for record in facts["weight"]] == [
        dt.date(2000, 12, 24), dt.date(2003, 10, 12), dt.date(2005, 10, 16),
        dt.date(2007, 10, 21)]
    assert facts["weight"][-1]["kg"] == pytest.approx(108.03120583515923)
    assert {"name": "clopidogrel", "codes": {"rxnorm": "309362"}, "status": "past",
            "date": dt.date(2008, 12, 14)} in facts["medications"]
    assert len(facts["conditions"]) == 7 and len(facts["procedures"]) == 4
    assert "labs" not in facts  # Synthea gives no reference ranges: see the next test


def test_synthea_labs_without_reference_ranges_are_listed_not_imported():
    imported = import_bundle(read_bundle(SYNTHEA))
    reasons = [item.reason for item in imported.left_out]
    assert ("Hemoglobin [Mass/volume] in Blood 12.6088 g/dL: no reference range with low and "
            "high in this unit (a profile's lab result needs the lab's range)") in reasons
    assert any("recorded as deceased on 2008-12-14" in reason for reason in reasons)
    assert ("Body Mass Index: bmi is computed by screening or read from the Patient, never "
            "stated") in reasons


def test_the_synthea_bundle_decides_only_what_age_and_sex_decide():
    found = statuses(SYNTHEA)
    assert found["NCT06910384"] == ("NEEDS_REVIEW", {"I6": "PASS", "E10": "PASS",
                                                     "S1": "PASS"})
    assert found["NCT05003921"] == ("NEEDS_REVIEW", {"E4": "PASS", "E11": "PASS"})
    assert all(verdict == "NEEDS_REVIEW" for verdict, _ in found.values())


@pytest.mark.parametrize("path", [IPS, IPS_NO_INFO, SYNTHEA], ids=lambda path: path.stem)
def test_every_resource_is_imported_or_listed(path):
    bundle = read_bundle(path)
    text = profile_text(import_bundle(bundle), ())
    for entry in bundle["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        assert f"{kind}/{resource['id']}" in text or f" {kind}:" in text, kind


# Each mapping -----------------------------------------------------------------------------

ALS_BUNDLE = bundle_of(
    {"resourceType": "Condition", "id": "als",
     "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical",
                               "active"),
     "verificationStatus": concept(
         "http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
     "code": concept(SNOMED, "86044005", "Amyotrophic lateral sclerosis"),
     "onsetDateTime": "2025-09-10", "recordedDate": "2026-03-02"},
    {"resourceType": "Observation", "id": "fvc", "status": "final",
     "code": concept(LOINC, "19872-1"), "effectiveDateTime": "2026-10-20T09:00:00+01:00",
     "valueQuantity": {"value": 84, "unit": "%", "system": "http://unitsofmeasure.org",
                       "code": "%"}},
    {"resourceType": "Observation", "id": "fvc-l", "status": "final",
     "code": concept(LOINC, "19868-9"), "effectiveDateTime": "2026-10-20",
     "valueQuantity": {"value": 3.1, "code": "L"}},
    {"resourceType": "Observation", "id": "hb", "status": "final",
     "code": concept(LOINC, "718-7"), "effectiveDateTime": "2026-10-20",
     "valueQuantity": {"value": 131, "code": "g/L"},
     "referenceRange": [{"low": {"value": 120, "code": "g/L"},
                         "high": {"value": 155, "code": "g/L"}}]},
    {"resourceType": "MedicationStatement", "id": "rilu", "status": "active",
     "medicationCodeableConcept": concept("http://www.nlm.nih.gov/research/umls/rxnorm",
                                          "35623", "Riluzole"),
     "effectivePeriod": {"start": "2025-06-01"},
     "dosage": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                 "doseAndRate": [{"doseQuantity": {"value": 50, "code": "mg"}}]}]},
    {"resourceType": "Procedure", "id": "peg", "status": "completed",
     "code": concept(SNOMED, "54466003", "Gastrostomy"), "performedDateTime": "2026-05-04"},
    {"resourceType": "AllergyIntolerance", "id": "nka",
     "code": concept(IPS_ABSENT, "no-known-allergies"), "recordedDate": "2026-10-20"},
)


def test_an_als_record_maps_by_its_standard_codes():
    assert facts_of(ALS_BUNDLE) == {
        "id": "p1", "birth_date": dt.date(1960, 1, 2), "sex": "female",
        "als": {"diagnosed": True, "onset_date": dt.date(2025, 9, 10)},
        "fvc": {"percent_predicted": 84, "date": dt.date(2026, 10, 20), "liters": 3.1},
        "labs": {"hemoglobin": [{"value": 13.1, "unit": "g/dL", "date": dt.date(2026, 10, 20),
                                 "reference_range": {"low": 12.0, "high": 15.5}}]},
        "conditions": [{"name": "Amyotrophic lateral sclerosis", "codes": {"snomed": "86044005"},
                        "status": "current", "date": dt.date(2026, 3, 2),
                        "start": dt.date(2025, 9, 10)}],
        "medications": [{"name": "riluzole", "codes": {"rxnorm": "35623"}, "status": "current",
                         "start": dt.date(2025, 6, 1), "dose": 50, "unit": "mg",
                         "frequency": "twice daily"}],
        "procedures": [{"name": "Gastrostomy", "codes": {"snomed": "54466003"},
                        "date": dt.date(2026, 5, 4)}],
        "allergies": {"complete": True, "reviewed": dt.date(2026, 10, 20), "items": []},
    }


def test_each_fact_names_the_resource_it_came_from():
    text = profile_text(import_bundle(ALS_BUNDLE), ())
    assert "als: {diagnosed: true, onset_date: 2025-09-10}  # Condition/als\n" in text
    assert "  # Observation/fvc, Observation/fvc-l\n" in text
    assert "  complete: true  # AllergyIntolerance/nka: no known allergies\n" in text


IPS_ALLERGY = "AllergyIntolerance"


@pytest.mark.parametrize(
    ("code", "expected"),
    [("no-known-allergies", {"complete": True, "reviewed": dt.date(2026, 10, 20), "items": []}),
     ("no-known-medication-allergies",
      [{"category": "drug", "status": "absent", "date": dt.date(2026, 10, 20)}]),
     ("no-known-food-allergies",
      [{"category": "food", "status": "absent", "date": dt.date(2026, 10, 20)}]),
     ("no-known-environmental-allergies",
      [{"category": "environmental", "status": "absent", "date": dt.date(2026, 10, 20)}]),
     ("no-allergy-info", None)],
    ids=["all-allergies", "drug", "food", "environmental", "no-information"])
def test_ips_allergy_absence_codes_state_exactly_what_the_ips_means(code, expected):
    bundle = bundle_of({"resourceType": IPS_ALLERGY, "id": "a",
                        "code": concept(IPS_ABSENT, code), "recordedDate": "2026-10-20"})
    assert facts_of(bundle).get("allergies") == expected


@pytest.mark.parametrize(
    ("kind", "field", "code", "collection"),
    [("Condition", "code", "no-known-problems", "conditions"),
     ("MedicationStatement", "medicationCodeableConcept", "no-known-medications",
      "medications"),
     ("Procedure", "code", "no-known-procedures", "procedures")],
    ids=["problems", "medications", "procedures"])
def test_ips_no_known_problems_medications_procedures_are_not_complete_lists(
        kind, field, code, collection):
    resource = {"resourceType": kind, "id": "x", "status": "completed",
                field: concept(IPS_ABSENT, code)}
    imported = import_bundle(bundle_of(resource))
    assert collection not in imported.facts()
    assert "none that have to be reported in this record" in imported.left_out[0].reason


def test_no_known_allergies_stays_open_when_an_allergy_could_not_be_imported():
    bundle = bundle_of(
        {"resourceType": IPS_ALLERGY, "id": "maybe",
         "verificationStatus": concept("x", "unconfirmed"),
         "code": concept(SNOMED, "91936005", "Allergy to penicillin")},
        {"resourceType": IPS_ALLERGY, "id": "nka",
         "code": concept(IPS_ABSENT, "no-known-allergies")})
    imported = import_bundle(bundle)
    assert "allergies" not in imported.facts()
    assert [item.source for item in imported.left_out] == [
        "AllergyIntolerance/maybe", "AllergyIntolerance/nka: no known allergies"]


@pytest.mark.parametrize(
    "resource",
    [{"resourceType": "AllergyIntolerance", "id": "x",
      "code": concept(SNOMED, "429625007", "No known food allergy")},
     {"resourceType": "Condition", "id": "x",
      "code": concept(SNOMED, "160245001", "No current problems or disability")},
     {"resourceType": "MedicationStatement", "id": "x", "status": "active",
      "medicationCodeableConcept": {"text": "None"}}],
    ids=["no-known-food-allergy", "no-current-problems", "none"])
def test_a_statement_of_absence_is_never_imported_as_something_present(resource):
    imported = import_bundle(bundle_of(resource))
    assert set(imported.facts()) == {"id", "birth_date", "sex"}
    assert "a statement of absence this importer does not map" in imported.left_out[0].reason


def test_a_refuted_condition_rules_out_that_condition_only():
    bundle = bundle_of({"resourceType": "Condition", "id": "hiv",
                        "verificationStatus": concept("x", "refuted"),
                        "code": concept(SNOMED, "86406008", "HIV"),
                        "recordedDate": "2026-10-20"})
    assert facts_of(bundle)["conditions"] == [
        {"name": "HIV", "codes": {"snomed": "86406008"}, "status": "absent",
         "date": dt.date(2026, 10, 20)}]


@pytest.mark.parametrize(
    ("observation", "reason"),
    [({"status": "preliminary"}, "status 'preliminary', not a final result"),
     ({"effectiveDateTime": "2026-10"}, "no whole date ('2026-10')"),
     ({"valueQuantity": {"value": 13.1, "code": "mmol/L"}}, "no value in g/dL (13.1 mmol/L)"),
     ({"valueQuantity": {"value": 13.1, "code": "g/dL", "comparator": "<"}},
      "no value in g/dL (13.1 g/dL)"),
     ({"valueQuantity": None, "dataAbsentReason": {"text": "haemolysed"}},
      "no value in g/dL (haemolysed)"),
     ({"referenceRange": [{"high": {"value": 15.5, "code": "g/dL"}}]},
      "no reference range with low and high in this unit")],
    ids=["preliminary", "partial-date", "other-unit", "comparator", "absent", "half-range"])
def test_a_lab_result_that_cannot_be_read_exactly_is_left_out(observation, reason):
    resource = {"resourceType": "Observation", "id": "hb", "status": "final",
                "code": concept(LOINC, "718-7", "Hemoglobin"),
                "effectiveDateTime": "2026-10-20",
                "valueQuantity": {"value": 13.1, "code": "g/dL"},
                "referenceRange": [{"low": {"value": 12, "code": "g/dL"},
                                    "high": {"value": 15.5, "code": "g/dL"}}],
                **observation}
    imported = import_bundle(bundle_of(resource))
    assert "labs" not in imported.facts()
    assert reason in imported.left_out[0].reason


def test_two_different_values_on_one_day_are_both_left_out():
    same_day = [{"resourceType": "Observation", "id": name, "status": "final",
                 "code": concept(LOINC, "29463-7"), "effectiveDateTime": "2026-10-20",
                 "valueQuantity": {"value": value, "code": "kg"}}
                for name, value in (("w1", 70), ("w2", 72))]
    text = profile_text(import_bundle(bundle_of(*same_day)), ())
    assert "weight" not in yaml.safe_load(text)
    assert ("# - Observation/w1, Observation/w2: weight records of 2026-10-20 disagree on kg; "
            "none of them is imported") in text


def test_text_from_the_bundle_cannot_break_out_of_its_comment():
    resource = {"resourceType": "Observation", "id": "o\nid: evil", "status": "final",
                "code": {"text": "line one\nsex: male # \u2028"}}
    text = profile_text(import_bundle(bundle_of(resource)), ())
    assert yaml.safe_load(text) == {"id": "p1", "birth_date": dt.date(1960, 1, 2),
                                    "sex": "female"}


CODED = st.sampled_from([concept(SNOMED, "12345678", "Something unknown"),
                         concept("urn:local", "x"), {"text": "Free text"}, {}])


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(["Condition", "AllergyIntolerance", "Procedure", "Observation",
                             "MedicationStatement", "MedicationRequest", "Immunization",
                             "Goal"]),
       code=CODED,
       status=st.sampled_from([None, "active", "completed", "final", "unknown", "stopped"]),
       verification=st.sampled_from([None, "confirmed", "unconfirmed", "refuted"]))
def test_a_resource_the_vocabulary_cannot_place_never_settles_a_category(
        kind, code, status, verification):
    resource: dict[str, Any] = {"resourceType": kind, "id": "r", "code": code,
                                "medicationCodeableConcept": code, "intent": "order"}
    if status:
        resource["status"] = status
    if verification:
        resource["verificationStatus"] = concept("x", verification)
    facts = facts_of(bundle_of(resource))
    for name in ("conditions", "allergies", "procedures", "medications"):
        for entry in facts.get(name, []):
            assert "category" not in entry  # no category: every category rule stays unknown
            assert entry.get("status") != "absent" or verification == "refuted"
    assert not {"labs", "fvc", "weight", "height", "als"} & set(facts)


# Reading the file ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("content", "message"),
    [('{"resourceType": "Bundle", "entry": [\n  {"resource": {,}}]}',
      "bundle.json:2:17: invalid JSON: expecting property name enclosed in double quotes"),
     ('{"resourceType": "Patient", "id": "x"}',
      "bundle.json: resourceType: expected a FHIR Bundle, got a Patient resource (export the "
      "patient's record as a Bundle)"),
     ("[1, 2]", "bundle.json: expected a FHIR Bundle (a JSON object), got a list"),
     ('{"resourceType": "Bundle", "entry": [{"resource": {"id": "x"}}]}',
      "bundle.json: entry[0].resource: expected a FHIR resource with its resourceType"),
     ('{"resourceType": "Bundle", "entry": {}}',
      "bundle.json: entry: expected a list of entries, got an object"),
     ('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}, '
      '{"resource": {"resourceType": "Patient"}}]}',
      "bundle.json: entry: the bundle holds 2 Patient resources; a profile is one patient "
      "(export one per file)"),
     ("", "bundle.json:1:1: invalid JSON: expecting value")],
    ids=["malformed", "not-a-bundle", "not-an-object", "no-resource-type", "entry-not-a-list",
         "two-patients", "empty"])
def test_a_bundle_that_cannot_be_read_gets_one_message_with_file_and_place(
        tmp_path, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    Path("bundle.json").write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_bundle("bundle.json")
    assert [str(problem) for problem in caught.value.problems] == [message]
    result = CliRunner().invoke(app, ["import", "fhir", "bundle.json", "-o", "p.yaml"])
    assert result.exit_code == 1, result.output
    assert result.output == message + "\n" and "Traceback" not in result.output
    assert not Path("p.yaml").exists()
    result = CliRunner().invoke(app, ["screen", "--rules", str(RULES), "bundle.json"])
    assert result.exit_code == 1 and result.output == message + "\n"


@pytest.mark.parametrize(("name", "text", "expected"),
                         [("a.json", None, True), ("a.JSON", None, True),
                          ("a.yaml", "id: P1\n", False), ("-", ' {"resourceType": "B"}', True),
                          ("-", "id: '{'\n", False)])
def test_a_bundle_is_recognised_by_its_name_or_its_content(name, text, expected):
    assert is_bundle(name, text) is expected


# The commands ----------------------------------------------------------------------------

def test_import_fhir_writes_a_profile_that_screen_reads(tmp_path):
    target = tmp_path / "p.yaml"
    result = CliRunner().invoke(app, ["import", "fhir", str(IPS), "-o", str(target),
                                      "--id", "S-017"])
    assert result.exit_code == 0, result.output
    assert result.output == (f"wrote {target} from {IPS}; 6 items not imported, listed at "
                             "the end of the profile\n")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Imported from ips-bundle-minimal.json (FHIR R4)")
    assert "\nid: S-017\n" in text
    screened = CliRunner().invoke(app, ["screen", "--rules", str(RULES), str(target),
                                        "--as-of", "2026-11-02", "--format", "json"])
    assert screened.exit_code == 0, screened.output
    direct = CliRunner().invoke(app, ["screen", "--rules", str(RULES), str(IPS),
                                      "--as-of", "2026-11-02", "--format", "json"])
    assert direct.exit_code == 0, direct.output
    assert json.loads(screened.output)["trials"] == json.loads(direct.output)["trials"]


def test_import_fhir_never_overwrites_a_file_without_force(tmp_path):
    target = tmp_path / "p.yaml"
    target.write_text("id: mine\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "fhir", str(IPS), "-o", str(target)])
    assert result.exit_code == 1
    assert result.output == (f"error: {target} already exists; nothing was written (use "
                             "--force to overwrite it)\n")
    assert target.read_text(encoding="utf-8") == "id: mine\n"
    result = CliRunner().invoke(app, ["import", "fhir", str(IPS), "-o", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert "penicillin" in target.read_text(encoding="utf-8")


def test_import_fhir_prints_the_profile_without_output(tmp_path):
    result = CliRunner().invoke(app, ["import", "fhir", str(IPS_NO_INFO)])
    assert result.exit_code == 0, result.output
    assert "\nid: AAA1234  # Patient/AAA1234\n" in result.output


def test_screen_reads_a_bundle_from_standard_input():
    result = CliRunner().invoke(app, ["screen", "--rules", str(RULES), "-", "--as-of",
                                      "2026-11-02", "--format", "json"],
                                input=IPS.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["patient_id"] == "7685713c-e29e-4a75-8a90-45be7ba3be94"


@pytest.mark.parametrize(
    ("value", "reason"),
    [(-3, "Hemoglobin: -3 g/dL is outside the range of labs.hemoglobin (0 to 100000)"),
     (float("nan"), "Hemoglobin: no value in g/dL (nan g/dL)")],
    ids=["negative", "not-a-number"])
def test_a_value_the_profile_could_not_hold_is_left_out_not_a_broken_profile(value, reason):
    resource = {"resourceType": "Observation", "id": "hb", "status": "final",
                "code": concept(LOINC, "718-7", "Hemoglobin"),
                "effectiveDateTime": "2026-10-20", "valueQuantity": {"value": value,
                                                                     "code": "g/dL"}}
    imported = import_bundle(bundle_of(resource))
    assert [item.reason for item in imported.left_out] == [reason]


def test_an_onset_given_as_an_age_is_listed_not_dropped():
    bundle = bundle_of({"resourceType": "Condition", "id": "c",
                        "code": concept(SNOMED, "38341003", "Hypertension"),
                        "onsetAge": {"value": 50, "unit": "a"}})
    imported = import_bundle(bundle)
    assert imported.facts()["conditions"] == [{"name": "hypertension",
                                               "codes": {"snomed": "38341003"}}]
    assert imported.left_out[0].source == "Condition/c.onsetAge"


def test_a_no_known_allergies_entered_in_error_states_nothing():
    bundle = bundle_of({"resourceType": "AllergyIntolerance", "id": "a",
                        "verificationStatus": concept("x", "entered-in-error"),
                        "code": concept(IPS_ABSENT, "no-known-allergies")})
    assert "allergies" not in facts_of(bundle)


@pytest.mark.parametrize("from_stdin", [False, True], ids=["file", "stdin"])
def test_a_bundle_that_screens_badly_names_the_resource_not_a_hidden_line(from_stdin):
    args = ["screen", "--rules", str(RULES), "-" if from_stdin else str(SYNTHEA), "--as-of",
            "2005-01-01"]
    result = CliRunner().invoke(app, args, input=SYNTHEA.read_text(encoding="utf-8")
                                if from_stdin else None)
    assert result.exit_code == 1
    name = "<stdin>" if from_stdin else str(SYNTHEA)
    assert result.output.splitlines()[0] == (
        f"{name}: Observation/3b4d58be-fee2-40e9-b0c8-454c33e204b7 (height[2].date): "
        "2005-10-16 is after the --as-of date 2005-01-01 (screen on a later date, or check "
        "the date)")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from(["2026-10-20", "active", "final", "mg", "d", LOINC, "718-7", SNOMED]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["code", "coding", "system", "value", "unit", "start", "end", "timing",
                         "repeat", "frequency", "period", "periodUnit", "doseAndRate",
                         "doseQuantity", "reference", "text", "display", "low", "high"]),
        inner, max_size=4),
    max_leaves=12)
FIELDS = ["status", "code", "clinicalStatus", "verificationStatus", "category", "onsetDateTime",
          "onsetPeriod", "abatementDateTime", "recordedDate", "medicationCodeableConcept",
          "medicationReference", "dosage", "dosageInstruction", "effectivePeriod",
          "effectiveDateTime", "authoredOn", "intent", "reaction", "valueQuantity",
          "referenceRange", "performedDateTime", "performedPeriod", "subject", "contained",
          "dataAbsentReason"]
ANY_RESOURCE = st.fixed_dictionaries(
    {"resourceType": st.sampled_from(["Condition", "MedicationStatement", "MedicationRequest",
                                      "AllergyIntolerance", "Procedure", "Observation",
                                      "Medication"]),
     "id": st.text(max_size=3)},
    optional={name: JSON_VALUES for name in FIELDS})
ANY_PATIENT = st.fixed_dictionaries(
    {"resourceType": st.just("Patient")},
    optional={name: JSON_VALUES for name in ("id", "birthDate", "gender", "deceasedDateTime")})


@settings(max_examples=300, deadline=None)
@given(patient=ANY_PATIENT, resources=st.lists(ANY_RESOURCE, max_size=3))
@example(patient={"resourceType": "Patient"},
         resources=[{"resourceType": "MedicationStatement", "id": "", "status": []}])
@example(patient={"resourceType": "Patient"},
         resources=[{"resourceType": "Condition", "id": "", "code": {"coding": None}}])
def test_any_resource_shape_gives_a_profile_that_loads_or_a_listing(patient, resources):
    bundle = {"resourceType": "Bundle",
              "entry": [{"resource": resource} for resource in [patient, *resources]]}
    text = profile_text(import_bundle(bundle), ())
    profile, problems = check_patient_to_screen("bundle.json", (), text=text)
    assert profile is not None, (text, problems)


def test_a_bundle_without_a_patient_is_named_after_its_file(tmp_path):
    path = tmp_path / "record-17.json"
    path.write_text(json.dumps(bundle_of({"resourceType": "Condition", "id": "c",
                                          "code": {"text": "Hypertension"}}, patient=False)),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "fhir", str(path)])
    assert result.exit_code == 0, result.output
    assert "\nid: record-17\n" in result.output
    assert "# - Bundle: no Patient resource: no birth date or sex\n" in result.output


def test_an_empty_id_is_a_usage_error():
    result = CliRunner().invoke(app, ["import", "fhir", str(IPS), "--id", " "])
    assert result.exit_code == 2
    assert result.output == "error: --id needs a text (the patient's screening number)\n"


def test_a_document_section_empty_for_a_reason_is_listed_not_read():
    composition = {"resourceType": "Composition", "id": "doc", "section": [
        {"title": "Allergies", "emptyReason": concept(
            "http://terminology.hl7.org/CodeSystem/list-empty-reason", "nilknown",
            "Nil Known")}]}
    imported = import_bundle(bundle_of(composition))
    assert "allergies" not in imported.facts()
    assert imported.left_out[0] == LeftOut(
        "Composition/doc section 'Allergies'", "empty, with the reason 'Nil Known': a "
        "section's reason is not read, so what it covers stays unknown")


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def riluzole(ident: str, start: str, dose: float, *, kind: str = "MedicationStatement",
             name: str = "Riluzole") -> dict[str, Any]:
    dosage = [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
               "doseAndRate": [{"doseQuantity": {"value": dose, "code": "mg"}}]}]
    if kind == "MedicationRequest":
        return {"resourceType": kind, "id": ident, "status": "active", "intent": "order",
                "medicationCodeableConcept": concept(RXNORM, "35623", name),
                "authoredOn": start, "dosageInstruction": [{
                    **dosage[0], "timing": {"repeat": {**dosage[0]["timing"]["repeat"],
                                                       "boundsPeriod": {"start": start}}}}]}
    return {"resourceType": kind, "id": ident, "status": "active",
            "medicationCodeableConcept": concept(RXNORM, "35623", name),
            "effectivePeriod": {"start": start}, "dosage": dosage}


@pytest.mark.parametrize(
    ("second", "expected"),
    [(riluzole("r2", "2026-01-10", 50, kind="MedicationRequest"),
      {"date": dt.date(2026, 1, 10), "dose": 50, "unit": "mg", "frequency": "twice daily"}),
     (riluzole("r2", "2026-09-01", 100, name="Rilutek"), {"unit": "mg",
                                                          "frequency": "twice daily"})],
    ids=["an-order-and-a-statement-agree", "a-refill-at-another-dose"])
def test_one_drug_current_twice_in_a_chart_is_one_entry_keeping_what_both_say(
        second: dict[str, Any], expected: dict[str, Any]) -> None:
    bundle = bundle_of(riluzole("r1", "2025-06-01", 50), second)
    imported = import_bundle(bundle)
    medications = imported.facts()["medications"]
    assert medications == [{"name": "riluzole", "codes": {"rxnorm": "35623"},
                            "status": "current", "start": dt.date(2025, 6, 1), **expected}]
    reasons = [item.reason for item in imported.left_out if item.source.endswith("/r2")]
    assert reasons and reasons[0].startswith("riluzole: also current in MedicationStatement/r1")
    assert ("without the dose on which they disagree" in reasons[0]) == ("dose" not in expected)


def test_a_chart_with_one_drug_current_twice_screens_with_its_dose_unknown(tmp_path: Path) -> None:
    bundle = ALS_BUNDLE | {"entry": [*ALS_BUNDLE["entry"], {"resource": riluzole(
        "rilu-2", "2026-09-01", 100)}]}
    path = tmp_path / "chart.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "fhir", str(path), "-o",
                                      str(tmp_path / "chart.yaml")])
    assert result.exit_code == 0, result.output
    profile = yaml.safe_load((tmp_path / "chart.yaml").read_text(encoding="utf-8"))
    (entry,) = profile["medications"]
    assert "dose" not in entry and entry["start"] == dt.date(2025, 6, 1)
