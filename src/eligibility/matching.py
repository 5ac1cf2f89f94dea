"""Search a profile's open lists (conditions, medications, ...) for what a `has` rule asks.

A `has` is prepared once (`Query`): the names, concepts and categories that match it, what
would close the list for it, and its filters (status, attributes, date windows, dose) are
worked out from the vocabulary when the rule is first used, so searching a profile is set
lookups and a few comparisons entry by entry. The open world holds throughout: silence is
unknown; a list is closed by recorded negatives that cover everything asked, or by being marked
complete with every entry classified; a negative contradicted by a present entry it covers
(not recorded after it) leaves the question unknown.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, NamedTuple

from .durations import Duration
from .logic import Truth, all_of, truth_of
from .patient import Entry, PatientProfile
from .vocabulary import Collection, Vocabulary, normalise_name

__all__ = [
    "Filter",
    "Query",
    "Search",
    "absent_category",
    "contradictions",
    "covers",
    "direct_categories",
    "entry_key",
    "name_key",
    "overtaken",
    "regimen",
    "stated",
]


class Filter(NamedTuple):
    """One condition on a matching entry beyond what it is: its name in words, and its test
    (an entry and the reference date -> truth, and what the entry lacks when unknown)."""

    name: str
    test: Callable[[Entry, dt.date], tuple[Truth, str]]


class Search(NamedTuple):
    """What a `has` found in one list: entries that may match (with their truth and what
    leaves them undecided), entries recorded absent, entries it cannot classify, how the list
    is closed, and present entries contradicted by a negative (each with that negative)."""

    present: tuple[tuple[Truth, Entry, tuple[str, ...]], ...]
    absent: tuple[Entry, ...]
    unclassified: tuple[Entry, ...]
    covered: bool
    complete: bool
    conflicts: tuple[tuple[Entry, Entry], ...] = ()

    @property
    def truth(self) -> Truth:
        """True if an entry matches (and no negative contradicts it); false if the list is
        closed and no entry is undecided; else unknown."""
        truths = [truth for truth, _, _ in self.present]
        if Truth.TRUE in truths:
            return Truth.TRUE
        if self.conflicts:
            return Truth.UNKNOWN
        closed = self.covered or (self.complete and not self.unclassified)
        return Truth.FALSE if closed and Truth.UNKNOWN not in truths else Truth.UNKNOWN


class _Cover(NamedTuple):
    """What closes one name or category asked for: an absent entry under the name (or its
    concept), an absent entry for one of `categories` (it or a broader one), or any present
    entry in one of the `singular` categories, or, in a list of singular names, any present
    entry under the name."""

    name: str | None
    categories: frozenset[str]
    singular: frozenset[str]


def entry_key(collection: Collection, entry: Entry) -> str | None:
    """What an entry is, by name: its concept (so Rilutek is riluzole), else its own name;
    without a name, the concept of a code the vocabulary knows (`Collection.thing_named`)."""
    return collection.thing_named(entry.name, entry.codes)


def stated(entry: Entry) -> tuple[str, ...]:
    """The category an entry is filed under, if any."""
    category = entry.category
    return (category,) if category else ()


def _categories(collection: Collection, entry: Entry) -> frozenset[str]:
    return collection.categories_of(entry.name, stated(entry), tuple(entry.codes.items()))


class Query:
    """A `has` rule prepared against the vocabulary."""

    def __init__(self, collection: Collection, *, names: Iterable[str] = (),
                 categories: Iterable[str] = (), status: str = "ever",
                 filters: Sequence[Filter] = (), description: str = "") -> None:
        self.collection, self.status, self.description = collection, status, description
        self.list_name = collection.name
        self.filters = tuple(filters)
        asked_names = frozenset(name_key(collection, name) for name in names)
        asked = frozenset(categories)
        self.anything = not asked_names and not asked
        self.asks_categories = bool(asked)
        # An entry matches by a name (or concept) asked, a concept known to fall in a category
        # asked, or a stated or coded category that is one asked or below one.
        self.names = asked_names | {
            concept.key for concept in collection.concepts.values()
            if any(not asked.isdisjoint(collection.ancestors(category))
                   for category in concept.categories)}
        self.categories = asked | {category for category in collection.categories
                                   if not asked.isdisjoint(collection.ancestors(category))}
        # An entry filed only under a partitioned category above one asked for (an infection,
        # when viral infections are asked for) may be the one asked for.
        self.broader = frozenset(ancestor for category in asked
                                 for ancestor in collection.ancestors(category)[1:]
                                 ) & collection.partitioned
        self.singular_names = collection.singular_names
        covers = [_Cover(name, known, known & collection.singular) for name in sorted(asked_names)
                  for known in [_name_categories(collection, name)]]
        covers += [_Cover(None, frozenset(collection.ancestors(category)),
                          frozenset({category}) & collection.singular)
                   for category in sorted(asked)]  # in one order: the SQL written is the same
        self.covers = tuple(covers)

    def matches(self, entry: Entry, key: str | None) -> bool:
        """Whether the entry is (or names) something asked for, whatever its status."""
        if self.anything or key in self.names:
            return True
        if entry.category in self.categories:
            return True
        return bool(entry.codes) and not self.categories.isdisjoint(
            _categories(self.collection, entry))

    def entry_truth(self, entry: Entry, reference: dt.date, as_of: dt.date,
                    why: bool = True) -> tuple[Truth, tuple[str, ...]]:
        """How far a present matching entry fits the rule: its status and every filter; with
        `why`, what it lacks when undecided, or why it fails when it does."""
        truths = [_status_fit(self.status, entry, as_of)]
        reasons: list[tuple[Truth, str]] = [(truths[0], "status")]
        for name, test in self.filters:
            truth, reason = test(entry, reference)
            truths.append(truth)
            reasons.append((truth, reason or name))
        truth = all_of(truths)
        if not why or truth is Truth.TRUE:
            return truth, ()
        return truth, tuple(reason for found, reason in reasons if found is truth)

    def search(self, profile: PatientProfile, reference: dt.date, as_of: dt.date) -> Search:
        """Everything the explained screening reports about this list."""
        history = getattr(profile, self.collection.name)
        present: list[tuple[Truth, Entry, tuple[str, ...]]] = []
        absent: list[Entry] = []
        unclassified: list[Entry] = []
        found = False
        for entry, key in _keyed(self.collection, history.items):
            if self.matches(entry, key):
                if entry.status == "absent":
                    absent.append(entry)
                    continue
                if _status_fit(self.status, entry, as_of) is Truth.FALSE:
                    continue
                truth, lacking = self.entry_truth(entry, reference, as_of)
                present.append((truth, entry, lacking))
                found = found or truth is Truth.TRUE
            elif entry.status != "absent" and self.asks_categories and (
                    self._unclassified(entry, key)) and _status_fit(
                        self.status, entry, as_of) is not Truth.FALSE:
                unclassified.append(entry)
        conflicts = tuple((entry, negative) for truth, entry, _ in present
                          if truth is Truth.TRUE
                          for negative in absent if covers(self.collection, negative, entry))
        if conflicts:
            contradicted = {id(entry) for entry, _ in conflicts}
            present = [(Truth.UNKNOWN if id(entry) in contradicted else truth, entry, lacking)
                       for truth, entry, lacking in present]
            found = any(truth is Truth.TRUE for truth, _, _ in present)
        covered = not found and self.covered(history.items)
        return Search(tuple(present), tuple(absent), () if covered else tuple(unclassified),
                      covered, history.complete, conflicts)

    def truth(self, profile: PatientProfile, reference: dt.date, as_of: dt.date) -> int:
        """The truth as an integer (`Truth.value`), for the verdict-only view."""
        history = getattr(profile, self.list_name)
        items = history.items
        if not items:
            return 0 if history.complete else 1
        undecided = unclassified = False
        matched: list[Entry] = []
        absent: list[Entry] = []
        names, categories, anything = self.names, self.categories, self.anything
        plain = self.status == "ever" and not self.filters
        keyed, negatives = _keyed_list(self.collection, items)
        for entry, key in keyed:
            if anything or key in names or entry.category in categories or (
                    entry.codes and self.matches(entry, key)):
                if entry.status == "absent":
                    absent.append(entry)
                    continue
                truth = Truth.TRUE if plain else self.entry_truth(
                    entry, reference, as_of, why=False)[0]
                if truth is Truth.TRUE:
                    if not negatives:
                        return 2  # no negative in the list can contradict it
                    matched.append(entry)
                undecided = undecided or truth is Truth.UNKNOWN
            elif entry.status != "absent" and self.asks_categories and not unclassified:
                unclassified = self._unclassified(entry, key) and _status_fit(
                    self.status, entry, as_of) is not Truth.FALSE
        if matched:
            if not absent or any(not any(covers(self.collection, negative, entry)
                                         for negative in absent) for entry in matched):
                return 2
            return 1
        closed = self.covered(history.items) or (history.complete and not unclassified)
        return 0 if closed and not undecided else 1

    def covered(self, entries: Sequence[Entry]) -> bool:
        """Whether what is recorded rules out anything unlisted (a list marked complete is the
        other way to close it): every name and category asked for is covered."""
        if self.anything:
            return False
        absent_names, absent_categories, recorded, present_names = _recorded(self.collection,
                                                                             entries)
        for cover in self.covers:
            if not ((cover.name is not None and (cover.name in absent_names or (
                    self.singular_names and cover.name in present_names)))
                    or not cover.categories.isdisjoint(absent_categories)
                    or not cover.singular.isdisjoint(recorded)):
                return False
        return True

    def _unclassified(self, entry: Entry, key: str | None) -> bool:
        """Whether an entry that does not match may still be one: it has no category at all,
        or only a partitioned one above a category asked for (a pneumonia filed only as
        'infection' may be the 'viral_infection' asked about; a 'psychiatric_disorder' is not
        read as a possible substance use disorder: organ-system categories are not partitioned
        by their sub-categories)."""
        collection = self.collection
        if not self.broader and (entry.category or (
                key is not None and collection.known_names.get(key))):
            return False  # classified, and nothing asked for is partitioned above it
        direct = direct_categories(collection, entry, key)
        return not direct or not self.broader.isdisjoint(direct)


def direct_categories(collection: Collection, entry: Entry, key: str | None) -> set[str]:
    """The categories an entry is filed under itself, not those above them: its known name's
    (`key`), its own `category`, and its codes'."""
    direct = set(collection.known_names.get(key, ()) if key is not None else ())
    if entry.category:
        direct.add(entry.category)
    for system, code in entry.codes.items():
        direct.update(collection.categories_by_code(system, code))
    return direct


def name_key(collection: Collection, name: str) -> str:
    """What a name written in a rule or an entry is: its concept's key (Rilutek is riluzole),
    else the name normalised."""
    normalised = normalise_name(name)
    concept = collection.concepts.get(normalised)
    return concept.key if concept is not None else normalised


def _name_categories(collection: Collection, key: str) -> frozenset[str]:
    concept = collection.concepts.get(key)
    return collection.categories_of(None, concept.categories if concept else ())


def _status_fit(status: str, entry: Entry, as_of: dt.date) -> Truth:
    """Whether an entry's status fits a rule asking for current, past or ever: an entry
    without a status is present at some time, current or past, which only `ever` settles
    (a stop date on or before the screening date makes it past)."""
    if status == "ever":
        return Truth.TRUE
    recorded = entry.status
    if recorded is None:
        if entry.stop is not None and entry.stop <= as_of:
            recorded = "past"
        else:
            return Truth.UNKNOWN
    return truth_of(recorded == status)


class _Known(NamedTuple):
    """What an entry is, from its name, category and codes: its key by name (`entry_key`), the
    whole category it rules out when recorded absent (`absent_category`), and every category
    it is in (`_categories`)."""

    key: str | None
    absent_category: str | None
    categories: frozenset[str]


class _Recorded(NamedTuple):
    names_absent: AbstractSet[str]
    categories_absent: AbstractSet[str]
    categories_present: AbstractSet[str]
    names_present: AbstractSet[str]


class _Index(NamedTuple):
    """One list read once: each entry with its key, whether it records a negative, and what
    it records (`_Recorded`)."""

    entries: Sequence[Entry]
    keyed: tuple[tuple[Entry, str | None], ...]
    negatives: bool
    recorded: _Recorded


# What each distinct entry is, by collection: patients share their entries' names and codes
# (hypertension, riluzole), so each is worked out once, not once per patient. Bounded: cleared
# when it grows past _KNOWN_MAX entries.
_KNOWN: weakref.WeakKeyDictionary[Collection, dict[tuple[Any, ...], _Known]] = (
    weakref.WeakKeyDictionary())
_KNOWN_MAX = 20_000


def _known(collection: Collection, entry: Entry,
           memo: dict[tuple[Any, ...], _Known]) -> _Known:
    codes = entry.codes
    signature = (entry.name, entry.category, tuple(codes.items()) if codes else ())
    found = memo.get(signature)
    if found is None:
        if len(memo) >= _KNOWN_MAX:
            memo.clear()
        found = memo[signature] = _Known(entry_key(collection, entry),
                                         absent_category(collection, entry),
                                         _categories(collection, entry))
    return found


# The last list read for each collection, indexed: a profile's criteria read the same lists
# one after the other, so this is worked out once per list, not once per rule.
_LAST: dict[int, _Index] = {}


def _index(collection: Collection, entries: Sequence[Entry]) -> _Index:
    """The list read in one pass: keys, negatives, and the names and whole categories
    recorded absent, and the categories of the entries present (with their ancestors)."""
    last = _LAST.get(id(collection))
    if last is not None and last.entries is entries:
        return last
    memo = _KNOWN.get(collection)
    if memo is None:
        memo = _KNOWN[collection] = {}
    keyed: list[tuple[Entry, str | None]] = []
    names: set[str] = set()
    absent: set[str] = set()
    present: set[str] = set()
    named: set[str] = set()
    negatives = False
    late = overtaken(collection, entries)
    for position, entry in enumerate(entries):
        known = _known(collection, entry, memo)
        key = known.key
        keyed.append((entry, key))
        if entry.status == "absent":
            negatives = True
            if position in late:
                continue
            if key is not None:
                names.add(key)
            if known.absent_category is not None:
                absent.add(known.absent_category)
        else:
            present |= known.categories
            if key is not None:
                named.add(key)
    # Sets, not frozensets: they are only read, and copying them costs a tenth of a screening.
    index = _LAST[id(collection)] = _Index(entries, tuple(keyed), negatives,
                                           _Recorded(names, absent, present, named))
    return index


def _keyed(collection: Collection, entries: Sequence[Entry]) -> tuple[
        tuple[Entry, str | None], ...]:
    """Each entry with what it is by name (`entry_key`)."""
    return _index(collection, entries).keyed


def _keyed_list(collection: Collection, entries: Sequence[Entry]) -> tuple[
        tuple[tuple[Entry, str | None], ...], bool]:
    """Each entry with what it is by name, and whether the list records a negative."""
    index = _index(collection, entries)
    return index.keyed, index.negatives


def _recorded(collection: Collection, entries: Sequence[Entry]) -> _Recorded:
    """The names (concepts) and whole categories recorded absent in a list, and the
    categories of the entries present (with their ancestors)."""
    return _index(collection, entries).recorded


def absent_category(collection: Collection, entry: Entry) -> str | None:
    """The whole category an entry recorded absent rules out: its category when it has no
    name, or the category its name spells ('hypertension' recorded absent is no hypertension
    of any kind). A negative under any other name rules out that name and its synonyms only,
    not its category ('no warfarin' leaves other anticoagulants open)."""
    if entry.name is None:
        return entry.category
    return _category_named(collection, normalise_name(entry.name))


def _category_named(collection: Collection, name: str) -> str | None:
    return collection.category_names.get(name)


def covers(collection: Collection, negative: Entry, entry: Entry) -> bool:
    """Whether an entry recorded absent rules out a present entry, which it then contradicts:
    the negative names what the entry is, or a category it is in, and the entry was not
    recorded after the negative (a diagnosis after a negative test is news, not a
    contradiction)."""
    when = entry.start or entry.date
    if negative.date is not None and when is not None and when > negative.date:
        return False
    key = entry_key(collection, negative)
    if key is not None and key == entry_key(collection, entry):
        return True
    category = absent_category(collection, negative)
    return category is not None and category in _categories(collection, entry)


def overtaken(collection: Collection, entries: Sequence[Entry]) -> frozenset[int]:
    """The indexes of the negatives that a present entry recorded after them overtakes: news
    of what the negative names, or of something that is (or, unclassified, may be) in the
    category it rules out. The news shows the negative no longer describes the patient, so it
    closes no question: a past cancer diagnosed after "no cancer" was recorded leaves "current
    cancer" open, and so does a drug without a category begun after "no anticoagulant"."""
    dated = [(index, entry) for index, entry in enumerate(entries)
             if entry.status == "absent" and entry.date is not None]
    if not dated:
        return frozenset()
    later = [(when, entry) for entry in entries if entry.status != "absent"
             and (when := entry.start or entry.date) is not None]
    found = set()
    for index, negative in dated:
        news = [entry for when, entry in later if when > negative.date]  # type: ignore[operator]
        if not news:
            continue
        key, category = entry_key(collection, negative), absent_category(collection, negative)
        if any((key is not None and key == entry_key(collection, entry))
               or (category is not None and (category in _categories(collection, entry)
                                             or _may_be_in(collection, category, entry)))
               for entry in news):
            found.add(index)
    return frozenset(found)


def _may_be_in(collection: Collection, category: str, entry: Entry) -> bool:
    """Whether an entry not known to be in `category` may be (`Query._unclassified`): it has
    no category at all, or only a partitioned one above it."""
    direct = direct_categories(collection, entry, entry_key(collection, entry))
    broader = frozenset(collection.ancestors(category)[1:]) & collection.partitioned
    return not direct or not broader.isdisjoint(direct)


def contradictions(profile: PatientProfile, vocabulary: Vocabulary) -> list[
        tuple[str, int, int]]:
    """Every present entry a recorded negative of the same list contradicts: (list, index of
    the entry, index of the negative)."""
    found = []
    for name, collection in vocabulary.collections.items():
        items = getattr(profile, name).items
        negatives = [(index, entry) for index, entry in enumerate(items)
                     if entry.status == "absent"]
        for index, entry in enumerate(items):
            if entry.status == "absent":
                continue
            for other, negative in negatives:
                if covers(collection, negative, entry):
                    found.append((name, index, other))
    return found


# Dosing: the regimen in effect on a date, and the daily dose it gives

class Regimen(NamedTuple):
    dose: float | None
    unit: str | None
    frequency: str | None
    since: dt.date | None


def regimen(entry: Any, on: dt.date) -> Regimen | None:
    """The dosing regimen in effect on `on`: the last of `doses` begun by then, else the
    entry's own dose (since `dose_since`, if given); None when no dose is recorded."""
    doses = getattr(entry, "doses", ())
    if doses:
        begun = [regimen for regimen in doses if regimen.from_ <= on]
        if not begun:
            return None
        last = begun[-1]
        return Regimen(last.dose, last.unit, last.frequency, last.from_)
    if getattr(entry, "dose", None) is None:
        return None
    return Regimen(entry.dose, entry.unit, entry.frequency, entry.dose_since)


def daily_dose(found: Regimen, unit: str, vocabulary: Vocabulary) -> float | None:
    """The daily dose of a regimen in `unit`, or None when frequency or units do not tell."""
    if found.dose is None or found.frequency is None or found.unit is None:
        return None
    frequency = vocabulary.frequencies.get(normalise_name(found.frequency))
    given = vocabulary.dose_units.get(found.unit)
    wanted = vocabulary.dose_units.get(unit)
    if frequency is None or given is None or wanted is None or given[0] != wanted[0]:
        return None
    return found.dose * frequency[1] * given[1] / wanted[1]


def span_before(duration: Duration, day: dt.date) -> tuple[dt.date, dt.date]:
    """The window `duration` long ending on `day`, both ends included."""
    return duration.before(day), day
