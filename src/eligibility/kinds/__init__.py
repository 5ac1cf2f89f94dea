"""The one table of condition kinds: each kind's model, plan, words, checks and parts.

A kind is one module (check, all/any/not/first, judgment, has, every, change) and one row
here. Everything that walks a rule (explained and verdict-only screening, `show`, the trial
pages, `check` and its coverage, the JSON Schema) goes through this table, so a new kind is
added in one place.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Tag

from ..vocabulary import Vocabulary
from . import change, check, combine, every, has, judgment
from .node import Env, Finding, Node, Path, Plan

__all__ = [
    "CONDITION_KINDS",
    "KINDS",
    "Condition",
    "Env",
    "Finding",
    "Kind",
    "Node",
    "Plan",
    "children",
    "compile_condition",
    "describe",
    "judgments",
    "kind_of",
    "lint",
    "walk",
]


def _no_findings(node: Any, at: Path, vocabulary: Vocabulary) -> Iterable[Finding]:
    return ()


def _no_parts(node: Any) -> Sequence[tuple[Path, Node]]:
    return ()


@dataclass(frozen=True)
class Kind:
    """One kind of condition: its YAML key and model, how it compiles to a plan, how it reads
    in plain words, what `check` finds wrong in it, and the conditions inside it (each with
    the path from this one, empty for a single part written directly under the key)."""

    key: str
    model: type[Node]
    compile: Callable[[Any, Env], Plan]
    describe: Callable[[Any, Vocabulary], list[str]]
    lint: Callable[[Any, Path, Vocabulary], Iterable[Finding]] = _no_findings
    parts: Callable[[Any], Sequence[tuple[Path, Node]]] = _no_parts
    body: Literal["model", "list", "one", "text_or_model"] = "model"
    clinician: bool = False     # settled only by a clinician's answer


def _listed_parts(node: Any) -> Sequence[tuple[Path, Node]]:
    return [((index,), part) for index, part in enumerate(node.parts)]


_KINDS = (
    Kind("check", check.Check, check.compile_check, check.describe_check, check.lint_check),
    Kind("all", combine.AllOf, combine.compile_all, combine.describe_group, combine.lint_group,
         _listed_parts, body="list"),
    Kind("any", combine.AnyOf, combine.compile_any, combine.describe_group, combine.lint_group,
         _listed_parts, body="list"),
    Kind("not", combine.Not, combine.compile_not, combine.describe_not,
         parts=lambda node: [((), node.part)], body="one"),
    Kind("first", combine.First, combine.compile_first, combine.describe_group,
         parts=_listed_parts, body="list"),
    Kind("judgment", judgment.Judgment, judgment.compile_judgment, judgment.describe_judgment,
         judgment.lint_judgment, body="text_or_model", clinician=True),
    Kind("has", has.Has, has.compile_has, has.describe_has, has.lint_has),
    Kind("every", every.Every, every.compile_every, every.describe_every, every.lint_every),
    Kind("change", change.Change, change.compile_change, change.describe_change,
         change.lint_change),
)

KINDS: Mapping[str, Kind] = MappingProxyType({kind.key: kind for kind in _KINDS})
CONDITION_KINDS: tuple[str, ...] = tuple(KINDS)
_BY_MODEL: Mapping[type, Kind] = {kind.model: kind for kind in _KINDS}


def kind_of(node: Node) -> Kind:
    return _BY_MODEL[type(node)]


def _discriminate(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        key = next(iter(value))
        return key if key in KINDS else None
    if isinstance(value, Node):
        return type(value).key
    return None


Condition = Annotated[
    Annotated[check.Check, Tag("check")] | Annotated[combine.AllOf, Tag("all")]
    | Annotated[combine.AnyOf, Tag("any")] | Annotated[combine.Not, Tag("not")]
    | Annotated[combine.First, Tag("first")] | Annotated[judgment.Judgment, Tag("judgment")]
    | Annotated[has.Has, Tag("has")] | Annotated[every.Every, Tag("every")]
    | Annotated[change.Change, Tag("change")],
    Discriminator(
        _discriminate,
        custom_error_type="condition",
        custom_error_message=(f"expected one condition: a mapping with one key, "
                              f"{', '.join(CONDITION_KINDS[:-1])} or {CONDITION_KINDS[-1]}"),
    ),
]
"""Any condition, told apart by its one key."""

assert {arg.__metadata__[0].tag for arg in Condition.__origin__.__args__} == set(KINDS), (  # type: ignore[attr-defined]
    "every kind of the table is in the Condition union")

for _model in (combine.AllOf, combine.AnyOf, combine.Not, combine.First):
    _model.model_rebuild(_types_namespace={"Condition": Condition})


# Views over the table

class _Compiled(collections.OrderedDict[tuple[int, Env], tuple[Node, Plan]]):
    """Plans by condition (identity) and environment, the most recently used kept: rules are
    compiled once and screened for many patients, and a long run over many rule versions keeps
    only the last few thousand."""

    LIMIT = 4096


_COMPILED = _Compiled()


def compile_condition(node: Node, env: Env) -> Plan:
    """`node` compiled once for `env` into a plan giving its outcome or its truth."""
    key = (id(node), env)
    found = _COMPILED.get(key)
    if found is not None and found[0] is node:
        _COMPILED.move_to_end(key)
        return found[1]
    plan = kind_of(node).compile(node, env)
    _COMPILED[key] = (node, plan)
    if len(_COMPILED) > _Compiled.LIMIT:
        _COMPILED.popitem(last=False)
    return plan


def describe(node: Node, vocabulary: Vocabulary) -> list[str]:
    """A condition in plain words, one line per part, nested parts indented by two spaces."""
    return kind_of(node).describe(node, vocabulary)


def children(node: Node) -> Sequence[tuple[Path, Node]]:
    """The conditions directly inside `node`, each with its path from `node`'s key."""
    return kind_of(node).parts(node)


def walk(node: Node, at: Path = ()) -> Iterator[tuple[Path, Node]]:
    """`node` and every condition inside it, each with its YAML path (from `at`, the path of
    the mapping that holds the node's key)."""
    here: Path = (*at, kind_of(node).key)
    yield here, node
    for step, part in children(node):
        yield from walk(part, (*here, *step))


def decidable(node: Node) -> bool:
    """Whether the profile's data can decide `node` for some patient with no clinician's
    answer: a clinician's question cannot; a rule on data can; `not` as its part; `all`, `any`
    and `first` when any part can (a false part decides an `all`, a true one an `any`, the
    first decided one a `first`)."""
    if kind_of(node).clinician:
        return False
    parts = children(node)
    return not parts or any(decidable(part) for _, part in parts)


def judgments(node: Node | None, at: Path = ()) -> Iterator[tuple[Path, judgment.Judgment]]:
    """Each clinician's question in a condition, in the order written, with its path."""
    if node is None:
        return
    for path, found in walk(node, at):
        if kind_of(found).clinician:
            yield path, found  # type: ignore[misc]


def lint(node: Node, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    """Every finding in `node` and the conditions inside it."""
    for path, found in walk(node, at):
        yield from kind_of(found).lint(found, path, vocabulary)
