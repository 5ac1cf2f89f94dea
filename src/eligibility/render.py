"""Rich tables for screenings: a summary, a table per trial, a verdict and what to collect."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from .cohort import Funnel, deciding, rank
from .coverage import Coverage
from .loading import Problem
from .page import criterion_rule, decided_by
from .results import CriterionResult, Screening, Status, Verdict
from .rules import Trial
from .vocabulary import Vocabulary

__all__ = [
    "render_coverage",
    "render_funnel",
    "render_matrix",
    "render_problems",
    "render_screenings",
    "render_trial_page",
    "render_vocabulary",
]

_STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.UNKNOWN: "yellow"}
_VERDICT_STYLE = {
    Verdict.ELIGIBLE: "bold green",
    Verdict.INELIGIBLE: "bold red",
    Verdict.NEEDS_REVIEW: "bold yellow",
}
_SYMBOLS = {Status.PASS: "✓", Status.FAIL: "✗", Status.UNKNOWN: "?"}
_ASCII = {Status.PASS: "+", Status.FAIL: "x", Status.UNKNOWN: "?"}
_VERDICT_WORDS = {
    Verdict.ELIGIBLE: "ELIGIBLE",
    Verdict.INELIGIBLE: "INELIGIBLE",
    Verdict.NEEDS_REVIEW: "NEEDS REVIEW",
}
WIDE = 120
_EMOJI_CODE = re.compile(r":\S*:")  # what rich's emoji replacement could match


def _symbol(console: Console, status: Status) -> str:
    table = _SYMBOLS if console.encoding.lower().startswith("utf") else _ASCII
    return table[status]


def _plain(value: str) -> Text | str:
    """`value` as a table cell prints it. rich parses a str for markup and `:emoji:` codes
    (importing its emoji table, a start-up cost) where a `Text` is taken as it is; the two
    print the same when the string holds no `[` and nothing shaped like a code, so pass
    those as `Text`."""
    return value if "[" in value or _EMOJI_CODE.search(value) else Text(value)


def status_text(console: Console, status: Status) -> Text:
    """`✓ pass` in green: symbol and word, so colour is never the only signal."""
    return Text(f"{_symbol(console, status)} {status}", style=_STATUS_STYLE[status])


def verdict_text(verdict: Verdict) -> Text:
    return Text(_VERDICT_WORDS[verdict], style=_VERDICT_STYLE[verdict])


def render_screenings(console: Console, screenings: Sequence[Screening], *, patient_id: str,
                      as_of: dt.date) -> None:
    """Print a patient's screening: summary (several trials), then each trial in full."""
    count = f"{len(screenings)} trial{'s' if len(screenings) != 1 else ''}"
    console.print(Text.assemble(("Patient ", "bold"), (patient_id, "bold cyan"),
                                f" · screened as of {as_of.isoformat()} · {count}"))
    screenings = rank(screenings)
    if len(screenings) > 1:
        console.print(_summary(console, screenings))
    for screening in screenings:
        console.print()
        console.print(_trial(console, screening))


def _summary(console: Console, screenings: Sequence[Screening]) -> Table:
    """Trials ranked, each with its verdict, counts and the criteria that decide it; the
    registry status too when there is room (each trial's block warns about it anyway)."""
    wide = console.width >= WIDE
    table = Table(box=box.SIMPLE_HEAD, title=Text("Summary (best first)", style="table.title"),
                  title_justify="left", pad_edge=False)
    table.add_column(Text("Trial"), no_wrap=True)
    table.add_column(Text("Name"), no_wrap=True)
    table.add_column(Text("Verdict"), no_wrap=True)
    for status in Status:
        table.add_column(Text(_symbol(console, status)), justify="right", no_wrap=True)
    if wide:
        table.add_column(Text("Registry"), no_wrap=True)
    table.add_column(Text("Deciding criteria"), ratio=1, min_width=12, overflow="fold")
    for screening in screenings:
        info = screening.trial.trial
        registry = [Text(info.overall_status, style="green" if info.recruiting else "yellow")]
        table.add_row(
            _plain(info.id), _plain(info.short_name or ""), verdict_text(screening.verdict),
            *(Text(str(len(screening.with_status(status)))) for status in Status),
            *(registry if wide else []), _plain(", ".join(deciding(screening))),
        )
    return table


def _trial(console: Console, screening: Screening) -> RenderableType:
    info = screening.trial.trial
    name = f" ({info.short_name})" if info.short_name else ""
    parts: list[RenderableType] = [Text.assemble((f"{info.id}{name}", "bold"), f" {info.title}")]
    if not info.recruiting:
        parts.append(Text(f"! Not recruiting: the registry lists this trial as "
                          f"{info.overall_status} (last update "
                          f"{info.last_update or 'unknown'}). Confirm with the site before "
                          f"referring.", style="yellow"))
    parts.append(_criteria_table(console, screening.results))
    parts.append(_verdict(screening))
    return Group(*parts)


def _criteria_table(console: Console, results: Sequence[CriterionResult]) -> Table:
    wide = console.width >= WIDE
    table = Table(box=box.SIMPLE_HEAD, show_lines=False, expand=True, pad_edge=False)
    table.add_column(Text("ID"), no_wrap=True, style="bold")
    table.add_column(Text("Kind"), no_wrap=True)
    table.add_column(Text("Status"), no_wrap=True)
    if wide:
        table.add_column(Text("Criterion (protocol text)"), ratio=1, overflow="fold")
        table.add_column(Text("Why"), ratio=1, overflow="fold")
    else:
        table.add_column(Text("Criterion (protocol text) and why"), ratio=1, overflow="fold")
    for result in results:
        kind = "incl" if result.criterion.kind == "inclusion" else "excl"
        text = Text(result.criterion.text)
        why = Text(result.outcome.explanation, style=_STATUS_STYLE[result.status].replace(
            "bold ", ""))
        cells: list[RenderableType] = [text, why] if wide else [
            Text.assemble(text, "\n", ("→ ", "dim"), why)]
        table.add_row(_plain(result.criterion.id), Text(kind),
                      status_text(console, result.status), *cells)
    return table


def _verdict(screening: Screening) -> RenderableType:
    verdict = screening.verdict
    counts = ", ".join(f"{len(screening.with_status(status))} {status}" for status in Status)
    lines: list[RenderableType] = [
        Text.assemble("Verdict: ", verdict_text(verdict), f"  ({counts})")
    ]
    if verdict is Verdict.INELIGIBLE:
        failing = ", ".join(result.criterion.id for result in screening.with_status(Status.FAIL))
        lines.append(Text(f"Fails {failing}.", style="red"))
    if verdict is Verdict.NEEDS_REVIEW and screening.collect_next:
        lines.append(Text("Collect or assess next:", style="bold"))
        bullets = Table.grid(padding=(0, 1), pad_edge=True)
        bullets.add_column(no_wrap=True)
        bullets.add_column(ratio=1, overflow="fold")
        for item in screening.collect_next:
            bullets.add_row(Text(" •"), _plain(item.text))
        lines.append(bullets)
    return Group(*lines)


def render_problems(console: Console, problems: Sequence[Problem]) -> None:
    """Print one line per problem in file order: `file:line:col: field: message` for an
    error, with `warning: ` before the field for a warning."""
    for problem in problems:
        warning = ("warning: ", "yellow") if problem.severity == "warning" else ""
        console.print(Text.assemble((str(problem.span), "bold"), ": ", warning,
                                    f"{problem.field}: " if problem.field else "",
                                    (problem.message, "red" if not warning else "")),
                      soft_wrap=True, highlight=False)


def render_trial_page(console: Console, trial: Trial) -> None:
    """A trial as a clinician reads it: verbatim text beside the rule in plain words."""
    info = trial.trial
    name = f" ({info.short_name})" if info.short_name else ""
    console.print(Text.assemble((f"{info.id}{name}", "bold"), f" {info.title}"))
    facts = [info.sponsor, info.phase, f"registry: {info.overall_status}",
             f"updated {info.last_update}" if info.last_update else None, info.source]
    console.print(Text(" · ".join(fact for fact in facts if fact), style="dim"))
    if not info.recruiting:
        console.print(Text(f"! Not recruiting ({info.overall_status}).", style="yellow"))
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column("ID", no_wrap=True, style="bold")
    table.add_column("Kind", no_wrap=True)
    table.add_column("Protocol text, and the rule in plain words", ratio=1, overflow="fold")
    for criterion in trial.criteria:
        kind = "incl" if criterion.kind == "inclusion" else "excl"
        parts: list[RenderableType] = [Text(criterion.text)]
        parts += [_rule_line(("→ " if index == 0 else "  ") + line)
                  for index, line in enumerate(criterion_rule(criterion))]
        decided = decided_by(criterion)
        if decided != "computable":
            parts.append(Text(f"[{decided}]", style="magenta"))
        if criterion.reading:
            parts.append(Text(f"Reading: {criterion.reading}", style="dim"))
        table.add_row(criterion.id, kind, Group(*parts))
    console.print(table)


def _rule_line(line: str) -> RenderableType:
    """One line of a rule, its marker and indent apart, so that text that wraps stays under
    its own bullet and the nesting of any/all can still be read."""
    text = line.lstrip(" →-")
    marker = line[:len(line) - len(text)]
    grid = Table.grid()
    grid.add_column(no_wrap=True, width=len(marker), style="cyan")
    grid.add_column(ratio=1, overflow="fold", style="cyan")
    grid.add_row(marker, text)
    return grid


def render_coverage(console: Console, rows: Sequence[Coverage]) -> None:
    """Per trial: how many criteria are computable, judgment, or still to curate."""
    table = Table(box=box.SIMPLE_HEAD, title="Coverage", title_justify="left")
    table.add_column("Trial", no_wrap=True)
    for heading in ("Criteria", "Computable", "Judgment", "To curate"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("Not computable")
    for row in rows:
        share = f"{row.computable} ({100 * row.computable // row.total}%)" if row.total else "0"
        ids = (*row.judgment_ids, *row.curation_ids)
        listed = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        table.add_row(row.trial, str(row.total), share, str(row.judgment), str(row.curation),
                      listed)
    console.print(table)


def plural(count: int, noun: str) -> str:
    """'1 patient', '2 patients'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def render_matrix(console: Console,
                  patients: Sequence[tuple[str, dt.date, Sequence[Screening]]]) -> None:
    """Patients x trials: each cell the verdict and its fail and unknown counts."""
    trials = [screening.trial for screening in patients[0][2]] if patients else []
    days = {as_of for _, as_of, _ in patients}
    one_day = len(days) == 1
    title = plural(len(patients), "patient") + (
        f" · as of {next(iter(days)).isoformat()}" if one_day else "")
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
    table.add_column("Patient", no_wrap=True)
    if not one_day:
        table.add_column("As of", no_wrap=True)
    for trial in trials:
        short = f"\n{trial.trial.short_name}" if trial.trial.short_name else ""
        table.add_column(f"{trial.id}{short}", no_wrap=True)
    for ident, as_of, screenings in patients:
        cells = [Text.assemble(verdict_text(s.verdict), "\n",
                               (f"{len(s.with_status(Status.FAIL))} fail, "
                                f"{len(s.with_status(Status.UNKNOWN))} unknown", "dim"))
                 for s in screenings]
        table.add_row(ident, *([] if one_day else [as_of.isoformat()]), *cells)
    totals = []
    for index in range(len(trials)):
        verdicts = [screenings[index].verdict for _, _, screenings in patients]
        totals.append(" · ".join(f"{verdicts.count(v)} {_VERDICT_WORDS[v].lower()}"
                                 for v in Verdict))
    console.print(table)
    for trial, total in zip(trials, totals, strict=True):
        console.print(f"{trial.id}: {total}", highlight=False)


def render_vocabulary(console: Console, vocabulary: Vocabulary, search: str | None) -> None:
    """The facts (name, kind, unit, allowed values, where read from) and the lists, for a rule
    author at the terminal; `search` keeps those whose name or label contains it."""
    from .reference import fact_rows

    word = (search or "").casefold()
    facts = [fact for fact in vocabulary.facts.values()
             if word in fact.name.casefold() or word in fact.label.casefold()]
    table = Table(box=box.SIMPLE_HEAD, title=Text(f"Facts ({len(facts)})", style="table.title"),
                  title_justify="left", pad_edge=False)
    table.add_column(Text("Fact"), no_wrap=True)
    table.add_column(Text("Kind"), no_wrap=True)
    table.add_column(Text("Unit"), no_wrap=True)
    table.add_column(Text("Allowed"), overflow="fold", ratio=1)
    for fact, (name, kind, unit, allowed, *_) in zip(facts, fact_rows(vocabulary, facts),
                                                   strict=True):
        table.add_row(Text(name), Text(kind + (" (derived)" if fact.derived else "")),
                      Text(unit), Text(allowed.replace("`", "")))
    console.print(table)
    lists = [collection for collection in vocabulary.collections.values()
             if word in collection.name or any(word in category
                                               for category in collection.categories)]
    for collection in lists:
        console.print(Text.assemble((f"{collection.name}", "bold"),
                                    f": {', '.join(collection.categories)}"), soft_wrap=False)


def render_funnel(console: Console, funnel: Funnel) -> None:
    """A trial's criteria in protocol order with how many patients remain after each."""
    info = funnel.trial.trial
    console.print(Text.assemble(("Funnel ", "bold"), (info.id, "bold"),
                                f" ({info.short_name or info.title}) · "
                                f"{plural(funnel.patients, 'patient')}"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("ID", no_wrap=True, style="bold")
    table.add_column("Kind", no_wrap=True)
    for heading in ("Pass", "Fail", "Unknown", "Remain"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("", ratio=1, no_wrap=True, overflow="crop")
    width = max(10, min(30, console.width - 48))
    table.add_row("start", "", "", "", "", str(funnel.patients), "█" * width)
    for step in funnel.steps:
        filled = 0 if not funnel.patients else round(width * step.remaining / funnel.patients)
        table.add_row(step.criterion.id, step.criterion.kind[:4], str(step.passed),
                      Text(str(step.failed), style="red" if step.failed else ""),
                      str(step.unknown), str(step.remaining), "█" * filled)
    console.print(table)
    verdicts = " · ".join(f"{count} {_VERDICT_WORDS[verdict].lower()}"
                          for verdict, count in funnel.verdicts.items())
    console.print(f"Verdicts: {verdicts}", highlight=False)
    top = funnel.top_excluders()
    if top:
        console.print("Excludes the most: " + ", ".join(
            f"{step.criterion.id} ({step.failed})" for step in top), highlight=False)
