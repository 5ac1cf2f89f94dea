"""Search a profile's open lists (conditions, medications, ...) for what a `has` rule asks.

A `has` is prepared once (`query`): the names and categories that match it, and what would
close the list for it, are worked out from the vocabulary when the rule is first used, so
searching a profile is set lookups entry by entry. `search` returns what was found, for the
explained screening; `Query.truth` only the truth, for the verdict-only one. Both follow the
open world: silence is unknown; a list is closed by recorded negatives that cover everything
asked, or by being marked complete with every entry classified.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

from .logic import Truth, all_of, truth_of
from .memo import once_per_object
from .patient import Entry, PatientProfile
from .rules import Has
from .vocabulary import COLLECTIONS, Collection, normalise_name

__all__ = ["Query", "Search", "absent_category", "query", "search", "stated"]


class Search(NamedTuple):
    """What a `has` found in one list: entries that may match (with their truth), entries
    recorded absent, entries it cannot classify, and how the list is closed."""

    present: tuple[tuple[Truth, Entry], ...]
    absent: tuple[Entry, ...]
    unclassified: tuple[Entry, ...]
    covered: bool
    complete: bool

    @property
    def truth(self) -> Truth:
        """True if an entry matches; false if the list is closed (by recorded negatives, or
        complete with every entry classified) and no entry is undecided; else unknown."""
        truths = [truth for truth, _ in self.present]
        if Truth.TRUE in truths:
            return Truth.TRUE
        closed = self.covered or (self.complete and not self.unclassified)
        return Truth.FALSE if closed and Truth.UNKNOWN not in truths else Truth.UNKNOWN


class _Cover(NamedTuple):
    """What closes one name or category asked for: an absent entry under the name, an absent
    entry for one of `categories` (it or a broader one), or any present entry in one of the
    `singular` categories."""

    name: str | None
    categories: frozenset[str]
    singular: frozenset[str]


class Query:
    """A `has` rule prepared against the vocabulary."""

    def __init__(self, has: Has) -> None:
        collection = COLLECTIONS[has.in_]
        self.has = has
        self.collection = collection
        self.description = _describe_query(has)
        asked_names = frozenset(normalise_name(name) for name in has.name)
        asked = frozenset(has.category)
        self.anything = not asked_names and not asked
        self.asks_categories = bool(asked)
        self.status = has.status
        self.attributes = bool(has.severity) or has.controlled is not None
        # An entry matches by a name asked, a name known to fall in a category asked, or a
        # stated category that is one asked or below one.
        self.names = asked_names | {
            name for name, known in collection.known_names.items()
            if any(not asked.isdisjoint(collection.ancestors(category)) for category in known)}
        self.categories = asked | {category for category in collection.categories
                                   if not asked.isdisjoint(collection.ancestors(category))}
        # An entry filed only under a partitioned category above one asked for (an infection,
        # when viral infections are asked for) may be the one asked for.
        self.broader = frozenset(ancestor for category in asked
                                 for ancestor in collection.ancestors(category)[1:]
                                 ) & collection.partitioned
        covers = [_Cover(name, known, known & collection.singular) for name in asked_names
                  for known in [collection.categories_of(name, ())]]
        covers += [_Cover(None, frozenset(collection.ancestors(category)),
                          frozenset({category}) & collection.singular) for category in asked]
        self.covers = tuple(covers)

    def search(self, profile: PatientProfile) -> Search:
        """Everything the explained screening reports about this list."""
        history = getattr(profile, self.has.in_)
        present: list[tuple[Truth, Entry]] = []
        absent: list[Entry] = []
        unclassified: list[Entry] = []
        found = False
        for entry in history.items:
            status = entry.status
            name = normalise_name(entry.name) if entry.name is not None else None
            fits = status != "absent" and (self.status == "ever" or self.status == status)
            if self.anything or name in self.names or entry.category in self.categories:
                if status == "absent":
                    absent.append(entry)
                elif fits:
                    truth = self._attributes(entry)
                    found = found or truth is Truth.TRUE
                    present.append((truth, entry))
            elif fits and self.asks_categories and self._unclassified(entry, name):
                unclassified.append(entry)
        covered = not found and self.covered(history.items)
        return Search(tuple(present), tuple(absent), () if covered else tuple(unclassified),
                      covered, history.complete)

    def truth(self, profile: PatientProfile) -> int:
        """The truth as an integer (`Truth.value`), stopping at the first match."""
        history = getattr(profile, self.has.in_)
        undecided = unclassified = False
        for entry in history.items:
            status = entry.status
            if status == "absent" or not (self.status == "ever" or self.status == status):
                continue
            name = normalise_name(entry.name) if entry.name is not None else None
            if self.anything or name in self.names or entry.category in self.categories:
                truth = self._attributes(entry)
                if truth is Truth.TRUE:
                    return 2
                undecided = undecided or truth is Truth.UNKNOWN
            elif self.asks_categories and not unclassified:
                unclassified = self._unclassified(entry, name)
        closed = self.covered(history.items) or (history.complete and not unclassified)
        return 0 if closed and not undecided else 1

    def covered(self, entries: Sequence[Entry]) -> bool:
        """Whether what is recorded rules out anything unlisted (a list marked complete is the
        other way to close it): every name and category asked for is covered."""
        if self.anything:
            return False
        absent_names, absent_categories, recorded = _recorded(self.collection, entries)
        for cover in self.covers:
            if not ((cover.name is not None and cover.name in absent_names)
                    or not cover.categories.isdisjoint(absent_categories)
                    or not cover.singular.isdisjoint(recorded)):
                return False
        return True

    def _attributes(self, entry: Entry) -> Truth:
        if not self.attributes:
            return Truth.TRUE
        return all_of(attribute_truths(self.has, entry))

    def _unclassified(self, entry: Entry, name: str | None) -> bool:
        """Whether an entry that does not match may still be one: it has no category at all,
        or only a partitioned one above a category asked for (a pneumonia filed only as
        'infection' may be the 'viral_infection' asked about; a 'psychiatric_disorder' is not
        read as a possible substance use disorder: organ-system categories are not partitioned
        by their sub-categories)."""
        direct = set(self.collection.known_names.get(name, ())) if name is not None else set()
        if entry.category:
            direct.add(entry.category)
        return not direct or not self.broader.isdisjoint(direct)


class _Recorded(NamedTuple):
    names_absent: frozenset[str]
    categories_absent: frozenset[str]
    categories_present: frozenset[str]


# The last list read for each collection, and what it records: a profile's criteria read the
# same lists one after the other, so this is worked out once per list, not once per rule.
_LAST: dict[str, tuple[Sequence[Entry], _Recorded]] = {}


def _recorded(collection: Collection, entries: Sequence[Entry]) -> _Recorded:
    """The names and whole categories recorded absent in a list, and the categories of the
    entries present (with their ancestors)."""
    last = _LAST.get(collection.name)
    if last is not None and last[0] is entries:
        return last[1]
    names: set[str] = set()
    absent: set[str] = set()
    present: set[str] = set()
    for entry in entries:
        if entry.status == "absent":
            if entry.name is not None:
                names.add(normalise_name(entry.name))
            category = absent_category(collection, entry)
            if category is not None:
                absent.add(category)
        else:
            present |= collection.categories_of(entry.name, stated(entry))
    recorded = _Recorded(frozenset(names), frozenset(absent), frozenset(present))
    _LAST[collection.name] = (entries, recorded)
    return recorded


def _describe_query(has: Has) -> str:
    from .explain import describe_query  # explain reads rules; imported late to avoid a cycle

    return describe_query(has)


@once_per_object
def query(has: Has) -> Query:
    """The prepared form of `has`, made once per rule."""
    return Query(has)


def search(has: Has, profile: PatientProfile) -> Search:
    """Look for `has` in the profile's list, under the open world."""
    return query(has).search(profile)


def attribute_truths(has: Has, entry: Entry) -> list[Truth]:
    """The truth of each attribute the rule asks about (severity, controlled) for one entry."""
    truths = []
    if has.severity:
        severity = getattr(entry, "severity", None)
        truths.append(Truth.UNKNOWN if severity is None else truth_of(severity in has.severity))
    if has.controlled is not None:
        controlled = getattr(entry, "controlled", None)
        truths.append(Truth.UNKNOWN if controlled is None else
                      truth_of(controlled == has.controlled))
    return truths


def absent_category(collection: Collection, entry: Entry) -> str | None:
    """The whole category an entry recorded absent rules out: its category when it has no
    name, or the category its name spells ('hypertension' recorded absent is no hypertension
    of any kind, where 'essential hypertension' absent leaves other kinds open)."""
    if entry.name is None:
        return entry.category
    return _category_named(collection.name, normalise_name(entry.name))


@functools.lru_cache(maxsize=1024)
def _category_named(collection: str, name: str) -> str | None:
    return next((category for category in COLLECTIONS[collection].categories
                 if normalise_name(category) == name), None)


def stated(entry: Entry) -> tuple[str, ...]:
    """The category an entry is filed under, if any."""
    category = entry.category
    return (category,) if category else ()
