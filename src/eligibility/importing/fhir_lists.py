"""FHIR Conditions, medications, allergies and procedures as entries of the profile's lists.

An entry keeps the resource's codes (SNOMED CT, RxNorm, ATC), so the vocabulary places it in
its categories; a code the vocabulary knows names it (RxNorm 309362 is clopidogrel). A
statement of absence is imported exactly as far as it goes: a refuted Condition rules out that
condition, the International Patient Summary's "no known allergies" makes the allergy list
complete, while its "no known medications" and "no known problems" do not (the IPS defines
them as "none that have to be reported in this record", which allows known ones judged not
relevant), and its "no information" codes state nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from ..vocabulary import Vocabulary
from . import Imported
from .fhir_values import (
    IPS_ABSENT,
    SYSTEMS,
    Bundle,
    coded,
    codes_of,
    day_of,
    effective_day,
    label_of,
)

__all__ = ["map_allergy", "map_condition", "map_medication", "map_procedure"]

_CONDITION_STATUS = {"active": "current", "recurrence": "current", "relapse": "current",
                     "inactive": "past", "remission": "past", "resolved": "past"}
_STATEMENT_STATUS = {"active": "current", "completed": "past", "stopped": "past",
                     "not-taken": "absent", "on-hold": None, "unknown": None}
_REQUEST_STATUS = {"active": "current", "completed": "past", "stopped": "past",
                   "on-hold": None}
_ORDERS = ("order", "original-order", "reflex-order", "filler-order", "instance-order")
_ALLERGY_CATEGORY = {"medication": "drug", "food": "food", "environment": "environmental"}

# What the IPS absent/unknown codes (and the SNOMED CT situations used the same way) state
# about the allergy list: the whole list complete, or one category absent.
_NO_KNOWN_ALLERGIES = {(IPS_ABSENT, "no-known-allergies"), ("http://snomed.info/sct", "716186003"),
                       ("http://snomed.info/sct", "160244002")}
_ABSENT_ALLERGY_CATEGORY = {
    (IPS_ABSENT, "no-known-medication-allergies"): "drug",
    ("http://snomed.info/sct", "409137002"): "drug",
    (IPS_ABSENT, "no-known-food-allergies"): "food",
    (IPS_ABSENT, "no-known-environmental-allergies"): "environmental",
}
_IPS_MEANING = {
    "no-known-problems": "IPS 'no known problems' means none that have to be reported in this "
    "record (known ones may have been judged not relevant): not a complete list",
    "no-known-medications": "IPS 'no known medications' means none that have to be reported "
    "in this record (known ones may have been judged not relevant): not a complete list",
    "no-known-procedures": "IPS 'no known procedures' means none that have to be reported in "
    "this record: not a complete list",
}


def map_condition(bundle: Bundle, resource: dict[str, Any], source: str,
                  imported: Imported) -> None:
    """A diagnosis or history item, current, past or refuted; ALS also sets the `als` facts."""
    concept = resource.get("code")
    if _states_absence(concept, source, imported, "conditions"):
        return
    verification = _code(resource.get("verificationStatus"))
    if not _verified(verification, source, imported):
        return
    entry = _entry(bundle, "conditions", concept, source, imported)
    if entry is None:
        return
    recorded = day_of(resource.get("recordedDate"))
    if verification == "refuted":
        imported.entry("conditions", {**entry, "status": "absent",
                                      **_dated(recorded)}, source)
        return
    status = _CONDITION_STATUS.get(_code(resource.get("clinicalStatus")) or "")
    for name in resource:
        if name.startswith(("onset", "abatement")) and not name.endswith(("DateTime",
                                                                         "Period")):
            imported.leave_out(f"{source}.{name}", f"{resource[name]!r} is not a date; left out")
    start = _day(resource, source, imported, "onsetDateTime", "onsetPeriod")
    stop = _day(resource, source, imported, "abatementDateTime", "abatementPeriod")
    if status is None and stop is not None:
        status = "past"
    values = {**entry, **_dated(recorded), **({"status": status} if status else {}),
              **({"start": start} if start else {}),
              **({"stop": stop} if stop and status != "current" and (
                  not start or start <= stop) else {})}
    imported.entry("conditions", values, source)
    _block_facts(bundle, concept, start, source, imported)


def map_medication(bundle: Bundle, resource: dict[str, Any], source: str,
                   imported: Imported) -> None:
    """A MedicationStatement or MedicationRequest, with its status, dates, dose and frequency."""
    request = resource["resourceType"] == "MedicationRequest"
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        medication = bundle.resolve(resource.get("medicationReference"), resource)
        concept = medication.get("code") if medication else None
    if _states_absence(concept, source, imported, "medications"):
        return
    status_code = resource.get("status")
    statuses = _REQUEST_STATUS if request else _STATEMENT_STATUS
    if status_code not in statuses:
        imported.leave_out(source, f"{label_of(concept) or 'a medication'}: status "
                           f"{status_code!r} does not say the patient takes or took it")
        return
    if request and resource.get("intent") not in _ORDERS:
        imported.leave_out(source, f"{label_of(concept)}: intent {resource.get('intent')!r} "
                           "is not an order")
        return
    entry = _entry(bundle, "medications", concept, source, imported)
    if entry is None:
        return
    status = statuses[status_code]
    dosages = resource.get("dosageInstruction" if request else "dosage") or []
    if request:
        timing = dosages[0].get("timing", {}) if len(dosages) == 1 else {}
        period = timing.get("repeat", {}).get("boundsPeriod", {}) if isinstance(
            timing, Mapping) else {}
        date = day_of(resource.get("authoredOn"))
    else:
        period = resource.get("effectivePeriod") or {}
        date = day_of(resource.get("effectiveDateTime") or resource.get("dateAsserted"))
    start = day_of(period.get("start")) if isinstance(period, Mapping) else None
    stop = day_of(period.get("end")) if isinstance(period, Mapping) else None
    if isinstance(period, Mapping) and period.get("start") and start is None:
        imported.leave_out(f"{source}.start", f"{period['start']!r} is not a whole date")
    values: dict[str, Any] = {**entry, **({"status": status} if status else {}),
                              **_dated(date)}
    if status != "absent":
        values.update({"start": start} if start else {})
        values.update({"stop": stop} if stop and status != "current" and (
            not start or start <= stop) else {})
        values.update(_dose(bundle, dosages))
    imported.entry("medications", values, source)


def map_allergy(bundle: Bundle, resource: dict[str, Any], source: str,
                imported: Imported) -> None:
    """An allergy or intolerance, or a statement that there is none (of a kind)."""
    concept = resource.get("code")
    codes = {(system, code) for system, code, _ in codes_of(concept)}
    recorded = day_of(resource.get("recordedDate"))
    verification = _code(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        imported.leave_out(source, "entered in error")
        return
    if codes & _NO_KNOWN_ALLERGIES:
        imported.complete["allergies"] = (recorded, f"{source}: no known allergies")
        return
    if absent := next((c for key, c in _ABSENT_ALLERGY_CATEGORY.items() if key in codes), None):
        imported.entry("allergies", {"category": absent, "status": "absent",
                                     **_dated(recorded)}, f"{source}: {label_of(concept)}")
        return
    if _states_absence(concept, source, imported, "allergies"):
        return
    if not _verified(verification, source, imported, "allergies"):
        return
    entry = _entry(bundle, "allergies", concept, source, imported)
    if entry is None:
        return
    categories = [_ALLERGY_CATEGORY[c] for c in resource.get("category", [])
                  if c in _ALLERGY_CATEGORY]
    if len(categories) == 1 and "category" not in entry:
        entry["category"] = categories[0]
    if verification == "refuted":
        imported.entry("allergies", {**entry, "status": "absent", **_dated(recorded)}, source)
        return
    status = _CONDITION_STATUS.get(_code(resource.get("clinicalStatus")) or "")
    values = {**entry, **({"status": status} if status else {}), **_dated(recorded),
              **_reactions(resource.get("reaction"))}
    imported.entry("allergies", values, source)


def map_procedure(bundle: Bundle, resource: dict[str, Any], source: str,
                  imported: Imported) -> None:
    """A procedure done (a gastrostomy) or under way (ventilation)."""
    concept = resource.get("code")
    if _states_absence(concept, source, imported, "procedures"):
        return
    status = resource.get("status")
    if status not in ("completed", "in-progress"):
        imported.leave_out(source, f"{label_of(concept) or 'a procedure'}: status {status!r} "
                           "does not say it was done")
        return
    entry = _entry(bundle, "procedures", concept, source, imported)
    if entry is None:
        return
    # Only the day it was done: the end of the Period is the end of the operation, not the
    # removal of a device, so it is never taken as a stop date.
    day = _day(resource, source, imported, "performedDateTime", "performedPeriod")
    imported.entry("procedures", {**entry, **({"status": "current"} if status == "in-progress"
                                              else {}), **_dated(day)}, source)


def _entry(bundle: Bundle, collection: str, concept: Any, source: str,
           imported: Imported) -> dict[str, Any] | None:
    """Name and codes of an entry; a code the vocabulary knows gives the concept's name."""
    codes: dict[str, str] = {}
    name = None
    known = bundle.vocabulary.collections[collection]
    for system, code, _ in codes_of(concept):
        key = SYSTEMS.get(system)
        if key is None or not code:
            continue
        codes.setdefault(key, code)
        if name is None and (found := known.concept_by_code(key, code)) is not None:
            name = found.name
    name = name or label_of(concept)
    if not name and not codes:
        imported.leave_out(source, "no code or text says what it is")
        imported.unsure.setdefault(collection, []).append(source)
        return None
    return {**({"name": name} if name else {}), **({"codes": codes} if codes else {})}


def _states_absence(concept: Any, source: str, imported: Imported, collection: str) -> bool:
    """Whether the concept says there is nothing (an IPS absent/unknown code, or a text such as
    "No known ..."), which is then listed and never taken for something present."""
    for system, code, _ in codes_of(concept):
        if system == IPS_ABSENT:
            meaning = _IPS_MEANING.get(code) or (
                f"IPS {code!r}: no information, so {collection} stay unknown"
                if code.endswith("-info") else f"IPS {code!r} is not mapped")
            imported.leave_out(source, meaning)
            return True
    words = label_of(concept).casefold()
    if words.startswith(("no ", "none", "nil ")):
        imported.leave_out(source, f"{label_of(concept)!r} ({coded(concept)}): a statement of "
                           f"absence this importer does not map; {collection} stay unknown")
        return True
    return False


def _verified(verification: str | None, source: str, imported: Imported,
              collection: str = "conditions") -> bool:
    if verification == "entered-in-error":
        imported.leave_out(source, "entered in error")
        return False
    if verification in ("unconfirmed", "provisional", "differential", "presumed"):
        imported.leave_out(source, f"verification status {verification!r}: not confirmed, "
                           f"so it stays unknown (and the {collection} list is not complete)")
        imported.unsure.setdefault(collection, []).append(source)
        return False
    return True


def _block_facts(bundle: Bundle, concept: Any, onset: dt.date | None, source: str,
                 imported: Imported) -> None:
    """A Condition coded like a boolean fact (SNOMED CT 86044005, ALS): the fact is true, and
    the block's onset_date is the Condition's onset."""
    for fact in bundle.vocabulary.facts.values():
        if fact.kind != "boolean" or not fact.stated or fact.block is None:
            continue
        if any(SYSTEMS.get(system) == "snomed" and code in fact.codes.get("snomed", ())
               for system, code, _ in codes_of(concept)):
            values: dict[str, Any] = {fact.path[-1]: True}
            if onset and f"{fact.block}.onset_date" in bundle.vocabulary.facts:
                values["onset_date"] = onset
            imported.record(fact.block, values, source)


def _dose(bundle: Bundle, dosages: Any) -> dict[str, Any]:
    """Dose, unit and frequency from a single dosage line, when each is exact."""
    if not isinstance(dosages, list) or len(dosages) != 1 or not isinstance(dosages[0], Mapping):
        return {}
    dosage, found = dosages[0], {}
    rates = dosage.get("doseAndRate") or [{}]
    quantity = rates[0].get("doseQuantity") if isinstance(rates[0], Mapping) else None
    if isinstance(quantity, Mapping) and isinstance(quantity.get("value"), (int, float)):
        unit = {"ug": "mcg"}.get(str(quantity.get("code")), str(quantity.get("code") or
                                                                 quantity.get("unit")))
        if unit in bundle.vocabulary.dose_units and quantity["value"] > 0:
            found = {"dose": float(quantity["value"]), "unit": unit}
    repeat = (dosage.get("timing") or {}).get("repeat") or {}
    days = {"d": 1, "wk": 7}.get(str(repeat.get("periodUnit")))
    if found and days and repeat.get("frequency") and repeat.get("period"):
        per_day = repeat["frequency"] / (repeat["period"] * days)
        name = next((name for name, (_, rate) in bundle.vocabulary.frequencies.items()
                     if abs(rate - per_day) < 1e-9), None)
        if name is not None:
            found["frequency"] = bundle.vocabulary.frequencies[name][0]
    return found


def _reactions(reactions: Any) -> dict[str, Any]:
    severities = [r.get("severity") for r in reactions or [] if isinstance(r, Mapping)]
    order = ["mild", "moderate", "severe"]
    worst = max((s for s in severities if s in order), key=order.index, default=None)
    words = [label_of(m) for r in reactions or [] if isinstance(r, Mapping)
             for m in r.get("manifestation", [])]
    return {**({"severity": worst} if worst else {}),
            **({"reaction": ", ".join(w for w in words if w)} if any(words) else {})}


def _day(resource: Mapping[str, Any], source: str, imported: Imported,
         *names: str) -> dt.date | None:
    day, raw = effective_day(resource, *names)
    if day is None and raw:
        imported.leave_out(f"{source}.{names[0].removesuffix('DateTime')}",
                           f"{raw!r} is not a whole date; left out")
    return day


def _dated(day: dt.date | None) -> dict[str, Any]:
    return {"date": day} if day else {}


def _code(concept: Any) -> str | None:
    return next((code for _, code, _ in codes_of(concept)), None)


def one_regimen_per_name(imported: Imported, vocabulary: Vocabulary) -> None:
    """A chart often records one drug twice (an order and a statement, or a refill): where a
    profile holds each named thing once while current (`singular_names`: riluzole, whatever
    its brand), the current entries of one thing become one. What they agree on is kept; a
    field they disagree on (a dose, a frequency) is left out, so rules that read it stay
    unknown rather than reading either; the start is the earliest, the date the latest."""
    for collection, entries in imported.lists.items():
        known = vocabulary.collections.get(collection)
        if known is None or not known.singular_names:
            continue
        groups: dict[str, list[int]] = {}
        for index, (values, _) in enumerate(entries):
            key = known.thing_named(values.get("name"), values.get("codes") or {})
            if values.get("status") == "current" and key is not None:
                groups.setdefault(key, []).append(index)
        merged: dict[int, tuple[dict[str, Any], str]] = {}
        for indexes in groups.values():
            if len(indexes) > 1:
                merged[indexes[0]] = _merged([entries[i] for i in indexes], imported,
                                             collection)
        dropped = {i for indexes in groups.values() if len(indexes) > 1 for i in indexes[1:]}
        imported.lists[collection] = [merged.get(index, entry) for index, entry in
                                      enumerate(entries) if index not in dropped]


def _merged(entries: list[tuple[dict[str, Any], str]], imported: Imported,
            collection: str) -> tuple[dict[str, Any], str]:
    (first, source), *others = entries
    values = dict(first)
    differing: set[str] = set()
    for other, _ in others:
        for field, value in other.items():
            if field in ("start", "date"):
                continue
            if field not in values and field not in differing:
                values[field] = value
            elif field in values and values[field] != value:
                differing.add(field)
                del values[field]
    starts = [entry["start"] for entry, _ in entries if entry.get("start")]
    dates = [entry["date"] for entry, _ in entries if entry.get("date")]
    values.pop("start", None)
    values.pop("date", None)
    values.update({"start": min(starts)} if starts else {})
    values.update({"date": max(dates)} if dates else {})
    label = values.get("name") or "an entry"
    without = (f", without the {', '.join(sorted(differing))} on which they disagree"
               if differing else "")
    for _, other_source in others:
        imported.leave_out(other_source, f"{label}: also current in {source}; the {collection} "
                           f"list holds it once{without}")
    return values, source
