"""Evaluate conditions and screen a patient against a trial; pure, total, no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple

from . import explain
from .context import Context
from .groups import compile_every
from .lists import compile_has
from .logic import Truth, all_of, any_of, negate, truth_of
from .matching import Search, search
from .memo import once_per_object
from .observations import Observation, outside_window
from .operators import OPERATORS, Predicate
from .patient import PatientProfile
from .results import CriterionResult, Evidence, Outcome, Screening, Status
from .rules import AllOf, AnyOf, Check, Condition, Criterion, Every, Has, Judgment, Not, Trial
from .vocabulary import FACTS, Fact

__all__ = ["Context", "Search", "evaluate", "screen", "screen_all", "search"]

Evaluator = Callable[[Context], Outcome]


def evaluate(condition: Condition, context: Context) -> Outcome:
    """The truth of `condition` for the patient, with why. Every part is evaluated."""
    return compiled(condition)(context)


# Each condition is compiled once into a function of the context, with what does not depend
# on the patient (operators, wording, fixed outcomes, prepared queries) worked out then and
# bound in, so screening many profiles against one trial does that work once.
@once_per_object
def compiled(condition: Condition) -> Evaluator:
    """`condition` as a function of the context, made once per condition."""
    return _COMPILERS[type(condition)](condition)


def _all(parts: Sequence[Evaluator], context: Context) -> Outcome:
    return combine_all([part(context) for part in parts])


def _any(parts: Sequence[Evaluator], context: Context) -> Outcome:
    return combine_any([part(context) for part in parts])


def _not(part: Evaluator, context: Context) -> Outcome:
    inner = part(context)
    return Outcome(negate(inner.truth), inner.explanation, inner.evidence, inner.missing,
                   (inner,), asks=inner.asks)


def combine_all(parts: Sequence[Outcome]) -> Outcome:
    """Kleene `and` of outcomes; the sentence keeps the parts that decide it. A clinician's
    question is not asked while data the same `all` needs is still missing: the answer may
    not be needed."""
    outcome = _combine(all_of(part.truth for part in parts), parts)
    waiting = [part for part in parts if part.truth is Truth.UNKNOWN and not part.asks]
    if outcome.truth is Truth.UNKNOWN and waiting:
        missing = _unique(item for part in waiting for item in part.missing)
        return outcome._replace(explanation=explain.join([part.explanation for part in waiting]),
                                missing=missing, asks=False)
    return outcome


def combine_any(parts: Sequence[Outcome]) -> Outcome:
    """Kleene `or` of outcomes; the sentence keeps the parts that decide it."""
    return _combine(any_of(part.truth for part in parts), parts)


def _combine(truth: Truth, parts: Sequence[Outcome]) -> Outcome:
    deciding = [part for part in parts if part.truth is truth] or list(parts)
    unknown = truth is Truth.UNKNOWN
    if len(deciding) == 1:  # the common case, without the joining and de-duplicating
        only = deciding[0]
        return Outcome(truth, only.explanation, _unique_evidence(parts),
                       _unique(only.missing) if unknown else (), tuple(parts), True,
                       unknown and only.asks)
    return Outcome(
        truth,
        explain.join([part.explanation for part in deciding]),
        _unique_evidence(parts),
        _unique(item for part in deciding for item in part.missing) if unknown else (),
        tuple(parts),
        asks=unknown and all(part.asks for part in deciding),
    )


def _unique_evidence(parts: Sequence[Outcome]) -> tuple[Evidence, ...]:
    """The parts' evidence, each once (two checks on one fact read the same observation)."""
    with_evidence = [part.evidence for part in parts if part.evidence]
    if len(with_evidence) == 1:
        return with_evidence[0]
    return tuple(dict.fromkeys(evidence for found in with_evidence for evidence in found))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class _CheckPlan(NamedTuple):
    """A check worked out once per rule: what it reads and tests, its wording, and its
    whole outcome when the profile does not state the fact."""

    fact: Fact
    test: Predicate
    days: int | None
    collect: str
    wording: explain.CheckWording
    missing: Outcome


def _check_plan(check: Check) -> _CheckPlan:
    fact, op, days = FACTS[check.fact], OPERATORS[check.op], check.measured_within_days
    collect = explain.to_collect(fact, days)
    missing = _unknown(explain.missing_sentence(fact), Evidence(check.fact, "missing"), collect)
    return _CheckPlan(fact, op.test, days, collect, explain.CheckWording(fact, op, check.value),
                      missing)


def _check(check: Check, plan: _CheckPlan, context: Context) -> Outcome:
    observation = context.facts.get(check.fact)
    if observation is None:
        return plan.missing
    as_of, days, date = context.as_of, plan.days, observation.date
    if days is not None and outside_window(date, days, as_of):
        state, sentence = _too_old(observation, days, as_of)
        return _unknown(sentence, _evidence(observation, state), plan.collect)
    evidence = Evidence(check.fact, "observed", observation.value, date, plan.fact.unit)
    test = plan.test
    if observation.alternatives:
        answers = {test(_as(observation, alt), check.value, as_of)
                   for alt in observation.alternatives}
        if len(answers) > 1:
            return _unknown(explain.uncertain_sentence(plan.fact, observation, as_of),
                            evidence, f"{plan.fact.label}: birth date")
        observation = _as(observation, observation.alternatives[0], as_of)
    holds = test(observation, check.value, as_of)
    return Outcome(truth_of(holds), plan.wording.sentence(observation, holds, as_of), (evidence,))


def _as(observation: Observation, value: Any, on: dt.date | None = None) -> Observation:
    return observation._replace(value=value, date=on or observation.date, alternatives=())


def _too_old(observation: Observation, days: int, as_of: dt.date) -> tuple[str, str]:
    """Why an observation too old (or undated) for the rule's window is: state, sentence."""
    fact = FACTS[observation.fact]
    if observation.date is None:
        return "undated", explain.undated_sentence(fact, observation, days)
    return "stale", explain.stale_sentence(fact, observation, days, as_of)


def _evidence(observation: Observation, state: str = "observed") -> Evidence:
    return Evidence(observation.fact, state, observation.value, observation.date,
                    FACTS[observation.fact].unit)


def _unknown(sentence: str, evidence: Evidence, missing: str) -> Outcome:
    return Outcome(Truth.UNKNOWN, sentence, (evidence,), (missing,))


def _judgment(judgment: Judgment, context: Context) -> Outcome:
    key = context.criterion_id + (f".{judgment.id}" if judgment.id else "")
    answers = [
        assessment for assessment in context.profile.assessments
        if assessment.trial == context.trial_id and assessment.criterion == key
    ]
    if not answers:
        return Outcome(Truth.UNKNOWN, explain.needs_judgment(judgment.question), (),
                       (f"clinician assessment of {key}: {judgment.question}",), asks=True)
    latest = max(answers, key=lambda assessment: assessment.date)
    sentence = explain.assessed(latest.by, latest.answer, latest.date, judgment.question)
    evidence = Evidence(f"assessment:{context.trial_id}:{key}", "observed", latest.answer,
                        latest.date)
    return Outcome(truth_of(latest.answer), sentence, (evidence,))


_COMPILERS: dict[type, Callable[[Any], Evaluator]] = {
    Check: lambda check: partial(_check, check, _check_plan(check)),
    AllOf: lambda all_: partial(_all, tuple(map(compiled, all_.parts))),
    AnyOf: lambda any_: partial(_any, tuple(map(compiled, any_.parts))),
    Not: lambda not_: partial(_not, compiled(not_.part)),
    Judgment: lambda judgment: partial(_judgment, judgment),
    Has: compile_has,
    Every: compile_every,
}


def screen_criterion(criterion: Criterion, context: Context) -> CriterionResult:
    """One criterion's status: an inclusion passes when true, an exclusion fails when true."""
    local = Context(context.profile, context.facts, context.as_of, context.trial_id,
                    criterion.id)
    outcome = compiled(criterion.condition)(local)
    if criterion.applies_to is not None:
        outcome = _applied(criterion, compiled(criterion.applies_to)(local), outcome)
    truth = outcome.truth
    if truth is Truth.UNKNOWN:
        status = Status.UNKNOWN
    elif (truth is Truth.TRUE) == (criterion.kind == "inclusion"):
        status = Status.PASS
    else:
        status = Status.FAIL
    return CriterionResult(criterion, status, outcome)


def _applied(criterion: Criterion, guard: Outcome, outcome: Outcome) -> Outcome:
    """Restrict a criterion to whom it is about: an exclusion is `guard and condition`, an
    inclusion `not guard or condition`; when the guard is false it does not apply."""
    if guard.truth is Truth.FALSE:
        truth = Truth.TRUE if criterion.kind == "inclusion" else Truth.FALSE
        return Outcome(truth, f"Does not apply: {guard.explanation}", guard.evidence, (),
                       (guard, outcome), applies=False)
    if criterion.kind == "inclusion":
        not_guard = Outcome(negate(guard.truth), guard.explanation, guard.evidence,
                            guard.missing, (guard,))
        return combine_any([not_guard, outcome])
    return combine_all([guard, outcome])


def screen(profile: PatientProfile, trial: Trial, *, as_of: dt.date) -> Screening:
    """Screen one patient against one trial on `as_of`, criterion by criterion."""
    context = Context.of(profile, as_of, trial.id)
    results = tuple([screen_criterion(criterion, context) for criterion in trial.criteria])
    return Screening(trial, profile.id, as_of, results)


def screen_all(profile: PatientProfile, trials: Iterable[Trial], *, as_of: dt.date) -> (
        tuple[Screening, ...]):
    """Screen one patient against each trial."""
    return tuple(screen(profile, trial, as_of=as_of) for trial in trials)
