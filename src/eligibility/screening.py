"""Screen a patient against a trial, criterion by criterion; pure, total, no I/O.

Each trial is compiled once into a plan of its criteria (`trial_plan`); the explained screening
(`screen`) and the verdict-only one (`verdicts`) are two views of that one plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .context import Context
from .kinds import Env, Plan, compile_condition
from .kinds.combine import combine_all, combine_any
from .logic import Truth, negate
from .patient import PatientProfile
from .results import CriterionResult, Outcome, Screening, Status, Verdict
from .rules import Condition, Criterion, Trial
from .verdict_code import status_function

__all__ = [
    "Context",
    "CriterionPlan",
    "evaluate",
    "screen",
    "screen_all",
    "status_functions",
    "trial_plan",
    "verdicts",
]

FALSE, UNKNOWN, TRUE = 0, 1, 2


def evaluate(condition: Condition, context: Context) -> Outcome:
    """The truth of `condition` for the patient, with why. Every part is evaluated."""
    env = Env(context.facts.vocabulary, context.trial_id, context.criterion_id)
    return compile_condition(condition, env).outcome(context)


class CriterionPlan:
    """A criterion compiled once: its condition and whom it applies to, as plans."""

    __slots__ = ("by_truth", "condition", "criterion", "guard", "inclusion", "statuses",
                 "truth")

    def __init__(self, criterion: Criterion, env: Env) -> None:
        self.criterion = criterion
        self.condition: Plan = compile_condition(criterion.condition, env)
        self.guard: Plan | None = (compile_condition(criterion.applies_to, env)
                                   if criterion.applies_to is not None else None)
        self.inclusion = criterion.kind == "inclusion"
        self.truth = self.condition.truth  # bound once: `status` runs for every patient
        self.statuses = ((Status.FAIL, Status.UNKNOWN, Status.PASS) if self.inclusion
                         else (Status.PASS, Status.UNKNOWN, Status.FAIL))
        # By Truth itself: an enum member's `.value` is a slow descriptor in Python 3.11.
        self.by_truth = dict(zip(Truth, self.statuses, strict=True))

    def result(self, context: Context) -> CriterionResult:
        """The criterion's status and outcome: an inclusion passes when true, an exclusion
        fails when true."""
        outcome = self.condition.outcome(context)
        if self.guard is not None:
            outcome = _applied(self.inclusion, self.guard.outcome(context), outcome)
        return CriterionResult(self.criterion, self.by_truth[outcome.truth], outcome)

    def status(self, context: Context) -> Status:
        """The same status as `result`, without the explanation."""
        if self.guard is None:
            return self.statuses[self.truth(context)]
        applies = self.guard.truth(context)
        if applies == FALSE:
            return Status.PASS
        truth = self.condition.truth(context)
        return self.statuses[max(TRUE - applies, truth) if self.inclusion
                             else min(applies, truth)]


def _applied(inclusion: bool, guard: Outcome, outcome: Outcome) -> Outcome:
    """Restrict a criterion to whom it is about: an exclusion is `guard and condition`, an
    inclusion `not guard or condition`; when the guard is false it does not apply."""
    if guard.truth is Truth.FALSE:
        truth = Truth.TRUE if inclusion else Truth.FALSE
        return Outcome(truth, f"Does not apply: {guard.explanation}", guard.evidence, (),
                       (guard, outcome), applies=False, code="applies.not")
    if inclusion:
        not_guard = Outcome(negate(guard.truth), guard.explanation, guard.evidence,
                            guard.missing, (guard,))
        return combine_any([not_guard, outcome])._replace(code=outcome.code)
    return combine_all([guard, outcome])._replace(code=outcome.code)


def trial_plan(trial: Trial) -> Sequence[CriterionPlan]:
    """The trial's criteria compiled, once per trial object.

    The plan is kept with the criteria it was compiled from: `model_copy` shares private
    attributes, so a copy with other criteria must not reuse the original's plan."""
    return _kept(trial)[1]  # type: ignore[no-any-return]


def status_functions(trial: Trial) -> Sequence[Callable[[Context], Status]]:
    """Each criterion's `CriterionPlan.status` as one generated function (`verdict_code`),
    written the first time the verdict-only view of the trial is asked for."""
    kept = _kept(trial)
    if kept[2] is None:
        kept[2] = tuple(status_function(plan.condition, plan.guard, plan.inclusion)
                        for plan in kept[1])
    return kept[2]  # type: ignore[no-any-return]


def _kept(trial: Trial) -> list[Any]:
    """[criteria, their plans, their status functions or None], kept with the trial."""
    private = trial.__pydantic_private__  # not trial._plan: pydantic's __getattr__ is slow
    kept = private["_plan"]  # type: ignore[index]
    if kept is None or kept[0] is not trial.criteria:
        kept = private["_plan"] = [trial.criteria, tuple(  # type: ignore[index]
            CriterionPlan(criterion, Env(trial.vocabulary, trial.id, criterion.id))
            for criterion in trial.criteria), None]
    return kept  # type: ignore[no-any-return]


def screen(profile: PatientProfile, trial: Trial, *, as_of: dt.date) -> Screening:
    """Screen one patient against one trial on `as_of`, criterion by criterion."""
    context = Context.of(profile, as_of, trial.id, trial.vocabulary)
    results = tuple([plan.result(context) for plan in trial_plan(trial)])
    return Screening(trial, profile.id, as_of, results)


def screen_all(profile: PatientProfile, trials: Iterable[Trial], *, as_of: dt.date) -> (
        tuple[Screening, ...]):
    """Screen one patient against each trial."""
    return tuple(screen(profile, trial, as_of=as_of) for trial in trials)


def verdicts(profile: PatientProfile, trial: Trial, *, as_of: dt.date) -> tuple[
        tuple[Status, ...], Verdict]:
    """Every criterion's status and the trial's verdict, as `screen` gives them, without
    building explanations: for screening many patients when only the answer is wanted."""
    context = Context.of(profile, as_of, trial.id, trial.vocabulary)
    statuses = tuple([status(context) for status in status_functions(trial)])
    if Status.FAIL in statuses:
        return statuses, Verdict.INELIGIBLE
    if Status.UNKNOWN in statuses:
        return statuses, Verdict.NEEDS_REVIEW
    return statuses, Verdict.ELIGIBLE
