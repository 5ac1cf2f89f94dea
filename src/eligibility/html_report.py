"""A self-contained, printable HTML page of screenings, for the chart: no scripts, no network."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape

from . import __version__
from .chart import About, criteria_tables, failed_summary, header_line, merged_list, page_rules
from .cohort import Funnel, deciding, rank
from .collect import collect_across, near_miss
from .loading import Problem
from .results import Screening, Status, Verdict

__all__ = ["html_page"]

Patient = tuple[str, dt.date, Sequence[Screening]]

_SYMBOL = {Status.PASS: "✓", Status.FAIL: "✗", Status.UNKNOWN: "?"}
_VERDICT = {Verdict.ELIGIBLE: ("✓", "Eligible"), Verdict.INELIGIBLE: ("✗", "Ineligible"),
            Verdict.NEEDS_REVIEW: ("?", "Needs review")}
_VERDICT_CLASS = {Verdict.ELIGIBLE: "pass", Verdict.INELIGIBLE: "fail",
                  Verdict.NEEDS_REVIEW: "unknown"}
_LEGEND = ("✓ pass: the criterion is no obstacle (an inclusion is met, an exclusion does not "
           "apply: its condition is absent) · ✗ fail: it rules the patient out (an inclusion "
           "not met, an exclusion present) · ? unknown: the record does not settle it. A trial "
           "is eligible when every criterion passes, ineligible when any fails, and needs "
           "review otherwise.")

_CSS = """
:root { --pass: #1a7f37; --fail: #b42318; --unknown: #8a6100; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: #1f2328; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
.meta { color: #57606a; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 .25rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
th.num, td.date { white-space: nowrap; }
tr.start td, tr.totals td { background: #f6f8fa; }
.status, .future { white-space: nowrap; font-weight: 600; }
.pass { color: var(--pass); } .fail { color: var(--fail); } .unknown { color: var(--unknown); }
.verdict { display: inline-block; padding: .1rem .5rem; border: 2px solid currentColor;
           border-radius: .3rem; font-weight: 700; white-space: nowrap; }
.warning { border-left: 4px solid var(--unknown); background: #fff8c5; padding: .4rem .6rem;
           -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.why { margin-top: .15rem; }
.reading { margin-top: .15rem; color: #59636e; font-size: .9em; }
.bar { display: inline-block; height: .8rem; background: #0969da; vertical-align: middle;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em;
              word-break: break-all; }
section.patient { border-top: 3px solid #1f2328; margin-top: 2.5rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  section.patient { border-top: none; }
  section.cohort + section.patient, section.patient + section.patient { break-before: page; }
  tr, .trial > header, ul.collect { break-inside: avoid; }
  h2, h3, .trial > header, .keep-with-next { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  caption, thead { break-after: avoid; }
  section.cohort table { font-size: 7.5pt; }
  section.cohort th, section.cohort td { padding: .2rem .2rem; }
  section.cohort .verdict { padding: 0 .2rem; border-width: 1px; }
}
"""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _verdict(verdict: Verdict) -> str:
    symbol, word = _VERDICT[verdict]
    return f'<span class="verdict {_VERDICT_CLASS[verdict]}">{symbol} {word}</span>'


def _status(status: Status) -> str:
    return f'<span class="status {status}">{_SYMBOL[status]} {status}</span>'


def _verdict_totals(counts: Mapping[Verdict, int], *, between: str = " · ") -> str:
    """`8 eligible · 4 ineligible · 8 needs review`, every verdict named even when none."""
    return between.join(f"{counts.get(v, 0)} {_VERDICT[v][1].lower()}" for v in Verdict)


def _trial_section(screening: Screening) -> str:
    info = screening.trial.trial
    name = f" ({escape(info.short_name)})" if info.short_name else ""
    counts = ", ".join(f"{len(screening.with_status(s))} {s}" for s in Status)
    fails = ", ".join(r.criterion.id for r in screening.with_status(Status.FAIL))
    parts = [f'<section class="trial"><header><h3>{escape(info.id)}{name}: '
             f"{escape(info.title)}</h3>",
             f"<p>Verdict: {_verdict(screening.verdict)} &nbsp;({counts})"
             + (f". <b>Fails {escape(fails)}.</b>" if fails else "") + "</p>"]
    if not info.recruiting:
        updated = info.last_update or "unknown"
        parts.append(f'<p class="warning">Not recruiting: the registry lists this trial as '
                     f"{escape(info.overall_status)} (last update {updated}). "
                     "Confirm with the site before referring.</p>")
    parts.append("</header>")
    parts.append(criteria_tables(screening.results))
    if screening.verdict is Verdict.NEEDS_REVIEW and screening.collect_next:
        parts.append('<p class="keep-with-next"><b>Collect or assess next:</b></p>'
                     '<ul class="collect">')
        parts += [f"<li>{escape(item.text)}</li>" for item in screening.collect_next]
        parts.append("</ul>")
    parts.append(_forecast(screening))
    parts.append("</section>")
    return "\n".join(parts)


def _summary_row(screening: Screening) -> str:
    info = screening.trial.trial
    registry = "pass" if info.recruiting else "unknown"
    counts = "".join(f'<td class="num">{len(screening.with_status(s))}</td>' for s in Status)
    return (f"<tr><td>{escape(info.id)}</td><td>{escape(info.short_name or '')}</td>"
            f"<td>{_verdict(screening.verdict)}</td>{counts}"
            f'<td class="{registry}">{escape(info.overall_status)}</td>'
            f"<td>{escape(', '.join(deciding(screening)))}</td></tr>")


def _patient_section(number: int, patient: Patient, who: About | None) -> str:
    """A patient's part of the page: who they are, the trials ranked, what rules them out and
    what to collect next (the first printed page), then each trial's criteria."""
    patient_id, as_of, screenings = patient
    ordered = rank(screenings)
    symbols = "".join(f'<th class="num">{_SYMBOL[s]} {s}</th>' for s in Status)
    age = (who.age + " years" if who.age else "not recorded") if who else "not recorded"
    sex = (who.sex or "not recorded") if who else "not recorded"
    return (f'<section class="patient" id="patient-{number}"><h2>Patient {escape(patient_id)}'
            '</h2><table class="about"><tbody>'
            f"<tr><th>Patient</th><td>{escape(patient_id)}</td><th>Age</th><td>{escape(age)}"
            f"</td><th>Sex</th><td>{escape(sex)}</td><th>Screening date</th>"
            f"<td>{as_of.isoformat()}</td></tr></tbody></table>"
            f'<p class="meta">Screened as of {as_of.isoformat()} · '
            f"{_plural(len(screenings), 'trial')}</p>"
            "<table><caption>Summary (best first)</caption><thead><tr><th>Trial</th>"
            f"<th>Name</th><th>Verdict</th>{symbols}<th>Registry</th>"
            "<th>Deciding criteria</th></tr></thead><tbody>"
            + "".join(_summary_row(s) for s in ordered) + "</tbody></table>"
            + failed_summary(ordered) + merged_list(collect_across(ordered))
            + "\n".join(_trial_section(screening) for screening in ordered) + "</section>")


def _matrix(patients: Sequence[Patient]) -> str:
    """Patients x trials, each cell a verdict with its fail and unknown counts; the as-of date
    once when all patients share it, else a column; the verdict totals per trial last."""
    trials = [screening.trial for screening in patients[0][2]] if patients else []
    days = {as_of for _, as_of, _ in patients}
    one_day = len(days) == 1
    heading = _plural(len(patients), "patient") + (
        f" · as of {next(iter(days)).isoformat()}" if one_day else "")
    head = "".join(f"<th>{escape(trial.id)}<br>{escape(trial.trial.short_name or '')}</th>"
                   for trial in trials)
    body = []
    for number, (ident, as_of, screenings) in enumerate(patients, start=1):
        day = "" if one_day else f'<td class="date">{as_of.isoformat()}</td>'
        cells = "".join(
            f"<td>{_verdict(s.verdict)}<br>\n<small>{_failed(s)}, "
            f"{len(s.with_status(Status.UNKNOWN))} unknown</small></td>" for s in screenings)
        body.append(f'<tr><td><a href="#patient-{number}"><b>{escape(ident)}</b></a></td>'
                    f"{day}{cells}</tr>")
    totals = "".join(
        "<td>" + _verdict_totals(Counter(p[2][index].verdict for p in patients), between="<br>\n")
        + "</td>" for index in range(len(trials)))
    body.append(f'<tr class="totals"><td><b>All patients</b></td>{"" if one_day else "<td></td>"}'
                f"{totals}</tr>")
    return (f'<h2>Summary</h2><p class="meta">{heading}</p><table><thead><tr><th>Patient</th>'
            f"{'' if one_day else '<th>As of</th>'}{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _failed(screening: Screening) -> str:
    """`2 fail`, or for a near miss the one criterion: `1 fail (near miss: E4)`."""
    missed = near_miss(screening)
    if missed is not None:
        return f"1 fail (near miss: {escape(missed)})"
    return f"{len(screening.with_status(Status.FAIL))} fail"


def _funnel_row(ident: str, kind: str, counts: Sequence[str], remaining: int, patients: int,
                *, css: str = "") -> str:
    width = 0 if not patients else round(100 * remaining / patients)
    cells = "".join(f'<td class="num">{count}</td>' for count in counts)
    row = f'<tr class="{css}">' if css else "<tr>"
    return (f"{row}<td><b>{escape(ident)}</b></td>"
            f'<td>{kind}</td>{cells}<td class="num">{remaining}</td><td style="width:35%">'
            f'<span class="bar" style="width:{width}%" role="img" '
            f'aria-label="{remaining} of {patients} remain"></span></td></tr>')


def _funnel(funnel: Funnel) -> str:
    """A trial's criteria in protocol order with the patients remaining after each, from a
    start row of all patients; then the verdict totals and the criteria that exclude most."""
    info = funnel.trial.trial
    name = f" ({escape(info.short_name)})" if info.short_name else ""
    rows = [_funnel_row("start", "", ("", "", ""), funnel.patients, funnel.patients,
                        css="start")]
    rows += [_funnel_row(step.criterion.id, step.criterion.kind,
                         (str(step.passed), str(step.failed), str(step.unknown)),
                         step.remaining, funnel.patients) for step in funnel.steps]
    top = ", ".join(f"{escape(step.criterion.id)} ({step.failed})"
                    for step in funnel.top_excluders())
    return (f"<h3>Funnel {escape(info.id)}{name} · {_plural(funnel.patients, 'patient')}</h3>"
            "<table><thead><tr><th>Criterion</th><th>Kind</th>"
            + "".join(f'<th class="num">{_SYMBOL[s]} {s}</th>' for s in Status)
            + '<th class="num">Remaining</th><th></th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="funnel-totals">Verdicts: {_verdict_totals(funnel.verdicts)}'
            + (f"<br>\nExcludes the most: {top}" if top else "") + "</p>")


def _cohort(patients: Sequence[Patient], funnels: Sequence[Funnel]) -> str:
    parts = [_matrix(patients)]
    if funnels:
        parts.append('<h2>Funnels</h2><p class="meta">Each trial\'s criteria in protocol order. '
                     "Remaining: patients who have failed none of the criteria so far; an "
                     "unknown does not exclude.</p>")
        parts += [_funnel(funnel) for funnel in funnels]
    return '<section class="cohort">' + "\n".join(parts) + "</section>"


def _rule_files(patients: Sequence[Patient]) -> str:
    trials = {s.trial.id: s.trial for _, _, screenings in patients for s in screenings}
    rows = "".join(f"<tr><td>{escape(t.id)}</td><td>{escape(t.file or '')}</td>"
                   f'<td class="hash">{escape(t.sha256 or "")}</td></tr>'
                   for t in trials.values())
    return ('<section class="rules"><h2>Rule files</h2><p class="meta">The rules these results '
            "were computed from; the sha256 identifies the exact version of each file.</p>"
            "<table><thead><tr><th>Trial</th><th>Rule file</th><th>sha256</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></section>")


def html_page(patients: Sequence[Patient], *, funnels: Sequence[Funnel] = (),
              problems: Sequence[Problem] = (), generated: dt.datetime | None = None,
              batch: bool | None = None, abouts: Mapping[str, About] | None = None) -> str:
    """The report page: for one patient their trials; for several, a summary matrix, each
    trial's funnel, then a section per patient; last, the rule files used. Status is shown by
    symbol and word. Printed, every page of a patient's section is headed by their id, age and
    sex (from `abouts`, by patient id) and screening date, and every page is numbered."""
    abouts = abouts or {}
    batch = len(patients) > 1 if batch is None else batch  # a folder is a batch of one
    title = (f"Screening of patient {patients[0][0]}" if not batch and patients else
             f"Screening of {_plural(len(patients), 'patient')}")
    stamp = f" · generated {_when(generated)}" if generated else ""
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}\n"
        + _page_rules(title, patients, abouts, batch=batch)
        + "</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">eligibility {__version__}{stamp}. A pre-screening aid: every '
        "result must be confirmed by the site.</p>",
        f'<p class="meta legend">{_LEGEND}</p>',
    ]
    if problems:
        parts.append('<h2>Files that could not be used</h2><ul class="warning">')
        parts += [f"<li><code>{escape(str(problem))}</code></li>" for problem in problems]
        parts.append("</ul>")
    if batch and patients:
        parts.append(_cohort(patients, funnels))
    parts += [_patient_section(number, patient, abouts.get(patient[0]))
              for number, patient in enumerate(patients, start=1)]
    parts += [_rule_files(patients), "</body></html>"]
    return "\n".join(parts) + "\n"


def _page_rules(title: str, patients: Sequence[Patient], abouts: Mapping[str, About], *,
                batch: bool) -> str:
    """Each printed page's header and number: one patient's header on every page of a
    one-patient page; in a batch, the title on the cohort's pages and each patient's header on
    theirs (each patient then starts a page, as it does anyway)."""
    headers = [header_line(abouts.get(ident), ident, as_of) for ident, as_of, _ in patients]
    if not batch and len(headers) == 1:
        return page_rules(headers[0], [])
    return page_rules(title, headers)


def _when(moment: dt.datetime) -> str:
    """A time as people read it on a printed page: `2026-12-04 14:19 UTC`."""
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".rstrip()


def _forecast(screening: Screening) -> str:
    """A trial's forecast: its windows in a line, then each day a criterion's status changes."""
    from .forecast import ASSUMPTION, change_words, summary

    forecast = screening.forecast
    if forecast is None:
        return ""
    rows = "".join(
        f'<tr><td class="date">{step.on.isoformat()}</td>'
        f"<td>{_future(step.verdict) if step.verdict is not before.verdict else ''}</td><td>"
        + "<br>\n".join(escape(change_words(change)) for change in step.changes) + "</td></tr>"
        for before, step in itertools.pairwise(forecast.steps))
    table = ("<table><thead><tr><th>From</th><th>Verdict</th><th>What changes, and why</th>"
             f"</tr></thead><tbody>{rows}</tbody></table>" if rows else "")
    return (f'<div class="forecast"><p class="keep-with-next"><b>Forecast to '
            f"{forecast.end.isoformat()}, {ASSUMPTION}:</b> {escape(summary(forecast))}</p>"
            f"{table}</div>")


def _future(verdict: Verdict) -> str:
    """A verdict the forecast expects: coloured, without the badge of the verdict now."""
    symbol, word = _VERDICT[verdict]
    return f'<span class="future {_VERDICT_CLASS[verdict]}">{symbol} {word}</span>'
