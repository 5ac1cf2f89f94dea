"""The `eligibility` command: parse arguments, call the library, render, choose the exit code."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import glob
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, TypeVar, cast

import typer
from rich.console import Console

from . import __version__
from .coverage import Coverage, coverage
from .loading import (
    InputError,
    Problem,
    assessment_problems,
    check_patient,
    check_trial,
    is_rule_file,
    load_trial,
    load_trials,
    repeated_trials,
    screening_date,
)
from .patient import PatientProfile
from .render import (
    render_coverage,
    render_funnel,
    render_matrix,
    render_problems,
    render_screenings,
    render_trial_page,
)
from .report import CSV_FIELDS, batch_report, csv_rows, funnel_report, report
from .results import Screening
from .rules import Trial
from .screening import screen, screen_all
from .source import SourceSpan
from .vocabulary import closest

app = typer.Typer(
    name="eligibility",
    help="Pre-screen patients for clinical trials, criterion by criterion.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


E = TypeVar("E", bound=StrEnum)


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    GITHUB = "github"


class PageFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


class SchemaKind(StrEnum):
    RULES = "rules"
    PATIENT = "patient"


class _Trimmed(io.TextIOBase):
    """A stream without the spaces rich pads each table line with, so that a report piped
    into a file or diffed carries no trailing whitespace."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream  # bound now: a progress display later redirects sys.stderr
        self._pending = ""

    def write(self, text: str) -> int:
        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._pending)
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self._stream, "encoding", None) or "utf-8")


def _consoles() -> tuple[Console, Console]:
    """The stdout and stderr consoles; NO_COLOR turns off every style, not only colour."""
    plain = {"color_system": None} if os.environ.get("NO_COLOR") else {}
    out, err = cast(IO[str], _Trimmed(sys.stdout)), cast(IO[str], _Trimmed(sys.stderr))
    return (Console(file=out, highlight=False, **plain),  # type: ignore[arg-type]
            Console(file=err, stderr=True, highlight=False, **plain))  # type: ignore[arg-type]


def _say(console: Console, text: str, *, style: str | None = None) -> None:
    """Print one message as written: never wrapped at the terminal width (an editor jumps to
    the `file:line:col` in it), never read as rich markup (a path may hold brackets)."""
    console.print(text, style=style, soft_wrap=True, highlight=False, markup=False)


def _date(text: str | None) -> dt.date | None:
    """Parse --as-of."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def _choice(kind: type[E]) -> Callable[[str], E]:
    """A parser for an option that takes one of an enum's values, with a plain message."""
    def parse(text: str) -> E:
        if isinstance(text, kind):
            return text
        try:
            return kind(text)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise typer.BadParameter(f"expected one of {allowed}, got {text!r}") from None
    return parse


AsOf = Annotated[dt.date | None, typer.Option(
    "--as-of", parser=_date, metavar="YYYY-MM-DD", help="Screening date; default: each "
    "profile's screening_date, else today.", show_default=False)]
TrialIds = Annotated[list[str] | None, typer.Option(
    "--trial", metavar="NCT_ID", help="Only this trial (repeat for several).",
    show_default=False)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"eligibility {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Pre-screen patients for clinical trials, criterion by criterion."""


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


Patient = tuple[str, dt.date, tuple[Screening, ...]]


@app.command("screen")
def screen_command(
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles (YAML): files, folders or quoted globs.",
        show_default=False)],
    rules: Annotated[Path, typer.Option(help="Rule file, or folder of rule files.")] = Path(
        "rules"),
    trial: TrialIds = None,
    as_of: AsOf = None,
    output: Annotated[Format, typer.Option(
        "--format", parser=_choice(Format), metavar="table|json|csv|html",
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
    out, err = _consoles()
    today = dt.date.today()
    day = as_of
    trials = _trials_or_exit(err, rules, trial)
    files, problems = _patient_files(patients)
    _refuse_overwriting_inputs(err, destination, [*files, rules])
    screened: list[Patient] = []
    with _progress(err, len(files)) as advance:
        for file in files:
            if is_rule_file(file):
                problems.append(Problem(SourceSpan(str(file), 0, 0), "", "this is a rule file "
                                        "(trial criteria), not a patient profile: give it "
                                        "with --rules"))
                advance()
                continue
            profile, found = check_patient(file, as_of=day, today=today)
            if profile is not None:
                found = tuple(assessment_problems(file, profile, trials))
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
        _emit(err, text, destination)
    elif destination is not None:
        _emit(err, _captured(lambda console: _tables(console, screened, single, detail)),
              destination)
    else:
        _tables(out, screened, single, detail)
    if problems:
        _say(err, _batch_outcome(len(files), len(screened)), style="red")
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
        from .cohort import funnel
        from .html_report import html_page

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


def _trials_or_exit(err: Console, rules: Path, wanted: list[str] | None) -> tuple[Trial, ...]:
    _refuse_a_patient_profile(err, rules)
    try:
        trials = load_trials(rules)
    except InputError as error:
        if not rules.exists():
            _say(err, f"{rules}: no such folder or rule file (run from the folder that holds "
                 "rules/, or point --rules at your rule files)")
        else:
            render_problems(err, error.problems)
        raise typer.Exit(1) from None
    if wanted:
        names = {t.trial.short_name.casefold(): t.id for t in trials if t.trial.short_name}
        wanted = [names.get(ident.casefold(), ident) for ident in wanted]
        known = {t.id for t in trials}
        unknown = [ident for ident in wanted if ident not in known]
        if unknown:
            hint = closest(unknown[0], known) if len(unknown) == 1 else ""
            _say(err, f"error: no rule file for trial {', '.join(unknown)} in {rules}{hint} "
                 f"(known: {', '.join(sorted(known))})")
            raise typer.Exit(1)
        trials = tuple(t for t in trials if t.id in wanted)
    return trials


def _patient_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named, the YAML files of folders (recursively), and matches of quoted globs."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            if not found:
                problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                        "no profiles (*.yaml or *.yml) in this folder"))
            files += found
        elif path.exists() or not any(char in str(path) for char in "*?["):
            files.append(path)
        else:
            matches = sorted(Path(match) for match in glob.glob(str(path), recursive=True))
            if not matches:
                problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                        "no file matches this pattern"))
            files += matches
    return list(dict.fromkeys(files)), problems


def _refuse_overwriting_inputs(err: Console, destination: Path | None,
                               inputs: list[Path]) -> None:
    if destination is None:
        return
    target = destination.resolve()
    for path in inputs:
        resolved = path.resolve()
        if target == resolved or (resolved.is_dir() and resolved in target.parents):
            _say(err, f"error: --output {destination} would overwrite an input ({path}); "
                 "choose another file")
            raise typer.Exit(1)


def _emit(err: Console, text: str, destination: Path | None) -> None:
    """Print `text`, or write it to `destination` atomically (temporary file, then rename)."""
    if destination is None:
        sys.stdout.write(text)
        return
    try:
        write_atomically(destination, text)
    except OSError as error:
        _say(err, f"error: cannot write {destination}: {error.strerror}")
        raise typer.Exit(1) from None
    _say(err, f"wrote {destination}")


def _mode_for(destination: Path) -> int:
    """The mode the file it replaces had, or the umask's default for a new file."""
    try:
        return destination.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(destination: Path, text: str, *, replace: bool = True) -> None:
    """Write a whole file or nothing: a reader never sees half of it.

    With `replace=False` an existing file is never replaced, even one that appears while the
    text is written: FileExistsError is raised instead.
    """
    folder = destination.parent if str(destination.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{destination.name}.",
                                         suffix=".tmp")
    try:
        os.chmod(temporary, _mode_for(destination))  # mkstemp makes it private
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            os.replace(temporary, destination)
        else:
            _name_if_free(temporary, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _name_if_free(temporary: str, destination: Path) -> None:
    """Give the written file its name only if no file has it (a rename would replace one)."""
    try:
        os.link(temporary, destination)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then rename
        if destination.exists() or destination.is_symlink():
            raise FileExistsError(str(destination)) from None
        os.replace(temporary, destination)
        return
    os.unlink(temporary)


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


@app.command("funnel")
def funnel_command(
    trial: Annotated[str, typer.Argument(metavar="NCT_ID", help="Trial id.",
                                         show_default=False)],
    patients: Annotated[list[Path], typer.Argument(
        metavar="PATIENT", help="Patient profiles: files, folders or quoted globs.",
        show_default=False)],
    rules: Annotated[Path, typer.Option(help="Rule file, or folder of rule files.")] = Path(
        "rules"),
    as_of: AsOf = None,
    output: Annotated[Format, typer.Option(
        "--format", parser=_choice(Format), metavar="table|json", help="table or json.")] = (
        Format.TABLE),
) -> None:
    """Show how many patients pass, fail or are unknown on each criterion, in protocol order,
    and how many remain after each: the attrition a cohort tool reports."""
    from .cohort import funnel

    out, err = _consoles()
    today = dt.date.today()
    day = as_of
    (chosen,) = _trials_or_exit(err, rules, [trial])
    files, problems = _patient_files(patients)
    screenings = []
    for file in files:
        profile, found = check_patient(file, as_of=day, today=today)
        if profile is not None:
            found = tuple(assessment_problems(file, profile, [chosen]))
        problems += found
        if profile is not None and not found:
            screenings.append(screen(profile, chosen,
                                     as_of=screening_date(profile, day, today)))
    if problems:
        render_problems(err, problems)
    if not screenings and output is not Format.JSON:
        _say(err, "no profile could be screened.", style="red")
        raise typer.Exit(1)
    result = funnel(chosen, screenings)
    if output is Format.JSON:
        typer.echo(json.dumps(funnel_report(result), indent=2, ensure_ascii=False))
    elif output is Format.TABLE:
        render_funnel(out, result)
    else:
        _say(err, "error: funnel prints table or json")
        raise typer.Exit(2)
    if problems:
        _say(err, _batch_outcome(len(files), len(screenings)), style="red")
        raise typer.Exit(1)


@app.command("new")
def new_command(
    from_ctgov: Annotated[Path, typer.Option(
        "--from-ctgov", help="A ClinicalTrials.gov API v2 study record or search response "
        "(JSON).", show_default=False)],
    rules: Annotated[Path, typer.Option(help="Folder to write the rule files into.")] = Path(
        "rules"),
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite a rule file that already exists.")] = False,
) -> None:
    """Start rule files from a registry record: metadata, age and sex limits as computable
    criteria, and every bullet of the free-text criteria verbatim, marked for curation.

    Never overwrites an existing rule file unless --force is given.
    """
    from .ctgov import read_studies, rule_file_text

    _, err = _consoles()
    try:
        text = from_ctgov.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        _say(err, f"{from_ctgov}: cannot read the file ({reason})")
        raise typer.Exit(1) from None
    try:
        studies = read_studies(text, str(from_ctgov))
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    targets = [(study, rules / f"{study.nct_id}.yaml") for study in studies]
    _refuse_overwriting_rule_files(err, [path for _, path in targets], force=force)
    schema = _schema_reference(rules)
    for study, path in targets:
        try:
            write_atomically(path, _with_schema_line(rule_file_text(study), schema),
                             replace=force)
        except FileExistsError:
            _say(err, f"error: {path} appeared while writing; it was left as it is")
            raise typer.Exit(1) from None
        except OSError as error:
            _say(err, f"error: cannot write {path}: {error.strerror}")
            raise typer.Exit(1) from None
        count = len(study.inclusion) + len(study.exclusion)
        _say(err, f"wrote {path}: {count} {'criterion' if count == 1 else 'criteria'} from the "
             f"free text to curate (next: eligibility check {path} --coverage)")


def _refuse_overwriting_rule_files(err: Console, paths: Sequence[Path], *, force: bool) -> None:
    """Exit before anything is written if a rule file would be overwritten (unless `force`),
    or if a `.yml` file already holds one of the trials, or the folder cannot be made."""
    twins = [twin for path in paths if (twin := path.with_suffix(".yml")).exists()]
    if twins:
        _say(err, f"error: {_listed(twins)} already {_verb(twins, 'hold')} "
             f"{'this trial' if len(twins) == 1 else 'these trials'}; nothing was written (a "
             "second rule file for a trial would be refused)")
        raise typer.Exit(1)
    existing = [path for path in paths if path.exists() or path.is_symlink()]
    if existing and not force:
        _say(err, f"error: {_listed(existing)} already {_verb(existing, 'exist')}; nothing was "
             f"written (use --force to overwrite {'it' if len(existing) == 1 else 'them'})")
        raise typer.Exit(1)
    for folder in {path.parent for path in paths}:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = "it is a file, not a folder" if folder.is_file() else error.strerror
            _say(err, f"error: cannot write rule files into {folder}: {reason}")
            raise typer.Exit(1) from None


def _listed(paths: Sequence[Path]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    names = [str(path) for path in paths]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _verb(subjects: Sequence[object], verb: str) -> str:
    """The verb agreeing with its subjects: `exists` for one, `exist` for several."""
    return f"{verb}s" if len(subjects) == 1 else verb


_SCHEMA = Path("docs", "schema", "rules.schema.json")
_MODELINE = "# yaml-language-server: $schema="


def _schema_reference(folder: Path) -> str | None:
    """How a rule file in `folder` names the rules schema: relative to the folder when the
    schema is in a project that holds the folder, else the absolute path of the schema in the
    current folder's project (or this checkout's); None when there is none."""
    folder = folder.resolve()
    for root in (folder, *folder.parents):
        if (root / _SCHEMA).is_file():
            return Path(os.path.relpath(root / _SCHEMA, folder)).as_posix()
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (root / _SCHEMA).is_file():
            return (root / _SCHEMA).resolve().as_posix()
    return None


def _with_schema_line(text: str, schema: str | None) -> str:
    """The rule file with its first line naming the schema as seen from where it is written
    (the generated line assumes the file is in rules/ beside docs/), or without that line."""
    first, _, rest = text.partition("\n")
    if not first.startswith(_MODELINE):
        return text
    return rest if schema is None else f"{_MODELINE}{schema}\n{rest}"


def main() -> None:
    """Console-script entry point."""
    app()


def _yaml_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The files named and the YAML files directly in the folders named (as `screen --rules`
    reads them), each once."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
            if not found:
                problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                        "no YAML files (*.yaml or *.yml) in this folder"))
            files += found
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(SourceSpan(str(path), 0, 0), "", "no such file or folder"))
    return list(dict.fromkeys(files)), problems


@app.command("check")
def check_command(
    paths: Annotated[list[Path] | None, typer.Argument(
        metavar="PATH", help="Rule files, profiles or folders (default: rules/ and "
        "patients/).",
        show_default=False)] = None,
    output: Annotated[CheckFormat, typer.Option(
        "--format", parser=_choice(CheckFormat), metavar="text|json|github",
        help="text, json, or github (workflow annotations).")] = CheckFormat.TEXT,
    show_coverage: Annotated[bool, typer.Option(
        "--coverage", help="Also say per trial how many criteria are computable.")] = False,
) -> None:
    """Validate rule files and patient profiles without screening anyone.

    Every problem is reported as file:line:col: field: message. Exit status: 0 when no file
    has an error (warnings allowed), 1 when any has.
    """
    out, _ = _consoles()
    files, problems = _yaml_files(paths or [Path("rules"), Path("patients")])
    trials: list[Trial] = []
    kinds = {str(file): "rules" if is_rule_file(file) else "patient" for file in files}
    for file in files:
        if kinds[str(file)] == "rules":
            trial, found = check_trial_quietly(file)
            problems += found
            if trial is not None:
                trials.append(trial)
    problems += repeated_trials(trials)
    # Assessments are checked against the trials checked, else against rules/ if it loads.
    against = trials or list(_quiet_trials(Path("rules")))
    for file in files:
        if kinds[str(file)] == "patient":
            problems += check_patient_quietly(file, against)
    problems.sort()
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    rows = [coverage(trial) for trial in trials]
    if output is CheckFormat.JSON:
        typer.echo(json.dumps(check_report(files, kinds, problems, rows), indent=2,
                              ensure_ascii=False))
    elif output is CheckFormat.GITHUB:
        for problem in problems:
            typer.echo(github_annotation(problem))
    else:
        render_problems(out, problems)
        if show_coverage and rows:
            render_coverage(out, rows)
        summary = (f"checked {len(files)} file{'s' if len(files) != 1 else ''}: "
                   f"{errors} error{'s' if errors != 1 else ''}, "
                   f"{warnings} warning{'s' if warnings != 1 else ''}")
        _say(out, summary, style="red" if errors else "green")
    if errors:
        raise typer.Exit(1)


def check_trial_quietly(file: Path) -> tuple[Trial | None, tuple[Problem, ...]]:
    try:
        return check_trial(file)
    except InputError as error:
        return None, error.problems


def check_patient_quietly(file: Path, trials: Sequence[Trial] = ()) -> tuple[Problem, ...]:
    try:
        profile, problems = check_patient(file, today=dt.date.today())
    except InputError as error:
        return error.problems
    if profile is not None and not problems:
        return tuple(assessment_problems(file, profile, trials))
    return problems


def _quiet_trials(rules: Path) -> tuple[Trial, ...]:
    if not rules.exists():
        return ()
    try:
        return load_trials(rules)
    except InputError:
        return ()


def check_report(files: list[Path], kinds: dict[str, str], problems: list[Problem],
                 rows: list[Coverage]) -> dict[str, object]:
    by_file: dict[str, list[dict[str, object]]] = {str(file): [] for file in files}
    for problem in problems:
        by_file.setdefault(problem.span.file, []).append({
            "line": problem.span.line, "column": problem.span.column, "field": problem.field,
            "severity": problem.severity, "message": problem.message})
    return {
        "schema_version": "1",
        "errors": sum(problem.severity == "error" for problem in problems),
        "warnings": sum(problem.severity == "warning" for problem in problems),
        "files": [{"path": path, "kind": kinds.get(path, "folder" if Path(path).is_dir() else
                                                   "missing"), "problems": found}
                  for path, found in by_file.items()],
        "coverage": [vars(row) | {"curation_ids": list(row.curation_ids),
                                  "judgment_ids": list(row.judgment_ids)} for row in rows],
    }


def github_annotation(problem: Problem) -> str:
    """`::error file=...,line=..,col=..,title=field::message` for GitHub Actions."""
    def escape(text: str) -> str:
        return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    title = escape(problem.field or "eligibility").replace(",", "%2C").replace(":", "%3A")
    where = f",line={problem.span.line},col={problem.span.column}" if problem.span.line else ""
    return (f"::{problem.severity} file={problem.span.file}{where},title={title}::"
            f"{escape(problem.message)}")


@app.command("schema")
def schema_command(
    kind: Annotated[SchemaKind, typer.Argument(
        metavar="rules|patient", parser=_choice(SchemaKind), help="Which schema.")],
) -> None:
    """Print the JSON Schema of rule files or patient profiles (for editors)."""
    from .schema import patient_schema, rules_schema

    schema = rules_schema() if kind is SchemaKind.RULES else patient_schema()
    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))


@app.command("show")
def show_command(
    trial: Annotated[str, typer.Argument(metavar="TRIAL", help="A trial id or short name "
                                         "(looked up in --rules) or a rule file.",
                                         show_default=False)],
    rules: Annotated[Path, typer.Option(help="Folder of rule files.")] = Path("rules"),
    output: Annotated[PageFormat, typer.Option(
        "--format", parser=_choice(PageFormat), metavar="text|markdown",
        help="text or markdown.")] = PageFormat.TEXT,
) -> None:
    """Print a trial's criteria as a clinician reads it: protocol text beside the rule."""
    out, err = _consoles()
    path = _rule_file_named(err, trial, rules)
    _refuse_a_patient_profile(err, path)
    try:
        loaded = load_trial(path)
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    if output is PageFormat.MARKDOWN:
        from .page import trial_markdown

        typer.echo(trial_markdown(loaded), nl=False)
    else:
        render_trial_page(out, loaded)


def _rule_file_named(err: Console, trial: str, rules: Path) -> Path:
    """The rule file `show` was given: a path as it is, else `<rules>/<id>.yaml` (or .yml),
    else the file whose trial has this short name; exit 1 saying what there is instead."""
    given = Path(trial)
    a_path = bool(given.suffix) or "/" in trial or os.sep in trial
    if not a_path:
        for path in (rules / f"{trial}.yaml", rules / f"{trial}.yml"):
            if path.is_file():
                return path
    if given.is_dir():
        files = sorted(p for p in given.iterdir() if p.suffix in (".yaml", ".yml"))
        ids = [p.stem for p in files if is_rule_file(p)]
        inside = (f"its rule files: {', '.join(ids)}" if ids else
                  f"it holds patient profiles: screen them with eligibility screen {trial}"
                  if files else "it holds no YAML files")
        _say(err, f"{trial}: this is a folder; show takes one trial id or one rule file "
             f"({inside})")
        raise typer.Exit(1)
    if a_path or given.exists():
        return given  # loading says what is wrong with it, if anything
    files = sorted([*rules.glob("*.yaml"), *rules.glob("*.yml")]) if rules.is_dir() else []
    for file in files:
        found, _ = check_trial_quietly(file) if is_rule_file(file) else (None, ())
        if found is not None and (found.trial.short_name or "").casefold() == trial.casefold():
            return file
    known = [p.stem for p in files if is_rule_file(p)]
    _say(err, f"error: no rule file for trial {trial} in {rules}{closest(trial, known)} "
         f"(known: {', '.join(known) or 'none'})")
    raise typer.Exit(1)


def _refuse_a_patient_profile(err: Console, path: Path) -> None:
    """Exit 1 when a patient profile was given where a rule file belongs, saying so."""
    if path.is_file() and not is_rule_file(path) and _is_patient_profile(path):
        _say(err, f"{path}: this is a patient profile, not a rule file (to screen this "
             f"patient: eligibility screen {path})")
        raise typer.Exit(1)


def _is_patient_profile(path: Path) -> bool:
    """Whether the file has a patient profile's fields at its top (id:, sex:, fvc: ...)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    fields = {info.alias or name for name, info in PatientProfile.model_fields.items()}
    return any(match[1] in fields for match in re.finditer(r"^(\w+):", text, re.MULTILINE))
