"""Turn YAML files into models, reporting every problem with its file, line and column."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .coverage import judgment_keys
from .errors import translate
from .lint import Finding, lint_criterion, lint_trial
from .observations import dated_fields
from .patient import PatientProfile
from .rules import CONDITION_KINDS, Criterion, Trial
from .source import Located, SourceSpan, SubfieldError, describe_path
from .vocabulary import closest

__all__ = [
    "InputError",
    "Problem",
    "assessment_problems",
    "check_patient",
    "check_patient_to_screen",
    "check_trial",
    "is_rule_file",
    "load_patient",
    "load_trial",
    "load_trials",
    "parse_yaml",
    "repeated_trials",
    "screening_date",
]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()


class _Duplicate(Exception):
    """A mapping repeats a key: the careful parse will say where."""


class _QuickLoader(_Loader):  # type: ignore[misc]
    """Safe loading without positions, refusing duplicate keys: the fast path for good files."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in mapping:
                raise _Duplicate
            mapping[key] = self.construct_object(value_node, deep=True)
        return mapping


_QuickLoader.add_constructor(
    "tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node))


def _quick(text: str) -> Any:
    """The document's values, or None when the careful parse is needed to report problems."""
    try:
        return yaml.load(text, Loader=_QuickLoader)  # a SafeLoader subclass: safe
    except (yaml.YAMLError, _Duplicate, TypeError, ValueError):
        return None
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file: where, which field, what, and what to do."""

    span: SourceSpan
    field: str
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.span}:{field} {self.message}"


class InputError(Exception):
    """An input file cannot be used; `problems` says every reason, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sorted(problems))
        super().__init__("\n".join(str(problem) for problem in self.problems))


def parse_yaml(text: str, file: str) -> Located:
    """Parse YAML safely into values with positions; duplicate keys are problems."""
    located, problems = _parse(text, file)
    if problems:
        raise InputError(problems)
    return located


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


def _parse(text: str, file: str) -> tuple[Located, list[Problem]]:
    """The document and its key problems (duplicates keep the first value, to go on)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        raise InputError([_syntax_problem(error, text, file)]) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(SourceSpan(file, 1, 1), "", f"invalid YAML: {error}")]) from None
    if node is None:
        what = "the file has only comments" if text.strip() else "the file is empty"
        raise InputError([Problem(SourceSpan(file, 0, 0), "", what)])
    problems: list[Problem] = []
    return _locate(node, file, (), problems), problems


def _syntax_problem(error: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """A YAML syntax error in words a rule author can act on."""
    mark = error.problem_mark or error.context_mark
    span = SourceSpan(file, mark.line + 1, mark.column + 1) if mark else SourceSpan(file, 1, 1)
    what = " ".join(part for part in (error.context, error.problem) if part)
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if mark and "\t" in line[: mark.column + 1]:
        what = "a tab in the indentation: YAML indents with spaces only (replace the tab)"
    elif "mapping values are not allowed" in what:
        what += " (a text containing ': ' must be put in quotes)"
    elif "expected '-' indicator" in what or "expected <block end>" in what:
        what += (" (check the indentation: the items of one list, or the keys of one "
                 "mapping, must start in the same column)")
    return Problem(span, "", f"invalid YAML: {what}")


def _span(node: yaml.Node, file: str) -> SourceSpan:
    return SourceSpan(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _refused_tag(node: yaml.Node, file: str, path: tuple[Any, ...]) -> Problem | None:
    if node.tag in _PLAIN_TAGS:
        return None
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return Problem(_span(node, file), describe_path(path),
                   f"the YAML tag {tag!r} is refused: tags that build program objects are "
                   "never loaded (remove the tag)")


def _locate(node: yaml.Node, file: str, path: tuple[Any, ...], problems: list[Problem]) -> Located:
    span = _span(node, file)
    refused = _refused_tag(node, file, path)
    if refused is not None:
        problems.append(refused)
        return Located(None, span)
    if isinstance(node, yaml.MappingNode):
        values: dict[Any, Any] = {}
        children: dict[Any, Located] = {}
        key_spans: dict[Any, SourceSpan] = {}
        for key_node, value_node in node.value:
            key = _locate(key_node, file, path, problems).value
            if not isinstance(key, (str, int, float, bool, dt.date)):
                problems.append(Problem(_span(key_node, file), describe_path(path),
                                        "a key must be plain text"))
                continue
            if key in values:
                first = key_spans[key]
                problems.append(Problem(_span(key_node, file), describe_path((*path, key)),
                                        f"duplicate key {key!r} (first written at line "
                                        f"{first.line}; keep one)"))
                continue
            child = _locate(value_node, file, (*path, key), problems)
            values[key], children[key], key_spans[key] = child.value, child, _span(key_node, file)
        return Located(values, span, children, key_spans)
    if isinstance(node, yaml.SequenceNode):
        items = [_locate(item, file, (*path, index), problems)
                 for index, item in enumerate(node.value)]
        return Located([item.value for item in items], span, dict(enumerate(items)))
    try:
        return Located(_constructor.construct_object(node), span)
    except (ValueError, yaml.YAMLError) as error:
        problems.append(Problem(span, describe_path(path),
                                f"{node.value!r} is not a valid date ({error})"))
        return Located(node.value, span)


def _read(path: Path) -> tuple[str, bytes]:
    """The file's text and its exact bytes (which the audit hash is taken over)."""
    def problem(message: str) -> InputError:
        return InputError([Problem(SourceSpan(str(path), 0, 0), "", message)])

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise problem("no such file") from None
    except IsADirectoryError:
        raise problem("this is a folder; give a YAML file") from None
    except OSError as error:
        raise problem(f"cannot read the file ({error.strerror})") from None
    try:
        return data.decode("utf-8").replace("\r\n", "\n"), data
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise InputError([Problem(SourceSpan(str(path), line, column), "",
                                  f"not UTF-8 text: {error.reason}, byte "
                                  f"{data[error.start]:#04x} (save the file as UTF-8)")]
                         ) from None


def _validate(model: type[M], document: Located, file: str) -> tuple[M | None, list[Problem]]:
    if not isinstance(document.value, Mapping):
        return None, [Problem(document.span, "", "expected a mapping of fields at the top of "
                              "the file (key: value lines)")]
    try:
        return model.model_validate(document.value), []
    except ValidationError as error:
        return None, list(_problems(error, document, model))


def _problems(error: ValidationError, document: Located, model: type[BaseModel]) -> (
        Iterable[Problem]):
    details = error.errors(include_url=False)
    failing = [tuple(detail["loc"]) for detail in details]
    for detail in details:
        loc = tuple(detail["loc"])
        if _is_consequence(detail, loc, failing):
            continue
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, SubfieldError):
            loc = (*loc, *cause.path)
        node, key_span, path = document.find(loc)
        field = describe_path(path)
        if loc and path[-1:] != loc[-1:] and isinstance(loc[-1], str) and loc[-1] not in (
                _INTERNAL):
            field = describe_path((*path, loc[-1]))  # a field the author did not write
        span = key_span if detail["type"] == "extra_forbidden" else node.span
        yield Problem(span, field, translate(detail, model))


# Names in a pydantic location that the author never writes: union tags and the fields that
# hold a condition's body.
_INTERNAL = frozenset({*CONDITION_KINDS, "parts", "part", "question", "condition"})


def _is_consequence(detail: Any, loc: tuple[Any, ...], failing: Sequence[tuple[Any, ...]]) -> bool:
    """An error that only follows from another: a 'too short after validation' list whose
    items failed, or a criterion's missing rule when a misspelt rule key is reported."""
    if detail["type"] == "too_short":
        return any(other[: len(loc)] == loc and len(other) > len(loc) for other in failing)
    if detail["type"] == "missing" and loc[-1:] == ("condition",):
        return any(other[:-1] == loc[:-1] and other != loc for other in failing)
    return False


def check_trial(path: Path | str) -> tuple[Trial | None, tuple[Problem, ...]]:
    """Read one rule file and report every problem, errors and warnings, without raising
    for them; the trial is None when any problem is an error."""
    path = Path(path)
    try:
        text, data = _read(path)
        document, problems = _parse(text, str(path))
    except InputError as error:
        return None, error.problems
    problems += _trial_checks(document, path)
    trial, more = _validate(Trial, document, str(path))
    problems += _not_repeating(more, problems)
    findings = lint_trial(trial) if trial is not None else _lint_valid_criteria(document)
    for finding in findings:
        node, _, found = document.find(finding.path)
        problems.append(Problem(node.span, describe_path(found), finding.message,
                                finding.severity))
    if trial is None or any(problem.severity == "error" for problem in problems):
        return None, tuple(sorted(problems))
    criteria = tuple(
        criterion.model_copy(update={"span": document.children["criteria"].children[index].span})
        for index, criterion in enumerate(trial.criteria)
    )
    trial = trial.model_copy(update={
        "criteria": criteria, "file": str(path), "sha256": hashlib.sha256(data).hexdigest(),
        "span": document.find(("trial", "id"))[0].span,
    })
    return trial, tuple(sorted(problems))


def _lint_valid_criteria(document: Located) -> list[Finding]:
    """Lint the criteria that are valid on their own, so a problem elsewhere in the file
    does not hide a contradiction here."""
    criteria = document.value.get("criteria") if isinstance(document.value, Mapping) else None
    findings: list[Finding] = []
    for index, raw in enumerate(criteria if isinstance(criteria, list) else []):
        try:
            criterion = Criterion.model_validate(raw)
        except ValidationError:
            continue
        findings += lint_criterion(criterion, index)
    return findings


def _not_repeating(problems: Sequence[Problem], already: Sequence[Problem]) -> list[Problem]:
    """Problems not already reported at the same place (a value YAML could not read is
    reported once, not again by the model)."""
    seen = {problem.span for problem in already}
    return [problem for problem in problems if problem.span not in seen]


def load_trial(path: Path | str) -> Trial:
    """Read one rule file; raise InputError listing every error in it (warnings pass)."""
    trial, problems = check_trial(path)
    if trial is None:
        raise InputError([problem for problem in problems if problem.severity == "error"])
    return trial


def _trial_checks(document: Located, path: Path) -> Iterable[Problem]:
    """Checks pydantic cannot make per field: ids unique, trial id matching the file name."""
    if not isinstance(document.value, Mapping):
        return
    criteria = document.children.get("criteria")
    if criteria is not None and isinstance(criteria.value, list):
        first: dict[Any, SourceSpan] = {}
        for index, item in criteria.children.items():
            ident = item.children.get("id")
            if ident is None or not isinstance(ident.value, str):
                continue
            if ident.value in first:
                yield Problem(ident.span, f"criteria[{index}].id",
                              f"duplicate criterion id {ident.value!r} (first used at line "
                              f"{first[ident.value].line}; ids must be unique)")
            else:
                first[ident.value] = ident.span
    trial = document.children.get("trial")
    ident = trial.children.get("id") if trial is not None else None
    if ident is not None and isinstance(ident.value, str) and re.fullmatch(
            r"NCT\d{8}", ident.value) and ident.value != path.stem:
        yield Problem(ident.span, "trial.id",
                      f"trial id {ident.value!r} does not match the file name {path.name!r} "
                      f"(name the file {ident.value}.yaml)")


def load_trials(path: Path | str) -> tuple[Trial, ...]:
    """Read a rule file, or every `*.yaml` rule file in a folder, in file-name order.

    Problems in all files are reported together; trial ids must be unique across files.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise InputError([Problem(SourceSpan(str(path), 0, 0), "",
                                      "no rule files (*.yaml or *.yml) in this folder")])
    else:
        files = [path]
    trials: list[Trial] = []
    problems: list[Problem] = []
    for file in files:
        if path.is_dir() and _looks_like_a_profile(file):
            problems.append(Problem(SourceSpan(str(file), 0, 0), "", "not a rule file (it has "
                                    "no trial: or criteria: at the top; is it a patient "
                                    "profile?)"))
            continue
        try:
            trials.append(load_trial(file))
        except InputError as error:
            problems += error.problems
    problems += repeated_trials(trials)
    if problems:
        raise InputError(problems)
    return tuple(trials)


def repeated_trials(trials: Iterable[Trial]) -> list[Problem]:
    """A trial defined in more than one file is a problem at each later definition."""
    seen: dict[str, Trial] = {}
    problems = []
    for trial in trials:
        if trial.id in seen:
            problems.append(Problem(trial.span or SourceSpan(str(trial.file), 0, 0), "trial.id",
                                    f"trial {trial.id} is also defined in {seen[trial.id].file}"))
        else:
            seen[trial.id] = trial
    return problems


def screening_date(profile: PatientProfile, as_of: dt.date | None, today: dt.date) -> dt.date:
    """The date a screening is for: `--as-of`, else the profile's screening_date, else today."""
    return as_of or profile.screening_date or today


def check_patient(path: Path | str, *, as_of: dt.date | None = None,
                  today: dt.date | None = None) -> tuple[PatientProfile | None,
                                                         tuple[Problem, ...]]:
    """Read one patient profile and report every problem; the profile is None if any.

    No date in the profile may be after the screening date (`as_of`, else the profile's
    `screening_date`, else `today`): nothing can be measured after the day it is screened on.
    A good file is read once, without positions; only a file with problems is parsed again
    with positions, to say where each one is.
    """
    path = Path(path)
    try:
        text, _ = _read(path)
    except InputError as error:
        return None, error.problems
    values = _quick(text)
    if isinstance(values, dict):
        try:
            profile = PatientProfile.model_validate(values)
        except ValidationError:
            pass
        else:
            on = as_of or profile.screening_date or today
            if on is None or all(day <= on for _, day in dated_fields(profile)):
                return profile, ()
    try:
        return _check_patient_carefully(text, path, as_of, today)
    except InputError as error:
        return None, error.problems


def check_patient_to_screen(path: Path | str, trials: Iterable[Trial], *,
                            text: str | None = None, as_of: dt.date | None = None,
                            today: dt.date | None = None) -> tuple[PatientProfile | None,
                                                                   tuple[Problem, ...]]:
    """What `screen` needs of one profile, reading the file once: the profile, or every
    problem that stops it from being screened (a rule file given as a profile, the problems
    `check_patient` reports, a clinician answer that no trial in `trials` would use).

    `text` is the content when it was read already (standard input); `path` then only names
    it in messages.
    """
    if text is None:
        try:
            text, _ = _read(Path(path))
        except InputError as error:
            return None, error.problems
    if any(line.startswith(("trial:", "criteria:")) for line in text.splitlines()):
        return None, (Problem(SourceSpan(str(path), 0, 0), "", "this is a rule file (trial "
                              "criteria), not a patient profile: give it with --rules"),)
    profile: PatientProfile | None = None
    values = _quick(text)
    if isinstance(values, dict):
        try:
            quick = PatientProfile.model_validate(values)
        except ValidationError:
            pass
        else:
            on = as_of or quick.screening_date or today
            if on is None or all(day <= on for _, day in dated_fields(quick)):
                profile = quick
    if profile is None:
        try:
            profile, problems = _check_patient_carefully(text, Path(path), as_of, today)
        except InputError as error:
            return None, error.problems
        if profile is None:
            return None, problems
    found = assessment_problems(path, profile, trials, text=text)
    return (None, tuple(found)) if found else (profile, ())


def _check_patient_carefully(text: str, path: Path, as_of: dt.date | None,
                             today: dt.date | None) -> tuple[PatientProfile | None,
                                                            tuple[Problem, ...]]:
    document, problems = _parse(text, str(path))
    profile, more = _validate(PatientProfile, document, str(path))
    problems += _not_repeating(more, problems)
    stated = document.value.get("screening_date") if isinstance(document.value, Mapping) else None
    on = as_of or (stated if isinstance(stated, dt.date) else None) or today
    if on is not None:
        source = ("the --as-of date" if as_of else "the screening date" if isinstance(
            stated, dt.date) else "today, the screening date")
        problems += _future_dates(document, profile, on, source)
    if problems:
        return None, tuple(sorted(problems))
    return profile, ()


def load_patient(path: Path | str, *, as_of: dt.date | None = None,
                 today: dt.date | None = None) -> PatientProfile:
    """Read one patient profile; raise InputError listing every problem in it."""
    profile, problems = check_patient(path, as_of=as_of, today=today)
    if profile is None:
        raise InputError(problems)
    return profile


def assessment_problems(path: Path | str, profile: PatientProfile,
                        trials: Iterable[Trial], *, text: str | None = None) -> list[Problem]:
    """A clinician's answer that names no judgment of a loaded trial would be silently unused:
    each is a problem (a trial id close to a loaded one counts as a typo of it). `text` is the
    file's content when it was read already."""
    trials = tuple(trials)
    keys = {trial.id: judgment_keys(trial) for trial in trials}
    short = {trial.trial.short_name.casefold(): trial.id for trial in trials
             if trial.trial.short_name}
    issues: list[tuple[tuple[str | int, ...], str]] = []
    for index, assessment in enumerate(profile.assessments):
        if assessment.trial in keys:
            known = keys[assessment.trial]
            if assessment.criterion not in known:
                hint = closest(assessment.criterion, known) or (
                    f" (its judgment criteria: {', '.join(known) or 'none'})")
                issues.append((("assessments", index, "criterion"),
                               f"trial {assessment.trial} has no judgment criterion "
                               f"{assessment.criterion!r}{hint}; this answer would not be used"))
        elif assessment.trial.casefold() in short:
            issues.append((("assessments", index, "trial"),
                           f"name the trial by its registry id: "
                           f"{short[assessment.trial.casefold()]} ({assessment.trial}); "
                           "this answer would not be used"))
        elif hint := closest(assessment.trial, keys):
            issues.append((("assessments", index, "trial"),
                           f"no rule file for trial {assessment.trial!r}{hint}"))
    if not issues:
        return []
    document, _ = _parse(_read(Path(path))[0] if text is None else text, str(path))
    problems = []
    for loc, message in issues:
        node, _, found = document.find(loc)
        problems.append(Problem(node.span, describe_path(found), message))
    return problems


def _looks_like_a_profile(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return not is_rule_file(path) and any(line.startswith("id:") for line in text.splitlines())


def is_rule_file(path: Path | str) -> bool:
    """Whether a YAML file looks like a rule file (a `trial:` or `criteria:` key at the top)
    rather than a patient profile; unreadable files count as profiles."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.startswith(("trial:", "criteria:")) for line in text.splitlines())


def _future_dates(document: Located, profile: PatientProfile | None,
                  on: dt.date, source: str) -> list[Problem]:
    """Dates after the screening date, read from the validated profile when there is one (so
    a quoted date counts too), else from the YAML values."""
    problems = []
    for loc, day in dated_fields(profile if profile is not None else document.value):
        if day <= on:
            continue
        node, _, path = document.find(loc)
        advice = ("screen on a later date, or check the date" if source.startswith("the --as-of")
                  else "dates must be on or before the screening date; check for a typo")
        problems.append(Problem(node.span, describe_path(path),
                                f"{day.isoformat()} is after {source} {on.isoformat()} "
                                f"({advice})"))
    return problems
