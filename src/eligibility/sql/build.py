"""Small builders of sqlglot expressions the compiler is written in: columns, literals, lists
and their lambdas, dates, and the three truth values as SQL booleans (NULL is unknown)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlglot import exp

from ..durations import Duration
from ..expressions import PLACES

__all__ = [
    "FALSE",
    "NULL",
    "TRUE",
    "case",
    "column",
    "date",
    "days_before",
    "exists",
    "field",
    "filtered",
    "last",
    "length",
    "literal",
    "settled",
    "span_before",
    "truth_of_level",
]

TRUE: exp.Expr = exp.Boolean(this=True)
FALSE: exp.Expr = exp.Boolean(this=False)
NULL: exp.Expr = exp.Null()


def column(name: str) -> exp.Column:
    """A column of the table, quoted (fact names hold dots)."""
    return exp.column(name, quoted=True)


def field(value: exp.Expr, name: str) -> exp.Expr:
    """A field of a struct: `value.name`."""
    return exp.Dot(this=value, expression=exp.to_identifier(name))


def literal(value: Any) -> exp.Expr:
    """A Python value as a SQL literal: numbers, text, booleans, dates, None."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, (int, float)):
        return exp.Literal.number(value)
    if isinstance(value, dt.date):
        return date(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no SQL literal for {value!r}")


def settled(value: exp.Expr) -> exp.Expr:
    """A worked-out number to `expressions.PLACES` decimal places, as `expressions.settled`
    gives it on the Python path."""
    return exp.Round(this=value, decimals=exp.Literal.number(PLACES))


def date(day: dt.date) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.Type.DATE)


def as_date(value: exp.Expr) -> exp.Expr:
    return exp.cast(value, exp.DataType.Type.DATE)


def days_before(day: exp.Expr, days: int) -> exp.Expr:
    """The date `days` days before `day`."""
    return as_date(exp.DateSub(this=day, expression=exp.Literal.number(days),
                               unit=exp.var("DAY")))


def span_before(day: exp.Expr, span: Duration) -> exp.Expr:
    """The date a span of time before `day`; 29 February falls back to the 28th, as
    `Duration.before` does."""
    unit = {"days": "DAY", "weeks": "DAY", "months": "MONTH", "years": "YEAR"}[span.unit]
    amount = span.amount * (7 if span.unit == "weeks" else 1)
    if unit == "YEAR":  # a year is 12 months in every engine's calendar arithmetic
        unit, amount = "MONTH", amount * 12
    return as_date(exp.DateSub(this=day, expression=exp.Literal.number(amount),
                               unit=exp.var(unit)))


def length(values: exp.Expr) -> exp.Expr:
    return exp.ArraySize(this=values)


def last(values: exp.Expr) -> exp.Expr:
    """The last element of a list (NULL when it is empty)."""
    return exp.Bracket(this=values, expressions=[exp.Literal.number(-1)], offset=1, safe=True)


def first(values: exp.Expr) -> exp.Expr:
    """The first element of a list (NULL when it is empty)."""
    return exp.Bracket(this=values, expressions=[exp.Literal.number(1)], offset=1, safe=True)


_counter = iter(range(1 << 30))


def lambda_(test: Callable[[exp.Expr], exp.Expr]) -> exp.Lambda:
    """`test` as a lambda over a fresh variable name."""
    name = f"_e{next(_counter)}"
    return exp.Lambda(this=test(exp.to_identifier(name)),
                      expressions=[exp.to_identifier(name)])


def filtered(values: exp.Expr,
             test: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """The elements of a list for which `test` is true (false and NULL drop an element)."""
    return exp.ArrayFilter(this=values, expression=lambda_(test))


def exists(values: exp.Expr,
           test: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Whether some element passes `test`: true or false, never NULL."""
    return exp.GT(this=length(filtered(values, test)), expression=exp.Literal.number(0))


def case(pairs: Iterable[tuple[exp.Expr, exp.Expr]],
         otherwise: exp.Expr = NULL) -> exp.Expr:
    # Built from its parts as they are: `Case.when` copies the whole CASE and both parts at
    # every branch, which was most of the time compiling a trial took (3 s for the seven).
    return exp.Case(ifs=[exp.If(this=condition, true=value) for condition, value in pairs],
                    default=otherwise)


def truth_of_level(level: exp.Expr) -> exp.Expr:
    """A truth level (0 false, 1 unknown, 2 true) as a SQL boolean, NULL for unknown."""
    return case([(exp.EQ(this=level, expression=exp.Literal.number(2)), TRUE),
                 (exp.EQ(this=level, expression=exp.Literal.number(0)), FALSE)])


# sqlglot's builders copy their operands by default (a deep copy of every subtree, at every
# level of nesting): the compiler builds each node once and never shares one it changes, so
# these build without copying. Compiling the seven trials took 3 s, most of it copying.

def and_(*parts: exp.Expr, **options: Any) -> exp.Expr:
    return exp.and_(*parts, copy=False, **options)


def or_(*parts: exp.Expr, **options: Any) -> exp.Expr:
    return exp.or_(*parts, copy=False, **options)


def not_(part: exp.Expr) -> exp.Expr:
    return exp.not_(part, copy=False)


def func(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.func(name, *args, copy=False)


def is_true(value: exp.Expr) -> exp.Expr:
    """True when `value` is true; false when it is false or NULL."""
    return func("COALESCE", value, FALSE)


def in_list(value: exp.Expr, options: Iterable[Any]) -> exp.Expr:
    listed = [literal(option) for option in options]
    if not listed:
        return FALSE
    return exp.In(this=value, expressions=listed)


def array(values: Iterable[Any]) -> exp.Expr:
    return exp.Array(expressions=[literal(value) for value in values])


def overlaps(values: exp.Expr, options: Iterable[Any]) -> exp.Expr:
    """Whether a list shares an element with `options` (false, not NULL, for a NULL list)."""
    listed = sorted(set(options))
    if not listed:
        return FALSE
    # One containment test per option: DuckDB's list overlap (`&&`) against a list literal
    # took 2.5x as long over a list's entries (it builds the literal list for every row).
    return is_true(or_(*[exp.ArrayContains(this=values, expression=literal(option))
                         for option in listed]))


def contains(values: exp.Expr, item: exp.Expr) -> exp.Expr:
    """Whether a list holds `item` (false, not NULL, when either is NULL)."""
    return is_true(exp.ArrayContains(this=values, expression=item))


_OPERATORS = (exp.Binary, exp.Unary, exp.Between, exp.In)
_SLOTS = ("this", "expression", "low", "high")


def grouped(tree: exp.Expr) -> exp.Expr:
    """`tree` with every operand that is itself an operation in parentheses: expressions
    built node by node carry no parentheses, and `a - (b - c)` or `(x AND y) = z` must not be
    written as `a - b - c` or `x AND y = z`."""
    def group(node: exp.Expr) -> exp.Expr:
        if isinstance(node, _OPERATORS) and not isinstance(node, (exp.Paren, exp.Dot)):
            for slot in _SLOTS:
                child = node.args.get(slot)
                if isinstance(child, _OPERATORS) and not isinstance(child, (exp.Paren,
                                                                            exp.Dot)):
                    node.set(slot, exp.Paren(this=child))
        return node

    return tree.transform(group, copy=False)
