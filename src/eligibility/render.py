"""Rich tables for screenings: a summary, a table per trial, a verdict and what to collect.

Whatever a file says reaches the terminal as a `Text` made by `shown`: rich never reads it as
markup, and a control character in it is printed as an escape (`escapes.visible`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .cohort import Funnel, deciding, rank
from .collect import ToCollect, collect_across
from .coverage import Coverage
from .escapes import visible
from .loading import Problem
from .page import criterion_rule, decided_by
from .results import CriterionResult, Screening, Status, Verdict
from .rules import Trial
from .vocabulary import Vocabulary, closest

__all__ = [
    "glyph",
    "plural",
    "render_coverage",
    "render_funnel",
    "render_problems",
    "render_screenings",
    "render_trial_page",
    "render_vocabulary",
    "shown",
    "status_text",
    "verdict_text",
    "visible",
]

_STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.UNKNOWN: "yellow"}
_VERDICT_STYLE = {
    Verdict.ELIGIBLE: "bold green",
    Verdict.INELIGIBLE: "bold red",
    Verdict.NEEDS_REVIEW: "bold yellow",
}
_SYMBOLS = {Status.PASS: "✓", Status.FAIL: "✗", Status.UNKNOWN: "?"}
VERDICT_WORDS = {
    Verdict.ELIGIBLE: "ELIGIBLE",
    Verdict.INELIGIBLE: "INELIGIBLE",
    Verdict.NEEDS_REVIEW: "NEEDS REVIEW",
}
WIDE = 120

# Symbols for an output encoding that is not Unicode (ASCII, Latin-1...): same meaning.
_ASCII = {"✓": "+", "✗": "x", "·": "-", "→": "->", "•": "*", "█": "#", "…": "...", "─": "-"}


def shown(value: object, style: str = "", *, lines: bool = False) -> Text:
    """A value from a file as a table cell or line: printed as it is, never as markup."""
    return Text(visible(str(value), lines=lines), style=style)


def unicode_output(console: Console) -> bool:
    return console.encoding.lower().replace("-", "").startswith("utf")


def glyph(console: Console, symbol: str) -> str:
    """`symbol` (✓, ·, →, ...), or its ASCII stand-in when the output cannot encode it."""
    return symbol if unicode_output(console) else _ASCII.get(symbol, symbol)


def status_text(console: Console, status: Status) -> Text:
    """`✓ pass` in green: symbol and word, so colour is never the only signal."""
    return Text(f"{glyph(console, _SYMBOLS[status])} {status}", style=_STATUS_STYLE[status])


def verdict_text(verdict: Verdict) -> Text:
    return Text(VERDICT_WORDS[verdict], style=_VERDICT_STYLE[verdict])


def shows_whole(console: Console, table: Table, words: Sequence[str]) -> bool:
    """Whether `table`, laid out in the console's width, shows each of `words` whole: rich
    silently crops a cell it cannot fit (even a column with a minimum width, when the table
    is a little too wide), so the layout is checked rather than predicted."""
    lines = console.render_lines(table, console.options, pad=False)
    shown = {word for line in lines for word in _WORD.findall("".join(s.text for s in line))}
    return all(word in shown for word in words)


_WORD = re.compile(r"[^\s,]+")


def render_screenings(console: Console, screenings: Sequence[Screening], *, patient_id: str,
                      as_of: dt.date) -> None:
    """Print a patient's screening: summary (several trials), then each trial in full."""
    count = f"{len(screenings)} trial{'s' if len(screenings) != 1 else ''}"
    dot = glyph(console, "·")
    console.print(Text.assemble(("Patient ", "bold"), shown(patient_id, "bold cyan"),
                                f" {dot} screened as of {as_of.isoformat()} {dot} {count}"))
    screenings = rank(screenings)
    if len(screenings) > 1:
        console.print(_summary(console, screenings))
        console.print(_forecast_summary(screenings))
    merged = collect_across(screenings)
    if len(screenings) > 1 and merged:
        console.print()
        console.print(_collect_across(console, merged))
    for screening in screenings:
        console.print()
        console.print(_trial(console, screening))


def _summary(console: Console, screenings: Sequence[Screening]) -> RenderableType:
    """Trials ranked, each with its verdict, counts and the criteria that decide it; the
    registry status too when there is room (each trial's block warns about it anyway). Where
    even that table is too wide, a trial per paragraph: nothing is cut."""
    wide = console.width >= WIDE
    title = Text("Summary (best first)", style="table.title")
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False)
    table.add_column(Text("Trial"), no_wrap=True)
    table.add_column(Text("Name"), no_wrap=True)
    table.add_column(Text("Verdict"), no_wrap=True)
    for status in Status:
        table.add_column(Text(glyph(console, _SYMBOLS[status])), justify="right", no_wrap=True)
    if wide:
        table.add_column(Text("Registry"), no_wrap=True)
    table.add_column(Text("Deciding criteria"), ratio=1, min_width=12, overflow="fold")
    for screening in screenings:
        info = screening.trial.trial
        registry = [shown(info.overall_status, "green" if info.recruiting else "yellow")]
        table.add_row(
            shown(info.id), shown(info.short_name or ""), verdict_text(screening.verdict),
            *(Text(str(len(screening.with_status(status)))) for status in Status),
            *(registry if wide else []), shown(", ".join(deciding(screening))),
        )
    if shows_whole(console, table, [ident for s in screenings for ident in deciding(s)]):
        return table
    return Group(title, Text(""), *(_summary_paragraph(screening) for screening in screenings))


def _summary_paragraph(screening: Screening) -> Text:
    """One trial of the summary as words that wrap: `NCT… (STR04) INELIGIBLE: 12 pass, ...`."""
    info = screening.trial.trial
    counts = ", ".join(f"{len(screening.with_status(status))} {status}" for status in Status)
    name = f" ({info.short_name})" if info.short_name else ""
    decided = ", ".join(deciding(screening))
    text = Text.assemble(shown(f"{info.id}{name}", "bold"), " ",
                         verdict_text(screening.verdict), f": {counts}",
                         *((f"; deciding: {decided}",) if decided else ()))
    text.overflow = "fold"
    return text


def _trial(console: Console, screening: Screening) -> RenderableType:
    info = screening.trial.trial
    name = f" ({info.short_name})" if info.short_name else ""
    parts: list[RenderableType] = [Text.assemble(shown(f"{info.id}{name}", "bold"), " ",
                                                 shown(info.title))]
    if not info.recruiting:
        parts.append(Text.assemble(
            "! Not recruiting: the registry lists this trial as ", shown(info.overall_status),
            " (last update ", shown(info.last_update or "unknown"),
            "). Confirm with the site before referring.", style="yellow"))
    parts.append(_criteria_table(console, screening.results))
    parts.append(_verdict(console, screening))
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
        text = shown(result.criterion.text, lines=True)
        why = shown(result.outcome.explanation, _STATUS_STYLE[result.status].replace(
            "bold ", ""), lines=True)
        cells: list[RenderableType] = [text, why] if wide else [
            Text.assemble(text, "\n", (f"{glyph(console, '→')} ", "dim"), why)]
        table.add_row(shown(result.criterion.id), Text(kind),
                      status_text(console, result.status), *cells)
    return table


def _verdict(console: Console, screening: Screening) -> RenderableType:
    verdict = screening.verdict
    counts = ", ".join(f"{len(screening.with_status(status))} {status}" for status in Status)
    lines: list[RenderableType] = [
        Text.assemble("Verdict: ", verdict_text(verdict), f"  ({counts})")
    ]
    if verdict is Verdict.INELIGIBLE:
        failing = ", ".join(result.criterion.id for result in screening.with_status(Status.FAIL))
        lines.append(shown(f"Fails {failing}.", "red"))
    if verdict is Verdict.NEEDS_REVIEW and screening.collect_next:
        lines.append(Text("Collect or assess next:", style="bold"))
        bullets = Table.grid(padding=(0, 1), pad_edge=True)
        bullets.add_column(no_wrap=True)
        bullets.add_column(ratio=1, overflow="fold")
        for item in screening.collect_next:
            bullets.add_row(Text(f" {glyph(console, '•')}"), shown(item.text))
        lines.append(bullets)
    lines.append(_forecast_block(console, screening))
    return Group(*lines)


def _collect_across(console: Console, merged: Sequence[ToCollect]) -> RenderableType:
    """The merged list: each thing to collect with who provides it, its fact name and the
    trials and criteria it settles; `unlocks` marks a trial it could decide on its own."""
    title = Text("Collect next, across trials (what decides the most first)",
                 style="table.title")
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", pad_edge=False)
    table.add_column(Text("#"), justify="right", no_wrap=True)
    table.add_column(Text("Collect or ask"), ratio=1, overflow="fold")
    table.add_column(Text("From"), overflow="fold", max_width=12)
    table.add_column(Text("Trials"), justify="right", no_wrap=True)
    table.add_column(Text("Unlocks"), justify="right", no_wrap=True)
    arrow = glyph(console, "→")
    for number, item in enumerate(merged, start=1):
        places = "; ".join(
            f"{trial} " + ", ".join(c.id + ("" if c.decided else "*") for c in item.criteria
                                     if c.trial == trial) for trial in item.trials)
        cell = shown(item.label)
        if item.fact != item.label:  # a list's label is often its name
            cell.append_text(shown(f" ({item.fact})", "dim"))
        cell.append_text(Text.assemble("\n", (f"{arrow} ", "dim"), shown(places, "dim")))
        if item.unlocks:
            cell.append_text(Text.assemble("\n", shown(
                f"could decide {', '.join(item.unlocks)} on its own", "green")))
        table.add_row(Text(str(number)), cell, shown(item.provided_by or "-"),
                      Text(str(len(item.trials))), Text(str(len(item.unlocks))))
    note = Text("* the criterion needs something else too. Each trial's own list below says "
                "what exactly to collect.", style="dim")
    return Group(table, note)


def render_problems(console: Console, problems: Sequence[Problem]) -> None:
    """Print one line per problem in file order: `file:line:col: field: message` for an
    error, with `warning: ` before the field for a warning."""
    for problem in problems:
        warning = ("warning: ", "yellow") if problem.severity == "warning" else ""
        console.print(Text.assemble(shown(problem.span, "bold"), ": ", warning,
                                    shown(f"{problem.field}: ") if problem.field else "",
                                    shown(problem.message, "red" if not warning else "")),
                      soft_wrap=True, highlight=False)


def render_trial_page(console: Console, trial: Trial) -> None:
    """A trial as a clinician reads it: verbatim text beside the rule in plain words."""
    info = trial.trial
    name = f" ({info.short_name})" if info.short_name else ""
    console.print(Text.assemble(shown(f"{info.id}{name}", "bold"), " ", shown(info.title)))
    facts = [info.sponsor, info.phase, f"registry: {info.overall_status}",
             f"updated {info.last_update}" if info.last_update else None, info.source]
    console.print(shown(f" {glyph(console, '·')} ".join(fact for fact in facts if fact), "dim"))
    if not info.recruiting:
        console.print(shown(f"! Not recruiting ({info.overall_status}).", "yellow"))
    table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False)
    table.add_column(Text("ID"), no_wrap=True, style="bold")
    table.add_column(Text("Kind"), no_wrap=True)
    table.add_column(Text("Protocol text, and the rule in plain words"), ratio=1,
                     overflow="fold")
    arrow = glyph(console, "→")
    for criterion in trial.criteria:
        kind = "incl" if criterion.kind == "inclusion" else "excl"
        parts: list[RenderableType] = [shown(criterion.text, lines=True)]
        parts += [_rule_line(("→ " if index == 0 else "  ") + line, arrow)
                  for index, line in enumerate(criterion_rule(criterion, trial.vocabulary))]
        decided = decided_by(criterion)
        if decided != "computable":
            parts.append(Text(f"[{decided}]", style="magenta"))
        if criterion.reading:
            parts.append(shown(f"Reading: {criterion.reading}", "dim", lines=True))
        table.add_row(shown(criterion.id), Text(kind), Group(*parts))
    console.print(table)


def _rule_line(line: str, arrow: str) -> RenderableType:
    """One line of a rule, its marker and indent apart, so that text that wraps stays under
    its own bullet and the nesting of any/all can still be read."""
    text = line.lstrip(" →-")
    marker = line[:len(line) - len(text)].replace("→", arrow)
    grid = Table.grid()
    grid.add_column(no_wrap=True, width=len(marker), style="cyan")
    grid.add_column(ratio=1, overflow="fold", style="cyan")
    grid.add_row(Text(marker), shown(text))
    return grid


def render_coverage(console: Console, rows: Sequence[Coverage]) -> None:
    """Per trial: how many criteria are computable, a clinician's judgment (partly: data
    decides them in some cases), or still to curate; and the share of the criteria that are
    not a judgment alone which data decides."""
    table = Table(box=box.SIMPLE_HEAD, title=Text("Coverage", style="table.title"),
                  title_justify="left")
    table.add_column(Text("Trial"), no_wrap=True)
    for heading in ("Criteria", "Computable", "Judgment\n(partly)", "To\ncurate", "By\ndata"):
        table.add_column(Text(heading), justify="right", no_wrap=True)
    table.add_column(Text("Not computable"))
    for row in rows:
        share = f"{row.computable} ({100 * row.computable // row.total}%)" if row.total else "0"
        by_data = row.decided_by_data
        ids = (*row.judgment_ids, *row.curation_ids)
        listed = ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
        table.add_row(shown(row.trial), Text(str(row.total)), Text(share),
                      Text(f"{row.judgment} ({row.partly_judgment})"), Text(str(row.curation)),
                      Text("-" if by_data is None else f"{100 * by_data:.0f}%"),
                      shown(listed))
    console.print(table)
    console.print(Text("By data: the share of the criteria that are not a clinician's judgment "
                       "alone that the profile's data can decide (computable, and judgment "
                       "criteria that data settles in some cases).", style="dim"))


def plural(count: int, noun: str) -> str:
    """'1 patient', '2 patients'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def render_vocabulary(console: Console, vocabulary: Vocabulary, search: str | None) -> None:
    """The facts (name, kind, unit, allowed values, where read from) and the lists, for a rule
    author at the terminal; `search` keeps those whose name or label contains it."""
    from .reference import fact_rows

    def plain(text: str) -> str:  # fvc_percent finds fvc.percent_predicted
        return " ".join(re.sub(r"[._\-]", " ", text.casefold()).split())

    word = plain(search or "")
    facts = [fact for fact in vocabulary.facts.values()
             if word in plain(fact.name) or word in plain(fact.label)]
    lists = [collection for collection in vocabulary.collections.values()
             if word in plain(collection.name) or any(word in plain(category)
                                                      for category in collection.categories)]
    # Known names (riluzole, Rilutek): whether an entry's name places it without a category.
    concepts = {(collection.name, concept.key): concept
                for collection in vocabulary.collections.values() if search
                for concept in collection.concepts.values()}
    names = [(listed, concept) for (listed, _), concept in concepts.items()
             if any(word in plain(spelling) for spelling in (concept.name, *concept.synonyms))]
    if not facts and not lists and not names:
        spellings = [spelling for concept in concepts.values()
                     for spelling in (concept.name, *concept.synonyms)]
        known = [*vocabulary.facts, *vocabulary.collections, *spellings]
        console.print(shown(f"No fact, list or known name matches {search!r}"
                            f"{closest(search or '', known)}"))
        return
    table = Table(box=box.SIMPLE_HEAD, title=Text(f"Facts ({len(facts)})", style="table.title"),
                  title_justify="left", pad_edge=False)
    table.add_column(Text("Fact"), no_wrap=True)
    table.add_column(Text("Kind"), no_wrap=True)
    table.add_column(Text("Unit"), no_wrap=True)
    table.add_column(Text("Allowed"), overflow="fold", ratio=1)
    for fact, (name, kind, unit, allowed, *_) in zip(facts, fact_rows(vocabulary, facts),
                                                   strict=True):
        table.add_row(shown(name), shown(kind + (" (derived)" if fact.derived else "")),
                      shown(unit), shown(allowed.replace("`", "")))
    if facts:
        console.print(table)
    for collection in lists:
        console.print(Text.assemble(shown(collection.name, "bold"),
                                    shown(f": {', '.join(collection.categories)}")),
                      soft_wrap=False)
    if names:
        console.print(Text(f"Known names ({len(names)})", style="table.title"))
    for listed, concept in names:
        also = f"; also {', '.join(concept.synonyms)}" if concept.synonyms else ""
        kinds = ", ".join(concept.categories) or "no category"
        console.print(Padding(shown(f"{concept.name} in {listed} ({kinds}){also}"), (0, 0, 0, 2)))


def render_funnel(console: Console, funnel: Funnel) -> None:
    """A trial's criteria in protocol order with how many patients remain after each."""
    info = funnel.trial.trial
    console.print(Text.assemble(("Funnel ", "bold"), shown(info.id, "bold"), " (",
                                shown(info.short_name or info.title),
                                f") {glyph(console, '·')} {plural(funnel.patients, 'patient')}"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column(Text("ID"), no_wrap=True, style="bold")
    table.add_column(Text("Kind"), no_wrap=True)
    for heading in ("Pass", "Fail", "Unknown", "Remain"):
        table.add_column(Text(heading), justify="right", no_wrap=True)
    table.add_column(Text(""), ratio=1, no_wrap=True, overflow="crop")
    width = max(10, min(30, console.width - 48))
    bar = glyph(console, "█")
    table.add_row(Text("start"), Text(""), Text(""), Text(""), Text(""),
                  Text(str(funnel.patients)), Text(bar * width))
    for step in funnel.steps:
        filled = 0 if not funnel.patients else round(width * step.remaining / funnel.patients)
        table.add_row(shown(step.criterion.id), Text(step.criterion.kind[:4]),
                      Text(str(step.passed)),
                      Text(str(step.failed), style="red" if step.failed else ""),
                      Text(str(step.unknown)), Text(str(step.remaining)), Text(bar * filled))
    console.print(table)
    dot = glyph(console, "·")
    verdicts = f" {dot} ".join(f"{count} {VERDICT_WORDS[verdict].lower()}"
                               for verdict, count in funnel.verdicts.items())
    console.print(Text(f"Verdicts: {verdicts}"))
    top = funnel.top_excluders()
    if top:
        console.print(shown("Excludes the most: " + ", ".join(
            f"{step.criterion.id} ({step.failed})" for step in top)))


def _forecast_summary(screenings: Sequence[Screening]) -> RenderableType:
    """After the summary: each trial's windows in a line, and what a forecast assumes."""
    from .forecast import ASSUMPTION, summary

    found = [screening for screening in screenings if screening.forecast is not None]
    if not found:
        return Group()
    end = found[0].forecast.end.isoformat()  # type: ignore[union-attr]
    grid = Table.grid(padding=(0, 1), pad_edge=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for screening in found:
        assert screening.forecast is not None
        grid.add_row(shown(f"{screening.trial.trial.short_name or screening.trial.id}:", "bold"),
                     shown(summary(screening.forecast)))
    return Group(Text(f"Forecast to {end}, {ASSUMPTION}", style="table.title"), grid)


def _forecast_block(console: Console, screening: Screening) -> RenderableType:
    """Under a trial's verdict: its windows, then each day a criterion's status changes."""
    from .forecast import ASSUMPTION, change_words, summary, verdict_words

    forecast = screening.forecast
    if forecast is None:
        return Group()
    lines: list[RenderableType] = [Text.assemble(
        (f"Forecast to {forecast.end.isoformat()}, {ASSUMPTION}: ", "bold"),
        shown(summary(forecast)))]
    grid = Table.grid(padding=(0, 1), pad_edge=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    arrow = glyph(console, "→")
    for before, step in itertools.pairwise(forecast.steps):
        verdict = (f"{verdict_words(step.verdict).upper()}: " if step.verdict is not
                   before.verdict else "")
        for index, change in enumerate(step.changes):
            grid.add_row(Text(step.on.isoformat() if index == 0 else ""),
                         shown((verdict if index == 0 else "") + change_words(change, arrow)))
    if forecast.steps[1:]:
        lines.append(grid)
    return Group(*lines)
