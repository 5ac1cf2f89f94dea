"""The format of a vocabulary file, as pydantic models: facts, blocks, groups, collections.

The package's own files (`core.yaml`, `als.yaml`) and any vocabulary file beside the rule
files are read through these models; a rule file's `facts:` section uses `FactSpec`. The
reference is docs/vocabulary-files.md.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from ..source import SubfieldError

__all__ = [
    "AttributeSpec",
    "BlockSpec",
    "CategorySpec",
    "CollectionSpec",
    "ConceptSpec",
    "ConstraintSpec",
    "FactName",
    "FactSpec",
    "FrequencySpec",
    "GroupSpec",
    "ProviderSpec",
    "SlotSpec",
    "VocabularyFile",
    "VocabularyInfo",
]


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Text = Annotated[str, Field(min_length=1)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
FactName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){0,2}$")]
Codes = dict[Name, Annotated[tuple[Text, ...], Field(min_length=1)] | Text]
FactKind = Literal["number", "integer", "boolean", "category", "date", "lab"]


def _range_ordered(bounds: tuple[float, float] | None) -> None:
    if bounds is not None and bounds[0] > bounds[1]:
        raise ValueError(f"the range [{bounds[0]:g}, {bounds[1]:g}] is empty: low is above high")


class FactSpec(Spec):
    """One fact: what it is, its kind, unit and allowed range, and how to read or derive it."""

    kind: FactKind = Field(description="number, integer, boolean, category, date, or lab (a "
                           "result with its lab's reference range).")
    label: Text = Field(description="What a reader sees: 'FVC', 'ALSFRS-R total'.")
    description: str = ""
    unit: str = Field("", description="The one unit values are given in ('% predicted').")
    range: tuple[float, float] | None = Field(None, description="Allowed values [low, high].")
    categories: tuple[Text, ...] = Field((), description="The values of a category fact.")
    dated: StrictBool = Field(True, description="Whether an observation of it has a date of "
                              "its own (false for dates of events, such as an onset date).")
    dated_by: str | None = Field(None, description="A date fact of the same block whose value "
                                 "dates this fact (a diagnosis is dated by its date).")
    derive: Text | None = Field(None, description="An expression that computes the fact from "
                                "others (see docs/vocabulary-files.md#expressions).")
    builtin: Literal["age", "age_months", "age_days"] | None = Field(
        None, description="A fact computed by the engine: the age from birth_date, or from a "
        "recorded age.")
    stated: StrictBool | None = Field(None, description="For a derived fact: whether a profile "
                                      "may also state it (the stated value wins).")
    codes: Codes = Field(default_factory=dict, description="Standard codes by system: loinc, "
                         "snomed, rxnorm, atc.")
    provided_by: str = Field("", description="Who usually provides it: one of the providers "
                             "(lab, spirometry, clinician, patient, record, ...).")
    decimals: Annotated[int, Field(ge=0, le=6)] | None = Field(
        None, description="Decimal places shown in explanations.")

    @model_validator(mode="after")
    def _consistent(self) -> FactSpec:
        try:
            _range_ordered(self.range)
        except ValueError as empty:
            raise SubfieldError(("range",), str(empty)) from None
        if self.kind == "category" and not self.categories:
            raise ValueError("a category fact needs its categories: [...]")
        if self.kind == "lab" and not self.unit:
            raise ValueError("a lab fact needs its unit, the one a result must be given in "
                             "(unit: U/L; a ratio such as the INR has unit: ratio)")
        if self.categories and self.kind != "category":
            raise SubfieldError(("categories",), f"categories are only for a category fact, "
                                f"not a {self.kind} fact")
        if self.derive and self.builtin:
            raise ValueError("give derive or builtin, not both")
        if self.stated is not None and not (self.derive or self.builtin):
            raise ValueError("stated is only for a derived fact (one with derive)")
        return self


class ConstraintSpec(Spec):
    """A rule every record of a block must keep: an expression that must not be false."""

    require: Text = Field(description="An expression over the block's facts; a record for "
                          "which it is false is refused (unknown is allowed).")
    message: Text = Field(description="What is wrong, with {fact} replaced by its value.")


class BlockSpec(Spec):
    """A block of a profile: the facts named `block.field`, stated together with one date."""

    label: Text
    description: str = ""
    date: Literal["required", "optional"] = Field(
        "optional", description="Whether each record must give its date.")
    checks: tuple[ConstraintSpec, ...] = ()


class SlotSpec(Spec):
    """A slot filled by one of several members (ALSFRS-R item 5: 5a or 5b)."""

    name: Text
    members: Annotated[tuple[Name, ...], Field(min_length=2)]


class GroupSpec(Spec):
    """Facts scored together, slot by slot (the twelve ALSFRS-R items)."""

    label: Text
    scoring: str = ""
    slots: Annotated[tuple[Name | SlotSpec, ...], Field(min_length=1)]


class AttributeSpec(Spec):
    """An attribute entries of a collection may state (severity, hours per day)."""

    kind: Literal["number", "integer", "boolean", "category", "text"]
    label: Text
    unit: str = ""
    range: tuple[float, float] | None = None
    categories: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> AttributeSpec:
        _range_ordered(self.range)
        if self.kind == "category" and not self.categories:
            raise ValueError("a category attribute needs its categories: [...]")
        return self


class CategorySpec(Spec):
    """A category of a collection, under an optional broader one."""

    parent: Name | None = None
    codes: Codes = Field(default_factory=dict, description="Code prefixes that place an entry "
                         "in this category (ATC B01AF: every direct factor Xa inhibitor).")


class ConceptSpec(Spec):
    """A named thing an entry may be (riluzole), its other names and its categories."""

    synonyms: tuple[Text, ...] = ()
    categories: tuple[Name, ...] = ()
    codes: Codes = Field(default_factory=dict)


class CollectionSpec(Spec):
    """An open list of a profile that `has` searches (conditions, medications, ...)."""

    label: Text | None = None
    entry: Text | None = None
    description: str = ""
    provided_by: str = Field("", description="Who usually provides the list: one of the "
                             "providers.")
    dosing: StrictBool | None = Field(None, description="Entries give dose, unit, frequency "
                                      "and dose changes (medications).")
    singular_names: StrictBool | None = Field(
        None, description="A patient has each named thing once (one regimen of a drug): a "
        "present entry under a name settles a question asking for that name.")
    attributes: dict[Name, AttributeSpec] = Field(default_factory=dict)
    categories: dict[Name, CategorySpec] = Field(default_factory=dict)
    singular: tuple[Name, ...] = ()
    partitioned: tuple[Name, ...] = ()
    concepts: dict[Text, ConceptSpec] = Field(default_factory=dict)


class FrequencySpec(Spec):
    """How often a dose is taken, as doses per day."""

    per_day: Annotated[float, Field(gt=0)]
    synonyms: tuple[Text, ...] = ()


class ProviderSpec(Spec):
    """Who usually provides a fact (lab, spirometry, clinician): a word `provided_by` may use."""

    description: Text = Field(description="Who this is, for a coordinator: 'the hospital or "
                              "site laboratory'.")
    answers: tuple[Literal["assessments", "visits"], ...] = Field(
        (), description="What else this provider gives that is not a fact: assessments (a "
        "clinician's answers to a trial's judgment questions), visits (the dates of trial "
        "visits).")


class VocabularyInfo(Spec):
    name: Text
    description: str = ""


class VocabularyFile(Spec):
    """A whole vocabulary file."""

    vocabulary: VocabularyInfo
    blocks: dict[Name, BlockSpec] = Field(default_factory=dict)
    facts: dict[FactName, FactSpec] = Field(default_factory=dict)
    groups: dict[FactName, GroupSpec] = Field(default_factory=dict)
    collections: dict[Name, CollectionSpec] = Field(default_factory=dict)
    frequencies: dict[Text, FrequencySpec] = Field(default_factory=dict)
    providers: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9 ]*$")], ProviderSpec] = Field(
        default_factory=dict, description="Who usually provides facts: the words provided_by "
        "may use.")
    dose_units: dict[Text, Annotated[dict[Text, Annotated[float, Field(gt=0)]],
                                     Field(min_length=1, max_length=1)]] = Field(
        default_factory=dict)

    @classmethod
    def of_facts(cls, facts: dict[str, Any], origin: str) -> VocabularyFile:
        """A file holding only `facts`, as a rule file declares them."""
        return cls(vocabulary=VocabularyInfo(name=origin), facts=facts)
