"""What a screening produces: outcomes, criterion results, statuses and verdicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple

from .logic import Truth
from .rules import Criterion, Trial

__all__ = ["CriterionResult", "Evidence", "Outcome", "Screening", "Status", "Verdict"]


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


class Outcome(NamedTuple):
    """The truth of one condition with the sentence and the facts behind it.

    `asks` marks an unknown that only a clinician's answer can settle, so that a question is
    not put while data it depends on is missing.
    """

    truth: Truth
    explanation: str
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    parts: tuple[Outcome, ...] = ()
    applies: bool = True
    asks: bool = False


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
    def collect_next(self) -> tuple[str, ...]:
        """What would settle the unknown criteria: their missing facts, in order, once each."""
        seen: dict[str, None] = {}
        for result in self.with_status(Status.UNKNOWN):
            for item in result.outcome.missing:
                seen.setdefault(item, None)
        return tuple(seen)
