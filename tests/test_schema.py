"""JSON Schemas for editors: generated from the models, committed, and true to the loader.

Editors validate with the committed files in docs/schema/, not with our loader, so these tests
hold the committed schemas to the models: the same output, valid Draft 2020-12, accepting
every shipped file and rejecting the usual slips.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

from eligibility.cli import app
from eligibility.loading import check_trial, is_rule_file
from eligibility.patient import PatientProfile
from eligibility.rules import Trial

ROOT = Path(__file__).parent.parent
SCHEMAS = ROOT / "docs" / "schema"
CASES = Path(__file__).parent / "data" / "check"
SHIPPED_RULES = sorted((ROOT / "rules").glob("*.y*ml"))
SHIPPED_PROFILES = sorted((ROOT / "patients").glob("*.y*ml"))
DIALECT = "https://json-schema.org/draft/2020-12/schema"

Document = dict[str, Any]


def committed(kind: str) -> Path:
    return SCHEMAS / f"{'rules' if kind == 'rules' else 'patient'}.schema.json"


def validator(kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(committed(kind).read_text("utf-8")))


def as_json(path: Path) -> Any:
    """A YAML file as an editor's JSON view of it: dates become ISO strings."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text("utf-8")), default=str))


def schema_errors(kind: str, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
            for error in validator(kind).iter_errors(document)]


# Generated and committed agree


@pytest.mark.parametrize("kind", ["rules", "patient"])
def test_committed_schema_is_what_the_command_prints(kind: str) -> None:
    result = CliRunner().invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.output
    path = committed(kind).relative_to(ROOT)
    assert result.stdout == committed(kind).read_text("utf-8"), (
        f"{path} is out of date with the models; regenerate it with "
        f"`eligibility schema {kind} > {path}`")


@pytest.mark.parametrize("kind", ["rules", "patient"])
def test_committed_schema_is_a_valid_draft_2020_12_schema(kind: str) -> None:
    schema = json.loads(committed(kind).read_text("utf-8"))
    assert schema["$schema"] == DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_of_something_else_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["schema", "trial"])
    assert result.exit_code == 2, result.output


# Every shipped file is valid


@pytest.mark.parametrize("path", SHIPPED_RULES, ids=lambda path: path.name)
def test_shipped_rule_file_validates_against_the_rules_schema(path: Path) -> None:
    assert schema_errors("rules", as_json(path)) == []


@pytest.mark.parametrize("path", SHIPPED_PROFILES, ids=lambda path: path.name)
def test_shipped_profile_validates_against_the_patient_schema(path: Path) -> None:
    assert schema_errors("patient", as_json(path)) == []


LOADABLE_CASES = sorted(path for path in CASES.glob("*/NCT*.yaml")
                        if path.parent.name in {
                            "clean", "fine-at-least-80-and-at-most-80", "not-recruiting",
                            "judgment-without-guidance", "needs-curation",
                            "always-true-alsfrs-item-at-least-0",
                            "always-true-one-of-every-sex"})


@pytest.mark.parametrize("path", LOADABLE_CASES, ids=lambda path: path.parent.name)
def test_the_schema_accepts_what_the_loader_accepts(path: Path) -> None:
    trial, problems = check_trial(path)
    assert trial is not None, "\n".join(map(str, problems))
    assert schema_errors("rules", as_json(path)) == []


# The usual slips are rejected by the schema, as by the loader


VALID_TRIAL: Document = {
    "trial": {"id": "NCT00000001", "title": "A test trial", "overall_status": "RECRUITING"},
    "criteria": [
        {"id": "I1", "kind": "inclusion", "text": "%FVC of 80% or more.",
         "check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80}},
        {"id": "E1", "kind": "exclusion", "text": "Current low blood cell counts",
         "any": [{"check": {"fact": "labs.hemoglobin", "op": "below_lower_limit"}},
                 {"check": {"fact": "labs.platelets", "op": "below_lower_limit"}}]},
    ],
}

VALID_PROFILE: Document = {
    "id": "P-schema",
    "screening_date": "2026-11-02",
    "sex": "female",
    "alsfrs_r": {"date": "2026-10-20", "items": {
        "speech": 4, "salivation": 4, "swallowing": 4, "handwriting": 3, "cutting_food": 3,
        "dressing_hygiene": 3, "turning_in_bed": 4, "walking": 3, "climbing_stairs": 2,
        "dyspnea": 4, "orthopnea": 4, "respiratory_insufficiency": 4}},
    "fvc": {"percent_predicted": 84, "date": "2026-10-20"},
}


def misspell_fact(trial: Document) -> None:
    trial["criteria"][0]["check"]["fact"] = "fvc.percent_predictd"


def misspell_operator(trial: Document) -> None:
    trial["criteria"][0]["check"]["op"] = "at_leats"


def add_a_second_rule_key(trial: Document) -> None:
    trial["criteria"][0]["judgment"] = "Is the FVC reliable?"


def give_a_condition_two_keys(trial: Document) -> None:
    trial["criteria"][1]["any"][0]["judgment"] = "Are the counts low?"


def misspell_a_trial_field(trial: Document) -> None:
    trial["trial"]["titel"] = trial["trial"].pop("title")


def add_an_unknown_criterion_field(trial: Document) -> None:
    trial["criteria"][0]["note"] = "from the protocol"


def put_a_dot_in_a_criterion_id(trial: Document) -> None:
    trial["criteria"][0]["id"] = "I1.a"


def write_the_status_in_title_case(trial: Document) -> None:
    trial["trial"]["overall_status"] = "Recruiting"


def empty_a_group(trial: Document) -> None:
    trial["criteria"][1]["any"] = []


def score_alsfrs_item_5(profile: Document) -> None:
    profile["alsfrs_r"]["items"]["swallowing"] = 5


def misspell_a_profile_field(profile: Document) -> None:
    profile["birthdate"] = "1968-04-17"


BROKEN_RULES = {
    "misspelt-fact": misspell_fact,
    "unknown-operator": misspell_operator,
    "two-rule-keys-in-one-criterion": add_a_second_rule_key,
    "condition-with-two-keys": give_a_condition_two_keys,
    "unknown-trial-field": misspell_a_trial_field,
    "unknown-criterion-field": add_an_unknown_criterion_field,
    "criterion-id-with-a-dot": put_a_dot_in_a_criterion_id,
    "status-in-title-case": write_the_status_in_title_case,
    "empty-group": empty_a_group,
}

BROKEN_PROFILES = {
    "alsfrs-r-item-5": score_alsfrs_item_5,
    "unknown-field": misspell_a_profile_field,
}


def broken(valid: Document, slip: Callable[[Document], None]) -> Document:
    document = copy.deepcopy(valid)
    slip(document)
    return document


def test_the_valid_trial_and_profile_the_slips_start_from_are_valid() -> None:
    assert schema_errors("rules", VALID_TRIAL) == []
    assert schema_errors("patient", VALID_PROFILE) == []
    Trial.model_validate(VALID_TRIAL)
    PatientProfile.model_validate(VALID_PROFILE)


@pytest.mark.parametrize("slip", list(BROKEN_RULES))
def test_the_rules_schema_rejects_a_broken_rule_file(slip: str) -> None:
    document = broken(VALID_TRIAL, BROKEN_RULES[slip])
    assert schema_errors("rules", document) != []
    with pytest.raises(ValidationError):
        Trial.model_validate(document)


@pytest.mark.parametrize("slip", list(BROKEN_PROFILES))
def test_the_patient_schema_rejects_a_broken_profile(slip: str) -> None:
    document = broken(VALID_PROFILE, BROKEN_PROFILES[slip])
    assert schema_errors("patient", document) != []
    with pytest.raises(ValidationError):
        PatientProfile.model_validate(document)


def test_the_schema_points_at_the_misspelt_fact_and_lists_the_known_ones() -> None:
    document = broken(VALID_TRIAL, misspell_fact)
    (error,) = validator("rules").iter_errors(document)
    assert list(error.absolute_path) == ["criteria", 0, "check", "fact"]
    assert "fvc.percent_predicted" in error.validator_value


# Each shipped file tells the editor its schema


SCHEMA_LINE = re.compile(r"# yaml-language-server: \$schema=(\S+)")


@pytest.mark.parametrize("path", SHIPPED_RULES + SHIPPED_PROFILES,
                         ids=lambda path: f"{path.parent.name}/{path.name}")
def test_shipped_yaml_starts_with_its_schema_line(path: Path) -> None:
    first = path.read_text("utf-8").splitlines()[0]
    match = SCHEMA_LINE.fullmatch(first)
    assert match, f"{path.name} should start with '# yaml-language-server: $schema=...'"
    target = (path.parent / match[1]).resolve()
    assert target.is_file(), f"{match[1]} does not exist relative to {path.name}"
    assert target == committed("rules" if is_rule_file(path) else "patient").resolve()
