"""`has`: search one of the profile's open lists for a matching entry, with its sentence.

An entry matches by name (any synonym of the concept), category or code; it counts when its
status, attributes, dates and dose fit the rule. True when an entry counts; false only when the
list rules the rest out (complete, or recorded negatives); otherwise unknown.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .. import explain
from ..context import Context
from ..durations import Duration, DurationField
from ..expressions import settled
from ..logic import Truth, truth_of
from ..matching import (
    Filter,
    Query,
    Search,
    absent_category,
    daily_dose,
    entry_key,
    name_key,
    overtaken,
    regimen,
)
from ..observations import Observation
from ..operators import OPERATORS
from ..patient import Entry
from ..results import Evidence, Need, Outcome
from ..source import shown
from ..vocabulary import Attribute, Vocabulary, closest, normalise_name
from .node import UNKNOWN, Env, Finding, Names, Node, Path, VisitSelector, vocabulary_of

__all__ = ["DoseTest", "Has", "HasPlan"]

_NUMERIC_OPS = ("at_least", "at_most", "above", "below", "between", "equals")


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class DoseTest(BaseModel):
    """A test of the daily dose: `{op: at_least, value: 100, unit: mg}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    op: Literal["at_least", "at_most", "above", "below", "between", "equals"]
    value: Any
    unit: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _value_fits(self) -> DoseTest:
        problem = _number_problem(self.op, self.value)
        if problem:
            raise ValueError(problem)
        return self


def _number_problem(op: str, value: Any) -> str | None:
    def number(item: Any) -> bool:
        return isinstance(item, (int, float)) and not isinstance(item, bool)

    if op == "between":
        ok = isinstance(value, (list, tuple)) and len(value) == 2 and all(map(number, value))
        if not ok:
            return f"expected two numbers [low, high], got {shown(value)}"
        if value[0] > value[1]:
            return f"the range [{value[0]:g}, {value[1]:g}] is empty: low is above high"
        return None
    return None if number(value) else f"expected a number, got {shown(value)}"


class Has(Node):
    """Search an open list: `has: {in: conditions, category: [cancer], status: ever}`.

    An entry matches when its name is one of `name` (or a synonym of one) or it falls in one of
    `category` (any entry, if neither is given), and its status, attributes, dates and dose
    fit. True when a recorded entry matches; false only when the list is marked complete or
    every name and category asked for is recorded absent; otherwise unknown.
    """

    key = "has"
    in_: str = Field(alias="in", description="A list of the profile: conditions, "
                     "medications, allergies, prior_therapies, procedures, studies, ...")
    name: Names = ()
    category: Names = ()
    status: Literal["current", "past", "ever"] = "ever"
    severity: Annotated[tuple[str, ...], BeforeValidator(_listed)] = ()
    controlled: StrictBool | None = None
    where: dict[str, Any] = Field(default_factory=dict, description="Attribute tests: a "
                                  "value, a list of values, or {op: value}.")
    within: DurationField | None = Field(None, description="Only entries present at some "
                                         "time in this span before the screening date (taken "
                                         "within 12 weeks).")
    started_within: DurationField | None = Field(None, description="Only entries that began "
                                                 "in this span before the screening date.")
    stable_for: DurationField | None = Field(None, description="Only entries whose current "
                                             "dose began at least this long before.")
    daily_dose: DoseTest | None = Field(None, description="Only entries whose daily dose "
                                        "passes this test.")
    at: VisitSelector | None = Field(None, description="Count spans and doses back from this "
                                     "visit instead of the screening date.")

    @field_validator("in_")
    @classmethod
    def _known_list(cls, name: str, info: ValidationInfo) -> str:
        collections = vocabulary_of(info).collections
        if name not in collections:
            expected = ", ".join(repr(known) for known in collections)
            raise ValueError(f"expected one of {expected}, got {name!r}"
                             f"{closest(name, collections)}")
        return name

    @field_validator("category")
    @classmethod
    def _known_categories(cls, categories: tuple[str, ...], info: ValidationInfo) -> Any:
        vocabulary = vocabulary_of(info)
        collection = vocabulary.collections.get(info.data.get("in_", ""))
        if collection is not None:
            for category in categories:
                if category not in collection.categories:
                    hint = closest(category, collection.categories) or _elsewhere(
                        category, collection.name, vocabulary) or (
                        f" (allowed: {', '.join(collection.categories)})")
                    raise ValueError(f"unknown category {category!r} for {collection.name}{hint}")
        return categories

    @model_validator(mode="after")
    def _fits_the_list(self, info: ValidationInfo) -> Has:
        collection = vocabulary_of(info).collections.get(self.in_)
        if collection is None:
            return self
        attributes = collection.attributes
        for attribute in ("severity", "controlled"):
            if getattr(self, attribute) not in ((), None) and attribute not in attributes:
                raise ValueError(f"{attribute!r} does not apply to {self.in_}")
        if self.severity:
            _attribute_problem(attributes["severity"], list(self.severity), ("severity",))
        for name, test in self.where.items():
            if name not in attributes:
                hint = closest(name, attributes) or (
                    f" (its attributes: {', '.join(attributes) or 'none'})")
                raise _at(("where", name), f"{self.in_} has no attribute {name!r}{hint}")
            _attribute_problem(attributes[name], test, ("where", name))
        if (self.stable_for or self.daily_dose) and not collection.dosing:
            raise ValueError(f"stable_for and daily_dose apply to a list with doses (such as "
                             f"medications), not {self.in_}")
        if self.daily_dose is not None and self.daily_dose.unit not in vocabulary_of(
                info).dose_units:
            known = vocabulary_of(info).dose_units
            raise _at(("daily_dose", "unit"), f"unknown dose unit "
                      f"{self.daily_dose.unit!r}{closest(self.daily_dose.unit, known)} "
                      f"(units: {', '.join(known)})")
        return self


def lint_has(node: Has, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    """A name the list does not know but that is close to one it knows: likely a misspelling,
    which would never find an entry (names match only as spelled)."""
    collection = vocabulary.collections[node.in_]
    spellings = {normalise_name(spelling): spelling
                 for concept in set(collection.concepts.values())
                 for spelling in (concept.name, *concept.synonyms)}
    for index, name in enumerate(node.name):
        if normalise_name(name) in collection.concepts:
            continue
        near = difflib.get_close_matches(normalise_name(name), list(spellings), n=1,
                                         cutoff=0.8)
        if near and _letters(near[0]) != _letters(normalise_name(name)):  # not HIV-2 for HIV-1
            yield Finding((*at, "name", index),
                          f"{name!r} is not a known name in {node.in_}, but "
                          f"{spellings[near[0]]!r} is: if it is a misspelling, correct it "
                          "(an entry is found by name only when spelled the same)", "warning")


def _letters(name: str) -> str:
    return "".join(character for character in name if not character.isdigit())


def _elsewhere(category: str, name: str, vocabulary: Vocabulary) -> str:
    """Where a word that is not a category of list `name` is known: a known name of that list
    (asked with `name:`), or a category of another list (asked with another `in:`)."""
    if normalise_name(category) in vocabulary.collections[name].concepts:
        return f" ({category!r} is a known name in {name}: ask for it with name: [{category}])"
    others = [other for other, collection in vocabulary.collections.items()
              if other != name and category in collection.categories]
    return (f" ({category!r} is a category of {' and '.join(others)}: ask for it with "
            f"in: {others[0]})") if others else ""


def _at(path: tuple[str | int, ...], message: str) -> ValueError:
    from ..source import SubfieldError

    return SubfieldError(path, message)


def _attribute_problem(attribute: Attribute, test: Any, path: tuple[str | int, ...]) -> None:
    """Refuse an attribute test that could never match: a value of the wrong kind."""
    if isinstance(test, Mapping):
        if len(test) != 1 or next(iter(test)) not in _NUMERIC_OPS:
            raise _at(path, f"expected {{op: value}} with op one of {', '.join(_NUMERIC_OPS)}, "
                      f"got {shown(test)}")
        op, value = next(iter(test.items()))
        if attribute.kind not in ("number", "integer"):
            raise _at((*path, op), f"{attribute.name!r} is not a number: give its value, or "
                      "a list of values")
        problem = _number_problem(op, value)
        if problem:
            raise _at((*path, op), problem)
        return
    for value in test if isinstance(test, list) else [test]:
        ok = {"boolean": isinstance(value, bool),
              "category": value in attribute.categories,
              "text": isinstance(value, str),
              }.get(attribute.kind, isinstance(value, (int, float)) and not isinstance(
                  value, bool))
        if not ok:
            allowed = (f" (allowed: {', '.join(attribute.categories)})"
                       if attribute.categories else "")
            raise _at(path, f"{shown(value)} is not a value of {attribute.name!r}{allowed}"
                      f"{closest(str(value), attribute.categories)}")


def _compare(op: str, value: float, against: Any) -> bool:
    if op == "between":
        return bool(against[0] <= value <= against[1])
    return bool(OPERATORS[op].test(Observation("", value, None), against, dt.date.min))


def _attribute_filter(name: str, test: Any) -> Filter:
    """An attribute of the entry tested: unknown when the entry does not state it."""
    if isinstance(test, Mapping):
        op, against = next(iter(test.items()))

        def holds(value: Any) -> bool:
            return _compare(op, value, against)
    else:
        allowed = test if isinstance(test, (list, tuple)) else [test]

        def holds(value: Any) -> bool:
            return value in allowed

    def check(entry: Entry, _: dt.date) -> tuple[Truth, str]:
        value = entry.__dict__.get(name)
        if value is None:
            return Truth.UNKNOWN, name
        if holds(value):
            return Truth.TRUE, ""
        return Truth.FALSE, f"{name} {explain.format_value(explain.PLAIN, value)}"

    return Filter(name, check)


def _within(span: Duration) -> Filter:
    """Present at some time in the span before the reference date: its time (start, or the
    date it was recorded, to stop, or ongoing when current) meets the span."""
    def check(entry: Entry, reference: dt.date) -> tuple[Truth, str]:
        low = span.before(reference)
        began = entry.start or entry.date
        if entry.stop is not None:
            if entry.stop < low:
                return Truth.FALSE, f"stopped {entry.stop}, before {low}"
            if began is not None and began > reference:
                return Truth.FALSE, f"began {began}, after {reference}"
            if began is not None or entry.stop <= reference:
                return Truth.TRUE, ""
            return Truth.UNKNOWN, "start date"
        if began is not None and low <= began <= reference:
            return Truth.TRUE, ""
        if entry.status == "current":
            if began is None or began <= reference:
                return Truth.TRUE, ""
            return Truth.FALSE, f"began {began}, after {reference}"
        return Truth.UNKNOWN, "stop date"

    return Filter(f"within {span}", check)


def _started_within(span: Duration) -> Filter:
    def check(entry: Entry, reference: dt.date) -> tuple[Truth, str]:
        began = entry.start or entry.date
        if began is None:
            return Truth.UNKNOWN, "start date"
        if span.before(reference) <= began <= reference:
            return Truth.TRUE, ""
        return Truth.FALSE, f"began {began}"

    return Filter(f"started within {span}", check)


def _taking(entry: Entry, reference: dt.date) -> Truth:
    if entry.stop is not None:
        return truth_of(entry.stop >= reference)
    if entry.status == "current":
        return Truth.TRUE
    return Truth.FALSE if entry.status == "past" else Truth.UNKNOWN


def _stable_for(span: Duration) -> Filter:
    def check(entry: Entry, reference: dt.date) -> tuple[Truth, str]:
        taking = _taking(entry, reference)
        if taking is Truth.FALSE:
            return Truth.FALSE, f"not taken on {reference}"
        found = regimen(entry, reference)
        if found is None or found.since is None:
            return Truth.UNKNOWN, "the date its current dose began (dose_since)"
        if found.since > span.before(reference):
            return Truth.FALSE, (f"its current dose began {found.since}, less than {span} "
                                 f"before {reference}")
        return (Truth.TRUE, "") if taking is Truth.TRUE else (Truth.UNKNOWN, "status")

    return Filter(f"stable for {span}", check)


def _daily_dose(test: DoseTest, vocabulary: Vocabulary) -> Filter:
    def check(entry: Entry, reference: dt.date) -> tuple[Truth, str]:
        found = regimen(entry, reference)
        if found is None:
            return Truth.UNKNOWN, "dose"
        daily = daily_dose(found, test.unit, vocabulary)
        if daily is None:
            lacks = "frequency" if found.frequency is None else (
                f"a dose in {test.unit} at a known frequency")
            return Truth.UNKNOWN, lacks
        if _compare(test.op, settled(daily), test.value):
            return Truth.TRUE, ""
        return Truth.FALSE, f"{daily:g} {test.unit} a day"

    return Filter("daily dose", check)


def _filters(has: Has, vocabulary: Vocabulary) -> list[Filter]:
    filters = []
    if has.severity:
        filters.append(_attribute_filter("severity", list(has.severity)))
    if has.controlled is not None:
        filters.append(_attribute_filter("controlled", has.controlled))
    filters += [_attribute_filter(name, test) for name, test in has.where.items()]
    if has.within is not None:
        filters.append(_within(has.within))
    if has.started_within is not None:
        filters.append(_started_within(has.started_within))
    if has.stable_for is not None:
        filters.append(_stable_for(has.stable_for))
    if has.daily_dose is not None:
        filters.append(_daily_dose(has.daily_dose, vocabulary))
    return filters


def describe_query(has: Has, vocabulary: Vocabulary) -> str:
    """`current condition in category viral_infection`: what a `has` rule looks for."""
    collection = vocabulary.collections[has.in_]
    status = {"current": "current", "past": "past", "ever": "current or past"}[has.status]
    terms = [f"named {' or '.join(has.name)}"] if has.name else []
    terms += [f"in category {' or '.join(has.category)}"] if has.category else []
    text = f"{status} {collection.entry}" + (f" {' or '.join(terms)}" if terms else "")
    if has.severity:
        text += f" of severity {' or '.join(has.severity)}"
    if has.controlled is not None:
        text += " that is controlled" if has.controlled else " that is not controlled"
    for name, test in has.where.items():
        label = collection.attributes[name].label
        if isinstance(test, Mapping):
            op, value = next(iter(test.items()))
            shown_value = (f"{value[0]:g} to {value[1]:g}" if op == "between" else f"{value:g}")
            text += f" with {label} {op.replace('_', ' ')} {shown_value}"
        else:
            values = test if isinstance(test, list) else [test]
            words = " or ".join(explain.format_value(explain.PLAIN, value) for value in values)
            text += f" with {label} {words}"
    anchor = f"the {has.at.visit} visit" if has.at else "screening"
    if has.within is not None:
        text += f" at any time in the {has.within} before {anchor}"
    if has.started_within is not None:
        text += f" started in the {has.started_within} before {anchor}"
    if has.daily_dose is not None:
        test = has.daily_dose
        amount = (f"{test.value[0]:g} to {test.value[1]:g}" if test.op == "between"
                  else f"{test.value:g}")
        words = {"equals": "", "between": "", "at_least": "at least ", "at_most": "at most ",
                 "above": "above ", "below": "below "}[test.op]
        text += f" at a daily dose of {words}{amount} {test.unit}"
    if has.stable_for is not None:
        text += f"{',' if has.daily_dose else ' at a dose'} unchanged for at least " \
                f"{has.stable_for} before {anchor}"
    return text


class HasPlan:
    """A `has` worked out once: its prepared query, and the fixed words of its sentences."""

    __slots__ = ("attributes", "collect", "collection", "complete", "contradicted", "has",
                 "names", "none", "parts", "query", "recorded", "singular", "unrecorded",
                 "visit", "wanted")

    def __init__(self, has: Has, vocabulary: Vocabulary) -> None:
        collection = vocabulary.collections[has.in_]
        self.has, self.collection, self.visit = has, collection, has.at
        described = describe_query(has, vocabulary)
        self.query = Query(collection, names=has.name, categories=has.category,
                           status=has.status, filters=_filters(has, vocabulary),
                           description=described)
        self.names = frozenset(name_key(collection, name) for name in has.name)
        asked = frozenset(has.category) | {c for name in self.names
                                           for c in collection.known_names.get(name, ())}
        self.wanted = frozenset(ancestor for category in asked
                                for ancestor in collection.ancestors(category))
        self.singular = asked & collection.singular
        self.attributes = tuple(name for name, attribute in collection.attributes.items()
                                if attribute.kind != "text")
        self.recorded = f"Recorded {described}: "
        self.none = f"No {described}: "
        self.complete = f"the {collection.label} list is marked complete"
        self.unrecorded = f"Not recorded whether there is any {described}"
        self.contradicted = f"The record contradicts itself on any {described}"
        self.collect: tuple[Need, ...] = (
            Need(has.in_, f"{collection.label}: whether there is any {described}"),)
        # Each name and category asked for on its own, when there are several: a record may
        # rule out some of them (no viral infection) and leave the others open (syphilis).
        self.parts: tuple[tuple[Query, str, Need], ...] = ()
        if len(has.name) + len(has.category) > 1:
            alone = [{"name": [name], "category": []} for name in has.name]
            alone += [{"name": [], "category": [category]} for category in has.category]
            parts = []
            for update in alone:
                part = has.model_copy(update=update)
                words = describe_query(part, vocabulary)
                parts.append((Query(collection, names=part.name, categories=part.category,
                                    status=has.status), words,
                              Need(has.in_, f"{collection.label}: whether there is any {words}")))
            self.parts = tuple(parts)

    def _reference(self, context: Context) -> dt.date | None:
        if self.visit is None:
            return context.as_of
        return context.facts.visit(self.visit.visit)

    def truth(self, context: Context) -> int:
        reference = context.as_of if self.visit is None else self._reference(context)
        if reference is None:
            return UNKNOWN
        return self.query.truth(context.profile, reference, context.as_of)

    def outcome(self, context: Context) -> Outcome:
        reference = self._reference(context)
        if reference is None:
            name = self.visit.visit if self.visit else ""
            return Outcome(Truth.UNKNOWN, f"{self.unrecorded}: the {name} visit is not "
                           "recorded yet", (), (Need(f"visit:{name}", f"the date of the {name} "
                                                     "visit"),), code="has.visit_pending")
        found = self.query.search(context.profile, reference, context.as_of)
        return self._explained(found, context)

    def _describe(self, entry: Entry) -> str:
        return explain.describe_entry(entry, self.attributes)

    def _explained(self, found: Search, context: Context) -> Outcome:
        describe, listed_in = self._describe, self.has.in_
        present = [(truth, entry, lacking, describe(entry))
                   for truth, entry, lacking in found.present]
        absent = {id(entry): describe(entry) for entry in found.absent}
        evidence = tuple([Evidence(listed_in, "observed", text, entry.date)
                          for _, entry, _, text in present]
                         + [Evidence(listed_in, "absent", absent[id(entry)], entry.date)
                            for entry in found.absent])
        truth = found.truth
        if truth is Truth.TRUE:
            listed = ", ".join(text for t, _, _, text in present if t is Truth.TRUE)
            return Outcome(Truth.TRUE, f"{self.recorded}{listed}", evidence, code="has.found")
        if truth is Truth.FALSE:
            items = getattr(context.profile, listed_in).items
            why_not = {id(entry): why for _, entry, why, _ in present if why}
            closed = (self._coverage_reason(items, absent, why_not) if found.covered
                      else self.complete)
            read = [text + (f": {'; '.join(unsaid)}" if (unsaid := _unsaid(why, text)) else "")
                    for _, _, why, text in present if text not in closed]
            also = f" ({', '.join(read)} does not match)" if read else ""
            return Outcome(Truth.FALSE, f"{self.none}{closed}{also}", evidence,
                           code="has.closed")
        if found.conflicts:
            pairs = "; ".join(f"{describe(entry)} against the negative "
                              f"{absent.get(id(negative)) or describe(negative)}"
                              for entry, negative in found.conflicts)
            return Outcome(Truth.UNKNOWN, f"{self.contradicted} ({pairs}; correct one of "
                           "them)", evidence, self.collect, code="has.conflict")
        collection = self.collection
        details = [f"{text} lacks {' and '.join(lacking)}"
                   for t, _, lacking, text in present if t is Truth.UNKNOWN]
        # What was read and does not fit, so the reader sees the list was looked at (BiPAP
        # 7 hours a day, when more than 23 are asked about) and that it stays open.
        details += [text + (f": {'; '.join(unsaid)}" if (unsaid := _unsaid(why, text)) else "")
                    + " does not match" for t, _, why, text in present if t is Truth.FALSE]
        coarse = [entry for entry in found.unclassified
                  if entry.category or collection.categories_of(entry.name, ())]
        bare = [entry for entry in found.unclassified if entry not in coarse]
        if coarse:
            names = _names([entry.name or entry.category or "" for entry in coarse])
            details.append(f"{names} {'is' if len(coarse) == 1 else 'are'} not classified "
                           "finely enough to tell (give the category asked for, or "
                           "category: other)")
        if bare:
            names = _names([entry.name or "" for entry in bare])
            details.append(f"{names} has no category, so it may be one (add its category, or "
                           "category: other)" if len(bare) == 1 else
                           f"{names} have no category, so any of them may be one (add their "
                           "categories, or category: other)")
        unrecorded, collect = self.unrecorded, self.collect
        items = getattr(context.profile, listed_in).items
        open_ = [part for part in self.parts if not part[0].covered(items)]
        if 0 < len(open_) < len(self.parts):
            # Some of what is asked is ruled out: say what is still open, and ask only for it.
            unrecorded = "Not recorded whether there is any " + " or any ".join(
                words for _, words, _ in open_)
            collect = tuple(need for _, _, need in open_)
            details.insert(0, "the rest is ruled out: " + self._coverage_reason(
                items, absent, {}))
        late = overtaken(collection, items)
        stale = [absent[id(entry)] for index, entry in enumerate(items)
                 if index in late and id(entry) in absent]
        if stale:
            details.append(f"recorded absent: {', '.join(stale)}, but an entry recorded after "
                           "it is, or may be, what it rules out, so it no longer rules anything "
                           "out")
        sentence = unrecorded + (f" ({'; '.join(details)})" if details else "")
        return Outcome(Truth.UNKNOWN, sentence, evidence, collect,
                       code="has.overtaken" if stale else "has.unrecorded")

    def _coverage_reason(self, entries: Sequence[Entry], described: Mapping[int, str],
                         why_not: Mapping[int, tuple[str, ...]]) -> str:
        """The recorded negatives (and singular entries) that rule a `has` out, in words;
        `described` holds the words of entries already described, by identity, and `why_not`
        why an entry that settles the question does not match."""
        collection, wanted, singular = self.collection, self.wanted, self.singular
        used = [entry for entry in entries if entry.status == "absent" and (
            entry_key(collection, entry) in self.names
            or absent_category(collection, entry) in wanted)]
        settled = [entry for entry in entries if entry.status != "absent" and (
            (singular and not singular.isdisjoint(collection.categories_of(
                entry.name, (entry.category,) if entry.category else ())))
            or (collection.singular_names and entry_key(collection, entry) in self.names))]
        reasons = []
        if used:
            reasons.append("recorded absent: " + ", ".join(
                described.get(id(entry)) or self._describe(entry) for entry in used))
        if settled:
            reasons.append("recorded: " + ", ".join(
                text + (f": {'; '.join(unsaid)}" if (unsaid := _unsaid(
                    why_not.get(id(entry), ()), text)) else "")
                for entry in settled for text in [self._describe(entry)]))
        return "; ".join(reasons)


def _unsaid(reasons: Sequence[str], described: str) -> list[str]:
    """The reasons an entry does not match that its description does not already show: an
    attribute filter says `controlled no` where the description shows `controlled: no`."""
    return [reason for reason in reasons if reason.replace(" ", ": ", 1) not in described]


def compile_has(has: Has, env: Env) -> HasPlan:
    return HasPlan(has, env.vocabulary)


def describe_has(has: Has, vocabulary: Vocabulary) -> list[str]:
    collection = vocabulary.collections[has.in_]
    return [f"{collection.label} include a {describe_query(has, vocabulary)}"]


def _names(names: Sequence[str]) -> str:
    """`'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`."""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
