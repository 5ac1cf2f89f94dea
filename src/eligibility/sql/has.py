"""`has` as SQL: `matching.Query.truth` over an open list of the table, entry by entry.

The query is prepared by `matching.Query` itself (the names, categories and covers a rule
asks for); the table's entries carry what the vocabulary says each one is, so the SQL only
compares. Truth levels 0/1/2 are used inside, SQL booleans outside.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlglot import exp

from ..durations import Duration
from ..kinds.has import DoseTest, Has
from ..matching import Query
from ..vocabulary import Vocabulary
from . import build as b

__all__ = ["has_truth"]

Refuse = Callable[[str], Exception]
Level = exp.Expr
_LEVEL = {0: exp.Literal.number(0), 1: exp.Literal.number(1), 2: exp.Literal.number(2)}


def _f(entry: exp.Expr, name: str) -> exp.Expr:
    return b.field(entry, name)


def _null(value: exp.Expr) -> exp.Expr:
    return exp.Is(this=value, expression=b.NULL)


def _set(value: exp.Expr) -> exp.Expr:
    return b.not_(_null(value))


def _absent(entry: exp.Expr) -> exp.Expr:
    return exp.EQ(this=b.func("COALESCE", _f(entry, "status"), b.literal("")),
                  expression=b.literal("absent"))


def _present(entry: exp.Expr) -> exp.Expr:
    return b.not_(_absent(entry))


def _matches(query: Query, entry: exp.Expr) -> exp.Expr:
    """Whether the entry is (or names) something asked for, never NULL (`Query.matches`)."""
    if query.anything:
        return b.TRUE
    # The list overlap in a CASE branch: DuckDB works out both sides of an AND for every
    # entry, and the overlap of each entry's categories is what costs (half of a `has`).
    return b.or_(
        b.is_true(b.in_list(_f(entry, "key"), sorted(query.names))),
        b.is_true(b.in_list(_f(entry, "category"), sorted(query.categories))),
        b.case([(b.is_true(_f(entry, "coded")),
                 b.overlaps(_f(entry, "categories"), query.categories))], b.FALSE))


def _status_fit(status: str, entry: exp.Expr, as_of: exp.Expr) -> Level:
    """`matching._status_fit` as a level."""
    if status == "ever":
        return _LEVEL[2]
    recorded = _f(entry, "status")
    stop = _f(entry, "stop")
    return b.case([
        (_set(recorded), b.case([(exp.EQ(this=recorded, expression=b.literal(status)),
                                  _LEVEL[2])], _LEVEL[0])),
        (b.and_(_set(stop), exp.LTE(this=stop, expression=as_of)),
         _LEVEL[2] if status == "past" else _LEVEL[0]),
    ], _LEVEL[1])


def _within(span: Duration, entry: exp.Expr, reference: exp.Expr) -> Level:
    """Present at some time in the span before the reference date (`has._within`)."""
    low = b.span_before(reference, span)
    began = b.func("COALESCE", _f(entry, "start"), _f(entry, "date"))
    stop = _f(entry, "stop")
    stopped = b.case([
        (exp.LT(this=stop, expression=low), _LEVEL[0]),
        (b.and_(_set(began), exp.GT(this=began, expression=reference)), _LEVEL[0]),
        (b.or_(_set(began), exp.LTE(this=stop, expression=reference)), _LEVEL[2]),
    ], _LEVEL[1])
    ongoing = b.case([
        (b.and_(_set(began), exp.Between(this=began, low=low, high=reference)), _LEVEL[2]),
        (b.is_true(exp.EQ(this=_f(entry, "status"), expression=b.literal("current"))),
         b.case([(b.or_(_null(began), exp.LTE(this=began, expression=reference)),
                  _LEVEL[2])], _LEVEL[0])),
    ], _LEVEL[1])
    return b.case([(_set(stop), stopped)], ongoing)


def _started_within(span: Duration, entry: exp.Expr, reference: exp.Expr) -> Level:
    began = b.func("COALESCE", _f(entry, "start"), _f(entry, "date"))
    return b.case([
        (_null(began), _LEVEL[1]),
        (exp.Between(this=began, low=b.span_before(reference, span), high=reference),
         _LEVEL[2]),
    ], _LEVEL[0])


def _attribute(name: str, test: Any, entry: exp.Expr) -> Level:
    """An attribute test (`has._attribute_filter`): unknown when the entry does not state it."""
    value = b.field(_f(entry, "attributes"), name)
    if isinstance(test, Mapping):
        op, against = next(iter(test.items()))
        holds = (exp.Between(this=value, low=b.literal(against[0]), high=b.literal(against[1]))
                 if op == "between" else _COMPARE[op](value, b.literal(against)))
    else:
        holds = b.in_list(value, test if isinstance(test, (list, tuple)) else [test])
    return b.case([(_null(value), _LEVEL[1]), (holds, _LEVEL[2])], _LEVEL[0])


_COMPARE: Mapping[str, Callable[[exp.Expr, exp.Expr], exp.Expr]] = {
    "at_least": lambda v, x: exp.GTE(this=v, expression=x),
    "at_most": lambda v, x: exp.LTE(this=v, expression=x),
    "above": lambda v, x: exp.GT(this=v, expression=x),
    "below": lambda v, x: exp.LT(this=v, expression=x),
    "equals": lambda v, x: exp.EQ(this=v, expression=x),
}


def _stable_for(span: Duration, entry: exp.Expr, reference: exp.Expr) -> Level:
    """Taken on the reference date at a dose unchanged for the span (`has._stable_for`)."""
    stop, status = _f(entry, "stop"), _f(entry, "status")
    taking = b.case([
        (_set(stop), b.case([(exp.GTE(this=stop, expression=reference), _LEVEL[2])],
                            _LEVEL[0])),
        (b.is_true(exp.EQ(this=status, expression=b.literal("current"))), _LEVEL[2]),
        (b.is_true(exp.EQ(this=status, expression=b.literal("past"))), _LEVEL[0]),
    ], _LEVEL[1])
    since = _regimen(entry, reference, "since", "dose_since")
    return b.case([
        (exp.EQ(this=taking, expression=_LEVEL[0]), _LEVEL[0]),
        (_null(since), _LEVEL[1]),
        (exp.GT(this=since, expression=b.span_before(reference, span)), _LEVEL[0]),
        (exp.EQ(this=taking, expression=_LEVEL[2]), _LEVEL[2]),
    ], _LEVEL[1])


def _regimen(entry: exp.Expr, reference: exp.Expr, part: str, own: str) -> exp.Expr:
    """A part of the regimen in effect on the reference date (`matching.regimen`): of the last
    of `doses` begun by then, else of the entry's own dose; NULL when none is."""
    doses = _f(entry, "doses")
    return b.case([
        (exp.GT(this=b.length(doses), expression=exp.Literal.number(0)),
         b.field(b.last(b.filtered(doses, lambda dose: exp.LTE(
             this=b.field(dose, "since"), expression=reference))), part)),
        (b.is_true(_f(entry, "dosed")), _f(entry, own)),
    ], b.NULL)


def _daily_dose(test: DoseTest, vocabulary: Vocabulary, entry: exp.Expr,
                reference: exp.Expr) -> Level:
    """The daily dose of the regimen in effect, in the unit asked for, tested
    (`has._daily_dose`): unknown without a dose, or a frequency and unit the vocabulary
    knows in the same base unit. The table holds the daily dose in its base unit; dividing by
    the unit asked for and rounding to 9 places is what `matching.daily_dose` does."""
    base, factor = vocabulary.dose_units[test.unit]
    daily = _regimen(entry, reference, "daily", "dose_daily")
    unit = _regimen(entry, reference, "base", "dose_base")
    amount = b.settled(exp.Div(this=daily, expression=exp.Literal.number(factor)))
    holds = (exp.Between(this=amount, low=b.literal(test.value[0]),
                         high=b.literal(test.value[1]))
             if test.op == "between" else _COMPARE[test.op](amount, b.literal(test.value)))
    return b.case([(b.or_(_null(daily), b.not_(b.is_true(exp.EQ(
        this=unit, expression=b.literal(base))))), _LEVEL[1]), (holds, _LEVEL[2])], _LEVEL[0])


def _fit(has: Has, vocabulary: Vocabulary, query: Query, entry: exp.Expr, as_of: exp.Expr,
         reference: exp.Expr) -> Level:
    """How far a present matching entry fits the rule: the least of its status (on the
    screening date) and filters (on the reference date), in the order `has._filters` lists
    them."""
    levels = [_status_fit(query.status, entry, as_of)]
    if has.severity:
        levels.append(_attribute("severity", list(has.severity), entry))
    if has.controlled is not None:
        levels.append(_attribute("controlled", has.controlled, entry))
    levels += [_attribute(name, test, entry) for name, test in has.where.items()]
    if has.within is not None:
        levels.append(_within(has.within, entry, reference))
    if has.started_within is not None:
        levels.append(_started_within(has.started_within, entry, reference))
    if has.stable_for is not None:
        levels.append(_stable_for(has.stable_for, entry, reference))
    if has.daily_dose is not None:
        levels.append(_daily_dose(has.daily_dose, vocabulary, entry, reference))
    return levels[0] if len(levels) == 1 else b.func("LEAST", *levels)


def _covers(negative: exp.Expr, entry: exp.Expr) -> exp.Expr:
    """`matching.covers`: a negative rules out an entry not recorded after it."""
    when = b.func("COALESCE", _f(entry, "start"), _f(entry, "date"))
    later = b.and_(_set(_f(negative, "date")), _set(when),
                     exp.GT(this=when, expression=_f(negative, "date")))
    same = b.and_(_set(_f(negative, "key")),
                    b.is_true(exp.EQ(this=_f(negative, "key"), expression=_f(entry, "key"))))
    category = b.and_(_set(_f(negative, "absent_category")),
                        b.contains(_f(entry, "categories"), _f(negative, "absent_category")))
    return b.and_(b.not_(later), b.or_(same, category))


def _covered(query: Query, listed: exp.Expr) -> exp.Expr:
    """`Query.covered`: every name and category asked for is ruled out by what the list
    records (the names and categories recorded absent, and what is present, kept with the
    list on export)."""
    if query.anything:
        return b.FALSE
    each = []
    for cover in query.covers:
        ways = []
        if cover.name is not None:
            ways.append(b.contains(b.field(listed, "absent_keys"), b.literal(cover.name)))
            if query.singular_names:
                ways.append(b.contains(b.field(listed, "present_keys"), b.literal(cover.name)))
        if cover.categories:
            ways.append(b.overlaps(b.field(listed, "absent_categories"), cover.categories))
        if cover.singular:
            ways.append(b.overlaps(b.field(listed, "present_categories"), cover.singular))
        each.append(b.or_(*ways) if ways else b.FALSE)
    return b.and_(*each) if each else b.TRUE


def _unclassified(query: Query, entry: exp.Expr) -> exp.Expr:
    """`Query._unclassified`: an entry that does not match may still be one."""
    # An entry without the fields export works out (a table written by another program)
    # knows no category: it may be anything asked about.
    maybe = b.or_(exp.EQ(this=b.func("COALESCE", b.length(_f(entry, "direct")),
                                         exp.Literal.number(0)), expression=exp.Literal.number(0)),
                    b.overlaps(_f(entry, "direct"), query.broader))
    if query.broader:
        return maybe
    return b.and_(b.not_(b.is_true(_f(entry, "classified"))), maybe)


def has_truth(has: Has, vocabulary: Vocabulary, as_of: exp.Expr, refuse: Refuse, *,
              levels: Callable[[str, Callable[[exp.Expr], exp.Expr]],
                               Callable[[int], exp.Expr]] | None = None) -> exp.Expr:
    """`has` as a SQL boolean (NULL unknown), as `matching.Query.truth` decides it."""
    from ..kinds.has import HasPlan
    from .history import visit_date

    query = HasPlan(has, vocabulary).query
    # Spans and doses are counted back from the visit `at` names, once it is dated; the
    # status of an entry is still read on the screening date.
    reference = as_of if has.at is None else visit_date(has.at.visit)
    listed = b.column(has.in_)
    items, complete = b.field(listed, "items"), b.is_true(b.field(listed, "complete"))

    # One pass finds the entries about what is asked; each gets a level (-1 for a negative),
    # and the rest is read from those few levels. The costlier tests (contradictions, entries
    # that may be unclassified, covers) sit in the CASE branches that need them only.
    about = b.filtered(items, lambda e: _matches(query, e))
    # One level per entry, NULL for those not about what is asked; whether some entry
    # reaches a level is read from a column worked out once for every `has` of the trial on
    # this list (`levels`), else from the levels listed here.
    def level(e: exp.Expr) -> exp.Expr:
        return b.case([(b.not_(_matches(query, e)), b.NULL),
                       (_absent(e), exp.Literal.number(-1))],
                      _fit(has, vocabulary, query, e, as_of, reference))

    if levels is not None:
        holds = levels(has.in_, level)
    else:
        listed_levels = exp.Transform(this=items, expression=b.lambda_(level))

        def holds(value: int) -> exp.Expr:
            return b.contains(listed_levels, exp.Literal.number(value))

    matched = b.filtered(about, lambda e: b.and_(_present(e), exp.EQ(
        this=_fit(has, vocabulary, query, e, as_of, reference), expression=_LEVEL[2])))
    negatives = b.filtered(about, _absent)
    uncontradicted = b.exists(matched, lambda entry: b.not_(
        b.exists(negatives, lambda negative: _covers(negative, entry))))
    unclassified: exp.Expr = b.FALSE
    if query.asks_categories:
        unclassified = b.exists(items, lambda e: b.and_(
            b.not_(_matches(query, e)), _present(e), _unclassified(query, e),
            exp.NEQ(this=_status_fit(query.status, e, as_of), expression=_LEVEL[0])))
    zero = exp.Literal.number(0)
    # The truth straight away (not a level mapped afterwards, which would write, and make
    # DuckDB evaluate, the whole expression twice).
    pending = [(exp.Is(this=reference, expression=b.NULL), b.NULL)] if has.at else []
    return b.case([
        *pending,
        (exp.EQ(this=b.length(items), expression=zero), b.case([(complete, b.FALSE)], b.NULL)),
        (holds(2), b.case([(b.or_(b.not_(holds(-1)), uncontradicted), b.TRUE)], b.NULL)),
        (holds(1), b.NULL),
        (_covered(query, listed), b.FALSE),
        (complete, b.case([(unclassified, b.NULL)], b.FALSE)),
    ], b.NULL)
