"""Evaluate conditions and screen a patient against a trial; pure, total, no I/O."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from . import explain
from .logic import Truth, all_of, any_of, negate, truth_of
from .matching import Search, absent_category, query, search, stated
from .observations import Facts, Observation
from .operators import OPERATORS
from .patient import Entry, PatientProfile
from .results import CriterionResult, Evidence, Outcome, Screening, Status
from .rules import AllOf, AnyOf, Check, Condition, Criterion, Every, Has, Judgment, Not, Trial
from .vocabulary import COLLECTIONS, FACTS, GROUPS, Collection, Group, normalise_name

__all__ = ["Context", "Search", "evaluate", "screen", "screen_all", "search"]


class Context(NamedTuple):
    """What a condition is evaluated against: one profile, one date, one criterion."""

    profile: PatientProfile
    facts: Mapping[str, Observation]
    as_of: dt.date
    trial_id: str = ""
    criterion_id: str = ""

    @classmethod
    def of(cls, profile: PatientProfile, as_of: dt.date, trial_id: str = "") -> Context:
        return cls(profile, Facts(profile, as_of), as_of, trial_id)


def evaluate(condition: Condition, context: Context) -> Outcome:
    """The truth of `condition` for the patient, with why. Every part is evaluated."""
    return _EVALUATORS[type(condition)](condition, context)


def _all(condition: AllOf, context: Context) -> Outcome:
    return combine_all([evaluate(part, context) for part in condition.parts])


def _any(condition: AnyOf, context: Context) -> Outcome:
    return combine_any([evaluate(part, context) for part in condition.parts])


def _not(condition: Not, context: Context) -> Outcome:
    inner = evaluate(condition.part, context)
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


def _check(check: Check, context: Context) -> Outcome:
    fact, op = FACTS[check.fact], OPERATORS[check.op]
    observation = context.facts.get(check.fact)
    days = check.measured_within_days
    if observation is None:
        return _unknown(explain.missing_sentence(fact), Evidence(check.fact, "missing"),
                        explain.to_collect(fact, days))
    problem = _too_old(observation, days, context.as_of)
    if problem is not None:
        state, sentence = problem
        return _unknown(sentence, _evidence(observation, state), explain.to_collect(fact, days))
    evidence = _evidence(observation)
    if observation.alternatives:
        answers = {op.test(_as(observation, alt), check.value, context.as_of)
                   for alt in observation.alternatives}
        if len(answers) > 1:
            return _unknown(explain.uncertain_sentence(fact, observation, context.as_of),
                            evidence, f"{fact.label}: birth date")
        observation = _as(observation, observation.alternatives[0], context.as_of)
    holds = op.test(observation, check.value, context.as_of)
    sentence = explain.check_sentence(fact, op, observation, check.value, holds, context.as_of)
    return Outcome(truth_of(holds), sentence, (evidence,))


def _as(observation: Observation, value: Any, on: dt.date | None = None) -> Observation:
    return observation._replace(value=value, date=on or observation.date, alternatives=())


def _too_old(observation: Observation, days: int | None, as_of: dt.date) -> (
        tuple[str, str] | None):
    if days is None:
        return None
    fact = FACTS[observation.fact]
    if observation.date is None:
        return "undated", explain.undated_sentence(fact, observation, days)
    if (as_of - observation.date).days > days:
        return "stale", explain.stale_sentence(fact, observation, days, as_of)
    return None


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


def _has(has: Has, context: Context) -> Outcome:
    collection = COLLECTIONS[has.in_]
    prepared = query(has)
    described = prepared.description
    found = prepared.search(context.profile)
    describe = explain.describe_entry
    present = [(truth, entry, describe(entry)) for truth, entry in found.present]
    evidence = tuple(Evidence(has.in_, "observed", text, entry.date)
                     for _, entry, text in present) + tuple(
        Evidence(has.in_, "absent", describe(entry), entry.date) for entry in found.absent)
    truth = found.truth
    if truth is Truth.TRUE:
        listed = ", ".join(text for t, _, text in present if t is Truth.TRUE)
        return Outcome(Truth.TRUE, f"Recorded {described}: {listed}", evidence)
    if truth is Truth.FALSE:
        history = getattr(context.profile, has.in_)
        closed = (_coverage_reason(has, collection, history.items) if found.covered
                  else f"the {collection.label} list is marked complete")
        read = [text for _, _, text in present if text not in closed]
        also = f" ({', '.join(read)} does not match)" if read else ""
        return Outcome(Truth.FALSE, f"No {described}: {closed}{also}", evidence)
    details = [f"{text} lacks {' and '.join(_unknown_attributes(has, entry))}"
               for t, entry, text in present if t is Truth.UNKNOWN]
    details += [f"{entry.name or entry.category!r} is not classified finely enough to tell "
                "(give it the category asked for, or category: other)"
                if entry.category or collection.categories_of(entry.name, ())
                else f"{entry.name!r} has no category, so it may be one (add its category, or "
                "category: other)" for entry in found.unclassified]
    sentence = f"Not recorded whether there is any {described}" + (
        f" ({'; '.join(details)})" if details else "")
    return Outcome(Truth.UNKNOWN, sentence, evidence,
                   (f"{collection.label}: whether there is any {described}",))


def _unknown_attributes(has: Has, entry: Entry) -> list[str]:
    wanted = (["severity"] if has.severity else []) + (
        ["controlled"] if has.controlled is not None else [])
    return [name for name in wanted if getattr(entry, name, None) is None]


def _coverage_reason(has: Has, collection: Collection, entries: Sequence[Entry]) -> str:
    """The recorded negatives (and singular entries) that rule a `has` out, in words."""
    names = {normalise_name(name) for name in has.name}
    asked = set(has.category) | {c for name in names for c in collection.categories_of(name, ())}
    wanted = {ancestor for category in asked for ancestor in collection.ancestors(category)}
    used = [entry for entry in entries if entry.status == "absent" and (
        (entry.name is not None and normalise_name(entry.name) in names)
        or absent_category(collection, entry) in wanted)]
    settled = [entry for entry in entries if entry.status != "absent" and set(
        collection.categories_of(entry.name, stated(entry))) & asked & collection.singular]
    reasons = []
    if used:
        reasons.append("recorded absent: " + ", ".join(map(explain.describe_entry, used)))
    if settled:
        reasons.append("recorded: " + ", ".join(map(explain.describe_entry, settled)))
    return "; ".join(reasons)


def _every(every: Every, context: Context) -> Outcome:
    group = GROUPS[every.in_]
    op = OPERATORS[every.op]
    slots = [slot for slot in group.slots if not every.only or set(slot) & set(every.only)]
    test, value, days, as_of = op.test, every.value, every.measured_within_days, context.as_of
    parts = [_slot(slot, group.name, context.facts, test, value, days, as_of) for slot in slots]
    truth = all_of(part.truth for part in parts)
    evidence = tuple(part.evidence for part in parts)
    label = f"{group.label}" + (f" {', '.join(every.only)}" if every.only else "")
    dates = sorted({e.date.isoformat() for e in evidence if e.date and e.state == "observed"})
    when = f" on {', '.join(dates)}" if dates else ""
    fact = FACTS[f"{group.name}.{group.members()[0]}"]
    threshold = explain.threshold(fact, op, every.value)
    if truth is Truth.TRUE:
        count = f"All {len(slots)} " if not every.only else ""
        phrase = re.sub(r"^is\b", "are", op.phrase)
        return Outcome(truth, f"{count}{label}{when} {phrase} {threshold}", evidence)
    if truth is Truth.FALSE:
        failing = ", ".join(part.text for part in parts if part.truth is Truth.FALSE)
        phrase = op.negation.removeprefix("is ")
        return Outcome(truth, f"{label} {phrase} {threshold}{when}: {failing}", evidence)
    unknown = [(slot, part) for slot, part in zip(slots, parts, strict=True)
               if part.truth is Truth.UNKNOWN]
    return _every_unknown(every, group, unknown, evidence, context.as_of)


class _Slot(NamedTuple):
    """One slot of a group: its truth, what was read, and `item value` when it was scored."""

    truth: Truth
    evidence: Evidence
    text: str = ""


def _every_unknown(every: Every, group: Group, unknown: Sequence[tuple[Sequence[str], _Slot]],
                   evidence: tuple[Evidence, ...], as_of: dt.date) -> Outcome:
    """Why a group is unknown, said once for the group: items not scored, or a scoring too
    old (or undated) for the rule; and one thing to collect for each."""
    days, label, scoring = every.measured_within_days, group.label, group.scoring or group.label
    unscored = [" or ".join(slot) for slot, part in unknown if part.evidence.state == "missing"]
    old = [part.evidence for _, part in unknown
           if part.evidence.state in ("stale", "undated")]
    sentences, missing = [], []
    if old:
        first = old[0]
        sentences.append(
            f"{scoring} on {first.date} is older than the {days} days allowed "
            f"({(as_of - first.date).days} days before {as_of.isoformat()})"
            if first.date else f"{scoring} has no date; the rule needs one within {days} days")
        missing.append(f"{scoring} (all items), measured within {days} days")
    if unscored:
        sentences.append(f"{label} not scored: {', '.join(unscored)}")
        recency = f", measured within {days} days" if days else ""
        missing.append(f"{label} {', '.join(unscored)}{recency}")
    return Outcome(Truth.UNKNOWN, "; ".join(sentences), evidence, tuple(missing))


def _slot(slot: Sequence[str], group: str, facts: Mapping[str, Observation],
          test: Any, value: Any, days: int | None, as_of: dt.date) -> _Slot:
    """One slot of a group: the member that was scored, or unknown if none was."""
    for member in slot:
        observation = facts.get(f"{group}.{member}")
        if observation is None:
            continue
        if days is not None:
            if observation.date is None:
                return _Slot(Truth.UNKNOWN, _evidence(observation, "undated"))
            if (as_of - observation.date).days > days:
                return _Slot(Truth.UNKNOWN, _evidence(observation, "stale"))
        return _Slot(truth_of(test(observation, value, as_of)), _evidence(observation),
                     f"{member} {observation.value}")
    return _Slot(Truth.UNKNOWN, Evidence(f"{group}.{slot[0]}", "missing"))


_EVALUATORS: dict[type, Callable[[Any, Context], Outcome]] = {
    Check: _check, AllOf: _all, AnyOf: _any, Not: _not, Judgment: _judgment, Has: _has,
    Every: _every,
}


def screen_criterion(criterion: Criterion, context: Context) -> CriterionResult:
    """One criterion's status: an inclusion passes when true, an exclusion fails when true."""
    local = Context(context.profile, context.facts, context.as_of, context.trial_id,
                    criterion.id)
    outcome = evaluate(criterion.condition, local)
    if criterion.applies_to is not None:
        outcome = _applied(criterion, evaluate(criterion.applies_to, local), outcome)
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
    results = tuple(screen_criterion(criterion, context) for criterion in trial.criteria)
    return Screening(trial, profile.id, as_of, results)


def screen_all(profile: PatientProfile, trials: Iterable[Trial], *, as_of: dt.date) -> (
        tuple[Screening, ...]):
    """Screen one patient against each trial."""
    return tuple(screen(profile, trial, as_of=as_of) for trial in trials)
