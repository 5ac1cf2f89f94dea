"""`change`: how much a measure moved between two assessments, compared with a value.

    change:
      fact: alsfrs_r.total
      from: {visit: screening}
      to: {visit: randomization}        # default: the latest assessment
      op: between
      value: [-4, -1]                   # later minus earlier: a decline of 1 to 4 points

`from` may instead be `{before: 12 weeks, within_days: 14}`: the assessment nearest to twelve
weeks before the `to` one. With `per: month` the change is a rate, per month of 30.4375 days.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .. import explain
from ..context import Context
from ..durations import DurationField
from ..expressions import MEAN_MONTH_DAYS, settled
from ..logic import Truth, truth_of
from ..observations import Observation, at_visit, outside_window
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
    broken_facts,
    check_fact,
    vocabulary_of,
)

__all__ = ["Change", "ChangePlan", "Point"]

VisitName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$", max_length=40)]


class Point(BaseModel):
    """One end of a change: the assessment at a visit, or the one about a span before the
    other end (`within_days` either side)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    visit: VisitName | None = None
    before: DurationField | None = None
    within_days: Annotated[int, Field(ge=0, le=365, strict=True)] = 0

    @model_validator(mode="after")
    def _one_way(self) -> Point:
        if (self.visit is None) == (self.before is None):
            raise ValueError("give visit (the assessment at a visit) or before (a span before "
                             "the other assessment), one of them")
        return self


class Change(Node):
    """The change of a measure between two assessments compared with a value."""

    key = "change"
    fact: str = Field(description="A numeric fact with a history, such as alsfrs_r.total.")
    from_: Point = Field(alias="from", description="The earlier assessment.")
    to: Point | None = Field(None, description="The later assessment; default the latest.")
    per: Literal["month"] | None = Field(None, description="month: the change per month.")
    op: Literal["at_least", "at_most", "above", "below", "between"]
    value: Any = Field(None, validate_default=True)
    measured_within_days: Days | None = Field(
        None, description="The later assessment must be this recent (when it is the latest).")

    @field_validator("fact")
    @classmethod
    def _fact(cls, name: str, info: ValidationInfo) -> str:
        vocabulary = vocabulary_of(info)
        check_fact(name, vocabulary, broken_facts(info))
        fact = vocabulary.facts[name]
        if not fact.numeric or not fact.dated:
            undated = "" if fact.dated else " without a date"
            raise ValueError(f"{name!r} is a {fact.kind} fact{undated}: a change needs a dated "
                             "number")
        return name

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("op")
        if op is None:
            return value
        numbers = list(value) if isinstance(value, (list, tuple)) else [value]
        ok = all(isinstance(item, (int, float)) and not isinstance(item, bool)
                 for item in numbers) and len(numbers) == (2 if op == "between" else 1)
        if not ok:
            want = "two numbers [low, high]" if op == "between" else "a number"
            raise ValueError(f"expected {want}, got {shown(value)}")
        if op == "between":
            if numbers[0] > numbers[1]:
                raise ValueError(f"the range [{numbers[0]:g}, {numbers[1]:g}] is empty: low "
                                 "is above high")
            return tuple(numbers)
        return value

    @model_validator(mode="after")
    def _ends(self) -> Change:
        if self.to is not None and self.to.before is not None:
            raise ValueError("to: give the later assessment by its visit (or leave it out for "
                             "the latest); before is for from")
        if self.to is not None and self.measured_within_days is not None:
            raise ValueError("measured_within_days applies to the latest assessment: leave it "
                             "out when to names a visit")
        return self


class ChangePlan:
    __slots__ = ("change", "fact", "phrase", "test", "threshold")

    def __init__(self, change: Change, vocabulary: Vocabulary) -> None:
        self.change, self.fact = change, vocabulary.facts[change.fact]
        op = OPERATORS[change.op]
        self.test = op.test
        unit = self.fact.unit + ("/month" if change.per else "")
        self.threshold = _threshold(change.value, unit)
        self.phrase = (op.phrase, op.negation)

    def _to(self, context: Context) -> tuple[Observation | None, Outcome | None]:
        change, fact = self.change, self.fact
        history = context.facts.history(change.fact)
        if change.to is None:
            latest = history[-1] if history else None
            if latest is None:
                return None, _unknown(f"{fact.label} is not recorded", fact, Need(
                    change.fact, explain.to_collect(fact, change.measured_within_days)),
                    "change.missing")
            if outside_window(latest.date, change.measured_within_days, context.as_of):
                return None, _unknown(
                    f"the latest {fact.label}, on {latest.date}, is older than the "
                    f"{change.measured_within_days} days allowed", fact,
                    Need(change.fact, explain.to_collect(fact, change.measured_within_days)),
                    "change.stale")
            return latest, None
        return self._at(context, change.to, None)

    def _at(self, context: Context, point: Point, later: Observation | None) -> tuple[
            Observation | None, Outcome | None]:
        fact, name = self.fact, self.change.fact
        history = context.facts.history(name)
        if point.visit is not None:
            on = context.facts.visit(point.visit)
            need = Need(name, f"{fact.label} at the {point.visit} visit")
            if on is None:
                return None, _unknown(f"{fact.label} at the {point.visit} visit: the "
                                      f"{point.visit} visit is not recorded yet", fact, need,
                                      "change.visit_pending")
            found = at_visit(history, point.visit, on, point.within_days)
            if found is None:
                return None, _unknown(f"{fact.label} is not recorded at the {point.visit} "
                                      f"visit ({on.isoformat()})", fact, need, "change.missing")
            return found, None
        assert point.before is not None and later is not None and later.date is not None
        target = point.before.before(later.date)
        earlier = [observation for observation in history
                   if observation.date is not None and observation.date < later.date]
        near = at_visit(tuple(earlier), "", target, point.within_days)
        if near is None:
            window = f" ± {point.within_days} days" if point.within_days else ""
            return None, _unknown(f"no {fact.label} from {point.before} before the one of "
                                  f"{later.date.isoformat()} ({target.isoformat()}{window})",
                                  fact, Need(name, f"{fact.label} from about {point.before} "
                                             f"before {later.date.isoformat()}"),
                                  "change.missing")
        return near, None

    def _ends(self, context: Context) -> tuple[Observation, Observation] | Outcome:
        later, unknown = self._to(context)
        if later is None:
            assert unknown is not None
            return unknown
        earlier, unknown = self._at(context, self.change.from_, later)
        if earlier is None:
            assert unknown is not None
            return unknown
        if earlier.date is None or later.date is None or earlier.date >= later.date:
            when = earlier.date.isoformat() if earlier.date else "undated"
            return _unknown(f"the two {self.fact.label} assessments are not one after the other "
                            f"({when} and {later.date})", self.fact,
                            Need(self.change.fact, f"{self.fact.label}, a later assessment"),
                            "change.same_day")
        return earlier, later

    def _amount(self, earlier: Observation, later: Observation) -> float:
        """Later minus earlier (per month with `per`), rounded to 9 decimal places: the
        difference of two numbers written in decimal is exact there, where the binary one is
        not (70.1 - 70.3 is -0.20000000000000284, below -0.2)."""
        amount = later.value - earlier.value
        if self.change.per:
            months = (later.date - earlier.date).days / MEAN_MONTH_DAYS  # type: ignore[operator]
            amount = amount / months
        return settled(float(amount))

    def truth(self, context: Context) -> int:
        ends = self._ends(context)
        if isinstance(ends, Outcome):
            return UNKNOWN
        amount = self._amount(*ends)
        holds = self.test(Observation("", amount, None), self.change.value, context.as_of)
        return TRUE if holds else FALSE

    def outcome(self, context: Context) -> Outcome:
        ends = self._ends(context)
        if isinstance(ends, Outcome):
            return ends
        earlier, later = ends
        amount = self._amount(earlier, later)
        holds = self.test(Observation("", amount, None), self.change.value, context.as_of)
        fact = self.fact
        rate = " per month" if self.change.per else ""
        unit = explain.unit_for(fact.unit, round(amount, 2))  # as shown: -1.003 reads -1 point
        sentence = (f"{fact.label} went from {_point(fact, earlier)} to {_point(fact, later)}: "
                    f"a change of {_signed(amount)} {unit}{rate}, "
                    f"which {self.phrase[0 if holds else 1]} {self.threshold}")
        evidence = tuple(Evidence(fact.name, "observed", observation.value, observation.date,
                                  fact.unit) for observation in (earlier, later))
        return Outcome(truth_of(holds), sentence, evidence,
                       code="change.true" if holds else "change.false")


def _signed(amount: float) -> str:
    text = f"{amount:.2f}".rstrip("0").rstrip(".") if amount != int(amount) else f"{amount:g}"
    return f"+{text}" if amount > 0 else text


def _point(fact: Fact, observation: Observation) -> str:
    visit = f" ({observation.visit})" if observation.visit else ""
    value = explain.format_value(fact, observation.value, unit=False)
    return f"{value} on {observation.date.isoformat() if observation.date else '?'}{visit}"


def _threshold(value: Any, unit: str) -> str:
    if isinstance(value, tuple):
        return f"{value[0]:g} to {value[1]:g} {unit}".rstrip()
    return f"{value:g} {explain.unit_for(unit, value)}".rstrip()


def _unknown(sentence: str, fact: Fact, need: Need, code: str) -> Outcome:
    return Outcome(Truth.UNKNOWN, sentence, (Evidence(fact.name, "missing"),), (need,),
                   code=code)


def compile_change(change: Change, env: Env) -> ChangePlan:
    return ChangePlan(change, env.vocabulary)


def _end(point: Point | None) -> str:
    if point is None:
        return "the latest assessment"
    if point.visit is not None:
        near = f" (± {point.within_days} days)" if point.within_days else ""
        return f"the {point.visit} visit{near}"
    near = f" (± {point.within_days} days)" if point.within_days else ""
    return f"{point.before} before it{near}"


def describe_change(change: Change, vocabulary: Vocabulary) -> list[str]:
    fact = vocabulary.facts[change.fact]
    op = OPERATORS[change.op]
    unit = fact.unit + ("/month" if change.per else "")
    rate = " per month" if change.per else ""
    return [f"change in {fact.label}{rate} from {_end(change.from_)} to {_end(change.to)} "
            f"{op.phrase.removeprefix('is ')} {_threshold(change.value, unit)}"
            f"{explain.recency(change.measured_within_days)}"]


def lint_change(change: Change, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    if change.to is not None and change.to.visit == change.from_.visit:
        yield Finding((*at, "to"), "from and to name the same visit: the change is always 0 "
                      "(name two visits)", "error")
    fact = vocabulary.facts[change.fact]
    if fact.minimum is not None and fact.maximum is not None and not change.per:
        span = fact.maximum - fact.minimum
        values = change.value if isinstance(change.value, tuple) else (change.value,)
        if (change.op in ("at_least", "above") and values[0] > span) or (
                change.op in ("at_most", "below") and values[0] < -span):
            yield Finding((*at, "value"), f"never true: {fact.name!r} can change by at most "
                          f"{span:g} {fact.unit} either way", "error")

