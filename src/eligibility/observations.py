"""The facts a profile states, as dated histories of Observations, read as the vocabulary says.

Each fact of the vocabulary has a reader, made from its name and kind alone: a top-level
field, a field of each record of a block, a lab result, a value derived by an expression
(record by record when all it reads lies in one block, else from the latest of each input), or
one of the engine's built-in facts (the age). Nothing here names a clinical fact.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel

from .expressions import AS_OF, Evaluated, evaluate
from .patient import PatientProfile
from .vocabulary import DEFAULT, Fact, Vocabulary

__all__ = [
    "READERS",
    "Facts",
    "Observation",
    "Reader",
    "dated_fields",
    "field_at",
    "observations",
    "outside_window",
    "readers",
    "years_between",
]


class Observation(NamedTuple):
    """One stated (or derived) fact: its value, the date it was true on, and where from.

    `alternatives` is set when the exact value cannot be known, such as the age on a screening
    date from an age recorded a few months earlier: the value is one of them. `derived` holds
    what a derived value was computed from.
    """

    fact: str
    value: Any
    date: dt.date | None
    source: tuple[str | int, ...] = ()
    reference_range: tuple[float, float] | None = None
    alternatives: tuple[Any, ...] = ()
    visit: str | None = None
    derived: Evaluated | None = None


History = tuple[Observation, ...]
Reader = Callable[["Facts"], History]


def years_between(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end` (an age on `end` for a birth on `start`)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def outside_window(date: dt.date | None, days: int | None, as_of: dt.date) -> bool:
    """Whether a reading on `date` is too old, or undated, for a rule that wants one within
    `days` days before `as_of` (None: any date will do)."""
    return days is not None and (date is None or (as_of - date).days > days)


_UNREAD: Any = object()
_new = tuple.__new__  # an Observation from all its fields at once: faster than its __new__


class Facts(Mapping[str, Observation]):
    """The facts of one profile on one date, each history read the first time it is asked for.

    As a mapping it gives each fact's latest observation; `history` gives them all, oldest
    first.
    """

    __slots__ = (
        "_histories",
        "_latest",
        "_latest_readers",
        "_readers",
        "as_of",
        "profile",
        "vocabulary",
    )

    def __init__(self, profile: PatientProfile, as_of: dt.date,
                 vocabulary: Vocabulary | None = None) -> None:
        self.profile, self.as_of = profile, as_of
        self.vocabulary = vocabulary = vocabulary or type(profile).vocabulary
        self._readers, self._latest_readers = _both_readers(vocabulary)
        self._histories: dict[str, History] = {}
        self._latest: dict[str, Observation | None] = {}

    def history(self, name: str) -> History:
        found = self._histories.get(name)
        if found is None:
            reader = self._readers.get(name)
            found = self._histories[name] = reader(self) if reader is not None else ()
        return found

    def get(self, name: str, default: Any = None) -> Any:
        found = self._latest.get(name, _UNREAD)
        if found is _UNREAD:
            read = self._latest_readers.get(name)
            found = self._latest[name] = read(self) if read is not None else None
        return default if found is None else found

    def on(self, as_of: dt.date) -> Facts:
        """The same profile's facts on another screening date, keeping what was read already
        and does not depend on the date (`moving_facts`): for screening one profile on many
        days, as a forecast does."""
        moved = Facts(self.profile, as_of, self.vocabulary)
        moving = moving_facts(self.vocabulary)
        moved._latest = {name: found for name, found in self._latest.items()
                         if name not in moving}
        moved._histories = {name: found for name, found in self._histories.items()
                            if name not in moving}
        return moved

    def visit(self, name: str) -> dt.date | None:
        """The date of a visit the profile records, by name."""
        return self.profile.visits.get(name)

    def __getitem__(self, name: str) -> Observation:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return (name for name in self._readers if self.get(name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def observations(profile: PatientProfile, as_of: dt.date) -> Mapping[str, Observation]:
    """Every fact the profile states (its latest observation), by vocabulary name."""
    facts = Facts(profile, as_of)
    return {name: facts[name] for name in facts}


@functools.lru_cache(maxsize=16)
def readers(vocabulary: Vocabulary) -> Mapping[str, Reader]:
    """How to read each fact of `vocabulary` from a profile, by fact name."""
    found: dict[str, Reader] = {}
    for name, fact in vocabulary.facts.items():
        if fact.builtin is not None:
            found[name] = _BUILTINS[fact.builtin]
        elif fact.derive is not None:
            block = _home_block(fact, vocabulary)
            found[name] = (_per_record(fact, block, vocabulary) if block is not None
                           else _across(fact, vocabulary))
        elif fact.block is None:
            found[name] = _top(name)
        elif vocabulary.blocks[fact.block].panel:
            found[name] = _lab(fact)
        else:
            found[name] = _field(fact, vocabulary)
    return found


@functools.lru_cache(maxsize=16)
def moving_facts(vocabulary: Vocabulary) -> frozenset[str]:
    """The facts whose value or date depends on the screening date: the built-in ages, and
    every fact derived from `screening_date` or from one of these, at any depth."""
    moving = {name for name, fact in vocabulary.facts.items() if fact.builtin is not None}
    derived = [fact for fact in vocabulary.facts.values() if fact.derive is not None]
    grown = True
    while grown:
        grown = False
        for fact in derived:
            if fact.name not in moving and fact.derive is not None and (
                    AS_OF in fact.derive.text
                    or any(name in moving for name in fact.derive.facts)):
                moving.add(fact.name)
                grown = True
    return frozenset(moving)


LatestReader = Callable[["Facts"], "Observation | None"]


@functools.lru_cache(maxsize=16)
def latest_readers(vocabulary: Vocabulary) -> Mapping[str, LatestReader]:
    """How to read each fact's latest observation: straight from a block's one record, the
    usual case, else the last of its history."""
    found: dict[str, LatestReader] = {}
    for name, fact in vocabulary.facts.items():
        if fact.builtin is not None:
            found[name] = _only_of(_BUILTINS[fact.builtin])
        elif fact.derive is not None and (block := _home_block(fact, vocabulary)) is not None:
            found[name] = _per_record_latest(fact, block, vocabulary)
        elif fact.block is None and fact.derive is None:
            found[name] = _top_latest(name)
        elif fact.block is None or fact.derived or fact.dated_by is not None:
            found[name] = _last_of(name)
        elif vocabulary.blocks[fact.block].panel:
            found[name] = _lab_latest(fact)
        else:
            found[name] = _field_latest(fact)
    return found


@functools.lru_cache(maxsize=16)
def _both_readers(vocabulary: Vocabulary) -> tuple[Mapping[str, Reader],
                                                    Mapping[str, LatestReader]]:
    return readers(vocabulary), latest_readers(vocabulary)


def _only_of(reader: Reader) -> LatestReader:
    """The latest of a history that holds at most one observation (a built-in fact)."""
    def latest(facts: Facts) -> Observation | None:
        history = reader(facts)
        return history[-1] if history else None

    return latest


def _lab_latest(fact: Fact) -> LatestReader:
    name, (panel, test) = fact.name, fact.path
    last = _last_of(name)
    source = (panel, test, "value")

    def latest(facts: Facts) -> Observation | None:
        results: tuple[Any, ...] = getattr(getattr(facts.profile, panel, None), test, ())
        if len(results) != 1:
            return last(facts) if results else None
        lab = results[0]
        limits = lab.reference_range
        return _new(Observation, (name, lab.value, lab.date, source, (limits.low, limits.high),
                                  (), lab.visit, None))

    return latest


def _last_of(name: str) -> LatestReader:
    def latest(facts: Facts) -> Observation | None:
        history = facts.history(name)
        return history[-1] if history else None

    return latest


def _field_latest(fact: Fact) -> LatestReader:
    name, block, path, dated = fact.name, fact.path[0], fact.path[1:], fact.dated
    last = _last_of(name)
    field = path[0] if len(path) == 1 else None
    source = (block, *path)

    def latest(facts: Facts) -> Observation | None:
        records: tuple[Any, ...] = getattr(facts.profile, block, ())
        if len(records) != 1:
            return last(facts) if records else None
        record = records[0]
        value = getattr(record, field) if field is not None else field_at(record, path)
        if value is None:
            return None
        return _new(Observation, (name, value, record.date if dated else None, source, None,
                                  (), record.visit, None))

    return latest


def _by_date(records: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(records) < 2:
        return records
    return tuple(sorted(records, key=lambda record: record.date or dt.date.min))


def _top(name: str) -> Reader:
    def read(facts: Facts) -> History:
        value = getattr(facts.profile, name, None)
        return () if value is None else (Observation(name, value, None, (name,)),)

    return read


def _top_latest(name: str) -> LatestReader:
    """`_top`'s one observation, without building its history."""
    source = (name,)

    def latest(facts: Facts) -> Observation | None:
        value = getattr(facts.profile, name, None)
        return None if value is None else _new(Observation, (name, value, None, source, None,
                                                              (), None, None))

    return latest


def _field(fact: Fact, vocabulary: Vocabulary) -> Reader:
    """A fact stored in each record of its block, dated by the record's date (or by the date
    fact that dates it)."""
    name, block, path = fact.name, fact.path[0], fact.path[1:]
    dated_by = vocabulary.facts[fact.dated_by].path[1:] if fact.dated_by else None
    dated = fact.dated
    source = (block, *path)

    def read(facts: Facts) -> History:
        records = getattr(facts.profile, block, ())
        found = []
        for record in _by_date(records):
            value = field_at(record, path)
            if value is None:
                continue
            date = field_at(record, dated_by) if dated_by else record.date if dated else None
            found.append(_new(Observation, (name, value, date, source, None, (), record.visit,
                                            None)))
        return tuple(found)

    return read


def field_at(record: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` inside a record (None when any step is missing)."""
    for part in path:
        record = getattr(record, part, None)
        if record is None:
            return None
    return record


def _lab(fact: Fact) -> Reader:
    name, (panel, test) = fact.name, fact.path

    def read(facts: Facts) -> History:
        results = getattr(getattr(facts.profile, panel, None), test, ())
        return tuple(Observation(name, lab.value, lab.date, (panel, test, "value"),
                                 (lab.reference_range.low, lab.reference_range.high),
                                 visit=lab.visit)
                     for lab in _by_date(results))

    return read


def _home_block(fact: Fact, vocabulary: Vocabulary) -> str | None:
    """The one block every fact an expression reads is stored in, if there is one: then the
    fact is derived record by record (a total from the items of the same assessment)."""
    blocks = set()
    for name in fact.derive.facts:
        read = vocabulary.facts[name]
        if read.block is None or vocabulary.blocks[read.block].panel:
            return None
        if read.derived and _home_block(read, vocabulary) != read.block:
            return None
        blocks.add(read.block)
    return blocks.pop() if len(blocks) == 1 else None


def _per_record(fact: Fact, block: str, vocabulary: Vocabulary) -> Reader:
    observe = _record_observer(fact, block, vocabulary)

    def read(facts: Facts) -> History:
        found = []
        for record in _by_date(getattr(facts.profile, block, ())):
            observation = observe(record, facts.as_of)
            if observation is not None:
                found.append(observation)
        return tuple(found)

    return read


def _per_record_latest(fact: Fact, block: str, vocabulary: Vocabulary) -> LatestReader:
    """The latest of a fact derived in each record: straight from a block's one record."""
    observe, last = _record_observer(fact, block, vocabulary), _last_of(fact.name)

    def latest(facts: Facts) -> Observation | None:
        records: tuple[Any, ...] = getattr(facts.profile, block, ())
        if len(records) != 1:
            return last(facts) if records else None
        return observe(records[0], facts.as_of)

    return latest


def _record_observer(fact: Fact, block: str, vocabulary: Vocabulary) -> Callable[
        [Any, dt.date], Observation | None]:
    """A derived fact's observation in one record of `block`: stated there, else derived."""
    name, path = fact.name, fact.path[1:]
    stated = fact.stated and fact.block == block
    dated_by = vocabulary.facts[fact.dated_by].path[1:] if fact.dated_by else None
    uses_as_of = AS_OF in fact.derive.text if fact.derive is not None else False
    source = (block, *path)
    recorded = _recorded_in_record(fact, block, vocabulary)

    def observe(record: Any, as_of: dt.date) -> Observation | None:
        date = as_of if uses_as_of else field_at(record, dated_by) if dated_by else record.date
        value = field_at(record, path) if stated else None
        if value is not None:
            return _new(Observation, (name, value, date, source, None, (), record.visit, None))
        if recorded is not None:  # `recorded(x)`, x stated in the record: what evaluate gives
            other, other_path = recorded
            found = field_at(record, other_path)
            if found is None:
                return None
            assert fact.derive is not None
            result = Evaluated(True, (_new(_InRecord, (other, found, record.date)),), (),
                               (fact.derive, as_of, vocabulary.group_slots))
            return _new(Observation, (name, True, date, (block,), None, (), record.visit,
                                      result))
        result = _derive_in(record, fact, vocabulary, as_of)
        if result.value is None:
            return None
        return _new(Observation, (name, result.value, date, (block,), None, (), record.visit,
                                  result))

    return observe


def _recorded_in_record(fact: Fact, block: str, vocabulary: Vocabulary) -> tuple[
        str, tuple[str, ...]] | None:
    """The fact read and its path in the record, when `fact` is derived as just
    `recorded(x)` of a fact x stated (not derived) in the same block; else None."""
    derive = fact.derive
    if derive is None or len(derive.facts) != 1:
        return None
    other = vocabulary.facts[derive.facts[0]]
    if (other.derive is not None or not other.stated or other.block != block
            or "".join(derive.text.split()) != f"recorded({other.name})"):
        return None
    return other.name, other.path[1:]


class _InRecord(NamedTuple):
    fact: str
    value: Any
    date: dt.date | None


def _derive_in(record: Any, fact: Fact, vocabulary: Vocabulary, as_of: dt.date) -> Evaluated:
    """A derived fact's value from one record (its inputs may be derived in it too)."""
    def read(name: str) -> _InRecord | None:
        other = vocabulary.facts[name]
        value = field_at(record, other.path[1:]) if other.stated else None
        if value is None and other.derive is not None:
            value = _derive_in(record, other, vocabulary, as_of).value
        return None if value is None else _new(_InRecord, (name, value, record.date))

    return evaluate(fact.derive, read, as_of, vocabulary.group_slots)


def _across(fact: Fact, vocabulary: Vocabulary) -> Reader:
    """A fact derived from facts of several blocks. When one of them is a dated measurement
    (the ALSFRS-R total, for ΔFS) the fact has a value for each of its observations, with the
    latest of the others; otherwise one value, from the latest of each."""
    name, uses_as_of = fact.name, AS_OF in fact.derive.text
    dated = [read for read in fact.derive.facts if vocabulary.facts[read].dated]
    primary = dated[0] if len(dated) == 1 else None

    def observation(facts: Facts, result: Evaluated, visit: str | None) -> Observation:
        date = result.date
        if uses_as_of:
            date = facts.as_of if date is None else max(date, facts.as_of)
        return Observation(name, result.value, date, (), visit=visit, derived=result)

    def read(facts: Facts) -> History:
        slots, as_of = vocabulary.group_slots, facts.as_of
        if primary is None:
            result = evaluate(fact.derive, facts.get, as_of, slots)
            return () if result.value is None else (observation(facts, result, None),)
        found = []
        for measured in facts.history(primary):
            def reader(fact_name: str, measured: Observation = measured) -> Any:
                return measured if fact_name == primary else facts.get(fact_name)

            result = evaluate(fact.derive, reader, as_of, slots)
            if result.value is not None:
                found.append(observation(facts, result, measured.visit))
        return tuple(found)

    return read


# The engine's built-in facts: the age, which a recorded age makes uncertain between dates.

def _age(facts: Facts) -> History:
    profile, as_of = facts.profile, facts.as_of
    born = getattr(profile, "birth_date", None)
    if born is not None:
        return (Observation("age", years_between(born, as_of), as_of, ("birth_date",)),)
    if profile.age is None:
        return ()
    recorded_on = profile.screening_date or as_of
    if (recorded_on.month, recorded_on.day) == (as_of.month, as_of.day):
        # Whole years later (or earlier) exactly as many birthdays have passed.
        return (Observation("age", profile.age + as_of.year - recorded_on.year, as_of,
                            ("age",)),)
    # Without a birth date the birthday is unknown, so between the date the age was recorded
    # and the screening date it may have grown by one year more than the whole years elapsed.
    low = profile.age + (years_between(recorded_on, as_of) if as_of > recorded_on else
                         -years_between(as_of, recorded_on) - 1)
    return (Observation("age", profile.age, recorded_on, ("age",), alternatives=(low, low + 1)),)


def _age_months(facts: Facts) -> History:
    born, as_of = getattr(facts.profile, "birth_date", None), facts.as_of
    if born is None:
        return ()
    months = (as_of.year - born.year) * 12 + as_of.month - born.month - (as_of.day < born.day)
    return (Observation("age_months", months, as_of, ("birth_date",)),)


def _age_days(facts: Facts) -> History:
    born = getattr(facts.profile, "birth_date", None)
    if born is None:
        return ()
    return (Observation("age_days", (facts.as_of - born).days, facts.as_of, ("birth_date",)),)


_BUILTINS: Mapping[str, Reader] = {"age": _age, "age_months": _age_months,
                                   "age_days": _age_days}

READERS: Mapping[str, Reader] = readers(DEFAULT)
"""How to read each fact of the package's vocabulary, by fact name."""


def dated_fields(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[
        tuple[tuple[str | int, ...], dt.date]]:
    """Every date in a profile (model or YAML values) but the screening date, with its path,
    to check that none is after screening. A date with a time counts as its day."""
    if isinstance(value, dt.datetime):
        yield path, value.date()
    elif isinstance(value, dt.date):
        if path != ("screening_date",):
            yield path, value
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from dated_fields(getattr(value, name), (*path, info.alias or name))
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from dated_fields(child, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, child in enumerate(value):
            yield from dated_fields(child, (*path, index))


def at_visit(history: History, visit: str, on: dt.date, within_days: int) -> Observation | None:
    """The observation recorded for `visit`, else the one dated nearest to its date `on`,
    at most `within_days` days either side (the earlier one on a tie)."""
    labelled = [observation for observation in history if observation.visit == visit]
    if labelled:
        return labelled[-1]
    near = [(abs((observation.date - on).days), observation.date, index)
            for index, observation in enumerate(history)
            if observation.date is not None and abs((observation.date - on).days) <= within_days]
    return history[min(near)[2]] if near else None
