"""What every condition kind shares: the model base, the compiled plan, findings, and checks
of fact names, operators and values against the vocabulary a rule file is read with."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, model_validator

from ..context import Context
from ..operators import OPERATORS, for_kind
from ..results import Outcome
from ..vocabulary import DEFAULT, Vocabulary, closest

__all__ = [
    "Env",
    "Finding",
    "Names",
    "Node",
    "Plan",
    "Text",
    "broken_facts",
    "check_fact",
    "check_op",
    "check_value",
    "vocabulary_of",
]

Text = Annotated[str, Field(min_length=1)]
Path = tuple[str | int, ...]


def _listed(value: Any) -> Any:
    """A single name where a list is expected is a list of one."""
    return [value] if isinstance(value, str) else value


Names = Annotated[tuple[Text, ...], BeforeValidator(_listed)]


def vocabulary_of(info: ValidationInfo) -> Vocabulary:
    """The vocabulary a rule is validated against: the context's, else the package's."""
    context = info.context
    if isinstance(context, Mapping):
        found = context.get("vocabulary")
        if isinstance(found, Vocabulary):
            return found
    return DEFAULT


class Node(BaseModel):
    """A condition: written in YAML as `{key: body}`, or given as its body."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    key: ClassVar[str] = ""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        """Accept the YAML form `{key: body}` as well as the body itself."""
        if isinstance(value, Mapping) and set(value) == {cls.key}:
            return cls._body(value[cls.key])
        return value

    @classmethod
    def _body(cls, body: Any) -> Any:
        return body


class Env(NamedTuple):
    """What a condition is compiled against: the vocabulary, and whose criterion it is (a
    judgment's answers are found by trial and criterion)."""

    vocabulary: Vocabulary
    trial_id: str = ""
    criterion_id: str = ""


class Plan(Protocol):
    """A condition compiled once: its outcome with why, or only its truth (0, 1, 2), for a
    patient's context. Both views read the same prepared rule and must agree."""

    def outcome(self, context: Context) -> Outcome: ...
    def truth(self, context: Context) -> int: ...


@dataclass(frozen=True)
class Finding:
    """A problem found in a valid trial: where (a YAML path), what, and how bad."""

    path: Path
    message: str
    severity: Literal["error", "warning"]


FALSE, UNKNOWN, TRUE = 0, 1, 2


def check_fact(name: str, vocabulary: Vocabulary, broken: AbstractSet[str] = frozenset()) -> str:
    """A fact name, checked to be in the vocabulary; `broken` names facts the file declares
    with a mistake (reported at the declaration), which must not read as unknown facts."""
    if name in vocabulary.facts:
        return name
    if name in vocabulary.groups:
        raise ValueError(f"{name!r} is a group of facts; use every: {{in: {name}, ...}}")
    if name in broken:
        raise ValueError(f"fact {name!r} is declared in this file with a mistake (fix "
                         f"facts.{name} first)")
    raise ValueError(f"unknown fact {name!r}{closest(name, vocabulary.facts)}")


def broken_facts(info: ValidationInfo) -> AbstractSet[str]:
    """The facts the file being read declares with a mistake (see `Trial`)."""
    context = info.context
    found = context.get("broken_facts") if isinstance(context, Mapping) else None
    return found if isinstance(found, frozenset) else frozenset()


def check_op(name: str, fact: str | None, vocabulary: Vocabulary) -> str:
    """An operator name, checked to exist and to apply to the fact's kind."""
    if name not in OPERATORS:
        raise ValueError(f"unknown operator {name!r}{closest(name, OPERATORS)}")
    if fact is not None and fact in vocabulary.facts:
        kind = vocabulary.facts[fact].kind
        if kind not in OPERATORS[name].kinds:
            article = "an" if kind[0] in "aeiou" else "a"
            raise ValueError(f"operator {name!r} does not apply to {fact!r}, {article} {kind} "
                             f"fact (operators for {kind}: {', '.join(for_kind(kind))})")
    return name


def check_value(fact: str | None, op: str | None, value: Any, vocabulary: Vocabulary) -> Any:
    """The operator's argument, checked against the fact's kind and range, as the test takes
    it (a list as a tuple, a span of time parsed)."""
    if fact is None or op is None or fact not in vocabulary.facts or op not in OPERATORS or (
            vocabulary.facts[fact].kind not in OPERATORS[op].kinds):
        return value  # the fact or operator is already reported
    problem = OPERATORS[op].problem_with(vocabulary.facts[fact], value)
    if problem is not None:
        raise ValueError(problem)
    return OPERATORS[op].coerce(value)


Days = Annotated[int, Field(gt=0, strict=True)]


class VisitSelector(BaseModel):
    """Which observation of a fact's history to read: the one at a named visit.

    The observation recorded for that visit, else the one dated nearest the visit's date
    within `within_days` days either side (the earlier on a tie).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    visit: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$", max_length=40)]
    within_days: Annotated[int, Field(ge=0, le=365, strict=True)] = 0


