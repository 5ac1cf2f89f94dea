"""JSON Schemas for rule files, patient profiles and vocabulary files, from the models.

The models accept a few YAML shorthands that pydantic's own schema cannot show (a condition
is a one-key mapping; a criterion carries its condition's key inline; a history may be a plain
list; a block may be one record or a list of records), so the generated schema is rewritten
here to describe the files people actually write. The condition kinds come from the one table
in `kinds`, the fact names from the vocabulary.
"""

from __future__ import annotations

import copy
from typing import Any

from .kinds import CONDITION_KINDS, KINDS
from .operators import OPERATORS
from .patient import profile_model
from .rules import Trial
from .vocabulary import DEFAULT, Vocabulary
from .vocabulary.files import VocabularyFile

__all__ = ["patient_schema", "rules_schema", "vocabulary_schema"]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_CONDITION = {"$ref": "#/$defs/Condition"}
_MODELS = frozenset(kind.model.__name__ for kind in KINDS.values())


def rules_schema(vocabulary: Vocabulary = DEFAULT) -> dict[str, Any]:
    """The schema of a rule file (`rules/NCT*.yaml`)."""
    schema = _replace_union(Trial.model_json_schema(by_alias=True))
    defs = schema["$defs"]
    for kind in KINDS.values():
        if kind.body in ("list", "one"):
            defs.pop(kind.model.__name__, None)
    defs["Condition"] = {
        "description": "One condition: a mapping with exactly one key.",
        "oneOf": [_one_key(kind) for kind in CONDITION_KINDS],
    }
    criterion = defs["Criterion"]
    criterion["properties"].pop("condition")
    criterion["required"] = [key for key in criterion["required"] if key != "condition"]
    for key in CONDITION_KINDS:
        criterion["properties"][key] = _one_key(key)["properties"][key]
    criterion["oneOf"] = [{"required": [key]} for key in CONDITION_KINDS]
    criterion["description"] += " Exactly one rule key: " + ", ".join(CONDITION_KINDS) + "."
    facts, groups = list(vocabulary.facts), list(vocabulary.groups)
    defs["Check"]["properties"]["fact"]["enum"] = facts
    defs["Check"]["properties"]["op"]["enum"] = list(OPERATORS)
    defs["Change"]["properties"]["fact"]["enum"] = [
        name for name, fact in vocabulary.facts.items() if fact.numeric and fact.dated]
    defs["Every"]["properties"]["op"]["enum"] = list(OPERATORS)
    defs["Every"]["properties"]["in"]["enum"] = groups
    members = sorted({member for group in vocabulary.groups.values()
                      for member in group.members()})
    defs["Every"]["properties"]["only"]["items"]["enum"] = members
    defs["Has"]["properties"]["in"]["enum"] = list(vocabulary.collections)
    return _framed(schema, "eligibility rule file")


def patient_schema(vocabulary: Vocabulary = DEFAULT) -> dict[str, Any]:
    """The schema of a patient profile (`patients/*.yaml`)."""
    model = profile_model(vocabulary)
    schema = model.model_json_schema(by_alias=True)
    for name, definition in schema["$defs"].items():
        if name.startswith("History"):
            items = copy.deepcopy(definition["properties"]["items"])
            items.pop("default", None)
            schema["$defs"][name] = {
                "description": definition.get("description", ""),
                "anyOf": [{**items, "description": "A plain list: open, what is not listed "
                           "is unknown."}, definition],
            }
    records = [schema["properties"]]
    records += [definition["properties"] for definition in schema["$defs"].values()
                if "properties" in definition and definition.get("title") in _panels(vocabulary)]
    for properties in records:
        for name, prop in properties.items():
            if prop.get("type") == "array" and "$ref" in prop.get("items", {}) and (
                    name not in ("assessments",)):
                one = dict(prop["items"])
                properties[name] = {
                    "description": prop.get("description", ""),
                    "anyOf": [one, {"type": "array", "items": one,
                                    "description": "Several records, each with its date (a "
                                    "history)."}],
                }
    return _framed(schema, "eligibility patient profile")


def _panels(vocabulary: Vocabulary) -> set[str]:
    from .patient import _class_name

    return {_class_name(name) for name, block in vocabulary.blocks.items() if block.panel}


def vocabulary_schema() -> dict[str, Any]:
    """The schema of a vocabulary file (the package's, or one beside the rule files)."""
    return _framed(VocabularyFile.model_json_schema(by_alias=True),
                   "eligibility vocabulary file")


def _one_key(key: str) -> dict[str, Any]:
    kind = KINDS[key]
    body: dict[str, Any]
    if kind.body == "list":
        body = {"type": "array", "minItems": 2 if key == "first" else 1, "items": _CONDITION}
    elif kind.body == "one":
        body = _CONDITION
    elif kind.body == "text_or_model":
        body = {"anyOf": [{"type": "string", "minLength": 1},
                          {"$ref": f"#/$defs/{kind.model.__name__}"}]}
    else:
        body = {"$ref": f"#/$defs/{kind.model.__name__}"}
    return {"type": "object", "properties": {key: body}, "required": [key],
            "additionalProperties": False}


def _is_union(value: Any) -> bool:
    refs = [item.get("$ref", "") for item in value.get("oneOf", [])] if isinstance(
        value, dict) else []
    return bool(refs) and {ref.removeprefix("#/$defs/") for ref in refs} == _MODELS


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
