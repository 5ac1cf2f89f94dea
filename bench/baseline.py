"""STR04 (NCT06910384) checked by hand, straight on a PatientProfile: the benchmark's baselines.

`str04_explained` gives every criterion's status with the sentence the engine writes for it;
`str04_verdict` gives only the statuses and the verdict. Both are the plain Python a careful
engineer would write for this one trial, with the same meaning as the rule file and
`eligibility.screening`: open world (silence is unknown), `measured_within_days` recency,
`has` with recorded negatives and complete lists, `every` over the ALSFRS-R items, `applies_to`,
and the judgment criterion answered by the latest assessment. Only the vocabulary's data (which
names and categories fall in which category) is read from the package, once, at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from eligibility.patient import PatientProfile
from eligibility.results import Status, Verdict
from eligibility.vocabulary import COLLECTIONS, normalise_name

__all__ = ["CRITERIA", "str04_explained", "str04_verdict"]

TRIAL = "NCT06910384"
CRITERIA = ("I1", "I2", "I3", "I4", "I5", "I6", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8",
            "E9", "E10", "E11", "S1", "S2")
QUESTION_I1 = 'Does "probable, laboratory-supported" ALS count as "Probable" for this protocol?'
QUESTION_E5 = (
    "Is the patient's current medical condition poor because of endocrine, metabolic, immune, "
    "blood, psychiatric, neurological (other than ALS), cardiovascular, respiratory, "
    "gastrointestinal, musculoskeletal or connective tissue, renal or urogenital disease?"
)
QUESTION_E8 = ("Does the prior antisense oligonucleotide therapy count as gene therapy for this "
               "protocol?")

F, U, T = 0, 1, 2  # Kleene truth values, ordered so that `and` is min and `or` is max

Explained = tuple[int, str]

# ALSFRS-R: the twelve slots in protocol order (item 5 is 5a or 5b), and each item's label.
_ITEM_LABELS = {
    "speech": "1 speech", "salivation": "2 salivation", "swallowing": "3 swallowing",
    "handwriting": "4 handwriting", "cutting_food": "5a cutting food and handling utensils",
    "cutting_food_gastrostomy": "5b cutting food (gastrostomy)",
    "dressing_hygiene": "6 dressing and hygiene", "turning_in_bed": "7 turning in bed",
    "walking": "8 walking", "climbing_stairs": "9 climbing stairs", "dyspnea": "10 dyspnea",
    "orthopnea": "11 orthopnea", "respiratory_insufficiency": "12 respiratory insufficiency",
}
_SLOTS: tuple[tuple[str, ...], ...] = (
    ("speech",), ("salivation",), ("swallowing",), ("handwriting",),
    ("cutting_food", "cutting_food_gastrostomy"), ("dressing_hygiene",), ("turning_in_bed",),
    ("walking",), ("climbing_stairs",), ("dyspnea",), ("orthopnea",),
    ("respiratory_insufficiency",),
)
_BREATHING = ("dyspnea", "orthopnea", "respiratory_insufficiency")
_BLOOD_COUNTS = (("hemoglobin", "Hemoglobin", "g/dL"), ("wbc", "White blood cells", "10^9/L"),
                 ("neutrophils", "Absolute neutrophils", "10^9/L"),
                 ("platelets", "Platelets", "10^9/L"))


# Words and small helpers

def _yes(answer: bool) -> str:
    return "yes" if answer else "no"


def _latest(records: tuple[Any, ...]) -> Any:
    """The latest of a block's records (or a test's results), or None: a profile holds one
    record or a dated history of them."""
    if not records:
        return None
    if len(records) == 1:
        return records[0]
    return max(records, key=lambda record: record.date or dt.date.min)


def _attribute(record: Any, name: str) -> Any:
    return None if record is None else getattr(record, name)


def _diagnosed(als: Any) -> bool | None:
    if als.diagnosed is not None:
        return bool(als.diagnosed)
    return True if als.diagnosis_date is not None else None


def _on(day: dt.date | None) -> str:
    return f" on {day.isoformat()}" if day is not None else ""


def _stale(day: dt.date, as_of: dt.date, days: int) -> bool:
    return day < as_of - dt.timedelta(days=days)


def _older(observed: str, day: dt.date, as_of: dt.date, days: int) -> str:
    return (f"{observed} is older than the {days} days allowed "
            f"({(as_of - day).days} days before {as_of.isoformat()})")


def _all(parts: Sequence[Explained]) -> Explained:
    """Kleene `and`; the sentence keeps the parts that decide it, and a clinician's question
    waits while data the same `and` needs is missing."""
    truth = min(truth for truth, _ in parts)
    waiting = [part for part in parts if part[0] == U and not part[1].startswith(_ASKS)]
    if truth == U and waiting:
        parts = waiting
    return truth, "; ".join(dict.fromkeys(text for part_truth, text in parts
                                          if part_truth == truth))


_ASKS = "Needs a clinician's judgment"


def _any(parts: Sequence[Explained]) -> Explained:
    """Kleene `or`; the sentence keeps the parts that decide it."""
    truth = max(truth for truth, _ in parts)
    return truth, "; ".join(dict.fromkeys(text for part_truth, text in parts
                                          if part_truth == truth))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _completed_years(start: dt.date, end: dt.date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _age(profile: PatientProfile, as_of: dt.date) -> tuple[int | None, bool]:
    """Age on `as_of` in completed years, and whether it may be one year more (an age
    recorded without a birth date, on another day of the year)."""
    if profile.birth_date is not None:
        return _completed_years(profile.birth_date, as_of), False
    if profile.age is None:
        return None, False
    recorded = profile.screening_date or as_of
    if (recorded.month, recorded.day) == (as_of.month, as_of.day):
        return profile.age + as_of.year - recorded.year, False
    if as_of > recorded:
        return profile.age + _completed_years(recorded, as_of), True
    return profile.age - _completed_years(as_of, recorded) - 1, True


# Open lists (conditions, allergies, prior therapies)

class _Search:
    """One `has` question, with the vocabulary's names and categories worked out once.

    An entry answers it when its name is asked for or it falls (by its stated category or its
    known name) in a category asked for. The list says no when every name and category asked
    for is recorded absent (itself or a broader category) or, for a singular category, recorded
    at all; or when it is marked complete and no present entry lacks a category (such an entry
    might be one).
    """

    def __init__(self, where: str, text: str, *, names: Sequence[str] = (),
                 categories: Sequence[str] = (), status: str = "ever",
                 attribute: tuple[str, Callable[[Any], int]] | None = None) -> None:
        collection = COLLECTIONS[where]
        self.where, self.text, self.status, self.attribute = where, text, status, attribute
        self.collection = collection
        self.complete_text = f"the {collection.label} list is marked complete"
        self.anything = not names and not categories
        self.asks_categories = bool(categories)
        self.asked_names = {normalise_name(name) for name in names}
        self.known_names = set(collection.known_names)
        asked = set(categories)
        self.names = self.asked_names | {
            name for name, known in collection.known_names.items()
            if any(set(collection.ancestors(category)) & asked for category in known)}
        self.categories = {category for category in collection.categories
                           if set(collection.ancestors(category)) & asked}
        # An entry filed only under a partitioned category above one asked for (an infection,
        # when viral infections are asked for) may be the one asked for.
        self.broader = {ancestor for category in asked
                        for ancestor in collection.ancestors(category)[1:]
                        } & collection.partitioned
        self.known_categories = dict(collection.known_names)
        # A name recorded absent that spells a category ('hypertension') rules it all out.
        self.category_names = {normalise_name(category): category
                               for category in collection.categories}
        # What closes each name and category asked for in an open list: an absent entry under
        # that name, an absent entry for one of these categories, or any entry at all in one of
        # these singular categories.
        self.covers: list[tuple[str | None, set[str], set[str]]] = []
        for name in self.asked_names:
            known = {ancestor for category in collection.known_names.get(name, ())
                     for ancestor in collection.ancestors(category)}
            self.covers.append((name, known, known & collection.singular))
        for category in categories:
            self.covers.append((None, set(collection.ancestors(category)),
                                {category} & collection.singular))
        # What the reason for a closed list names: negatives of what was asked (or broader),
        # and present entries of a singular category asked for.
        asked_all = asked | {category for cover in self.covers if cover[0] is not None
                             for category in cover[1]}
        self.wanted = {ancestor for category in asked_all
                       for ancestor in collection.ancestors(category)}
        self.settling = asked_all & collection.singular
        # Each name and category asked for alone, when there are several, with its words: a
        # record may rule out some of them and leave the others open.
        prefix = text.split(" named ")[0].split(" in category ")[0]
        self.parts: list[tuple[tuple[str | None, set[str], set[str]], str]] = []
        if len(names) + len(categories) > 1:
            by_name = {cover[0]: cover for cover in self.covers if cover[0] is not None}
            by_category = [cover for cover in self.covers if cover[0] is None]
            self.parts = [(by_name[normalise_name(name)], f"{prefix} named {name}")
                          for name in names]
            self.parts += [(cover, f"{prefix} in category {category}")
                           for cover, category in zip(by_category, categories, strict=True)]
        self.members = {
            singular: ({category for category in collection.categories
                        if singular in collection.ancestors(category)},
                       {name for name, known in collection.known_names.items()
                        if any(singular in collection.ancestors(k) for k in known)})
            for singular in self.settling | {s for cover in self.covers for s in cover[2]}}

    def run(self, profile: PatientProfile) -> tuple[list[Any], list[Any], list[Any], list[Any],
                                                      bool]:
        """Entries found, left undecided, not matching by attribute, unclassified; and whether
        recorded entries settle the question (only worked out when nothing is found)."""
        history = getattr(profile, self.where)
        found: list[Any] = []
        undecided: list[Any] = []
        rejected: list[Any] = []
        unclassified: list[Any] = []
        for entry in history.items:
            name = normalise_name(entry.name) if entry.name is not None else None
            fits = entry.status != "absent" and self.status in ("ever", entry.status)
            if self.anything or name in self.names or entry.category in self.categories:
                if not fits:
                    continue
                truth = self.attribute[1](entry) if self.attribute else T
                if truth == T and self._contradicted(entry, history.items):
                    truth = U  # a negative of the same thing, not recorded before it
                (found if truth == T else undecided if truth == U else rejected).append(entry)
            elif fits and self.asks_categories and self._unclassified(entry, name):
                unclassified.append(entry)
        covered = not found and self._covered(history.items)
        return found, undecided, rejected, unclassified, covered

    def _contradicted(self, entry: Any, entries: Sequence[Any]) -> bool:
        """Whether a negative in the list names this entry (or a category it is in) and the
        entry was not recorded after it: the record contradicts itself."""
        when = entry.start or entry.date
        name = normalise_name(entry.name) if entry.name else None
        categories = {ancestor for category in (
            [entry.category] if entry.category else self.known_categories.get(name, ()))
            for ancestor in self.collection.ancestors(category)}
        for negative in entries:
            if negative.status != "absent" or (
                    negative.date is not None and when is not None and when > negative.date):
                continue
            if (negative.name and name == normalise_name(negative.name)) or (
                    self._absent_category(negative) in categories):
                return True
        return False

    def _unclassified(self, entry: Any, name: str | None) -> bool:
        """Whether an entry that does not match may still be one: it has no category at all,
        or only a partitioned one above a category asked for."""
        direct = set(self.known_categories.get(name, ())) if name is not None else set()
        if entry.category:
            direct.add(entry.category)
        return not direct or not direct.isdisjoint(self.broader)

    def _covered(self, entries: Sequence[Any]) -> bool:
        if self.anything:
            return False
        absent = [entry for entry in entries if entry.status == "absent"]
        absent_names = {normalise_name(entry.name) for entry in absent if entry.name}
        absent_categories = {self._absent_category(entry) for entry in absent} - {None}
        for name, categories, singular in self.covers:
            if name in absent_names or categories & absent_categories:
                continue
            if not any(self._is_in(category, entry) for category in singular
                       for entry in entries if entry.status != "absent"):
                return False
        return True

    def _absent(self, entries: Sequence[Any]) -> tuple[set[str], set[str]]:
        """The names and whole categories recorded absent."""
        absent = [entry for entry in entries if entry.status == "absent"]
        return ({normalise_name(entry.name) for entry in absent if entry.name},
                {self._absent_category(entry) for entry in absent} - {None})  # type: ignore[misc]

    def _holds(self, cover: tuple[str | None, set[str], set[str]], entries: Sequence[Any],
               recorded: tuple[set[str], set[str]]) -> bool:
        """Whether what is recorded rules out one name or category asked for (`_covered`
        for one of them; the sentences only)."""
        name, categories, singular = cover
        absent_names, absent_categories = recorded
        if name in absent_names or categories & absent_categories:
            return True
        return any(self._is_in(category, entry) for category in singular
                   for entry in entries if entry.status != "absent")

    def _absent_category(self, entry: Any) -> str | None:
        if entry.name is None:
            return str(entry.category) if entry.category else None
        return self.category_names.get(normalise_name(entry.name))

    def _reason(self, entries: Sequence[Any]) -> str:
        """Which recorded entries settle the question, in the engine's words."""
        used = [_describe(entry) for entry in entries if entry.status == "absent" and (
            (entry.name is not None and normalise_name(entry.name) in self.asked_names)
            or self._absent_category(entry) in self.wanted)]
        settled = [_describe(entry) for entry in entries if entry.status != "absent" and any(
            self._is_in(category, entry) for category in self.settling)]
        reasons = []
        if used:
            reasons.append(f"recorded absent: {', '.join(used)}")
        if settled:
            reasons.append(f"recorded: {', '.join(settled)}")
        return "; ".join(reasons)

    def _is_in(self, singular: str, entry: Any) -> bool:
        categories, names = self.members[singular]
        return entry.category in categories or (
            entry.name is not None and normalise_name(entry.name) in names)

    def truth(self, profile: PatientProfile) -> int:
        found, undecided, _, unclassified, covered = self.run(profile)
        if found:
            return T
        # A complete list closes it too, unless an entry without a category might be one.
        closed = covered or (getattr(profile, self.where).complete and not unclassified)
        return F if closed and not undecided else U

    def explained(self, profile: PatientProfile) -> Explained:
        found, undecided, rejected, unclassified, covered = self.run(profile)
        if found:
            return T, f"Recorded {self.text}: {', '.join(map(_describe, found))}"
        history = getattr(profile, self.where)
        reason = None
        if covered:
            reason, unclassified = self._reason(history.items), []
        elif history.complete and not unclassified:
            reason = self.complete_text
        if reason is not None and not undecided:
            read = [text for text in map(_describe, rejected) if text not in reason]
            also = f" ({', '.join(read)} does not match)" if read else ""
            return F, f"No {self.text}: {reason}{also}"
        details = [f"{_describe(entry)} lacks {self.attribute[0]}"
                   for entry in undecided if self.attribute is not None]
        details += [f"{_describe(entry)} does not match" for entry in rejected]
        details += [f"{entry.name or entry.category!r} is not classified finely enough to tell "
                    "(give the category asked for, or category: other)"
                    if entry.category or normalise_name(entry.name) in self.known_names else
                    f"{entry.name!r} has no category, so it may be one (add its category, or "
                    "category: other)" for entry in unclassified]
        sentence = f"Not recorded whether there is any {self.text}"
        recorded = self._absent(history.items)
        still = [words for cover, words in self.parts
                 if not self._holds(cover, history.items, recorded)]
        if 0 < len(still) < len(self.parts):
            sentence = "Not recorded whether there is any " + " or any ".join(still)
            details.insert(0, f"the rest is ruled out: {self._reason(history.items)}")
        return U, sentence + (f" ({'; '.join(details)})" if details else "")


def _describe(entry: Any) -> str:
    """An entry as the engine shows it: `penicillin (current, severity: moderate)`."""
    name = entry.name or f"any {entry.category}"
    if entry.status == "absent":
        return f"{name} ({entry.date.isoformat()})" if entry.date else name
    details = [entry.category, entry.status]
    severity = getattr(entry, "severity", None)
    if severity is not None:
        details.append(f"severity: {severity}")
    controlled = getattr(entry, "controlled", None)
    if controlled is not None:
        details.append(f"controlled: {_yes(controlled)}")
    if entry.date is not None:
        details.append(entry.date.isoformat())
    shown = ", ".join(detail for detail in details if detail)
    return f"{name} ({shown})" if shown else name


def _severe(entry: Any) -> int:
    return U if entry.severity is None else T if entry.severity == "severe" else F


def _uncontrolled(entry: Any) -> int:
    return U if entry.controlled is None else T if entry.controlled is False else F


E1 = _Search("conditions", "current condition named syphilis or in category viral_infection",
             names=["syphilis"], categories=["viral_infection"], status="current")
E3 = _Search("conditions", "current or past condition in category cancer or "
             "congenital_malformation or chromosomal_abnormality",
             categories=["cancer", "congenital_malformation", "chromosomal_abnormality"])
E4_DRUGS = _Search("allergies", "current or past allergy named streptomycin or in category "
                   "penicillin", names=["streptomycin"], categories=["penicillin"])
E4_SEVERE = _Search("allergies", "current or past allergy of severity severe",
                    attribute=("severity", _severe))
E6 = _Search("conditions", "current or past condition in category intracranial_lesion or "
             "head_neck_vessel_disease",
             categories=["intracranial_lesion", "head_neck_vessel_disease"])
E7 = _Search("conditions", "current condition in category hypertension that is not controlled",
             categories=["hypertension"], status="current",
             attribute=("controlled", _uncontrolled))
E8_CELLS_GENES = _Search("prior_therapies", "current or past prior therapy in category "
                         "cell_therapy or gene_therapy", categories=["cell_therapy",
                                                                     "gene_therapy"])
E8_ANTISENSE = _Search("prior_therapies", "current or past prior therapy in category "
                       "antisense_oligonucleotide", categories=["antisense_oligonucleotide"])
E8_ANTISENSE_DRUGS = _Search("medications", "current or past medication in category "
                             "antisense_oligonucleotide",
                             categories=["antisense_oligonucleotide"])


def _latest_answer(profile: PatientProfile, criterion: str) -> Any:
    """The latest assessment of one STR04 judgment (the first of several on that day)."""
    latest = None
    for assessment in profile.assessments:
        if assessment.trial == TRIAL and assessment.criterion == criterion and (
                latest is None or assessment.date > latest.date):
            latest = assessment
    return latest


def _judgment(profile: PatientProfile, criterion: str, question: str) -> Explained:
    latest = _latest_answer(profile, criterion)
    if latest is None:
        return U, f"Needs a clinician's judgment: {question}"
    return (T if latest.answer else F), (f"{latest.by} answered {_yes(latest.answer)} on "
                                         f"{latest.date.isoformat()}: {question}")


# (a) Statuses with the engine's sentences

def _recent_enough(observed: str, day: dt.date | None, as_of: dt.date,
                   days: int | None) -> str | None:
    """Why an observation cannot be used under a recency window, or None when it can."""
    if days is None:
        return None
    if day is None:
        return f"{observed} has no date; the rule needs one within {days} days of screening"
    if _stale(day, as_of, days):
        return _older(f"{observed}{_on(day)}", day, as_of, days)
    return None


def _flag(label: str, value: bool | None, day: dt.date | None, as_of: dt.date,
          days: int | None = None) -> Explained:
    """A yes/no fact checked with `is_true`, within `days` of screening when given."""
    if value is None:
        return U, f"{label} is not recorded"
    observed = f"{label}: {_yes(value)}"
    problem = _recent_enough(observed, day, as_of, days)
    if problem is not None:
        return U, problem
    return (T if value else F), f"{observed}{_on(day)}"


def _i1(profile: PatientProfile, as_of: dt.date) -> Explained:
    als = _latest(profile.als)
    if als is None or als.el_escorial is None:
        named = other = (U, "Revised El Escorial category is not recorded")
    else:
        observed = f"Revised El Escorial category {als.el_escorial}{_on(als.date)}"
        holds = als.el_escorial in ("definite", "probable")
        named = (T if holds else F), (f"{observed} is {'' if holds else 'not '}one of definite, "
                                      "probable")
        holds = als.el_escorial == "probable_laboratory_supported"
        other = (T if holds else F), (f"{observed} is {'' if holds else 'not '}"
                                      "probable_laboratory_supported")
    return _any([named, _all([other, _judgment(profile, "I1", QUESTION_I1)])])


def _i2(profile: PatientProfile, as_of: dt.date) -> Explained:
    als = _latest(profile.als)
    if als is None or als.japan_severity_grade is None:
        return U, "Japan ALS severity grade is not recorded"
    observed = f"Japan ALS severity grade {als.japan_severity_grade}"
    problem = _recent_enough(observed, als.date, as_of, 90)
    if problem is not None:
        return U, problem
    holds = als.japan_severity_grade in (1, 2)
    return (T if holds else F), (f"{observed}{_on(als.date)} is {'' if holds else 'not '}"
                                 "one of 1, 2")


def _alsfrs_every(profile: PatientProfile, as_of: dt.date, only: bool) -> Explained:
    """Every ALSFRS-R slot at least 2 (or, `only` breathing, exactly 4), within 90 days."""
    alsfrs = _latest(profile.alsfrs_r)
    stale = alsfrs is not None and _stale(alsfrs.date, as_of, 90)
    truth, failing, unscored, old = T, [], [], False
    for slot in _SLOTS:
        if only and slot[0] not in _BREATHING:
            continue
        item, score = next(((item, getattr(alsfrs.items, item)) for item in slot
                            if alsfrs is not None and getattr(alsfrs.items, item) is not None),
                           (None, None))
        if score is None:
            unscored.append(" or ".join(slot))
            truth = min(truth, U)
        elif stale:
            old = True
            truth = min(truth, U)
        elif not (score == 4 if only else score >= 2):
            failing.append(f"{item} {score}")
            truth = F
    label = "ALSFRS-R items dyspnea, orthopnea, respiratory_insufficiency" if only else (
        "ALSFRS-R items")
    if truth == T:
        assert alsfrs is not None
        if only:
            return T, f"{label} on {alsfrs.date.isoformat()} are 4 points"
        return T, f"All 12 {label} on {alsfrs.date.isoformat()} are at least 2 points"
    if truth == F:
        assert alsfrs is not None
        threshold = "not 4 points" if only else "below 2 points"
        return F, f"{label} {threshold} on {alsfrs.date.isoformat()}: {', '.join(failing)}"
    # Unknown is said once for the group: the scoring too old, then the slots not scored.
    sentences = []
    if old:
        assert alsfrs is not None
        sentences.append(_older(f"ALSFRS-R on {alsfrs.date.isoformat()}", alsfrs.date, as_of,
                                90))
    if unscored:
        sentences.append(f"ALSFRS-R items not scored: {', '.join(unscored)}")
    return U, "; ".join(sentences)


def _i3(profile: PatientProfile, as_of: dt.date) -> Explained:
    return _all([_alsfrs_every(profile, as_of, False), _alsfrs_every(profile, as_of, True)])


def _i4(profile: PatientProfile, as_of: dt.date) -> Explained:
    onset = _attribute(_latest(profile.als), "onset_date")
    if onset is None:
        return U, "ALS symptom onset is not recorded"
    holds = _years_before(as_of, 2) <= onset <= as_of
    return (T if holds else F), (f"ALS symptom onset {onset.isoformat()} is "
                                 f"{'within' if holds else 'more than'} 2 years before the "
                                 f"screening date ({as_of.isoformat()})")


def _i5(profile: PatientProfile, as_of: dt.date) -> Explained:
    fvc = _latest(profile.fvc)
    if fvc is None:
        return U, "FVC is not recorded"
    observed = f"FVC {fvc.percent_predicted:g} % predicted on {fvc.date.isoformat()}"
    if _stale(fvc.date, as_of, 90):
        return U, _older(observed, fvc.date, as_of, 90)
    holds = fvc.percent_predicted >= 80
    return (T if holds else F), f"{observed} is {'at least' if holds else 'below'} 80 %"


def _i6(profile: PatientProfile, as_of: dt.date) -> Explained:
    age, uncertain = _age(profile, as_of)
    if age is None:
        return U, "Age is not recorded"
    holds = 18 <= age <= 75
    if uncertain and holds != (18 <= age + 1 <= 75):
        return U, (f"Age is {age} or {age + 1} years on {as_of.isoformat()} ({profile.age} "
                   f"recorded{_on(profile.screening_date or as_of)}; the birth date would "
                   "settle it)")
    return (T if holds else F), (f"Age {age} years on {as_of.isoformat()} is "
                                 f"{'within' if holds else 'outside'} 18 to 75 years")


def _e2(profile: PatientProfile, as_of: dt.date) -> Explained:
    parts: list[Explained] = []
    for test, label, unit in _BLOOD_COUNTS:
        lab = _latest(getattr(profile.labs, test))
        if lab is None:
            parts.append((U, f"{label} is not recorded"))
            continue
        observed = f"{label} {lab.value:g} {unit} on {lab.date.isoformat()}"
        if _stale(lab.date, as_of, 30):
            parts.append((U, _older(observed, lab.date, as_of, 30)))
            continue
        low, high = lab.reference_range.low, lab.reference_range.high
        below = lab.value < low
        parts.append((T if below else F, f"{observed} is {'' if below else 'not '}below the "
                                          f"lab's lower limit ({low:g} to {high:g} {unit})"))
    return _any(parts)


def _e8(profile: PatientProfile, as_of: dt.date) -> Explained:
    return _any([E8_CELLS_GENES.explained(profile),
                 _all([_any([E8_ANTISENSE.explained(profile),
                             E8_ANTISENSE_DRUGS.explained(profile)]),
                       _judgment(profile, "E8", QUESTION_E8)])])


def _e9(profile: PatientProfile, as_of: dt.date) -> Explained:
    participation = _latest(profile.trial_participation)
    if participation is None:
        return U, "In another clinical trial is not recorded"
    return _flag("In another clinical trial", participation.current, participation.date, as_of,
                 90)


def _sex_is(profile: PatientProfile, sex: str) -> Explained:
    if profile.sex is None:
        return U, "Sex is not recorded"
    holds = profile.sex == sex
    return (T if holds else F), f"Sex {profile.sex} is {'' if holds else 'not '}{sex}"


def _only_for(sex: str, profile: PatientProfile, condition: Explained) -> Explained:
    """An exclusion that applies to one sex: `sex and condition`, not applying when false."""
    guard = _sex_is(profile, sex)
    if guard[0] == F:
        return F, f"Does not apply: {guard[1]}"
    return _all([guard, condition])


def _e10(profile: PatientProfile, as_of: dt.date) -> Explained:
    reproductive = _latest(profile.reproductive)
    if reproductive is None:
        condition = _any([(U, "Pregnant is not recorded"), (U, "Breastfeeding is not recorded"),
                          (U, "Plans pregnancy is not recorded")])
    else:
        day = reproductive.date
        condition = _any([
            _flag("Pregnant", reproductive.pregnant, day, as_of, 30),
            _flag("Breastfeeding", reproductive.breastfeeding, day, as_of, 90),
            _flag("Plans pregnancy", reproductive.plans_pregnancy, day, as_of, 90),
        ])
    return _only_for("female", profile, condition)


def _e11(profile: PatientProfile, as_of: dt.date) -> Explained:
    reproductive = _latest(profile.reproductive)
    if reproductive is None:
        condition: Explained = (U, "Partner plans pregnancy is not recorded")
    else:
        condition = _flag("Partner plans pregnancy", reproductive.partner_plans_pregnancy,
                          reproductive.date, as_of, 90)
    return _only_for("male", profile, condition)


def _s2(profile: PatientProfile, as_of: dt.date) -> Explained:
    als = _latest(profile.als)
    if als is None:
        return U, "ALS diagnosis is not recorded"
    return _flag("ALS diagnosis", _diagnosed(als), als.diagnosis_date, as_of)


_EXPLAINED: tuple[tuple[str, bool, Callable[[PatientProfile, dt.date], Explained]], ...] = (
    ("I1", True, _i1), ("I2", True, _i2), ("I3", True, _i3), ("I4", True, _i4),
    ("I5", True, _i5), ("I6", True, _i6),
    ("E1", False, lambda profile, as_of: E1.explained(profile)),
    ("E2", False, _e2),
    ("E3", False, lambda profile, as_of: E3.explained(profile)),
    ("E4", False, lambda profile, as_of: _any([E4_DRUGS.explained(profile),
                                               E4_SEVERE.explained(profile)])),
    ("E5", False, lambda profile, as_of: _judgment(profile, "E5", QUESTION_E5)),
    ("E6", False, lambda profile, as_of: E6.explained(profile)),
    ("E7", False, lambda profile, as_of: E7.explained(profile)),
    ("E8", False, _e8),
    ("E9", False, _e9), ("E10", False, _e10), ("E11", False, _e11),
    ("S1", True, _i6), ("S2", True, _s2),
)
_INCLUSION_WORDS = ("fail", "unknown", "pass")   # by truth: an inclusion passes when true
_EXCLUSION_WORDS = ("pass", "unknown", "fail")   # an exclusion fails when true


def str04_explained(profile: PatientProfile, as_of: dt.date) -> list[tuple[str, str, str]]:
    """Every STR04 criterion: (id, `pass`/`fail`/`unknown`, the engine's sentence)."""
    results = []
    for ident, inclusion, check in _EXPLAINED:
        truth, sentence = check(profile, as_of)
        words = _INCLUSION_WORDS if inclusion else _EXCLUSION_WORDS
        results.append((ident, words[truth], sentence))
    return results


# (b) Statuses and verdict only

def _answer(profile: PatientProfile, criterion: str) -> int:
    latest = _latest_answer(profile, criterion)
    return U if latest is None else T if latest.answer else F


def _v_flag(value: bool | None, day: dt.date | None = None, as_of: dt.date | None = None,
            days: int | None = None) -> int:
    if value is None:
        return U
    if days is not None and (day is None or _stale(day, as_of, days)):  # type: ignore[arg-type]
        return U
    return T if value else F


def _v_i1(profile: PatientProfile, as_of: dt.date) -> int:
    als = _latest(profile.als)
    category = als.el_escorial if als is not None else None
    if category is None:
        return U
    if category in ("definite", "probable"):
        return T
    if category == "probable_laboratory_supported":
        return _answer(profile, "I1")
    return F


def _v_i2(profile: PatientProfile, as_of: dt.date) -> int:
    als = _latest(profile.als)
    if als is None or als.japan_severity_grade is None or als.date is None or _stale(
            als.date, as_of, 90):
        return U
    return T if als.japan_severity_grade in (1, 2) else F


def _v_i3(profile: PatientProfile, as_of: dt.date) -> int:
    alsfrs = _latest(profile.alsfrs_r)
    if alsfrs is None or _stale(alsfrs.date, as_of, 90):
        return U
    items: Any = alsfrs.items  # a model made from the vocabulary, one field per item
    item_five = items.cutting_food if items.cutting_food is not None else (
        items.cutting_food_gastrostomy)
    limbs = (items.speech, items.salivation, items.swallowing, items.handwriting, item_five,
             items.dressing_hygiene, items.turning_in_bed, items.walking, items.climbing_stairs)
    breathing = (items.dyspnea, items.orthopnea, items.respiratory_insufficiency)
    truth = T
    for score in limbs + breathing:
        if score is None:
            truth = U
        elif score < 2:
            return F
    for score in breathing:
        if score is not None and score != 4:
            return F
    return truth


def _v_i4(profile: PatientProfile, as_of: dt.date) -> int:
    onset = _attribute(_latest(profile.als), "onset_date")
    if onset is None:
        return U
    return T if _years_before(as_of, 2) <= onset <= as_of else F


def _v_i5(profile: PatientProfile, as_of: dt.date) -> int:
    fvc = _latest(profile.fvc)
    if fvc is None or _stale(fvc.date, as_of, 90):
        return U
    return T if fvc.percent_predicted >= 80 else F


def _v_i6(profile: PatientProfile, as_of: dt.date) -> int:
    age, uncertain = _age(profile, as_of)
    if age is None:
        return U
    holds = 18 <= age <= 75
    if uncertain and holds != (18 <= age + 1 <= 75):
        return U
    return T if holds else F


def _v_e2(profile: PatientProfile, as_of: dt.date) -> int:
    labs: Any = profile.labs  # a model made from the vocabulary, one field per test
    truth = F
    for results in (labs.hemoglobin, labs.wbc, labs.neutrophils, labs.platelets):
        lab = _latest(results)
        if lab is None or _stale(lab.date, as_of, 30):
            truth = U
        elif lab.value < lab.reference_range.low:
            return T
    return truth


def _v_e9(profile: PatientProfile, as_of: dt.date) -> int:
    participation = _latest(profile.trial_participation)
    if participation is None:
        return U
    return _v_flag(participation.current, participation.date, as_of, 90)


def _v_sex_is(profile: PatientProfile, sex: str) -> int:
    return U if profile.sex is None else T if profile.sex == sex else F


def _v_e10(profile: PatientProfile, as_of: dt.date) -> int:
    guard = _v_sex_is(profile, "female")
    if guard == F:
        return F
    reproductive = _latest(profile.reproductive)
    if reproductive is None:
        return U
    day = reproductive.date
    condition = max(_v_flag(reproductive.pregnant, day, as_of, 30),
                    _v_flag(reproductive.breastfeeding, day, as_of, 90),
                    _v_flag(reproductive.plans_pregnancy, day, as_of, 90))
    return min(guard, condition)


def _v_e11(profile: PatientProfile, as_of: dt.date) -> int:
    guard = _v_sex_is(profile, "male")
    if guard == F:
        return F
    reproductive = _latest(profile.reproductive)
    if reproductive is None:
        return U
    return min(guard, _v_flag(reproductive.partner_plans_pregnancy, reproductive.date, as_of,
                              90))


def _v_s2(profile: PatientProfile, as_of: dt.date) -> int:
    return U if _latest(profile.als) is None else _v_flag(_diagnosed(_latest(profile.als)))


_INCLUSION = (Status.FAIL, Status.UNKNOWN, Status.PASS)
_EXCLUSION = (Status.PASS, Status.UNKNOWN, Status.FAIL)


def str04_verdict(profile: PatientProfile, as_of: dt.date) -> tuple[tuple[Status, ...],
                                                                      Verdict]:
    """Every STR04 criterion's status, in protocol order, and the verdict; no sentences."""
    statuses = (
        _INCLUSION[_v_i1(profile, as_of)],
        _INCLUSION[_v_i2(profile, as_of)],
        _INCLUSION[_v_i3(profile, as_of)],
        _INCLUSION[_v_i4(profile, as_of)],
        _INCLUSION[_v_i5(profile, as_of)],
        _INCLUSION[_v_i6(profile, as_of)],
        _EXCLUSION[E1.truth(profile)],
        _EXCLUSION[_v_e2(profile, as_of)],
        _EXCLUSION[E3.truth(profile)],
        _EXCLUSION[max(E4_DRUGS.truth(profile), E4_SEVERE.truth(profile))],
        _EXCLUSION[_answer(profile, "E5")],
        _EXCLUSION[E6.truth(profile)],
        _EXCLUSION[E7.truth(profile)],
        _EXCLUSION[max(E8_CELLS_GENES.truth(profile),
                       min(max(E8_ANTISENSE.truth(profile), E8_ANTISENSE_DRUGS.truth(profile)),
                           _answer(profile, "E8")))],
        _EXCLUSION[_v_e9(profile, as_of)],
        _EXCLUSION[_v_e10(profile, as_of)],
        _EXCLUSION[_v_e11(profile, as_of)],
        _INCLUSION[_v_i6(profile, as_of)],
        _INCLUSION[_v_s2(profile, as_of)],
    )
    if Status.FAIL in statuses:
        return statuses, Verdict.INELIGIBLE
    if Status.UNKNOWN in statuses:
        return statuses, Verdict.NEEDS_REVIEW
    return statuses, Verdict.ELIGIBLE
