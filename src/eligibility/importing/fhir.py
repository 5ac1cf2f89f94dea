"""Read a FHIR R4 Bundle into an `Imported` profile, mapping by the vocabulary's standard codes.

Plain dictionaries, checked here: a bundle is JSON with a few dozen fields that matter, and a
FHIR object model would add a large dependency to check what screening never reads. Every
resource either becomes facts, each with the resource it came from, or is listed with the
reason it was not imported; a fact that cannot be read exactly is never written, so it stays
unknown (never a false "no"). Docs: docs/fhir.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..loading import InputError, Problem
from ..source import SourceSpan
from ..vocabulary import DEFAULT, Vocabulary
from . import Imported, is_bundle, profile_text
from .fhir_lists import (
    map_allergy,
    map_condition,
    map_medication,
    map_procedure,
    one_regimen_per_name,
)
from .fhir_values import Bundle, day_of, label_of, map_observation

__all__ = ["bundle_as_profile", "import_bundle", "is_bundle", "read_bundle"]

MAX_BUNDLE_BYTES = 200 * 1024 * 1024
"""A bundle may be much larger than a profile: a Synthea history runs to megabytes."""

_MAPPERS: Mapping[str, Callable[[Bundle, dict[str, Any], str, Imported], None]] = {
    "Condition": map_condition,
    "MedicationStatement": map_medication,
    "MedicationRequest": map_medication,
    "AllergyIntolerance": map_allergy,
    "Procedure": map_procedure,
    "Observation": map_observation,
}
# Resources that only support others (a Medication named by a MedicationStatement) or that
# carry nothing a profile holds; listed once by type in what was not imported.
_LISTS = {"Condition": "conditions", "MedicationStatement": "medications",
          "MedicationRequest": "medications", "AllergyIntolerance": "allergies",
          "Procedure": "procedures"}
_CONTEXT = {"Composition", "Medication", "Practitioner", "PractitionerRole", "Organization",
            "Encounter", "Location", "Provenance", "DiagnosticReport", "Claim",
            "ExplanationOfBenefit", "Coverage", "Device", "Specimen"}
_ABOUT = {
    "Immunization": "a profile has no place for immunizations",
    "CarePlan": "a care plan states intentions, not facts about the patient",
}


def read_bundle(path: Path | str, text: str | None = None) -> dict[str, Any]:
    """The bundle as JSON values; InputError with the file and the place when it is not a
    readable JSON FHIR Bundle."""
    from ..loading import read_text

    name = str(path)
    if text is None:
        text = read_text(Path(path), limit=MAX_BUNDLE_BYTES, what="FHIR bundle (JSON)")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        hint = ""
        if error.msg == "Extra data" and '"patient_id"' in text.partition("\n")[0]:
            hint = (" (a JSON object a line, each with a patient_id: a population table? "
                    "Name it .jsonl)")
        raise InputError([Problem(SourceSpan(name, error.lineno, error.colno), "",
                                  f"invalid JSON: {error.msg.lower()}{hint}")]) from None
    except RecursionError:
        raise InputError([_problem(name, "", "invalid JSON: nested too deeply")]) from None
    if not isinstance(value, dict):
        raise InputError([_problem(name, "", f"expected a FHIR Bundle (a JSON object), got "
                                   f"{_kind(value)}")])
    kind = value.get("resourceType")
    if kind != "Bundle":
        what = f"a {kind} resource" if isinstance(kind, str) else "no resourceType"
        raise InputError([_problem(name, "resourceType", f"expected a FHIR Bundle, got {what} "
                                   "(export the patient's record as a Bundle)")])
    entries = value.get("entry", [])
    problems = [] if isinstance(entries, list) else [
        _problem(name, "entry", f"expected a list of entries, got {_kind(entries)}")]
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append(_problem(name, f"entry[{index}].resource",
                                     "expected a FHIR resource with its resourceType"))
    patients = [entry["resource"] for entry in entries if isinstance(entries, list) and
                not problems and entry["resource"]["resourceType"] == "Patient"]
    if not problems and len(patients) > 1:
        problems.append(_problem(name, "entry", f"the bundle holds {len(patients)} Patient "
                                 "resources; a profile is one patient (export one per file)"))
    if problems:
        raise InputError(problems)
    return value


def import_bundle(bundle: Mapping[str, Any], *, vocabulary: Vocabulary = DEFAULT,
                  patient_id: str | None = None, fallback_id: str = "imported") -> Imported:
    """The profile a bundle states: every resource mapped, or listed as left out. Its id is
    `patient_id`, else the Patient's id, else `fallback_id` (the file's name)."""
    context = Bundle(bundle, vocabulary)
    imported = Imported()
    resources = [entry["resource"] for entry in bundle.get("entry", [])]
    patient = next((r for r in resources if r["resourceType"] == "Patient"), None)
    _map_patient(patient, imported, patient_id, fallback_id)
    ignored: dict[str, int] = {}
    for resource in resources:
        kind = resource["resourceType"]
        source = context.source(resource)
        if kind == "Patient":
            continue
        if kind == "Composition":
            _empty_sections(resource, source, imported)
        if not context.about_patient(resource, patient):
            imported.leave_out(source, "about another patient than the bundle's Patient")
        elif kind in _MAPPERS:
            _map_one(context, resource, source, imported)
        elif kind in _ABOUT:
            imported.leave_out(source, _ABOUT[kind])
        else:
            ignored[kind] = ignored.get(kind, 0) + 1
    for kind, count in sorted(ignored.items()):
        reason = ("context for other resources, no facts of its own" if kind in _CONTEXT else
                  "a resource type this importer does not map")
        imported.leave_out(f"{count} {kind}", reason)
    one_regimen_per_name(imported, vocabulary)
    imported.settle_complete_lists()
    return imported


def _map_one(context: Bundle, resource: dict[str, Any], source: str, imported: Imported) -> None:
    """Map one resource, all of it or nothing: a resource whose fields do not have the shapes
    FHIR R4 defines (a list where a code belongs) is listed, never half imported."""
    scratch = Imported()
    try:
        _MAPPERS[resource["resourceType"]](context, resource, source, scratch)
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        imported.leave_out(source, "its fields do not have the shapes FHIR R4 defines (check "
                           "the resource); not imported")
        imported.unsure.setdefault(_LISTS.get(resource["resourceType"], ""), []).append(source)
        return
    imported.merge(scratch)


def _empty_sections(composition: Mapping[str, Any], source: str, imported: Imported) -> None:
    """A document section that says why it is empty (emptyReason "nilknown", say) is listed:
    its entries, not its reason, are what the importer reads."""
    for section in composition.get("section") or []:
        reason = section.get("emptyReason") if isinstance(section, Mapping) else None
        if reason:
            title = section.get("title") or label_of(section.get("code")) or "a section"
            imported.leave_out(f"{source} section {title!r}", f"empty, with the reason "
                               f"{label_of(reason)!r}: a section's reason is not read, so "
                               "what it covers stays unknown")


def _map_patient(patient: dict[str, Any] | None, imported: Imported,
                 patient_id: str | None, fallback_id: str) -> None:
    if patient is None:
        imported.leave_out("Bundle", "no Patient resource: no birth date or sex")
        imported.scalars["id"] = (patient_id or fallback_id, "")
        return
    source = f"Patient/{patient.get('id', '?')}"
    own = patient.get("id")
    imported.scalars["id"] = (patient_id or (own if isinstance(own, str) and own.strip()
                                             else fallback_id),
                              "" if patient_id or not isinstance(own, str) else source)
    birth = patient.get("birthDate")
    if isinstance(birth, str) and (day := day_of(birth)) is not None:
        imported.scalars["birth_date"] = (day, source)
    elif birth is not None:
        imported.leave_out(f"{source}.birthDate", f"{birth!r} is not a whole date")
    gender = patient.get("gender")
    if gender in ("female", "male"):
        imported.scalars["sex"] = (gender, source)
    elif gender is not None:
        imported.leave_out(f"{source}.gender", f"{gender!r} is neither female nor male, the "
                           "values a profile's sex takes")
    deceased = patient.get("deceasedDateTime") or patient.get("deceasedBoolean")
    if deceased:
        when = f" on {day_of(deceased)}" if isinstance(deceased, str) and day_of(deceased) else ""
        imported.leave_out(f"{source}.deceased", f"the patient is recorded as deceased{when}; "
                           "a profile has no field for it (check before screening)")


def _problem(file: str, field: str, message: str) -> Problem:
    return Problem(SourceSpan(file, 0, 0), field, message)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true or false",
            type(None): "null"}.get(type(value), "a number")



def bundle_as_profile(path: Path | str, text: str | None = None, *,
                      vocabulary: Vocabulary = DEFAULT, patient_id: str | None = None,
                      header: tuple[str, ...] = ()) -> tuple[str | None, tuple[Problem, ...]]:
    """A bundle file as profile text (what `import fhir` writes), or the problems that stop it
    from being read."""
    try:
        bundle = read_bundle(path, text)
    except InputError as error:
        return None, error.problems
    stem = Path(str(path)).stem
    imported = import_bundle(bundle, vocabulary=vocabulary, patient_id=patient_id,
                             fallback_id=stem if stem and stem != "<stdin>" else "imported")
    return profile_text(imported, header), ()


def problems_in_bundle(problems: tuple[Problem, ...], text: str) -> tuple[Problem, ...]:
    """Problems of the profile a bundle became, told by the resource each fact came from
    (the comment on its line) instead of a line of a text the user never saw."""
    lines = text.splitlines()
    found = []
    for problem in problems:
        line = lines[problem.span.line - 1] if 0 < problem.span.line <= len(lines) else ""
        source = line.rpartition("  # ")[2] if "  # " in line else ""
        field = f"{source} ({problem.field})" if source and problem.field else (
            source or problem.field)
        found.append(Problem(SourceSpan(problem.span.file, 0, 0), field, problem.message,
                             problem.severity))
    return tuple(found)
