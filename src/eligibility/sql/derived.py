"""Facts that move with the screening date (`als.months_since_onset`, the built-in ages, and
any fact derived from them) worked out by the query, as `observations` reads them on the
per-patient path: the derived fact's expression translated to SQL, NULL for unknown.

The table stores what a profile states; a fact whose value depends on the screening date is
computed from those columns and the row's screening date (`__as_of`):

- derived record by record (all it reads lies in one block): the latest record that gives a
  value; its date is the screening date when the expression reads it, else the record's;
- derived across blocks: from the latest observation of each fact it reads, or, when exactly
  one of them is dated, for each observation of that one, keeping the latest value; its date is
  the latest date read (no earlier than the screening date when the expression reads it).

A derived number is compared to 9 decimal places (`decimals` only says how a value is shown),
division by zero is unknown, a month is 30.4375 days. What cannot be worked out from the
table's columns exactly as the per-patient path does is refused, naming the fact and why.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlglot import exp

from ..expressions import AS_OF, MEAN_MONTH_DAYS, dotted
from ..observations import _home_block, moving_facts
from ..vocabulary import Fact, Vocabulary
from . import build as b
from .operators import age_value, years_between

__all__ = ["Observed", "moving", "observed"]

Refuse = Callable[[str], Exception]


@dataclass(frozen=True)
class Observed:
    """A fact's latest observation as SQL: its value (NULL: unknown) and the date it is true
    on; `date` is a function, so that a date the table cannot give is refused only when a rule
    needs it."""

    value: exp.Expr
    date: Callable[[], exp.Expr]


def moving(vocabulary: Vocabulary) -> frozenset[str]:
    """The facts the query works out on the screening date rather than read from a column."""
    return moving_facts(vocabulary)


def observed(name: str, vocabulary: Vocabulary, as_of: exp.Expr, refuse: Refuse) -> Observed:
    """The latest observation of fact `name` as the per-patient path reads it (`Facts.get`)."""
    return _Reader(vocabulary, as_of, refuse).latest(name)


class _Reader:
    def __init__(self, vocabulary: Vocabulary, as_of: exp.Expr, refuse: Refuse) -> None:
        self.vocabulary, self.as_of, self.refuse = vocabulary, as_of, refuse
        self.moving = moving_facts(vocabulary)

    def latest(self, name: str) -> Observed:
        fact = self.vocabulary.facts[name]
        if name not in self.moving:
            last = b.last(b.column(name))
            value, date = b.field(last, "value"), b.field(last, "date")
            return Observed(value, lambda: date)
        if fact.builtin is not None:
            value, date = age_value(fact, self.as_of)
            return Observed(value, lambda: date)
        if fact.stated:
            raise self.refuse(f"{name!r} may be stated by a profile and is derived from the "
                              "screening date: the table keeps no column for what is stated")
        block = _home_block(fact, self.vocabulary)
        if block is not None:
            return self._per_record(fact)
        return self._across(fact)

    # Derived record by record

    def _per_record(self, fact: Fact) -> Observed:
        """From the records of its block: exact when the records that can give a value are
        those stating one fact (the driver), whose column lists them in the same order."""
        tree = fact.derive.tree
        leaves = sorted(self._leaves(tree))
        if len(leaves) != 1:
            raise self.refuse(f"{fact.name!r} is derived record by record from "
                              f"{', '.join(leaves) or 'no fact of its block'} and the "
                              "screening date: the table cannot line up several facts of one "
                              "record")
        driver = self.vocabulary.facts[leaves[0]]
        if driver.name not in self._needs(tree):
            raise self.refuse(f"{fact.name!r} may have a value in a record that does not state "
                              f"{driver.name!r}, which the table does not keep")
        uses_as_of = AS_OF in fact.derive.text
        same_date = driver.dated_by is None and (driver.derived or driver.dated)

        def record_date(element: exp.Expr) -> exp.Expr:
            if not same_date:
                raise self.refuse(f"the record date of {driver.name!r}, which {fact.name!r} "
                                  "reads, is not kept in the table")
            return b.field(element, "date")

        def value_in(element: exp.Expr) -> exp.Expr:
            def read(name: str) -> Observed:
                if name == driver.name:
                    return Observed(b.field(element, "value"), lambda: record_date(element))
                inner = self.vocabulary.facts[name]
                value = _rounded(inner, self._translate(inner.derive.tree, read))
                return Observed(value, lambda: b.case(
                    [(exp.Is(this=value, expression=b.NULL), b.NULL)], record_date(element)))

            return _rounded(fact, self._translate(tree, read))

        def date_in(element: exp.Expr) -> exp.Expr:
            if uses_as_of:
                return self.as_of
            if fact.dated_by is not None:
                raise self.refuse(f"{fact.name!r} is dated by {fact.dated_by!r}, which the "
                                  "table does not keep beside it")
            return record_date(element)

        return self._latest_of(b.column(driver.name), value_in, date_in,
                               total=not self._partial(tree))

    def _leaves(self, node: ast.expr) -> set[str]:
        """The stored facts a per-record expression reads (moving ones read through)."""
        found: set[str] = set()
        for name in _names(node, self.vocabulary):
            if name in self.moving:
                if self.vocabulary.facts[name].stated:
                    raise self.refuse(f"{name!r} may be stated by a profile and is derived "
                                      "from the screening date: the table keeps no column "
                                      "for what is stated")
                found |= self._leaves(self.vocabulary.facts[name].derive.tree)
            else:
                found.add(name)
        return found

    def _needs(self, node: ast.expr) -> set[str]:
        """The facts whose absence alone makes `node` unknown (strictness)."""
        match node:
            case ast.Name() | ast.Attribute():
                name = dotted(node) or ""
                if name == AS_OF:
                    return set()
                if name in self.moving:
                    return self._needs(self.vocabulary.facts[name].derive.tree)
                return {name}
            case ast.UnaryOp(operand=operand):
                return self._needs(operand)
            case ast.BinOp(left=left, right=right):
                return self._needs(left) | self._needs(right)
            case ast.Compare(left=left, comparators=comparators):
                return set().union(*(self._needs(part) for part in (left, *comparators)))
            case ast.BoolOp(values=values):
                return set.intersection(*(self._needs(part) for part in values))
            case ast.Call(func=ast.Name(id="either"), args=args):
                return set.intersection(*(self._needs(arg) for arg in args))
            case ast.Call(func=ast.Name(id="sum"), args=[group]):
                slots = self.vocabulary.group_slots[dotted(group) or ""]
                return set().union(*(set.intersection(*(
                    self._needs(ast.Name(id=f"{dotted(group)}.{member}")) for member in slot))
                    for slot in slots))
            case ast.Call(args=args):
                return set().union(*(self._needs(arg) for arg in args))
        return set()

    def _partial(self, node: ast.expr) -> bool:
        """Whether `node` may be unknown though every fact it reads is known: a division (by
        zero), a date read, or a moving fact that is itself so."""
        for part in ast.walk(node):
            if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Div):
                return True
            if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and (
                    part.func.id == "date_of"):
                return True
        return any(self._partial(self.vocabulary.facts[name].derive.tree)
                   for name in _names(node, self.vocabulary)
                   if name in self.moving and self.vocabulary.facts[name].derive is not None)

    # Derived across blocks

    def _across(self, fact: Fact) -> Observed:
        """From the latest of each fact read; with exactly one dated fact read (the primary),
        for each of its observations, the latest value kept (`observations._across`)."""
        tree, uses_as_of = fact.derive.tree, AS_OF in fact.derive.text
        dated = [name for name in fact.derive.facts if self.vocabulary.facts[name].dated]
        primary = dated[0] if len(dated) == 1 else None
        if primary is not None and self.vocabulary.facts[primary].builtin is not None:
            primary = None  # an age has one observation: its latest is its whole history
        if primary is not None and primary in self.moving:
            raise self.refuse(f"{fact.name!r} is worked out for each observation of "
                              f"{primary!r}, whose history moves with the screening date")

        def date_of_result(reads: dict[str, Observed]) -> exp.Expr:
            if _reads_lazily(tree):
                raise self.refuse(f"the date of {fact.name!r} depends on which value "
                                  "either() took, which has no SQL form yet")
            dates = [b.case([(exp.Is(this=seen.value, expression=b.NULL), b.NULL)],
                            seen.date()) for seen in reads.values()]
            if uses_as_of:
                dates.append(self.as_of)
            return dates[0] if len(dates) == 1 else b.func("GREATEST", *dates)

        def evaluated(element: exp.Expr | None) -> tuple[exp.Expr, Callable[[], exp.Expr]]:
            reads: dict[str, Observed] = {}

            def read(name: str) -> Observed:
                if name not in reads:
                    if name == primary and element is not None:
                        date = b.field(element, "date")
                        reads[name] = Observed(b.field(element, "value"), lambda: date)
                    else:
                        reads[name] = self.latest(name)
                return reads[name]

            value = _rounded(fact, self._translate(tree, read))
            return value, lambda: date_of_result(reads)

        if primary is None:
            value, date = evaluated(None)
            return Observed(value, lambda: b.case(
                [(exp.Is(this=value, expression=b.NULL), b.NULL)], date()))
        return self._latest_of(b.column(primary), lambda e: evaluated(e)[0],
                               lambda e: evaluated(e)[1](), total=False)

    # The latest value over a history

    def _latest_of(self, history: exp.Expr, value_in: Callable[[exp.Expr], exp.Expr],
                   date_in: Callable[[exp.Expr], exp.Expr], *, total: bool) -> Observed:
        """The value (and date) worked out from the last element of `history` that gives one;
        when `total`, every element gives one, so it is the last element's."""
        if total:
            last = b.last(history)
            value = value_in(last)
            return Observed(value, lambda: b.case(
                [(exp.Is(this=value, expression=b.NULL), b.NULL)], date_in(last)))
        values = exp.Transform(this=history, expression=b.lambda_(value_in))
        found = b.last(b.filtered(values, lambda v: exp.Not(
            this=exp.Is(this=v, expression=b.NULL))))

        def date() -> exp.Expr:
            pairs = exp.Transform(this=history, expression=b.lambda_(lambda e: exp.Struct(
                expressions=[exp.PropertyEQ(this=exp.to_identifier("v"), expression=value_in(e)),
                             exp.PropertyEQ(this=exp.to_identifier("d"),
                                            expression=date_in(e))])))
            kept = b.last(b.filtered(pairs, lambda p: exp.Not(
                this=exp.Is(this=b.field(p, "v"), expression=b.NULL))))
            return b.field(kept, "d")

        return Observed(found, date)

    # The expression language

    def _translate(self, node: ast.expr, read: Callable[[str], Observed]) -> exp.Expr:
        """`node` as SQL, reading each fact through `read`: NULL where `expressions.evaluate`
        gives unknown."""
        def sql(part: ast.expr) -> exp.Expr:
            return exp.paren(self._translate(part, read), copy=False)

        match node:
            case ast.Constant(value=bool() as value):
                return b.literal(value)
            case ast.Constant(value=float() as value):
                # a double, as in Python: DuckDB and Spark read 0.1 as a DECIMAL, and an
                # integer times a DECIMAL is exact where Python's float is not
                return exp.cast(b.literal(value), "DOUBLE")
            case ast.Constant(value=int() | str() as value):
                return b.literal(value)
            case ast.Name() | ast.Attribute():
                name = dotted(node) or ""
                return self.as_of if name == AS_OF else read(name).value
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return exp.Neg(this=sql(operand))
            case ast.UnaryOp(op=ast.UAdd(), operand=operand):
                return sql(operand)
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                return exp.Not(this=sql(operand))
            case ast.BoolOp(op=op, values=values):
                parts = [sql(part) for part in values]
                return b.and_(*parts) if isinstance(op, ast.And) else b.or_(*parts)
            case ast.BinOp(left=left, op=op, right=right):
                a, c = sql(left), sql(right)
                if isinstance(op, ast.Div):  # division by zero is unknown
                    return exp.Div(this=a, expression=exp.Nullif(this=c, expression=(
                        exp.Literal.number(0))))
                kinds = {ast.Add: exp.Add, ast.Sub: exp.Sub, ast.Mult: exp.Mul}
                return kinds[type(op)](this=a, expression=c)
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                return self._compare([sql(part) for part in (left, *comparators)], ops)
            case ast.Call(func=ast.Name(id=name), args=args):
                return self._call(name, args, read, sql)
        raise self.refuse(f"the expression {ast.unparse(node)!r} has no SQL form yet")

    def _compare(self, values: list[exp.Expr], ops: Iterable[ast.cmpop]) -> exp.Expr:
        kinds = {ast.Lt: exp.LT, ast.LtE: exp.LTE, ast.Gt: exp.GT, ast.GtE: exp.GTE,
                 ast.Eq: exp.EQ, ast.NotEq: exp.NEQ}
        tests = [kinds[type(op)](this=a, expression=c)
                 for op, a, c in zip(ops, values, values[1:], strict=False)]
        if len(tests) == 1:
            return tests[0]
        # a chain is unknown when any value is, even if one comparison fails
        return _unless_any_null(values, b.and_(*tests))

    def _call(self, name: str, args: list[ast.expr], read: Callable[[str], Observed],
              sql: Callable[[ast.expr], exp.Expr]) -> exp.Expr:
        if name == "sum":
            group = dotted(args[0]) or ""
            total: exp.Expr = exp.Literal.number(0)
            for slot in self.vocabulary.group_slots[group]:
                members = [read(f"{group}.{member}").value for member in slot]
                one = members[0] if len(members) == 1 else b.func("COALESCE", *members)
                total = exp.Add(this=total, expression=exp.paren(one, copy=False))
            return total
        if name == "date_of":
            return read(dotted(args[0]) or "").date()
        values = [sql(arg) for arg in args]
        if name == "either":
            return values[0] if len(values) == 1 else b.func("COALESCE", *values)
        if name == "recorded":
            return b.case([(exp.Is(this=values[0], expression=b.NULL), b.NULL)], b.TRUE)
        if name in ("min", "max"):  # two values or more (the parser says so)
            # LEAST and GREATEST skip NULLs; min() of an unknown is unknown
            return _unless_any_null(values, b.func("LEAST" if name == "min" else "GREATEST",
                                                     *values))
        start, end = values
        if name == "years_between":
            return years_between(start, end)
        days: exp.Expr = exp.DateDiff(this=end, expression=start, unit=exp.var("DAY"))
        if name == "days_between":
            return days
        return exp.Div(this=exp.cast(days, "DOUBLE"),
                       expression=exp.Literal.number(MEAN_MONTH_DAYS))


def _rounded(fact: Fact, value: exp.Expr) -> exp.Expr:
    """A derived number to 9 decimal places, as `expressions.evaluate` gives it."""
    if fact.kind != "number":
        return value
    return b.settled(value)


def _unless_any_null(values: list[exp.Expr], result: exp.Expr) -> exp.Expr:
    unknown = b.or_(*[exp.Is(this=value, expression=b.NULL) for value in values])
    return b.case([(unknown, b.NULL)], result)


def _names(node: ast.expr, vocabulary: Vocabulary) -> list[str]:
    """The fact names an expression reads (a group's members for `sum`)."""
    found = []
    for part in ast.walk(node):
        if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and (
                part.func.id == "sum"):
            group = dotted(part.args[0]) or ""
            found += [f"{group}.{member}" for slot in vocabulary.group_slots[group]
                      for member in slot]
        elif isinstance(part, (ast.Name, ast.Attribute)):
            name = dotted(part)
            if name is not None and name in vocabulary.facts:
                found.append(name)
    return found


def _reads_lazily(node: ast.expr) -> bool:
    return any(isinstance(part, ast.Call) and isinstance(part.func, ast.Name)
               and part.func.id == "either" for part in ast.walk(node))
