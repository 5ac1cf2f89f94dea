"""Evaluate an `every` rule over the slots of a group (ALSFRS-R items), with its sentence."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, NamedTuple

from . import explain
from .context import Context
from .logic import Truth, all_of, truth_of
from .observations import Observation, outside_window
from .operators import OPERATORS, Predicate
from .results import Evidence, Outcome
from .rules import Every
from .vocabulary import FACTS, GROUPS, Group

__all__ = ["compile_every"]


def compile_every(every: Every) -> Callable[[Context], Outcome]:
    """`every` as a function of the context, with its slots and fixed words worked out once."""
    return partial(_every, every, _every_plan(every))


class _Slot(NamedTuple):
    """One slot of a group: its truth, what was read, and `item value` when it was scored."""

    truth: Truth
    evidence: Evidence
    text: str = ""


class _EveryPlan(NamedTuple):
    """An `every` worked out once per rule: its slots (each member with its fact name, and
    the outcome of the slot when none is scored) and the fixed words of its sentences."""

    group: Group
    test: Predicate
    slots: tuple[tuple[str, ...], ...]
    members: tuple[tuple[tuple[str, str, str], ...], ...]   # member, fact name, unit
    unscored: tuple[_Slot, ...]
    all_true: str       # `All 12 ALSFRS-R items`, before the dates
    holds: str          # ` are at least 2`, after them
    fails: str          # `ALSFRS-R items below 2`, before the dates and the failing items


def _every_plan(every: Every) -> _EveryPlan:
    group, op = GROUPS[every.in_], OPERATORS[every.op]
    slots = tuple(tuple(slot) for slot in group.slots
                  if not every.only or set(slot) & set(every.only))
    members = tuple(tuple((member, name, FACTS[name].unit) for member in slot
                          for name in [f"{group.name}.{member}"]) for slot in slots)
    unscored = tuple(_Slot(Truth.UNKNOWN, Evidence(f"{group.name}.{slot[0]}", "missing"))
                     for slot in slots)
    label = f"{group.label}" + (f" {', '.join(every.only)}" if every.only else "")
    fact = FACTS[f"{group.name}.{group.members()[0]}"]
    threshold = explain.threshold(fact, op, every.value)
    count = f"All {len(slots)} " if not every.only else ""
    phrase = re.sub(r"^is\b", "are", op.phrase)
    return _EveryPlan(group, op.test, slots, members, unscored, f"{count}{label}",
                      f" {phrase} {threshold}",
                      f"{label} {op.negation.removeprefix('is ')} {threshold}")


def _every(every: Every, plan: _EveryPlan, context: Context) -> Outcome:
    test, value, days, as_of = plan.test, every.value, every.measured_within_days, context.as_of
    get = context.facts.get
    parts = [_slot(members, get, test, value, days, as_of) or unscored
             for members, unscored in zip(plan.members, plan.unscored, strict=True)]
    truth = all_of([part.truth for part in parts])
    evidence = tuple([part.evidence for part in parts])
    dates = sorted({e.date for e in evidence if e.date and e.state == "observed"})
    when = f" on {', '.join(map(dt.date.isoformat, dates))}" if dates else ""
    if truth is Truth.TRUE:
        return Outcome(truth, f"{plan.all_true}{when}{plan.holds}", evidence)
    if truth is Truth.FALSE:
        failing = ", ".join([part.text for part in parts if part.truth is Truth.FALSE])
        return Outcome(truth, f"{plan.fails}{when}: {failing}", evidence)
    unknown = [(slot, part) for slot, part in zip(plan.slots, parts, strict=True)
               if part.truth is Truth.UNKNOWN]
    return _every_unknown(every, plan.group, unknown, evidence, as_of)


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


def _slot(members: Sequence[tuple[str, str, str]], get: Callable[[str], Observation | None],
          test: Predicate, value: Any, days: int | None, as_of: dt.date) -> _Slot | None:
    """One slot of a group: the member that was scored, or None if none was."""
    for member, name, unit in members:
        observation = get(name)
        if observation is None:
            continue
        date = observation.date
        if outside_window(date, days, as_of):
            state = "undated" if date is None else "stale"
            return _Slot(Truth.UNKNOWN, Evidence(name, state, observation.value, date, unit))
        return _Slot(truth_of(test(observation, value, as_of)),
                     Evidence(name, "observed", observation.value, date, unit),
                     f"{member} {observation.value}")
    return None
