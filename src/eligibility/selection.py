"""Which patients of a batch to show and in what order: by verdict, near misses, sort keys."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from enum import StrEnum

from .collect import near_miss
from .results import Screening, Status, Verdict

__all__ = ["NEAR_MISS", "SHOWN", "Order", "is_shown", "sort_key"]

NEAR_MISS = "near_miss"
"""A `--verdict` word beside the verdicts: a trial the patient fails on exactly one criterion."""

SHOWN = (*(str(verdict) for verdict in Verdict), NEAR_MISS)
"""The words `--verdict` takes."""


class Order(StrEnum):
    """How a batch's patients are ordered in its output."""

    FILE = "file"   # as the files were given (a folder's sorted by path): streamed
    ID = "id"       # by patient id
    BEST = "best"   # the patients with the most to act on first (see `sort_key`)


def is_shown(screenings: Sequence[Screening], wanted: Collection[str]) -> bool:
    """Whether any trial of the patient has one of the `wanted` verdicts (or is a near miss,
    for `near_miss`); every patient when nothing is wanted."""
    if not wanted:
        return True
    return any(str(screening.verdict) in wanted
               or (NEAR_MISS in wanted and near_miss(screening) is not None)
               for screening in screenings)


def sort_key(order: Order, patient_id: str, screenings: Sequence[Screening]) -> tuple[
        object, ...]:
    """The key a patient is sorted by (ties keep the files' order).

    `best`: the most eligible trials first; then the most trials in review, fewest unknown
    criteria across them first (the closest to a decision); then the most near misses.
    """
    if order is Order.ID:
        return (patient_id,)
    if order is Order.BEST:
        verdicts = [screening.verdict for screening in screenings]
        unknown = sum(len(screening.with_status(Status.UNKNOWN)) for screening in screenings
                      if screening.verdict is Verdict.NEEDS_REVIEW)
        misses = sum(near_miss(screening) is not None for screening in screenings)
        return (-verdicts.count(Verdict.ELIGIBLE), -verdicts.count(Verdict.NEEDS_REVIEW),
                unknown, -misses)
    return ()
