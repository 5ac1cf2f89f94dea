"""`check`: compare one fact with a value, reading its latest observation or the one at a visit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .. import explain, intervals
from ..context import Context
from ..logic import Truth, truth_of
from ..observations import _UNREAD, Observation, at_visit, outside_window
from ..operators import OPERATORS
from ..results import Evidence, Need, Outcome
from ..source import shown
from ..vocabulary import Fact, Vocabulary
from .node import (
    FALSE,
    TRUE,
    UNKNOWN,
    Days,
    Env,
    Finding,
    Node,
    Path,
    VisitSelector,
    broken_facts,
    check_fact,
    check_op,
    check_value,
    vocabulary_of,
)

__all__ = ["Check", "CheckPlan", "compile_check", "describe_check", "lint_check"]


class Check(Node):
    """Compare one fact with a value: `check: {fact: fvc.percent_predicted, op: at_least,
    value: 80}`. With `measured_within_days`, an older observation is unknown (stale); with
    `at: {visit: screening}`, the observation at that visit is read instead of the latest."""

    key = "check"
    fact: str = Field(description="A fact name from the vocabulary.")
    op: str = Field(description="An operator name.")
    value: Any = Field(None, validate_default=True, description="The operator's argument.")
    measured_within_days: Days | None = Field(
        None, description="Observations older than this many days are unknown (stale).")
    at: VisitSelector | None = Field(
        None, description="Read the observation at this visit, not the latest.")

    @field_validator("fact")
    @classmethod
    def _fact(cls, name: str, info: ValidationInfo) -> str:
        return check_fact(name, vocabulary_of(info), broken_facts(info))

    @field_validator("op")
    @classmethod
    def _op(cls, name: str, info: ValidationInfo) -> str:
        return check_op(name, info.data.get("fact"), vocabulary_of(info))

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        return check_value(info.data.get("fact"), info.data.get("op"), value,
                           vocabulary_of(info))

    @model_validator(mode="after")
    def _one_selection(self) -> Check:
        if self.at is not None and self.measured_within_days is not None:
            raise ValueError("give measured_within_days (the latest, recent enough) or at (the "
                             "one at a visit), not both")
        return self


class CheckPlan:
    """A check worked out once: what it reads and tests, its wording, and its whole outcome
    when the profile does not state the fact."""

    __slots__ = ("check", "collect", "days", "fact", "missing", "name", "test",
                 "test_on_value", "value", "visit", "wording")

    def __init__(self, check: Check, vocabulary: Vocabulary) -> None:
        fact, op = vocabulary.facts[check.fact], OPERATORS[check.op]
        self.check, self.fact, self.test, self.value = check, fact, op.test, check.value
        self.test_on_value = op.on_value
        self.name = check.fact
        self.days, self.visit = check.measured_within_days, check.at
        text = explain.to_collect(fact, self.days)
        if self.visit is not None:
            text = f"{_unit_label(fact)} at the {self.visit.visit} visit"
        self.collect = Need(check.fact, text)
        self.missing = Outcome(Truth.UNKNOWN, explain.missing_sentence(fact),
                               (Evidence(check.fact, "missing"),), (self.collect,),
                               code="check.missing")
        self.wording = explain.CheckWording(fact, op, check.value, vocabulary.facts)

    def read(self, context: Context) -> Observation | None:
        if self.visit is None:
            return context.facts.get(self.check.fact)  # type: ignore[no-any-return]
        on = context.facts.visit(self.visit.visit)
        if on is None:
            return None
        return at_visit(context.facts.history(self.check.fact), self.visit.visit, on,
                        self.visit.within_days)

    def truth(self, context: Context) -> int:
        # `read`, inlined for the latest: this runs for every check of every patient.
        if self.visit is None:
            facts = context.facts
            observation = facts._latest.get(self.name, _UNREAD)
            if observation is _UNREAD:
                observation = facts.get(self.name)
        else:
            observation = self.read(context)
        if observation is None:
            return UNKNOWN
        days, as_of = self.days, context.as_of
        if days is not None and outside_window(observation.date, days, as_of):
            return UNKNOWN
        test, value = self.test, self.value
        if observation.alternatives:
            answers = {test(observation._replace(value=alternative), value, as_of)
                       for alternative in observation.alternatives}
            return UNKNOWN if len(answers) > 1 else (TRUE if answers.pop() else FALSE)
        return TRUE if test(observation, value, as_of) else FALSE

    def outcome(self, context: Context) -> Outcome:
        observation = self.read(context)
        if observation is None:
            return self._not_read(context)
        as_of, days, date, fact = context.as_of, self.days, observation.date, self.fact
        if days is not None and outside_window(date, days, as_of):
            state, sentence = _too_old(fact, observation, days, as_of)
            return Outcome(Truth.UNKNOWN, sentence, (_evidence(fact, observation, state),),
                           (self.collect,), code=f"check.{state}")
        evidence = _evidence(fact, observation)
        test, value = self.test, self.value
        if observation.alternatives:
            answers = {test(_as(observation, alt), value, as_of)
                       for alt in observation.alternatives}
            if len(answers) > 1:
                return Outcome(Truth.UNKNOWN, explain.uncertain_sentence(fact, observation, as_of),
                               (evidence,), (Need("birth_date", f"{fact.label}: birth date"),),
                               code="check.uncertain")
            observation = _as(observation, observation.alternatives[0], as_of)
        holds = test(observation, value, as_of)
        return Outcome(truth_of(holds), self.wording.sentence(observation, holds, as_of),
                       (evidence,), code="check.true" if holds else "check.false")

    def _not_read(self, context: Context) -> Outcome:
        if self.visit is None:
            return self._inputs_missing(context) or self.missing
        name = self.visit.visit
        on = context.facts.visit(name)
        if on is None:
            return Outcome(Truth.UNKNOWN, f"{self.fact.label} at the {name} visit: the {name} "
                           "visit is not recorded yet", (Evidence(self.check.fact, "missing"),),
                           (self.collect,), code="check.visit_pending")
        window = f" ± {self.visit.within_days} days" if self.visit.within_days else ""
        return Outcome(Truth.UNKNOWN, f"{self.fact.label} is not recorded at the {name} visit "
                       f"({on.isoformat()}{window})", (Evidence(self.check.fact, "missing"),),
                       (self.collect,), code="check.missing")


    def _inputs_missing(self, context: Context) -> Outcome | None:
        """For a fact worked out from others (ΔFS, an age), what to collect is what it is
        worked out from: the symptom onset date, not ΔFS; the birth date, not an age."""
        fact = self.fact
        if fact.builtin is not None:
            return Outcome(Truth.UNKNOWN, explain.missing_sentence(fact),
                           (Evidence(fact.name, "missing"),),
                           (Need("birth_date", "Birth date (or age, with the screening "
                                               "date)"),), code="check.missing")
        if fact.derive is None or fact.stated:  # one a profile may state is asked for itself
            return None
        known = context.facts.vocabulary.facts
        lacking = [known[name] for name in dict.fromkeys(fact.derive.facts)
                   if name in known and context.facts.get(name) is None]
        if not lacking:
            return None
        words = explain.join_words([other.label for other in lacking])
        verb = "is" if len(lacking) == 1 else "are"
        return Outcome(
            Truth.UNKNOWN, f"{fact.label} cannot be worked out: {words} {verb} not recorded",
            (Evidence(fact.name, "missing"),),
            tuple(Need(other.name, explain.to_collect(
                other, self.days if other.kind != "date" else None)) for other in lacking),
            code="check.missing")


def _unit_label(fact: Fact) -> str:
    return f"{fact.label} ({fact.unit})" if fact.unit and fact.numeric else fact.label


def _as(observation: Observation, value: Any, on: dt.date | None = None) -> Observation:
    return observation._replace(value=value, date=on or observation.date, alternatives=())


def _too_old(fact: Fact, observation: Observation, days: int, as_of: dt.date) -> tuple[str, str]:
    """Why an observation is too old (or undated) for the rule's window: state, sentence."""
    if observation.date is None:
        return "undated", explain.undated_sentence(fact, observation, days)
    return "stale", explain.stale_sentence(fact, observation, days, as_of)


def _evidence(fact: Fact, observation: Observation, state: str = "observed") -> Evidence:
    return Evidence(observation.fact, state, observation.value, observation.date, fact.unit)


def compile_check(check: Check, env: Env) -> CheckPlan:
    return CheckPlan(check, env.vocabulary)


def describe_check(check: Check, vocabulary: Vocabulary) -> list[str]:
    fact, op = vocabulary.facts[check.fact], OPERATORS[check.op]
    recency = explain.recency(check.measured_within_days)
    if check.at is not None:
        recency = f", at the {check.at.visit} visit" + (
            f" (± {check.at.within_days} days)" if check.at.within_days else "")
    if fact.kind == "boolean":
        answer = "yes" if check.op == "is_true" else "no"
        if check.op == "recorded":
            return [f"{fact.label}: recorded{recency}"]
        return [f"{fact.label}: recorded {answer}{recency}"]
    return [f"{fact.label} {explain.rule_phrase(fact, op, check.value)}{recency}"]


def lint_check(check: Check, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    """A recency window on a fact that has no date; a check never true, or always true."""
    fact = vocabulary.facts[check.fact]
    if check.measured_within_days and not fact.dated:
        yield Finding((*at, "measured_within_days"), f"{fact.name!r} has no date of its own, so "
                      "a recency window keeps it unknown for every patient (remove "
                      "measured_within_days)", "error")
    settled = intervals.settled(check.op, check.value, fact)
    if settled == "never":
        yield Finding((*at, "value"), f"never true: no allowed value of {fact.name!r} "
                      f"({fact.describe_range()}) {words(check, fact)} (the criterion can "
                      "never be met: check the operator and the value)", "error")
    elif settled == "always":
        yield Finding((*at, "value"), f"always true once {fact.name!r} is known: every allowed "
                      f"value ({fact.describe_range()}) {words(check, fact)} (it decides "
                      "nothing: check the operator and the value)", "warning")


def words(check: Check, fact: Fact, *, both: bool = False) -> str:
    """A check in words: `is at least 80`; with `both`, just the value where that reads
    better (`'female'`, `yes`)."""
    value = check.value
    if fact.kind == "boolean" and check.op != "recorded":
        answer = "yes" if check.op == "is_true" or value is True else "no"
        return answer if both else f"is {answer}"
    if both and check.op == "equals":
        return shown(value)
    text = check.op.replace("_", " ")
    return f"{'is ' if not both else ''}{text}" + ("" if value is None else f" {shown(value)}")
