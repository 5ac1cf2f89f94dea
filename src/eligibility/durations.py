"""Spans of time as rule authors write them (`12 weeks`, `24 months`) and calendar arithmetic.

Months and years are calendar months and years (dateutil's relativedelta): 24 months before
2026-11-30 is 2024-11-30, and a year before 29 February is 28 February.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Annotated, Any, Literal, NamedTuple

from dateutil.relativedelta import relativedelta
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["Duration", "DurationField", "parse_duration", "shift_date"]

Unit = Literal["days", "weeks", "months", "years"]
_FORM = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$", re.IGNORECASE)
_LONGEST = 75_000  # days; longer than any lifetime


class Duration(NamedTuple):
    """A whole number of days, weeks, calendar months or calendar years."""

    amount: int
    unit: Unit

    def before(self, day: dt.date) -> dt.date:
        """The day this long before `day` (the first day of the calendar if that is earlier)."""
        return _back(day, self.unit, self.amount)

    def after(self, day: dt.date) -> dt.date:
        """The day this long after `day` (the last day of the calendar if that is later)."""
        try:
            return day + relativedelta(**{self.unit: self.amount})  # type: ignore[arg-type]
        except (OverflowError, ValueError):
            return dt.date.max

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit.removesuffix("s")
        return f"{self.amount} {unit}"


def parse_duration(value: Any) -> Duration:
    """`12 weeks`, `30 days`, `1 month`, `2 years` (a whole number above 0 and a unit)."""
    if isinstance(value, Duration):
        return value
    match = _FORM.match(value) if isinstance(value, str) else None
    if match is None:
        from .source import shown

        raise ValueError(f"expected a span of time such as '12 weeks', '30 days', '24 months' "
                         f"or '2 years', got {shown(value)}")
    count, unit = int(match[1]), f"{match[2].lower()}s"
    days = count * {"days": 1, "weeks": 7, "months": 31, "years": 366}[unit]
    if count == 0 or days > _LONGEST:
        raise ValueError(f"{count} {unit} is not a usable span (above 0, and shorter than a "
                         "lifetime)")
    return Duration(count, unit)  # type: ignore[arg-type]


def shift_date(day: dt.date, *, years: int = 0, months: int = 0, weeks: int = 0,
               days: int = 0) -> dt.date:
    """`day` moved back by whole years, months, weeks and days; 29 February falls back to the
    28th. A span reaching before the calendar begins starts on its first day."""
    if not (weeks or days):
        if not months:
            return _back(day, "years", years)
        if not years:
            return _back(day, "months", months)
    try:
        return day - relativedelta(years=years, months=months, weeks=weeks, days=days)
    except (OverflowError, ValueError):
        return dt.date.min


@functools.lru_cache(maxsize=8192)
def _back(day: dt.date, unit: str, amount: int) -> dt.date:
    """`day` moved back by `amount` units; remembered, since screening dates repeat across a
    batch and every rule with the same span asks again."""
    if unit in ("days", "weeks"):
        span = dt.timedelta(days=amount * (7 if unit == "weeks" else 1))
        return day - span if span < day - dt.date.min else dt.date.min
    try:
        return day - relativedelta(**{unit: amount})  # type: ignore[arg-type]
    except (OverflowError, ValueError):
        return dt.date.min


DurationField = Annotated[
    Duration,
    BeforeValidator(parse_duration),
    PlainSerializer(str),
    WithJsonSchema({"type": "string", "pattern": r"^\s*\d+\s*(day|week|month|year)s?\s*$",
                    "description": "A span of time: '12 weeks', '30 days', '24 months', "
                    "'2 years'."}),
]
