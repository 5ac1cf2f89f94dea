"""A trial compiled to one SQL query over the population table: each criterion's status
(pass, fail, unknown) and the verdict per patient, as the per-patient path decides them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from ..rules import Criterion, Trial
from . import build as b
from .conditions import CompileError, Scope, list_levels, truth

__all__ = ["AS_OF", "CompileError", "TrialQuery", "compile_trial", "compile_trials", "written"]

AS_OF = "__as_of"
"""The column holding each row's screening date."""


@dataclass(frozen=True)
class TrialQuery:
    """A trial's query: its columns are `patient_id`, one status per criterion (named by the
    criterion id), and `verdict`."""

    trial: Trial
    criteria: tuple[str, ...]
    query: exp.Select

    def sql(self, dialect: str = "duckdb") -> str:
        """The query in a dialect sqlglot writes (`duckdb`, `spark`)."""
        return written(self.query, dialect)


def written(query: exp.Expr, dialect: str) -> str:
    """A query over compiled trials in a dialect sqlglot writes (`duckdb`, `spark`). (A list
    overlap is written as containment tests, `build.overlaps`: sqlglot writes an overlap as
    `a && b` for Spark, which Spark does not parse.)"""
    return query.sql(dialect=dialect)


def _truth(criterion: Criterion, scope: Scope) -> exp.Expr:
    """The truth that decides the criterion's status: its condition, restricted by
    `applies_to` to whom it is about (an inclusion is `not guard or condition`, an exclusion
    `guard and condition`, so it passes for the others)."""
    condition = truth(criterion.condition, scope)
    if criterion.applies_to is not None:
        guard = truth(criterion.applies_to, scope)
        condition = exp.paren(b.or_(b.not_(guard), condition)
                              if criterion.kind == "inclusion" else b.and_(guard, condition))
    return condition


def _status(criterion: Criterion) -> exp.Expr:
    """An inclusion passes when its truth is true, an exclusion fails; NULL is unknown."""
    found = b.column(criterion.id)
    yes, no = ("pass", "fail") if criterion.kind == "inclusion" else ("fail", "pass")
    return b.case([(exp.Is(this=found, expression=b.NULL), b.literal("unknown")),
                   (found, b.literal(yes))], b.literal(no))


def _verdict(ids: Sequence[str]) -> exp.Expr:
    def any_is(status: str) -> exp.Expr:
        return b.or_(*[exp.EQ(this=b.column(ident), expression=b.literal(status))
                         for ident in ids]) if ids else b.FALSE

    return b.case([(any_is("fail"), b.literal("ineligible")),
                   (any_is("unknown"), b.literal("needs_review"))], b.literal("eligible"))


def as_of_column(as_of: dt.date | None, today: dt.date) -> exp.Expr:
    """Each row's screening date: `--as-of`, else the profile's, else today (as
    `loading.screening_date`)."""
    if as_of is not None:
        return b.date(as_of)
    return b.func("COALESCE", b.column("screening_date"), b.date(today))


def compile_trial(trial: Trial, *, as_of: dt.date | None = None,
                  today: dt.date | None = None, source: str = "population") -> TrialQuery:
    """The trial's query over the table `source`; `CompileError` for the first criterion
    that has no SQL form."""
    day = b.column(AS_OF)
    truths = []
    lists: dict[str, list[Any]] = {}
    for criterion in trial.criteria:
        scope = Scope(trial.vocabulary, trial.id, criterion.id, day, lists)
        truths.append(exp.alias_(_truth(criterion, scope), criterion.id, quoted=True,
                                 copy=False))
    shared = list_levels(lists)
    ids = tuple(criterion.id for criterion in trial.criteria)
    # Each part is built once and placed once: no copies (sqlglot copies every operand by
    # default, and a subquery's copy is a copy of every criterion below it).
    dated = exp.select(exp.Star(), exp.alias_(as_of_column(as_of, today or dt.date.today()),
                                              AS_OF, quoted=True, copy=False)).from_(
        source, copy=False)
    if shared:  # the columns several criteria read, worked out once per row
        dated = exp.select(exp.Star(), *[exp.alias_(value, name, quoted=True, copy=False)
                                         for name, value in shared.items()]).from_(
            dated.subquery("dated", copy=False), copy=False)
    decided = exp.select(b.column("patient_id"), *truths).from_(
        dated.subquery("patients", copy=False), copy=False)
    statuses = exp.select(b.column("patient_id"), *[
        exp.alias_(_status(criterion), criterion.id, quoted=True, copy=False)
        for criterion in trial.criteria]).from_(decided.subquery("truths", copy=False),
                                                copy=False)
    query = exp.select(exp.Star(), exp.alias_(_verdict(ids), "verdict", copy=False)).from_(
        statuses.subquery("statuses", copy=False), copy=False)
    return TrialQuery(trial, ids, b.grouped(query))  # type: ignore[arg-type]


def compile_trials(trials: Sequence[Trial], *, as_of: dt.date | None = None,
                   today: dt.date | None = None) -> tuple[
                       tuple[TrialQuery, ...], tuple[CompileError, ...]]:
    """Every trial that compiles, and why each of the others does not (one error per
    criterion that has no SQL form)."""
    compiled, refused = [], []
    for trial in trials:
        errors = []
        for criterion in trial.criteria:
            scope = Scope(trial.vocabulary, trial.id, criterion.id, b.column(AS_OF))
            try:
                _truth(criterion, scope)
            except CompileError as error:
                errors.append(error)
        if errors:
            refused += errors
        else:
            compiled.append(compile_trial(trial, as_of=as_of, today=today))
    return tuple(compiled), tuple(refused)
