"""The clinical vocabulary: every fact a rule may read and every list `has` may search, as data.

The facts, blocks, groups and collections are written in YAML files (`core.yaml` and
`als.yaml` here; more beside the rule files, and a rule file's own `facts:`), read through the
models of `files.py`. This module turns them into a `Vocabulary`: the one place that knows the
clinical domain. The evaluator sees facts only by name, so encoding a trial in another disease
means adding vocabulary data and rules, never Python.
"""

from __future__ import annotations

import difflib
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from .files import (
    AttributeSpec,
    BlockSpec,
    CollectionSpec,
    ConstraintSpec,
    FactSpec,
    GroupSpec,
    ProviderSpec,
    SlotSpec,
    VocabularyFile,
)

__all__ = [
    "ALSFRS_R_ITEMS",
    "COLLECTIONS",
    "DEFAULT",
    "FACTS",
    "GROUPS",
    "LAB_TESTS",
    "Attribute",
    "Block",
    "Collection",
    "Concept",
    "Fact",
    "Group",
    "Kind",
    "Vocabulary",
    "VocabularyError",
    "closest",
    "normalise_name",
]

Kind = Literal["number", "integer", "boolean", "category", "date", "lab"]
Path_ = tuple[str | int, ...]
STATUSES = ("current", "past", "absent")
HERE = Path(__file__).resolve().parent
PACKAGE_FILES = ("core.yaml", "als.yaml")


class VocabularyError(ValueError):
    """Vocabulary data that cannot be used: each problem with its path in the file."""

    def __init__(self, problems: Sequence[tuple[Path_, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{'.'.join(map(str, path))}: {message}"
                                   for path, message in self.problems))


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Names match case-insensitively and ignore repeated spaces, hyphens and underscores."""
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


def closest(word: str, known: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` hint for a misspelt name, or nothing."""
    matches = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _number(value: float) -> str:
    return f"{value:g}"


def _codes(codes: Mapping[str, str | tuple[str, ...]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({system: (code,) if isinstance(code, str) else tuple(code)
                             for system, code in codes.items()})


@dataclass(frozen=True, eq=False)
class Fact:
    """One thing a profile can state about a patient, named by its path in the profile.

    `block.field` is a field of the profile's `block` (each record of it dated by its own
    `date`); `block.sub.field` a field inside a mapping of that block; a name without a dot a
    top-level field. A `lab` fact is a result of its own, with date and reference range.
    """

    name: str
    kind: Kind
    label: str
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    dated: bool = True
    dated_by: str | None = None
    derive: Any = None            # an expressions.Expression, for a derived fact
    builtin: str | None = None
    stated: bool = True           # whether a profile may state it
    codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    provided_by: str = ""
    decimals: int | None = None
    origin: str = ""

    @property
    def derived(self) -> bool:
        return self.derive is not None or self.builtin is not None

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer", "lab")

    @functools.cached_property
    def path(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))

    @functools.cached_property
    def block(self) -> str | None:
        return self.name.split(".")[0] if "." in self.name else None

    def describe_range(self) -> str:
        """The allowed values in words: `0 to 4`, `'definite', 'probable'`."""
        if self.categories:
            return ", ".join(repr(category) for category in self.categories)
        if self.minimum is not None and self.maximum is not None:
            return f"{_number(self.minimum)} to {_number(self.maximum)}"
        return self.kind


@dataclass(frozen=True, eq=False)
class Group:
    """A fixed set of facts scored together, such as the twelve ALSFRS-R items.

    Each slot lists the facts that can fill it (ALSFRS-R item 5 is 5a or 5b, whichever was
    scored); `every` quantifies over the slots. `slot_names` names the slots with several
    members ('item 5').
    """

    name: str
    label: str
    slots: tuple[tuple[str, ...], ...]
    scoring: str = ""
    slot_names: Mapping[tuple[str, ...], str] = field(default_factory=dict)

    def members(self) -> tuple[str, ...]:
        return tuple(name for slot in self.slots for name in slot)


@dataclass(frozen=True, eq=False)
class Block:
    """A block of the profile: its facts, whether records must be dated, and its checks."""

    name: str
    label: str
    description: str = ""
    date_required: bool = False
    checks: tuple[tuple[Any, str], ...] = ()     # (expression, message)
    panel: bool = False                          # each fact a dated result of its own (labs)
    facts: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Attribute:
    """An attribute entries of a collection may state, with its kind and allowed values."""

    name: str
    kind: str
    label: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Concept:
    """Something an entry may be (riluzole), with its other names, categories and codes."""

    name: str
    synonyms: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    codes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @functools.cached_property
    def key(self) -> str:
        """The concept's own name, normalised: what every spelling of it is keyed by."""
        return normalise_name(self.name)


HIERARCHICAL_CODES = frozenset({"atc", "icd10", "icd10cm"})
"""Code systems whose codes name their place in the hierarchy by prefix: a category's code
there covers every code that starts with it."""


@dataclass(frozen=True, eq=False)
class Collection:
    """An open list in the profile (conditions, medications, ...) that `has` searches.

    `categories` maps each category to its parent, so a rule asking for `infection` also finds
    a `viral_infection`. A concept gives the categories of an entry by its name or any synonym
    (an entry named `Eliquis` is apixaban, an anticoagulant), and a category's code prefixes
    those of an entry by its codes (ATC B01AF...). A `singular` category is one state a patient
    has at most once (hypertension): any entry recorded in it settles a question about it. A
    `partitioned` category is one whose every member belongs to one of its sub-categories (an
    infection is viral, bacterial or fungal): an entry filed under it alone may be any of them.
    With `singular_names`, a patient has each named thing once (one regimen of riluzole): a
    present entry under a name settles a question that asks for that name.
    """

    name: str
    label: str
    entry: str
    categories: Mapping[str, str | None]
    concepts: Mapping[str, Concept] = field(default_factory=dict)   # every spelling -> concept
    category_codes: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    singular: frozenset[str] = frozenset()
    partitioned: frozenset[str] = frozenset()
    dosing: bool = False
    description: str = ""
    provided_by: str = ""
    singular_names: bool = False

    @functools.cached_property
    def known_names(self) -> Mapping[str, tuple[str, ...]]:
        """Each known spelling (normalised) with the categories it belongs to."""
        return MappingProxyType({name: concept.categories
                                 for name, concept in self.concepts.items()})

    @functools.cached_property
    def category_names(self) -> Mapping[str, str]:
        """Each category by its name as an entry would spell it (`substance use disorder`)."""
        return MappingProxyType({normalise_name(category): category
                                 for category in self.categories})

    def concept(self, name: str | None) -> Concept | None:
        """The concept an entry name spells (any synonym), if the vocabulary knows it."""
        return None if name is None else self.concepts.get(normalise_name(name))

    def ancestors(self, category: str) -> tuple[str, ...]:
        """The category and every broader one above it."""
        return self._ancestors(category)

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - collections live as long as the program
    def _ancestors(self, category: str) -> tuple[str, ...]:
        chain: list[str] = []
        current: str | None = category
        while current is not None and current not in chain:
            chain.append(current)
            current = self.categories.get(current)
        return tuple(chain)

    def categories_of(self, name: str | None, stated: Iterable[str],
                      codes: Iterable[tuple[str, str]] = ()) -> frozenset[str]:
        """Every category an entry belongs to: stated, known by name or code, and ancestors."""
        return self._categories_of(name and normalise_name(name), tuple(stated), tuple(codes))

    @functools.lru_cache(maxsize=8192)  # noqa: B019
    def _categories_of(self, name: str | None, stated: tuple[str, ...],
                       codes: tuple[tuple[str, str], ...]) -> frozenset[str]:
        direct = set(stated)
        if name is not None and (concept := self.concepts.get(name)) is not None:
            direct.update(concept.categories)
        for system, code in codes:
            direct.update(self.categories_by_code(system, code))
        return frozenset(ancestor for category in direct
                         for ancestor in self._ancestors(category))

    def categories_by_code(self, system: str, code: str) -> tuple[str, ...]:
        """The categories a code places an entry in: by a concept's exact code or a category's
        code, a prefix in a hierarchical system (ATC B01AF holds B01AF02), else exact (a SNOMED
        CT or RxNorm id says nothing by its digits)."""
        hierarchical = system in HIERARCHICAL_CODES
        found = [category for category, by_system in self.category_codes.items()
                 if any(code.startswith(prefix) if hierarchical else code == prefix
                        for prefix in by_system.get(system, ()))]
        for concept in self.concepts.values():
            if code in concept.codes.get(system, ()):
                found += concept.categories
        return tuple(dict.fromkeys(found))

    def concept_by_code(self, system: str, code: str) -> Concept | None:
        return next((concept for concept in self.concepts.values()
                     if code in concept.codes.get(system, ())), None)

    def thing_named(self, name: str | None, codes: Mapping[str, str]) -> str | None:
        """The one thing an entry names (its concept's key, else its own name; else the
        concept of a code the vocabulary knows): Rilutek and riluzole are one thing."""
        if name:
            found = self.concepts.get(normalise_name(name))
            return found.key if found is not None else normalise_name(name)
        for system, code in codes.items():
            if (by_code := self.concept_by_code(system, code)) is not None:
                return by_code.key
        return None


class Vocabulary:
    """Facts, blocks, groups, collections and dosing words, built from vocabulary files.

    A vocabulary is immutable; `extended` gives a new one with another file's additions (a
    vocabulary file beside the rule files, or a rule file's `facts:`), refusing a fact defined
    twice differently.
    """

    def __init__(self, files: Sequence[tuple[str, VocabularyFile]]) -> None:
        self.files = tuple(files)
        self.origins = tuple(origin for origin, _ in self.files)
        facts: dict[str, Fact] = {}
        groups: dict[str, Group] = {}
        blocks: dict[str, BlockSpec] = {}
        collections: dict[str, list[CollectionSpec]] = {}
        frequencies: dict[str, tuple[str, float]] = {}
        dose_units: dict[str, tuple[str, float]] = {}
        providers: dict[str, ProviderSpec] = {}
        problems: list[tuple[Path_, str]] = []
        specs: dict[str, FactSpec] = {}
        for origin, file in self.files:
            for name, spec in file.facts.items():
                if name in specs and specs[name] != spec:
                    problems.append((("facts", name), f"fact {name!r} is already defined in "
                                     f"{facts[name].origin}, differently"))
                    continue
                specs[name] = spec
                facts[name] = _fact(name, spec, facts[name].origin if name in facts else origin)
            for name, block in file.blocks.items():
                blocks.setdefault(name, block)
            for name, group in file.groups.items():
                groups[name] = _group(name, group)
            for name, collection in file.collections.items():
                collections.setdefault(name, []).append(collection)
            for name, provider in file.providers.items():
                providers.setdefault(name, provider)
            for name, frequency in file.frequencies.items():
                for spelling in (name, *frequency.synonyms):
                    frequencies[normalise_name(spelling)] = (name, frequency.per_day)
            for unit, (base, factor) in ((u, next(iter(b.items())))
                                         for u, b in file.dose_units.items()):
                dose_units[unit] = (base, factor)
        self.facts: Mapping[str, Fact] = MappingProxyType(facts)
        self.groups: Mapping[str, Group] = MappingProxyType(groups)
        self.frequencies: Mapping[str, tuple[str, float]] = MappingProxyType(frequencies)
        self.dose_units: Mapping[str, tuple[str, float]] = MappingProxyType(dose_units)
        self.collections: Mapping[str, Collection] = MappingProxyType(
            {name: _collection(name, parts, problems) for name, parts in collections.items()})
        self.providers: Mapping[str, str] = MappingProxyType(
            {name: provider.description for name, provider in providers.items()})
        self.answered_by: Mapping[str, str] = MappingProxyType(
            {kind: name for name, provider in providers.items() for kind in provider.answers})
        problems += self._check_names()
        problems += self._check_providers(providers)
        self.blocks: Mapping[str, Block] = MappingProxyType(self._blocks(blocks, problems))
        if not problems:
            problems += self._derive()
        if problems:
            raise VocabularyError(problems)

    # The expression scope

    def fact_kind(self, name: str) -> tuple[str, str] | None:
        fact = self.facts.get(name)
        return None if fact is None else (fact.kind, fact.unit)

    def group_members(self, name: str) -> tuple[tuple[str, ...], ...] | None:
        group = self.groups.get(name)
        return None if group is None else group.slots

    def names(self) -> Iterable[str]:
        return self.facts

    @functools.cached_property
    def group_slots(self) -> Mapping[str, tuple[tuple[str, ...], ...]]:
        """Each group's slots by group name, as expressions read them."""
        return MappingProxyType({name: group.slots for name, group in self.groups.items()})

    # Building

    def extended(self, file: VocabularyFile, origin: str) -> Vocabulary:
        """This vocabulary with `file` added; the same vocabulary if it adds nothing new."""
        if not (file.facts or file.blocks or file.groups or file.collections
                or file.frequencies or file.dose_units or file.providers):
            return self
        return Vocabulary((*self.files, (origin, file)))

    def combined(self, others: Iterable[Vocabulary]) -> Vocabulary:
        """This vocabulary with every file the others add to it (each once)."""
        files = list(self.files)
        seen = {origin for origin, _ in files}
        for other in others:
            for origin, file in other.files:
                if origin not in seen:
                    seen.add(origin)
                    files.append((origin, file))
        return self if len(files) == len(self.files) else Vocabulary(files)

    def _check_names(self) -> Iterator[tuple[Path_, str]]:
        for name, fact in self.facts.items():
            parts = fact.path
            if fact.kind == "lab" and len(parts) != 2:
                yield ("facts", name), ("a lab fact is named panel.test, such as labs.alt "
                                        "(one dot)")
            if parts[0] in self.collections:
                yield ("facts", name), (f"{parts[0]!r} is a list (collection): facts cannot "
                                        "live in it")
            if fact.dated_by is not None:
                other = self.facts.get(fact.dated_by)
                if other is None or other.kind != "date" or other.block != fact.block:
                    yield ("facts", name, "dated_by"), (
                        f"{fact.dated_by!r} is not a date fact of the block {fact.block!r}")
        for name, group in self.groups.items():
            for member in group.members():
                if f"{name}.{member}" not in self.facts:
                    yield ("groups", name, "slots"), (f"{name}.{member} is not a fact: a "
                                                      "group's members are facts")

    def _check_providers(self, specs: Mapping[str, ProviderSpec]) -> Iterator[
            tuple[Path_, str]]:
        """Each `provided_by` names a provider, and each of `answers` has one provider."""
        named = [(("facts", name, "provided_by"), fact.provided_by)
                 for name, fact in self.facts.items()]
        named += [(("collections", name, "provided_by"), collection.provided_by)
                  for name, collection in self.collections.items()]
        for path, provider in named:
            if provider and provider not in self.providers:
                hint = closest(provider, self.providers) or (
                    " (declare it under providers: in a vocabulary file)")
                yield path, f"unknown provider {provider!r}{hint}"
        for kind in ("assessments", "visits"):
            givers = [name for name, spec in specs.items() if kind in spec.answers]
            if len(givers) > 1:
                yield ("providers", givers[1], "answers"), (
                    f"{kind} are already answered by {givers[0]!r}")

    def provider(self, need: str) -> str:
        """Who usually provides what a `Need` names (a fact, a group, a list, a clinician's
        answer `assessment:...`, a visit date `visit:...`); empty when the data does not say."""
        if need.startswith(("assessment:", "visit:")):
            return self.answered_by.get(need.split(":")[0] + "s", "")
        if need in self.facts:
            return self.facts[need].provided_by
        if need in self.collections:
            return self.collections[need].provided_by
        if need in self.groups:
            members = {self.facts[f"{need}.{member}"].provided_by
                       for member in self.groups[need].members()}
            return members.pop() if len(members) == 1 else ""
        return ""

    def _blocks(self, specs: Mapping[str, BlockSpec],
                problems: list[tuple[Path_, str]]) -> dict[str, Block]:
        """Every block, from the facts named `block.field`, with the label given for it."""
        by_block: dict[str, list[str]] = {}
        for name, fact in self.facts.items():
            if fact.block is not None:
                by_block.setdefault(fact.block, []).append(name)
        for name in specs:
            if name not in by_block:
                problems.append((("blocks", name), f"no fact is named {name}.<field>: a "
                                 "block holds facts"))
        blocks = {}
        for name, members in by_block.items():
            spec = specs.get(name)
            labs = [self.facts[fact].kind == "lab" for fact in members]
            if any(labs) and not all(labs):
                problems.append((("facts", members[labs.index(False)]),
                                 f"the block {name!r} holds lab results, which are dated one by "
                                 "one: its other facts need a block of their own"))
            blocks[name] = Block(name, spec.label if spec else name.replace("_", " "),
                                 spec.description if spec else "",
                                 bool(spec and spec.date == "required"), (), all(labs),
                                 tuple(members))
        return blocks

    def _derive(self) -> Iterator[tuple[Path_, str]]:
        """Parse each derived fact's expression and each block check, against this vocabulary."""
        from ..expressions import ExpressionError, parse, unit_differs

        facts = dict(self.facts)
        for name, fact in self.facts.items():
            spec_derive = fact.derive
            if not isinstance(spec_derive, str):
                continue
            try:
                expression = parse(spec_derive, self)
            except ExpressionError as error:
                yield ("facts", name, "derive"), str(error)
                continue
            expected = "number" if fact.numeric else fact.kind
            if expression.kind != expected:
                yield ("facts", name, "derive"), (f"the expression gives a {expression.kind}, "
                                                  f"but {name!r} is a {fact.kind} fact")
                continue
            if name in expression.facts:
                yield ("facts", name, "derive"), f"{name!r} cannot be derived from itself"
                continue
            atom = expression.unit
            if atom and fact.unit and (unit_differs(expression, fact.unit) if (
                    "/" in atom or "*" in atom) else atom.casefold().removesuffix("s")
                    != fact.unit.casefold().removesuffix("s")):
                yield ("facts", name, "derive"), (f"the expression gives {atom!r}, but "
                                                  f"{name!r} is in {fact.unit!r}")
                continue
            facts[name] = _replace(fact, derive=expression)
        self.facts = MappingProxyType(facts)
        blocks = dict(self.blocks)
        for _, file in self.files:
            for name, spec in file.blocks.items():
                if name not in blocks or not spec.checks:
                    continue
                checks = []
                for index, check in enumerate(spec.checks):
                    try:
                        checks.append((parse(check.require, self), check.message))
                    except ExpressionError as error:
                        yield ("blocks", name, "checks", index, "require"), str(error)
                blocks[name] = _replace(blocks[name], checks=tuple(checks))
        self.blocks = MappingProxyType(blocks)
        yield from self._cycles()

    def _cycles(self) -> Iterator[tuple[Path_, str]]:
        def reads(name: str) -> tuple[str, ...]:
            derive = self.facts[name].derive
            return tuple(derive.facts) if derive is not None and not isinstance(
                derive, str) else ()

        for name in self.facts:
            seen, todo = set(), list(reads(name))
            while todo:
                current = todo.pop()
                if current == name:
                    yield ("facts", name, "derive"), (f"{name!r} is derived, through other "
                                                      "facts, from itself")
                    break
                if current not in seen and current in self.facts:
                    seen.add(current)
                    todo += reads(current)

    def __repr__(self) -> str:
        return f"Vocabulary({', '.join(self.origins)})"

    def __copy__(self) -> Vocabulary:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> Vocabulary:
        return self


def _replace(obj: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(obj, **changes)


def _fact(name: str, spec: FactSpec, origin: str) -> Fact:
    low, high = spec.range if spec.range is not None else (None, None)
    if spec.kind == "lab" and spec.range is None:
        low, high = 0, 100_000
    derived = spec.derive is not None or spec.builtin is not None
    return Fact(name, spec.kind, spec.label, spec.description or f"{spec.label}" + (
        " with its lab's reference range." if spec.kind == "lab" else "."), spec.unit, low, high,
        spec.categories, spec.dated, spec.dated_by, spec.derive, spec.builtin,
        spec.stated if spec.stated is not None else not derived, _codes(spec.codes),
        spec.provided_by or ("lab" if spec.kind == "lab" else ""), spec.decimals, origin)


def _group(name: str, spec: GroupSpec) -> Group:
    slots = tuple((slot,) if isinstance(slot, str) else slot.members for slot in spec.slots)
    names = {slot.members: slot.name for slot in spec.slots if isinstance(slot, SlotSpec)}
    return Group(name, spec.label, slots, spec.scoring, MappingProxyType(names))


def _attribute(name: str, spec: AttributeSpec) -> Attribute:
    low, high = spec.range if spec.range is not None else (None, None)
    return Attribute(name, spec.kind, spec.label, spec.unit, low, high, spec.categories)


def _collection(name: str, parts: Sequence[CollectionSpec],
                problems: list[tuple[Path_, str]]) -> Collection:
    """One collection from its definition and the additions of later files."""
    first = parts[0]
    if first.label is None or first.entry is None:
        problems.append((("collections", name), "a new collection needs label and entry"))
    categories: dict[str, str | None] = {}
    codes: dict[str, Mapping[str, tuple[str, ...]]] = {}
    concepts: dict[str, Concept] = {}
    attributes: dict[str, Attribute] = {}
    for part in parts:
        for category, spec in part.categories.items():
            categories.setdefault(category, spec.parent)
            if spec.codes:
                codes[category] = _codes(spec.codes)
        for attribute, attribute_spec in part.attributes.items():
            attributes[attribute] = _attribute(attribute, attribute_spec)
    for part in parts:
        for category, spec in part.categories.items():
            if spec.parent is not None and spec.parent not in categories:
                problems.append((("collections", name, "categories", category, "parent"),
                                 f"unknown category {spec.parent!r}"
                                 f"{closest(spec.parent, categories)}"))
        for concept_name, concept_spec in part.concepts.items():
            for category in concept_spec.categories:
                if category not in categories:
                    problems.append((("collections", name, "concepts", concept_name),
                                     f"unknown category {category!r} for {name}"
                                     f"{closest(category, categories)}"))
            concept = Concept(concept_name, concept_spec.synonyms, concept_spec.categories,
                              _codes(concept_spec.codes))
            earlier = concepts.get(concept.key)
            if earlier is not None and earlier.key == concept.key:  # named again: extended
                concept = _extended(earlier, concept)
                for key in [key for key, known in concepts.items() if known is earlier]:
                    concepts[key] = concept
            for spelling in (concept_name, *concept_spec.synonyms):
                key = normalise_name(spelling)
                if key in concepts and concepts[key].key != concept.key:
                    problems.append((("collections", name, "concepts", concept_name),
                                     f"{spelling!r} already names {concepts[key].name!r}"))
                concepts[key] = concept
        for category in (*part.singular, *part.partitioned):
            if category not in categories:
                problems.append((("collections", name), f"unknown category {category!r}"))
    return Collection(
        name, first.label or name, first.entry or name, MappingProxyType(categories),
        MappingProxyType(concepts), MappingProxyType(codes), MappingProxyType(attributes),
        frozenset(itertools.chain.from_iterable(part.singular for part in parts)),
        frozenset(itertools.chain.from_iterable(part.partitioned for part in parts)),
        any(part.dosing for part in parts), first.description, first.provided_by,
        any(part.singular_names for part in parts))


def _extended(earlier: Concept, later: Concept) -> Concept:
    """A concept a later file names again: the earlier one with the later one's synonyms,
    categories and codes added. A known name filed under `other` (none of the categories the
    earlier files named) leaves `other` when a later file gives it a category of its own."""
    categories = tuple(dict.fromkeys((*earlier.categories, *later.categories)))
    if any(category != "other" for category in categories):
        categories = tuple(category for category in categories if category != "other")
    codes = {system: tuple(dict.fromkeys((*earlier.codes.get(system, ()),
                                          *later.codes.get(system, ()))))
             for system in (*earlier.codes, *later.codes)}
    synonyms = tuple(dict.fromkeys((*earlier.synonyms, *later.synonyms)))
    return Concept(earlier.name, synonyms, categories, MappingProxyType(codes))


def read_package_file(name: str) -> VocabularyFile:
    """One of the package's vocabulary files, read without positions (they are tested)."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load((HERE / name).read_text(encoding="utf-8"), Loader=loader)
    return VocabularyFile.model_validate(data)


DEFAULT = Vocabulary([(name.removesuffix(".yaml"), read_package_file(name))
                      for name in PACKAGE_FILES])
"""The package's vocabulary: core.yaml and als.yaml."""

FACTS: Mapping[str, Fact] = DEFAULT.facts
GROUPS: Mapping[str, Group] = DEFAULT.groups
COLLECTIONS: Mapping[str, Collection] = DEFAULT.collections
LAB_TESTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {fact.path[1]: (fact.label, fact.unit) for fact in FACTS.values() if fact.kind == "lab"})
ALSFRS_R_ITEMS: Mapping[str, str] = MappingProxyType(
    {fact.path[2]: fact.label.removeprefix("ALSFRS-R item ") for fact in FACTS.values()
     if fact.name.startswith("alsfrs_r.items.")})

_ = (ConstraintSpec,)  # re-exported names used by schema generation
