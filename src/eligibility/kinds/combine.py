"""`all`, `any`, `not` and `first`: conditions made of conditions, in three-valued logic."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pydantic import Field

from .. import explain, intervals
from ..context import Context
from ..logic import Truth, all_of, any_of, negate
from ..results import Evidence, Need, Outcome
from ..vocabulary import Vocabulary
from .check import Check, words
from .node import FALSE, TRUE, UNKNOWN, Env, Finding, Node, Path, Plan

__all__ = [
    "AllOf",
    "AnyOf",
    "First",
    "Not",
    "combine_all",
    "combine_any",
]


class AllOf(Node):
    """True when every part is true: `all: [...]`."""

    key = "all"
    parts: tuple[Condition, ...] = Field(min_length=1)  # type: ignore[name-defined]  # noqa: F821

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"parts": body}


class AnyOf(Node):
    """True when some part is true: `any: [...]`."""

    key = "any"
    parts: tuple[Condition, ...] = Field(min_length=1)  # type: ignore[name-defined]  # noqa: F821

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"parts": body}


class Not(Node):
    """True when its part is false: `not: {...}`."""

    key = "not"
    part: Condition  # type: ignore[name-defined]  # noqa: F821

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"part": body}


class First(Node):
    """The first part that is decided gives the truth: `first: [...]`, sources in order of
    authority. A recorded gastrostomy decides; only when none is recorded does the next
    source (an ALSFRS-R scored on form 5a) speak."""

    key = "first"
    parts: tuple[Condition, ...] = Field(min_length=2)  # type: ignore[name-defined]  # noqa: F821

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"parts": body}


# Combining outcomes

def combine_all(parts: Sequence[Outcome]) -> Outcome:
    """Kleene `and` of outcomes; the sentence keeps the parts that decide it. A clinician's
    question is not asked while data the same `all` needs is still missing: the answer may
    not be needed."""
    outcome = _combine(all_of(part.truth for part in parts), parts, "all")
    waiting = [part for part in parts if part.truth is Truth.UNKNOWN and not part.asks]
    if outcome.truth is Truth.UNKNOWN and waiting:
        missing = _unique(need for part in waiting for need in part.missing)
        return outcome._replace(explanation=explain.join([part.explanation for part in waiting]),
                                missing=missing, asks=False)
    return outcome


def combine_any(parts: Sequence[Outcome]) -> Outcome:
    """Kleene `or` of outcomes; the sentence keeps the parts that decide it."""
    return _combine(any_of(part.truth for part in parts), parts, "any")


def _combine(truth: Truth, parts: Sequence[Outcome], kind: str) -> Outcome:
    deciding = [part for part in parts if part.truth is truth] or list(parts)
    unknown = truth is Truth.UNKNOWN
    code = _CODES[kind, truth]
    if len(deciding) == 1:  # the common case, without the joining and de-duplicating
        only = deciding[0]
        return Outcome(truth, only.explanation, unique_evidence(parts),
                       _unique(only.missing) if unknown else (), tuple(parts), True,
                       unknown and only.asks, code)
    return Outcome(
        truth,
        explain.join([part.explanation for part in deciding]),
        unique_evidence(parts),
        _unique(need for part in deciding for need in part.missing) if unknown else (),
        tuple(parts),
        asks=unknown and all(part.asks for part in deciding),
        code=code,
    )


_CODES = {(kind, truth): f"{kind}.{truth}" for kind in ("all", "any") for truth in Truth}


def unique_evidence(parts: Sequence[Outcome]) -> tuple[Evidence, ...]:
    """The parts' evidence, each once (two checks on one fact read the same observation)."""
    with_evidence = [part.evidence for part in parts if part.evidence]
    if len(with_evidence) == 1:
        return with_evidence[0]
    return tuple(dict.fromkeys(evidence for found in with_evidence for evidence in found))


def _unique(needs: Iterable[Need]) -> tuple[Need, ...]:
    return tuple({need.text: need for need in needs}.values())


# Plans

class AllPlan:
    __slots__ = ("parts", "truths")

    def __init__(self, parts: Sequence[Plan]) -> None:
        self.parts = tuple(parts)
        self.truths = tuple(part.truth for part in self.parts)

    def outcome(self, context: Context) -> Outcome:
        return combine_all([part.outcome(context) for part in self.parts])

    def truth(self, context: Context) -> int:
        result = TRUE
        for part_truth in self.truths:
            truth = part_truth(context)
            if truth == FALSE:
                return FALSE
            if truth < result:
                result = truth
        return result


class AnyPlan:
    __slots__ = ("parts", "truths")

    def __init__(self, parts: Sequence[Plan]) -> None:
        self.parts = tuple(parts)
        self.truths = tuple(part.truth for part in self.parts)

    def outcome(self, context: Context) -> Outcome:
        return combine_any([part.outcome(context) for part in self.parts])

    def truth(self, context: Context) -> int:
        result = FALSE
        for part_truth in self.truths:
            truth = part_truth(context)
            if truth == TRUE:
                return TRUE
            if truth > result:
                result = truth
        return result


class NotPlan:
    __slots__ = ("part",)

    def __init__(self, part: Plan) -> None:
        self.part = part

    def outcome(self, context: Context) -> Outcome:
        inner = self.part.outcome(context)
        return Outcome(negate(inner.truth), inner.explanation, inner.evidence, inner.missing,
                       (inner,), asks=inner.asks, code=f"not.{negate(inner.truth)}")

    def truth(self, context: Context) -> int:
        return TRUE - self.part.truth(context)


class FirstPlan:
    __slots__ = ("parts",)

    def __init__(self, parts: Sequence[Plan]) -> None:
        self.parts = tuple(parts)

    def outcome(self, context: Context) -> Outcome:
        parts = [part.outcome(context) for part in self.parts]
        evidence = unique_evidence(parts)
        for index, part in enumerate(parts):
            if part.truth is Truth.UNKNOWN:
                continue
            sentence = part.explanation
            if index:
                earlier = explain.join([earlier.explanation for earlier in parts[:index]])
                sentence = f"{earlier}; so the rule falls back to: {sentence}"
            against = [later.explanation for later in parts[index + 1:]
                       if later.truth not in (Truth.UNKNOWN, part.truth)]
            if against:
                sentence += f" (a less authoritative source says otherwise: " \
                            f"{explain.join(against)})"
            code = "first.fallback" if index else "first.decided"
            return Outcome(part.truth, sentence, evidence, (), tuple(parts), code=code)
        # What to collect now: a source that waits for a visit not yet held is not one (the
        # SVC at the screening visit, when an SVC within 90 days would do today).
        now = [part for part in parts
               if part.missing and not part.code.endswith(".visit_pending")] or parts
        return Outcome(Truth.UNKNOWN, explain.join([part.explanation for part in parts]),
                       evidence, _unique(need for part in now for need in part.missing),
                       tuple(parts), asks=all(part.asks for part in parts),
                       code="first.unknown")

    def truth(self, context: Context) -> int:
        for part in self.parts:
            truth = part.truth(context)
            if truth != UNKNOWN:
                return truth
        return UNKNOWN


def compile_all(node: AllOf, env: Env) -> Plan:
    from . import compile_condition

    return AllPlan([compile_condition(part, env) for part in node.parts])


def compile_any(node: AnyOf, env: Env) -> Plan:
    from . import compile_condition

    return AnyPlan([compile_condition(part, env) for part in node.parts])


def compile_not(node: Not, env: Env) -> Plan:
    from . import compile_condition

    return NotPlan(compile_condition(node.part, env))


def compile_first(node: First, env: Env) -> Plan:
    from . import compile_condition

    return FirstPlan([compile_condition(part, env) for part in node.parts])


def describe_group(node: AllOf | AnyOf | First, vocabulary: Vocabulary) -> list[str]:
    from . import describe

    head = {"all": "all of:", "any": "any of:", "first": "the first of these that is known:"}[
        node.key]
    return [head] + [f"  {line}" for part in node.parts
                     for line in explain.bulleted(describe(part, vocabulary))]


def describe_not(node: Not, vocabulary: Vocabulary) -> list[str]:
    from . import describe

    inner = describe(node.part, vocabulary)
    return [f"not: {inner[0]}", *inner[1:]]


def lint_group(node: AllOf | AnyOf, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    """Checks on one fact in an `all` that cannot all hold, or in an `any` that always does."""
    by_fact: dict[str, list[tuple[int, Check]]] = {}
    for index, part in enumerate(node.parts):
        if isinstance(part, Check) and part.at is None:
            by_fact.setdefault(part.fact, []).append((index, part))
    for name, checks in by_fact.items():
        if len(checks) < 2:
            continue
        fact = vocabulary.facts[name]
        sets = [intervals.allowed(check.op, check.value, fact) for _, check in checks]
        if any(allowed is None for allowed in sets):
            continue
        together = " and ".join(words(check, fact, both=True) for _, check in checks)
        where = (*at, checks[-1][0])
        domain = intervals.domain(fact)
        if isinstance(node, AllOf):
            combined = domain
            for allowed in sets:
                combined = intervals.intersect(combined, allowed or [])
            if intervals.nothing(combined, fact):
                yield Finding(where, f"contradictory: {name!r} cannot be both {together} (one "
                              "of these checks is wrong: fix or remove it)", "error")
        else:
            union = [interval for allowed in sets for interval in allowed or []]
            if intervals.covers(union, domain, whole=intervals.is_whole(fact)):
                either = " or ".join(words(check, fact) for _, check in checks)
                yield Finding(where, f"always true once {name!r} is known: every value "
                              f"{either} (it decides nothing: check the operators and values)",
                              "warning")
