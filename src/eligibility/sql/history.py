"""Choosing one observation of a history in SQL, as `observations.at_visit` does (the one
recorded for a visit, else the one dated nearest a day within a window), and `change` between
two observations so chosen."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from ..expressions import MEAN_MONTH_DAYS
from ..kinds.change import Change, Point
from . import build as b

__all__ = ["at_visit", "change_truth", "nearest", "visit_date"]

Refuse = Callable[[str], Exception]
Pick = Callable[[exp.Expr], exp.Expr]


def visit_date(visit: str) -> exp.Expr:
    """The date of a visit the row records, by name (NULL when it is not recorded)."""
    return b.field(b.last(b.filtered(b.column("visits"), lambda v: exp.EQ(
        this=b.field(v, "name"), expression=b.literal(visit)))), "date")


def _offset(observation: exp.Expr, on: exp.Expr) -> exp.Expr:
    """Days from `on` to the observation's date (negative before it)."""
    return exp.DateDiff(this=b.field(observation, "date"), expression=on, unit=exp.var("DAY"))


def nearest(history: exp.Expr, on: exp.Expr, within_days: int, *, pick: Pick = b.first,
            before: exp.Expr | None = None) -> exp.Expr:
    """The observation dated nearest `on`, at most `within_days` days either side, the earlier
    one on a tie (of one day's observations, the one `pick` takes); only those dated before
    `before` when it is given. NULL when none is that near.

    Each observation's place in that order is one number, twice its distance plus one when it
    is after `on`; the least one wins."""
    def near(observation: exp.Expr) -> exp.Expr:
        inside: exp.Expr = exp.LTE(this=exp.Abs(this=_offset(observation, on)),
                         expression=exp.Literal.number(within_days))
        if before is not None:
            inside = b.and_(inside, exp.LT(this=b.field(observation, "date"),
                                             expression=before))
        return inside

    def rank(observation: exp.Expr) -> exp.Expr:
        offset = _offset(observation, on)
        return exp.Add(this=exp.Mul(this=exp.Abs(this=offset), expression=exp.Literal.number(2)),
                       expression=b.case([(exp.GT(this=offset, expression=exp.Literal.number(0)),
                                           exp.Literal.number(1))], exp.Literal.number(0)))

    if within_days == 0 and before is None:
        return pick(b.filtered(history, lambda o: exp.EQ(this=b.field(o, "date"),
                                                          expression=on)))
    best = exp.ArrayMin(this=exp.Transform(this=b.filtered(history, near),
                                           expression=b.lambda_(rank)))
    return pick(b.filtered(history, lambda o: b.and_(near(o), exp.EQ(this=rank(o),
                                                                       expression=best))))


def at_visit(history: exp.Expr, visit: str, within_days: int, *,
             labelled: Pick = b.last, pick: Pick = b.first) -> exp.Expr:
    """Once the visit is dated: the observation recorded for it (the one `labelled` takes of
    those), else the nearest in date within the window (`nearest`); NULL otherwise."""
    on = visit_date(visit)
    recorded = b.filtered(history, lambda o: exp.EQ(this=b.field(o, "visit"),
                                                    expression=b.literal(visit)))
    return b.case([(exp.Is(this=on, expression=b.NULL), b.NULL),
                   (exp.GT(this=b.length(recorded), expression=exp.Literal.number(0)),
                    labelled(recorded))], nearest(history, on, within_days, pick=pick))


def _earlier(point: Point, history: exp.Expr, later: exp.Expr) -> exp.Expr:
    """`ChangePlan._at` for `from`: at its visit, or the one nearest a span before the later
    assessment (and dated before it)."""
    if point.visit is not None:
        return at_visit(history, point.visit, point.within_days)
    assert point.before is not None
    day = b.field(later, "date")
    return nearest(history, b.span_before(day, point.before), point.within_days, before=day)


def change_truth(change: Change, as_of: exp.Expr) -> exp.Expr:
    """`change` as a SQL boolean: NULL when either assessment is missing, the latest is too
    old, or the two are not one after the other; else the test of later minus earlier (per
    month of 30.4375 days with `per: month`), computed in the order the Python path computes
    it so that the same doubles are compared."""
    history = b.column(change.fact)
    if change.to is None:
        later = b.last(history)
    else:
        later = at_visit(history, change.to.visit or "", change.to.within_days)
    earlier = _earlier(change.from_, history, later)
    first, last = b.field(earlier, "date"), b.field(later, "date")
    amount: exp.Expr = exp.Sub(this=exp.cast(b.field(later, "value"), "DOUBLE"),
                               expression=exp.cast(b.field(earlier, "value"), "DOUBLE"))
    if change.per:
        months = exp.Div(this=exp.cast(exp.DateDiff(this=last, expression=first,
                                                    unit=exp.var("DAY")), "DOUBLE"),
                         expression=exp.Literal.number(MEAN_MONTH_DAYS))
        amount = exp.Div(this=amount, expression=months)
    amount = b.settled(amount)  # as ChangePlan._amount
    value = change.value
    if change.op == "between":
        holds: exp.Expr = exp.Between(this=amount, low=b.literal(value[0]),
                                      high=b.literal(value[1]))
    else:
        compare = {"at_least": exp.GTE, "at_most": exp.LTE, "above": exp.GT,
                   "below": exp.LT}[change.op]
        holds = compare(this=amount, expression=b.literal(value))
    unknown = [exp.Is(this=later, expression=b.NULL), exp.Is(this=earlier, expression=b.NULL),
               exp.Is(this=first, expression=b.NULL), exp.Is(this=last, expression=b.NULL),
               exp.GTE(this=first, expression=last)]
    if change.to is None and change.measured_within_days is not None:
        unknown.append(exp.LT(this=last, expression=b.days_before(
            as_of, change.measured_within_days)))
    return b.case([(b.or_(*unknown), b.NULL)], holds)
