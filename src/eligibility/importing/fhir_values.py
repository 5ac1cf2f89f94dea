"""FHIR values as a profile states them: codes, dates, references, and Observations.

A date is imported only when the resource gives the whole day (a partial date such as "2015"
would have to be invented into a day); a quantity only in the fact's own unit or one that
converts exactly (10*3/uL is 10^9/L).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from ..vocabulary import Fact, Vocabulary
from . import Imported

__all__ = ["SYSTEMS", "Bundle", "codes_of", "day_of", "label_of", "map_observation"]

SYSTEMS = {
    "http://snomed.info/sct": "snomed",
    "http://loinc.org": "loinc",
    "http://www.nlm.nih.gov/research/umls/rxnorm": "rxnorm",
    "http://www.whocc.no/atc": "atc",
}
IPS_ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"

# UCUM unit -> (the profile's unit, factor). Only exact equivalences and fixed factors.
UNITS: Mapping[str, tuple[str, float]] = {
    "10*3/uL": ("10^9/L", 1), "10*9/L": ("10^9/L", 1), "10^9/L": ("10^9/L", 1),
    "10*3/mm3": ("10^9/L", 1), "/nL": ("10^9/L", 1),
    "g/dL": ("g/dL", 1), "g/L": ("g/dL", 0.1),
    "mg/dL": ("mg/dL", 1), "%": ("%", 1), "U/L": ("U/L", 1), "[IU]/L": ("U/L", 1),
    "mL/min/{1.73_m2}": ("mL/min/1.73m2", 1), "mL/min/1.73m2": ("mL/min/1.73m2", 1),
    "mL/min": ("mL/min", 1), "mmol/L": ("mmol/L", 1), "s": ("s", 1),
    "{INR}": ("ratio", 1), "{ratio}": ("ratio", 1), "1": ("ratio", 1),
    "mIU/L": ("mIU/L", 1), "m[IU]/L": ("mIU/L", 1), "u[IU]/mL": ("mIU/L", 1),
    "kg": ("kg", 1), "g": ("kg", 0.001), "[lb_av]": ("kg", 0.45359237),
    "cm": ("cm", 1), "m": ("cm", 100), "[in_i]": ("cm", 2.54),
    "L": ("L", 1), "mL": ("L", 0.001),
}
GOOD_STATUSES = ("final", "amended", "corrected")


class Bundle:
    """A bundle's resources by reference, and the codes the vocabulary maps."""

    def __init__(self, bundle: Mapping[str, Any], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.by_reference: dict[str, dict[str, Any]] = {}
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            if isinstance(entry.get("fullUrl"), str):
                self.by_reference[entry["fullUrl"]] = resource
            if isinstance(resource.get("id"), str):
                self.by_reference[f"{resource['resourceType']}/{resource['id']}"] = resource
        self.facts_by_loinc: dict[str, Fact] = {}
        for fact in vocabulary.facts.values():
            for code in fact.codes.get("loinc", ()):
                self.facts_by_loinc[code] = fact

    def resolve(self, reference: Any, within: Mapping[str, Any] | None = None) -> (
            dict[str, Any] | None):
        """The resource a Reference points to: contained (#id), by fullUrl, or Type/id."""
        target = reference.get("reference") if isinstance(reference, Mapping) else None
        if not isinstance(target, str):
            return None
        if target.startswith("#") and within is not None:
            return next((item for item in within.get("contained", [])
                         if isinstance(item, dict) and item.get("id") == target[1:]), None)
        found = self.by_reference.get(target)
        if found is None and "/" in target:
            found = self.by_reference.get("/".join(target.split("/")[-2:]))
        return found

    def source(self, resource: Mapping[str, Any]) -> str:
        return f"{resource['resourceType']}/{resource.get('id', '?')}"

    def about_patient(self, resource: Mapping[str, Any], patient: Mapping[str, Any] | None) -> (
            bool):
        """False only when the resource names a subject that is not the bundle's Patient."""
        subject = resource.get("subject") or resource.get("patient")
        if patient is None or not isinstance(subject, Mapping) or "reference" not in subject:
            return True
        return self.resolve(subject) in (None, patient)


def codes_of(concept: Any) -> list[tuple[str, str, str]]:
    """(system, code, display) of each coding of a CodeableConcept."""
    if not isinstance(concept, Mapping):
        return []
    return [(str(coding.get("system", "")), str(coding.get("code", "")),
             str(coding.get("display", "")))
            for coding in concept.get("coding", []) if isinstance(coding, Mapping)]


def label_of(concept: Any) -> str:
    """What a CodeableConcept says in words: its text, else its first display, else a code."""
    if not isinstance(concept, Mapping):
        return ""
    if isinstance(concept.get("text"), str) and concept["text"].strip():
        return str(concept["text"]).strip()
    for _, code, display in codes_of(concept):
        if display.strip() or code:
            return display.strip() or code
    return ""


def coded(concept: Any) -> str:
    """The codes of a concept for a comment: `SNOMED CT 86044005, ATC L02BG03`."""
    names = {"snomed": "SNOMED CT", "loinc": "LOINC", "rxnorm": "RxNorm", "atc": "ATC"}
    return ", ".join(f"{names.get(SYSTEMS.get(system, ''), system or 'no system')} {code}"
                     for system, code, _ in codes_of(concept))


_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")


def day_of(value: Any) -> dt.date | None:
    """The day of a FHIR date or dateTime, None for a partial date or anything else."""
    if not isinstance(value, str) or not (match := _DAY.match(value)):
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def effective_day(resource: Mapping[str, Any], *names: str) -> tuple[dt.date | None, str]:
    """The day of the first of `names` present (a dateTime, or a Period's start), and which
    field gave it, or (None, the raw value) to say why not."""
    for name in names:
        value = resource.get(name)
        if isinstance(value, Mapping):
            value = value.get("start")
        if value is not None:
            return day_of(value), str(value)
    return None, ""


def quantity(value: Any, unit: str) -> float | None:
    """A Quantity in `unit`, converted when its UCUM code converts exactly; None otherwise."""
    if not isinstance(value, Mapping) or not isinstance(value.get("value"), (int, float)):
        return None
    if isinstance(value.get("value"), bool) or value.get("comparator"):
        return None  # "<5" is not the number 5
    if not math.isfinite(value["value"]):
        return None
    given = value.get("code") or value.get("unit")
    target, factor = UNITS.get(str(given), (str(given), 1))
    if target != unit:
        return None
    number = float(value["value"])
    return number if factor == 1 else round(number * factor, 10)


def map_observation(bundle: Bundle, resource: dict[str, Any], source: str,
                    imported: Imported) -> None:
    """A measurement whose LOINC code names a fact: a lab result, a weight, an FVC."""
    fact = next((bundle.facts_by_loinc[code] for system, code, _ in codes_of(resource.get("code"))
                 if SYSTEMS.get(system) == "loinc" and code in bundle.facts_by_loinc), None)
    what = label_of(resource.get("code")) or "an observation"
    if fact is None:
        imported.leave_out(source, f"{what} ({coded(resource.get('code')) or 'no code'}): no "
                           "fact of the vocabulary has this code")
        return
    if fact.derived or not fact.block:
        imported.leave_out(source, f"{what}: {fact.name} is computed by screening or read "
                           "from the Patient, never stated")
        return
    status = resource.get("status")
    if status not in GOOD_STATUSES:
        imported.leave_out(source, f"{what}: status {status!r}, not a final result")
        return
    day, raw = effective_day(resource, "effectiveDateTime", "effectivePeriod",
                             "effectiveInstant", "issued")
    if day is None:
        imported.leave_out(source, f"{what}: no whole date ({repr(raw) if raw else 'none'})")
        return
    unit = "%" if fact.unit == "% predicted" else fact.unit  # UCUM has no "% predicted"
    value = quantity(resource.get("valueQuantity"), unit)
    if value is None:
        shown = _shown(resource.get("valueQuantity") or resource.get("dataAbsentReason"))
        imported.leave_out(source, f"{what}: no value in {unit} ({shown})")
        return
    low, high = fact.minimum, fact.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        imported.leave_out(source, f"{what}: {value:g} {unit} is outside the range of "
                           f"{fact.name} ({fact.describe_range()})")
        return
    if fact.kind != "lab":
        block, name = fact.name.split(".", 1)
        imported.record(block, {name: value, "date": day}, source)
        return
    reference = _reference_range(resource.get("referenceRange"), fact.unit)
    if reference is None:
        imported.leave_out(source, f"{what} {value:g} {fact.unit}: no reference range with low "
                           "and high in this unit (a profile's lab result needs the lab's range)")
        return
    test = fact.name.split(".", 1)[1]
    imported.labs.setdefault(test, []).append(
        ({"value": value, "unit": fact.unit, "date": day, "reference_range": reference}, source))


def _reference_range(ranges: Any, unit: str) -> dict[str, float] | None:
    for candidate in ranges if isinstance(ranges, list) else []:
        if not isinstance(candidate, Mapping):
            continue
        low, high = quantity(candidate.get("low"), unit), quantity(candidate.get("high"), unit)
        if low is not None and high is not None and low <= high:
            return {"low": low, "high": high}
    return None


def _shown(value: Any) -> str:
    if isinstance(value, Mapping) and "value" in value:
        return f"{value.get('value')} {value.get('code') or value.get('unit') or ''}".strip()
    if isinstance(value, Mapping):
        return label_of(value) or "no value"
    return "no value" if value is None else str(value)
