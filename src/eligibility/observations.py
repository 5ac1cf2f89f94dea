"""The facts a profile states, each as an Observation with its value, date and place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .patient import PatientProfile

__all__ = ["Observation", "dated_fields", "observations", "years_between"]


@dataclass(frozen=True)
class Observation:
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


def years_between(start: dt.date, end: dt.date) -> int:
    """Completed years from `start` to `end` (an age on `end` for a birth on `start`)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def observations(profile: PatientProfile, as_of: dt.date) -> Mapping[str, Observation]:
    """Every fact the profile states, by vocabulary name. Facts it does not state are absent."""
    return {observation.fact: observation for observation in _observe(profile, as_of)}


def _observe(profile: PatientProfile, as_of: dt.date) -> Iterator[Observation]:
    yield from _age(profile, as_of)
    if profile.birth_date is not None:
        yield Observation("birth_date", profile.birth_date, None, ("birth_date",))
    if profile.sex is not None:
        yield Observation("sex", profile.sex, None, ("sex",))
    if (als := profile.als) is not None:
        diagnosed = als.is_diagnosed
        if diagnosed is not None:
            source = ("als", "diagnosed" if als.diagnosed is not None else "diagnosis_date")
            yield Observation("als.diagnosed", diagnosed, als.diagnosis_date, source)
        for name in ("onset_date", "diagnosis_date"):
            if (value := getattr(als, name)) is not None:
                yield Observation(f"als.{name}", value, None, ("als", name))
        for name in ("el_escorial", "japan_severity_grade"):
            if (value := getattr(als, name)) is not None:
                yield Observation(f"als.{name}", value, als.date, ("als", name))
    if (alsfrs := profile.alsfrs_r) is not None:
        for item, score in alsfrs.scores().items():
            yield Observation(f"alsfrs_r.items.{item}", score, alsfrs.date,
                              ("alsfrs_r", "items", item))
        if (total := alsfrs.total) is not None:
            yield Observation("alsfrs_r.total", total, alsfrs.date, ("alsfrs_r", "items"))
    if (fvc := profile.fvc) is not None:
        yield Observation("fvc.percent_predicted", fvc.percent_predicted, fvc.date,
                          ("fvc", "percent_predicted"))
    for test, lab in profile.labs:
        if lab is not None:
            reference = (lab.reference_range.low, lab.reference_range.high)
            yield Observation(f"labs.{test}", lab.value, lab.date, ("labs", test, "value"),
                              reference_range=reference)
    for block in ("reproductive", "trial_participation", "consent"):
        yield from _block(profile, block)


def _block(profile: PatientProfile, block: str) -> Iterator[Observation]:
    part = getattr(profile, block)
    if part is None:
        return
    for name, value in part:
        if value is None or name in ("date", "trials"):
            continue
        yield Observation(f"{block}.{name}", value, part.date, (block, name))


def _age(profile: PatientProfile, as_of: dt.date) -> Iterator[Observation]:
    if (born := profile.birth_date) is not None:
        yield Observation("age", years_between(born, as_of), as_of, ("birth_date",))
        months = (as_of.year - born.year) * 12 + as_of.month - born.month - (as_of.day < born.day)
        yield Observation("age_months", months, as_of, ("birth_date",))
        yield Observation("age_days", (as_of - born).days, as_of, ("birth_date",))
        return
    if profile.age is None:
        return
    recorded_on = profile.screening_date or as_of
    if (recorded_on.month, recorded_on.day) == (as_of.month, as_of.day):
        # Whole years later (or earlier) exactly as many birthdays have passed.
        yield Observation("age", profile.age + as_of.year - recorded_on.year, as_of, ("age",))
        return
    # Without a birth date the birthday is unknown, so between the date the age was recorded
    # and the screening date it may have grown by one year more than the whole years elapsed.
    low = profile.age + (years_between(recorded_on, as_of) if as_of > recorded_on else
                         -years_between(as_of, recorded_on) - 1)
    yield Observation("age", profile.age, recorded_on, ("age",), alternatives=(low, low + 1))


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
