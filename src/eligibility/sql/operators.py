"""Each operator as a SQL test of a present observation, and the built-in ages worked out
from the birth date or the recorded age as the per-patient path does."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlglot import exp

from ..kinds.check import Check
from ..vocabulary import Fact
from . import build as b

__all__ = ["age_value", "ages", "observation_test", "years_between"]

Refuse = Callable[[str], Exception]
Test = Callable[[exp.Expr, Any, exp.Expr, exp.Expr], exp.Expr]
# (value, the operator's argument, the observation, the screening date) -> SQL boolean


def _num(value: Any) -> exp.Expr:
    return b.literal(value)


def _low(observation: exp.Expr) -> exp.Expr:
    return b.field(observation, "low")


def _high(observation: exp.Expr) -> exp.Expr:
    return b.field(observation, "high")


def _times(value: Any, limit: exp.Expr) -> exp.Expr:
    """A multiple of a reference limit, rounded to 9 places as `operators._times` does."""
    return b.settled(exp.Mul(this=_num(value), expression=limit))


def _between(low: exp.Expr, value: exp.Expr, high: exp.Expr) -> exp.Expr:
    return exp.Between(this=value, low=low, high=high)


_TESTS: Mapping[str, Test] = {
    "at_least": lambda v, x, o, d: exp.GTE(this=v, expression=_num(x)),
    "at_most": lambda v, x, o, d: exp.LTE(this=v, expression=_num(x)),
    "above": lambda v, x, o, d: exp.GT(this=v, expression=_num(x)),
    "below": lambda v, x, o, d: exp.LT(this=v, expression=_num(x)),
    "between": lambda v, x, o, d: _between(_num(x[0]), v, _num(x[1])),
    "equals": lambda v, x, o, d: exp.EQ(this=v, expression=b.literal(x)),
    "one_of": lambda v, x, o, d: b.in_list(v, x),
    "is_true": lambda v, x, o, d: exp.EQ(this=v, expression=b.TRUE),
    "is_false": lambda v, x, o, d: exp.EQ(this=v, expression=b.FALSE),
    "recorded": lambda v, x, o, d: b.TRUE,
    "within_days": lambda v, x, o, d: _between(b.days_before(d, x), v, d),
    "within_months": lambda v, x, o, d: _between(
        b.span_before(d, _duration(x, "months")), v, d),
    "within_years": lambda v, x, o, d: _between(b.span_before(d, _duration(x, "years")), v, d),
    "before": lambda v, x, o, d: exp.LT(this=v, expression=b.literal(x)),
    "on_or_after": lambda v, x, o, d: exp.GTE(this=v, expression=b.literal(x)),
    "below_lower_limit": lambda v, x, o, d: exp.LT(this=v, expression=_low(o)),
    "above_upper_limit": lambda v, x, o, d: exp.GT(this=v, expression=_high(o)),
    "above_times_upper_limit": lambda v, x, o, d: exp.GT(this=v, expression=_times(x, _high(o))),
    "outside_reference_range": lambda v, x, o, d: b.not_(_between(_low(o), v, _high(o))),
    "below_times_upper_limit": lambda v, x, o, d: exp.LT(this=v, expression=_times(x, _high(o))),
    "at_most_times_upper_limit": lambda v, x, o, d: exp.LTE(
        this=v, expression=_times(x, _high(o))),
    "below_times_lower_limit": lambda v, x, o, d: exp.LT(this=v, expression=_times(x, _low(o))),
    "at_least_times_lower_limit": lambda v, x, o, d: exp.GTE(
        this=v, expression=_times(x, _low(o))),
    "at_most_ago": lambda v, x, o, d: _between(b.span_before(d, x), v, d),
    "less_than_ago": lambda v, x, o, d: b.and_(
        exp.GT(this=v, expression=b.span_before(d, x)), exp.LTE(this=v, expression=d)),
    "at_least_ago": lambda v, x, o, d: exp.LTE(this=v, expression=b.span_before(d, x)),
    "more_than_ago": lambda v, x, o, d: exp.LT(this=v, expression=b.span_before(d, x)),
}


def _duration(amount: int, unit: str) -> Any:
    from ..durations import Duration

    return Duration(amount, unit)  # type: ignore[arg-type]


def observation_test(check: Check, fact: Fact, value: exp.Expr,
                     observation: exp.Expr, as_of: exp.Expr,
                     refuse: Refuse) -> exp.Expr:
    """The check's operator applied to a present observation: true or false."""
    test = _TESTS.get(check.op)
    if test is None:
        raise refuse(f"the operator {check.op!r} has no SQL form yet")
    return test(value, check.value, observation, as_of)


# The built-in ages

def _part(name: str, day: exp.Expr) -> exp.Expr:
    kinds = {"year": exp.Year, "month": exp.Month, "day": exp.Day}
    return kinds[name](this=day)


def _before_in_year(one: exp.Expr, other: exp.Expr) -> exp.Expr:
    """Whether `one`'s month and day come before `other`'s."""
    return b.or_(
        exp.LT(this=_part("month", one), expression=_part("month", other)),
        b.and_(exp.EQ(this=_part("month", one), expression=_part("month", other)),
                 exp.LT(this=_part("day", one), expression=_part("day", other))))


def years_between(start: exp.Expr, end: exp.Expr) -> exp.Expr:
    """Completed years from `start` to `end`, as `observations.years_between`."""
    return exp.Sub(this=exp.Sub(this=_part("year", end), expression=_part("year", start)),
                   expression=b.case([(_before_in_year(end, start), exp.Literal.number(1))],
                                     exp.Literal.number(0)))


def ages(check: Check, fact: Fact, as_of: exp.Expr, refuse: Refuse) -> exp.Expr:
    """A check of `age`, `age_months` or `age_days` on the screening date."""
    born = b.field(b.last(b.column("birth_date")), "value")
    test = _TESTS.get(check.op)
    if test is None:
        raise refuse(f"the operator {check.op!r} has no SQL form yet")

    def holds(value: exp.Expr) -> exp.Expr:
        return test(value, check.value, b.NULL, as_of)

    if fact.builtin == "age_days":
        return b.case([(exp.Is(this=born, expression=b.NULL), b.NULL)],
                      holds(exp.DateDiff(this=as_of, expression=born, unit=exp.var("DAY"))))
    if fact.builtin == "age_months":
        return b.case([(exp.Is(this=born, expression=b.NULL), b.NULL)],
                      holds(_months_between(born, as_of)))
    return _age(check, born, holds, as_of)


def _months_between(born: exp.Expr, as_of: exp.Expr) -> exp.Expr:
    """Completed months from `born` to `as_of`, as `observations._age_months`."""
    return exp.Sub(
        this=exp.Add(this=exp.Mul(this=exp.Sub(this=_part("year", as_of),
                                               expression=_part("year", born)),
                                  expression=exp.Literal.number(12)),
                     expression=exp.Sub(this=_part("month", as_of),
                                        expression=_part("month", born))),
        expression=b.case([(exp.LT(this=_part("day", as_of), expression=_part("day", born)),
                            exp.Literal.number(1))], exp.Literal.number(0)))


def _recorded_on(as_of: exp.Expr) -> exp.Expr:
    """The day a recorded age was true on: the profile's screening date, else the date
    screened."""
    return b.func("COALESCE", b.column("screening_date"), as_of)


def _same_day(on: exp.Expr, as_of: exp.Expr) -> exp.Expr:
    return b.and_(exp.EQ(this=_part("month", on), expression=_part("month", as_of)),
                    exp.EQ(this=_part("day", on), expression=_part("day", as_of)))


def age_value(fact: Fact, as_of: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """A built-in age's observation as an expression reads it (`observations._age`): its
    value and date. Without a birth date, the age recorded (on the date it was recorded, not
    moved to the screening date unless that is the same day of the year)."""
    born = b.field(b.last(b.column("birth_date")), "value")
    known = exp.Not(this=exp.Is(this=born, expression=b.NULL))
    if fact.builtin == "age_days":
        return (b.case([(known, exp.DateDiff(this=as_of, expression=born, unit=exp.var("DAY")))]),
                b.case([(known, as_of)]))
    if fact.builtin == "age_months":
        return b.case([(known, _months_between(born, as_of))]), b.case([(known, as_of)])
    recorded, on = b.column("age"), _recorded_on(as_of)
    same_day = _same_day(on, as_of)
    whole = exp.Add(this=recorded, expression=exp.Sub(this=_part("year", as_of),
                                                      expression=_part("year", on)))
    value = b.case([(known, years_between(born, as_of)), (same_day, whole)], recorded)
    date = b.case([(known, as_of), (exp.Is(this=recorded, expression=b.NULL), b.NULL),
                   (same_day, as_of)], on)
    return value, date


def _age(check: Check, born: exp.Expr, holds: Callable[[exp.Expr], exp.Expr],
         as_of: exp.Expr) -> exp.Expr:
    """The age from the birth date; else from the age recorded on the screening date (or, if
    the profile gives none, on the date screened), which between two dates leaves a birthday
    unknown: both ages it may be must give the same answer."""
    recorded = b.column("age")
    on = _recorded_on(as_of)
    same_day = _same_day(on, as_of)
    whole = exp.Add(this=recorded, expression=exp.Sub(this=_part("year", as_of),
                                                      expression=_part("year", on)))
    low = exp.Add(this=recorded, expression=b.case(
        [(exp.GT(this=as_of, expression=on), years_between(on, as_of))],
        exp.Sub(this=exp.Neg(this=years_between(as_of, on)), expression=exp.Literal.number(1))))
    high = exp.Add(this=low, expression=exp.Literal.number(1))
    recent = b.TRUE
    if check.measured_within_days is not None:
        recent = exp.GTE(this=on, expression=b.days_before(as_of, check.measured_within_days))
    either = b.case([(exp.EQ(this=holds(low), expression=holds(high)),
                      b.case([(recent, holds(low))], b.NULL))], b.NULL)
    return b.case([
        (exp.Not(this=exp.Is(this=born, expression=b.NULL)),
         holds(years_between(born, as_of))),
        (exp.Is(this=recorded, expression=b.NULL), b.NULL),
        (same_day, holds(whole)),
    ], either)
