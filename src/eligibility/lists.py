"""Evaluate a `has` rule over one of a profile's open lists, with its sentence."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import NamedTuple

from . import explain
from .context import Context
from .logic import Truth
from .matching import Query, absent_category, query, stated
from .patient import Entry
from .results import Evidence, Outcome
from .rules import Has
from .vocabulary import COLLECTIONS, Collection, normalise_name

__all__ = ["compile_has"]


def compile_has(has: Has) -> Callable[[Context], Outcome]:
    """`has` as a function of the context, with its query and fixed words worked out once."""
    return partial(_has, has, _has_plan(has))


def _has(has: Has, plan: _HasPlan, context: Context) -> Outcome:
    found = plan.query.search(context.profile)
    describe, listed_in = explain.describe_entry, has.in_
    present = [(truth, entry, describe(entry)) for truth, entry in found.present]
    absent = {id(entry): describe(entry) for entry in found.absent}
    evidence = tuple([Evidence(listed_in, "observed", text, entry.date)
                      for _, entry, text in present]
                     + [Evidence(listed_in, "absent", absent[id(entry)], entry.date)
                        for entry in found.absent])
    truth = found.truth
    if truth is Truth.TRUE:
        listed = ", ".join(text for t, _, text in present if t is Truth.TRUE)
        return Outcome(Truth.TRUE, f"{plan.recorded}{listed}", evidence)
    if truth is Truth.FALSE:
        closed = (_coverage_reason(plan, getattr(context.profile, listed_in).items, absent)
                  if found.covered else plan.complete)
        read = [text for _, _, text in present if text not in closed]
        also = f" ({', '.join(read)} does not match)" if read else ""
        return Outcome(Truth.FALSE, f"{plan.none}{closed}{also}", evidence)
    collection = plan.collection
    details = [f"{text} lacks {' and '.join(_unknown_attributes(has, entry))}"
               for t, entry, text in present if t is Truth.UNKNOWN]
    details += [f"{entry.name or entry.category!r} is not classified finely enough to tell "
                "(give it the category asked for, or category: other)"
                if entry.category or collection.categories_of(entry.name, ())
                else f"{entry.name!r} has no category, so it may be one (add its category, or "
                "category: other)" for entry in found.unclassified]
    sentence = plan.unrecorded + (f" ({'; '.join(details)})" if details else "")
    return Outcome(Truth.UNKNOWN, sentence, evidence, plan.collect)


def _unknown_attributes(has: Has, entry: Entry) -> list[str]:
    wanted = (["severity"] if has.severity else []) + (
        ["controlled"] if has.controlled is not None else [])
    return [name for name in wanted if getattr(entry, name, None) is None]


class _HasPlan(NamedTuple):
    """A `has` worked out once per rule: its prepared query, and the names asked for, the
    categories asked for (directly or through a name) and every category above them, which
    say in words what closed the list."""

    collection: Collection
    query: Query
    names: frozenset[str]
    wanted: frozenset[str]
    singular: frozenset[str]   # the categories asked for that any entry in them rules out
    recorded: str              # `Recorded current condition in category cancer: `
    none: str                  # `No current condition in category cancer: `
    complete: str              # `the conditions list is marked complete`
    unrecorded: str            # `Not recorded whether there is any current condition ...`
    collect: tuple[str, ...]   # what would settle it


def _has_plan(has: Has) -> _HasPlan:
    collection = COLLECTIONS[has.in_]
    names = frozenset(normalise_name(name) for name in has.name)
    asked = frozenset(has.category) | {c for name in names
                                       for c in collection.categories_of(name, ())}
    wanted = frozenset(ancestor for category in asked
                       for ancestor in collection.ancestors(category))
    prepared = query(has)
    described = prepared.description
    return _HasPlan(collection, prepared, names, wanted, asked & collection.singular,
                    f"Recorded {described}: ", f"No {described}: ",
                    f"the {collection.label} list is marked complete",
                    f"Not recorded whether there is any {described}",
                    (f"{collection.label}: whether there is any {described}",))


def _coverage_reason(plan: _HasPlan, entries: Sequence[Entry], described: Mapping[int, str]) -> (
        str):
    """The recorded negatives (and singular entries) that rule a `has` out, in words;
    `described` holds the words of entries already described, by identity."""
    collection, names, wanted, singular = plan.collection, plan.names, plan.wanted, plan.singular
    used = [entry for entry in entries if entry.status == "absent" and (
        (entry.name is not None and normalise_name(entry.name) in names)
        or absent_category(collection, entry) in wanted)]
    settled = [entry for entry in entries if singular and entry.status != "absent" and not
               singular.isdisjoint(collection.categories_of(entry.name, stated(entry)))]
    reasons = []
    if used:
        reasons.append("recorded absent: " + ", ".join(
            described.get(id(entry)) or explain.describe_entry(entry) for entry in used))
    if settled:
        reasons.append("recorded: " + ", ".join(map(explain.describe_entry, settled)))
    return "; ".join(reasons)
