"""Arithmetic over facts, as derived facts are written: parsed once, checked, evaluated safely.

An expression is written in a small subset of Python's syntax and never run by Python: it is
parsed with `ast`, every node is checked against what this module allows, and it is evaluated
by walking the tree here. Numbers, fact names (`alsfrs_r.total`), `screening_date`, `+ - * /`,
comparisons, `and`/`or`/`not` and a few functions:

    min(a, b, ...)  max(a, b, ...)     the smallest or largest (numbers, or dates)
    sum(GROUP)                         the sum of a group's slots (each slot's scored member)
    either(a, b, ...)                  the first of them that is recorded
    days_between(d1, d2)               days from d1 to d2
    months_between(d1, d2)             d2 - d1 in months of 30.4375 days (a mean month)
    years_between(d1, d2)              completed calendar years from d1 to d2 (an age)
    recorded(x)                        true when x is recorded; otherwise unknown, never false
    date_of(fact)                      the date of the observation of `fact` that is read

Unknowns propagate as in Kleene logic: arithmetic on an unknown value is unknown, `and` is false
when any part is false, `or` true when any part is true. Division by zero is unknown.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

__all__ = [
    "Evaluated",
    "Expression",
    "ExpressionError",
    "Reading",
    "Scope",
    "evaluate",
    "parse",
    "settled",
]

MEAN_MONTH_DAYS = 30.4375
AS_OF = "screening_date"
PLACES = 9


def settled(value: float) -> float:
    """A number worked out from numbers written in decimal, to `PLACES` decimal places, where
    their decimal result is exact and the binary one is not (1.5 x 1.2 is 1.7999999999999998;
    59.94 kg over 1.80 m squared is a BMI of 18.499999999999996): what every comparison of a
    worked-out number reads, on the Python path and in SQL (`sql.build.settled`)."""
    return round(value, PLACES)


class ExpressionError(ValueError):
    """An expression that cannot be used: what is wrong, and where in the text (0-based)."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message)
        self.column = column


class Scope(Protocol):
    """What an expression may name: facts (with kind and unit) and groups."""

    def fact_kind(self, name: str) -> tuple[str, str] | None: ...
    def group_members(self, name: str) -> tuple[tuple[str, ...], ...] | None: ...
    def names(self) -> Iterable[str]: ...


class Type(NamedTuple):
    """The static type of a sub-expression: kind and unit (None: a bare number, any unit)."""

    kind: str                       # number, date, boolean, category
    unit: tuple[tuple[str, int], ...] | None = None


_NUMBER = Type("number")
_DATE = Type("date")
_BOOLEAN = Type("boolean")


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, tree, the facts it reads, its type, and the function
    that computes it (compiled once from the tree)."""

    text: str
    tree: ast.expr
    facts: tuple[str, ...]
    kind: str
    unit: str
    function: Callable[[_Env], Any]

    def __str__(self) -> str:
        return self.text


def parse(text: str, scope: Scope) -> Expression:
    """Parse and check `text`; raise ExpressionError saying what is wrong and where."""
    source = " ".join(text.split())
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise ExpressionError(f"cannot read the expression {source!r}: {error.msg}",
                              max(0, (error.offset or 1) - 1)) from None
    facts: list[str] = []
    kind = _Checker(scope, facts).type_of(tree)
    return Expression(source, tree, tuple(dict.fromkeys(facts)), kind.kind, _unit_text(kind.unit),
                      _compiled(tree))


class _Checker:
    def __init__(self, scope: Scope, facts: list[str]) -> None:
        self.scope, self.facts = scope, facts

    def type_of(self, node: ast.expr) -> Type:
        match node:
            case ast.Constant(value=bool()):
                return _BOOLEAN
            case ast.Constant(value=int() | float()):
                return _NUMBER
            case ast.Constant(value=str()):
                return Type("category")
            case ast.Name() | ast.Attribute():
                return self._name(node)
            case ast.UnaryOp(op=ast.USub() | ast.UAdd(), operand=operand):
                return self._numeric(operand, "a sign")
            case ast.UnaryOp(op=ast.Not(), operand=operand):
                self._boolean(operand)
                return _BOOLEAN
            case ast.BoolOp(values=values):
                for value in values:
                    self._boolean(value)
                return _BOOLEAN
            case ast.BinOp(left=left, op=op, right=right):
                return self._arithmetic(node, left, op, right)
            case ast.Compare(left=left, comparators=comparators):
                types = [self.type_of(part) for part in (left, *comparators)]
                for a, b in itertools.pairwise(types):
                    _same(a, b, node, "compare")
                return _BOOLEAN
            case ast.Call():
                return self._call(node)
        raise ExpressionError(f"{ast.unparse(node)!r} is not allowed in an expression "
                              "(numbers, fact names, + - * /, comparisons, and, or, not, and "
                              f"the functions {', '.join(FUNCTIONS)})", node.col_offset)

    def _name(self, node: ast.expr) -> Type:
        name = dotted(node)
        if name is None:
            raise ExpressionError(f"{ast.unparse(node)!r} is not a fact name", node.col_offset)
        if name == AS_OF:
            return _DATE
        found = self.scope.fact_kind(name)
        if found is None:
            if self.scope.group_members(name) is not None:
                raise ExpressionError(f"{name!r} is a group of facts: use sum({name})",
                                      node.col_offset)
            from .vocabulary import closest

            raise ExpressionError(f"unknown fact {name!r}{closest(name, self.scope.names())}",
                                  node.col_offset)
        self.facts.append(name)
        kind, unit = found
        if kind in ("number", "integer", "lab"):
            return Type("number", ((unit, 1),) if unit else None)
        return Type(kind)

    def _numeric(self, node: ast.expr, what: str) -> Type:
        found = self.type_of(node)
        if found.kind != "number":
            raise ExpressionError(f"{what} needs a number, and {ast.unparse(node)!r} is a "
                                  f"{found.kind}", node.col_offset)
        return found

    def _boolean(self, node: ast.expr) -> None:
        found = self.type_of(node)
        if found.kind != "boolean":
            raise ExpressionError(f"{ast.unparse(node)!r} is a {found.kind}, not true or false",
                                  node.col_offset)

    def _arithmetic(self, node: ast.expr, left: ast.expr, op: ast.operator,
                    right: ast.expr) -> Type:
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            raise ExpressionError(f"the operator in {ast.unparse(node)!r} is not allowed (use "
                                  "+ - * /)", node.col_offset)
        a, b = self.type_of(left), self.type_of(right)
        for side, found in ((left, a), (right, b)):
            if found.kind == "date":
                raise ExpressionError(f"{ast.unparse(side)!r} is a date: arithmetic on dates is "
                                      "written days_between(a, b) or months_between(a, b)",
                                      side.col_offset)
            if found.kind != "number":
                raise ExpressionError(f"{ast.unparse(side)!r} is a {found.kind}, not a number",
                                      side.col_offset)
        if isinstance(op, (ast.Add, ast.Sub)):
            return _same(a, b, node, "add" if isinstance(op, ast.Add) else "subtract")
        return Type("number", _combine(a.unit, b.unit, 1 if isinstance(op, ast.Mult) else -1))

    def _call(self, node: ast.Call) -> Type:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or node.keywords:
            raise ExpressionError(f"unknown function {ast.unparse(node.func)!r} (allowed: "
                                  f"{', '.join(FUNCTIONS)})", node.col_offset)
        args = node.args
        if name == "sum":
            if len(args) != 1 or (group := dotted(args[0])) is None or (
                    members := self.scope.group_members(group)) is None:
                raise ExpressionError("sum takes one group of facts, such as sum(alsfrs_r.items)",
                                      node.col_offset)
            units = []
            for slot in members:
                for member in slot:
                    units.append(self._name(ast.Name(id=f"{group}.{member}", col_offset=0)))
            return units[0] if units else _NUMBER
        if name == "date_of":
            if len(args) != 1 or dotted(args[0]) is None:
                raise ExpressionError("date_of takes one fact name", node.col_offset)
            self.type_of(args[0])
            return _DATE
        if name == "recorded":
            if len(args) != 1:
                raise ExpressionError("recorded takes one value", node.col_offset)
            self.type_of(args[0])
            return _BOOLEAN
        if name in ("days_between", "months_between", "years_between"):
            if len(args) != 2:
                raise ExpressionError(f"{name} takes two dates", node.col_offset)
            for arg in args:
                if self.type_of(arg).kind != "date":
                    raise ExpressionError(f"{name} takes two dates, and {ast.unparse(arg)!r} "
                                          "is not a date", arg.col_offset)
            return Type("number", ((name.split("_")[0], 1),))
        if name in ("min", "max") and len(args) < 2:
            raise ExpressionError(f"{name} takes two or more values, such as {name}(a, b) (it "
                                  "compares values; it does not look back over a history)",
                                  node.col_offset)
        if not args:
            raise ExpressionError(f"{name} needs at least one value", node.col_offset)
        found = self.type_of(args[0])
        for arg in args[1:]:
            found = _same(found, self.type_of(arg), node, f"take {name} of")
        return found


def _same(a: Type, b: Type, node: ast.expr, verb: str) -> Type:
    """The type of a result combining `a` and `b` that must agree (+, -, comparisons, min)."""
    if a.kind != b.kind and not {a.kind, b.kind} <= {"category", "boolean"}:
        raise ExpressionError(f"cannot {verb} a {a.kind} and a {b.kind} in "
                              f"{ast.unparse(node)!r}", node.col_offset)
    if a.unit is not None and b.unit is not None and _canonical(a.unit) != _canonical(b.unit):
        raise ExpressionError(f"cannot {verb} {_unit_text(a.unit)!r} and "
                              f"{_unit_text(b.unit)!r} in {ast.unparse(node)!r}",
                              node.col_offset)
    return a if a.unit is not None else b


def _combine(a: tuple[tuple[str, int], ...] | None, b: tuple[tuple[str, int], ...] | None,
             sign: int) -> tuple[tuple[str, int], ...] | None:
    if a is None and b is None:
        return None
    powers: dict[str, int] = dict(a or ())
    for atom, power in b or ():
        powers[atom] = powers.get(atom, 0) + sign * power
    return tuple((atom, power) for atom, power in powers.items() if power)


def _canonical(unit: tuple[tuple[str, int], ...]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((atom.casefold().removesuffix("s"), power) for atom, power in unit))


def _unit_text(unit: tuple[tuple[str, int], ...] | None) -> str:
    if not unit:
        return ""
    above = "*".join(atom if power == 1 else f"{atom}^{power}" for atom, power in unit
                     if power > 0)
    below = "*".join(atom if power == -1 else f"{atom}^{-power}" for atom, power in unit
                     if power < 0)
    return f"{above or '1'}/{below}" if below else above


def unit_differs(expression: Expression, declared: str) -> bool:
    """Whether a compound unit the expression gives (kg/cm^2) is surely not the `declared` one
    (kg/m2). Unsure, so False, when the expression scales a unit by a number (`height.cm /
    100` is in metres, which the unit arithmetic does not follow) or either unit has a form
    this does not read (mL/min/1.73m2)."""
    scaled = any(isinstance(node.op, (ast.Mult, ast.Div)) and (
                     isinstance(node.left, ast.Constant) or isinstance(node.right, ast.Constant))
                 for node in ast.walk(expression.tree) if isinstance(node, ast.BinOp))
    given, wanted = _read_unit(expression.unit), _read_unit(declared)
    return not scaled and given is not None and wanted is not None and (
        _canonical(given) != _canonical(wanted))


def _read_unit(text: str) -> tuple[tuple[str, int], ...] | None:
    """`kg/m2` or `kg/cm^2` as atoms with powers; None for a form it does not read."""
    powers: dict[str, int] = {}
    for position, part in enumerate(text.split("/")):
        for token in part.split("*"):
            if position == 0 and token == "1":
                continue
            found = re.fullmatch(r"([^\W\d_]+)\^?(\d*)", token.strip())
            if found is None:
                return None
            atom, power = found.group(1), int(found.group(2) or 1)
            powers[atom] = powers.get(atom, 0) + (power if position == 0 else -power)
    return tuple((atom, power) for atom, power in powers.items() if power)


def dotted(node: ast.expr) -> str | None:
    """`alsfrs_r.items.speech` from its Attribute/Name tree, or None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


FUNCTIONS = ("min", "max", "sum", "either", "days_between", "months_between",
             "years_between", "recorded", "date_of")


# Evaluation

class Reading(Protocol):
    """An observation as an expression reads it: a value and the date it was true on."""

    @property
    def fact(self) -> str: ...
    @property
    def value(self) -> Any: ...
    @property
    def date(self) -> dt.date | None: ...


Read = Callable[[str], "Reading | None"]


class Evaluated:
    """An expression's value (None: unknown), what it read, and what it lacked.

    `read` holds each observation the value came from; `missing` the facts that would settle
    an unknown; `formula` the expression with the values read put in (`(48 - 40) / 19.2`),
    worked out only when an explanation asks for it.
    """

    __slots__ = ("_formula", "_source", "missing", "read", "value")

    def __init__(self, value: Any, read: tuple[Reading, ...], missing: tuple[str, ...],
                 source: tuple[Expression, dt.date, Mapping[str, Any]] | None = None) -> None:
        self.value, self.read, self.missing = value, read, missing
        self._source, self._formula = source, None if source else ""

    @property
    def formula(self) -> str:
        if self._formula is None:
            assert self._source is not None
            expression, as_of, groups = self._source
            readings = {reading.fact: reading for reading in self.read}
            walker = _Walker(readings.get, as_of, groups)
            walker.value(expression.tree)
            self._formula = walker.formula(expression.tree)
        return self._formula

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Evaluated) and (self.value, self.read, self.missing) == (
            other.value, other.read, other.missing)

    def __hash__(self) -> int:
        return hash((self.value, self.read, self.missing))

    def __repr__(self) -> str:
        return f"Evaluated({self.value!r}, read={self.read!r}, missing={self.missing!r})"

    @property
    def date(self) -> dt.date | None:
        """The latest date among what was read: the value is true on that day."""
        dates = [reading.date for reading in self.read if reading.date is not None]
        return max(dates) if dates else None


class _Unknown:
    """An unknown value inside an evaluation, with the facts that would settle it."""

    __slots__ = ("missing",)

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = tuple(missing)


def evaluate(expression: Expression, read: Read, as_of: dt.date,
             groups: Mapping[str, tuple[tuple[str, ...], ...]]) -> Evaluated:
    """The value of `expression` for what `read` gives, on `as_of`; never raises over data."""
    env = _Env(read, as_of, groups)
    value = expression.function(env)
    read_ = env.read
    readings = tuple(read_) if len(read_) < 2 else tuple(dict.fromkeys(read_))
    if isinstance(value, _Unknown):
        return Evaluated(None, readings, tuple(dict.fromkeys(value.missing)))
    if isinstance(value, float):
        # To 9 decimal places, where numbers written in decimal give their decimal result:
        # 59.94 kg over 1.80 m squared is a BMI of 18.5, not 18.499999999999996.
        value = settled(value)
    return Evaluated(value, readings, (), (expression, as_of, groups))


class _Env:
    """What a compiled expression reads from, and what it has read."""

    __slots__ = ("_read", "as_of", "groups", "read")

    def __init__(self, read: Read, as_of: dt.date,
                 groups: Mapping[str, tuple[tuple[str, ...], ...]]) -> None:
        self._read, self.as_of, self.groups = read, as_of, groups
        self.read: list[Reading] = []

    def fact(self, name: str) -> Any:
        found = self._read(name)
        if found is None:
            return _Unknown((name,))
        self.read.append(found)
        return found.value

    def reading(self, name: str) -> Reading | None:
        found = self._read(name)
        if found is not None:
            self.read.append(found)
        return found


Compiled = Callable[[_Env], Any]


def _compiled(node: ast.expr) -> Compiled:
    """A checked tree as nested functions of the environment, each computed in one call."""
    match node:
        case ast.Constant(value=value):
            return lambda env: value
        case ast.Name() | ast.Attribute():
            name = dotted(node) or ""
            if name == AS_OF:
                return lambda env: env.as_of
            return lambda env: env.fact(name)
        case ast.UnaryOp(op=op, operand=operand):
            inner = _compiled(operand)
            change: Callable[[Any], Any] = (
                (lambda value: not value) if isinstance(op, ast.Not) else
                (lambda value: -value) if isinstance(op, ast.USub) else (lambda value: value))
            return lambda env: _apply(change, inner(env))
        case ast.BoolOp(op=op, values=values):
            parts = [_compiled(part) for part in values]
            conjunction = isinstance(op, ast.And)
            return lambda env: _kleene([part(env) for part in parts], conjunction)
        case ast.BinOp(left=left, op=op, right=right):
            a, b, operation = _compiled(left), _compiled(right), _OPERATIONS[type(op)]
            divides = isinstance(op, ast.Div)
            return lambda env: _arithmetic(operation, divides, a(env), b(env))
        case ast.Compare(left=left, ops=ops, comparators=comparators):
            parts = [_compiled(part) for part in (left, *comparators)]
            tests = [_COMPARISONS[type(op)] for op in ops]
            return lambda env: _compare([part(env) for part in parts], tests)
        case ast.Call(func=ast.Name(id=name), args=args):
            return _call(name, args)
    raise AssertionError(f"unchecked expression node {ast.dump(node)}")


def _apply(change: Callable[[Any], Any], value: Any) -> Any:
    return value if isinstance(value, _Unknown) else change(value)


def _arithmetic(operation: Callable[[Any, Any], Any], divides: bool, a: Any, b: Any) -> Any:
    if isinstance(a, _Unknown) or isinstance(b, _Unknown):
        return _unknown(a, b)
    if divides and b == 0:
        return _Unknown(())
    return operation(a, b)


def _compare(values: list[Any], tests: list[Callable[[Any, Any], bool]]) -> Any:
    if any(isinstance(value, _Unknown) for value in values):
        return _unknown(*values)
    return all(test(a, b) for test, a, b in zip(tests, values, values[1:], strict=False))


def _call(name: str, args: Sequence[ast.expr]) -> Compiled:
    if name == "sum":
        group = dotted(args[0]) or ""

        def total(env: _Env) -> Any:
            result, missing = 0, []
            for slot in env.groups[group]:
                found = next((value for member in slot
                              if not isinstance(value := env.fact(f"{group}.{member}"),
                                                _Unknown)), None)
                if found is None:
                    missing.append(f"{group}.{slot[0]}")
                else:
                    result += found
            return _Unknown(missing) if missing else result

        return total
    parts = [_compiled(arg) for arg in args]
    if name == "either":
        def either(env: _Env) -> Any:
            values = []
            for part in parts:
                value = part(env)
                if not isinstance(value, _Unknown):
                    return value
                values.append(value)
            return _unknown(*values)

        return either
    if name == "recorded":
        inner = parts[0]
        return lambda env: _apply(lambda value: True, inner(env))
    if name == "date_of":
        fact = dotted(args[0]) or ""

        def date_of(env: _Env) -> Any:
            found = env.reading(fact)
            return _Unknown((fact,)) if found is None or found.date is None else found.date

        return date_of
    function = _CALLS[name]

    def call(env: _Env) -> Any:
        values = [part(env) for part in parts]
        if any(isinstance(value, _Unknown) for value in values):
            return _unknown(*values)
        return function(*values)

    return call


class _Walker:
    def __init__(self, read: Read, as_of: dt.date,
                 groups: Mapping[str, tuple[tuple[str, ...], ...]]) -> None:
        self._read, self.as_of, self.groups = read, as_of, groups
        self.read: list[Reading] = []
        self.shown: dict[int, str] = {}

    def fact(self, name: str) -> Any:
        if name == AS_OF:
            return self.as_of
        found = self._read(name)
        if found is None:
            return _Unknown((name,))
        self.read.append(found)
        return found.value

    def value(self, node: ast.expr) -> Any:
        result = self._value(node)
        if not isinstance(result, _Unknown):
            shown = _show(result)
            if unit := _span_unit(node):
                shown += " " + unit
            self.shown[id(node)] = shown
        return result

    def _value(self, node: ast.expr) -> Any:
        match node:
            case ast.Constant(value=value):
                return value
            case ast.Name() | ast.Attribute():
                return self.fact(dotted(node) or "")
            case ast.UnaryOp(op=op, operand=operand):
                inner = self.value(operand)
                if isinstance(inner, _Unknown):
                    return inner
                return (not inner) if isinstance(op, ast.Not) else (
                    -inner if isinstance(op, ast.USub) else inner)
            case ast.BoolOp(op=op, values=values):
                return _kleene([self.value(part) for part in values], isinstance(op, ast.And))
            case ast.BinOp(left=left, op=op, right=right):
                a, b = self.value(left), self.value(right)
                if isinstance(a, _Unknown) or isinstance(b, _Unknown):
                    return _unknown(a, b)
                if isinstance(op, ast.Div) and b == 0:
                    return _Unknown(())
                return _OPERATIONS[type(op)](a, b)
            case ast.Compare(left=left, ops=ops, comparators=comparators):
                values = [self.value(part) for part in (left, *comparators)]
                if any(isinstance(value, _Unknown) for value in values):
                    return _unknown(*values)
                return all(_COMPARISONS[type(op)](a, b)
                           for op, a, b in zip(ops, values, values[1:], strict=False))
            case ast.Call(func=ast.Name(id=name), args=args):
                return self.call(name, args)
        raise AssertionError(f"unchecked expression node {ast.dump(node)}")

    def call(self, name: str, args: Sequence[ast.expr]) -> Any:
        if name == "sum":
            group = dotted(args[0]) or ""
            total, missing = 0, []
            for slot in self.groups[group]:
                found = next((value for member in slot
                              if not isinstance(value := self.fact(f"{group}.{member}"),
                                                _Unknown)), None)
                if found is None:
                    missing.append(f"{group}.{slot[0]}")
                else:
                    total += found
            return _Unknown(missing) if missing else total
        if name == "either":
            values = [self.value(arg) for arg in args]
            known = [value for value in values if not isinstance(value, _Unknown)]
            return known[0] if known else _unknown(*values)
        if name == "recorded":
            value = self.value(args[0])
            return value if isinstance(value, _Unknown) else True
        if name == "date_of":
            fact = dotted(args[0]) or ""
            found = self._read(fact)
            if found is None:
                return _Unknown((fact,))
            self.read.append(found)
            return found.date if found.date is not None else _Unknown((fact,))
        values = [self.value(arg) for arg in args]
        if any(isinstance(value, _Unknown) for value in values):
            return _unknown(*values)
        return _CALLS[name](*values)

    def formula(self, node: ast.expr) -> str:
        """The expression with each fact and function call replaced by its value."""
        match node:
            case ast.Name() | ast.Attribute() | ast.Call():
                return self.shown.get(id(node), ast.unparse(node))
            case ast.BinOp(left=left, op=op, right=right):
                symbol = _SYMBOLS[type(op)]
                return f"{self._operand(left, node)} {symbol} {self._operand(right, node)}"
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return f"-{self._operand(operand, node)}"
        return ast.unparse(node)

    def _operand(self, part: ast.expr, parent: ast.expr) -> str:
        text = self.formula(part)
        if isinstance(part, ast.BinOp) and isinstance(parent, ast.BinOp):
            right = isinstance(parent.op, (ast.Sub, ast.Div)) and part is parent.right
            if _PRECEDENCE[type(part.op)] < _PRECEDENCE[type(parent.op)] + right:
                return f"({text})"
        return text


def _kleene(values: Sequence[Any], conjunction: bool) -> Any:
    decisive = not conjunction
    if any(value is decisive for value in values):
        return decisive
    unknown = [value for value in values if isinstance(value, _Unknown)]
    return _unknown(*unknown) if unknown else conjunction


def _unknown(*values: Any) -> _Unknown:
    return _Unknown([item for value in values if isinstance(value, _Unknown)
                     for item in value.missing])


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _span_unit(node: ast.expr) -> str:
    """The unit of a span a call gives (`months` for months_between), also through min and
    max of one (`max(months_between(a, b), 0)`), so a formula shows `19 months`."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id.endswith("_between"):
            return node.func.id.split("_")[0]
        if node.func.id in ("min", "max"):
            return next((unit for arg in node.args if (unit := _span_unit(arg))), "")
    return ""


def _completed_years(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


_OPERATIONS: Mapping[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}
_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
_COMPARISONS: Mapping[type, Callable[[Any, Any], bool]] = {
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b, ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b,
}
_CALLS: Mapping[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "days_between": lambda start, end: (end - start).days,
    "months_between": lambda start, end: (end - start).days / MEAN_MONTH_DAYS,
    "years_between": _completed_years,
}
