"""How much of a protocol the engine really evaluates: computable, judgment, to curate."""

from __future__ import annotations

from dataclasses import dataclass

from .kinds import Node, decidable, judgments
from .rules import Criterion, Trial

__all__ = ["Coverage", "coverage", "criterion_needs_judgment", "judgment_keys", "needs_judgment",
           "partly_judgment"]


@dataclass(frozen=True)
class Coverage:
    """Counts of a trial's criteria by how they are decided."""

    trial: str
    total: int
    computable: int
    judgment: int
    curation: int
    curation_ids: tuple[str, ...]
    judgment_ids: tuple[str, ...]
    partly_judgment: int = 0
    partly_judgment_ids: tuple[str, ...] = ()

    @property
    def decided_by_data(self) -> float | None:
        """The share of the criteria that are not a clinician's judgment alone which the
        profile's data can decide: the computable ones and those with a clinician's question
        that data settles in some cases (None when every criterion is a judgment alone)."""
        without = self.total - (self.judgment - self.partly_judgment)
        return (self.computable + self.partly_judgment) / without if without else None


def criterion_needs_judgment(criterion: Criterion) -> bool:
    """Whether a clinician's judgment is part of the criterion, in its rule or in whom it
    applies to."""
    return needs_judgment(criterion.condition) or (
        criterion.applies_to is not None and needs_judgment(criterion.applies_to))


def needs_judgment(condition: Node) -> bool:
    """Whether any part of `condition` is a clinician's judgment."""
    return next(judgments(condition), None) is not None


def judgment_keys(trial: Trial) -> tuple[str, ...]:
    """What a clinician's assessment may name as `criterion` for this trial: the id of each
    criterion with a judgment, or `ID.JUDGMENT` for a judgment that has its own id."""
    return tuple(
        criterion.id + (f".{judgment.id}" if judgment.id else "")
        for criterion in trial.criteria
        for _, judgment in (*judgments(criterion.condition), *judgments(criterion.applies_to))
    )


def _kind(criterion: Criterion) -> str:
    if criterion.needs_curation:
        return "curation"
    return "judgment" if criterion_needs_judgment(criterion) else "computable"


def partly_judgment(criterion: Criterion) -> bool:
    """Whether a criterion with a clinician's question can also be decided by data: by its
    rule, or by whom it applies to (a guard that is false decides it)."""
    return criterion_needs_judgment(criterion) and (
        decidable(criterion.condition)
        or (criterion.applies_to is not None and decidable(criterion.applies_to)))


def coverage(trial: Trial) -> Coverage:
    """Sort each criterion: to curate (imported, not yet encoded), judgment (has a clinician
    judgment in it; partly, when data decides it in some cases) or computable (decided by the
    profile's data alone)."""
    kinds = [(criterion.id, _kind(criterion)) for criterion in trial.criteria]
    ids = {kind: tuple(ident for ident, k in kinds if k == kind)
           for kind in ("computable", "judgment", "curation")}
    partly = tuple(criterion.id for criterion in trial.criteria
                   if criterion.id in ids["judgment"] and partly_judgment(criterion))
    return Coverage(trial.id, len(kinds), len(ids["computable"]), len(ids["judgment"]),
                    len(ids["curation"]), ids["curation"], ids["judgment"], len(partly),
                    partly)
