"""PatientProfile and its parts: what a profile may state, validated on load."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.json_schema import WithJsonSchema

from .source import SubfieldError, shown
from .vocabulary import ALSFRS_R_ITEMS, COLLECTIONS, FACTS, LAB_TESTS, closest

__all__ = [
    "AllergyEntry",
    "Als",
    "AlsfrsR",
    "Assessment",
    "ConditionEntry",
    "Consent",
    "Entry",
    "Fvc",
    "History",
    "Lab",
    "MedicationEntry",
    "PatientProfile",
    "PriorTherapyEntry",
    "Reproductive",
    "TrialParticipation",
]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _range(fact: str) -> Any:
    """The allowed range the vocabulary gives for `fact`, as field constraints."""
    spec = FACTS[fact]
    return Field(ge=spec.minimum, le=spec.maximum, description=spec.description)


Score = Annotated[int, Strict(), _range("alsfrs_r.items.speech")]
JapanGrade = Annotated[int, Strict(), _range("als.japan_severity_grade")]
FvcPercent = Annotated[float, Strict(), _range("fvc.percent_predicted")]
Age = Annotated[int, Strict(), _range("age")]
Text = Annotated[str, Field(min_length=1)]
Sex = Literal["female", "male"]
ElEscorial = Literal["definite", "probable", "probable_laboratory_supported", "possible"]
Menopause = Literal["premenopausal", "perimenopausal", "postmenopausal"]
Status = Literal["current", "past", "absent"]


class Als(Model):
    """The ALS diagnosis: onset, diagnosis, diagnostic category and severity."""

    diagnosed: StrictBool | None = Field(
        None, description="Whether ALS is diagnosed; true when diagnosis_date is given."
    )
    onset_date: dt.date | None = Field(None, description="Date of first symptom.")
    diagnosis_date: dt.date | None = Field(None, description="Date of diagnosis.")
    el_escorial: ElEscorial | None = Field(
        None, description="Revised El Escorial (Airlie House) category."
    )
    japan_severity_grade: JapanGrade | None = None
    date: dt.date | None = Field(
        None, description="When el_escorial and japan_severity_grade were assessed."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Als:
        if self.diagnosed is False and self.diagnosis_date is not None:
            raise ValueError("diagnosed is false but a diagnosis_date is given")
        if (
            self.onset_date is not None
            and self.diagnosis_date is not None
            and self.onset_date > self.diagnosis_date
        ):
            raise ValueError(
                f"onset_date {self.onset_date} is after diagnosis_date {self.diagnosis_date}"
            )
        return self

    @property
    def is_diagnosed(self) -> bool | None:
        if self.diagnosed is not None:
            return self.diagnosed
        return True if self.diagnosis_date is not None else None


AlsfrsItems = create_model(  # type: ignore[call-overload]
    "AlsfrsItems",
    __base__=Model,
    __doc__="The twelve ALSFRS-R items by name, each 0 to 4; item 5 as 5a or 5b.",
    **{
        item: (Score | None, Field(None, description=f"Item {label}, 0 to 4."))
        for item, label in ALSFRS_R_ITEMS.items()
    },
)


def _one_item_five(items: Any) -> Any:
    if items.cutting_food is not None and items.cutting_food_gastrostomy is not None:
        raise ValueError(
            "item 5 is scored as 5a (cutting_food) or 5b (cutting_food_gastrostomy), not both"
        )
    return items


class AlsfrsR(Model):
    """One ALSFRS-R assessment; the total is derived from the items, never typed."""

    date: dt.date
    items: AlsfrsItems

    _check_items = field_validator("items")(lambda cls, items: _one_item_five(items))

    def scores(self) -> dict[str, int]:
        return {name: score for name, score in self.items if score is not None}

    @property
    def total(self) -> int | None:
        scores = self.scores()
        return sum(scores.values()) if len(scores) == 12 else None


class Fvc(Model):
    """Forced vital capacity."""

    percent_predicted: FvcPercent
    date: dt.date


class ReferenceRange(Model):
    """The reporting lab's reference interval."""

    low: Annotated[float, Strict()]
    high: Annotated[float, Strict()]

    @model_validator(mode="after")
    def _ordered(self) -> ReferenceRange:
        if self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        return self


class Lab(Model):
    """One lab result with the reporting lab's reference range."""

    value: Annotated[float, Strict(), Field(ge=0, le=100_000)]
    unit: str
    date: dt.date
    reference_range: ReferenceRange


def _unit_fits(lab: Lab | None, info: ValidationInfo) -> Lab | None:
    """A lab result must be in its test's one unit, so thresholds compare like with like."""
    if lab is not None:
        label, unit = LAB_TESTS[str(info.field_name)]
        if lab.unit != unit:
            raise SubfieldError("unit", f"unit {lab.unit!r} is not the unit of {label} (give "
                                f"the value in {unit!r})")
    return lab


Labs = create_model(  # type: ignore[call-overload]
    "Labs",
    __base__=Model,
    __doc__="Lab results by test name; each test has one fixed unit.",
    __validators__={"units": field_validator(*LAB_TESTS)(_unit_fits)},
    **{
        test: (Lab | None, Field(None, description=f"{label} (unit: {unit})."))
        for test, (label, unit) in LAB_TESTS.items()
    },
)


class Entry(Model):
    """One entry of an open list: present (current or past) or recorded absent."""

    name: Text | None = None
    category: str | None = None
    status: Status = "current"
    date: dt.date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _named(self) -> Entry:
        if self.name is None and self.category is None:
            raise ValueError("give a name or a category (or both)")
        return self


def _in_collection(collection: str) -> Any:
    """A validator accepting only the categories the vocabulary lists for `collection`."""
    known = COLLECTIONS[collection]

    def check(category: str) -> str:
        if category not in known.categories:
            hint = closest(category, known.categories) or (
                f" (allowed: {', '.join(known.categories)})")
            raise ValueError(f"unknown category {category!r} for {known.name}{hint}")
        return category

    return AfterValidator(check)


def _enum(collection: str) -> Any:
    return WithJsonSchema({"type": "string", "enum": list(COLLECTIONS[collection].categories)})


ConditionCategory = Annotated[str, _in_collection("conditions"), _enum("conditions")]
MedicationCategory = Annotated[str, _in_collection("medications"), _enum("medications")]
AllergyCategory = Annotated[str, _in_collection("allergies"), _enum("allergies")]
PriorTherapyCategory = Annotated[str, _in_collection("prior_therapies"), _enum("prior_therapies")]


class ConditionEntry(Entry):
    """A condition (diagnosis, infection, history item)."""

    category: ConditionCategory | None = None
    controlled: StrictBool | None = None


class MedicationEntry(Entry):
    """A medication, current or past."""

    category: MedicationCategory | None = None


class AllergyEntry(Entry):
    """An allergy or hypersensitivity; its name is the substance."""

    category: AllergyCategory | None = None
    severity: Literal["mild", "moderate", "severe"] | None = None
    reaction: str | None = None


class PriorTherapyEntry(Entry):
    """A therapy or procedure received before screening."""

    category: PriorTherapyCategory | None = None


E = TypeVar("E", bound=Entry)


class History(Model, Generic[E]):
    """An open list. Anything not listed is unknown, unless `complete` says the list was
    reviewed in full, in which case anything not listed is absent."""

    complete: StrictBool = False
    reviewed: dt.date | None = None
    items: tuple[E, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return {"items": value} if isinstance(value, list) else value


class Reproductive(Model):
    """Pregnancy, breastfeeding, plans, menopause and contraception."""

    pregnant: StrictBool | None = None
    breastfeeding: StrictBool | None = None
    plans_pregnancy: StrictBool | None = None
    partner_plans_pregnancy: StrictBool | None = None
    menopausal_status: Menopause | None = None
    contraception: StrictBool | None = None
    date: dt.date | None = None


class TrialParticipation(Model):
    """Participation in other clinical trials."""

    current: StrictBool | None = None
    trials: tuple[Text, ...] = ()
    date: dt.date | None = None


class Consent(Model):
    """Informed consent."""

    understands: StrictBool | None = None
    willing: StrictBool | None = None
    signed_date: dt.date | None = None
    date: dt.date | None = None


class Assessment(Model):
    """A clinician's answer to a judgment criterion of one trial."""

    trial: Text
    criterion: Text
    answer: StrictBool = Field(description="yes or no to the criterion's judgment question.")
    by: Text
    date: dt.date
    note: str | None = None


class PatientProfile(Model):
    """Everything known about one patient for screening. What is not stated is unknown."""

    id: Text
    screening_date: dt.date | None = None
    birth_date: dt.date | None = None
    age: Age | None = Field(
        None, description="Age in completed years on screening_date, when no birth_date."
    )
    sex: Sex | None = None
    als: Als | None = None
    alsfrs_r: AlsfrsR | None = None
    fvc: Fvc | None = None
    labs: Labs = Field(default_factory=Labs)
    conditions: History[ConditionEntry] = Field(default_factory=History[ConditionEntry])
    medications: History[MedicationEntry] = Field(default_factory=History[MedicationEntry])
    allergies: History[AllergyEntry] = Field(default_factory=History[AllergyEntry])
    prior_therapies: History[PriorTherapyEntry] = Field(
        default_factory=History[PriorTherapyEntry]
    )
    reproductive: Reproductive | None = None
    trial_participation: TrialParticipation | None = None
    consent: Consent | None = None
    assessments: tuple[Assessment, ...] = ()
    note: str | None = None

    @field_validator("assessments")
    @classmethod
    def _answers_agree(cls, assessments: tuple[Assessment, ...]) -> tuple[Assessment, ...]:
        seen: dict[tuple[str, str, dt.date], tuple[int, Assessment]] = {}
        for index, assessment in enumerate(assessments):
            key = (assessment.trial, assessment.criterion, assessment.date)
            if key in seen and seen[key][1].answer != assessment.answer:
                first, earlier = seen[key]
                raise SubfieldError(
                    (index, "answer"),
                    f"contradicts assessment {first + 1} ({earlier.by}, same trial, criterion "
                    f"and date {assessment.date}, answer {shown(earlier.answer)}); keep the "
                    "answer that stands, or date the later one")
            seen.setdefault(key, (index, assessment))
        return assessments

    @field_validator("age")
    @classmethod
    def _age_has_a_date(cls, age: int | None, info: ValidationInfo) -> int | None:
        data = info.data
        born, on = data.get("birth_date"), data.get("screening_date")
        if age is not None and on is None and born is None:
            raise ValueError("age needs a screening_date to say when it was true (or give "
                             "birth_date instead)")
        if age is not None and on is not None and born is not None:
            exact = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
            if exact != age:
                raise ValueError(f"age {age} does not match birth_date {born} ({exact} on "
                                 f"{on}); give one or the other")
        return age
