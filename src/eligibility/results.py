"""What a screening produces: outcomes, criterion results, statuses and verdicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

from .logic import Truth

if TYPE_CHECKING:  # results are made by screening, which imports the rules
    from .forecast import Forecast
    from .rules import Criterion, Trial

__all__ = ["CriterionResult", "Evidence", "Need", "Outcome", "Screening", "Status", "Verdict"]


class Status(Enum):
    """What a criterion means for eligibility."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Verdict(Enum):
    """What a trial's criteria mean together."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    NEEDS_REVIEW = "needs_review"

    def __str__(self) -> str:
        return self.value


class Evidence(NamedTuple):
    """An observation a condition read, or its absence.

    `state` is `observed`, `missing` (the profile does not state it), `stale` (older than the
    rule allows) or `undated` (the rule needs a date the profile does not give).
    """

    fact: str
    state: str
    value: Any = None
    date: dt.date | None = None
    unit: str = ""


class Need(NamedTuple):
    """Something that would settle an unknown: the fact (or clinician question) to collect, and
    what to collect in words (`FVC (% predicted), measured within 90 days`).

    `fact` is a vocabulary fact name, a list name (`conditions`), `assessment:TRIAL:KEY` for a
    clinician's answer, or `visit:NAME` for a visit still to be dated.
    """

    fact: str
    text: str
    # For items of a group still to score (`every`): which ones, so that a need for some of
    # them is said once with a need for all of them (`collect_next`).
    items: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.text

    def covers(self, other: Need) -> bool:
        """Whether collecting this settles `other` too: the same group's items, all of
        `other`'s among them, with the same words around them."""
        return (bool(other.items) and self.fact == other.fact
                and set(other.items) <= set(self.items)
                and _around(self) == _around(other))


def _around(need: Need) -> str:
    """A need's words without its list of items."""
    return need.text.replace(", ".join(need.items), "", 1)


class Outcome(NamedTuple):
    """The truth of one condition with the sentence and the facts behind it.

    `code` says which kind of outcome it is (`check.stale`, `has.closed`, ...), stable across
    versions and wordings. `asks` marks an unknown that only a clinician's answer can settle,
    so that a question is not put while data it depends on is missing.
    """

    truth: Truth
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[Need, ...] = ()
    parts: tuple[Outcome, ...] = ()
    applies: bool = True
    asks: bool = False
    code: str = ""

    @property
    def facts(self) -> tuple[str, ...]:
        """The facts (and lists) this outcome read, each once, in the order read."""
        return tuple(dict.fromkeys(evidence.fact for evidence in self.evidence))


class CriterionResult(NamedTuple):
    """One criterion of one trial for one patient."""

    criterion: Criterion
    status: Status
    outcome: Outcome


@dataclass(frozen=True)
class Screening:
    """One patient against one trial: every criterion's result, in protocol order."""

    trial: Trial
    patient_id: str
    as_of: dt.date
    results: tuple[CriterionResult, ...]
    forecast: Forecast | None = field(default=None, compare=False)
    """The days ahead on which the screening would change (`forecast.attach`), if asked."""

    @property
    def verdict(self) -> Verdict:
        statuses = {result.status for result in self.results}
        if Status.FAIL in statuses:
            return Verdict.INELIGIBLE
        if Status.UNKNOWN in statuses:
            return Verdict.NEEDS_REVIEW
        return Verdict.ELIGIBLE

    def with_status(self, status: Status) -> tuple[CriterionResult, ...]:
        return tuple(result for result in self.results if result.status is status)

    @property
    def collect_next(self) -> tuple[Need, ...]:
        """What would settle the unknown criteria: their missing facts, in order, once each."""
        seen: dict[str, Need] = {}
        for result in self.with_status(Status.UNKNOWN):
            for need in result.outcome.missing:
                seen.setdefault(need.text, need)
        needs = list(seen.values())
        return tuple(need for need in needs
                     if not any(other is not need and other.covers(need)
                                and (not need.covers(other) or needs.index(other) <
                                     needs.index(need))
                                for other in needs))
