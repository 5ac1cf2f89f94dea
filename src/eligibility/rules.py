"""Trial and Criterion: a rule file, its registry record, its own facts and its criteria.

Each condition is a one-key mapping in YAML (`check:`, `all:`, `any:`, `not:`, `first:`,
`judgment:`, `has:`, `every:`, `change:`); the kinds and their models are in `kinds/`. A rule
file may declare facts the vocabulary lacks (`facts:`); the criteria are then validated against
the vocabulary with those facts added, and the trial keeps that vocabulary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from .fixtures import Fixture
from .kinds import CONDITION_KINDS, Condition
from .kinds.change import Change
from .kinds.check import Check
from .kinds.combine import AllOf, AnyOf, First, Not
from .kinds.every import Every
from .kinds.has import Has
from .kinds.judgment import Judgment
from .source import SourceSpan, SubfieldError
from .vocabulary import DEFAULT, Vocabulary, VocabularyError
from .vocabulary.files import FactName, FactSpec, VocabularyFile

__all__ = [
    "CONDITION_KINDS",
    "AllOf",
    "AnyOf",
    "Change",
    "Check",
    "Condition",
    "Criterion",
    "Every",
    "First",
    "Has",
    "Judgment",
    "Not",
    "Trial",
    "TrialInfo",
]

RECRUITING = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})
OverallStatus = Literal[
    "RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
    "COMPLETED", "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN",
]
Text = Annotated[str, Field(min_length=1)]
_FACTS: TypeAdapter[dict[str, FactSpec]] = TypeAdapter(dict[FactName, FactSpec])


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
                f"a criterion needs exactly one rule key: {', '.join(CONDITION_KINDS[:-1])} or "
                f"{CONDITION_KINDS[-1]} (found: {found})"
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
    """A trial's metadata and every criterion of its protocol, in protocol order.

    Validate with `context={"vocabulary": ...}` to read the criteria against a vocabulary
    other than the package's (one with a folder's vocabulary files); the facts the file
    declares are added to it, and the result is the trial's `vocabulary`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    trial: TrialInfo
    facts: dict[FactName, FactSpec] = Field(
        default_factory=dict, description="Facts this trial needs that the vocabulary lacks: "
        "kind, unit, range, label (and derive, for a fact computed from others).")
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    fixtures: tuple[Fixture, ...] = Field(
        (), description="Example patients with the statuses they must give; run by "
        "`eligibility test`.")
    file: SkipJsonSchema[str | None] = Field(None, exclude=True)
    sha256: SkipJsonSchema[str | None] = Field(None, exclude=True)
    span: SkipJsonSchema[SourceSpan | None] = Field(None, exclude=True)

    _vocabulary: Vocabulary = PrivateAttr(default=DEFAULT)
    _plan: Any = PrivateAttr(default=None)

    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool | None = None,
                       from_attributes: bool | None = None, context: Any = None,
                       **more: Any) -> Trial:
        context = dict(context or {})
        context.setdefault("vocabulary", DEFAULT)
        return super().model_validate(obj, strict=strict, from_attributes=from_attributes,
                                      context=context, **more)

    @model_validator(mode="before")
    @classmethod
    def _declared_facts(cls, value: Any, info: ValidationInfo) -> Any:
        """Add the facts the file declares to the vocabulary its criteria are read with."""
        context = info.context
        if not (isinstance(value, Mapping) and isinstance(context, dict)
                and isinstance(value.get("facts"), Mapping) and value["facts"]):
            return value
        # Each fact alone: one with a mistake (the facts field reports it) must not make the
        # others unknown, and the criteria that name it are told it is broken, not unknown.
        declared: dict[str, Any] = {}
        broken = set()
        for name, spec in value["facts"].items():
            try:
                declared |= _FACTS.validate_python({name: spec}, context=context)
            except ValidationError:
                broken.add(str(name))
        context["broken_facts"] = frozenset(broken)
        if not declared:
            return value
        origin = _origin(value)
        base: Vocabulary = context.get("vocabulary", DEFAULT)
        for name in declared:
            if name in base.facts:
                raise SubfieldError(("facts", name), f"fact {name!r} is already in the "
                                    f"vocabulary ({base.facts[name].origin}): use it as it is, "
                                    "or give this one another name")
        try:
            context["vocabulary"] = base.extended(VocabularyFile.of_facts(declared, origin),
                                                  origin)
        except VocabularyError as error:
            path, message = error.problems[0]
            raise SubfieldError(path, message) from None
        return value

    @model_validator(mode="after")
    def _keep_vocabulary(self, info: ValidationInfo) -> Trial:
        if isinstance(info.context, dict) and isinstance(info.context.get("vocabulary"),
                                                         Vocabulary):
            self._vocabulary = info.context["vocabulary"]
        return self

    @property
    def vocabulary(self) -> Vocabulary:
        """The vocabulary the criteria were read with: the package's, a folder's vocabulary
        files, and the facts this file declares."""
        # Read from pydantic's dict of private attributes: `self._vocabulary` takes its slow
        # __getattr__, and screening reads this for every patient.
        return self.__pydantic_private__["_vocabulary"]  # type: ignore[index, no-any-return]

    @property
    def id(self) -> str:
        return self.trial.id


def _origin(value: Mapping[str, Any]) -> str:
    trial = value.get("trial")
    ident = trial.get("id") if isinstance(trial, Mapping) else None
    return f"rule file {ident}" if isinstance(ident, str) else "rule file"


_ = (AllOf, AnyOf, Change, Check, Every, First, Has, Judgment, Not)
