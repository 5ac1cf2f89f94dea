"""The commands for rule authors: `show` a trial, print a `schema`, start rule files (`new`)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ..escapes import visible
from ..loading import InputError, load_trials, read_text
from ..render import render_problems, render_trial_page
from .common import choice, consoles, say
from .inputs import refuse_a_patient_profile, rule_file_named
from .writing import unfit, write_atomically


class PageFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


class SchemaKind(StrEnum):
    RULES = "rules"
    PATIENT = "patient"
    VOCABULARY = "vocabulary"


def show_command(
    trial: Annotated[str, typer.Argument(metavar="TRIAL", help="A trial id or short name "
                                         "(looked up in --rules) or a rule file.",
                                         show_default=False)],
    rules: Annotated[Path, typer.Option(help="Folder of rule files.")] = Path("rules"),
    output: Annotated[PageFormat, typer.Option(
        "--format", parser=choice(PageFormat), metavar="text|markdown",
        help="text or markdown.")] = PageFormat.TEXT,
) -> None:
    """Print a trial's criteria as a clinician reads it: protocol text beside the rule."""
    out, err = consoles()
    path = rule_file_named(err, trial, rules)
    refuse_a_patient_profile(err, path)
    try:
        (loaded,) = load_trials(path)  # with the vocabulary files beside it
    except InputError as error:
        render_problems(err, error.problems)
        raise typer.Exit(1) from None
    if output is PageFormat.MARKDOWN:
        from ..page import trial_markdown

        typer.echo(visible(trial_markdown(loaded), lines=True), nl=False)
    else:
        render_trial_page(out, loaded)


def schema_command(
    kind: Annotated[SchemaKind, typer.Argument(
        metavar="rules|patient|vocabulary", parser=choice(SchemaKind), help="Which schema.")],
) -> None:
    """Print the JSON Schema of rule files, patient profiles or vocabulary files (for
    editors)."""
    from ..schema import patient_schema, rules_schema, vocabulary_schema

    schema = {SchemaKind.RULES: rules_schema, SchemaKind.PATIENT: patient_schema,
              SchemaKind.VOCABULARY: vocabulary_schema}[kind]()
    typer.echo(json.dumps(schema, indent=2, ensure_ascii=False))


def new_command(
    from_ctgov: Annotated[Path, typer.Option(
        "--from-ctgov", help="A ClinicalTrials.gov API v2 study record or search response "
        "(JSON).", show_default=False, readable=False)],  # unreadable: a problem, exit 1
    rules: Annotated[Path, typer.Option(help="Folder to write the rule files into.")] = Path(
        "rules"),
    force: Annotated[bool, typer.Option(
        "--force", help="Overwrite a rule file that already exists.")] = False,
) -> None:
    """Start rule files from a registry record: metadata, age and sex limits as computable
    criteria, and every bullet of the free-text criteria verbatim, marked for curation.

    Never overwrites an existing rule file unless --force is given.
    """
    from ..ctgov import MAX_REGISTRY_BYTES, read_studies, rule_file_text

    _, err = consoles()
    if not from_ctgov.exists() and not from_ctgov.is_symlink():  # as `new` has always said
        say(err, f"{from_ctgov}: cannot read the file (No such file or directory)")
        raise typer.Exit(1)
    try:
        text = read_text(from_ctgov, limit=MAX_REGISTRY_BYTES, what="JSON file")
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
            say(err, f"error: {path} appeared while writing; it was left as it is")
            raise typer.Exit(1) from None
        except OSError as error:
            say(err, f"error: cannot write {path}: {error.strerror}")
            raise typer.Exit(1) from None
        count = len(study.inclusion) + len(study.exclusion)
        say(err, f"wrote {path}: {count} {'criterion' if count == 1 else 'criteria'} from the "
            f"free text to curate (next: eligibility check {path} --coverage)")


def _refuse_overwriting_rule_files(err: Console, paths: Sequence[Path], *, force: bool) -> None:
    """Exit before anything is written if a rule file would be overwritten (unless `force`),
    or if a `.yml` file already holds one of the trials, or the folder cannot be made."""
    twins = [twin for path in paths if (twin := path.with_suffix(".yml")).exists()]
    if twins:
        say(err, f"error: {_listed(twins)} already {_verb(twins, 'hold')} "
            f"{'this trial' if len(twins) == 1 else 'these trials'}; nothing was written (a "
            "second rule file for a trial would be refused)")
        raise typer.Exit(1)
    for path in paths:
        reason = unfit(path)
        if reason:
            say(err, f"error: {path} {reason}; nothing was written")
            raise typer.Exit(1)
    existing = [path for path in paths if path.exists() or path.is_symlink()]
    if existing and not force:
        say(err, f"error: {_listed(existing)} already {_verb(existing, 'exist')}; nothing was "
            f"written (use --force to overwrite {'it' if len(existing) == 1 else 'them'})")
        raise typer.Exit(1)
    for folder in {path.parent for path in paths}:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = "it is a file, not a folder" if folder.is_file() else error.strerror
            say(err, f"error: cannot write rule files into {folder}: {reason}")
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
    for root in (Path.cwd(), Path(__file__).resolve().parents[3]):  # src/eligibility/cli/
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


class VocabularyFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"


def vocabulary_command(
    search: Annotated[str | None, typer.Argument(
        metavar="WORD", help="Only the facts, lists and known names (Rilutek) containing this.",
        show_default=False)] = None,
    rules: Annotated[Path | None, typer.Option(
        "--rules", help="Add what this folder's vocabulary files and rule files declare.",
        show_default=False)] = None,
    output: Annotated[VocabularyFormat, typer.Option(
        "--format", parser=choice(VocabularyFormat), metavar="text|markdown",
        help="text, or markdown (the page docs/vocabulary.md).")] = VocabularyFormat.TEXT,
) -> None:
    """List the facts a rule may read and the lists `has` searches, from the vocabulary files."""
    from ..loading import trials_vocabulary
    from ..vocabulary import DEFAULT

    out, err = consoles()
    vocabulary = DEFAULT
    if rules is not None:
        from .inputs import trials_or_exit

        vocabulary = trials_vocabulary(trials_or_exit(err, rules, None))
    if output is VocabularyFormat.MARKDOWN:
        from ..reference import vocabulary_markdown

        typer.echo(vocabulary_markdown(vocabulary), nl=False)
        return
    from ..render import render_vocabulary

    render_vocabulary(out, vocabulary, search)
