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


@import_app.command("fhir")
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
    _refuse_to_overwrite(err, destination, bundle, force=force)
    try:
        imported = import_bundle(read_bundle(bundle), patient_id=patient_id)
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    from ..importing import profile_text

    header = (f"Imported from {bundle.name} (FHIR R4) by `eligibility import fhir` on "
              f"{dt.date.today()}.", "The comment on each line names the resource the fact "
              "came from; check the facts against the chart.", "What was not imported is "
              "listed at the end: it stays unknown to screening.")
    text = profile_text(imported, header)
    _write_checked(out, err, text, destination, force=force, name=str(destination or bundle))
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
        render_problems(err, problems)
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

