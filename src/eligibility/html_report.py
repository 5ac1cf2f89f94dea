"""A self-contained, printable HTML page of screenings, for the chart: no scripts, no network."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from . import __version__
from .cohort import Funnel, deciding, rank
from .loading import Problem
from .results import CriterionResult, Screening, Status, Verdict

__all__ = ["html_page"]

_SYMBOL = {Status.PASS: "✓", Status.FAIL: "✗", Status.UNKNOWN: "?"}
_VERDICT = {Verdict.ELIGIBLE: ("✓", "Eligible"), Verdict.INELIGIBLE: ("✗", "Ineligible"),
            Verdict.NEEDS_REVIEW: ("?", "Needs review")}

_CSS = """
:root { --pass: #1a7f37; --fail: #b42318; --unknown: #8a6100; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.meta { color: #57606a; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { white-space: nowrap; font-weight: 600; }
.pass { color: var(--pass); } .fail { color: var(--fail); } .unknown { color: var(--unknown); }
.verdict { display: inline-block; padding: .1rem .5rem; border: 2px solid currentColor;
           border-radius: .3rem; font-weight: 700; }
.warning { border-left: 4px solid var(--unknown); background: #fff8c5; padding: .4rem .6rem; }
.protocol { color: #57606a; font-size: .92em; }
.bar { display: inline-block; height: .8rem; background: #0969da; vertical-align: middle;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em;
              word-break: break-all; }
section.patient { border-top: 3px solid #1f2328; margin-top: 2.5rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section.patient { break-before: page; border-top: none; }
  section.trial, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def _verdict(verdict: Verdict) -> str:
    symbol, word = _VERDICT[verdict]
    css = {Verdict.ELIGIBLE: "pass", Verdict.INELIGIBLE: "fail",
           Verdict.NEEDS_REVIEW: "unknown"}[verdict]
    return f'<span class="verdict {css}">{symbol} {word}</span>'


def _status(status: Status) -> str:
    return f'<span class="status {status}">{_SYMBOL[status]} {status}</span>'


def _criterion_row(result: CriterionResult) -> str:
    criterion = result.criterion
    return (f"<tr><td><b>{escape(criterion.id)}</b></td><td>{criterion.kind}</td>"
            f"<td>{_status(result.status)}</td><td>{escape(result.outcome.explanation)}"
            f'<div class="protocol">{escape(criterion.text)}</div></td></tr>')


def _trial_section(screening: Screening) -> str:
    info = screening.trial.trial
    name = f" ({escape(info.short_name)})" if info.short_name else ""
    parts = [f'<section class="trial"><h3>{escape(info.id)}{name}: {escape(info.title)}</h3>',
             f"<p>Verdict: {_verdict(screening.verdict)} &nbsp; "
             + ", ".join(f"{len(screening.with_status(s))} {s}" for s in Status) + "</p>"]
    if not info.recruiting:
        updated = info.last_update or "unknown"
        parts.append(f'<p class="warning">Not recruiting: the registry lists this trial as '
                     f"{escape(info.overall_status)} (last update {updated}). "
                     "Confirm with the site before referring.</p>")
    parts.append("<table><thead><tr><th>ID</th><th>Kind</th><th>Status</th>"
                 "<th>Why (and the protocol text)</th></tr></thead><tbody>")
    parts += [_criterion_row(result) for result in screening.results]
    parts.append("</tbody></table>")
    if screening.verdict is Verdict.NEEDS_REVIEW and screening.collect_next:
        parts.append("<p><b>Collect or assess next:</b></p><ul>")
        parts += [f"<li>{escape(item)}</li>" for item in screening.collect_next]
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _patient_section(patient_id: str, as_of: dt.date, screenings: Sequence[Screening]) -> str:
    ordered = rank(screenings)
    rows = "".join(
        f"<tr><td>{escape(s.trial.id)}</td><td>{escape(s.trial.trial.short_name or '')}</td>"
        f"<td>{_verdict(s.verdict)}</td><td>{escape(', '.join(deciding(s)))}</td></tr>"
        for s in ordered)
    return (f'<section class="patient"><h2>Patient {escape(patient_id)}</h2>'
            f'<p class="meta">Screened as of {as_of.isoformat()}</p>'
            "<table><thead><tr><th>Trial</th><th>Name</th><th>Verdict</th>"
            f"<th>Deciding criteria</th></tr></thead><tbody>{rows}</tbody></table>"
            + "\n".join(_trial_section(screening) for screening in ordered) + "</section>")


def _matrix(patients: Sequence[tuple[str, dt.date, Sequence[Screening]]]) -> str:
    trials = [screening.trial for screening in patients[0][2]] if patients else []
    head = "".join(f"<th>{escape(trial.id)}<br>{escape(trial.trial.short_name or '')}</th>"
                   for trial in trials)
    body = []
    for ident, _, screenings in patients:
        cells = "".join(
            f"<td>{_verdict(s.verdict)}<br><small>{len(s.with_status(Status.FAIL))} fail, "
            f"{len(s.with_status(Status.UNKNOWN))} unknown</small></td>" for s in screenings)
        body.append(f"<tr><td><b>{escape(ident)}</b></td>{cells}</tr>")
    return (f"<h2>Summary</h2><table><thead><tr><th>Patient</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _funnel(funnel: Funnel) -> str:
    rows = []
    for step in funnel.steps:
        width = 0 if not funnel.patients else round(100 * step.remaining / funnel.patients)
        rows.append(
            f"<tr><td><b>{escape(step.criterion.id)}</b></td><td>{step.passed}</td>"
            f"<td>{step.failed}</td><td>{step.unknown}</td><td class=num>{step.remaining}</td>"
            f'<td style="width:40%"><span class="bar" style="width:{width}%" '
            f'role="img" aria-label="{step.remaining} of {funnel.patients} remain"></span></td>'
            "</tr>")
    return (f"<h3>Funnel: {escape(funnel.trial.id)} ({funnel.patients} patients)</h3>"
            "<table><thead><tr><th>Criterion</th><th>✓ pass</th><th>✗ fail</th>"
            "<th>? unknown</th><th>Remaining</th><th></th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def html_page(patients: Sequence[tuple[str, dt.date, Sequence[Screening]]], *,
              funnels: Sequence[Funnel] = (), problems: Sequence[Problem] = (),
              generated: dt.datetime | None = None) -> str:
    """The report page: for one patient their trials; for several, a summary matrix, each
    trial's funnel, then a section per patient. Status is shown by symbol and word."""
    trials = {s.trial.id: s.trial for _, _, screenings in patients for s in screenings}
    hashes = "".join(f"<tr><td>{escape(t.id)}</td><td>{escape(t.file or '')}</td>"
                     f'<td class="hash">{escape(t.sha256 or "")}</td></tr>'
                     for t in trials.values())
    title = (f"Screening of patient {patients[0][0]}" if len(patients) == 1 else
             f"Screening of {len(patients)} patients")
    stamp = f" · generated {generated.isoformat(timespec='minutes')}" if generated else ""
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">eligibility {__version__}{stamp}. A pre-screening aid: every '
        "result must be confirmed by the site.</p>",
        "<table><thead><tr><th>Trial</th><th>Rule file</th><th>sha256</th></tr></thead>"
        f"<tbody>{hashes}</tbody></table>",
    ]
    if problems:
        parts.append('<h2>Files that could not be used</h2><ul class="warning">')
        parts += [f"<li><code>{escape(str(problem))}</code></li>" for problem in problems]
        parts.append("</ul>")
    if len(patients) > 1:
        parts.append(_matrix(patients))
        parts += [_funnel(funnel) for funnel in funnels]
    parts += [_patient_section(*patient) for patient in patients]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
