"""The fact vocabulary: every name a rule may read, with its kind, unit and allowed range.

This is the one place that knows the clinical domain. The evaluator only sees facts by name, so
encoding a trial in another disease means adding facts here and rules in `rules/`.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

__all__ = [
    "ALSFRS_R_ITEMS",
    "COLLECTIONS",
    "FACTS",
    "GROUPS",
    "LAB_TESTS",
    "Collection",
    "Fact",
    "Group",
    "Kind",
    "closest",
    "normalise_name",
]

Kind = Literal["number", "integer", "boolean", "category", "date", "lab"]


@dataclass(frozen=True)
class Fact:
    """One thing a profile can state about a patient, named by its path in the profile."""

    name: str
    kind: Kind
    label: str
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    derived: bool = False
    dated: bool = True

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer", "lab")

    def describe_range(self) -> str:
        """The allowed values in words: `0 to 4`, `'definite', 'probable'`."""
        if self.categories:
            return ", ".join(repr(category) for category in self.categories)
        if self.minimum is not None and self.maximum is not None:
            return f"{_number(self.minimum)} to {_number(self.maximum)}"
        return self.kind


@dataclass(frozen=True)
class Group:
    """A fixed set of facts scored together, such as the twelve ALSFRS-R items.

    Each slot lists the facts that can fill it (ALSFRS-R item 5 is 5a or 5b, whichever was
    scored); `every` quantifies over the slots.
    """

    name: str
    label: str
    slots: tuple[tuple[str, ...], ...]
    scoring: str = ""

    def members(self) -> tuple[str, ...]:
        return tuple(name for slot in self.slots for name in slot)


@dataclass(frozen=True)
class Collection:
    """An open list in the profile (conditions, medications, ...) that `has` searches.

    `categories` maps each category to its parent, so a rule asking for `infection` also finds
    a `viral_infection`. `known_names` gives the categories of common entries by name, so a
    profile that records `warfarin` is found by a rule asking for `anticoagulant`. A `singular`
    category is one state a patient has at most once (hypertension): any entry recorded in it
    settles a question about it, where for other categories another entry may be unlisted. A
    `partitioned` category is one whose every member belongs to one of its sub-categories
    (an infection is viral, bacterial or fungal): an entry filed under it alone may be any of
    them, so it cannot rule one out.
    """

    name: str
    label: str
    entry: str
    categories: Mapping[str, str | None]
    known_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    singular: frozenset[str] = frozenset()
    partitioned: frozenset[str] = frozenset()

    def ancestors(self, category: str) -> tuple[str, ...]:
        """The category and every broader one above it."""
        return _ancestors(self.name, category)

    def categories_of(self, name: str | None, stated: Iterable[str]) -> frozenset[str]:
        """Every category an entry belongs to: stated, known by name, and their ancestors."""
        return _categories_of(self.name, name, tuple(stated))


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Names match case-insensitively and ignore repeated spaces, hyphens and underscores."""
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


# Entries and queries repeat across patients, so these lookups are remembered (pure functions
# of the immutable vocabulary).

@functools.lru_cache(maxsize=1024)
def _ancestors(collection: str, category: str) -> tuple[str, ...]:
    parents = COLLECTIONS[collection].categories
    chain: list[str] = []
    current: str | None = category
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return tuple(chain)


@functools.lru_cache(maxsize=8192)
def _categories_of(collection: str, name: str | None, stated: tuple[str, ...]) -> frozenset[str]:
    direct = set(stated)
    if name is not None:
        direct.update(COLLECTIONS[collection].known_names.get(normalise_name(name), ()))
    return frozenset(ancestor for category in direct
                     for ancestor in _ancestors(collection, category))


def closest(word: str, known: Iterable[str]) -> str:
    """A ` (did you mean 'x'?)` hint for a misspelt name, or nothing."""
    matches = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _number(value: float) -> str:
    return f"{value:g}"


ALSFRS_R_ITEMS: Mapping[str, str] = MappingProxyType(
    {
        "speech": "1 speech",
        "salivation": "2 salivation",
        "swallowing": "3 swallowing",
        "handwriting": "4 handwriting",
        "cutting_food": "5a cutting food and handling utensils",
        "cutting_food_gastrostomy": "5b cutting food (gastrostomy)",
        "dressing_hygiene": "6 dressing and hygiene",
        "turning_in_bed": "7 turning in bed",
        "walking": "8 walking",
        "climbing_stairs": "9 climbing stairs",
        "dyspnea": "10 dyspnea",
        "orthopnea": "11 orthopnea",
        "respiratory_insufficiency": "12 respiratory insufficiency",
    }
)

LAB_TESTS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "hemoglobin": ("Hemoglobin", "g/dL"),
        "hematocrit": ("Hematocrit", "%"),
        "wbc": ("White blood cells", "10^9/L"),
        "neutrophils": ("Absolute neutrophils", "10^9/L"),
        "lymphocytes": ("Absolute lymphocytes", "10^9/L"),
        "platelets": ("Platelets", "10^9/L"),
        "creatinine": ("Creatinine", "mg/dL"),
        "egfr": ("eGFR", "mL/min/1.73m2"),
        "alt": ("ALT", "U/L"),
        "ast": ("AST", "U/L"),
        "bilirubin": ("Total bilirubin", "mg/dL"),
        "inr": ("INR", "ratio"),
        "hba1c": ("HbA1c", "%"),
        "tsh": ("TSH", "mIU/L"),
    }
)


def _facts() -> Iterable[Fact]:
    yield Fact("age", "integer", "Age", "Age in completed years on the screening date, from "
               "birth_date (or the recorded age).", unit="years", minimum=0, maximum=130,
               derived=True)
    yield Fact("age_months", "integer", "Age in months", "Age in completed months on the "
               "screening date, from birth_date; for trials that admit children by months.",
               unit="months", minimum=0, maximum=1560, derived=True)
    yield Fact("age_days", "integer", "Age in days", "Age in days on the screening date, from "
               "birth_date; for registry limits in weeks or days.", unit="days", minimum=0,
               maximum=47_500, derived=True)
    yield Fact("birth_date", "date", "Birth date", "Date of birth.", dated=False)
    yield Fact("sex", "category", "Sex", "Sex recorded for eligibility.",
               categories=("female", "male"), dated=False)
    yield Fact("als.diagnosed", "boolean", "ALS diagnosis", "Whether ALS has been diagnosed "
               "(true when a diagnosis date is recorded).", derived=True)
    yield Fact("als.onset_date", "date", "ALS symptom onset", "Date of first ALS symptom "
               "(weakness, dysarthria, ...), as recorded in the history.", dated=False)
    yield Fact("als.diagnosis_date", "date", "ALS diagnosis date", "Date ALS was diagnosed.",
               dated=False)
    yield Fact("als.el_escorial", "category", "Revised El Escorial category",
               "Diagnostic certainty by the revised El Escorial (Airlie House) criteria.",
               categories=("definite", "probable", "probable_laboratory_supported",
                           "possible"))
    yield Fact("als.japan_severity_grade", "integer", "Japan ALS severity grade",
               "Japan ALS Severity Classification, 1 (mild) to 5 (most severe).",
               minimum=1, maximum=5)
    for item, label in ALSFRS_R_ITEMS.items():
        yield Fact(f"alsfrs_r.items.{item}", "integer", f"ALSFRS-R item {label}",
                   f"ALSFRS-R item {label}, scored 0 (worst) to 4 (normal).",
                   unit="points", minimum=0, maximum=4)
    yield Fact("alsfrs_r.total", "integer", "ALSFRS-R total", "Sum of the twelve ALSFRS-R "
               "items; derived, only when all twelve are scored.", unit="points", minimum=0,
               maximum=48, derived=True)
    yield Fact("fvc.percent_predicted", "number", "FVC", "Forced vital capacity, percent of "
               "predicted.", unit="% predicted", minimum=0, maximum=200)
    for test, (label, unit) in LAB_TESTS.items():
        yield Fact(f"labs.{test}", "lab", label, f"{label} with its lab's reference range.",
                   unit=unit, minimum=0, maximum=100_000)
    yield Fact("reproductive.pregnant", "boolean", "Pregnant", "Currently pregnant.")
    yield Fact("reproductive.breastfeeding", "boolean", "Breastfeeding",
               "Currently breastfeeding.")
    yield Fact("reproductive.plans_pregnancy", "boolean", "Plans pregnancy",
               "Plans to become pregnant during the study period.")
    yield Fact("reproductive.partner_plans_pregnancy", "boolean", "Partner plans pregnancy",
               "Plans for their partner to become pregnant during the study period.")
    yield Fact("reproductive.menopausal_status", "category", "Menopausal status",
               "Menopausal status.",
               categories=("premenopausal", "perimenopausal", "postmenopausal"))
    yield Fact("reproductive.contraception", "boolean", "Uses contraception",
               "Uses an effective method of contraception.")
    yield Fact("trial_participation.current", "boolean", "In another clinical trial",
               "Currently participating in another clinical trial.")
    yield Fact("consent.understands", "boolean", "Understands consent",
               "Understands the informed consent document.")
    yield Fact("consent.willing", "boolean", "Willing to consent",
               "Willing to sign a written informed consent document.")
    yield Fact("consent.signed_date", "date", "Consent signed", "Date informed consent was "
               "signed.")


FACTS: Mapping[str, Fact] = MappingProxyType({fact.name: fact for fact in _facts()})

GROUPS: Mapping[str, Group] = MappingProxyType(
    {
        "alsfrs_r.items": Group(
            "alsfrs_r.items",
            "ALSFRS-R items",
            tuple(
                ("cutting_food", "cutting_food_gastrostomy") if item == "cutting_food" else (item,)
                for item in ALSFRS_R_ITEMS
                if item != "cutting_food_gastrostomy"
            ),
            scoring="ALSFRS-R",
        )
    }
)

_STATUSES = ("current", "past", "absent")

COLLECTIONS: Mapping[str, Collection] = MappingProxyType(
    {
        "conditions": Collection(
            "conditions",
            "conditions",
            "condition",
            categories={
                "infection": None,
                "other": None,
                "viral_infection": "infection",
                "bacterial_infection": "infection",
                "fungal_infection": "infection",
                "cancer": None,
                "congenital_malformation": None,
                "chromosomal_abnormality": None,
                "intracranial_lesion": "neurological_disease",
                "head_neck_vessel_disease": "cardiovascular_disease",
                "hypertension": "cardiovascular_disease",
                "cardiovascular_disease": None,
                "respiratory_disease": None,
                "endocrine_disease": None,
                "metabolic_disease": None,
                "immune_disease": None,
                "blood_disease": None,
                "psychiatric_disorder": None,
                "neurological_disease": None,
                "gastrointestinal_disease": None,
                "liver_disease": None,
                "musculoskeletal_disease": None,
                "renal_urogenital_disease": None,
                "multisystem_organ_failure": None,
                "substance_use_disorder": "psychiatric_disorder",
            },
            known_names={
                "hiv": ("viral_infection",),
                "hiv infection": ("viral_infection",),
                "hepatitis b": ("viral_infection",),
                "hbv": ("viral_infection",),
                "hepatitis c": ("viral_infection",),
                "hcv": ("viral_infection",),
                "htlv 1": ("viral_infection",),
                "parvovirus b19": ("viral_infection",),
                "hpvb19": ("viral_infection",),
                "covid 19": ("viral_infection",),
                "covid": ("viral_infection",),
                "sars cov 2": ("viral_infection",),
                "sars cov 2 infection": ("viral_infection",),
                "hiv 1": ("viral_infection",),
                "chronic hepatitis b": ("viral_infection",),
                "chronic hepatitis c": ("viral_infection",),
                "htlv i": ("viral_infection",),
                "syphilis": ("bacterial_infection",),
                "hypertension": ("hypertension",),
                "essential hypertension": ("hypertension",),
            },
            attributes={"controlled": ("true", "false")},
            singular=frozenset({"hypertension"}),
            partitioned=frozenset({"infection"}),
        ),
        "medications": Collection(
            "medications",
            "medications",
            "medication",
            categories={
                "anticoagulant": None,
                "other": None,
                "antiplatelet": None,
                "immunosuppressant": None,
                "als_therapy": None,
                "antisense_oligonucleotide": None,
            },
            known_names={
                **{name: ("anticoagulant",) for name in (
                    "warfarin", "acenocoumarol", "phenprocoumon", "apixaban", "rivaroxaban",
                    "edoxaban", "dabigatran", "heparin", "enoxaparin", "dalteparin",
                    "tinzaparin", "fondaparinux", "argatroban", "bivalirudin")},
                **{name: ("antiplatelet",) for name in (
                    "aspirin", "clopidogrel", "prasugrel", "ticagrelor", "dipyridamole")},
                **{name: ("anticoagulant",) for name in (
                    "eliquis", "xarelto", "pradaxa", "savaysa", "lixiana", "coumadin",
                    "jantoven", "lovenox", "fragmin", "arixtra")},
                **{name: ("als_therapy",) for name in (
                    "riluzole", "rilutek", "tiglutik", "exservan", "edaravone", "radicava")},
                **{name: ("als_therapy", "antisense_oligonucleotide") for name in (
                    "tofersen", "qalsody")},
                # Common in ALS clinics and in none of the categories above.
                **{name: ("other",) for name in (
                    "baclofen", "tizanidine", "amitriptyline", "glycopyrrolate", "sertraline",
                    "citalopram", "escitalopram", "omeprazole", "pantoprazole", "amlodipine",
                    "lisinopril", "losartan", "metoprolol", "atorvastatin", "simvastatin",
                    "metformin", "levothyroxine", "tamsulosin", "paracetamol", "acetaminophen",
                    "ibuprofen", "vitamin d", "cholecalciferol", "mexiletine", "quinine",
                    "dextromethorphan quinidine", "nuedexta", "hydrochlorothiazide", "gabapentin",
                    "pregabalin", "melatonin", "senna", "polyethylene glycol", "macrogol")},
            },
        ),
        "allergies": Collection(
            "allergies",
            "allergies",
            "allergy",
            categories={
                "drug": None,
                "other": None,
                "penicillin": "drug",
                "aminoglycoside": "drug",
                "sulfonamide": "drug",
                "food": None,
                "environmental": None,
            },
            known_names={
                **{name: ("penicillin",) for name in (
                    "penicillin", "penicillin g", "penicillin v", "amoxicillin", "ampicillin",
                    "piperacillin", "dicloxacillin", "flucloxacillin", "nafcillin")},
                **{name: ("aminoglycoside",) for name in (
                    "streptomycin", "gentamicin", "tobramycin", "amikacin", "neomycin")},
                **{name: ("sulfonamide",) for name in (
                    "sulfa", "sulfa drugs", "sulfonamide", "sulfonamides", "sulfamethoxazole",
                    "sulfamethoxazole trimethoprim", "co trimoxazole", "bactrim", "septra",
                    "sulfasalazine", "sulfadiazine")},
                "augmentin": ("penicillin",),
                "amoxicillin clavulanate": ("penicillin",),
                "co amoxiclav": ("penicillin",),
            },
            attributes={"severity": ("mild", "moderate", "severe")},
        ),
        "prior_therapies": Collection(
            "prior_therapies",
            "prior therapies",
            "prior therapy",
            categories={
                "cell_therapy": None,
                "other": None,
                "stem_cell_transplant": "cell_therapy",
                "gene_therapy": None,
                "antisense_oligonucleotide": None,
                "organ_transplant": None,
                "investigational_drug": None,
            },
            known_names={"tofersen": ("antisense_oligonucleotide",),
                         "qalsody": ("antisense_oligonucleotide",)},
        ),
    }
)

STATUSES: tuple[str, ...] = _STATUSES
