"""The screening commands: `screen` (patients against every trial) and `funnel` (one trial)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console

from ..durations import Duration
from ..escapes import json_text
from ..forecast import DEFAULT_HORIZON
from ..loading import Problem, trials_vocabulary
from ..render import render_funnel, render_problems, render_screenings
from ..results import Screening
from ..selection import SHOWN, Order
from .batch import STDIN, Work, default_jobs, keep, screen_one, screening
from .common import AsOf, RulesPath, TrialIds, choice, consoles, say, span
from .inputs import patient_files, repeated_patient, rule_ids, standard_input, trials_or_exit
from .population import Engine, is_population_table
from .progress import Progress
from .writing import output_stream, refuse_unfit_destination, to_standard_output


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    HTML = "html"
    PARQUET = "parquet"


Patient = tuple[str, dt.date, tuple[Screening, ...]]
EngineOption = Annotated[Engine | None, typer.Option(
    "--engine", parser=choice(Engine), metavar="python|duckdb|spark", help="python (profile "
    "by profile), duckdb (a population table, in one SQL query per trial, embedded) or spark "
    "(the same queries on a Spark cluster, --spark-master); default: duckdb for a .parquet, "
    ".jsonl, .ndjson or .csv file, else python.", show_default=False)]
SparkMaster = Annotated[str, typer.Option(
    "--spark-master", metavar="URL", help="With --engine spark: the cluster's URL "
    "(spark://host:7077, yarn, ...) or local[N] for N cores of this machine.")]


def population(paths: list[Path], engine: Engine | None) -> bool:
    """Whether the command screens a population table: with --engine duckdb or spark, or one
    file named like a table; a usage error (exit 2) when the two disagree."""
    table = len(paths) == 1 and is_population_table(paths[0])
    if engine is None:
        return table
    if (engine is not Engine.PYTHON) != table:
        _, err = consoles()
        say(err, f"error: --engine {engine.value} screens one population table (.parquet, "
            ".jsonl, .ndjson or .csv)" if engine is not Engine.PYTHON else "error: --engine python "
            "screens profiles (YAML); a population table needs --engine duckdb or spark")
        raise typer.Exit(2)
    return table
_MACHINE = (Format.JSON, Format.JSONL)  # formats that report a failed file in their output


def _verdicts(text: str | None) -> tuple[str, ...]:
    """Parse --verdict: words from SHOWN, separated by commas (`eligible,needs_review`)."""
    if text is None:
        return ()
    from ..vocabulary import closest

    words = tuple(word.strip().lower().replace("-", "_").replace(" ", "_")
                  for word in text.split(",") if word.strip())  # `eligible,` is a slip
    if not words:
        raise typer.BadParameter(f"expected verdicts among {', '.join(SHOWN)} separated by "
                                 "commas, got nothing")
    for word in words:
        if word not in SHOWN:
            raise typer.BadParameter(f"expected verdicts among {', '.join(SHOWN)} separated "
                                     f"by commas, got {word!r}{closest(word, SHOWN)}")
    return words


def screen_command(
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles (YAML) or FHIR R4 bundles (*.json): files, "
        "folders or quoted globs; - reads one from standard input.", show_default=False,
        readable=False)],
    rules: RulesPath = Path("rules"),
    trial: TrialIds = None,
    as_of: AsOf = None,
    output: Annotated[Format, typer.Option(
        "--format", parser=choice(Format), metavar="table|json|jsonl|csv|html|parquet",
        help="table, json, jsonl (a line per patient), csv (a row per patient, trial and "
        "criterion), html (a printable page) or, with a population table, parquet.")] = (
        Format.TABLE),
    detail: Annotated[bool, typer.Option(
        "--detail", help="With several patients, print every criterion table too.")] = False,
    destination: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (atomically) instead of the terminal; - "
        "for standard output.", show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, metavar="N", help="Processes screening a batch; default: one "
        "per core.", show_default=False)] = None,
    engine: EngineOption = None,
    verdict: Annotated[str | None, typer.Option(
        "--verdict", metavar="VERDICT[,VERDICT]", help="With several patients: show only "
        "those with a trial of one of these verdicts (eligible, needs_review, ineligible, "
        "near_miss: failing exactly one criterion); on a population table, the rows of a "
        "patient and trial with one of them.", show_default=False)] = None,
    order: Annotated[Order, typer.Option(
        "--sort", parser=choice(Order), metavar="file|id|best", help="With several patients: "
        "file (as given, written as they are screened), id, or best (most eligible trials "
        "first, then most in review with fewest unknowns); sorting writes nothing until the "
        "last patient is screened.")] = Order.FILE,
    explain: Annotated[list[str] | None, typer.Option(
        "--explain", metavar="ID", help="With a population table: screen this patient on the "
        "explained path instead (repeat for several).", show_default=False)] = None,
    forecast: Annotated[bool | None, typer.Option(
        "--forecast/--no-forecast", help="Forecast each trial's eligibility window (the days "
        "the screening would change if nothing new is recorded); default: for one patient, "
        "not for a batch.", show_default=False)] = None,
    horizon: Annotated[Duration | None, typer.Option(
        "--horizon", parser=span, metavar="SPAN", help="How far the forecast looks ahead: "
        "'24 months', '2 years', '90 days' (at most about 10 years); given for a batch, it "
        "asks for the forecast. Default: 24 months.", show_default=False)] = None,
    spark_master: SparkMaster = "local[2]",
) -> None:
    """Screen patients against every trial and explain each criterion.

    One patient: a ranked summary, then each trial's criteria. Several: a patients x trials
    matrix (--detail for everything), written as the patients are screened. A profile that
    cannot be loaded is reported and the others are still screened. Exit status: 0 when
    every screening ran (whatever the verdicts), 1 when an input file could not be used, 2
    for a usage error.
    """
    if population(patients, engine):
        from .population import screen_table

        if order is not Order.FILE:
            _, err = consoles()
            say(err, "error: --sort chooses the order of profiles; a population table is "
                "screened in SQL (sort its output with SQL or a spreadsheet)")
            raise typer.Exit(2)
        if forecast or (forecast is None and horizon is not None):
            say(consoles()[1], "error: --forecast needs profiles (YAML or FHIR); a population "
                "table is screened in SQL, for today's verdicts only")
            raise typer.Exit(2)
        screen_table(patients[0], rules=rules, trial=trial, as_of=as_of, output=output.value,
                     destination=destination, explain=explain,
                     engine=engine or Engine.DUCKDB, master=spark_master,
                     verdicts=_verdicts(verdict))
        return
    out, err = consoles()
    if output is Format.PARQUET or explain:
        say(err, f"error: {'--format parquet' if explain is None else '--explain'} needs a "
            "population table (.parquet, .jsonl, .ndjson or .csv; see eligibility export)")
        raise typer.Exit(2)
    trials = trials_or_exit(err, rules, trial, unknown_exit=2)
    files, problems = patient_files(patients)
    refuse_unfit_destination(err, destination, [*(f for f in files if f != STDIN), rules])
    stdin = standard_input(problems) if STDIN in files else None
    work = Work(trials, as_of, dt.date.today(), keep, trials_vocabulary(trials), rule_ids(rules),
                chart=output is Format.HTML)
    single = len(files) <= 1 and not any(
        path.is_dir() or any(char in str(path) for char in "*?[") for path in patients)
    wanted = _verdicts(verdict)
    if forecast if forecast is not None else (single or horizon is not None):
        work = work._replace(horizon=horizon or DEFAULT_HORIZON)
    if single:
        if wanted or order is not Order.FILE:
            say(err, "error: --verdict and --sort choose among several patients; give a "
                "folder, a pattern or several files")
            raise typer.Exit(2)
        _screen_one_patient(out, err, work, files, stdin, problems, output, destination)
        return
    screened = _screen_batch(out, err, work, files, stdin, problems, output=output,
                             destination=destination, detail=detail,
                             jobs=jobs or default_jobs(), wanted=wanted, order=order)
    if problems:
        say(err, _batch_outcome(len(files), screened), style="red")
        raise typer.Exit(1)


def _screen_one_patient(out: Console, err: Console, work: Work, files: list[str],
                        stdin: str | None, problems: list[Problem], output: Format,
                        destination: Path | None) -> None:
    """One profile: its summary and tables, or its document; exit 1 if it was unusable."""
    result = screen_one(work, files[0], stdin, warn=True) if files else None
    if result is not None:
        problems += result.problems
    if problems:
        render_problems(err, problems)
    elif result is not None:
        render_problems(err, list(result.warnings))
    patient: Patient | None = result.piece if result is not None else None
    if patient is None and output not in _MACHINE:
        raise typer.Exit(1)  # the one profile could not be used; its problems are printed
    ascii_only = _ascii_only(destination)
    with output_stream(err, destination) as stream:
        console = out if to_standard_output(destination) else _file_console(stream)
        if output is Format.TABLE:
            assert patient is not None
            ident, on, screenings = patient
            render_screenings(console, screenings, patient_id=ident, as_of=on)
            console.print()
        elif output is Format.JSON and patient is not None:
            from ..report import report

            ident, on, screenings = patient
            stream.write(json_text(report(screenings, patient_id=ident, as_of=on), indent=2,
                                   ascii_only=ascii_only) + "\n")
        elif output is Format.HTML:
            from .sinks import Html, Sink, sink_for

            html = Html(stream, work.trials, batch=False)
            html.about(result.about if result is not None else None)
            sink: Sink = html
            sink.patient(patient)
            sink.close()
        else:
            from .sinks import sink_for

            sink = sink_for(output, stream, console, work.trials, as_of=work.as_of,
                            detail=False, ascii_only=ascii_only, pause=contextlib.nullcontext)
            if patient is not None:
                sink.patient(sink.piece(*patient))
            sink.problems(problems)
            sink.close()
    if problems:
        raise typer.Exit(1)


def _screen_batch(out: Console, err: Console, work: Work, files: list[str],
                  stdin: str | None, problems: list[Problem], *, output: Format,
                  destination: Path | None, detail: bool, jobs: int,
                  wanted: tuple[str, ...] = (), order: Order = Order.FILE) -> int:
    """Screen every file, writing each patient out as it comes (or, sorted, at the end); the
    number screened."""
    from .selecting import Selecting
    from .sinks import Sink, sink_for

    if problems:
        render_problems(err, problems)
    screened = 0
    with output_stream(err, destination) as stream:
        console = out if to_standard_output(destination) else _file_console(stream)
        in_process = output is Format.HTML or (output is Format.TABLE and detail)
        # JSON or CSV printed on the terminal would be written through the bar's redrawing;
        # the matrix steps the bar aside for each chunk instead.
        raw_on_terminal = console is out and output is not Format.TABLE and _a_terminal()
        with Progress(err, 0 if raw_on_terminal else len(files)) as progress:
            sink: Sink = sink_for(
                output, stream, console, work.trials, as_of=work.as_of, detail=detail,
                ascii_only=_ascii_only(destination),
                pause=progress.paused if console is out else contextlib.nullcontext)
            from .sinks import Html

            chart = sink if isinstance(sink, Html) else None
            selecting = None
            if wanted or order is not Order.FILE:
                sink = selecting = Selecting(sink, wanted=wanted, order=order)
            sink.problems(problems)
            work = work._replace(piece=sink.piece)
            seen: dict[str, str] = {}  # each patient id and the first file giving it
            with screening(work, files, stdin=stdin,
                           jobs=1 if in_process else jobs) as results:
                progress.start()
                for result in results:
                    if result.problems:
                        render_problems(err, result.problems)
                        problems += result.problems
                        sink.problems(result.problems)
                    if result.patient is not None and (repeated := repeated_patient(
                            seen, result.patient, result.path,
                            "the output holds this patient twice")) is not None:
                        render_problems(err, [repeated])
                    if result.piece is not None:
                        if chart is not None:
                            chart.about(result.about)
                        sink.patient(result.piece)
                        screened += 1
                    progress.advance()
            sink.close()
    if selecting is not None and wanted:
        say(err, f"{selecting.shown} of {selecting.screened} patients shown (--verdict "
            f"{','.join(wanted)})")
    return screened


def _batch_outcome(files: int, screened: int) -> str:
    """The last line of a batch with problems: how many profiles were screened."""
    if not screened:
        return "no profile could be screened."
    failed = files - screened
    if failed:
        return (f"{failed} of {files} profiles could not be used; the others were screened.")
    return (f"every profile found was screened ({screened}); a folder or pattern above found "
            "none.")


def _a_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _file_console(stream: IO[str]) -> Console:
    """Tables for a file: 100 columns, no colour, laid out as for a pipe."""
    return Console(file=stream, width=100, no_color=True, highlight=False, emoji=False)


def _ascii_only(destination: Path | None) -> bool:
    """Whether JSON must escape every non-ASCII character: standard output that cannot
    encode them (a file is always UTF-8)."""
    if not to_standard_output(destination):
        return False
    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower().replace("-", "")
    return not encoding.startswith("utf")


def funnel_command(
    trial: Annotated[str, typer.Argument(metavar="NCT_ID", help="Trial id.",
                                         show_default=False)],
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles: files, folders or quoted globs; - reads "
        "one from standard input.", show_default=False, readable=False)],
    rules: RulesPath = Path("rules"),
    as_of: AsOf = None,
    output: Annotated[Format, typer.Option(
        "--format", parser=choice(Format), metavar="table|json", help="table or json.")] = (
        Format.TABLE),
    engine: EngineOption = None,
    spark_master: SparkMaster = "local[2]",
) -> None:
    """Show how many patients pass, fail or are unknown on each criterion, in protocol order,
    and how many remain after each: the attrition a cohort tool reports."""
    if population(patients, engine):
        from .population import funnel_table

        funnel_table(trial, patients[0], rules=rules, as_of=as_of, output=output.value,
                     engine=engine or Engine.DUCKDB, master=spark_master)
        return
    from ..cohort import funnel

    out, err = consoles()
    (chosen,) = trials_or_exit(err, rules, [trial])
    files, problems = patient_files(patients)
    stdin = standard_input(problems) if STDIN in files else None
    work = Work((chosen,), as_of, dt.date.today(), keep, chosen.vocabulary, rule_ids(rules))
    screenings = []
    seen: dict[str, str] = {}  # each patient id and the first file giving it
    for file in files:
        screened = screen_one(work, file, stdin if file == STDIN else None)
        problems += screened.problems
        if screened.patient is not None and (repeated := repeated_patient(
                seen, screened.patient, file, "the funnel counts this patient twice")):
            render_problems(err, [repeated])
        if screened.piece is not None:
            screenings.append(screened.piece[2][0])
    if problems:
        render_problems(err, problems)
    if not screenings and output is not Format.JSON:
        say(err, "no profile could be screened.", style="red")
        raise typer.Exit(1)
    result = funnel(chosen, screenings)
    if output is Format.JSON:
        from ..report import funnel_report

        typer.echo(json_text(funnel_report(result), indent=2, ascii_only=_ascii_only(None)))
    elif output is Format.TABLE:
        render_funnel(out, result)
    else:
        say(err, "error: funnel prints table or json")
        raise typer.Exit(2)
    if problems:
        say(err, _batch_outcome(len(files), len(screenings)), style="red")
        raise typer.Exit(1)
