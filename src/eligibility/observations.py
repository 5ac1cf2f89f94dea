"""The facts a profile states, each as an Observation with its value, date and place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from pydantic import BaseModel

from .patient import PatientProfile
from .vocabulary import ALSFRS_R_ITEMS, FACTS, LAB_TESTS

__all__ = [
    "READERS",
    "Observation",
    "Reader",
    "dated_fields",
    "observations",
    "outside_window",
    "years_between",
]


class Observation(NamedTuple):
    """One stated fact: its value, the date it was true on, and where the profile says it.

    `alternatives` is set when the exact value cannot be known, such as the age on a screening
    date from an age recorded a few months earlier: the value is one of them.
    """

    fact: str
    value: Any
    date: dt.date | None
    source: tuple[str | int, ...]
    reference_range: tuple[float, float] | None = None
    alternatives: tuple[Any, ...] = ()


Reader = Callable[[PatientProfile, dt.date], "Observation | None"]


def years_between(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end` (an age on `end` for a birth on `start`)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def outside_window(date: dt.date | None, days: int | None, as_of: dt.date) -> bool:
    """Whether a reading on `date` is too old, or undated, for a rule that wants one within
    `days` days before `as_of` (None: any date will do)."""
    return days is not None and (date is None or (as_of - date).days > days)


_UNREAD: Any = object()


class Facts(Mapping[str, Observation]):
    """The facts a profile states, each read the first time a rule asks for it."""

    __slots__ = ("_as_of", "_profile", "_read")

    def __init__(self, profile: PatientProfile, as_of: dt.date) -> None:
        self._profile, self._as_of = profile, as_of
        self._read: dict[str, Observation | None] = {}

    def get(self, name: str, default: Any = None) -> Any:
        found = self._read.get(name, _UNREAD)
        if found is _UNREAD:
            reader = READERS.get(name)
            found = self._read[name] = (reader(self._profile, self._as_of)
                                        if reader is not None else None)
        return default if found is None else found

    def __getitem__(self, name: str) -> Observation:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        return (name for name in READERS if self.get(name) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def observations(profile: PatientProfile, as_of: dt.date) -> Mapping[str, Observation]:
    """Every fact the profile states, by vocabulary name. Facts it does not state are absent."""
    found = {}
    for name, read in READERS.items():
        observation = read(profile, as_of)
        if observation is not None:
            found[name] = observation
    return found


def _field(block: str, name: str, *, dated: bool = True) -> Reader:
    """A fact stored as `block.name`, dated by the block's own `date` field."""
    fact, source = f"{block}.{name}", (block, name)

    def read(profile: PatientProfile, as_of: dt.date) -> Observation | None:
        part = getattr(profile, block)
        if part is None or (value := getattr(part, name)) is None:
            return None
        return Observation(fact, value, part.date if dated else None, source)

    return read


def _item(item: str) -> Reader:
    fact, source = f"alsfrs_r.items.{item}", ("alsfrs_r", "items", item)

    def read(profile: PatientProfile, as_of: dt.date) -> Observation | None:
        scored = profile.alsfrs_r
        if scored is None or (value := getattr(scored.items, item)) is None:
            return None
        return Observation(fact, value, scored.date, source)

    return read


def _lab(test: str) -> Reader:
    fact, source = f"labs.{test}", ("labs", test, "value")

    def read(profile: PatientProfile, as_of: dt.date) -> Observation | None:
        lab = getattr(profile.labs, test)
        if lab is None:
            return None
        reference = (lab.reference_range.low, lab.reference_range.high)
        return Observation(fact, lab.value, lab.date, source, reference)

    return read


def _top(name: str) -> Reader:
    def read(profile: PatientProfile, as_of: dt.date) -> Observation | None:
        value = getattr(profile, name)
        return None if value is None else Observation(name, value, None, (name,))

    return read


def _diagnosed(profile: PatientProfile, as_of: dt.date) -> Observation | None:
    als = profile.als
    if als is None or (diagnosed := als.is_diagnosed) is None:
        return None
    source = ("als", "diagnosed" if als.diagnosed is not None else "diagnosis_date")
    return Observation("als.diagnosed", diagnosed, als.diagnosis_date, source)


def _total(profile: PatientProfile, as_of: dt.date) -> Observation | None:
    scored = profile.alsfrs_r
    if scored is None or (total := scored.total) is None:
        return None
    return Observation("alsfrs_r.total", total, scored.date, ("alsfrs_r", "items"))


def _age(profile: PatientProfile, as_of: dt.date) -> Observation | None:
    if (born := profile.birth_date) is not None:
        return Observation("age", years_between(born, as_of), as_of, ("birth_date",))
    if profile.age is None:
        return None
    recorded_on = profile.screening_date or as_of
    if (recorded_on.month, recorded_on.day) == (as_of.month, as_of.day):
        # Whole years later (or earlier) exactly as many birthdays have passed.
        return Observation("age", profile.age + as_of.year - recorded_on.year, as_of, ("age",))
    # Without a birth date the birthday is unknown, so between the date the age was recorded
    # and the screening date it may have grown by one year more than the whole years elapsed.
    low = profile.age + (years_between(recorded_on, as_of) if as_of > recorded_on else
                         -years_between(as_of, recorded_on) - 1)
    return Observation("age", profile.age, recorded_on, ("age",), alternatives=(low, low + 1))


def _age_months(profile: PatientProfile, as_of: dt.date) -> Observation | None:
    if (born := profile.birth_date) is None:
        return None
    months = (as_of.year - born.year) * 12 + as_of.month - born.month - (as_of.day < born.day)
    return Observation("age_months", months, as_of, ("birth_date",))


def _age_days(profile: PatientProfile, as_of: dt.date) -> Observation | None:
    if (born := profile.birth_date) is None:
        return None
    return Observation("age_days", (as_of - born).days, as_of, ("birth_date",))


def _readers() -> dict[str, Reader]:
    readers: dict[str, Reader] = {
        "age": _age, "age_months": _age_months, "age_days": _age_days,
        "birth_date": _top("birth_date"), "sex": _top("sex"), "als.diagnosed": _diagnosed,
        "als.onset_date": _field("als", "onset_date", dated=False),
        "als.diagnosis_date": _field("als", "diagnosis_date", dated=False),
        "als.el_escorial": _field("als", "el_escorial"),
        "als.japan_severity_grade": _field("als", "japan_severity_grade"),
        "alsfrs_r.total": _total,
        "fvc.percent_predicted": _field("fvc", "percent_predicted"),
    }
    readers.update({f"alsfrs_r.items.{item}": _item(item) for item in ALSFRS_R_ITEMS})
    readers.update({f"labs.{test}": _lab(test) for test in LAB_TESTS})
    for fact in FACTS:
        block, _, name = fact.partition(".")
        if block in ("reproductive", "trial_participation", "consent"):
            readers[fact] = _field(block, name)
    return readers


READERS: Mapping[str, Reader] = MappingProxyType(_readers())
"""How to read each fact of the vocabulary from a profile, by fact name."""


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
        for name in type(value).model_fields:
            yield from dated_fields(getattr(value, name), (*path, name))
    elif isinstance(value, Mapping):
        for key, child in value.items():
            yield from dated_fields(child, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, child in enumerate(value):
            yield from dated_fields(child, (*path, index))
