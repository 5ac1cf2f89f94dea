"""Checks on a trial that need no patient: contradictions, rules always true, loose ends.

Each kind of condition says what is wrong in it (`kinds`); this module walks a trial's
criteria and adds what concerns a criterion or the trial as a whole.
"""

from __future__ import annotations

from .kinds import Finding, judgments, lint
from .rules import Criterion, Trial
from .vocabulary import DEFAULT, Vocabulary

__all__ = ["Finding", "lint_criterion", "lint_trial"]

Path = tuple[str | int, ...]


def lint_trial(trial: Trial) -> tuple[Finding, ...]:
    """Every finding in `trial`, in criterion order."""
    findings: list[Finding] = []
    if not trial.trial.recruiting:
        findings.append(Finding(("trial", "overall_status"),
                                f"the registry lists this trial as {trial.trial.overall_status}:"
                                " screenings will warn that it is not recruiting", "warning"))
    for index, criterion in enumerate(trial.criteria):
        findings += lint_criterion(criterion, index, trial.vocabulary)
    return tuple(findings)


def lint_criterion(criterion: Criterion, index: int,
                   vocabulary: Vocabulary = DEFAULT) -> tuple[Finding, ...]:
    """The findings in one criterion, the `index`th of its trial."""
    base: Path = ("criteria", index)
    findings: list[Finding] = []
    if criterion.needs_curation:
        findings.append(Finding((*base, "needs_curation"), "imported criterion still needs "
                                "curation: replace the placeholder judgment with a "
                                "computable rule where one exists, then remove "
                                "needs_curation", "warning"))
    findings += lint(criterion.condition, base, vocabulary)
    found = list(judgments(criterion.condition, base))
    if criterion.applies_to is not None:
        findings += lint(criterion.applies_to, (*base, "applies_to"), vocabulary)
        found += judgments(criterion.applies_to, (*base, "applies_to"))
    seen: set[str | None] = set()
    for path, judgment in found:
        if judgment.id in seen:
            which = f"the id {judgment.id!r}" if judgment.id else "no id"
            findings.append(Finding(
                path, f"another judgment of this criterion has {which}: a clinician's answer "
                "would settle both; give each its own id (judgment: {question: ..., id: ...})",
                "error"))
        seen.add(judgment.id)
    return tuple(findings)
