"""One "collect next" list across a patient's trials: each thing to collect or ask, ranked by
the trials it could decide on its own, with who usually provides it.

Each trial's own list (`Screening.collect_next`) names the `Need`s of its unknown criteria. Here
the needs of every trial that needs review are merged by what they name (a fact, a group, a
list, a clinician's question `assessment:...`, a visit `visit:...`): one entry for the SVC
whether a trial wants it "at the screening visit" or "within 90 days", one for the medication
list whatever each trial asks of it. Ineligible trials are left out: nothing collected makes
them eligible.

A need *decides* an unknown criterion when it is all the criterion still needs: every unknown
part of it, a clinician's question held back until data is recorded included, misses this and
nothing else (a value "at the baseline visit" also needs that visit to take place). It *could
unlock* a trial when it decides every unknown criterion of the trial: with the answer recorded,
the trial is eligible or ineligible, no longer in review. The list is ranked by the trials a
need could unlock, then the trials it touches, the criteria it decides, the criteria it
touches, and first appearance (trials taken in the summary's order, best first). See
docs/collect-next.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from .cohort import rank
from .logic import Truth
from .results import Need, Outcome, Screening, Status, Verdict
from .vocabulary import Vocabulary

__all__ = ["Criterion", "ToCollect", "collect_across", "near_miss"]


class Criterion(NamedTuple):
    """An unknown criterion of a trial a need touches, and whether the need decides it."""

    trial: str
    id: str
    decided: bool


class ToCollect(NamedTuple):
    """One thing to collect or ask for a patient, across their trials in review."""

    fact: str                         # the vocabulary fact, group or list name, or
                                      # `assessment:TRIAL:KEY`, `visit:NAME`
    label: str                        # in words: `SVC`, `procedures and devices`
    provided_by: str                  # who usually provides it (vocabulary data), or ""
    questions: tuple[str, ...]        # what each criterion asks of it, once each
    criteria: tuple[Criterion, ...]   # the unknown criteria it touches, trial by trial
    unlocks: tuple[str, ...]          # the trials it could decide on its own

    @property
    def trials(self) -> tuple[str, ...]:
        """The trials it touches, each once, in order."""
        return tuple(dict.fromkeys(criterion.trial for criterion in self.criteria))

    @property
    def decides(self) -> tuple[Criterion, ...]:
        return tuple(criterion for criterion in self.criteria if criterion.decided)

    def rank_key(self) -> tuple[int, int, int, int]:
        return (-len(self.unlocks), -len(self.trials), -len(self.decides), -len(self.criteria))


def collect_across(screenings: Sequence[Screening]) -> tuple[ToCollect, ...]:
    """The needs of every trial in review merged by what they name, best first (see the
    module's docstring for the ranking)."""
    found: dict[str, tuple[Need, Vocabulary, list[str], list[Criterion], list[str]]] = {}
    for screening in rank(screenings):
        if screening.verdict is not Verdict.NEEDS_REVIEW:
            continue
        trial = screening.trial.id
        unknown = screening.with_status(Status.UNKNOWN)
        only = {result.criterion.id: _only_need(result.outcome) for result in unknown}
        for result in unknown:
            for need in result.outcome.missing:
                entry = found.setdefault(need.fact, (need, screening.trial.vocabulary, [], [],
                                                     []))
                _, _, questions, criteria, unlocks = entry
                if need.text not in questions:
                    questions.append(need.text)
                touched = Criterion(trial, result.criterion.id,
                                    only[result.criterion.id] == need.fact)
                if touched not in criteria:
                    criteria.append(touched)
                if trial not in unlocks and all(fact == need.fact for fact in only.values()):
                    unlocks.append(trial)
    merged = [ToCollect(fact, _label(first, vocabulary), vocabulary.provider(fact),
                        tuple(questions), tuple(criteria), tuple(unlocks))
              for fact, (first, vocabulary, questions, criteria, unlocks) in found.items()]
    return tuple(sorted(merged, key=ToCollect.rank_key))


def _only_need(outcome: Outcome) -> str | None:
    """The one thing an unknown criterion still needs, or None when it needs several (or
    none). Every unknown part counts, so a clinician's question held back until the data it
    depends on is recorded (`Outcome.asks`) is a second need, not a surprise."""
    facts = set(_needs_within(outcome))
    return facts.pop() if len(facts) == 1 else None


def _needs_within(outcome: Outcome) -> Iterator[str]:
    if outcome.truth is not Truth.UNKNOWN:
        return
    yield from (need.fact for need in outcome.missing)
    if outcome.code.endswith(".visit_pending") and not any(
            need.fact.startswith("visit:") for need in outcome.missing):
        yield "visit:"  # "FVC at the baseline visit" needs the visit to take place too
    for part in outcome.parts:
        yield from _needs_within(part)


def _label(need: Need, vocabulary: Vocabulary) -> str:
    """What to collect in words: the fact's, group's or list's label; for a clinician's
    question or a visit, the need's own words (with the trial, which a question belongs to)."""
    name = need.fact
    if name in vocabulary.facts:
        fact = vocabulary.facts[name]
        return f"{fact.label} ({fact.unit})" if fact.unit else fact.label
    if name in vocabulary.groups:
        return vocabulary.groups[name].label
    if name in vocabulary.collections:
        return vocabulary.collections[name].label
    if name.startswith("assessment:"):
        return f"{name.split(':')[1]} {need.text.removeprefix('clinician assessment of ')}"
    return need.text


def near_miss(screening: Screening) -> str | None:
    """The one criterion a trial fails, when it fails exactly one; else None."""
    failed = screening.with_status(Status.FAIL)
    return failed[0].criterion.id if len(failed) == 1 else None
