"""Many screenings at once: trials ranked for a patient, and a trial's attrition funnel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .results import Screening, Status, Verdict
from .rules import Criterion, Trial

__all__ = ["Funnel", "FunnelStep", "deciding", "funnel", "rank"]

_ORDER = {Verdict.ELIGIBLE: 0, Verdict.NEEDS_REVIEW: 1, Verdict.INELIGIBLE: 2}


def deciding(screening: Screening) -> tuple[str, ...]:
    """The criteria that decide a verdict: those failed if ineligible, those unknown if it
    needs review, none if eligible."""
    status = {Verdict.INELIGIBLE: Status.FAIL, Verdict.NEEDS_REVIEW: Status.UNKNOWN}.get(
        screening.verdict)
    if status is None:
        return ()
    return tuple(result.criterion.id for result in screening.with_status(status))


def rank(screenings: Sequence[Screening]) -> tuple[Screening, ...]:
    """Trials in the order a coordinator acts on them: eligible first, then needs_review by
    fewest unknowns, then ineligible by fewest failed criteria; ties keep file order."""
    return tuple(sorted(screenings, key=lambda s: (_ORDER[s.verdict], len(deciding(s)))))


@dataclass(frozen=True)
class FunnelStep:
    """One criterion of a funnel: its counts, and how many patients are still in after it."""

    criterion: Criterion
    passed: int
    failed: int
    unknown: int
    remaining: int
    first_excluded: int


@dataclass(frozen=True)
class Funnel:
    """A trial's criteria in protocol order with how many patients each removes."""

    trial: Trial
    patients: int
    steps: tuple[FunnelStep, ...]
    verdicts: dict[Verdict, int]

    def top_excluders(self, count: int = 5) -> tuple[FunnelStep, ...]:
        """The criteria that fail the most patients, most first (protocol order on ties)."""
        failing = [step for step in self.steps if step.failed]
        return tuple(sorted(failing, key=lambda step: -step.failed)[:count])


def funnel(trial: Trial, screenings: Sequence[Screening]) -> Funnel:
    """The attrition of `screenings` (one per patient, all of `trial`) criterion by criterion.

    `remaining` counts patients who have failed none of the criteria so far; a patient who is
    unknown on a criterion stays in, since missing data never excludes.
    """
    assert all(screening.trial.id == trial.id for screening in screenings)
    still_in = set(range(len(screenings)))
    steps = []
    for index, criterion in enumerate(trial.criteria):
        statuses = [screening.results[index].status for screening in screenings]
        failed_now = {n for n, status in enumerate(statuses) if status is Status.FAIL}
        first = len(still_in & failed_now)
        still_in -= failed_now
        steps.append(FunnelStep(
            criterion,
            passed=statuses.count(Status.PASS),
            failed=statuses.count(Status.FAIL),
            unknown=statuses.count(Status.UNKNOWN),
            remaining=len(still_in),
            first_excluded=first,
        ))
    verdicts = {verdict: sum(s.verdict is verdict for s in screenings) for verdict in Verdict}
    return Funnel(trial, len(screenings), tuple(steps), verdicts)
