"""Turn YAML files into models, reporting every problem with its file, line and column."""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .coverage import judgment_keys
from .cut_texts import cut_texts
from .errors import translate
from .lint import Finding, lint_criterion, lint_trial
from .observations import dated_fields
from .patient import PatientProfile, profile_model
from .reading import (
    MAX_FILE_BYTES,
    MAX_TEXT,
    Loader,
    Refused,
    compose,
    decode,
    read_bytes,
)
from .rules import CONDITION_KINDS, Criterion, Trial
from .source import Located, SourceSpan, SubfieldError, describe_path, shown
from .unions import meant_alternatives
from .vocabulary import DEFAULT, Vocabulary, VocabularyError, closest, normalise_name
from .vocabulary.files import VocabularyFile

__all__ = [
    "InputError",
    "Problem",
    "assessment_problems",
    "check_patient",
    "check_patient_to_screen",
    "check_trial",
    "check_vocabulary",
    "folder_vocabulary",
    "is_rule_file",
    "is_vocabulary_file",
    "load_patient",
    "load_trial",
    "load_trials",
    "not_read",
    "parse_yaml",
    "peek_text",
    "read_text",
    "repeated_trials",
    "screening_date",
    "trials_vocabulary",
    "vocabulary_files_beside",
]

_constructor = yaml.constructor.SafeConstructor()
_resolver = yaml.resolver.Resolver()


class _Duplicate(Exception):
    """A mapping repeats a key: the careful parse will say where."""


class _QuickLoader(Loader):  # type: ignore[misc]
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
_QuickLoader.add_constructor(  # a lone `=` is text, not PyYAML's "value key"
    "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def _careful(loader: Any, node: yaml.Node) -> Any:
    raise ValueError(node.tag)  # a tag the careful parse refuses: let it say so


for _tag in ("binary", "set", "omap", "pairs"):  # SafeLoader builds these; we refuse them
    _QuickLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _careful)


def _quick(text: str) -> Any:
    """The document's values, or None when the careful parse is needed to report problems.

    Anchors and merge keys, and texts too long to be sure that no value breaks a limit, always
    take the careful parse, which checks the limits; anything else odd (a bad tag, deep
    nesting, a duplicate key) fails here and is reported there, or raised there if it is our
    own bug.
    """
    if len(text) > MAX_TEXT or "&" in text or "<<" in text:
        return None
    try:
        return yaml.load(text, Loader=_QuickLoader)  # a SafeLoader subclass: safe
    except Exception:  # every failure means: parse carefully
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


# The most problems listed for one file: thousands of the same mistake (a field misspelt in
# every entry of a long list) need their first fixes, not a screenful per line.
MOST_PROBLEMS = 100


def first_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """The problems in file order, the first MOST_PROBLEMS of them and one saying how many
    more there are and where they start."""
    ordered = sorted(problems)
    if len(ordered) <= MOST_PROBLEMS:
        return tuple(ordered)
    rest = ordered[MOST_PROBLEMS:]
    return (*ordered[:MOST_PROBLEMS], Problem(
        rest[0].span, "", f"{len(rest):,} more problems from here on are not listed: only the "
        f"first {MOST_PROBLEMS} are (fix those and check again)"))


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


def _parse(text: str, file: str, *, dates_only: bool = False) -> tuple[Located, list[Problem]]:
    """The document and its key problems (duplicates keep the first value, to go on); a
    document over a limit of `reading` is refused before any value is built.

    A date written with a time of midnight is its date, as the models read it; `dates_only`
    (a rule file, where no field takes a time) makes any other time of day a problem, so that
    no date and time is ever compared with a date.
    """
    try:
        node = compose(text, file)
    except Refused as refused:
        raise _input_error(refused) from None
    if node is None:
        what = "the file has only comments" if text.strip() else "the file is empty"
        raise InputError([Problem(SourceSpan(file, 0, 0), "", what)])
    problems: list[Problem] = []
    return _locate(node, file, (), problems, dates_only), problems


def _span(node: yaml.Node, file: str) -> SourceSpan:
    return SourceSpan(file, node.start_mark.line + 1, node.start_mark.column + 1)


_TAG = "tag:yaml.org,2002:"
_MERGE, _VALUE = f"{_TAG}merge", f"{_TAG}value"


def _refused_tag(node: yaml.Node, file: str, path: tuple[Any, ...]) -> Problem | None:
    if node.tag in _PLAIN_TAGS or (node.tag == _VALUE and _is_implicit(node)):
        return None
    if node.tag == _MERGE:
        return Problem(_span(node, file), describe_path(path), "merge keys (<<) are not read: "
                       "write the keys out in full")
    tag = node.tag.replace(_TAG, "!!")
    return Problem(_span(node, file), describe_path(path),
                   f"the YAML tag {tag!r} is refused: tags that build program objects are "
                   "never loaded (remove the tag)")


def _is_implicit(node: yaml.Node) -> bool:
    """Whether a scalar's tag is the one YAML gives its text untagged (not written as `!!x`)."""
    if not isinstance(node, yaml.ScalarNode):
        return False
    plain = not node.style  # None from PyYAML, "" from libyaml
    implicit = _resolver.resolve(  # type: ignore[no-untyped-call]
        yaml.ScalarNode, node.value, (plain, not plain))
    return bool(node.tag == implicit)


def _locate(node: yaml.Node, file: str, path: tuple[Any, ...], problems: list[Problem],
            dates_only: bool = False) -> Located:
    span = _span(node, file)
    refused = _refused_tag(node, file, path) or _misfit_tag(node, file, path)
    if refused is not None:
        problems.append(refused)
        return Located(None, span)
    if isinstance(node, yaml.MappingNode):
        values: dict[Any, Any] = {}
        children: dict[Any, Located] = {}
        key_spans: dict[Any, SourceSpan] = {}
        for key_node, value_node in node.value:
            said = len(problems)
            key = _locate(key_node, file, path, problems, dates_only).value
            if not isinstance(key, (str, int, float, bool, dt.date)):
                if len(problems) == said:  # not already said why (a refused tag)
                    problems.append(Problem(_span(key_node, file), describe_path(path),
                                            "a key must be plain text"))
                continue
            if key in values:
                first = key_spans[key]
                problems.append(Problem(_span(key_node, file), describe_path((*path, key)),
                                        f"duplicate key {key!r} (first written at line "
                                        f"{first.line}; keep one)"))
                continue
            child = _locate(value_node, file, (*path, key), problems, dates_only)
            values[key], children[key], key_spans[key] = child.value, child, _span(key_node, file)
        return Located(values, span, children, key_spans)
    if isinstance(node, yaml.SequenceNode):
        items = [_locate(item, file, (*path, index), problems, dates_only)
                 for index, item in enumerate(node.value)]
        return Located([item.value for item in items], span, dict(enumerate(items)))
    assert isinstance(node, yaml.ScalarNode)
    return _scalar(node, span, path, problems, dates_only)


def _misfit_tag(node: yaml.Node, file: str, path: tuple[Any, ...]) -> Problem | None:
    """A scalar's tag on a mapping or list (`!!int {a: 1}`), which would be ignored."""
    if isinstance(node, yaml.ScalarNode):
        return None
    fits = f"{_TAG}map" if isinstance(node, yaml.MappingNode) else f"{_TAG}seq"
    if node.tag == fits:
        return None
    what = "a mapping" if isinstance(node, yaml.MappingNode) else "a list"
    return Problem(_span(node, file), describe_path(path),
                   f"the tag {node.tag.replace(_TAG, '!!')!r} does not fit {what} (remove the "
                   "tag)")


_KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
          "timestamp": "a date", "map": "a mapping", "seq": "a list"}


def _scalar(node: yaml.ScalarNode, span: SourceSpan, path: tuple[Any, ...],
            problems: list[Problem], dates_only: bool = False) -> Located:
    """A scalar's value (text, number, true/false, date); a value its tag cannot read is a
    problem, and the text as written stands in for it."""
    if node.tag == _VALUE:
        return Located(node.value, span)  # a lone `=`: text to us, a "value key" to PyYAML
    name = node.tag.replace(_TAG, "")
    try:
        if name in ("map", "seq"):
            raise ValueError(name)
        # Called directly rather than through construct_object, which would keep every node
        # it ever built in the shared constructor.
        value = _constructor.yaml_constructors[node.tag](_constructor, node)
    except (ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as error:
        problems.append(Problem(span, describe_path(path), _unreadable(node, name, error)))
        return Located(node.value, span)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()  # midnight: the date, as the models take it
    elif isinstance(value, dt.datetime) and dates_only:
        problems.append(Problem(span, describe_path(path),
                                f"{node.value} is a date with a time of day: a rule file "
                                "takes dates only, as YYYY-MM-DD (quote it if it is text)"))
        return Located(node.value, span)
    return Located(value, span)


def _unreadable(node: yaml.ScalarNode, name: str, error: Exception) -> str:
    """Why a scalar cannot be read as its tag says, in words."""
    shown = (repr(node.value) if len(node.value) <= 60 else
             f"{node.value[:40]!r}... ({len(node.value):,} characters)")
    kind = _KINDS.get(name, name)
    if not _is_implicit(node):
        return (f"{shown} is not {kind}, as its tag !!{name} says (remove the tag, or correct "
                "the value)")
    if name == "timestamp":
        return f"{shown} is not a valid date ({error})"
    return f"{shown} is too long to read as {kind}"  # 4300 digits and more: Python's own limit


def _input_error(refused: Refused) -> InputError:
    return InputError([Problem(refused.span, refused.field, refused.message)])


def read_text(path: Path, *, limit: int = MAX_FILE_BYTES, what: str = "YAML file") -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; raise InputError saying why
    it cannot be used (a named pipe or a device is never read; `what` names the file wanted)."""
    return _read(path, limit=limit, what=what)[0]


def _read(path: Path, *, limit: int = MAX_FILE_BYTES, what: str = "YAML file") -> (
        tuple[str, bytes]):
    """The file's text and its exact bytes (which the audit hash is taken over)."""
    try:
        data = read_bytes(path, limit=limit, what=what)
        return decode(data, str(path)).replace("\r\n", "\n"), data
    except Refused as refused:
        raise _input_error(refused) from None


def peek_text(path: Path) -> str | None:
    """A YAML file's text, for a quick look at its top-level keys; None when it cannot be
    read (the loading that follows says why)."""
    try:
        return _read(path)[0]
    except InputError:
        return None


def _validate(model: type[M], document: Located, file: str,
              vocabulary: Vocabulary = DEFAULT) -> tuple[M | None, list[Problem]]:
    if not isinstance(document.value, Mapping):
        return None, [Problem(document.span, "", "expected a mapping of fields at the top of "
                              "the file (key: value lines)")]
    shape: type[BaseModel] = profile_model(vocabulary) if model is PatientProfile else model
    try:
        return model.model_validate(document.value,
                                    context={"vocabulary": vocabulary}), []
    except ValidationError as error:
        return None, list(_problems(error, document, shape))


def _problems(error: ValidationError, document: Located, model: type[BaseModel]) -> (
        Iterable[Problem]):
    details = meant_alternatives(error.errors(include_url=False), document)
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
        if detail["type"] == "invalid_key":  # a number as a key: name its mapping, not fvc[5]
            field = describe_path(path[:-1])
        span = key_span if detail["type"] == "extra_forbidden" else node.span
        yield Problem(span, field, translate(detail, model))


# Names in a pydantic location that the author never writes: union tags and the fields that
# hold a condition's body.
_INTERNAL = frozenset({*CONDITION_KINDS, "parts", "part", "question", "condition", "[key]"})


def _is_consequence(detail: Any, loc: tuple[Any, ...], failing: Sequence[tuple[Any, ...]]) -> bool:
    """An error that only follows from another: a 'too short after validation' list whose
    items failed, or a criterion's missing rule when a misspelt rule key is reported."""
    if detail["type"] == "too_short":
        return any(other[: len(loc)] == loc and len(other) > len(loc) for other in failing)
    if detail["type"] == "missing" and loc[-1:] == ("condition",):
        return any(other[:-1] == loc[:-1] and other != loc for other in failing)
    return False


def check_trial(path: Path | str, vocabulary: Vocabulary = DEFAULT) -> tuple[
        Trial | None, tuple[Problem, ...]]:
    """Read one rule file and report every problem, errors and warnings, without raising
    for them; the trial is None when any problem is an error. The criteria are read against
    `vocabulary` and the facts the file declares."""
    path = Path(path)
    try:
        text, data = _read(path)
        document, problems = _parse(text, str(path), dates_only=True)
    except InputError as error:
        return None, error.problems
    problems += _trial_checks(document, path)
    problems += [Problem(span, field, message, "warning")
                 for span, field, message in cut_texts(document, text)]
    trial, more = _validate(Trial, document, str(path), vocabulary)
    problems += _not_repeating(more, problems)
    findings = (lint_trial(trial) if trial is not None
                else _lint_valid_criteria(document, vocabulary))
    for finding in findings:
        node, _, found = document.find(finding.path)
        problems.append(Problem(node.span, describe_path(found), finding.message,
                                finding.severity))
    if trial is None or any(problem.severity == "error" for problem in problems):
        return None, first_problems(problems)
    criteria = tuple(
        criterion.model_copy(update={"span": document.children["criteria"].children[index].span})
        for index, criterion in enumerate(trial.criteria)
    )
    trial = trial.model_copy(update={
        "criteria": criteria, "file": str(path), "sha256": hashlib.sha256(data).hexdigest(),
        "span": document.find(("trial", "id"))[0].span,
    })
    return trial, first_problems(problems)


def _lint_valid_criteria(document: Located, vocabulary: Vocabulary) -> list[Finding]:
    """Lint the criteria that are valid on their own, so a problem elsewhere in the file
    does not hide a contradiction here."""
    criteria = document.value.get("criteria") if isinstance(document.value, Mapping) else None
    findings: list[Finding] = []
    for index, raw in enumerate(criteria if isinstance(criteria, list) else []):
        try:
            criterion = Criterion.model_validate(raw, context={"vocabulary": vocabulary})
        except ValidationError:
            continue
        findings += lint_criterion(criterion, index, vocabulary)
    return findings


def _not_repeating(problems: Sequence[Problem], already: Sequence[Problem]) -> list[Problem]:
    """Problems not already reported at the same place (a value YAML could not read is
    reported once, not again by the model)."""
    seen = {problem.span for problem in already}
    return [problem for problem in problems if problem.span not in seen]


def load_trial(path: Path | str, vocabulary: Vocabulary = DEFAULT) -> Trial:
    """Read one rule file; raise InputError listing every error in it (warnings pass)."""
    trial, problems = check_trial(path, vocabulary)
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
        # A rule file alone is read with the vocabulary files beside it, as in its folder.
        files = [*vocabulary_files_beside(path), path]
    trials: list[Trial] = []
    vocabularies = {file for file in files if is_vocabulary_file(file)}
    vocabulary, broken = folder_vocabulary(file for file in files if file in vocabularies)
    problems = list(broken)
    for file in files:
        if file in vocabularies:
            continue
        if broken:
            problems.append(not_read(file))
            continue
        if path.is_dir() and _looks_like_a_profile(file):
            problems.append(Problem(SourceSpan(str(file), 0, 0), "", "not a rule file (it has "
                                    "no trial: or criteria: at the top; is it a patient "
                                    "profile?)"))
            continue
        try:
            trials.append(load_trial(file, vocabulary))
        except InputError as error:
            problems += error.problems
    problems += repeated_trials(trials)
    if not trials and not problems:
        problems.append(Problem(SourceSpan(str(path), 0, 0), "", "no rule files here, only "
                                "vocabulary files"))
    if problems:
        raise InputError(problems)
    return tuple(trials)


def vocabulary_files_beside(path: Path) -> list[Path]:
    """The vocabulary files in the folder of the rule file `path`, in file-name order: the
    facts they add are the rule file's too, whether its folder or the file alone is read."""
    folder = path.parent
    return [file for file in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
            if file != path and is_vocabulary_file(file)]


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


def not_read(file: Path) -> Problem:
    """The problem of a rule file left unread because its folder's vocabulary is broken."""
    return Problem(SourceSpan(str(file), 0, 0), "", "not read: a vocabulary file beside it has "
                   "errors, and its facts may be the ones this file needs (fix that first)")


def folder_vocabulary(files: Iterable[Path]) -> tuple[Vocabulary, list[Problem]]:
    """The package's vocabulary with the vocabulary files `files` added (in the order
    given), and the problems in those files."""
    vocabulary, problems = DEFAULT, list[Problem]()
    for file in files:
        found, more = check_vocabulary(file, vocabulary)
        problems += more
        if found is not None:
            vocabulary = found
    return vocabulary, problems


def check_vocabulary(path: Path | str, base: Vocabulary = DEFAULT) -> tuple[
        Vocabulary | None, tuple[Problem, ...]]:
    """Read a vocabulary file and add it to `base`, reporting every problem with its place."""
    path = Path(path)
    try:
        text, _ = _read(path)
        document, problems = _parse(text, str(path))
    except InputError as error:
        return None, error.problems
    spec, more = _validate(VocabularyFile, document, str(path))
    problems += _not_repeating(more, problems)
    if spec is None or problems:
        return None, tuple(sorted(problems))
    try:
        return base.extended(spec, str(path)), ()
    except VocabularyError as error:
        found = []
        for loc, message in error.problems:
            node, _, at = document.find(loc)
            found.append(Problem(node.span, describe_path(at), message))
        return None, tuple(sorted(found))


def screening_date(profile: PatientProfile, as_of: dt.date | None, today: dt.date) -> dt.date:
    """The date a screening is for: `--as-of`, else the profile's screening_date, else today."""
    return as_of or profile.screening_date or today


def check_patient(path: Path | str, *, as_of: dt.date | None = None,
                  today: dt.date | None = None,
                  vocabulary: Vocabulary = DEFAULT) -> tuple[PatientProfile | None,
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
    return _checked_profile(text, path, as_of, today, vocabulary)


def _checked_profile(text: str, path: Path, as_of: dt.date | None, today: dt.date | None,
                     vocabulary: Vocabulary) -> tuple[PatientProfile | None,
                                                      tuple[Problem, ...]]:
    values = _quick(text)
    if isinstance(values, dict):
        try:
            profile = PatientProfile.model_validate(values, context={"vocabulary": vocabulary})
        except ValidationError:
            pass
        else:
            on = as_of or profile.screening_date or today
            if (on is None or all(day <= on for _, day in dated_fields(profile))) and not (
                    _far_ahead(profile.screening_date, today)):
                return profile, ()
    try:
        return _check_patient_carefully(text, path, as_of, today, vocabulary)
    except InputError as error:
        return None, error.problems


def check_patient_to_screen(path: Path | str, trials: Iterable[Trial], *,
                            text: str | None = None, as_of: dt.date | None = None,
                            today: dt.date | None = None, vocabulary: Vocabulary | None = None,
                            elsewhere: Iterable[str] = ()) -> tuple[PatientProfile | None,
                                                                    tuple[Problem, ...]]:
    """What `screen` needs of one profile, reading the file once: the profile, or every
    problem that stops it from being screened (a rule file given as a profile, the problems
    `check_patient` reports, a clinician answer that no trial in `trials` would use).

    `text` is the content when it was read already (standard input); `path` then only names
    it in messages. `vocabulary` defaults to the trials' (`trials_vocabulary`); `elsewhere`
    is as for `assessment_problems`.
    """
    trials = tuple(trials)
    if text is None:
        try:
            text, _ = _read(Path(path))
        except InputError as error:
            return None, error.problems
    if any(line.startswith(("trial:", "criteria:")) for line in text.splitlines()):
        return None, (Problem(SourceSpan(str(path), 0, 0), "", "this is a rule file (trial "
                              "criteria), not a patient profile: give it with --rules"),)
    if vocabulary is None:
        vocabulary = trials_vocabulary(trials)
    profile, problems = _checked_profile(text, Path(path), as_of, today, vocabulary)
    if profile is None:
        return None, problems
    found = assessment_problems(path, profile, trials, elsewhere, text=text)
    return (None, tuple(found)) if found else (profile, ())


def _check_patient_carefully(text: str, path: Path, as_of: dt.date | None,
                             today: dt.date | None, vocabulary: Vocabulary) -> tuple[
        PatientProfile | None, tuple[Problem, ...]]:
    document, problems = _parse(text, str(path))
    profile, more = _validate(PatientProfile, document, str(path), vocabulary)
    problems += _not_repeating(more, problems)
    stated = document.value.get("screening_date") if isinstance(document.value, Mapping) else None
    if isinstance(stated, dt.datetime):  # a time of day is reported by the model; its day counts
        stated = stated.date()
    on = as_of or (stated if isinstance(stated, dt.date) else None) or today
    if on is not None:
        source = ("the --as-of date" if as_of else "the screening date" if isinstance(
            stated, dt.date) else "today, the screening date")
        problems += _future_dates(document, profile, on, source)
    if isinstance(stated, dt.date) and _far_ahead(stated, today):
        assert today is not None
        node, _, at = document.find(("screening_date",))
        problems.append(Problem(node.span, describe_path(at), f"{stated.isoformat()} is more "
                                f"than a year after today ({today.isoformat()}): check for a "
                                "typo (to screen ahead of time, leave it out and give --as-of)"))
    if problems:
        return None, first_problems(problems)
    return profile, ()


def check_profile_tree(document: Located, file: str, vocabulary: Vocabulary, *,
                       prefix: str) -> tuple[PatientProfile | None, list[Problem]]:
    """A profile written inside another file (a rule file's fixture), checked with the
    positions of that file; each problem's field starts with `prefix`."""
    profile, problems = _validate(PatientProfile, document, file, vocabulary)
    return profile, [Problem(problem.span, f"{prefix}.{problem.field}" if problem.field
                             else prefix, problem.message) for problem in problems]


def load_patient(path: Path | str, *, as_of: dt.date | None = None,
                 today: dt.date | None = None,
                 vocabulary: Vocabulary = DEFAULT) -> PatientProfile:
    """Read one patient profile; raise InputError listing every problem in it. The profile
    may state every fact of `vocabulary` (the trials' vocabulary, see `trials_vocabulary`)."""
    profile, problems = check_patient(path, as_of=as_of, today=today, vocabulary=vocabulary)
    if profile is None:
        raise InputError(problems)
    return profile


def assessment_problems(path: Path | str, profile: PatientProfile,
                        trials: Iterable[Trial], elsewhere: Iterable[str] = (), *,
                        text: str | None = None) -> list[Problem]:
    """A clinician's answer that names no judgment of a loaded trial would be silently unused:
    each is a problem (a trial id one or two digits from a loaded one counts as a typo of it,
    unless it is one of the trials `elsewhere`, such as the folder's other rule files). `text`
    is the file's content when it was read already."""
    trials = tuple(trials)
    others = frozenset(elsewhere)
    keys = {trial.id: judgment_keys(trial) for trial in trials}
    short = {trial.trial.short_name.casefold(): trial.id for trial in trials
             if trial.trial.short_name}
    issues: list[tuple[tuple[str | int, ...], str]] = []
    for index, assessment in enumerate(profile.assessments):
        if assessment.trial in keys:
            known = keys[assessment.trial]
            if assessment.criterion not in known:
                own = [key for key in known if key.startswith(f"{assessment.criterion}.")]
                same = [key for key in known if key.casefold() == assessment.criterion.casefold()]
                hint = (f" (its judgments are addressed {' or '.join(map(repr, own))})" if own
                        else f" (did you mean {same[0]!r}?)" if same
                        else closest(assessment.criterion, known) or (
                            f" (its judgment criteria: {', '.join(known) or 'none'})"))
                issues.append((("assessments", index, "criterion"),
                               f"trial {assessment.trial} has no judgment criterion "
                               f"{assessment.criterion!r}{hint}; this answer would not be used"))
        elif assessment.trial.casefold() in short:
            issues.append((("assessments", index, "trial"),
                           f"name the trial by its registry id: "
                           f"{short[assessment.trial.casefold()]} ({assessment.trial}); "
                           "this answer would not be used"))
        elif assessment.trial not in others and (hint := _typo_of(assessment.trial, keys)):
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


def profile_warnings(path: Path | str, profile: PatientProfile,
                     vocabulary: Vocabulary = DEFAULT) -> list[Problem]:
    """What a valid profile says that screening cannot use as written: a present entry that a
    recorded negative of the same list contradicts (screening leaves such questions unknown),
    and a dose unit or frequency the vocabulary does not know (rules about the daily dose stay
    unknown)."""
    from .explain import describe_entry
    from .matching import contradictions

    found = contradictions(profile, vocabulary)
    dosing = [*_unplaced_names(profile, vocabulary), *_unread_dosing(profile, vocabulary)]
    if not found and not dosing:
        return []
    document, _ = _parse(_read(Path(path))[0], str(path))
    problems = []
    for collection, at, message in sorted(dosing, key=lambda found: (found[0], found[1][0])):
        listed = isinstance(document.value.get(collection), list)
        node, _, where = document.find((collection, *(() if listed else ("items",)), *at))
        problems.append(Problem(node.span, describe_path(where), message, "warning"))
    for collection, index, negative in found:
        items = getattr(profile, collection).items
        loc = (collection, index) if isinstance(document.value.get(collection), list) else (
            collection, "items", index)
        node, _, at = document.find(loc)
        problems.append(Problem(
            node.span, describe_path(at),
            f"{describe_entry(items[index])} contradicts the negative recorded at "
            f"{collection}[{negative}] ({describe_entry(items[negative])}): rules that ask "
            "about it stay unknown until one of them is corrected", "warning"))
    return problems


def _unplaced_names(profile: PatientProfile, vocabulary: Vocabulary) -> Iterable[
        tuple[str, tuple[str | int, ...], str]]:
    """Each present entry named by a name the vocabulary does not know, when screening cannot
    place it: it has no category (so every rule asking about a category of its list stays
    unknown), or its name is a near miss of a known one (`edavarone`: a rule asking for
    edaravone by name does not find it). (list, path in the list, message)."""
    for name, collection in vocabulary.collections.items():
        spellings = {spelling: concept.key for spelling, concept in collection.concepts.items()}
        for index, entry in enumerate(getattr(profile, name).items):
            written = entry.name
            if (written is None or entry.status == "absent"
                    or collection.concept(written) is not None
                    or normalise_name(written) in collection.category_names
                    or (entry.codes and collection.thing_named(None, entry.codes) is not None)):
                continue
            near = difflib.get_close_matches(normalise_name(written), list(spellings), n=1,
                                             cutoff=0.75)
            hint = f" (did you mean {spellings[near[0]]!r}?)" if near else ""
            if entry.category is None and not entry.codes:
                yield name, (index, "name"), (
                    f"{written!r} is not a name the vocabulary knows{hint}: give its category "
                    f"(or category: other), or rules asking about a category of {name} stay "
                    "unknown")
            elif near:
                yield name, (index, "name"), (
                    f"{written!r} is not a name the vocabulary knows{hint}: a rule asking for "
                    f"{spellings[near[0]]} by name does not find it")


def _unread_dosing(profile: PatientProfile, vocabulary: Vocabulary) -> Iterable[
        tuple[str, tuple[str | int, ...], str]]:
    """Each dose unit and frequency of a medication list that the vocabulary does not know:
    (list, path in the list, message)."""
    units = ", ".join(vocabulary.dose_units)
    spellings = sorted(vocabulary.frequencies)
    for name, collection in vocabulary.collections.items():
        if not collection.dosing:
            continue
        for index, entry in enumerate(getattr(profile, name).items):
            regimens = [((index,), entry), *(((index, "doses", number), dose) for number, dose
                                             in enumerate(getattr(entry, "doses", ())))]
            for at, regimen in regimens:
                unit, frequency = getattr(regimen, "unit", None), getattr(regimen, "frequency",
                                                                          None)
                if unit is not None and unit not in vocabulary.dose_units:
                    yield name, (*at, "unit"), (
                        f"dose unit {shown(unit)} is not one the engine reads ({units}): give "
                        "the dose of one intake with its frequency (50 mg, twice daily); rules "
                        "about the daily dose stay unknown")
                if frequency is not None and (
                        normalise_name(frequency) not in vocabulary.frequencies):
                    hint = (_same_count_spelling(normalise_name(frequency), spellings)
                            or " (once daily, twice daily, bid, ...)")
                    yield name, (*at, "frequency"), (
                        f"frequency {shown(frequency)} is not one the engine reads{hint}: "
                        "rules about the daily dose stay unknown")


def _same_count_spelling(written: str, spellings: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for a misspelt frequency, among the spellings holding the same
    numbers only: '5x daily' is not a typo of 'daily', and suggesting it would change the
    daily dose."""
    numbers = re.findall(r"\d+", written)
    return closest(written, [spelling for spelling in spellings
                             if re.findall(r"\d+", spelling) == numbers])


def _typo_of(ident: str, known: Iterable[str]) -> str:
    """` (did you mean 'NCT06910384'?)` for an id one or two characters off a known one of the
    same length (registry ids differ only in digits, so a fuzzier match would take any id for a
    typo of any other)."""
    for other in known:
        if len(other) == len(ident) and 0 < sum(a != b for a, b in zip(
                other, ident, strict=True)) <= 2:
            return f" (did you mean {other!r}?)"
    return ""


def _looks_like_a_profile(path: Path) -> bool:
    text = peek_text(path)
    return text is not None and not is_rule_file(path) and any(
        line.startswith("id:") for line in text.splitlines())


def is_vocabulary_file(path: Path | str) -> bool:
    """Whether a YAML file is a vocabulary file (a `vocabulary:` key at the top)."""
    text = peek_text(Path(path))
    return text is not None and any(line.startswith("vocabulary:") for line in text.splitlines())


def trials_vocabulary(trials: Iterable[Trial]) -> Vocabulary:
    """One vocabulary holding every fact the trials were read with, for their profiles."""
    return DEFAULT.combined(trial.vocabulary for trial in trials)


def is_rule_file(path: Path | str) -> bool:
    """Whether a YAML file looks like a rule file (a `trial:` or `criteria:` key at the top)
    rather than a patient profile; unreadable files count as profiles."""
    text = peek_text(Path(path))
    return text is not None and any(
        line.startswith(("trial:", "criteria:")) for line in text.splitlines())


def _far_ahead(screening: dt.date | None, today: dt.date | None) -> bool:
    """Whether a profile's screening date is more than a year after today: a typo (2062 for
    2026) that would make every other date in the profile look years old."""
    return screening is not None and today is not None and (screening - today).days > 366


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
