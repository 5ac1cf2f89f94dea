"""Screenings as a versioned JSON document, for machines and for audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from . import __version__
from .results import CriterionResult, Evidence, Screening, Status

__all__ = ["SCHEMA_VERSION", "report"]

SCHEMA_VERSION = "1"


def report(screenings: Sequence[Screening], *, patient_id: str, as_of: dt.date) -> dict[str, Any]:
    """The whole screening of one patient as plain JSON-ready data (see docs/json-output.md)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "engine": {"name": "eligibility", "version": __version__},
        "patient_id": patient_id,
        "as_of": as_of.isoformat(),
        "trials": [_trial(screening) for screening in screenings],
    }


def _trial(screening: Screening) -> dict[str, Any]:
    info = screening.trial.trial
    counts = {status: len(screening.with_status(status)) for status in Status}
    return {
        "id": info.id,
        "short_name": info.short_name,
        "title": info.title,
        "overall_status": info.overall_status,
        "recruiting": info.recruiting,
        "rule_file": {"path": screening.trial.file, "sha256": screening.trial.sha256},
        "verdict": str(screening.verdict),
        "counts": {str(status): count for status, count in counts.items()},
        "collect_next": list(screening.collect_next),
        "criteria": [_criterion(result) for result in screening.results],
    }


def _criterion(result: CriterionResult) -> dict[str, Any]:
    criterion = result.criterion
    return {
        "id": criterion.id,
        "kind": criterion.kind,
        "text": criterion.text,
        "reading": criterion.reading,
        "status": str(result.status),
        "applies": result.outcome.applies,
        "explanation": result.outcome.explanation,
        "facts_read": [_evidence(evidence) for evidence in result.outcome.evidence],
        "missing": list(result.outcome.missing),
        "line": criterion.span.line if criterion.span else None,
    }


def _evidence(evidence: Evidence) -> dict[str, Any]:
    value = evidence.value
    if isinstance(value, dt.date):
        value = value.isoformat()
    return {
        "fact": evidence.fact,
        "state": evidence.state,
        "value": value,
        "unit": evidence.unit or None,
        "date": evidence.date.isoformat() if evidence.date else None,
    }
