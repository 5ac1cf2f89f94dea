"""Screenings as versioned JSON and as CSV rows, for machines and for audit.

A batch is written a patient at a time: `batch_json_start`, one `patient_json` per patient and
`batch_json_end` make exactly the text `json_text(batch_report(...), indent=2)` would, without
holding every patient at once; `patient_json_line` and `problem_json_line` are JSON Lines;
`csv_text` turns rows into safe CSV.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__
from .cohort import Funnel
from .collect import ToCollect, collect_across, near_miss
from .escapes import csv_cells, json_text
from .loading import Problem
from .results import CriterionResult, Evidence, Need, Screening, Status

if TYPE_CHECKING:
    from .forecast import Forecast

__all__ = [
    "CSV_FIELDS",
    "SCHEMA_VERSION",
    "batch_json_end",
    "batch_json_start",
    "batch_report",
    "csv_header",
    "csv_rows",
    "csv_text",
    "forecast_report",
    "funnel_report",
    "patient_csv",
    "patient_json",
    "patient_json_line",
    "problem_json_line",
    "report",
]

SCHEMA_VERSION = "1"


def _engine() -> dict[str, str]:
    return {"name": "eligibility", "version": __version__}


def report(screenings: Sequence[Screening], *, patient_id: str, as_of: dt.date) -> dict[str, Any]:
    """The whole screening of one patient as plain JSON-ready data (see docs/json-output.md)."""
    return {"schema_version": SCHEMA_VERSION, "engine": _engine(),
            **_patient(screenings, patient_id=patient_id, as_of=as_of)}


def _patient(screenings: Sequence[Screening], *, patient_id: str, as_of: dt.date) -> (
        dict[str, Any]):
    return {
        "patient_id": patient_id,
        "as_of": as_of.isoformat(),
        "trials": [_trial(screening) for screening in screenings],
        "collect_across_trials": [_to_collect(item) for item in collect_across(screenings)],
    }


def _to_collect(item: ToCollect) -> dict[str, Any]:
    return {"fact": item.fact, "label": item.label, "provided_by": item.provided_by or None,
            "questions": list(item.questions), "unlocks": list(item.unlocks),
            "trials": list(item.trials),
            "criteria": [{"trial": criterion.trial, "id": criterion.id,
                          "decided": criterion.decided} for criterion in item.criteria]}


def batch_report(patients: Sequence[tuple[str, dt.date, Sequence[Screening]]],
                 problems: Sequence[Problem]) -> dict[str, Any]:
    """Several patients: one entry per patient as in `report`, and the files that failed."""
    return {
        "schema_version": SCHEMA_VERSION,
        "engine": _engine(),
        "patients": [_patient(screenings, patient_id=ident, as_of=as_of)
                     for ident, as_of, screenings in patients],
        "failed_files": [_problem(problem) for problem in problems],
    }


def batch_json_start() -> str:
    """The batch document up to its first patient: `{`, versions, `"patients": [`."""
    empty = json_text(batch_report([], []), indent=2)
    return empty[:empty.index('"patients": [') + len('"patients": [')]


def patient_json(patient_id: str, as_of: dt.date, screenings: Sequence[Screening], *,
                 ascii_only: bool = False) -> str:
    """One patient of the batch document, indented as in it, without the comma."""
    text = json_text(_patient(screenings, patient_id=patient_id, as_of=as_of), indent=2,
                     ascii_only=ascii_only)
    return "\n    " + text.replace("\n", "\n    ")


def batch_json_end(problems: Sequence[Problem], *, patients: int) -> str:
    """The batch document after its last patient: `]`, the failed files, `}`."""
    failed = json_text({"failed_files": [_problem(problem) for problem in problems]}, indent=2)
    return ("\n  ]" if patients else "]") + "," + failed[1:] + "\n"


def patient_json_line(patient_id: str, as_of: dt.date, screenings: Sequence[Screening], *,
                      ascii_only: bool = False) -> str:
    """One patient as a line of JSON Lines: the document `report` makes for one patient."""
    return json_text(report(screenings, patient_id=patient_id, as_of=as_of),
                     ascii_only=ascii_only) + "\n"


def problem_json_line(problem: Problem, *, ascii_only: bool = False) -> str:
    """A file that could not be used, as a line of JSON Lines: `{..., "failed_file": {...}}`."""
    return json_text({"schema_version": SCHEMA_VERSION, "engine": _engine(),
                      "failed_file": _problem(problem)}, ascii_only=ascii_only) + "\n"


def _problem(problem: Problem) -> dict[str, Any]:
    return {"file": problem.span.file, "line": problem.span.line,
            "column": problem.span.column, "field": problem.field,
            "severity": problem.severity, "message": problem.message}


def funnel_report(funnel: Funnel) -> dict[str, Any]:
    """A trial's attrition funnel as JSON-ready data."""
    return {
        "schema_version": SCHEMA_VERSION,
        "engine": _engine(),
        "trial": funnel.trial.id,
        "rule_file": {"path": funnel.trial.file, "sha256": funnel.trial.sha256},
        "patients": funnel.patients,
        "verdicts": {str(verdict): count for verdict, count in funnel.verdicts.items()},
        "steps": [
            {"id": step.criterion.id, "kind": step.criterion.kind, "text": step.criterion.text,
             "pass": step.passed, "fail": step.failed, "unknown": step.unknown,
             "remaining": step.remaining, "first_excluded": step.first_excluded}
            for step in funnel.steps
        ],
        "top_excluders": [step.criterion.id for step in funnel.top_excluders()],
    }


_compact = json.JSONEncoder(ensure_ascii=False).encode  # one encoder, not one per cell

CSV_FIELDS = ("patient_id", "as_of", "trial_id", "verdict", "criterion_id", "kind", "status",
              "applies", "explanation", "missing", "facts_read", "text", "rule_sha256",
              "forecast", "status_changes")


def csv_rows(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per patient x trial x criterion of a `report` or `batch_report` document,
    with the same fields as the JSON (lists joined by '; ', facts read as JSON)."""
    patients = document.get("patients", [document])
    for patient in patients:
        for trial in patient["trials"]:
            forecast = trial.get("forecast") or {"summary": "", "changes": []}
            for criterion in trial["criteria"]:
                yield {
                    "patient_id": patient["patient_id"], "as_of": patient["as_of"],
                    "trial_id": trial["id"], "verdict": trial["verdict"],
                    "criterion_id": criterion["id"], "kind": criterion["kind"],
                    "status": criterion["status"], "applies": _compact(criterion["applies"]),
                    "explanation": criterion["explanation"],
                    "missing": "; ".join(criterion["missing"]),
                    "facts_read": _compact(criterion["facts_read"]),
                    "text": criterion["text"], "rule_sha256": trial["rule_file"]["sha256"],
                    "forecast": forecast["summary"],
                    "status_changes": "; ".join(
                        f"{change['date']} {item['to']}" for change in forecast["changes"]
                        for item in change["criteria"] if item["id"] == criterion["id"]),
                }


def csv_text(rows: Iterable[Mapping[str, Any]], *, header: bool = False) -> str:
    """Rows as CSV, each cell made safe for a spreadsheet and a terminal (`csv_cell`)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_FIELDS)
    writer.writerows(csv_cells([str(row[field]) for field in CSV_FIELDS]) for row in rows)
    return buffer.getvalue()


def csv_header() -> str:
    return csv_text((), header=True)


def patient_csv(patient_id: str, as_of: dt.date, screenings: Sequence[Screening]) -> str:
    """One patient's rows: one per trial and criterion."""
    return csv_text(csv_rows(_patient(screenings, patient_id=patient_id, as_of=as_of)))


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
        "near_miss": near_miss(screening),
        "counts": {str(status): count for status, count in counts.items()},
        "collect_next": [need.text for need in screening.collect_next],
        "collect": [_need(need) for need in screening.collect_next],
        "criteria": [_criterion(result) for result in screening.results],
        "forecast": None if screening.forecast is None else forecast_report(screening.forecast),
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
        "code": result.outcome.code,
        "missing": [need.text for need in result.outcome.missing],
        "needs": [_need(need) for need in result.outcome.missing],
        "line": criterion.span.line if criterion.span else None,
    }


def _need(need: Need) -> dict[str, Any]:
    return {"fact": need.fact, "text": need.text}


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


def forecast_report(forecast: Forecast) -> dict[str, Any]:
    """A trial's forecast as JSON-ready data: its windows and each day a status changes."""
    from .forecast import ASSUMPTION, summary

    def day(value: dt.date | None) -> str | None:
        return None if value is None else value.isoformat()

    return {
        "assumes": ASSUMPTION,
        "from": day(forecast.start),
        "to": day(forecast.end),
        "horizon": str(forecast.horizon),
        "summary": summary(forecast),
        "windows": [{"verdict": str(window.verdict), "from": day(window.start),
                     "until": day(window.end),
                     "opened_by": [change.criterion_id for change in window.opened_by],
                     "closed_by": [change.criterion_id for change in window.closed_by]}
                    for window in forecast.windows],
        "changes": [{"date": day(step.on), "verdict": str(step.verdict), "criteria": [
            {"id": change.criterion_id, "from": str(change.before), "to": str(change.after),
             "reason": change.reason, "explanation": change.result.outcome.explanation,
             "code": change.result.outcome.code} for change in step.changes]}
            for step in forecast.steps[1:]],
    }
