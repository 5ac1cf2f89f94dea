"""The wording of outcomes: one sentence per kind of outcome, in the vocabulary's units."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .observations import Observation
from .operators import Operator
from .vocabulary import Fact

__all__ = [
    "CheckWording",
    "assessed",
    "check_sentence",
    "describe_entry",
    "format_value",
    "missing_sentence",
    "needs_judgment",
    "rule_phrase",
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
        text = _decimal(fact, value)
        return f"{text} {unit_for(fact.unit, value)}" if unit and fact.unit else text
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return " or ".join(format_value(fact, item, unit=False) for item in value)
    return str(value)


_COUNTED = ("points", "months", "years", "weeks", "days", "hours")


def unit_for(unit: str, value: float) -> str:
    """A counted unit in the singular for one (or minus one): `1 point`, `-1 point`, `2 points`."""
    return unit[:-1] if unit in _COUNTED and abs(value) == 1 else unit


def _decimal(fact: Fact, value: float) -> str:
    """A number as written: `84`, `82.5`, or to the fact's decimals (`0.42`)."""
    if not isinstance(value, float):
        return str(value)
    if fact.decimals is not None:
        return f"{value:.{fact.decimals}f}"
    return f"{value:g}"


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


def _observed(fact: Fact, observation: Observation, shown: str | None = None,
              facts: Mapping[str, Fact] | None = None) -> str:
    if fact.kind == "date":
        return f"{fact.label} {observation.value.isoformat()}"
    when = f" on {observation.date.isoformat()}" if observation.date is not None else ""
    if observation.visit:
        when += f" ({observation.visit})"
    if fact.kind == "boolean":
        return f"{fact.label}: {format_value(fact, observation.value)}{when}"
    value = shown if shown is not None else format_value(fact, observation.value)
    return f"{fact.label} {value}{when}{derivation(observation, facts or {})}"


def derivation(observation: Observation, facts: Mapping[str, Fact]) -> str:
    """How a derived value was computed, when it is more than one value read:
    ` (= (48 - 40) / 19.2 months; ALSFRS-R total 40 on 2026-10-20, ALS symptom onset
    2024-05-02)`."""
    derived = observation.derived
    if derived is None:
        return ""
    parts = []
    if any(symbol in derived.formula for symbol in "+-*/"):
        parts.append(f"= {derived.formula}")
    if not observation.source:  # derived across blocks: say what it was computed from
        inputs = []
        for reading in derived.read:
            known = facts.get(reading.fact)
            label = known.label if known is not None else reading.fact
            when = f" on {reading.date.isoformat()}" if reading.date is not None and not (
                isinstance(reading.value, dt.date)) else ""
            value = (reading.value.isoformat() if isinstance(reading.value, dt.date)
                     else format_value(known or PLAIN, reading.value, unit=False))
            inputs.append(f"{label} {value}{when}")
        if inputs:
            parts.append(", ".join(dict.fromkeys(inputs)))
    return f" ({'; '.join(parts)})" if parts else ""


def check_sentence(
    fact: Fact, op: Operator, observation: Observation, value: Any, holds: bool, as_of: dt.date
) -> str:
    """`FVC 78 % predicted on 2026-01-10 is below 80 %`."""
    return CheckWording(fact, op, value).sentence(observation, holds, as_of)


class CheckWording:
    """The sentence of one check, with the words that do not depend on the patient (the
    phrases and the threshold) worded once per rule rather than once per patient."""

    __slots__ = ("against", "boolean", "by_count", "by_reference", "fact", "facts", "phrases",
                 "threshold")

    def __init__(self, fact: Fact, op: Operator, value: Any,
                 facts: Mapping[str, Fact] | None = None) -> None:
        self.fact, self.facts = fact, facts or {}
        self.boolean = fact.kind == "boolean"
        plain = _plain(value)
        self.phrases = (op.negation.format(value=plain), op.phrase.format(value=plain))
        self.against = threshold(fact, op, value)
        self.by_count = op.value in ("count", "duration")
        self.by_reference = op.value == "none" or "{value}" in op.phrase
        self.threshold = value if isinstance(value, (int, float)) and not isinstance(
            value, bool) else None

    def sentence(self, observation: Observation, holds: bool, as_of: dt.date) -> str:
        fact = self.fact
        if self.boolean:
            return _observed(fact, observation)
        against = self.against
        shown = None
        if fact.decimals is not None and isinstance(observation.value, float):
            shown = format_value(fact, observation.value)
            if self.threshold is not None and float(shown.split()[0]) == self.threshold != (
                    observation.value):
                shown = f"{observation.value:.6g}" + (f" {fact.unit}" if fact.unit else "")
        if self.by_count:
            against = f"the screening date ({as_of.isoformat()})"
        elif observation.reference_range is not None and self.by_reference:
            low, high = observation.reference_range
            against = f"({low:g} to {high:g} {fact.unit})"
        parts = (_observed(fact, observation, shown, self.facts), self.phrases[bool(holds)],
                 against)
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


def describe_entry(entry: Any, attributes: Sequence[str] = ("severity", "controlled")) -> str:
    """`HIV infection (viral_infection, current, 2026-03-01)`; a medication with its dose
    (`riluzole (current, 50 mg twice daily since 2025-06-01)`), dates of start and stop."""
    fields = entry.__dict__  # not getattr: a missing attribute costs pydantic an exception
    details = [fields.get("category"), entry.status]
    for attribute in attributes:
        value = fields.get(attribute)
        if value is not None:
            details.append(f"{attribute}: {format_value(PLAIN, value)}")
    dose = _dose(fields)
    details.append(dose)
    if fields.get("start") is not None and not dose.endswith(f" since {entry.start}"):
        details.append(f"from {entry.start.isoformat()}")  # not when the dose says it
    if fields.get("stop") is not None:
        details.append(f"until {entry.stop.isoformat()}")
    if entry.date is not None:
        details.append(entry.date.isoformat())
    name = entry.name or f"any {entry.category}" if entry.name or entry.category else (
        ", ".join(f"{system} {code}" for system, code in fields.get("codes", {}).items()))
    if entry.status == "absent":
        return f"{name} ({entry.date.isoformat()})" if entry.date else name
    shown = ", ".join(str(detail) for detail in details if detail)
    return f"{name} ({shown})" if shown else name


def _dose(fields: Mapping[str, Any]) -> str:
    doses = fields.get("doses") or ()
    if doses:
        last = doses[-1]
        dose, unit, frequency, since = last.dose, last.unit, last.frequency, last.from_
    else:
        dose, unit, frequency, since = (fields.get("dose"), fields.get("unit"),
                                        fields.get("frequency"), fields.get("dose_since"))
    if dose is None:
        return ""
    text = f"{dose:g} {unit}" + (f" {frequency}" if frequency else "")
    return text + (f" since {since.isoformat()}" if since else "")


_LISTED = re.compile(r"^(.+ not scored): (.+)$")
"""A sentence that lists items (`ALSFRS-R items not scored: a, b`); two of one group merge."""


def join_words(words: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def join(sentences: Sequence[str]) -> str:
    """Several part sentences as one: `A; B`, each sentence said once, and the item lists of
    one group said in one sentence (`items not scored: a, b` and `...: b, c` as `a, b, c`)."""
    parts: dict[str, list[str] | None] = {}
    for sentence in (clause for whole in sentences for clause in _clauses(whole)):
        if not sentence:
            continue
        listed = _LISTED.match(sentence) if " not scored: " in sentence else None
        unrecorded = _UNRECORDED.match(sentence) if sentence.endswith(" is not recorded") else None
        if unrecorded is not None:  # `Hemoglobin and Platelets are not recorded`
            missing = parts.setdefault(_NOT_RECORDED, [])
            assert missing is not None
            missing += [unrecorded[1]] if unrecorded[1] not in missing else []
            continue
        if listed is None:
            parts.setdefault(sentence, None)
            continue
        items = parts.setdefault(listed[1] + ": ", [])
        assert items is not None
        items += [item for item in listed[2].split(", ") if item not in items]
    return "; ".join(_said(key, items) for key, items in parts.items())


_NOT_RECORDED = "\0 not recorded"
_UNRECORDED = re.compile(r"^([^;]+) is not recorded$")


def _said(key: str, items: list[str] | None) -> str:
    if key == _NOT_RECORDED:
        assert items is not None
        return f"{join_words(items)} {'is' if len(items) == 1 else 'are'} not recorded"
    return key + ", ".join(items) if items is not None else key


def _clauses(sentence: str) -> list[str]:
    """A joined sentence's parts again (`A; B` is A and B), so that a part said inside one
    of them is not said twice; a '; ' inside parentheses stays."""
    if "; " not in sentence:
        return [sentence]
    clauses, depth, start = [], 0, 0
    for index, character in enumerate(sentence):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and sentence.startswith("; ", index):
            clauses.append(sentence[start:index])
            start = index + 2
    return [*clauses, sentence[start:]]


def recency(days: int | None) -> str:
    return f", measured within {days} days of screening" if days else ""


def rule_phrase(fact: Fact, op: Operator, value: Any) -> str:
    """An operator and its value as a rule reads: `at least 80 %`, `within 2 years before the
    screening date`."""
    phrase = re.sub(r"^is\b ?", "", op.phrase.format(value=_plain(value))) or "equal to"
    if op.value in ("count", "duration"):
        return f"{phrase} the screening date"
    return " ".join(part for part in (phrase, threshold(fact, op, value)) if part)


def bulleted(lines: list[str]) -> list[str]:
    return [f"- {lines[0]}", *(f"  {line}" for line in lines[1:])]


class Plain:
    unit = ""
    decimals = None


PLAIN: Any = Plain()
