"""Trial, Criterion and the Condition nodes a rule file is written in.

Each condition is a one-key mapping in YAML (`check:`, `all:`, `any:`, `not:`, `judgment:`,
`has:`, `every:`); its meaning is entirely in data, so the same rules could be compiled to a
query over a population. Models validate names and kinds against the vocabulary on load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from .operators import OPERATORS, for_kind
from .source import SourceSpan
from .vocabulary import COLLECTIONS, FACTS, GROUPS, closest

__all__ = [
    "CONDITION_KINDS",
    "AllOf",
    "AnyOf",
    "Check",
    "Condition",
    "Criterion",
    "Every",
    "Has",
    "Judgment",
    "Not",
    "Trial",
    "TrialInfo",
]

CONDITION_KINDS = ("check", "all", "any", "not", "judgment", "has", "every")
RECRUITING = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})
OverallStatus = Literal[
    "RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
    "COMPLETED", "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN",
]
Text = Annotated[str, Field(min_length=1)]
Days = Annotated[int, Field(gt=0, strict=True)]


def _listed(value: Any) -> Any:
    """A single name where a list is expected is a list of one."""
    return [value] if isinstance(value, str) else value


Names = Annotated[tuple[Text, ...], BeforeValidator(_listed)]


class Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    _key: str = ""

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        """Accept the YAML form `{key: body}` as well as the body itself."""
        key = cls._key.default  # type: ignore[attr-defined]
        if isinstance(value, Mapping) and set(value) == {key}:
            return cls._body(value[key])
        return value

    @classmethod
    def _body(cls, body: Any) -> Any:
        return body


def _check_fact(name: str) -> str:
    if name in FACTS:
        return name
    if name in GROUPS:
        raise ValueError(f"{name!r} is a group of facts; use every: {{in: {name}, ...}}")
    raise ValueError(f"unknown fact {name!r}{closest(name, FACTS)}")


def _check_op(name: str) -> str:
    if name not in OPERATORS:
        raise ValueError(f"unknown operator {name!r}{closest(name, OPERATORS)}")
    return name


def _op_for(name: str, fact: str | None) -> str:
    """An operator name, checked to exist and to apply to the fact's kind."""
    _check_op(name)
    if fact is not None:
        kind = FACTS[fact].kind
        if kind not in OPERATORS[name].kinds:
            article = "an" if kind[0] in "aeiou" else "a"
            raise ValueError(f"operator {name!r} does not apply to {fact!r}, {article} {kind} "
                             f"fact (operators for {kind}: {', '.join(for_kind(kind))})")
    return name


def _check_value(fact: str | None, op: str | None, value: Any) -> Any:
    if fact is None or op is None or FACTS[fact].kind not in OPERATORS[op].kinds:
        return value  # the fact or operator is already reported
    problem = OPERATORS[op].problem_with(FACTS[fact], value)
    if problem is not None:
        raise ValueError(problem)
    return tuple(value) if isinstance(value, list) else value


class Check(Node):
    """Compare one fact with a value: `check: {fact: fvc.percent_predicted, op: at_least,
    value: 80}`. With `measured_within_days`, an older observation is unknown (stale)."""

    _key = "check"
    fact: str = Field(description="A fact name from the vocabulary.")
    op: str = Field(description="An operator name.")
    value: Any = Field(None, validate_default=True, description="The operator's argument.")
    measured_within_days: Days | None = Field(
        None, description="Observations older than this many days are unknown (stale)."
    )

    _fact = field_validator("fact")(lambda cls, name: _check_fact(name))

    @field_validator("op")
    @classmethod
    def _op(cls, name: str, info: ValidationInfo) -> str:
        return _op_for(name, info.data.get("fact"))

    @field_validator("value")
    @classmethod
    def _value(cls, value: Any, info: ValidationInfo) -> Any:
        return _check_value(info.data.get("fact"), info.data.get("op"), value)


class AllOf(Node):
    """True when every part is true: `all: [...]`."""

    _key = "all"
    parts: tuple[Condition, ...] = Field(min_length=1)

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"parts": body}


class AnyOf(Node):
    """True when some part is true: `any: [...]`."""

    _key = "any"
    parts: tuple[Condition, ...] = Field(min_length=1)

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"parts": body}


class Not(Node):
    """True when its part is false: `not: {...}`."""

    _key = "not"
    part: Condition

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"part": body}


class Judgment(Node):
    """A question only a clinician can answer; unknown until a profile records the answer.

    `judgment: "question"`, or `judgment: {question: ..., guidance: ..., id: ...}` where `id`
    tells several judgments of one criterion apart.
    """

    _key = "judgment"
    question: Text
    guidance: str | None = None
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"question": body} if isinstance(body, str) else body


class Has(Node):
    """Search an open list: `has: {in: conditions, category: [cancer], status: ever}`.

    An entry matches when its name is one of `name` or it falls in one of `category` (any
    entry, if neither is given), and its status and attributes fit. True when a recorded entry
    matches; false only when the list is marked complete or every name and category asked for
    is recorded absent; otherwise unknown.
    """

    _key = "has"
    in_: Literal["conditions", "medications", "allergies", "prior_therapies"] = Field(
        alias="in"
    )
    name: Names = ()
    category: Names = ()
    status: Literal["current", "past", "ever"] = "ever"
    severity: Annotated[tuple[Literal["mild", "moderate", "severe"], ...],
                        BeforeValidator(_listed)] = ()
    controlled: StrictBool | None = None

    @field_validator("category")
    @classmethod
    def _known_categories(cls, categories: tuple[str, ...], info: ValidationInfo) -> Any:
        collection = COLLECTIONS.get(info.data.get("in_", ""))
        if collection is not None:
            for category in categories:
                if category not in collection.categories:
                    hint = closest(category, collection.categories) or (
                        f" (allowed: {', '.join(collection.categories)})"
                    )
                    raise ValueError(f"unknown category {category!r} for {collection.name}{hint}")
        return categories

    @model_validator(mode="after")
    def _attributes_fit(self) -> Has:
        collection = COLLECTIONS[self.in_]
        for attribute in ("severity", "controlled"):
            if getattr(self, attribute) not in ((), None) and (
                attribute not in collection.attributes
            ):
                raise ValueError(f"{attribute!r} does not apply to {self.in_}")
        return self


class Every(Node):
    """Every slot of a group meets the test: `every: {in: alsfrs_r.items, op: at_least,
    value: 2}`; `only` limits it to some members."""

    _key = "every"
    in_: Literal[tuple(GROUPS)] = Field(alias="in")  # type: ignore[valid-type]
    only: Names = ()
    op: str
    value: Any = Field(None, validate_default=True)
    measured_within_days: Days | None = None

    @field_validator("op")
    @classmethod
    def _op(cls, name: str, info: ValidationInfo) -> str:
        group = GROUPS.get(info.data.get("in_", ""))
        return _op_for(name, f"{group.name}.{group.members()[0]}" if group else None)

    @field_validator("only")
    @classmethod
    def _members(cls, only: tuple[str, ...], info: ValidationInfo) -> Any:
        group = GROUPS.get(info.data.get("in_", ""))
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
        group = GROUPS.get(info.data.get("in_", ""))
        if group is None:
            return value
        member = f"{group.name}.{group.members()[0]}"
        try:
            return _check_value(member, info.data.get("op"), value)
        except ValueError as error:
            raise ValueError(str(error).replace(repr(member), f"each of {group.label}")) from None


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        key = next(iter(value))
        return key if key in CONDITION_KINDS else None
    if isinstance(value, Node):
        return str(value._key)
    return None


Condition = Annotated[
    (
        Annotated[Check, Tag("check")]
        | Annotated[AllOf, Tag("all")]
        | Annotated[AnyOf, Tag("any")]
        | Annotated[Not, Tag("not")]
        | Annotated[Judgment, Tag("judgment")]
        | Annotated[Has, Tag("has")]
        | Annotated[Every, Tag("every")]
    ),
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message=(
            "expected one condition: a mapping with one key, check, all, any, not, judgment,"
            " has or every"
        ),
    ),
]

for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()


class Criterion(BaseModel):
    """One bullet of the protocol: id, inclusion or exclusion, verbatim text, and its rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=16)]
    kind: Literal["inclusion", "exclusion"]
    text: Text = Field(description="The protocol's own words, verbatim.")
    reading: str | None = Field(
        None, description="How vague protocol text was read into the rule, and why."
    )
    needs_curation: StrictBool = Field(
        False, description="Imported from a registry and not yet encoded by hand: the rule is "
        "a placeholder judgment until a rule author replaces it."
    )
    applies_to: Condition | None = Field(
        None, description="Who the criterion is about; when false it does not apply."
    )
    condition: Condition
    span: SkipJsonSchema[SourceSpan | None] = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _gather_condition(cls, value: Any) -> Any:
        if not isinstance(value, Mapping) or "condition" in value:
            return value
        keys = [key for key in CONDITION_KINDS if key in value]
        unknown = set(value) - set(cls.model_fields) - set(CONDITION_KINDS)
        if not keys and unknown:
            return value  # the misspelt key is reported as an unknown field, with a suggestion
        if len(keys) != 1:
            found = "none" if not keys else ", ".join(keys)
            raise ValueError(
                "a criterion needs exactly one rule key: check, all, any, not, judgment, has "
                f"or every (found: {found})"
            )
        rest = {key: item for key, item in value.items() if key != keys[0]}
        return {**rest, "condition": {keys[0]: value[keys[0]]}}


class TrialInfo(BaseModel):
    """Who runs the trial and where its record comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Annotated[str, Field(pattern=r"^NCT\d{8}$")]
    title: Text
    short_name: str | None = None
    phase: str | None = None
    overall_status: OverallStatus
    sponsor: str | None = None
    last_update: dt.date | None = Field(None, description="Registry record's last update.")
    source: str | None = Field(None, description="Where the criteria were taken from.")
    minimum_age: str | None = Field(None, description="Registry field, e.g. '18 Years'.")
    maximum_age: str | None = None
    sex: Literal["ALL", "FEMALE", "MALE"] | None = None
    healthy_volunteers: StrictBool | None = None
    notes: str | None = Field(
        None, description="Notes on the whole encoding (Markdown): sources, limitations."
    )

    @property
    def recruiting(self) -> bool:
        return self.overall_status in RECRUITING


class Trial(BaseModel):
    """A trial's metadata and every criterion of its protocol, in protocol order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trial: TrialInfo
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    file: SkipJsonSchema[str | None] = Field(None, exclude=True)
    sha256: SkipJsonSchema[str | None] = Field(None, exclude=True)
    span: SkipJsonSchema[SourceSpan | None] = Field(None, exclude=True)

    @property
    def id(self) -> str:
        return self.trial.id
