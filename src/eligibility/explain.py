"""The wording of outcomes: one sentence per kind of outcome, in the vocabulary's units."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from .observations import Observation
from .operators import OPERATORS, Operator
from .rules import AllOf, AnyOf, Check, Condition, Every, Has, Judgment, Not
from .vocabulary import COLLECTIONS, FACTS, GROUPS, Fact

__all__ = [
    "CheckWording",
    "assessed",
    "check_sentence",
    "describe_entry",
    "format_value",
    "missing_sentence",
    "needs_judgment",
    "stale_sentence",
    "to_collect",
    "uncertain_sentence",
    "undated_sentence",
]


def format_value(fact: Fact, value: Any, *, unit: bool = True) -> str:
    """A value as a reader sees it: `84 % predicted`, `2026-01-10`, `yes`, `probable`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{text} {fact.unit}" if unit and fact.unit else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return " or ".join(format_value(fact, item, unit=False) for item in value)
    return str(value)


def _short_unit(fact: Fact) -> str:
    """The unit as written after a threshold: `80 %` rather than `80 % predicted`."""
    return fact.unit.split()[0] if fact.unit else ""


def threshold(fact: Fact, op: Operator, value: Any) -> str:
    """The value a rule compares with, as written after the operator: `80 %`, `2026-01-10`.
    Worded once per rule (screening compiles it into the rule's wording)."""
    unit = f" {_short_unit(fact)}" if _short_unit(fact) and fact.numeric else ""
    if op.value == "range":
        low, high = value
        return f"{low:g} to {high:g}{unit}"
    if op.value == "categories":
        return ", ".join(format_value(fact, item, unit=False) for item in value)
    if op.value in ("number", "category") and not isinstance(value, bool):
        return f"{format_value(fact, value, unit=False)}{unit}"
    if op.value == "date":
        return value.isoformat()  # type: ignore[no-any-return]
    return ""


def _observed(fact: Fact, observation: Observation) -> str:
    if fact.kind == "date":
        return f"{fact.label} {observation.value.isoformat()}"
    when = f" on {observation.date.isoformat()}" if observation.date is not None else ""
    if fact.kind == "boolean":
        return f"{fact.label}: {format_value(fact, observation.value)}{when}"
    return f"{fact.label} {format_value(fact, observation.value)}{when}"


def check_sentence(
    fact: Fact, op: Operator, observation: Observation, value: Any, holds: bool, as_of: dt.date
) -> str:
    """`FVC 78 % predicted on 2026-01-10 is below 80 %`."""
    return CheckWording(fact, op, value).sentence(observation, holds, as_of)


class CheckWording:
    """The sentence of one check, with the words that do not depend on the patient (the
    phrases and the threshold) worded once per rule rather than once per patient."""

    __slots__ = ("against", "boolean", "by_count", "by_reference", "fact", "phrases")

    def __init__(self, fact: Fact, op: Operator, value: Any) -> None:
        self.fact = fact
        self.boolean = fact.kind == "boolean"
        plain = _plain(value)
        self.phrases = (op.negation.format(value=plain), op.phrase.format(value=plain))
        self.against = threshold(fact, op, value)
        self.by_count = op.value == "count"
        self.by_reference = op.value == "none" or "{value}" in op.phrase

    def sentence(self, observation: Observation, holds: bool, as_of: dt.date) -> str:
        fact = self.fact
        if self.boolean:
            return _observed(fact, observation)
        against = self.against
        if self.by_count:
            against = f"the screening date ({as_of.isoformat()})"
        elif observation.reference_range is not None and self.by_reference:
            low, high = observation.reference_range
            against = f"({low:g} to {high:g} {fact.unit})"
        parts = (_observed(fact, observation), self.phrases[bool(holds)], against)
        return " ".join(part for part in parts if part)


def _plain(value: Any) -> Any:
    return f"{value:g}" if isinstance(value, float) else value


def uncertain_sentence(fact: Fact, observation: Observation, as_of: dt.date) -> str:
    """`Age is 75 or 76 years on 2026-11-22 (74 recorded on 2026-01-05)`: no birth date."""
    options = " or ".join(format_value(fact, option, unit=False)
                          for option in observation.alternatives)
    recorded = f" on {observation.date.isoformat()}" if observation.date else ""
    return (f"{fact.label} is {options} {fact.unit} on {as_of.isoformat()} "
            f"({format_value(fact, observation.value, unit=False)} recorded{recorded}; the "
            f"birth date would settle it)")


def missing_sentence(fact: Fact) -> str:
    """`FVC is not recorded`."""
    return f"{fact.label} is not recorded"


def stale_sentence(fact: Fact, observation: Observation, days: int, as_of: dt.date) -> str:
    """`FVC 84 % predicted on 2025-01-02 is older than the 90 days allowed (689 days old)`."""
    assert observation.date is not None
    age = (as_of - observation.date).days
    return (f"{_observed(fact, observation)} is older than the {days} days allowed "
            f"({age} days before {as_of.isoformat()})")


def undated_sentence(fact: Fact, observation: Observation, days: int) -> str:
    """`Pregnant: no has no date; the rule needs one within 30 days`."""
    return (f"{_observed(fact, observation)} has no date; the rule needs one within {days} "
            f"days of screening")


def to_collect(fact: Fact, days: int | None) -> str:
    """What to collect: `FVC (% predicted), measured within 90 days`."""
    unit = f" ({fact.unit})" if fact.unit and fact.numeric else ""
    recency = f", measured within {days} days" if days else ""
    return f"{fact.label}{unit}{recency}"


def needs_judgment(question: str) -> str:
    return f"Needs a clinician's judgment: {question}"


def assessed(by: str, answer: bool, on: dt.date, question: str) -> str:
    return f"{by} answered {'yes' if answer else 'no'} on {on.isoformat()}: {question}"


def describe_entry(entry: Any) -> str:
    """`HIV infection (viral_infection, current, 2026-03-01)`."""
    fields = entry.__dict__  # not getattr: a missing attribute costs pydantic an exception
    details = [fields.get("category"), entry.status]
    for attribute in ("severity", "controlled"):
        value = fields.get(attribute)
        if value is not None:
            details.append(f"{attribute}: {format_value(FACTS['sex'], value)}")
    if entry.date is not None:
        details.append(entry.date.isoformat())
    name = entry.name or f"any {entry.category}"
    if entry.status == "absent":
        return f"{name} ({entry.date.isoformat()})" if entry.date else name
    return f"{name} ({', '.join(str(detail) for detail in details if detail)})"


def join(sentences: Sequence[str]) -> str:
    """Several part sentences as one: `A; B` (a sentence said once)."""
    return "; ".join(dict.fromkeys(sentence for sentence in sentences if sentence))


def describe_query(has: Has) -> str:
    """`current condition in category viral_infection`: what a `has` rule looks for."""
    collection = COLLECTIONS[has.in_]
    status = {"current": "current", "past": "past", "ever": "current or past"}[has.status]
    terms = [f"named {' or '.join(has.name)}"] if has.name else []
    terms += [f"in category {' or '.join(has.category)}"] if has.category else []
    text = f"{status} {collection.entry}" + (f" {' or '.join(terms)}" if terms else "")
    if has.severity:
        text += f" of severity {' or '.join(has.severity)}"
    if has.controlled is not None:
        text += " that is controlled" if has.controlled else " that is not controlled"
    return text


def _recency(days: int | None) -> str:
    return f", measured within {days} days of screening" if days else ""


def _rule_phrase(fact: Fact, op: Operator, value: Any) -> str:
    phrase = re.sub(r"^is\b ?", "", op.phrase.format(value=value)) or "equal to"
    if op.value == "count":
        return f"{phrase} the screening date"
    return " ".join(part for part in (phrase, threshold(fact, op, value)) if part)


def describe(condition: Condition) -> list[str]:
    """A condition in plain words, one line per part, nested parts indented by two spaces."""
    match condition:
        case Check():
            fact, op = FACTS[condition.fact], OPERATORS[condition.op]
            recency = _recency(condition.measured_within_days)
            if fact.kind == "boolean":
                answer = "yes" if condition.op == "is_true" else "no"
                return [f"{fact.label}: recorded {answer}{recency}"]
            return [f"{fact.label} {_rule_phrase(fact, op, condition.value)}{recency}"]
        case AllOf() | AnyOf():
            head = "all of:" if isinstance(condition, AllOf) else "any of:"
            return [head] + [f"  {line}" for part in condition.parts for line in
                             _bulleted(describe(part))]
        case Not():
            inner = describe(condition.part)
            return [f"not: {inner[0]}", *inner[1:]]
        case Judgment():
            return [f"clinician judgment: {condition.question}"]
        case Has():
            return [f"{COLLECTIONS[condition.in_].label} include a {describe_query(condition)}"]
        case Every():
            group = GROUPS[condition.in_]
            fact = FACTS[f"{group.name}.{group.members()[0]}"]
            which = f"{group.label} {', '.join(condition.only)}" if condition.only else (
                f"every one of the {len(group.slots)} {group.label}")
            return [f"{which}: each {_rule_phrase(fact, OPERATORS[condition.op], condition.value)}"
                    f"{_recency(condition.measured_within_days)}"]
    return [str(condition)]


def _bulleted(lines: list[str]) -> list[str]:
    return [f"- {lines[0]}", *(f"  {line}" for line in lines[1:])]
