"""Operators: small pure yes/no tests on a present observation, registered in one place."""

from __future__ import annotations

import datetime as dt
import math
import operator as _operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from .durations import Duration, parse_duration, shift_date
from .expressions import settled
from .observations import Observation
from .source import shown
from .vocabulary import Fact, Kind

__all__ = ["OPERATORS", "Operator", "Predicate", "ValueShape", "for_kind", "operator",
           "shift_date"]

Predicate = Callable[[Observation, Any, dt.date], bool]
ValueShape = Literal["none", "number", "range", "categories", "category", "count", "date",
                     "duration"]

_NUMERIC: frozenset[Kind] = frozenset({"number", "integer", "lab"})


@dataclass(frozen=True)
class Operator:
    """A named test: `phrase` when it holds, `negation` when it does not."""

    name: str
    phrase: str
    negation: str
    kinds: frozenset[Kind]
    value: ValueShape
    test: Predicate
    doc: str
    # The same test on the bare value, for operators that read nothing but the value (no
    # date, no reference range): the verdict-only view calls it without building an
    # observation. A law in tests/test_operators.py holds it to `test`.
    on_value: Callable[[Any, Any], bool] | None = None

    def problem_with(self, fact: Fact, value: Any) -> str | None:
        """Why `value` cannot be this operator's argument for `fact`, or None if it can."""
        if fact.kind not in self.kinds:
            article = "an" if fact.kind[0] in "aeiou" else "a"
            return (f"operator {self.name!r} does not apply to {fact.name!r}, {article} "
                    f"{fact.kind} fact (operators for {fact.kind}: "
                    f"{', '.join(for_kind(fact.kind))})")
        return _SHAPES[self.value](fact, value)

    def coerce(self, value: Any) -> Any:
        """The value as the test takes it: a list as a tuple, a span of time as a Duration."""
        if self.value == "duration":
            return parse_duration(value)
        return tuple(value) if isinstance(value, list) else value


_OPERATORS: dict[str, Operator] = {}
OPERATORS: Mapping[str, Operator] = MappingProxyType(_OPERATORS)


def operator(
    name: str, *, phrase: str, negation: str, kinds: frozenset[Kind] | set[Kind],
    value: ValueShape, on_value: Callable[[Any, Any], bool] | None = None,
) -> Callable[[Predicate], Predicate]:
    """Register a predicate under the name a rule author types (`on_value`: the same test
    on the bare value, when it reads nothing else)."""

    def register(test: Predicate) -> Predicate:
        _OPERATORS[name] = Operator(name, phrase, negation, frozenset(kinds), value, test,
                                    (test.__doc__ or "").strip(), on_value)
        return test

    return register


def for_kind(kind: Kind) -> list[str]:
    """The operators that apply to facts of `kind`, in registration order."""
    return [name for name, op in _OPERATORS.items() if kind in op.kinds]


# Value shapes: each returns a problem sentence or None.

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(
        value)


def _in_range(fact: Fact, number: float) -> str | None:
    low, high = fact.minimum, fact.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        return (f"{number:g} is outside the range of {fact.name!r} "
                f"({fact.describe_range()}{' ' + fact.unit if fact.unit else ''})")
    return None


def _missing(value: Any, what: str) -> str | None:
    return f"missing value: this operator needs {what} (add value: ...)" if value is None else None


def _number(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "a number")
    if not _is_number(value):
        return f"expected a number, got {shown(value)}{_as_a_number(fact, value)}"
    return _in_range(fact, value)


def _as_a_number(fact: Fact, value: Any) -> str:
    """How to write a number given as text: without quotes, without its unit, with a point."""
    if not isinstance(value, str):
        return ""
    if re.fullmatch(r"\s*-?\d+,\d+\s*", value):
        return f" (write decimals with a point: {value.strip().replace(',', '.')})"
    written = re.fullmatch(r"\s*([<>≤≥=]*\s*)(-?\d+(?:\.\d+)?)\s*(.*?)\s*", value)
    if written is None:
        return ""
    sign, number, unit = written.groups()
    if sign:
        return f" (write the number alone, value: {number}: the op says how to compare)"
    if unit and fact.unit:
        if unit.lower().rstrip("s") == fact.unit.lower().rstrip("s"):
            return f" (write the number alone, value: {number}: {fact.name!r} is in {fact.unit})"
        return f" (write the number alone, in {fact.unit}, the unit of {fact.name!r})"
    if unit:
        return f" (write the number alone: value: {number})"
    return f" (write the number without quotes: value: {number})"


def _range(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "two numbers [low, high]")
    if not (isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2
            and all(_is_number(v) for v in value)):
        return f"expected two numbers [low, high], got {shown(value)}"
    low, high = value
    if low > high:
        return f"the range [{low:g}, {high:g}] is empty: low is above high"
    return _in_range(fact, low) or _in_range(fact, high)


def _category(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "a value")
    if fact.kind == "integer":
        if _is_number(value) and value != int(value):
            return (f"{shown(value)} is not a whole number, and {fact.name!r} takes only "
                    "whole numbers")
        return _number(fact, value)
    if fact.kind == "boolean":
        return None if isinstance(value, bool) else f"expected true or false, got {shown(value)}"
    if value not in fact.categories:
        from .vocabulary import closest

        hint = closest(str(value), fact.categories)
        return (f"{shown(value)} is not a value of {fact.name!r} (allowed: "
                f"{fact.describe_range()}){hint}")
    return None


def _categories(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "a list of values")
    if not (isinstance(value, Sequence) and not isinstance(value, str)):
        return f"expected a list of values, got {shown(value)}"
    if not value:
        return "the list of values is empty: nothing could match (list at least one)"
    for item in value:
        if (problem := _category(fact, item)) is not None:
            return problem
    return None


def _count(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "a whole number")
    if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return f"expected a whole number above 0, got {shown(value)}"
    if value > 75_000:
        return f"{value} is longer than any lifetime (at most 75000)"
    return None


def _date(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "a date")
    if isinstance(value, dt.datetime):  # a date with a time would be compared with dates
        return f"expected a date without a time of day (YYYY-MM-DD), got {shown(value)}"
    if isinstance(value, dt.date):
        return None
    return f"expected a date (YYYY-MM-DD), got {shown(value)}"


def _none(fact: Fact, value: Any) -> str | None:
    return None if value is None else f"this operator takes no value, got {shown(value)}"


def _duration(fact: Fact, value: Any) -> str | None:
    if value is None:
        return _missing(value, "a span of time such as '24 months'")
    try:
        parse_duration(value)
    except ValueError as error:
        return str(error)
    return None


_SHAPES: Mapping[ValueShape, Callable[[Fact, Any], str | None]] = {
    "none": _none, "number": _number, "range": _range, "category": _category,
    "categories": _categories, "count": _count, "date": _date, "duration": _duration,
}


def _days_before(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days) if days < (day - dt.date.min).days else dt.date.min


# Comparisons

@operator("at_least", phrase="is at least", negation="is below", kinds=_NUMERIC,
          value="number", on_value=_operator.ge)
def at_least(observed: Observation, threshold: float, as_of: dt.date) -> bool:
    """Reaches the threshold, inclusive.

    `{fact: fvc.percent_predicted, op: at_least, value: 80}`
    """
    return bool(observed.value >= threshold)


@operator("at_most", phrase="is at most", negation="is above", kinds=_NUMERIC,
          value="number", on_value=_operator.le)
def at_most(observed: Observation, threshold: float, as_of: dt.date) -> bool:
    """Does not exceed the threshold, inclusive.

    `{fact: age, op: at_most, value: 75}`
    """
    return bool(observed.value <= threshold)


@operator("above", phrase="is above", negation="is at most", kinds=_NUMERIC, value="number",
          on_value=_operator.gt)
def above(observed: Observation, threshold: float, as_of: dt.date) -> bool:
    """Strictly greater.

    `{fact: labs.alt, op: above, value: 120}`
    """
    return bool(observed.value > threshold)


@operator("below", phrase="is below", negation="is at least", kinds=_NUMERIC, value="number",
          on_value=_operator.lt)
def below(observed: Observation, threshold: float, as_of: dt.date) -> bool:
    """Strictly less.

    `{fact: labs.platelets, op: below, value: 100}`
    """
    return bool(observed.value < threshold)


@operator("between", phrase="is within", negation="is outside", kinds=_NUMERIC,
          value="range", on_value=lambda value, bounds: bounds[0] <= value <= bounds[1])
def between(observed: Observation, bounds: Sequence[float], as_of: dt.date) -> bool:
    """Within an inclusive range.

    `{fact: age, op: between, value: [18, 75]}`
    """
    low, high = bounds
    return bool(low <= observed.value <= high)


@operator("equals", phrase="is", negation="is not",
          kinds={"integer", "category", "boolean"}, value="category", on_value=_operator.eq)
def equals(observed: Observation, expected: Any, as_of: dt.date) -> bool:
    """Exactly this value.

    `{fact: sex, op: equals, value: female}`
    """
    return bool(observed.value == expected)


@operator("one_of", phrase="is one of", negation="is not one of",
          kinds={"integer", "category"}, value="categories",
          on_value=lambda value, allowed: value in allowed)
def one_of(observed: Observation, allowed: Sequence[Any], as_of: dt.date) -> bool:
    """Any of the listed values.

    `{fact: als.japan_severity_grade, op: one_of, value: [1, 2]}`
    """
    return observed.value in allowed


# Booleans

@operator("is_true", phrase="is yes", negation="is no", kinds={"boolean"}, value="none",
          on_value=lambda value, _: value is True)
def is_true(observed: Observation, _: None, as_of: dt.date) -> bool:
    """Recorded yes.

    `{fact: reproductive.pregnant, op: is_true}`
    """
    return observed.value is True


@operator("is_false", phrase="is no", negation="is yes", kinds={"boolean"}, value="none",
          on_value=lambda value, _: value is False)
def is_false(observed: Observation, _: None, as_of: dt.date) -> bool:
    """Recorded no (silence is unknown, not no).

    `{fact: consent.willing, op: is_false}`
    """
    return observed.value is False


# Dates relative to the screening date

@operator("within_days", phrase="is within {value} days before", negation=(
    "is more than {value} days before"), kinds={"date"}, value="count")
def within_days(observed: Observation, days: int, as_of: dt.date) -> bool:
    """On or after the day `days` days before screening.

    `{fact: consent.signed_date, op: within_days, value: 30}`
    """
    return bool(_days_before(as_of, days) <= observed.value <= as_of)


@operator("within_months", phrase="is within {value} months before", negation=(
    "is more than {value} months before"), kinds={"date"}, value="count")
def within_months(observed: Observation, months: int, as_of: dt.date) -> bool:
    """On or after the same calendar day `months` months before screening.

    `{fact: als.onset_date, op: within_months, value: 24}`
    """
    return bool(shift_date(as_of, months=months) <= observed.value <= as_of)


@operator("within_years", phrase="is within {value} years before", negation=(
    "is more than {value} years before"), kinds={"date"}, value="count")
def within_years(observed: Observation, years: int, as_of: dt.date) -> bool:
    """On or after the same calendar day `years` years before screening (inclusive).

    `{fact: als.onset_date, op: within_years, value: 2}`
    """
    return bool(shift_date(as_of, years=years) <= observed.value <= as_of)


@operator("before", phrase="is before", negation="is on or after", kinds={"date"},
          value="date")
def before(observed: Observation, day: dt.date, as_of: dt.date) -> bool:
    """Strictly before a fixed date.

    `{fact: als.diagnosis_date, op: before, value: 2025-01-01}`
    """
    return bool(observed.value < day)


@operator("on_or_after", phrase="is on or after", negation="is before", kinds={"date"},
          value="date")
def on_or_after(observed: Observation, day: dt.date, as_of: dt.date) -> bool:
    """On or after a fixed date.

    `{fact: als.onset_date, op: on_or_after, value: 2024-01-01}`
    """
    return bool(observed.value >= day)


# Lab results against the reporting lab's own reference range

def _times(times: float, limit: float) -> float:
    """A multiple of a reference limit, rounded to 9 decimal places: the product of two
    numbers written in decimal is exact there, where the binary product is not (1.5 x 1.2 is
    1.7999999999999998, so a bilirubin of 1.8 would be above 1.5 x ULN 1.2)."""
    return settled(times * limit)


@operator("below_lower_limit", phrase="is below the lab's lower limit",
          negation="is not below the lab's lower limit", kinds={"lab"}, value="none")
def below_lower_limit(observed: Observation, _: None, as_of: dt.date) -> bool:
    """Under the lower reference limit.

    `{fact: labs.hemoglobin, op: below_lower_limit}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value < observed.reference_range[0])


@operator("above_upper_limit", phrase="is above the lab's upper limit",
          negation="is not above the lab's upper limit", kinds={"lab"}, value="none")
def above_upper_limit(observed: Observation, _: None, as_of: dt.date) -> bool:
    """Over the upper reference limit.

    `{fact: labs.alt, op: above_upper_limit}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value > observed.reference_range[1])


@operator("above_times_upper_limit", phrase="is above {value} times the lab's upper limit",
          negation="is not above {value} times the lab's upper limit", kinds={"lab"},
          value="number")
def above_times_upper_limit(observed: Observation, times: float, as_of: dt.date) -> bool:
    """Over a multiple of the upper reference limit, as in "ALT > 3 x ULN".

    `{fact: labs.alt, op: above_times_upper_limit, value: 3}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value > _times(times, observed.reference_range[1]))


@operator("outside_reference_range", phrase="is outside the lab's reference range",
          negation="is within the lab's reference range", kinds={"lab"}, value="none")
def outside_reference_range(observed: Observation, _: None, as_of: dt.date) -> bool:
    """Under the lower or over the upper limit.

    `{fact: labs.creatinine, op: outside_reference_range}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    low, high = observed.reference_range
    return not low <= observed.value <= high


@operator("below_times_upper_limit", phrase="is below {value} times the lab's upper limit",
          negation="is not below {value} times the lab's upper limit", kinds={"lab"},
          value="number")
def below_times_upper_limit(observed: Observation, times: float, as_of: dt.date) -> bool:
    """Under a multiple of the upper reference limit, as in "ALT < 2 x ULN".

    `{fact: labs.alt, op: below_times_upper_limit, value: 2}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value < _times(times, observed.reference_range[1]))


@operator("at_most_times_upper_limit", phrase="is at most {value} times the lab's upper limit",
          negation="is above {value} times the lab's upper limit", kinds={"lab"},
          value="number")
def at_most_times_upper_limit(observed: Observation, times: float, as_of: dt.date) -> bool:
    """Not over a multiple of the upper reference limit, as in "AST <= 3 x ULN".

    `{fact: labs.ast, op: at_most_times_upper_limit, value: 3}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value <= _times(times, observed.reference_range[1]))


@operator("below_times_lower_limit", phrase="is below {value} times the lab's lower limit",
          negation="is not below {value} times the lab's lower limit", kinds={"lab"},
          value="number")
def below_times_lower_limit(observed: Observation, times: float, as_of: dt.date) -> bool:
    """Under a multiple of the lower reference limit, as in "neutrophils < 0.8 x LLN".

    `{fact: labs.neutrophils, op: below_times_lower_limit, value: 0.8}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value < _times(times, observed.reference_range[0]))


@operator("at_least_times_lower_limit", phrase="is at least {value} times the lab's lower limit",
          negation="is below {value} times the lab's lower limit", kinds={"lab"},
          value="number")
def at_least_times_lower_limit(observed: Observation, times: float, as_of: dt.date) -> bool:
    """At or over a multiple of the lower reference limit, as in "platelets >= 0.75 x LLN".

    `{fact: labs.platelets, op: at_least_times_lower_limit, value: 0.75}`
    """
    assert observed.reference_range is not None, "a lab observation has a reference range"
    return bool(observed.value >= _times(times, observed.reference_range[0]))


# Dates relative to the screening date, by a span of time ("24 months", "12 weeks")

@operator("at_most_ago", phrase="is at most {value} before", negation="is more than {value} "
          "before", kinds={"date"}, value="duration")
def at_most_ago(observed: Observation, span: Duration, as_of: dt.date) -> bool:
    """Inclusive: on or after the day `span` before screening, as in "within 24 months".

    `{fact: als.onset_date, op: at_most_ago, value: 24 months}`
    """
    return bool(span.before(as_of) <= observed.value <= as_of)


@operator("less_than_ago", phrase="is less than {value} before", negation="is {value} or more "
          "before", kinds={"date"}, value="duration")
def less_than_ago(observed: Observation, span: Duration, as_of: dt.date) -> bool:
    """Strict: after the day `span` before screening, as in "less than 24 months"; onset on
    that very day is not less than 24 months before.

    `{fact: als.onset_date, op: less_than_ago, value: 24 months}`
    """
    return bool(span.before(as_of) < observed.value <= as_of)


@operator("at_least_ago", phrase="is at least {value} before", negation="is less than {value} "
          "before", kinds={"date"}, value="duration")
def at_least_ago(observed: Observation, span: Duration, as_of: dt.date) -> bool:
    """Inclusive: on or before the day `span` before screening, as in "diagnosed at least 6
    months ago".

    `{fact: als.diagnosis_date, op: at_least_ago, value: 6 months}`
    """
    return bool(observed.value <= span.before(as_of))


@operator("more_than_ago", phrase="is more than {value} before", negation="is at most {value} "
          "before", kinds={"date"}, value="duration")
def more_than_ago(observed: Observation, span: Duration, as_of: dt.date) -> bool:
    """Strict: before the day `span` before screening, as in "onset more than 3 years ago".

    `{fact: als.onset_date, op: more_than_ago, value: 3 years}`
    """
    return bool(observed.value < span.before(as_of))


# Whether a fact is recorded at all

@operator("recorded", phrase="is recorded", negation="is not recorded",
          kinds={"number", "integer", "boolean", "category", "date", "lab"}, value="none",
          on_value=lambda value, _: True)
def recorded(observed: Observation, _: None, as_of: dt.date) -> bool:
    """Recorded, whatever its value. Never false: a fact not recorded is unknown, so in an
    inclusion this asks for the data ("an FVC within 3 months"), and in an exclusion it can
    only fail or stay unknown.

    `{fact: fvc.percent_predicted, op: recorded, measured_within_days: 90}`
    """
    return True
