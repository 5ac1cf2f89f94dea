"""Seeded synthetic patient profiles of an ALS clinic, as the plain mappings a YAML file gives.

Three cohorts are mixed, each with its own share of missing and stale facts:

- referral (55 %): what a referral letter gives; whole blocks missing (10-30 %), items not
  scored, results older than the rules allow, open lists without recorded negatives.
- site (37 %): worked up at the trial site; negatives recorded (`status: absent`), recent
  labs, allergy lists often marked complete, the investigator's answer to STR04's judgment.
- candidate (8 %): worked up after a phone pre-screen, so mostly early, mild ALS.

So all three verdicts occur: most patients need review or are ineligible, a few are eligible.
The same seed gives the same profiles; nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from eligibility.vocabulary import COLLECTIONS

__all__ = ["COHORTS", "FIRST_SCREENING", "Cohort", "profile", "profiles", "write_profiles"]

FIRST_SCREENING = dt.date(2026, 1, 5)
"""Screening dates fall on the 320 days from here."""

SCREENING_SPAN_DAYS = 320
STR04 = "NCT06910384"
ALLORX = "NCT05003921"

Profile = dict[str, Any]


@dataclass(frozen=True)
class Cohort:
    """How patients of one kind look: disease stage, and how much is recorded, how recently."""

    name: str
    share: float
    grades: tuple[float, ...]            # weights of Japan grade 1 to 5
    el_escorial: tuple[float, ...]       # definite, probable, lab-supported, possible
    onset_years: tuple[float, float]     # first symptom this many years before screening
    known: float                         # chance a single fact in a present block is stated
    missing: Mapping[str, float]         # chance each block is absent altogether
    negatives: float                     # chance the work-up negatives were recorded
    complete_allergies: float
    judged: float                        # chance the investigator answered STR04 E5
    fvc_mean: float = 88.0               # mean FVC % predicted at grade 0, 4 less per grade
    windows: Mapping[str, int] = field(default_factory=dict)  # days back for each block


_BLOCKS = ("als", "alsfrs_r", "fvc", "labs", "conditions", "medications", "allergies",
           "prior_therapies", "reproductive", "trial_participation", "consent")

COHORTS: tuple[Cohort, ...] = (
    Cohort("referral", 0.55, grades=(25, 30, 22, 14, 9), el_escorial=(25, 30, 25, 20),
           onset_years=(0.5, 5.0), known=0.85,
           missing=dict(zip(_BLOCKS, (0.1, 0.2, 0.25, 0.25, 0.15, 0.15, 0.3, 0.3, 0.3, 0.3,
                                      0.5), strict=True)),
           negatives=0.08, complete_allergies=0.1, judged=0.15,
           windows={"als": 150, "alsfrs_r": 200, "fvc": 200, "labs": 75,
                    "reproductive": 120}),
    Cohort("site", 0.37, grades=(30, 32, 20, 12, 6), el_escorial=(32, 38, 18, 12),
           onset_years=(0.5, 5.0), known=0.97,
           missing=dict(zip(_BLOCKS, (0.03, 0.05, 0.05, 0.03, 0.0, 0.05, 0.02, 0.05, 0.03,
                                      0.05, 0.1), strict=True)),
           negatives=0.85, complete_allergies=0.6, judged=0.9,
           windows={"als": 75, "alsfrs_r": 75, "fvc": 100, "labs": 35, "reproductive": 30}),
    Cohort("candidate", 0.08, grades=(60, 40, 0, 0, 0), el_escorial=(45, 50, 4, 1),
           onset_years=(0.5, 2.1), known=0.995,
           missing=dict.fromkeys(_BLOCKS, 0.0) | {"consent": 0.05},
           negatives=0.98, complete_allergies=0.95, judged=0.97, fvc_mean=97.0,
           windows={"als": 45, "alsfrs_r": 45, "fvc": 45, "labs": 25, "reproductive": 25}),
)

_LIMB_AND_BULBAR = ("speech", "salivation", "swallowing", "handwriting", "cutting_food",
                    "dressing_hygiene", "turning_in_bed", "walking", "climbing_stairs")
_BREATHING = ("dyspnea", "orthopnea", "respiratory_insufficiency")

# Points lost per limb or bulbar item (0 to 4), by Japan severity grade 1 to 5.
_ITEM_LOSS = {
    1: (0.60, 0.33, 0.065, 0.005, 0.0),
    2: (0.45, 0.37, 0.15, 0.025, 0.005),
    3: (0.25, 0.30, 0.25, 0.13, 0.07),
    4: (0.10, 0.25, 0.30, 0.20, 0.15),
    5: (0.05, 0.15, 0.30, 0.25, 0.25),
}
_BREATHING_NORMAL = {1: 0.97, 2: 0.93, 3: 0.8, 4: 0.6, 5: 0.4}

# Blood counts: unit, reference range at each of the clinic's two labs, standard deviation,
# decimals. Means sit 1.645 standard deviations above the lower limit: ~5 % come out low.
_BLOOD_COUNTS: dict[str, tuple[str, Sequence[tuple[float, float]], float, int]] = {
    "wbc": ("10^9/L", ((4.0, 11.0), (3.8, 10.8)), 1.5, 1),
    "neutrophils": ("10^9/L", ((1.8, 7.7), (1.5, 8.0)), 1.1, 2),
    "platelets": ("10^9/L", ((150.0, 400.0), (140.0, 440.0)), 55.0, 0),
}
_HEMOGLOBIN = {"female": (12.0, 15.5), "male": (13.5, 17.5)}
_OTHER_LABS: dict[str, tuple[str, tuple[float, float], float, float, int]] = {
    "creatinine": ("mg/dL", (0.5, 1.1), 0.75, 0.18, 2),
    "alt": ("U/L", (7.0, 56.0), 28.0, 12.0, 0),
    "ast": ("U/L", (10.0, 40.0), 25.0, 8.0, 0),
}

_CONDITIONS: tuple[tuple[float, dict[str, Any]], ...] = (
    (0.10, {"name": "type 2 diabetes mellitus", "category": "endocrine_disease"}),
    (0.06, {"name": "hypothyroidism", "category": "endocrine_disease"}),
    (0.10, {"name": "depression", "category": "psychiatric_disorder"}),
    (0.05, {"name": "hyperlipidaemia", "category": "metabolic_disease"}),
    (0.04, {"name": "asthma", "category": "respiratory_disease"}),
    (0.03, {"name": "atrial fibrillation", "category": "cardiovascular_disease"}),
    (0.04, {"name": "gastro-oesophageal reflux", "category": "gastrointestinal_disease"}),
    (0.01, {"name": "pneumonia", "category": "infection"}),
    (0.015, {"name": "meningioma", "category": "intracranial_lesion"}),
    (0.015, {"name": "carotid artery stenosis", "category": "head_neck_vessel_disease"}),
    (0.004, {"name": "atrial septal defect", "category": "congenital_malformation"}),
    (0.002, {"name": "balanced translocation", "category": "chromosomal_abnormality"}),
    # Written without a category, as referral letters do: each may be anything.
    (0.03, {"name": "gout"}),
    (0.02, {"name": "osteoarthritis"}),
)
_CANCERS = ("breast cancer", "prostate cancer", "colon cancer", "melanoma")
_VIRAL = ("hepatitis B", "HCV", "HIV", "COVID-19", "HTLV-1")
_CONDITION_LIST = COLLECTIONS["conditions"]

_NEGATIVES: tuple[dict[str, Any], ...] = (
    {"category": "viral_infection", "note": "HBV, HCV, HIV, HTLV-1 serology negative"},
    {"name": "syphilis", "note": "RPR non-reactive"},
    {"category": "cancer"},
    {"category": "congenital_malformation"},
    {"category": "chromosomal_abnormality"},
    {"category": "intracranial_lesion", "note": "MRI brain: no lesion"},
    {"category": "head_neck_vessel_disease", "note": "carotid duplex normal"},
)
_ALLERGIES: tuple[tuple[float, dict[str, Any]], ...] = (
    (0.05, {"name": "penicillin"}),
    (0.03, {"name": "amoxicillin"}),
    (0.005, {"name": "streptomycin"}),
    (0.04, {"name": "sulfamethoxazole"}),
    (0.03, {"name": "latex", "category": "environmental"}),
    (0.02, {"name": "peanuts", "category": "food"}),
    (0.02, {"name": "codeine", "category": "drug"}),
    (0.015, {"name": "iodinated contrast"}),
)
_MEDICATIONS = ((0.75, "riluzole"), (0.25, "edaravone"), (0.1, "aspirin"), (0.03, "apixaban"),
                (0.02, "warfarin"), (0.08, "baclofen"), (0.1, "amlodipine"),
                (0.06, "levothyroxine"), (0.08, "sertraline"), (0.03, "tofersen"),
                (0.03, "ondansetron"))  # ondansetron: a name the vocabulary does not know



class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe dumping that writes a repeated date again rather than as an anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True



def profiles(n: int, *, seed: int = 0) -> list[Profile]:
    """`n` profiles with ids S00000 upwards; the same seed gives the same profiles."""
    rng = random.Random(seed)
    return [profile(rng, index) for index in range(n)]


def write_profiles(folder: Path, items: Iterable[Profile]) -> list[Path]:
    """Write each profile to `folder/<id>.yaml` as a person would: block style, small
    mappings inline, no anchors."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in items:
        path = folder / f"{item['id']}.yaml"
        path.write_text(yaml.dump(item, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                  default_flow_style=None, width=100), encoding="utf-8")
        paths.append(path)
    return paths


def profile(rng: random.Random, index: int) -> Profile:
    """One patient, screened on a day in 2026."""
    cohort = rng.choices(COHORTS, weights=[cohort.share for cohort in COHORTS])[0]
    on = FIRST_SCREENING + dt.timedelta(days=rng.randrange(SCREENING_SPAN_DAYS))
    sex = "male" if rng.random() < 0.55 else "female"
    age = round(min(88.0, max(24.0, rng.gauss(62, 10))))
    grade = rng.choices((1, 2, 3, 4, 5), weights=cohort.grades)[0]
    result: Profile = {"id": f"S{index:05d}", "screening_date": on}
    result |= _demographics(rng, on, age, sex)
    blocks = {
        "als": _als(rng, on, grade, cohort),
        "alsfrs_r": _alsfrs_r(rng, on, grade, cohort),
        "fvc": _fvc(rng, on, grade, cohort),
        "labs": _labs(rng, on, sex, cohort),
        "conditions": _conditions(rng, on, cohort),
        "medications": _medications(rng, cohort),
        "allergies": _allergies(rng, on, cohort),
        "prior_therapies": _prior_therapies(rng, on, cohort),
        "reproductive": _reproductive(rng, on, sex, age, cohort),
        "trial_participation": _trial_participation(rng, on),
        "consent": _consent(rng, on),
    }
    for key, block in blocks.items():
        if block and rng.random() >= cohort.missing[key]:
            result[key] = block
    if assessments := _assessments(rng, on, cohort, result):
        result["assessments"] = assessments
    return result


def _days_before(on: dt.date, days: int) -> dt.date:
    return on - dt.timedelta(days=days)


def _recent(rng: random.Random, on: dt.date, longest: int, skew: float = 1.4) -> dt.date:
    """A date up to `longest` days before `on`; a `skew` above 1 favours recent dates."""
    return _days_before(on, int(longest * rng.random() ** skew))


def _demographics(rng: random.Random, on: dt.date, age: int, sex: str) -> Profile:
    result: Profile = {}
    # Up to 364 days before the birthday `age` years ago: exactly `age` on the screening day.
    birthday = dt.date(on.year - age, on.month, min(on.day, 28) if on.month == 2 else on.day)
    roll = rng.random()
    if roll < 0.92:
        result["birth_date"] = _days_before(birthday, rng.randrange(365))
    elif roll < 0.97:
        result["age"] = age
    if rng.random() < 0.97:
        result["sex"] = sex
    return result


def _als(rng: random.Random, on: dt.date, grade: int, cohort: Cohort) -> Profile:
    shortest, longest = cohort.onset_years
    onset = _days_before(on, int(365.25 * (shortest + (longest - shortest) *
                                           rng.random() ** 1.6)))
    diagnosis = min(onset + dt.timedelta(days=rng.randrange(90, 480)),
                    _days_before(on, rng.randrange(30)))
    result: Profile = {}
    if rng.random() < cohort.known:
        result["onset_date"] = onset
    if rng.random() < cohort.known:
        result["diagnosis_date"] = max(diagnosis, onset)
        if rng.random() < 0.1:
            result["diagnosed"] = True
    elif rng.random() < 0.5:
        result["diagnosed"] = True
    if rng.random() < cohort.known:
        result["el_escorial"] = rng.choices(
            ("definite", "probable", "probable_laboratory_supported", "possible"),
            weights=cohort.el_escorial)[0]
    if rng.random() < cohort.known:
        result["japan_severity_grade"] = grade
    if rng.random() < 0.95:
        result["date"] = _recent(rng, on, cohort.windows["als"])
    return result


def _alsfrs_r(rng: random.Random, on: dt.date, grade: int, cohort: Cohort) -> Profile:
    items: dict[str, int] = {}
    for item in _LIMB_AND_BULBAR:
        if rng.random() < (1 - cohort.known) / 4:
            continue
        score = 4 - rng.choices(range(5), weights=_ITEM_LOSS[grade])[0]
        if item == "cutting_food" and rng.random() < 0.1:
            item = "cutting_food_gastrostomy"
        items[item] = score
    for item in _BREATHING:
        if rng.random() < (1 - cohort.known) / 4:
            continue
        items[item] = 4 if rng.random() < _BREATHING_NORMAL[grade] else rng.choice((2, 3, 3))
    return {"date": _recent(rng, on, cohort.windows["alsfrs_r"]), "items": items}


def _fvc(rng: random.Random, on: dt.date, grade: int, cohort: Cohort) -> Profile:
    value = min(140.0, max(20.0, rng.gauss(cohort.fvc_mean - 4 * grade, 15)))
    percent = round(value) if rng.random() < 0.8 else round(value, 1)
    return {"percent_predicted": percent, "date": _recent(rng, on, cohort.windows["fvc"])}


def _labs(rng: random.Random, on: dt.date, sex: str, cohort: Cohort) -> Profile:
    day = _recent(rng, on, cohort.windows["labs"], 1.0)
    lab = rng.randrange(2)
    result: Profile = {}
    low, high = _HEMOGLOBIN[sex]
    if rng.random() < cohort.known:
        result["hemoglobin"] = _lab(rng, "g/dL", day, (low, high), low + 1.645 * 0.95, 0.95, 1)
    for test, (unit, ranges, sd, decimals) in _BLOOD_COUNTS.items():
        if rng.random() < cohort.known:
            low, high = ranges[lab]
            result[test] = _lab(rng, unit, day, (low, high), low + 1.645 * sd, sd, decimals)
    for test, (unit, bounds, mean, sd, decimals) in _OTHER_LABS.items():
        if rng.random() < 0.6:
            result[test] = _lab(rng, unit, day, bounds, mean, sd, decimals)
    return result


def _lab(rng: random.Random, unit: str, day: dt.date, bounds: tuple[float, float],
         mean: float, sd: float, decimals: int) -> Profile:
    value = max(0.0, rng.gauss(mean, sd))
    return {"value": round(value, decimals) if decimals else float(round(value)), "unit": unit,
            "date": day, "reference_range": {"low": bounds[0], "high": bounds[1]}}


def _conditions(rng: random.Random, on: dt.date, cohort: Cohort) -> Any:
    present: list[dict[str, Any]] = []
    checked = _recent(rng, on, 28, 1.0)
    worked_up = rng.random() < cohort.negatives
    broadly = worked_up and rng.random() < 0.1  # "no infections", not virus by virus
    hypertensive = rng.random() < 0.3
    if hypertensive:
        hypertension: dict[str, Any] = {
            "name": rng.choice(("hypertension", "essential hypertension")), "status": "current"}
        controlled = rng.choices((True, False, None), weights=(60, 12, 28))[0]
        if controlled is not None:
            hypertension["controlled"] = controlled
        present.append(hypertension)
    for probability, entry in _CONDITIONS:
        if rng.random() < probability:
            present.append({**entry, "status": "past" if rng.random() < 0.2 else "current"})
    if rng.random() < 0.05:
        present.append({"name": rng.choice(_CANCERS), "category": "cancer", "status": "past",
                        "date": _days_before(on, rng.randrange(400, 5000))})
    if rng.random() < 0.03:
        entry = {"name": rng.choice(_VIRAL), "status": rng.choice(("current", "past"))}
        if rng.random() < 0.5:
            entry["category"] = "viral_infection"
        present.append(entry)
    if rng.random() < 0.004:
        present.append({"name": "syphilis", "category": "bacterial_infection",
                        "status": "current"})
    # A negative is recorded only for what the history does not hold: "no cancer" beside a
    # past cancer would contradict it (the engine leaves such a question unknown).
    held = {category for entry in present for category in _CONDITION_LIST.categories_of(
        entry.get("name"), [entry["category"]] if "category" in entry else [])}
    entries: list[dict[str, Any]] = []
    for negative in _NEGATIVES:
        if broadly and negative.get("category") == "viral_infection":
            negative = {"category": "infection", "note": "no current infection"}
        category = negative.get("category")
        if category is not None and category in held:
            continue
        if rng.random() < (0.97 if worked_up else 0.05):
            entries.append({**negative, "status": "absent", "date": checked})
    if not hypertensive and worked_up and rng.random() < 0.9:
        entries.append({"name": "hypertension", "status": "absent", "date": checked})
    entries += present
    rng.shuffle(entries)
    if worked_up and rng.random() < 0.1:
        return {"complete": True, "reviewed": checked, "items": entries}
    return entries


def _medications(rng: random.Random, cohort: Cohort) -> Any:
    entries = [{"name": name, "status": "past" if rng.random() < 0.1 else "current"}
               for probability, name in _MEDICATIONS if rng.random() < probability]
    if rng.random() < cohort.negatives * 0.9:  # reconciled at the site visit
        return {"complete": True, "items": entries}
    return entries


def _allergies(rng: random.Random, on: dt.date, cohort: Cohort) -> Any:
    entries: list[dict[str, Any]] = []
    for probability, entry in _ALLERGIES:
        if rng.random() < probability:
            allergy = dict(entry)
            severity = rng.choices(("mild", "moderate", "severe", None),
                                   weights=(40, 30, 10, 20))[0]
            if severity is not None:
                allergy["severity"] = severity
            if rng.random() < 0.5:
                allergy["reaction"] = rng.choice(("rash", "urticaria", "anaphylaxis", "nausea"))
            entries.append(allergy)
    if rng.random() < cohort.complete_allergies:
        return {"complete": True, "reviewed": _recent(rng, on, 28, 1.0), "items": entries}
    return entries


def _prior_therapies(rng: random.Random, on: dt.date, cohort: Cohort) -> Any:
    received = [dict(entry) for probability, entry in (
        (0.04, {"name": "tofersen", "status": "current"}),
        (0.015, {"name": "autologous HSCT", "category": "stem_cell_transplant",
                 "status": "past"}),
        (0.005, {"name": "AAV-miR-SOD1", "category": "gene_therapy", "status": "past"}),
        (0.05, {"name": "masitinib", "category": "investigational_drug", "status": "past"}),
        (0.01, {"name": "IVIG", "status": "past"}),
    ) if rng.random() < probability]
    kinds = {entry.get("category") or entry["name"] for entry in received}
    negatives = []
    if rng.random() < cohort.negatives:
        checked = _recent(rng, on, 28, 1.0)
        for category, kind in (("cell_therapy", "stem_cell_transplant"),
                               ("gene_therapy", "gene_therapy"),
                               ("antisense_oligonucleotide", "tofersen")):
            if kind not in kinds and rng.random() < 0.95:
                negatives.append({"category": category, "status": "absent", "date": checked})
    entries = negatives + received
    if rng.random() < cohort.negatives / 20:
        return {"complete": True, "items": entries}
    return entries


def _reproductive(rng: random.Random, on: dt.date, sex: str, age: int,
                  cohort: Cohort) -> Profile:
    result: Profile = {}
    if sex == "male":
        if rng.random() < cohort.known:
            result["partner_plans_pregnancy"] = rng.random() < 0.03
    else:
        menopause = ("premenopausal" if age < 45 else "postmenopausal" if age > 55 else
                     rng.choice(("premenopausal", "perimenopausal", "postmenopausal")))
        fertile = menopause != "postmenopausal"
        for fact, chance in (("pregnant", 0.01), ("breastfeeding", 0.01),
                             ("plans_pregnancy", 0.03)):
            if rng.random() < cohort.known:
                result[fact] = fertile and rng.random() < chance
        result["menopausal_status"] = menopause
        if fertile:
            result["contraception"] = rng.random() < 0.8
    if rng.random() < 0.95:
        result["date"] = _recent(rng, on, cohort.windows["reproductive"], 1.0)
    return result


def _trial_participation(rng: random.Random, on: dt.date) -> Profile:
    current = rng.random() < 0.08
    result: Profile = {"current": current, "date": _recent(rng, on, 60)}
    if current:
        pass  # which trials goes in the profile's `studies` list, which STR04 does not read
    return result


def _consent(rng: random.Random, on: dt.date) -> Profile:
    return {"understands": rng.random() < 0.97, "willing": rng.random() < 0.9,
            "date": _recent(rng, on, 30, 1.0)}


def _assessments(rng: random.Random, on: dt.date, cohort: Cohort,
                 patient: Profile) -> list[Profile]:
    """The investigator's answers: STR04 E5 for most worked-up patients, I1 and E8 when the
    protocol leaves the case open, and now and then one of AlloRx's judgments."""
    assessments = []
    if patient.get("als", {}).get("el_escorial") == "probable_laboratory_supported" and (
            rng.random() < cohort.judged * 0.7):
        assessments.append(_assessment(rng, on, STR04, "I1", 0.6))
    therapies = patient.get("prior_therapies", [])
    if any(entry.get("name") == "tofersen" for entry in (
            therapies["items"] if isinstance(therapies, dict) else therapies)) and (
            rng.random() < cohort.judged * 0.5):
        assessments.append(_assessment(rng, on, STR04, "E8", 0.2))
    if rng.random() < cohort.judged:
        assessments.append(_assessment(rng, on, STR04, "E5", 0.1))
        if rng.random() < 0.05:  # a second opinion, earlier or later than the first
            second = _assessment(rng, on, STR04, "E5", 0.3)
            if second["date"] == assessments[-1]["date"]:  # never two answers on one day
                second["date"] = _days_before(second["date"], 1)
            assessments.append(second)
    if rng.random() < cohort.judged / 3:
        assessments.append(_assessment(rng, on, ALLORX, rng.choice(("E6", "E7")), 0.1))
    return assessments


def _assessment(rng: random.Random, on: dt.date, trial: str, criterion: str,
                yes: float) -> Profile:
    return {"trial": trial, "criterion": criterion, "answer": rng.random() < yes,
            "by": rng.choice(("Dr. R. Alvarez", "Dr. K. Tanaka", "Dr. M. Osei")),
            "date": _recent(rng, on, 30, 1.0)}
