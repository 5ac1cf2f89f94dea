"""The screening commands: `screen` (patients against every trial) and `funnel` (one trial)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..loading import (
    Problem,
    assessment_problems,
    check_patient,
    is_rule_file,
    screening_date,
    trials_vocabulary,
)
from ..render import render_funnel, render_matrix, render_problems, render_screenings
from ..report import CSV_FIELDS, batch_report, csv_rows, funnel_report, report
from ..results import Screening
from ..rules import Trial
from ..screening import screen, screen_all
from ..source import SourceSpan
from .common import AsOf, RulesPath, TrialIds, choice, consoles, say
from .inputs import patient_files, rule_ids, trials_or_exit
from .writing import emit, refuse_overwriting_inputs


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


Patient = tuple[str, dt.date, tuple[Screening, ...]]


def screen_command(
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles (YAML): files, folders or quoted globs.",
        show_default=False)],
    rules: RulesPath = Path("rules"),
    trial: TrialIds = None,
    as_of: AsOf = None,
    output: Annotated[Format, typer.Option(
        "--format", parser=choice(Format), metavar="table|json|csv|html",
        help="table, json, csv (a row per patient, trial and criterion) or html "
        "(a printable page).")] = Format.TABLE,
    detail: Annotated[bool, typer.Option(
        "--detail", help="With several patients, print every criterion table too.")] = False,
    destination: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (atomically) instead of the terminal.",
        show_default=False)] = None,
) -> None:
    """Screen patients against every trial and explain each criterion.

    One patient: a ranked summary, then each trial's criteria. Several: a patients x trials
    matrix (--detail for everything). A profile that cannot be loaded is reported and the
    others are still screened. Exit status: 0 when every screening ran (whatever the
    verdicts), 1 when an input file could not be used, 2 for a usage error.
    """
    out, err = consoles()
    today = dt.date.today()
    day = as_of
    trials = trials_or_exit(err, rules, trial)
    vocabulary = trials_vocabulary(trials)
    files, problems = patient_files(patients)
    refuse_overwriting_inputs(err, destination, [*files, rules])
    screened: list[Patient] = []
    with _progress(err, len(files)) as advance:
        for file in files:
            if is_rule_file(file):
                problems.append(Problem(SourceSpan(str(file), 0, 0), "", "this is a rule file "
                                        "(trial criteria), not a patient profile: give it "
                                        "with --rules"))
                advance()
                continue
            profile, found = check_patient(file, as_of=day, today=today,
                                           vocabulary=vocabulary)
            if profile is not None:
                found = tuple(assessment_problems(file, profile, trials, rule_ids(rules)))
            problems += found
            if profile is not None and not found:
                on = screening_date(profile, day, today)
                screened.append((profile.id, on, screen_all(profile, trials, as_of=on)))
            advance()
    if problems:
        render_problems(err, problems)
    single = len(files) <= 1 and not any(
        path.is_dir() or any(char in str(path) for char in "*?[") for path in patients)
    if single and not screened and output is not Format.JSON:
        raise typer.Exit(1)  # the one profile could not be used; its problems are printed
    text = _formatted(output, screened, problems, trials, single=single)
    if text is not None:
        emit(err, text, destination)
    elif destination is not None:
        emit(err, _captured(lambda console: _tables(console, screened, single, detail)),
             destination)
    else:
        _tables(out, screened, single, detail)
    if problems:
        say(err, _batch_outcome(len(files), len(screened)), style="red")
        raise typer.Exit(1)


def _batch_outcome(files: int, screened: int) -> str:
    """The last line of a batch with problems: how many profiles were screened."""
    if not screened:
        return "no profile could be screened."
    failed = files - screened
    if failed:
        return (f"{failed} of {files} profiles could not be used; the others were screened.")
    return (f"every profile found was screened ({screened}); a folder or pattern above found "
            "none.")


def _tables(console: Console, screened: list[Patient], single: bool, detail: bool) -> None:
    if single or (detail and screened):
        for ident, on, screenings in screened:
            render_screenings(console, screenings, patient_id=ident, as_of=on)
            console.print()
    if not single and screened:
        render_matrix(console, screened)


def _formatted(output: Format, screened: list[Patient], problems: list[Problem],
               trials: tuple[Trial, ...], *, single: bool) -> str | None:
    """The document for a machine format, or None for tables."""
    if output is Format.TABLE:
        return None
    if output is Format.HTML:
        from ..cohort import funnel
        from ..html_report import html_page

        funnels = [funnel(t, [s[2][index] for s in screened]) for index, t in enumerate(trials)]
        return html_page(screened, funnels=funnels, problems=problems, batch=not single,
                         generated=dt.datetime.now().astimezone())
    if single and screened and output is Format.JSON:
        ident, on, screenings = screened[0]
        document = report(screenings, patient_id=ident, as_of=on)
    else:
        document = batch_report(screened, problems)
    if output is Format.JSON:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(document))
    return buffer.getvalue()


def _captured(draw: Callable[[Console], None]) -> str:
    console = Console(file=io.StringIO(), width=100, no_color=True, highlight=False)
    draw(console)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


@contextlib.contextmanager
def _progress(err: Console, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal for long batches; nothing when piped."""
    if total < 25 or not err.is_terminal:
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("screening", total=total)
        yield lambda: progress.advance(task)


def funnel_command(
    trial: Annotated[str, typer.Argument(metavar="NCT_ID", help="Trial id.",
                                         show_default=False)],
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles: files, folders or quoted globs.",
        show_default=False)],
    rules: RulesPath = Path("rules"),
    as_of: AsOf = None,
    output: Annotated[Format, typer.Option(
        "--format", parser=choice(Format), metavar="table|json", help="table or json.")] = (
        Format.TABLE),
) -> None:
    """Show how many patients pass, fail or are unknown on each criterion, in protocol order,
    and how many remain after each: the attrition a cohort tool reports."""
    from ..cohort import funnel

    out, err = consoles()
    today = dt.date.today()
    day = as_of
    (chosen,) = trials_or_exit(err, rules, [trial])
    files, problems = patient_files(patients)
    screenings = []
    for file in files:
        profile, found = check_patient(file, as_of=day, today=today,
                                       vocabulary=chosen.vocabulary)
        if profile is not None:
            found = tuple(assessment_problems(file, profile, [chosen], rule_ids(rules)))
        problems += found
        if profile is not None and not found:
            screenings.append(screen(profile, chosen,
                                     as_of=screening_date(profile, day, today)))
    if problems:
        render_problems(err, problems)
    if not screenings and output is not Format.JSON:
        say(err, "no profile could be screened.", style="red")
        raise typer.Exit(1)
    result = funnel(chosen, screenings)
    if output is Format.JSON:
        typer.echo(json.dumps(funnel_report(result), indent=2, ensure_ascii=False))
    elif output is Format.TABLE:
        render_funnel(out, result)
    else:
        say(err, "error: funnel prints table or json")
        raise typer.Exit(2)
    if problems:
        say(err, _batch_outcome(len(files), len(screenings)), style="red")
        raise typer.Exit(1)
