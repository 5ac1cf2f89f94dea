"""Statuses and verdicts without explanations: each trial compiled once into closures.

The same semantics as `screening`, which stays the reference: a test checks that both agree
on every criterion. Here `and` and `or` stop at the first part that decides them (Kleene logic
allows it when no sentence is wanted), and truths are the integers 0, 1, 2 of `Truth`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import assert_never

from .matching import query
from .memo import once_per_object
from .observations import READERS, outside_window
from .operators import OPERATORS
from .patient import PatientProfile
from .results import Status, Verdict
from .rules import AllOf, AnyOf, Check, Condition, Criterion, Every, Has, Judgment, Not, Trial
from .vocabulary import GROUPS

__all__ = ["compile_trial", "verdicts"]

Compiled = Callable[[PatientProfile, dt.date], int]
FALSE, UNKNOWN, TRUE = 0, 1, 2


def compile_condition(condition: Condition, trial_id: str, criterion_id: str) -> Compiled:
    """A function giving the truth of `condition` for a profile on a date."""
    match condition:
        case Check():
            return _check(condition)
        case AllOf():
            return _all([compile_condition(part, trial_id, criterion_id)
                         for part in condition.parts])
        case AnyOf():
            return _any([compile_condition(part, trial_id, criterion_id)
                         for part in condition.parts])
        case Not():
            inner = compile_condition(condition.part, trial_id, criterion_id)
            return lambda profile, as_of: TRUE - inner(profile, as_of)
        case Judgment():
            return _judgment(trial_id, criterion_id + (
                f".{condition.id}" if condition.id else ""))
        case Has():
            truth = query(condition).truth
            return lambda profile, as_of: truth(profile)
        case Every():
            return _every(condition)
        case _:
            assert_never(condition)


def _check(check: Check) -> Compiled:
    read, test = READERS[check.fact], OPERATORS[check.op].test
    value, days = check.value, check.measured_within_days

    def evaluate(profile: PatientProfile, as_of: dt.date) -> int:
        observed = read(profile, as_of)
        if observed is None:
            return UNKNOWN
        if outside_window(observed.date, days, as_of):
            return UNKNOWN
        if observed.alternatives:
            answers = {test(observed._replace(value=alternative), value, as_of)
                       for alternative in observed.alternatives}
            return UNKNOWN if len(answers) > 1 else (TRUE if answers.pop() else FALSE)
        return TRUE if test(observed, value, as_of) else FALSE

    return evaluate


def _all(parts: Sequence[Compiled]) -> Compiled:
    def evaluate(profile: PatientProfile, as_of: dt.date) -> int:
        result = TRUE
        for part in parts:
            truth = part(profile, as_of)
            if truth == FALSE:
                return FALSE
            if truth < result:
                result = truth
        return result

    return evaluate


def _any(parts: Sequence[Compiled]) -> Compiled:
    def evaluate(profile: PatientProfile, as_of: dt.date) -> int:
        result = FALSE
        for part in parts:
            truth = part(profile, as_of)
            if truth == TRUE:
                return TRUE
            if truth > result:
                result = truth
        return result

    return evaluate


def _judgment(trial_id: str, key: str) -> Compiled:
    def evaluate(profile: PatientProfile, as_of: dt.date) -> int:
        latest = None
        for assessment in profile.assessments:
            if assessment.trial == trial_id and assessment.criterion == key and (
                    latest is None or assessment.date > latest.date):
                latest = assessment
        return UNKNOWN if latest is None else (TRUE if latest.answer else FALSE)

    return evaluate


def _every(every: Every) -> Compiled:
    group = GROUPS[every.in_]
    slots = [tuple(READERS[f"{group.name}.{member}"] for member in slot)
             for slot in group.slots if not every.only or set(slot) & set(every.only)]
    test, value, days = OPERATORS[every.op].test, every.value, every.measured_within_days

    def evaluate(profile: PatientProfile, as_of: dt.date) -> int:
        result = TRUE
        for readers in slots:
            truth = UNKNOWN
            for read in readers:
                observed = read(profile, as_of)
                if observed is None:
                    continue
                if not outside_window(observed.date, days, as_of):
                    truth = TRUE if test(observed, value, as_of) else FALSE
                break
            if truth == FALSE:
                return FALSE
            if truth < result:
                result = truth
        return result

    return evaluate


def compile_criterion(criterion: Criterion, trial_id: str) -> Callable[
        [PatientProfile, dt.date], Status]:
    """A function giving the criterion's status: an exclusion is `guard and condition`, an
    inclusion `not guard or condition` (see screening._applied)."""
    condition = compile_condition(criterion.condition, trial_id, criterion.id)
    guard = (compile_condition(criterion.applies_to, trial_id, criterion.id)
             if criterion.applies_to is not None else None)
    inclusion = criterion.kind == "inclusion"
    statuses = ((Status.FAIL, Status.UNKNOWN, Status.PASS) if inclusion
                else (Status.PASS, Status.UNKNOWN, Status.FAIL))

    def status(profile: PatientProfile, as_of: dt.date) -> Status:
        if guard is None:
            return statuses[condition(profile, as_of)]
        applies = guard(profile, as_of)
        if applies == FALSE:
            return Status.PASS
        truth = condition(profile, as_of)
        return statuses[max(TRUE - applies, truth) if inclusion else min(applies, truth)]

    return status


def compile_trial(trial: Trial) -> Callable[[PatientProfile, dt.date], tuple[Status, ...]]:
    """A function giving every criterion's status, in protocol order."""
    criteria = [compile_criterion(criterion, trial.id) for criterion in trial.criteria]

    def statuses(profile: PatientProfile, as_of: dt.date) -> tuple[Status, ...]:
        return tuple(criterion(profile, as_of) for criterion in criteria)

    return statuses


_compiled_trial = once_per_object(compile_trial)


def verdicts(profile: PatientProfile, trial: Trial, *, as_of: dt.date) -> tuple[
        tuple[Status, ...], Verdict]:
    """Every criterion's status and the trial's verdict, as `screen` gives them, without
    building explanations: for screening many patients when only the answer is wanted."""
    statuses = _compiled_trial(trial)(profile, as_of)
    if Status.FAIL in statuses:
        return statuses, Verdict.INELIGIBLE
    if Status.UNKNOWN in statuses:
        return statuses, Verdict.NEEDS_REVIEW
    return statuses, Verdict.ELIGIBLE
