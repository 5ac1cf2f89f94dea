"""Checks on a trial that need no patient: contradictions, rules always true, loose ends."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from .rules import AllOf, AnyOf, Check, Condition, Criterion, Every, Has, Judgment, Not, Trial
from .source import shown
from .vocabulary import FACTS, Fact

__all__ = ["Finding", "lint_criterion", "lint_trial"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """A problem found in a valid trial: where (a YAML path), what, and how bad."""

    path: Path
    message: str
    severity: Literal["error", "warning"]


# A set of values as closed/open intervals: (low, low_closed, high, high_closed).
Interval = tuple[float, bool, float, bool]


def lint_trial(trial: Trial) -> tuple[Finding, ...]:
    """Every finding in `trial`, in criterion order."""
    findings: list[Finding] = []
    if not trial.trial.recruiting:
        findings.append(Finding(("trial", "overall_status"),
                                f"the registry lists this trial as {trial.trial.overall_status}:"
                                " screenings will warn that it is not recruiting", "warning"))
    for index, criterion in enumerate(trial.criteria):
        findings += lint_criterion(criterion, index)
    return tuple(findings)


def lint_criterion(criterion: Criterion, index: int) -> tuple[Finding, ...]:
    """The findings in one criterion, the `index`th of its trial."""
    base: Path = ("criteria", index)
    findings: list[Finding] = []
    if criterion.needs_curation:
        findings.append(Finding((*base, "needs_curation"), "imported criterion still needs "
                                "curation: replace the placeholder judgment with a "
                                "computable rule where one exists, then remove "
                                "needs_curation", "warning"))
    findings += _walk(criterion.condition, base)
    judgments = list(_judgments(criterion.condition, base))
    if criterion.applies_to is not None:
        findings += _walk(criterion.applies_to, (*base, "applies_to"), wrapped=True)
        judgments += _judgments(criterion.applies_to, (*base, "applies_to"), wrapped=True)
    seen: set[str | None] = set()
    for path, judgment in judgments:
        if judgment.id in seen:
            which = f"the id {judgment.id!r}" if judgment.id else "no id"
            findings.append(Finding(
                path, f"another judgment of this criterion has {which}: a clinician's answer "
                "would settle both; give each its own id (judgment: {question: ..., id: ...})",
                "error"))
        seen.add(judgment.id)
    return tuple(findings)


def _judgments(condition: Condition, at: Path, *, wrapped: bool = False) -> (
        Iterator[tuple[Path, Judgment]]):
    """Each judgment in a condition written at `at`, with its path."""
    here: Path = (*at, _key(condition))
    match condition:
        case Judgment():
            yield here, condition
        case AllOf() | AnyOf():
            for index, part in enumerate(condition.parts):
                yield from _judgments(part, (*here, index), wrapped=True)
        case Not():
            yield from _judgments(condition.part, here, wrapped=True)


def _walk(condition: Condition, at: Path, *, wrapped: bool = False) -> Iterator[Finding]:
    """Findings in a condition written at `at` (its one key follows unless `wrapped`)."""
    key = _key(condition)
    here: Path = (*at, key)
    match condition:
        case Check():
            yield from _single(condition, here)
        case AllOf() | AnyOf():
            for index, part in enumerate(condition.parts):
                yield from _walk(part, (*here, index), wrapped=True)
            yield from _combined(condition, here)
        case Not():
            yield from _walk(condition.part, here, wrapped=True)
        case Judgment():
            if not condition.guidance:
                yield Finding(here, "judgment without guidance: say what the clinician should "
                              "review and which answer excludes", "warning")
        case Has() | Every():
            pass


def _key(condition: Condition) -> str:
    return {Check: "check", AllOf: "all", AnyOf: "any", Not: "not", Judgment: "judgment",
            Has: "has", Every: "every"}[type(condition)]


def _single(check: Check, at: Path) -> Iterator[Finding]:
    fact = FACTS[check.fact]
    if check.measured_within_days and not fact.dated:
        yield Finding((*at, "measured_within_days"), f"{fact.name!r} has no date of its own, so "
                      "a recency window keeps it unknown for every patient (remove "
                      "measured_within_days)", "error")
    allowed = _allowed(check, fact)
    if allowed is None:
        return
    domain = _domain(fact)
    if _nothing(_intersect(allowed, domain), fact):
        yield Finding((*at, "value"), f"never true: no allowed value of {fact.name!r} "
                      f"({fact.describe_range()}) {_words(check, fact)} (the criterion can "
                      "never be met: check the operator and the value)", "error")
    elif _covers(allowed, domain, whole=_is_whole(fact)):
        yield Finding((*at, "value"), f"always true once {fact.name!r} is known: every allowed "
                      f"value ({fact.describe_range()}) {_words(check, fact)} (it decides "
                      "nothing: check the operator and the value)", "warning")


def _combined(group: AllOf | AnyOf, at: Path) -> Iterator[Finding]:
    by_fact: dict[str, list[tuple[int, Check]]] = {}
    for index, part in enumerate(group.parts):
        if isinstance(part, Check):
            by_fact.setdefault(part.fact, []).append((index, part))
    for name, checks in by_fact.items():
        if len(checks) < 2:
            continue
        fact = FACTS[name]
        sets = [_allowed(check, fact) for _, check in checks]
        if any(allowed is None for allowed in sets):
            continue
        together = " and ".join(_words(check, fact, both=True) for _, check in checks)
        where = (*at, checks[-1][0])
        domain = _domain(fact)
        if isinstance(group, AllOf):
            combined = domain
            for allowed in sets:
                combined = _intersect(combined, allowed or [])
            if _nothing(combined, fact):
                yield Finding(where, f"contradictory: {name!r} cannot be both {together} (one "
                              "of these checks is wrong: fix or remove it)", "error")
        else:
            union = [interval for allowed in sets for interval in allowed or []]
            if _covers(union, domain, whole=_is_whole(fact)):
                either = " or ".join(_words(check, fact) for _, check in checks)
                yield Finding(where, f"always true once {name!r} is known: every value "
                              f"{either} (it decides nothing: check the operators and values)",
                              "warning")


def _is_whole(fact: Fact) -> bool:
    return fact.kind in ("integer", "category", "boolean")


def _words(check: Check, fact: Fact, *, both: bool = False) -> str:
    """A check in words: `is at least 80`; with `both`, just the value where that reads
    better (`'female'`, `yes`)."""
    value = check.value
    if fact.kind == "boolean":
        answer = "yes" if check.op == "is_true" or value is True else "no"
        return answer if both else f"is {answer}"
    if both and check.op == "equals":
        return shown(value)
    words = check.op.replace("_", " ")
    return f"{'is ' if not both else ''}{words}" + ("" if value is None else f" {shown(value)}")


def _nothing(intervals: Sequence[Interval], fact: Fact) -> bool:
    """Whether no value (no whole value, for whole-number facts) lies in `intervals`."""
    return _empty(_whole(intervals) if fact.kind == "integer" else intervals)


def _domain(fact: Fact) -> list[Interval]:
    if fact.kind in ("category", "boolean"):
        return [(index, True, index, True) for index in range(len(_values(fact)))]
    low = -math.inf if fact.minimum is None else fact.minimum
    high = math.inf if fact.maximum is None else fact.maximum
    return [(low, True, high, True)]


def _values(fact: Fact) -> tuple[object, ...]:
    return (True, False) if fact.kind == "boolean" else fact.categories


def _allowed(check: Check, fact: Fact) -> list[Interval] | None:
    """The values for which `check` holds, or None when that cannot be known without data."""
    op, value = check.op, check.value
    if fact.kind in ("category", "boolean"):
        values = _values(fact)
        match op:
            case "equals":
                chosen = [value]
            case "one_of":
                chosen = list(value)
            case "is_true":
                chosen = [True]
            case "is_false":
                chosen = [False]
            case _:
                return None
        return [(values.index(v), True, values.index(v), True) for v in chosen if v in values]
    if fact.kind not in ("number", "integer"):
        return None
    whole = fact.kind == "integer"
    match op:
        case "at_least":
            return [(value, True, math.inf, True)]
        case "above":
            return [(math.floor(value) + 1, True, math.inf, True)] if whole else [
                (value, False, math.inf, True)]
        case "at_most":
            return [(-math.inf, True, value, True)]
        case "below":
            return [(-math.inf, True, math.ceil(value) - 1, True)] if whole else [
                (-math.inf, True, value, False)]
        case "between":
            return [(value[0], True, value[1], True)]
        case "equals":
            return [(value, True, value, True)]
        case "one_of":
            return [(item, True, item, True) for item in value]
    return None


def _intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    result = []
    for a in left:
        for b in right:
            low, low_open = max((a[0], not a[1]), (b[0], not b[1]))
            high, high_closed = min((a[2], a[3]), (b[2], b[3]))
            interval = (low, not low_open, high, high_closed)
            if not _empty([interval]):
                result.append(interval)
    return result


def _empty(intervals: Sequence[Interval]) -> bool:
    return all(low > high or (low == high and not (low_closed and high_closed))
               for low, low_closed, high, high_closed in intervals)


def _whole(intervals: Sequence[Interval]) -> list[Interval]:
    """Integer intervals as closed whole ranges, widened by a half so neighbours touch."""
    result = []
    for low, low_closed, high, high_closed in intervals:
        first = low if math.isinf(low) else (math.ceil(low) if low_closed else math.floor(low) + 1)
        last = high if math.isinf(high) else (
            math.floor(high) if high_closed else math.ceil(high) - 1)
        if first <= last:
            result.append((first - 0.5, True, last + 0.5, True))
    return result


def _covers(intervals: Sequence[Interval], domain: Sequence[Interval], *,
            whole: bool = False) -> bool:
    """Whether the union of `intervals` contains every point (every integer, if `whole`) of
    `domain`."""
    if whole:
        intervals, domain = _whole(intervals), _whole(domain)
    for target in domain:
        low, low_closed, high, high_closed = target
        pieces = sorted((i for i in _intersect(intervals, [target])),
                        key=lambda i: (i[0], not i[1]))
        reach, reach_closed = low, not low_closed  # covered up to `reach`
        started = False
        for p_low, p_low_closed, p_high, p_high_closed in pieces:
            if not started:
                if p_low > low or (p_low == low and low_closed and not p_low_closed):
                    return False
                started = True
            elif p_low > reach or (p_low == reach and not (reach_closed or p_low_closed)):
                return False
            if (p_high, p_high_closed) > (reach, reach_closed):
                reach, reach_closed = p_high, p_high_closed
        if not started or reach < high or (reach == high and high_closed and not reach_closed):
            return False
    return True
