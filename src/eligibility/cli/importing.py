"""The `import` commands: profiles from a FHIR R4 bundle (`import fhir`) or a spreadsheet
(`import csv`), never overwriting a file that exists unless --force is given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..loading import check_patient_to_screen
from ..render import render_problems
from .common import consoles, say
from .writing import refuse_unfit_destination, to_standard_output, write_atomically

__all__ = ["import_app"]

import_app = typer.Typer(
    name="import", help="Make patient profiles from a FHIR R4 bundle or a spreadsheet (CSV).",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None)

Force = Annotated[bool, typer.Option("--force", help="Overwrite profiles that already exist.")]


@import_app.command(
    "fhir", short_help="Write the profile a FHIR R4 bundle states.")
def fhir_command(
    bundle: Annotated[Path, typer.Argument(
        metavar="BUNDLE", help="A FHIR R4 Bundle (JSON) holding one patient's record.",
        show_default=False, readable=False)],
    destination: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the profile to this file instead of standard output.",
        show_default=False)] = None,
    patient_id: Annotated[str | None, typer.Option(
        "--id", help="The profile's id (a screening number); default: the Patient's id.",
        show_default=False)] = None,
    force: Force = False,
) -> None:
    """Write the profile a FHIR R4 bundle states, each fact with the resource it came from.

    Facts are found by their standard codes (LOINC, SNOMED CT, RxNorm, ATC) in the
    vocabulary. What cannot be mapped exactly is not imported, so it stays unknown, and is
    listed at the end of the profile. `eligibility screen BUNDLE.json` reads a bundle the same
    way without writing a file. Exit status: 0 written, 1 the bundle could not be used or the
    profile exists (use --force).
    """
    from ..importing.fhir import import_bundle, read_bundle
    from ..loading import InputError

    out, err = consoles()
    if patient_id is not None and not patient_id.strip():
        say(err, "error: --id needs a text (the patient's screening number)")
        raise typer.Exit(2)
    _refuse_to_overwrite(err, destination, bundle, force=force)
    try:
        imported = import_bundle(read_bundle(bundle), patient_id=patient_id,
                                 fallback_id=bundle.stem)
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    from ..importing import profile_text

    header = (f"Imported from {bundle.name} (FHIR R4) by `eligibility import fhir` on "
              f"{dt.date.today()}.", "The comment on each line names the resource the fact "
              "came from; check the facts against the chart.", "What was not imported is "
              "listed at the end: it stays unknown to screening.")
    text = profile_text(imported, header)
    _write_checked(out, err, text, destination, force=force, name=str(bundle))
    written = "imported" if to_standard_output(destination) else f"wrote {destination}"
    left = len(imported.left_out)
    say(err, f"{written} from {bundle}; {left} {'item' if left == 1 else 'items'} not imported, "
        "listed at the end of the profile")


def _refuse_to_overwrite(err: Console, destination: Path | None, source: Path, *,
                         force: bool) -> None:
    """Exit 1 before reading anything when the profile would overwrite a file (unless
    --force) or an input."""
    refuse_unfit_destination(err, destination, [source] if source.is_file() else [])
    if destination is None or to_standard_output(destination) or force:
        return
    if destination.exists() or destination.is_symlink():
        say(err, f"error: {destination} already exists; nothing was written (use --force to "
            "overwrite it)")
        raise typer.Exit(1)


def _write_checked(out: Console, err: Console, text: str, destination: Path | None, *,
                   force: bool, name: str) -> None:
    """Check the profile as `screen` would read it, then write it (atomically)."""
    profile, problems = check_patient_to_screen(name, (), text=text)
    if profile is None:  # an importer's slip: say so rather than write a broken profile
        from ..importing.fhir import problems_in_bundle

        render_problems(err, problems_in_bundle(problems, text))
        say(err, "error: the imported profile does not load (a bug in the importer: please "
            "report it with the input); nothing was written")
        raise typer.Exit(1)
    if destination is None or to_standard_output(destination):
        out.file.write(text)
        out.file.flush()
        return
    try:
        write_atomically(destination, text, replace=force)
    except FileExistsError:
        say(err, f"error: {destination} appeared while writing; it was left as it is")
        raise typer.Exit(1) from None
    except OSError as error:
        say(err, f"error: cannot write {destination}: {error.strerror}")
        raise typer.Exit(1) from None



@import_app.command(
    "csv", short_help="Write a profile for each row of a spreadsheet (CSV).")
def csv_command(
    sheet: Annotated[Path | None, typer.Argument(
        metavar="FILE.csv", help="A spreadsheet saved as CSV: one row per patient, one column "
        "per fact.", show_default=False, readable=False)] = None,
    folder: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Folder to write one profile per row into (ID.yaml).",
        show_default=False)] = None,
    force: Force = False,
    show_template: Annotated[bool, typer.Option(
        "--template", help="Print the header line of every column the importer reads, and "
        "exit.")] = False,
) -> None:
    """Write a profile for each row of a spreadsheet (CSV), each fact with its line.

    Columns are named like the profile's fields (`fvc.percent_predicted`, with `fvc.date`);
    an empty cell states nothing. Every problem is printed with its line and column, and
    nothing is written until the whole sheet is right. An existing profile is never
    overwritten unless --force is given. Exit status: 0 written, 1 the sheet could not be
    used or a profile exists, 2 a usage error.
    """
    from ..importing.csvfile import template

    out, err = consoles()
    if show_template:
        out.file.write(",".join(template()) + "\n")
        return
    if sheet is None or folder is None:
        say(err, "error: give the CSV file and --output FOLDER (or --template)")
        raise typer.Exit(2)
    written = _import_sheet(err, sheet, folder, force=force)
    say(err, f"wrote {len(written)} {'profile' if len(written) == 1 else 'profiles'} into "
        f"{folder} from {sheet}")


def _import_sheet(err: Console, sheet: Path, folder: Path, *, force: bool) -> list[Path]:
    """Read, check and write every row's profile, or nothing (exit 1 saying why)."""
    from ..importing import profile_text
    from ..importing.csvfile import locate, read_sheet
    from ..loading import InputError, Problem, read_text
    from ..source import SourceSpan

    try:
        rows, problems = read_sheet(sheet, read_text(sheet, what="CSV file"))
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    texts: list[tuple[Path, str]] = []
    for row in rows:
        ident = str(row.imported.scalars["id"][0])
        header = (f"Imported from {sheet.name} line {row.line} by `eligibility import csv` on "
                  f"{dt.date.today()}.",)
        text = profile_text(row.imported, header)
        _, found = check_patient_to_screen(str(sheet), (), text=text, today=dt.date.today())
        for problem in found:
            column, number = locate(row, problem.field)
            problems.append(Problem(SourceSpan(str(sheet), row.line, number), column,
                                    problem.message))
        texts.append((folder / f"{ident}.yaml", text))
    if problems:
        render_problems(err, sorted(problems))
        say(err, f"error: {sheet}: nothing was written; correct the sheet and run again")
        raise typer.Exit(1)
    if folder.exists() and not folder.is_dir():
        say(err, f"error: --output {folder} is a file, not a folder; nothing was written")
        raise typer.Exit(1)
    existing = [path for path, _ in texts if path.exists() or path.is_symlink()]
    if existing and not force:
        names = ", ".join(str(path) for path in existing[:3]) + (
            f" and {len(existing) - 3} more" if len(existing) > 3 else "")
        say(err, f"error: {names} already {'exists' if len(existing) == 1 else 'exist'}; "
            "nothing was written (use --force to overwrite)")
        raise typer.Exit(1)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in texts:
            write_atomically(path, text, replace=force)
    except FileExistsError as error:
        say(err, f"error: {error.filename} appeared while writing; it was left as it is")
        raise typer.Exit(1) from None
    except OSError as error:
        say(err, f"error: cannot write into {folder}: {error.strerror}")
        raise typer.Exit(1) from None
    return [path for path, _ in texts]
