"""Each condition kind as a SQL truth: a sqlglot boolean that is NULL when the per-patient
path says unknown. One function per kind's model, chosen by the model's type; a form with no
SQL yet raises `CompileError` naming the trial and criterion."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from ..kinds import Node
from ..kinds.change import Change
from ..kinds.check import Check
from ..kinds.combine import AllOf, AnyOf, First, Not
from ..kinds.every import Every
from ..kinds.has import Has
from ..kinds.judgment import Judgment
from ..vocabulary import Fact, Vocabulary
from . import build as b
from .derived import observed
from .has import has_truth
from .history import at_visit, change_truth, visit_date
from .layout import stored
from .operators import age_value, ages, observation_test

__all__ = ["CompileError", "Scope", "list_levels", "truth"]

Level = Callable[[exp.Expr], exp.Expr]
LEVELS_PER_COLUMN = 15
"""Four bits per `has` (one per level: -1, 0, 1, 2), in a signed 64-bit number."""


class CompileError(Exception):
    """A criterion that cannot become SQL: which one, and why."""

    def __init__(self, trial: str, criterion: str, message: str) -> None:
        super().__init__(f"{trial} {criterion}: cannot compile to SQL: {message}")
        self.trial, self.criterion, self.message = trial, criterion, message


@dataclass(frozen=True)
class Scope:
    """What a condition is compiled against: the vocabulary, whose criterion it is, the
    screening date of each row, and the `has` of the trial on each list (`entry_levels`)."""

    vocabulary: Vocabulary
    trial: str
    criterion: str
    as_of: exp.Expr
    lists: dict[str, list[tuple[str, Level]]] = field(default_factory=dict)

    def refuse(self, message: str) -> CompileError:
        return CompileError(self.trial, self.criterion, message)

    def entry_levels(self, listed: str, level: Level) -> Callable[[int], exp.Expr]:
        """Whether some entry of the list `listed` has a level (2, 1, or -1 for a negative;
        `level` gives an entry's level, NULL for one not asked about): the levels of every
        `has` of the trial on one list are worked out in one pass over its entries, four bits
        per `has` in one number per patient (`list_levels`)."""
        tests = self.lists.setdefault(listed, [])
        key = level(exp.to_identifier("_probe")).sql("duckdb")
        index = next((i for i, (known, _) in enumerate(tests) if known == key), len(tests))
        if index == len(tests):
            tests.append((key, level))
        chunk, place = divmod(index, LEVELS_PER_COLUMN)
        column = b.column(f"__{listed}_levels{chunk}")

        def holds(value: int) -> exp.Expr:
            bit = 1 << (value + 1 + 4 * place)
            return b.is_true(exp.NEQ(this=exp.BitwiseAnd(
                this=column, expression=exp.Literal.number(bit)), expression=exp.Literal.number(0)))

        return holds


def list_levels(lists: dict[str, list[tuple[str, Level]]]) -> dict[str, exp.Expr]:
    """The columns `Scope.entry_levels` reads: per list (and per 15 `has` on it), the bits of
    the levels its entries reach, OR-ed over the entries (an empty list gives 0)."""
    found: dict[str, exp.Expr] = {}
    for listed, tests in lists.items():
        for chunk in range(0, len(tests), LEVELS_PER_COLUMN):
            def bits(entry: exp.Expr, part: list[tuple[str, Level]] = tests[
                    chunk:chunk + LEVELS_PER_COLUMN]) -> exp.Expr:
                total: exp.Expr | None = None
                for place, (_, level) in enumerate(part):
                    # level -1, 0, 1, 2 -> its own bit; NULL (not asked about) -> 0
                    one = b.func("COALESCE", exp.BitwiseLeftShift(
                        this=exp.cast(exp.Literal.number(1), "BIGINT"),
                        expression=exp.Add(this=level(entry),
                                           expression=exp.Literal.number(1 + 4 * place))),
                        exp.Literal.number(0))
                    total = one if total is None else exp.BitwiseOr(this=total, expression=one)
                assert total is not None
                return total

            merge = exp.Lambda(this=exp.BitwiseOr(this=exp.to_identifier("_a"),
                                                  expression=exp.to_identifier("_b")),
                               expressions=[exp.to_identifier("_a"), exp.to_identifier("_b")])
            found[f"__{listed}_levels{chunk // LEVELS_PER_COLUMN}"] = exp.Reduce(
                this=exp.Transform(this=b.field(b.column(listed), "items"),
                                   expression=b.lambda_(bits)),
                initial=exp.cast(exp.Literal.number(0), "BIGINT"), merge=merge)
    return found


def truth(node: Node, scope: Scope) -> exp.Expr:
    """`node` as a SQL boolean: true, false, or NULL for unknown."""
    compile_kind = _KINDS.get(type(node))
    if compile_kind is None:
        raise scope.refuse(f"the {type(node).key!r} condition has no SQL form yet")
    return exp.paren(compile_kind(node, scope), copy=False)


def _all(node: AllOf, scope: Scope) -> exp.Expr:
    return b.and_(*[truth(part, scope) for part in node.parts])


def _any(node: AnyOf, scope: Scope) -> exp.Expr:
    return b.or_(*[truth(part, scope) for part in node.parts])


def _not(node: Not, scope: Scope) -> exp.Expr:
    return b.not_(truth(node.part, scope))


def _first(node: First, scope: Scope) -> exp.Expr:
    """The first decided part gives the truth: COALESCE skips the unknown (NULL) ones."""
    return b.func("COALESCE", *[truth(part, scope) for part in node.parts])


def _judgment(node: Judgment, scope: Scope) -> exp.Expr:
    """The latest answer recorded for this trial and criterion (the table keeps answers oldest
    first, so it is the last one), unless older than the rule allows."""
    key = scope.criterion + (f".{node.id}" if node.id else "")
    answers = b.filtered(b.column("assessments"), lambda answer: b.and_(
        exp.EQ(this=b.field(answer, "trial"), expression=b.literal(scope.trial)),
        exp.EQ(this=b.field(answer, "criterion"), expression=b.literal(key))))
    latest = b.last(answers)
    answer = b.field(latest, "answer")
    if node.answered_within_days is None:
        return answer
    stale = exp.LT(this=b.field(latest, "date"),
                   expression=b.days_before(scope.as_of, node.answered_within_days))
    return b.case([(stale, b.NULL)], answer)


def _check(node: Check, scope: Scope) -> exp.Expr:
    fact = scope.vocabulary.facts[node.fact]
    if fact.builtin is not None:
        truth = ages(node, fact, scope.as_of, scope.refuse)
        if node.at is None:
            return truth
        return _age_at_visit(node, fact, truth, scope)
    if node.fact not in stored(scope.vocabulary):
        return _moving_check(node, fact, scope)
    history = b.column(node.fact)
    if node.at is not None:
        observation = at_visit(history, node.at.visit, node.at.within_days)
    else:
        observation = b.last(history)
    value = b.field(observation, "value")
    test = observation_test(node, fact, value, observation, scope.as_of, scope.refuse)
    pairs: list[tuple[exp.Expr, exp.Expr]] = [(exp.Is(this=value, expression=b.NULL), b.NULL)]
    if node.measured_within_days is not None:
        date = b.field(observation, "date")
        pairs.append((b.or_(exp.Is(this=date, expression=b.NULL), exp.LT(
            this=date, expression=b.days_before(scope.as_of, node.measured_within_days))),
            b.NULL))
    return b.case(pairs, test)


def _age_at_visit(node: Check, fact: Fact, truth: exp.Expr, scope: Scope) -> exp.Expr:
    """An age at a visit, as the per-patient path reads it: the one observation of an age is
    the age on the screening date (dated that day, or the day a recorded age was true on), so
    it is read only when that date lies within the visit's window, and is unknown otherwise."""
    assert node.at is not None
    on = visit_date(node.at.visit)
    _, date = age_value(fact, scope.as_of)
    far = exp.GT(this=exp.Abs(this=exp.DateDiff(this=date, expression=on, unit=exp.var("DAY"))),
                 expression=exp.Literal.number(node.at.within_days))
    return b.case([(b.or_(exp.Is(this=on, expression=b.NULL),
                            exp.Is(this=date, expression=b.NULL), far), b.NULL)], truth)


def _moving_check(node: Check, fact: Fact, scope: Scope) -> exp.Expr:
    """A check of a fact derived from the screening date, worked out by the query
    (`derived`); its date is never before the screening date, so it is never stale."""
    if node.at is not None:
        raise scope.refuse(f"{node.fact!r} at a visit has no SQL form yet (it is derived from "
                           "the screening date, and the table keeps no history of it)")
    seen = observed(node.fact, scope.vocabulary, scope.as_of, scope.refuse)
    value = seen.value
    test = observation_test(node, fact, value, b.NULL, scope.as_of, scope.refuse)
    pairs: list[tuple[exp.Expr, exp.Expr]] = [(exp.Is(this=value, expression=b.NULL), b.NULL)]
    if node.measured_within_days is not None:
        date = seen.date()
        pairs.append((b.or_(exp.Is(this=date, expression=b.NULL), exp.LT(
            this=date, expression=b.days_before(scope.as_of, node.measured_within_days))),
            b.NULL))
    return b.case(pairs, test)


def _has(node: Has, scope: Scope) -> exp.Expr:
    return has_truth(node, scope.vocabulary, scope.as_of, scope.refuse,
                     levels=scope.entry_levels)


def _every(node: Every, scope: Scope) -> exp.Expr:
    """Each slot of the latest record meets the test; a slot's first scored member decides
    it (COALESCE skips the unscored, whose test is NULL even for `recorded`), and an unscored
    slot is unknown."""
    group = scope.vocabulary.groups[node.in_]
    records = b.column(node.in_)
    if node.at is None:
        record = b.last(records)
    else:
        # The table keeps a group's records by date, and of one day's records the first
        # written last; the one recorded for a visit is the last written (`written`).
        def last_written(recorded: exp.Expr) -> exp.Expr:
            latest = exp.ArrayMax(this=exp.Transform(this=recorded, expression=b.lambda_(
                lambda r: b.field(r, "written"))))
            return b.last(b.filtered(recorded, lambda r: exp.EQ(
                this=b.field(r, "written"), expression=latest)))

        record = at_visit(records, node.at.visit, node.at.within_days, labelled=last_written,
                          pick=b.last)
    check = Check.model_construct(fact=f"{node.in_}.{group.members()[0]}", op=node.op,
                                  value=node.value)
    fact = scope.vocabulary.facts[check.fact]
    slots = [slot for slot in group.slots if not node.only or set(slot) & set(node.only)]
    truths = []
    for slot in slots:
        tests = [b.case([(exp.Is(this=b.field(record, member), expression=b.NULL), b.NULL)],
                        observation_test(check, fact, b.field(record, member), record,
                                         scope.as_of, scope.refuse)) for member in slot]
        truths.append(tests[0] if len(tests) == 1 else b.func("COALESCE", *tests))
    every = b.and_(*truths) if truths else b.TRUE
    pairs: list[tuple[exp.Expr, exp.Expr]] = [(exp.Is(this=record, expression=b.NULL),
                                                b.NULL)]
    if node.measured_within_days is not None:
        date = b.field(record, "date")
        pairs.append((b.or_(exp.Is(this=date, expression=b.NULL), exp.LT(
            this=date, expression=b.days_before(scope.as_of, node.measured_within_days))),
            b.NULL))
    return b.case(pairs, every)


def _change(node: Change, scope: Scope) -> exp.Expr:
    return change_truth(node, scope.as_of)


_KINDS: Mapping[type, Callable[[Any, Scope], exp.Expr]] = {
    Check: _check, AllOf: _all, AnyOf: _any, Not: _not, First: _first, Judgment: _judgment,
    Has: _has, Every: _every, Change: _change,
}
