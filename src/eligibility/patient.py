"""PatientProfile: what a profile may state, with its models generated from the vocabulary.

The fixed part of a profile (id, screening date, recorded age, visits, clinicians' answers) is
written here; every fact-bearing part (a block such as `fvc` or `alsfrs_r`, the lab panel, the
open lists) is generated from the vocabulary, so a fact added to a vocabulary file is at once
a field a profile can state, validated by its kind and range. A block is one record or a list
of dated records (a history); a list entry's status is never assumed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema

from .source import SubfieldError, shown
from .vocabulary import (
    DEFAULT,
    Attribute,
    Block,
    Collection,
    Fact,
    Group,
    Vocabulary,
    closest,
    normalise_name,
)

__all__ = [
    "Assessment",
    "Dose",
    "Entry",
    "History",
    "Lab",
    "PatientProfile",
    "ReferenceRange",
    "profile_model",
]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Text = Annotated[str, Field(min_length=1)]
VisitName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$", max_length=40)]
Status = Literal["current", "past", "absent"]


def listed(value: Any) -> Any:
    """One record where a list of records is expected is a list of one."""
    return [value] if isinstance(value, Mapping) else value


class ReferenceRange(Model):
    """The reporting lab's reference interval."""

    low: Annotated[float, Strict()]
    high: Annotated[float, Strict()]

    @model_validator(mode="after")
    def _ordered(self) -> ReferenceRange:
        if self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        return self


class Lab(Model):
    """One lab result with the reporting lab's reference range."""

    value: Annotated[float, Strict(), Field(ge=0, le=100_000)]
    unit: str
    date: dt.date
    reference_range: ReferenceRange
    visit: VisitName | None = None


class Dose(Model):
    """One dosing regimen of a medication, from the date it began."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    from_: dt.date = Field(alias="from", description="The day this regimen began.")
    dose: Annotated[float, Strict(), Field(gt=0)]
    unit: Text
    frequency: Text | None = Field(None, description="once daily, twice daily, bid, ...")


class Entry(Model):
    """One entry of an open list: present (current, past, or of unknown timing) or absent."""

    name: Text | None = None
    category: str | None = None
    codes: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], Text] = Field(
        default_factory=dict, description="Standard codes by system: {atc: B01AF02}.")
    status: Status | None = Field(None, description="current, past or absent; left out, the "
                                  "entry is present but whether it is current is unknown.")
    date: dt.date | None = Field(None, description="When it was recorded, diagnosed or done.")
    start: dt.date | None = Field(None, description="When it began.")
    stop: dt.date | None = Field(None, description="When it ended.")
    note: str | None = None

    @model_validator(mode="after")
    def _named(self) -> Entry:
        if self.name is None and self.category is None and not self.codes:
            raise ValueError("give a name or a category (or both)")
        if self.start is not None and self.stop is not None and self.start > self.stop:
            raise SubfieldError("stop", f"stop {self.stop} is before start {self.start}")
        if self.status == "current" and self.stop is not None:
            raise SubfieldError("stop", f"a current entry has no stop date (it stopped on "
                                f"{self.stop}: its status is past)")
        if self.status == "absent" and (self.start or self.stop):
            raise SubfieldError("status", "an absent entry has no start or stop date")
        return self


class DosedEntry(Entry):
    """A medication: the entry's fields, with dose, frequency, route and dose changes."""

    dose: Annotated[float, Strict(), Field(gt=0)] | None = None
    unit: Text | None = None
    frequency: Text | None = None
    route: Text | None = None
    dose_since: dt.date | None = Field(None, description="The day the current dose began.")
    doses: tuple[Dose, ...] = Field((), description="Each regimen from the day it began, "
                                    "oldest first; the last is the current one.")

    @model_validator(mode="after")
    def _dosed(self) -> DosedEntry:
        if self.doses and (self.dose is not None or self.dose_since is not None):
            raise SubfieldError("doses", "give the regimens in doses, or dose with dose_since, "
                                "not both")
        if self.dose is not None and self.unit is None:
            raise SubfieldError("unit", "a dose needs its unit (mg, ...)")
        days = [regimen.from_ for regimen in self.doses]
        if days != sorted(days) or len(set(days)) != len(days):
            raise SubfieldError("doses", "each regimen begins on its own day, oldest first")
        return self


E = TypeVar("E", bound=Entry)


class History(Model, Generic[E]):
    """An open list. Anything not listed is unknown, unless `complete` says the list was
    reviewed in full, in which case anything not listed is absent."""

    complete: StrictBool = False
    reviewed: dt.date | None = None
    items: tuple[E, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return {"items": value} if isinstance(value, list) else value


class Assessment(Model):
    """A clinician's answer to a judgment criterion of one trial."""

    trial: Text
    criterion: Text
    answer: StrictBool = Field(description="yes or no to the criterion's judgment question.")
    by: Text
    date: dt.date
    note: str | None = None


class PatientProfile(Model):
    """Everything known about one patient for screening. What is not stated is unknown.

    The models that validate profiles are generated from a vocabulary (`profile_model`);
    `PatientProfile.model_validate` validates with the package's vocabulary, or with
    `context={"vocabulary": ...}`.
    """

    vocabulary: ClassVar[Vocabulary] = DEFAULT

    id: Text
    screening_date: dt.date | None = None
    age: Annotated[int, Strict(), Field(ge=0, le=130)] | None = Field(
        None, description="Age in completed years on screening_date, when no birth_date.")
    visits: dict[VisitName, dt.date] = Field(
        default_factory=dict, description="Dated visits by name (screening, baseline, ...).")
    assessments: tuple[Assessment, ...] = ()
    note: str | None = None

    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool | None = None,
                       from_attributes: bool | None = None, context: Any = None,
                       **more: Any) -> Any:
        if cls is PatientProfile:
            vocabulary = (context or {}).get("vocabulary", DEFAULT)
            cls = profile_model(vocabulary)
        return super().model_validate(
            obj, strict=strict, from_attributes=from_attributes, context=context, **more)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if cls is PatientProfile:
            return profile_model(DEFAULT).model_json_schema(*args, **kwargs)
        return super().model_json_schema(*args, **kwargs)

    @field_validator("assessments")
    @classmethod
    def _answers_agree(cls, assessments: tuple[Assessment, ...]) -> tuple[Assessment, ...]:
        seen: dict[tuple[str, str, dt.date], tuple[int, Assessment]] = {}
        for index, assessment in enumerate(assessments):
            key = (assessment.trial, assessment.criterion, assessment.date)
            if key in seen and seen[key][1].answer != assessment.answer:
                first, earlier = seen[key]
                raise SubfieldError(
                    (index, "answer"),
                    f"contradicts assessment {first + 1} ({earlier.by}, same trial, criterion "
                    f"and date {assessment.date}, answer {shown(earlier.answer)}); keep the "
                    "answer that stands, or date the later one")
            seen.setdefault(key, (index, assessment))
        return assessments

    @model_validator(mode="after")
    def _consistent(self) -> PatientProfile:
        self._check_age()
        self._check_visits()
        return self

    def _check_age(self) -> None:
        born, on, age = getattr(self, "birth_date", None), self.screening_date, self.age
        if age is not None and on is None and born is None:
            raise SubfieldError("age", "age needs a screening_date to say when it was true (or "
                                "give birth_date instead)")
        if age is not None and on is not None and born is not None:
            exact = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            if exact != age:
                raise SubfieldError("age", f"age {age} does not match birth_date {born} "
                                    f"({exact} on {on}); give one or the other")

    def _check_visits(self) -> None:
        for path, visit in _record_visits(self):
            if visit not in self.visits:
                known = f" (visits: {', '.join(self.visits)})" if self.visits else (
                    " (add it to visits: with its date)")
                raise SubfieldError((*path, "visit"), f"visit {visit!r} is not among the "
                                    f"profile's visits{closest(visit, self.visits) or known}")


def _record_visits(profile: PatientProfile) -> Iterable[tuple[tuple[str | int, ...], str]]:
    vocabulary = type(profile).vocabulary
    for name, block in vocabulary.blocks.items():
        value = getattr(profile, name, None)
        if block.panel and value is not None:
            for test in block.facts:
                field = test.split(".")[1]
                for index, lab in enumerate(getattr(value, field, ())):
                    if lab.visit is not None:
                        yield (name, field, index), lab.visit
        elif value:
            for index, record in enumerate(value):
                if record.visit is not None:
                    yield (name, index), record.visit


# Generation from the vocabulary

@functools.lru_cache(maxsize=16)
def profile_model(vocabulary: Vocabulary) -> type[PatientProfile]:
    """The profile model for `vocabulary`: fixed fields, then the vocabulary's."""
    fields: dict[str, Any] = {}
    for name, fact in vocabulary.facts.items():
        if fact.block is None and fact.stated and not fact.builtin:
            fields[name] = (_value_type(fact) | None, Field(None, description=fact.description))
    for name, block in vocabulary.blocks.items():
        if block.panel:
            panel = _panel_model(block, vocabulary)
            fields[name] = (panel, Field(default_factory=panel, description=block.description))
        else:
            record = _record_model(block, vocabulary)
            fields[name] = (Annotated[tuple[record, ...], BeforeValidator(listed),  # type: ignore[valid-type]
                                      AfterValidator(_dated_history)],
                            Field((), description=block.description))
    for name, collection in vocabulary.collections.items():
        entry = _entry_model(collection)
        history = History[entry]  # type: ignore[valid-type]
        kept: Any = history
        if collection.singular_names:
            kept = Annotated[history, AfterValidator(_listed_once(collection))]
        fields[name] = (kept, Field(default_factory=history,
                                    description=collection.description or None))
    model = create_model(
        "PatientProfile", __base__=PatientProfile, __module__=__name__, **fields)
    model.vocabulary = vocabulary
    return model


def _listed_once(collection: Collection) -> Callable[[History[Any]], History[Any]]:
    """A list where a patient has each named thing once (one regimen of riluzole) may not
    hold two current entries of one thing: Rilutek is riluzole, and two current regimens
    with different doses would let a rule read whichever fits (a dose changed 13 days ago
    read as stable since last year)."""
    def check(history: History[Any]) -> History[Any]:
        first: dict[str, tuple[int, Any]] = {}
        for index, entry in enumerate(history.items):
            if entry.status != "current" or (
                    key := collection.thing_named(entry.name, entry.codes)) is None:
                continue
            if key in first:
                earlier, other = first[key]
                same = "" if normalise_name(other.name or "") == normalise_name(
                    entry.name or "") else f" ({shown(entry.name)} is {key})"
                raise SubfieldError(
                    ("items", index, "name"),
                    f"{key} is already listed as current, at index {earlier} of this list"
                    f"{same}: a patient takes one regimen of it, so list it once (its dose "
                    "changes go under doses)")
            first[key] = (index, entry)
        return history

    return check


def _value_type(fact: Fact | Attribute) -> Any:
    low, high = fact.minimum, fact.maximum
    constraints = Field(ge=low, le=high)
    match fact.kind:
        case "number":
            return Annotated[float, Strict(), constraints]
        case "integer":
            return Annotated[int, Strict(), constraints]
        case "boolean":
            return StrictBool
        case "category":
            return Literal[tuple(fact.categories)]
        case "date":
            return dt.date
    return str


def _fields_of(facts: Iterable[Fact], depth: int) -> dict[str, Any]:
    """The fields of a record (depth 1) or of a mapping inside it (depth 2)."""
    fields: dict[str, Any] = {}
    nested: dict[str, list[Fact]] = {}
    for fact in facts:
        if not fact.stated or fact.builtin:
            continue
        parts = fact.path
        if len(parts) == depth + 1:
            fields[parts[depth]] = (_value_type(fact) | None,
                                    Field(None, description=fact.description))
        else:
            nested.setdefault(parts[depth], []).append(fact)
    for name, members in nested.items():
        sub = _sub_model(name, tuple(members))
        fields[name] = (sub, Field(default_factory=sub))
    return fields


def _sub_model(name: str, facts: tuple[Fact, ...]) -> type[Model]:
    prefix = ".".join(facts[0].path[:2])
    model = create_model(
        _class_name(prefix), __base__=Model, __module__=__name__,
        __doc__=f"The {name} of {facts[0].path[0]}, by name.", **_fields_of(facts, 2))
    return model


def _record_model(block: Block, vocabulary: Vocabulary) -> type[Model]:
    facts = [vocabulary.facts[name] for name in block.facts]
    fields = _fields_of(facts, 1)
    fields["date"] = (dt.date if block.date_required else dt.date | None,
                      Field(... if block.date_required else None,
                            description=f"When the {block.label} was assessed."))
    fields["visit"] = (VisitName | None, Field(None, description="The visit it was done at."))
    groups = [group for group in vocabulary.groups.values()
              if group.name.split(".")[0] == block.name]
    validators: dict[str, Any] = {}
    for group in groups:
        sub = group.name.split(".")[1]
        validators[f"_one_per_slot_{sub}"] = field_validator(sub)(_one_per_slot(group, vocabulary))
    if block.checks:
        validators["_checks"] = model_validator(mode="after")(_block_checks(block, vocabulary))
    model = create_model(
        _class_name(block.name), __base__=Model, __module__=__name__,
        __doc__=block.description or block.label, __validators__=validators, **fields)
    return model


def _one_per_slot(group: Group, vocabulary: Vocabulary) -> Callable[..., Any]:
    """A validator refusing two members of one slot scored in one record (5a and 5b)."""
    prefix = group.name

    def check(cls: Any, items: Any) -> Any:
        for slot in group.slots:
            scored = [member for member in slot if getattr(items, member, None) is not None]
            if len(scored) > 1:
                labels = [vocabulary.facts[f"{prefix}.{member}"].label for member in slot]
                common = re.sub(r"\S*$", "", _common_prefix(labels))
                forms = " or ".join(f"{label.removeprefix(common).split()[0]} ({member})"
                                    for label, member in zip(labels, slot, strict=True))
                name = group.slot_names.get(slot, " or ".join(slot))
                raise ValueError(f"{name} is scored as {forms}, not both")
        return items

    return check


def _common_prefix(texts: list[str]) -> str:
    first, last = min(texts), max(texts)
    size = next((index for index, (a, b) in enumerate(zip(first, last, strict=False))
                 if a != b), min(len(first), len(last)))
    return first[:size]


def _block_checks(block: Block, vocabulary: Vocabulary) -> Callable[..., Any]:
    """A validator refusing a record for which a check of its block is false."""
    from .expressions import evaluate

    def check(record: Any) -> Any:
        def read(name: str) -> Any:
            value = _field_value(record, name)
            return None if value is None else _Reading(name, value)

        for expression, message in block.checks:
            result = evaluate(expression, read, dt.date.max, vocabulary.group_slots)
            if result.value is False:
                raise ValueError(re.sub(r"\{([a-z0-9_.]+)\}",
                                        lambda match: shown(_field_value(record, match[1])),
                                        message))
        return record

    return check


class _Reading:
    __slots__ = ("date", "fact", "value")

    def __init__(self, fact: str, value: Any) -> None:
        self.fact, self.value, self.date = fact, value, None


def _field_value(record: Any, name: str) -> Any:
    value = record
    for part in name.split(".")[1:]:
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _dated_history(records: tuple[Any, ...]) -> tuple[Any, ...]:
    """A history of several records: each dated, and no two on one day saying different
    things (which one would stand?)."""
    if len(records) < 2:
        return records
    seen: dict[tuple[dt.date, str | None], int] = {}
    for index, record in enumerate(records):
        if record.date is None:
            raise SubfieldError((index, "date"), "in a list of records each one needs its date")
        key = (record.date, record.visit)
        if key in seen and records[seen[key]] != record:
            raise SubfieldError((index, "date"), f"record {seen[key] + 1} has the same date "
                                f"{record.date}; keep one, or correct the date")
        seen.setdefault(key, index)
    return records


def _panel_model(block: Block, vocabulary: Vocabulary) -> type[Model]:
    """A panel of lab results (`labs:`): each test one result or a list of dated results."""
    tests = {name.split(".")[1]: vocabulary.facts[name] for name in block.facts}
    fields = {test: (Annotated[tuple[Lab, ...], BeforeValidator(listed),
                               AfterValidator(_dated_results)],
                     Field((), description=f"{fact.label} (unit: {fact.unit})."))
              for test, fact in tests.items()}
    units = field_validator(*tests)(_unit_fits(tests))
    model = create_model(  # type: ignore[call-overload]
        _class_name(block.name), __base__=Model, __module__=__name__,
        __doc__=block.description or block.label, __validators__={"units": units}, **fields)
    return model


def _dated_results(results: tuple[Lab, ...]) -> tuple[Lab, ...]:
    seen: dict[dt.date, int] = {}
    for index, result in enumerate(results):
        if result.date in seen and results[seen[result.date]] != result:
            raise SubfieldError((index, "date"), f"result {seen[result.date] + 1} has the same "
                                f"date {result.date}; keep one, or correct the date")
        seen.setdefault(result.date, index)
    return results


def _unit_fits(tests: Mapping[str, Fact]) -> Callable[..., Any]:
    """A lab result must be in its test's one unit, so thresholds compare like with like."""
    def check(cls: Any, results: tuple[Lab, ...], info: ValidationInfo) -> tuple[Lab, ...]:
        fact = tests[str(info.field_name)]
        for index, lab in enumerate(results):
            if lab.unit != fact.unit:
                raise SubfieldError((index, "unit"), f"unit {lab.unit!r} is not the unit of "
                                    f"{fact.label} (give the value in {fact.unit!r})")
        return results

    return check


def _entry_model(collection: Collection) -> type[Entry]:
    """The entry model of one collection: its categories, attributes and dosing fields."""
    known = collection.categories

    def category(value: str) -> str:
        if value not in known:
            hint = closest(value, known) or f" (allowed: {', '.join(known)})"
            raise ValueError(f"unknown category {value!r} for {collection.name}{hint}")
        return value

    fields: dict[str, Any] = {
        "category": (Annotated[str, AfterValidator(category),
                               WithJsonSchema({"type": "string", "enum": list(known)})] | None,
                     None)}
    for name, attribute in collection.attributes.items():
        fields[name] = (_value_type(attribute) | None, Field(None, description=attribute.label))
    base = DosedEntry if collection.dosing else Entry
    model = create_model(
        _class_name(f"{collection.entry} entry"), __base__=base, __module__=__name__,
        __doc__=collection.description or f"One entry of {collection.label}.", **fields)
    return model  # type: ignore[return-value]


def _class_name(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", text) if part)
