"""JSON Schemas for rule files and patient profiles, generated from the pydantic models.

The models accept a few YAML shorthands that pydantic's own schema cannot show (a condition
is a one-key mapping; a criterion carries its condition's key inline; a history may be a plain
list), so the generated schema is rewritten here to describe the files people actually write.
"""

from __future__ import annotations

import copy
from typing import Any

from .operators import OPERATORS
from .patient import PatientProfile
from .rules import CONDITION_KINDS, Trial
from .vocabulary import FACTS, GROUPS

__all__ = ["patient_schema", "rules_schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_CONDITION = {"$ref": "#/$defs/Condition"}
_BODIES = {"check": "Check", "judgment": "Judgment", "has": "Has", "every": "Every"}


def rules_schema() -> dict[str, Any]:
    """The schema of a rule file (`rules/NCT*.yaml`)."""
    schema = Trial.model_json_schema(by_alias=True)
    defs = schema["$defs"]
    schema = _replace_union(schema)
    defs = schema["$defs"]
    for name in ("AllOf", "AnyOf", "Not"):
        defs.pop(name, None)
    defs["Condition"] = {
        "description": "One condition: a mapping with exactly one key.",
        "oneOf": [_one_key(kind) for kind in CONDITION_KINDS],
    }
    criterion = defs["Criterion"]
    criterion["properties"].pop("condition")
    criterion["required"] = [key for key in criterion["required"] if key != "condition"]
    for kind in CONDITION_KINDS:
        criterion["properties"][kind] = _one_key(kind)["properties"][kind]
    criterion["oneOf"] = [{"required": [kind]} for kind in CONDITION_KINDS]
    criterion["description"] += " Exactly one rule key: " + ", ".join(CONDITION_KINDS) + "."
    defs["Check"]["properties"]["fact"]["enum"] = list(FACTS)
    defs["Check"]["properties"]["op"]["enum"] = list(OPERATORS)
    defs["Every"]["properties"]["op"]["enum"] = list(OPERATORS)
    members = sorted({member for group in GROUPS.values() for member in group.members()})
    defs["Every"]["properties"]["only"]["items"]["enum"] = members
    return _framed(schema, "eligibility rule file")


def patient_schema() -> dict[str, Any]:
    """The schema of a patient profile (`patients/*.yaml`)."""
    schema = PatientProfile.model_json_schema(by_alias=True)
    for name, definition in schema["$defs"].items():
        if name.startswith("History"):
            items = copy.deepcopy(definition["properties"]["items"])
            items.pop("default", None)
            definition = {
                "description": definition.get("description", ""),
                "anyOf": [{**items, "description": "A plain list: open, what is not listed "
                           "is unknown."}, definition],
            }
            schema["$defs"][name] = definition
    return _framed(schema, "eligibility patient profile")


def _one_key(kind: str) -> dict[str, Any]:
    body: dict[str, Any]
    if kind in ("all", "any"):
        body = {"type": "array", "minItems": 1, "items": _CONDITION}
    elif kind == "not":
        body = _CONDITION
    elif kind == "judgment":
        body = {"anyOf": [{"type": "string", "minLength": 1},
                          {"$ref": "#/$defs/Judgment"}]}
    else:
        body = {"$ref": f"#/$defs/{_BODIES[kind]}"}
    return {"type": "object", "properties": {kind: body}, "required": [kind],
            "additionalProperties": False}


def _is_union(value: Any) -> bool:
    refs = [item.get("$ref") for item in value.get("oneOf", [])] if isinstance(
        value, dict) else []
    return bool(refs) and refs == [f"#/$defs/{name}" for name in
                                   ("Check", "AllOf", "AnyOf", "Not", "Judgment", "Has", "Every")]


def _replace_union(value: Any) -> Any:
    if _is_union(value):
        return dict(_CONDITION)
    if isinstance(value, dict):
        return {key: _replace_union(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_union(item) for item in value]
    return value


def _framed(schema: dict[str, Any], title: str) -> dict[str, Any]:
    return {"$schema": _DIALECT, "title": title, **{k: v for k, v in schema.items()
                                                     if k != "title"}}
