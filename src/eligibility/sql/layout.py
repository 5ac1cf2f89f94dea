"""The population table: one row per patient, each fact's history and each open list as a
nested column, with the types a query engine reads it with.

A row holds:

- `patient_id`, and `age` and `screening_date` as the profile states them (the age on the
  screening date is worked out by the query from these or the `birth_date` fact, as the
  per-patient path does);
- `visits`: a list of `{name, date}`;
- `assessments`: the clinicians' answers, a list of `{trial, criterion, answer, date}`, oldest
  first (of answers given on one day, the one written first last);
- one column per stored fact, named by the fact (`fvc.percent_predicted`): its history, a list
  of `{value, date, visit, low, high}` oldest first, the latest last (`low` and `high` are a
  lab's reference range); a derived fact is stored as the profile gives it (an ALSFRS-R total
  from its items) unless it reads the screening date, which only the query knows;
- one column per group of facts (`alsfrs_r.items`): the records of its block, each with its
  date, visit and every member's value, the latest last;
- one column per open list (`conditions`, `medications`, ...): `{complete, items}` where each
  item is an entry with what the vocabulary says it is (`key`, its concept or name;
  `categories`, with every broader one; ...), worked out on export so the query compares
  names; its status and dates; the attributes rules test (`attributes.severity`); and, in a
  list with doses, the dates each dose began;
- `vocabulary`: what export worked the row out with (`fingerprint`), so that a table is never
  screened with other definitions than it was made with;
- `profile`: the profile itself as JSON, so that `--explain` can screen a patient on the
  explained path from the table alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from ..matching import Regimen, absent_category, direct_categories, entry_key, overtaken
from ..observations import Facts, moving_facts
from ..patient import Entry, PatientProfile
from ..vocabulary import Collection, Fact, Vocabulary, normalise_name

__all__ = ["EXPORT", "OBSERVATION", "attributes", "columns", "entry_type", "fact_columns",
           "fingerprint", "group_columns", "profile_of", "row", "stored", "worked_out"]

_VALUE_TYPES: Mapping[str, str] = {"number": "DOUBLE", "integer": "BIGINT", "lab": "DOUBLE",
                                   "boolean": "BOOLEAN", "category": "VARCHAR", "date": "DATE"}

OBSERVATION = "STRUCT(value {value}, date DATE, visit VARCHAR, low DOUBLE, high DOUBLE)[]"
_ENTRY = ("key VARCHAR, category VARCHAR, coded BOOLEAN, categories VARCHAR[], direct VARCHAR[], "
          "classified BOOLEAN, absent_category VARCHAR, status VARCHAR, start DATE, stop DATE, "
          "date DATE")
_DOSING = ("dosed BOOLEAN, dose_since DATE, dose_daily DOUBLE, dose_base VARCHAR, "
           "doses STRUCT(since DATE, daily DOUBLE, base VARCHAR)[]")
_ATTRIBUTE_TYPES: Mapping[str, str] = {"number": "DOUBLE", "integer": "DOUBLE",
                                       "boolean": "BOOLEAN", "category": "VARCHAR"}


def attributes(collection: Collection) -> tuple[str, ...]:
    """The attributes of a list's entries that rules can test (text is only shown)."""
    return tuple(name for name, attribute in collection.attributes.items()
                 if attribute.kind in _ATTRIBUTE_TYPES)


def entry_type(collection: Collection) -> str:
    """The DuckDB type of a list column: `{complete, items}`."""
    fields = [_ENTRY]
    if collection.dosing:
        fields.append(_DOSING)
    tested = attributes(collection)
    if tested:
        fields.append("attributes STRUCT(" + ", ".join(
            f"{name} {_ATTRIBUTE_TYPES[collection.attributes[name].kind]}" for name in tested)
            + ")")
    return (f"STRUCT(complete BOOLEAN, absent_keys VARCHAR[], absent_categories VARCHAR[], "
            f"present_keys VARCHAR[], present_categories VARCHAR[], "
            f"items STRUCT({', '.join(fields)})[])")


def stored(vocabulary: Vocabulary) -> tuple[str, ...]:
    """The facts the table holds a history of: every fact but those that move with the
    screening date (the built-in ages, and those derived from the screening date or from an
    age, which the query works out: `sql.derived`)."""
    moving = moving_facts(vocabulary)
    return tuple(name for name in vocabulary.facts if name not in moving)


def fact_columns(vocabulary: Vocabulary) -> dict[str, str]:
    """Each stored fact's column and its DuckDB type."""
    return {name: OBSERVATION.format(value=_VALUE_TYPES[vocabulary.facts[name].kind])
            for name in stored(vocabulary)}


def group_columns(vocabulary: Vocabulary) -> dict[str, str]:
    """Each group's column (`alsfrs_r.items`): its block's records, each with its date, visit
    and every member's value as the record gives it, and its DuckDB type."""
    found = {}
    for name, group in vocabulary.groups.items():
        members = ", ".join(
            f"{member} {_VALUE_TYPES[vocabulary.facts[f'{name}.{member}'].kind]}"
            for member in group.members())
        found[name] = f"STRUCT(date DATE, visit VARCHAR, written BIGINT, {members})[]"
    return found


def columns(vocabulary: Vocabulary) -> dict[str, str]:
    """Every column of the table, in order, with its DuckDB type."""
    return {
        "patient_id": "VARCHAR", "age": "BIGINT",
        "screening_date": "DATE", "visits": "STRUCT(name VARCHAR, date DATE)[]",
        "assessments": "STRUCT(trial VARCHAR, criterion VARCHAR, answer BOOLEAN, date DATE)[]",
        **fact_columns(vocabulary),
        **group_columns(vocabulary),
        **{name: entry_type(collection) for name, collection in vocabulary.collections.items()},
        "vocabulary": "VARCHAR",
        "profile": "VARCHAR",
    }


def row(profile: PatientProfile, vocabulary: Vocabulary) -> dict[str, Any]:
    """A profile as one row of the table (JSON-ready: dates as ISO text)."""
    facts = Facts(profile, profile.screening_date or dt.date.today(), vocabulary)
    answers = sorted(enumerate(profile.assessments),
                     key=lambda pair: (pair[1].date, -pair[0]))
    found: dict[str, Any] = {
        "patient_id": profile.id,
        "age": profile.age,
        "screening_date": _iso(profile.screening_date),
        "visits": [{"name": name, "date": _iso(on)} for name, on in profile.visits.items()],
        "assessments": [{"trial": answer.trial, "criterion": answer.criterion,
                         "answer": answer.answer, "date": _iso(answer.date)}
                        for _, answer in answers],
    }
    for name in stored(vocabulary):
        found[name] = [_observation(observation, vocabulary.facts[name])
                       for observation in facts.history(name)]
    for name, group in vocabulary.groups.items():
        found[name] = _records(profile, name, group.members())
    for name, collection in vocabulary.collections.items():
        listed = getattr(profile, name)
        items = list(_entries(collection, listed.items, vocabulary))
        late = overtaken(collection, listed.items)
        found[name] = {"complete": listed.complete, **_recorded(
            [item for index, item in enumerate(items) if index not in late]),
                       "items": items}
    found["vocabulary"] = fingerprint(vocabulary)
    found["profile"] = json.dumps(profile.model_dump(mode="json", by_alias=True,
                                                     exclude_defaults=True), ensure_ascii=False)
    return found


def worked_out(vocabulary: Vocabulary) -> tuple[str, ...]:
    """The stored facts export works out rather than copies (an ALSFRS-R total, ΔFS)."""
    return tuple(name for name in stored(vocabulary) if vocabulary.facts[name].derived)


EXPORT = 2
"""How export works rows out, written into `fingerprint`, one more whenever the code changes it
(the vocabulary's own changes are covered by its digests): 2, leaving out of what a list
records absent a negative a later entry overtakes (`matching.overtaken`), and derived numbers
to 9 decimal places (`expressions.evaluate`). A table from an export before it (no `export`)
may hold such a negative, or a BMI of 18.499999999999996, and is refused, not screened with
the old answers."""


@functools.lru_cache(maxsize=16)
def fingerprint(vocabulary: Vocabulary) -> str:
    """What a row was worked out with, as the text of its `vocabulary` column: the version of
    what export works out (`EXPORT`), a digest of each list's definitions (its concepts,
    synonyms, categories and codes: what each entry is), of the dose units and frequencies (a
    daily dose), of the groups, and of each fact export works out. Words that only describe
    (labels, descriptions, who provides a fact) are left out, so rewording them keeps tables
    valid."""
    lists: dict[str, list[Any]] = {}
    groups: dict[str, Any] = {}
    for _, file in vocabulary.files:
        for name, collection in file.collections.items():
            lists.setdefault(name, []).append(_meaning(collection))
        for name, group in file.groups.items():
            groups[name] = _meaning(group)
    specs = {name: spec for _, file in vocabulary.files for name, spec in file.facts.items()}
    return json.dumps({
        "export": EXPORT,
        "lists": {name: _digest(parts) for name, parts in lists.items()},
        "doses": _digest({"frequencies": dict(vocabulary.frequencies),
                          "dose_units": dict(vocabulary.dose_units)}),
        "groups": _digest(groups),
        "facts": {name: _digest(_meaning(specs[name]))
                  for name in worked_out(vocabulary) if name in specs}},
        sort_keys=True, separators=(",", ":"))


_DESCRIBING = frozenset({"label", "entry", "description", "provided_by"})


def _meaning(value: Any) -> Any:
    """A definition as plain data without the fields that only describe it."""
    if isinstance(value, BaseModel):
        return {name: _meaning(getattr(value, name)) for name in type(value).model_fields
                if name not in _DESCRIBING}
    if isinstance(value, Mapping):
        return {str(key): _meaning(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_meaning(inner) for inner in value]
    return value


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def profile_of(text: str, vocabulary: Vocabulary) -> PatientProfile:
    """The profile a row was made from (its `profile` column), for the explained path."""
    profile: PatientProfile = PatientProfile.model_validate(
        json.loads(text), context={"vocabulary": vocabulary})
    return profile


def _records(profile: PatientProfile, group: str,
             members: tuple[str, ...]) -> list[dict[str, Any]]:
    """A group's records, the one `every` reads last: by date, and of records of one date the
    first written (as `max` picks it)."""
    block, *inside = group.split(".")
    records = list(enumerate(getattr(profile, block, ())))
    records.sort(key=lambda pair: (pair[1].date or dt.date.min, -pair[0]))
    found = []
    for index, record in records:
        holder = record
        for part in inside:
            holder = getattr(holder, part, None)
        found.append({"date": _iso(record.date), "visit": record.visit, "written": index,
                      **{member: getattr(holder, member, None) for member in members}})
    return found


def _observation(observation: Any, fact: Fact) -> dict[str, Any]:
    value = observation.value
    if fact.kind == "date":
        value = _iso(value)
    low, high = observation.reference_range or (None, None)
    return {"value": value, "date": _iso(observation.date), "visit": observation.visit,
            "low": low, "high": high}


def _recorded(items: list[dict[str, Any]]) -> dict[str, list[str]]:
    """What a list records, as `matching._recorded` reads it: the names (concepts) and whole
    categories recorded absent, and the names and categories (with broader ones) present."""
    absent = [item for item in items if item["status"] == "absent"]
    present = [item for item in items if item["status"] != "absent"]
    return {
        "absent_keys": sorted({item["key"] for item in absent if item["key"] is not None}),
        "absent_categories": sorted({item["absent_category"] for item in absent
                                     if item["absent_category"] is not None}),
        "present_keys": sorted({item["key"] for item in present if item["key"] is not None}),
        "present_categories": sorted({category for item in present
                                      for category in item["categories"]}),
    }


def _entries(collection: Collection, items: tuple[Entry, ...],
             vocabulary: Vocabulary) -> Iterator[dict[str, Any]]:
    for entry in items:
        key = entry_key(collection, entry)
        known = collection.known_names.get(key, ()) if key is not None else ()
        direct = direct_categories(collection, entry, key)
        categories = collection.categories_of(
            entry.name, (entry.category,) if entry.category else (), tuple(entry.codes.items()))
        found: dict[str, Any] = {"key": key, "category": entry.category, "coded": bool(entry.codes),
                 "categories": sorted(categories), "direct": sorted(direct),
                 "classified": bool(known) or bool(entry.category),
                 "absent_category": absent_category(collection, entry),
                 "status": entry.status, "start": _iso(entry.start), "stop": _iso(entry.stop),
                 "date": _iso(entry.date)}
        if collection.dosing:
            found |= _dosing(entry, vocabulary)
        tested = attributes(collection)
        if tested:
            found["attributes"] = {name: entry.__dict__.get(name) for name in tested}
        yield found


def _dosing(entry: Entry, vocabulary: Vocabulary) -> dict[str, Any]:
    """A medication's regimens: whether it states a dose, since when, and each regimen's daily
    dose in its unit's base unit (mg, ...), as `matching.daily_dose` works it out before the
    division by the unit a rule asks for; NULL when the frequency or unit is not known."""
    own = Regimen(getattr(entry, "dose", None), getattr(entry, "unit", None),
                  getattr(entry, "frequency", None), getattr(entry, "dose_since", None))
    daily, base = _base_daily(own, vocabulary)
    doses = []
    for dose in getattr(entry, "doses", ()):
        each = _base_daily(Regimen(dose.dose, dose.unit, dose.frequency, dose.from_), vocabulary)
        doses.append({"since": _iso(dose.from_), "daily": each[0], "base": each[1]})
    return {"dosed": own.dose is not None, "dose_since": _iso(own.since), "dose_daily": daily,
            "dose_base": base, "doses": doses}


def _base_daily(regimen: Regimen, vocabulary: Vocabulary) -> tuple[float | None, str | None]:
    """The daily dose in the base unit and that unit, in `matching.daily_dose`'s order of
    operations (the dose times the doses a day times the unit's factor), so that the division
    the query makes gives the same number."""
    if regimen.dose is None or regimen.frequency is None or regimen.unit is None:
        return None, None
    frequency = vocabulary.frequencies.get(normalise_name(regimen.frequency))
    given = vocabulary.dose_units.get(regimen.unit)
    if frequency is None or given is None:
        return None, None
    return regimen.dose * frequency[1] * given[1], given[0]


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()
