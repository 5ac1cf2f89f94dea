"""`every`: each slot of a group (the ALSFRS-R items) of one assessment meets a test."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal, NamedTuple

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .. import explain, intervals
from ..context import Context
from ..logic import Truth, all_of, truth_of
from ..observations import Observation, field_at, outside_window
from ..operators import OPERATORS
from ..results import Evidence, Need, Outcome
from ..vocabulary import Group, Vocabulary, closest
from .check import Check, words
from .node import (
    FALSE,
    TRUE,
    UNKNOWN,
    Days,
    Env,
    Finding,
    Names,
    Node,
    Path,
    VisitSelector,
    check_op,
    check_value,
    vocabulary_of,
)

__all__ = ["Every", "EveryPlan"]


class Every(Node):
    """Every slot of a group meets the test: `every: {in: alsfrs_r.items, op: at_least,
    value: 2}`; `only` limits it to some members. All slots are read from one assessment,
    the latest."""

    key = "every"
    in_: str = Field(alias="in", description="A group of facts, such as alsfrs_r.items.")
    only: Names = ()
    op: str
    value: Any = Field(None, validate_default=True)
    measured_within_days: Days | None = None
    at: VisitSelector | None = Field(None, description="Read the assessment at this visit, "
                                     "not the latest.")

    @model_validator(mode="after")
    def _one_selection(self) -> Every:
        if self.at is not None and self.measured_within_days is not None:
            raise ValueError("give measured_within_days (the latest, recent enough) or at (the "
                             "one at a visit), not both")
        return self

    @field_validator("in_")
    @classmethod
    def _group(cls, name: str, info: ValidationInfo) -> str:
        groups = vocabulary_of(info).groups
        if name not in groups:
            expected = ", ".join(repr(group) for group in groups)
            raise ValueError(f"expected {expected}, got {name!r}{closest(name, groups)}")
        return name

    @field_validator("op")
    @classmethod
    def _op(cls, name: str, info: ValidationInfo) -> str:
        vocabulary = vocabulary_of(info)
        group = vocabulary.groups.get(info.data.get("in_", ""))
        return check_op(name, f"{group.name}.{group.members()[0]}" if group else None,
                        vocabulary)

    @field_validator("only")
    @classmethod
    def _members(cls, only: tuple[str, ...], info: ValidationInfo) -> Any:
        group = vocabulary_of(info).groups.get(info.data.get("in_", ""))
        if group is not None:
            for member in only:
                if member not in group.members():
                    hint = closest(member, group.members()) or (
                        f" (one of: {', '.join(group.members())})")
                    raise ValueError(f"{member!r} is not one of {group.label}{hint}")
        return only

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        vocabulary = vocabulary_of(info)
        group = vocabulary.groups.get(info.data.get("in_", ""))
        if group is None:
            return value
        member = f"{group.name}.{group.members()[0]}"
        try:
            return check_value(member, info.data.get("op"), value, vocabulary)
        except ValueError as error:
            raise ValueError(str(error).replace(repr(member), f"each of {group.label}")) from None


class _Slot(NamedTuple):
    """One slot of a group: its truth, what was read, and `item value` when it was scored."""

    truth: Truth
    evidence: Evidence
    text: str = ""


Member = tuple[str, tuple[str, ...], str, str]   # member, path in the record, fact name, unit


class EveryPlan:
    """An `every` worked out once: its slots (each member with its place in a record and its
    fact name) and the fixed words of its sentences."""

    __slots__ = (
        "all_true",
        "block",
        "days",
        "every",
        "fails",
        "group",
        "holds",
        "inside",
        "members",
        "on_value",
        "slots",
        "test",
        "unscored",
        "unscored_evidence",
        "value",
    )

    def __init__(self, every: Every, vocabulary: Vocabulary) -> None:
        group, op = vocabulary.groups[every.in_], OPERATORS[every.op]
        self.every, self.group, self.test, self.value = every, group, op.test, every.value
        self.on_value = op.on_value
        self.days = every.measured_within_days
        self.block, *inside = group.name.split(".")
        self.inside = tuple(inside)
        self.slots = tuple(tuple(slot) for slot in group.slots
                           if not every.only or set(slot) & set(every.only))
        self.members: tuple[tuple[Member, ...], ...] = tuple(
            tuple((member, (*inside, member), name, vocabulary.facts[name].unit)
                  for member in slot for name in [f"{group.name}.{member}"])
            for slot in self.slots)
        self.unscored = tuple(_Slot(Truth.UNKNOWN, Evidence(f"{group.name}.{slot[0]}",
                                                            "missing"))
                              for slot in self.slots)
        self.unscored_evidence = tuple(slot.evidence for slot in self.unscored)
        label = f"{group.label}" + (f" {', '.join(every.only)}" if every.only else "")
        fact = vocabulary.facts[f"{group.name}.{group.members()[0]}"]
        threshold = explain.threshold(fact, op, every.value)
        count = f"All {len(self.slots)} " if not every.only else ""
        phrase = re.sub(r"^is\b", "are", op.phrase)
        self.all_true, self.holds = f"{count}{label}", f" {phrase} {threshold}"
        self.fails = f"{label} {op.negation.removeprefix('is ')} {threshold}"

    def _record(self, context: Context) -> Any:
        """The assessment the rule reads: the latest, or the one at the visit it names (the
        one recorded for that visit, else the nearest in date within the tolerance)."""
        records = getattr(context.profile, self.block, ())
        if not records:
            return None
        at = self.every.at
        if at is None:
            if len(records) == 1:
                return records[0]
            return max(records, key=lambda record: record.date or dt.date.min)
        on = context.facts.visit(at.visit)
        if on is None:
            return None
        labelled = [record for record in records if record.visit == at.visit]
        if labelled:
            return labelled[-1]
        near = [(abs((record.date - on).days), record.date, index)
                for index, record in enumerate(records)
                if record.date is not None and abs((record.date - on).days) <= at.within_days]
        return records[min(near)[2]] if near else None

    def truth(self, context: Context) -> int:
        record = self._record(context)
        if record is None:
            return UNKNOWN
        if outside_window(record.date, self.days, context.as_of):
            return UNKNOWN
        result, test, value, as_of = TRUE, self.test, self.value, context.as_of
        on_value = self.on_value
        scores = field_at(record, self.inside)  # the record's items: read once, not per item
        if scores is None:
            return UNKNOWN
        for members in self.members:
            truth = UNKNOWN
            for member, _, name, _ in members:
                score = getattr(scores, member, None)
                if score is not None:
                    holds = (on_value(score, value) if on_value is not None else
                             test(Observation(name, score, record.date), value, as_of))
                    truth = TRUE if holds else FALSE
                    break
            if truth == FALSE:
                return FALSE
            if truth < result:
                result = truth
        return result

    def outcome(self, context: Context) -> Outcome:
        record, as_of = self._record(context), context.as_of
        at = self.every.at
        if record is None and at is not None:
            on = context.facts.visit(at.visit)
            label = self.group.scoring or self.group.label
            need = Need(self.group.name, f"{label} (all items) at the {at.visit} visit")
            sentence = (f"{label} at the {at.visit} visit: the {at.visit} visit is not "
                        "recorded yet" if on is None else
                        f"{label} is not recorded at the {at.visit} visit ({on.isoformat()})")
            return Outcome(Truth.UNKNOWN, sentence, self.unscored_evidence, (need,),
                           code="every.visit_pending" if on is None else "every.unscored")
        parts = [(self._slot(members, record, as_of) if record is not None else None)
                 or unscored for members, unscored in zip(self.members, self.unscored,
                                                          strict=True)]
        truth = all_of([part.truth for part in parts])
        evidence = tuple([part.evidence for part in parts])
        dates = sorted({e.date for e in evidence if e.date and e.state == "observed"})
        when = f" on {', '.join(map(dt.date.isoformat, dates))}" if dates else ""
        if truth is Truth.TRUE:
            return Outcome(truth, f"{self.all_true}{when}{self.holds}", evidence,
                           code="every.true")
        if truth is Truth.FALSE:
            failing = ", ".join([part.text for part in parts if part.truth is Truth.FALSE])
            return Outcome(truth, f"{self.fails}{when}: {failing}", evidence, code="every.false")
        unknown = [(slot, part) for slot, part in zip(self.slots, parts, strict=True)
                   if part.truth is Truth.UNKNOWN]
        return _every_unknown(self.every, self.group, unknown, evidence, as_of)

    def _slot(self, members: Sequence[Member], record: Any, as_of: dt.date) -> _Slot | None:
        """One slot of the group: the member that was scored, or None if none was."""
        for member, path, name, unit in members:
            score = field_at(record, path)
            if score is None:
                continue
            date = record.date
            if outside_window(date, self.days, as_of):
                state = "undated" if date is None else "stale"
                return _Slot(Truth.UNKNOWN, Evidence(name, state, score, date, unit))
            observation = Observation(name, score, date)
            return _Slot(truth_of(self.test(observation, self.value, as_of)),
                         Evidence(name, "observed", score, date, unit), f"{member} {score}")
        return None


def _every_unknown(every: Every, group: Group, unknown: Sequence[tuple[Sequence[str], _Slot]],
                   evidence: tuple[Evidence, ...], as_of: dt.date) -> Outcome:
    """Why a group is unknown, said once for the group: items not scored, or a scoring too
    old (or undated) for the rule; and one thing to collect for each."""
    days, label, scoring = every.measured_within_days, group.label, group.scoring or group.label
    unscored = [" or ".join(slot) for slot, part in unknown if part.evidence.state == "missing"]
    old = [part.evidence for _, part in unknown
           if part.evidence.state in ("stale", "undated")]
    sentences, missing = [], []
    state: Literal["stale", "unscored"] = "unscored"
    if old:
        first, state = old[0], "stale"
        sentences.append(
            f"{scoring} on {first.date} is older than the {days} days allowed "
            f"({(as_of - first.date).days} days before {as_of.isoformat()})"
            if first.date else f"{scoring} has no date; the rule needs one within {days} days")
        missing.append(Need(group.name, f"{scoring} (all items), measured within {days} days"))
    if unscored:
        sentences.append(f"{label} not scored: {', '.join(unscored)}")
        recency = f", measured within {days} days" if days else ""
        missing.append(Need(group.name, f"{label} {', '.join(unscored)}{recency}",
                            tuple(unscored)))
    return Outcome(Truth.UNKNOWN, "; ".join(sentences), evidence, tuple(missing),
                   code=f"every.{state}")


def compile_every(every: Every, env: Env) -> EveryPlan:
    return EveryPlan(every, env.vocabulary)


def describe_every(every: Every, vocabulary: Vocabulary) -> list[str]:
    group = vocabulary.groups[every.in_]
    fact = vocabulary.facts[f"{group.name}.{group.members()[0]}"]
    which = f"{group.label} {', '.join(every.only)}" if every.only else (
        f"every one of the {len(group.slots)} {group.label}")
    where = explain.recency(every.measured_within_days)
    if every.at is not None:
        where = f", at the {every.at.visit} visit" + (
            f" (± {every.at.within_days} days)" if every.at.within_days else "")
    return [f"{which}: each {explain.rule_phrase(fact, OPERATORS[every.op], every.value)}"
            f"{where}"]


def lint_every(every: Every, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    """An `every` that no scoring can meet, or that every scoring meets (as for a check)."""
    group = vocabulary.groups[every.in_]
    fact = vocabulary.facts[f"{group.name}.{group.members()[0]}"]
    settled = intervals.settled(every.op, every.value, fact)
    said = words(Check.model_construct(fact=fact.name, op=every.op, value=every.value), fact)
    if settled == "never":
        yield Finding((*at, "value"), f"never true: no score of {group.label} "
                      f"({fact.describe_range()}) {said} (the criterion can never be met: "
                      "check the operator and the value)", "error")
    elif settled == "always":
        yield Finding((*at, "value"), f"always true once {group.label} are scored: every "
                      f"score ({fact.describe_range()}) {said} (it asks only that each "
                      "item be scored: check the operator and the value)", "warning")
