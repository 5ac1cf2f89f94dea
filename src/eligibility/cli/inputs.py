"""Find the files a command is given and load the trials; exit 1 saying why when they are unfit."""

from __future__ import annotations

import glob
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Literal

import typer
from rich.console import Console

from ..loading import InputError, Problem, check_trial, is_rule_file, load_trials, peek_text
from ..patient import PatientProfile
from ..reading import near_name
from ..render import render_problems
from ..rules import Trial
from ..source import SourceSpan
from ..vocabulary import DEFAULT, Vocabulary, closest
from .common import say


def trials_or_exit(err: Console, rules: Path, wanted: list[str] | None, *,
                   unknown_exit: int = 1) -> tuple[Trial, ...]:
    """The trials of `rules`, only those `wanted` if given; exit 1 when the rule files cannot
    be used, `unknown_exit` when a wanted trial has no rule file (2 for `--trial`: a usage
    error)."""
    refuse_a_patient_profile(err, rules)
    try:
        trials = load_trials(rules)
    except InputError as error:
        if not rules.exists() and not rules.is_symlink():  # a link: the problem says why
            say(err, f"{rules}: no such folder or rule file (run from the folder that holds "
                "rules/, or point --rules at your rule files)")
        else:
            render_problems(err, error.problems)
        raise typer.Exit(1) from None
    if wanted:
        # A short name (STR04) or an id in any case (nct06910384) names the trial.
        names = {t.trial.short_name.casefold(): t.id for t in trials if t.trial.short_name}
        names |= {t.id.casefold(): t.id for t in trials}
        wanted = [names.get(ident.casefold(), ident) for ident in wanted]
        known = {t.id for t in trials}
        unknown = [ident for ident in wanted if ident not in known]
        if unknown:
            hint = closest(unknown[0], known) if len(unknown) == 1 else ""
            say(err, f"error: no rule file for trial {', '.join(unknown)} in {rules}{hint} "
                f"(known: {', '.join(sorted(known))})")
            raise typer.Exit(unknown_exit)
        trials = tuple(t for t in trials if t.id in wanted)
    return trials


def rule_ids(rules: Path) -> frozenset[str]:
    """The trial ids of the rule files in `rules` (a rule file is named after its trial), so
    that an answer for a trial that is there but not screened is not taken for a typo."""
    if rules.is_dir():
        return frozenset(path.stem for path in rules.iterdir() if path.suffix in (".yaml", ".yml"))
    return frozenset({rules.stem})


def patient_files(paths: list[Path]) -> tuple[list[str], list[Problem]]:
    """Files named, the YAML files of folders (recursively), and matches of quoted globs, in
    the order `sorted(Path)` gives, each once.

    Names are kept as strings: a batch of 100,000 profiles holds 13 MB of them where Path
    objects took 50 MB, and worker processes inherit the list.
    """
    files: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = list(_yaml_under(str(path)))
            if not found:
                problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                        "no profiles (*.yaml or *.yml) in this folder"))
            files += found
        elif path.exists() or not any(char in str(path) for char in "*?["):
            files.append(str(path))
        else:
            matches = sorted((str(PurePath(match)) for match in glob.glob(str(path),
                                                                          recursive=True)),
                             key=_as_path)
            if not matches:
                problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                        "no file matches this pattern"))
            files += matches
    if len(paths) > 1:  # one file named two ways (`a.yaml`, `$PWD/a.yaml`) is read once
        once: dict[str, str] = {}
        for file in files:
            once.setdefault(file if file == "-" else os.path.abspath(file), file)
        files = list(once.values())
    return files, problems


def yaml_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """The files named and the YAML files in the folders named and their sub-folders (as
    `screen` reads a folder of profiles), each once."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = yaml_files_in(path)
            if not found:
                problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                        "no YAML files (*.yaml or *.yml) in this folder"))
            files += found
        elif path.exists() or path.is_symlink():  # a broken link: reading it says why
            files.append(path)
        else:
            problems.append(Problem(SourceSpan(str(path), 0, 0), "",
                                    f"no such file or folder{near_name(path)}"))
    return list(dict.fromkeys(files)), problems


def yaml_files_in(folder: Path) -> list[Path]:
    """The `*.yaml` and `*.yml` files in a folder and its sub-folders, in path order.

    Hidden files and folders (`.git`, `.venv`, an editor's `.#draft.yaml` lock) are skipped,
    and links to folders are not followed, so a link loop cannot make the walk endless.
    """
    return [Path(name) for name in _yaml_under(str(folder))]


def rule_file_named(err: Console, trial: str, rules: Path) -> Path:
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
        say(err, f"{trial}: this is a folder; show takes one trial id or one rule file "
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
    say(err, f"error: no rule file for trial {trial} in {rules}{closest(trial, known)} "
        f"(known: {', '.join(known) or 'none'})")
    raise typer.Exit(1)


def refuse_a_patient_profile(err: Console, path: Path) -> None:
    """Exit 1 when a patient profile was given where a rule file belongs, saying so."""
    if path.is_file() and not is_rule_file(path) and _is_patient_profile(path):
        say(err, f"{path}: this is a patient profile, not a rule file (to screen this "
            f"patient: eligibility screen {path})")
        raise typer.Exit(1)


def _is_patient_profile(path: Path) -> bool:
    """Whether the file has a patient profile's fields at its top (id:, sex:, fvc: ...)."""
    text = peek_text(path)
    if text is None:
        return False
    fields = {info.alias or name for name, info in PatientProfile.model_fields.items()}
    return any(match[1] in fields for match in re.finditer(r"^(\w+):", text, re.MULTILINE))


def check_trial_quietly(file: Path, vocabulary: Vocabulary = DEFAULT) -> tuple[
        Trial | None, tuple[Problem, ...]]:
    try:
        return check_trial(file, vocabulary)
    except InputError as error:
        return None, error.problems


def _as_path(name: str) -> str:
    """A key that sorts names as Path sorts them, part by part (`a/b` before `a-c`)."""
    return name.replace(os.sep, "\0")


def _yaml_under(folder: str) -> Iterator[str]:
    """The *.yaml and *.yml files under `folder`, recursively, in the order of
    `sorted(Path(folder).rglob(...))`: each folder's entries sorted by name, a subfolder's
    files where its name falls. Links to folders are not followed, as rglob does not; hidden
    files and folders are skipped."""
    stack = [(folder, iter(_entries(folder)))]
    while stack:
        here, entries = stack[-1]
        name, is_folder = next(entries, ("", False))
        if not name:
            stack.pop()
        elif is_folder:
            inside = os.path.join(here, name)
            stack.append((inside, iter(_entries(inside))))
        elif os.path.splitext(name)[1] in (".yaml", ".yml"):
            yield os.path.join(here, name)


def _entries(folder: str) -> list[tuple[str, bool]]:
    """A folder's entry names, sorted, each with whether it is a folder (not a link to one);
    names and flags only, which take a third of the memory of DirEntry objects."""
    try:
        with os.scandir(folder) as entries:
            return sorted((entry.name, _is_folder(entry)) for entry in entries
                          if not entry.name.startswith("."))
    except OSError:  # unreadable: skipped, as rglob skips it
        return []


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


_STDIN_LIMIT = 10 * 1024 * 1024  # bytes; as for a profile file


def standard_input(problems: list[Problem]) -> str | None:
    """The profile given as `-`, read whole from standard input, or None with a problem."""
    def problem(message: str, line: int = 0, column: int = 0) -> None:
        problems.append(Problem(SourceSpan("<stdin>", line, column), "", message))

    try:
        data = sys.stdin.buffer.read(_STDIN_LIMIT + 1)
    except (OSError, AttributeError, ValueError) as error:
        problem(f"cannot read standard input ({getattr(error, 'strerror', None) or error})")
        return None
    if len(data) > _STDIN_LIMIT:
        problem(f"more than {_STDIN_LIMIT // (1024 * 1024)} MB: too large for a patient "
                "profile")
        return None
    try:
        return data.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        problem(f"not UTF-8 text: {error.reason}, byte {data[error.start]:#04x} (send the "
                "profile as UTF-8)", line, column)
        return None


def repeated_patient(seen: dict[str, str], patient: str, path: str, what: str, *,
                     severity: Literal["error", "warning"] = "warning") -> Problem | None:
    """A problem at the `id:` line of a second profile (`path`) of one patient id in a batch,
    saying what follows (`what`); None the first time `seen` (each id and the first file
    giving it) meets the id."""
    first = seen.setdefault(patient, path)
    if first == path:
        return None
    line = _id_line(path)
    return Problem(SourceSpan(path, line, 1 if line else 0), "id",
                   f"{patient!r} is also the id of {first}: {what}", severity=severity)


def _id_line(path: str) -> int:
    """The line of a YAML profile's `id:` (0 when it cannot be told, or for standard input)."""
    if path == "-":
        return 0
    try:
        with open(path, encoding="utf-8", errors="replace") as lines:
            return next((number for number, text in enumerate(lines, start=1)
                         if text.startswith("id:")), 0)
    except OSError:
        return 0
