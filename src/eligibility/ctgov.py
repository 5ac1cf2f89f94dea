"""Turn a ClinicalTrials.gov API v2 study record into a rule-file skeleton to curate.

Public API (the `import` command is built on these three):

`read_studies(text, file) -> tuple[Study, ...]`
    The studies in a single-study record (the JSON of `/api/v2/studies/<NCT>`) or a search
    response (`{"studies": [...]}`). Raises `InputError` listing every problem at its line and
    column: invalid JSON, a value that is not a study, a study without an NCT id, a field of
    the wrong type.
`parse_criteria(text) -> tuple[list[Bullet], list[Bullet]]`
    The free-text `eligibilityCriteria` as (inclusion, exclusion) bullets.
`rule_file_text(study) -> str`
    The YAML of `rules/<NCT>.yaml`: the registry's metadata; each free-text bullet as a
    criterion I1.., E1.. with its verbatim text and a placeholder judgment marked
    `needs_curation`; the registry's age and sex limits as computable criteria S1, S2, ..
    Written to `<NCT>.yaml` it loads with `load_trial`.

`Study` (frozen) holds what a rule file needs, spelt as the registry spells it: ids, titles,
status, phases, lead sponsor, last update and data version, age limits ("18 Years"), sex,
healthy volunteers, conditions, the criteria text and its bullets, headers and notes. `Bullet`
(frozen) is one criterion's verbatim `text`, the `line` it starts on and its `section` header.

Registry limits: an age in years, months, weeks (times 7) or days becomes a check on `age`,
`age_months` or `age_days`, `at_least` for the minimum and `at_most` for the maximum (75 Years
admits everyone through age 75); "N/A", a minimum of 0 or a maximum beyond the fact's range
add nothing; hours, minutes or odd text become a judgment to curate. Sex FEMALE or MALE is a
check; no healthy volunteers is a judgment on the condition under study. Phase "NA" is no
phase; a status outside the trial statuses (expanded access) is written UNKNOWN, with a comment.

How the free text is read, CommonMark-like:

- "Inclusion Criteria:" or "Exclusion Criteria:" on a line of its own starts a section, also
  "Key Inclusion Criteria:", any case, "Inclusion:", "INCLUSION CRITERIA" without a colon, and
  "Inclusion Criteria for Part A:" (the header is kept as a comment above its criteria).
- Each top-level item is one criterion: a `*`, `-` or `+` bullet, a numbered `1.` or `1)`
  item, or a paragraph. An item indented two or more spaces beyond the item above belongs to
  it: the parent's text keeps it on a line of its own with its marker, indented two spaces per
  level, so nothing is lost. Continuation lines join their item with one space.
- Backslash escapes (`\\>=`) are undone and HTML character references decoded (`&ge;`,
  `&#8805;`; one naming a control character stays as written); items with no letter or digit
  (a stray "-") dropped.
- With no header at all, every item is an inclusion criterion, and the file says so. With
  headers, bullets before the first are inclusion criteria and paragraphs before it are notes,
  kept as comments.
- Criteria are written in the order of the record: sections repeated for parts of a trial
  ("Inclusion Criteria for Part A:", "Exclusion Criteria for Part A:", "... Part B:") stay in
  that order, numbered I1.. and E1.. across them.
- A group label, a short line of its own ending with a colon followed by items ("For parent
  participants:"), is no criterion: it is a comment above the items under it, and each of
  their questions starts with it, until the next label or section. A lead-in to alternatives
  ("must meet one of the following:") stays a criterion.
- Closing paragraphs that disclaim ("not intended to contain all considerations", "other
  protocol-defined criteria may apply") are comments, not criteria.

Limits: a record's criteria text is read up to MAX_CRITERIA_TEXT characters and MAX_CRITERIA
criteria, none longer than a rule file's text may be (`reading.MAX_TEXT`); a registry file up to
MAX_REGISTRY_BYTES, nested at most `reading.MAX_DEPTH` levels. Over a limit, the study is a
problem and nothing is written.
"""

from __future__ import annotations

import bisect
import datetime as dt
import html
import json
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import yaml

from .loading import InputError, Problem
from .reading import MAX_DEPTH, MAX_TEXT
from .rules import OverallStatus
from .source import SourceSpan, describe_path
from .vocabulary import FACTS

__all__ = [
    "LONGEST_FIELD",
    "MAX_CRITERIA",
    "MAX_CRITERIA_TEXT",
    "MAX_REGISTRY_BYTES",
    "Bullet",
    "Study",
    "parse_criteria",
    "read_studies",
    "rule_file_text",
]

MAX_REGISTRY_BYTES = 20 * 1024 * 1024
"""The largest registry file read: a study is tens of KB, a search page of 100 a few MB; 20 MB
of JSON holds at most a few hundred MB once read."""
MAX_CRITERIA_TEXT = 100_000
"""The longest eligibility criteria text of one study read, in characters."""
MAX_CRITERIA = 500
"""The most criteria one study's free text may give (real records give up to a hundred or so)."""
LONGEST_FIELD = 1_000
"""The longest text read from a registry field other than the criteria (titles run to a few
hundred characters, ages and statuses to a few)."""

Kind = Literal["inclusion", "exclusion"]
Path = tuple[str | int, ...]

GUIDANCE = "Imported from ClinicalTrials.gov; replace with a computable rule where one exists."
_NCT = re.compile(r"NCT\d{8}")
_SEXES = ("ALL", "FEMALE", "MALE")
_STATUSES: tuple[str, ...] = get_args(OverallStatus)


@dataclass(frozen=True)
class Bullet:
    """One criterion of the free text, nested items included in its verbatim text."""

    text: str
    line: int  # where the item starts in eligibilityCriteria, 1-based
    section: str | None  # its header as written ("Key Inclusion Criteria:"), None if none
    scope: str | None = None  # the group label it stands under ("For parent participants:")


@dataclass(frozen=True)
class Study:
    """What a rule file needs from one registry record; registry spellings kept as written."""

    nct_id: str
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    status: str | None = None  # overallStatus: RECRUITING, WITHDRAWN, ...
    phases: tuple[str, ...] = ()  # PHASE1, PHASE2, NA, ...
    sponsor: str | None = None  # the lead sponsor's name
    last_update: dt.date | None = None  # lastUpdatePostDate
    version: str | None = None  # derivedSection.miscInfoModule.versionHolder
    minimum_age: str | None = None  # "18 Years", "6 Months", "N/A"
    maximum_age: str | None = None
    sex: str | None = None  # ALL, FEMALE or MALE
    healthy_volunteers: bool | None = None
    conditions: tuple[str, ...] = ()
    criteria_text: str | None = None  # eligibilityCriteria, verbatim
    inclusion: tuple[Bullet, ...] = ()
    exclusion: tuple[Bullet, ...] = ()
    headers: tuple[str, ...] = ()  # section headers, as written, in order
    notes: tuple[str, ...] = ()  # paragraphs before the first header
    closing: tuple[str, ...] = ()  # a closing disclaimer ("not intended to contain all ...")

    @property
    def title(self) -> str:
        return self.official_title or self.brief_title or self.nct_id


# Reading the JSON record


def read_studies(text: str, file: str) -> tuple[Study, ...]:
    """Every study in a ClinicalTrials.gov API v2 study record or search response."""
    text = text.removeprefix("\ufeff")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        span = SourceSpan(file, error.lineno, error.colno)
        raise InputError([Problem(span, "", f"invalid JSON: {error.msg}")]) from None
    except RecursionError:
        value = None  # nested too deeply: said below, where
    source = _Source(text, file)
    deep = _too_deep(text)
    if deep is not None:
        raise InputError([source.at(deep, f"values nested more than {MAX_DEPTH} levels deep (a "
                                    "registry record nests a handful)")])
    problems: list[Problem] = []
    studies: list[Study] = []
    first: dict[str, Path] = {}
    for path, record in _records(value, source, problems):
        if len(problems) > _MOST_PROBLEMS:
            break  # enough to fix first: the rest is not read
        study = _study(_Fields(record, path, source, problems))
        if study is None:
            continue
        if study.nct_id in first:
            problems.append(source.problem(path, f"{study.nct_id} is also at "
                                           f"{describe_path(first[study.nct_id])} (give each "
                                           "study once)"))
            continue
        first[study.nct_id] = path
        studies.append(study)
    if problems:
        raise InputError(_first_problems(list(dict.fromkeys(problems))))
    return tuple(studies)


_MOST_PROBLEMS = 100
_HALF_CHARACTER = re.compile("[\ud800-\udfff]")


def _first_problems(problems: list[Problem]) -> list[Problem]:
    """The first problems in file order, and one saying that more follow: a file with
    thousands of wrong studies needs its first fixes, not a screenful per study."""
    problems.sort()
    if len(problems) <= _MOST_PROBLEMS:
        return problems
    rest = problems[_MOST_PROBLEMS]
    return [*problems[:_MOST_PROBLEMS],
            Problem(rest.span, "", f"more problems from here on: after {_MOST_PROBLEMS} the "
                    "rest of the file is not checked (fix the ones above first)")]


# A JSON string (skipped: brackets inside it do not count) or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _too_deep(text: str) -> int | None:
    """Where a JSON text first nests more than MAX_DEPTH levels, or None."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        bracket = token[0]
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return token.start()
        elif bracket in "]}":
            depth -= 1
    return None


class _Source:
    """The JSON text being read, to place a problem where the value it is about starts."""

    def __init__(self, text: str, file: str) -> None:
        self.text, self.file = text, file
        self._inside: dict[int, dict[str | int, int]] = {}  # a container's children's starts
        self._lines: list[int] | None = None  # where each line starts, once a problem is placed

    def problem(self, path: Path, message: str) -> Problem:
        return Problem(self.at(self._offset(path), "").span, describe_path(path), message)

    def at(self, offset: int, message: str) -> Problem:
        if self._lines is None:
            self._lines = [0, *(found.end() for found in re.finditer("\n", self.text))]
        line = bisect.bisect_right(self._lines, offset)
        column = offset - self._lines[line - 1] + 1
        return Problem(SourceSpan(self.file, line, column), "", message)

    def _offset(self, path: Path) -> int:
        """Where the value at `path` starts in the valid JSON text (its nearest container's
        start when the path leads nowhere); each container is scanned once, however many
        problems are placed in it."""
        at = _SPACE.match(self.text, 0).end()  # type: ignore[union-attr]  # always matches
        for step in path:
            found = self._children(at).get(step)
            if found is None:
                break
            at = found
        return at

    def _children(self, at: int) -> dict[str | int, int]:
        """Where each member or item of the container starting at `at` starts."""
        if at in self._inside:
            return self._inside[at]
        text, decoder, found = self.text, json.JSONDecoder(), {}
        opening, closing = text[at], "}" if text[at] == "{" else "]"
        if opening in "{[":
            cursor, index = _skip(text, at + 1), 0
            while text[cursor] != closing:
                if opening == "{":
                    key, cursor = decoder.raw_decode(text, cursor)
                    cursor = _skip(text, _skip(text, cursor) + 1)  # past the colon
                    found[key] = cursor  # like json.loads, the last of repeated keys wins
                else:
                    found[index] = cursor
                _, cursor = decoder.raw_decode(text, cursor)
                cursor, index = _skip(text, cursor), index + 1
                if text[cursor] == ",":
                    cursor = _skip(text, cursor + 1)
        self._inside[at] = found
        return found


_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]  # always matches


def _records(value: Any, source: _Source, problems: list[Problem]) -> (
        list[tuple[Path, Mapping[str, Any]]]):
    """The study objects in a parsed document, each with its path."""
    if isinstance(value, Mapping) and "protocolSection" in value:
        return [((), value)]
    if not (isinstance(value, Mapping) and "studies" in value):
        problems.append(source.problem((), _not_a_study(value)))
        return []
    studies = value["studies"]
    if not isinstance(studies, list):
        problems.append(source.problem(("studies",),
                                       f"expected a list of studies, got {_kind(studies)}"))
        return []
    if not studies:
        problems.append(source.problem(("studies",), "the search response has no studies "
                                       "(nothing to import)"))
    records: list[tuple[Path, Mapping[str, Any]]] = []
    for index, record in enumerate(studies):
        if isinstance(record, Mapping) and "protocolSection" in record:
            records.append((("studies", index), record))
        elif len(problems) <= _MOST_PROBLEMS:
            problems.append(source.problem(("studies", index), _not_a_study(record)))
    return records


def _not_a_study(value: Any) -> str:
    if isinstance(value, Mapping) and {"FullStudiesResponse", "FullStudy",
                                       "StudyFieldsResponse"} & set(value):
        return ("this is an API v1 record; download the study from API v2 "
                "(https://clinicaltrials.gov/api/v2/studies/<NCT id>)")
    got = "an object without protocolSection" if isinstance(value, Mapping) else _kind(value)
    return ("expected a ClinicalTrials.gov API v2 study (an object with protocolSection) or "
            f"a search response (an object with studies), got {got}")


def _kind(value: Any) -> str:
    """A JSON value's kind as a reader names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({value!r})"
    return "a list" if isinstance(value, list) else "an object"


@dataclass(frozen=True)
class _Fields:
    """Typed access to one study's fields; a field of the wrong kind is a problem."""

    record: Mapping[str, Any]
    path: Path
    source: _Source
    problems: list[Problem]

    def get(self, keys: Sequence[str], expected: type, name: str, *,
            longest: int | None = LONGEST_FIELD) -> Any:
        node: Any = self.record
        for depth, key in enumerate(keys):
            if not isinstance(node, Mapping):
                self.report(keys[:depth], f"expected an object, got {_kind(node)}")
                return None
            node = node.get(key)
            if node is None:
                return None
        if not isinstance(node, expected) or (isinstance(node, bool) and expected is not bool):
            self.report(keys, f"expected {name}, got {_kind(node)}")
            return None
        if isinstance(node, str) and not self.is_text(keys, node, longest):
            return None
        return node

    def text(self, *keys: str) -> str | None:
        value = self.get(keys, str, "text")
        return value.strip() or None if isinstance(value, str) else None

    def texts(self, *keys: str) -> tuple[str, ...]:
        values = self.get(keys, list, "a list of text") or []
        texts = []
        for index, value in enumerate(values):
            if not isinstance(value, str):
                self.report((*keys, index), f"expected text, got {_kind(value)}")
            elif self.is_text((*keys, index), value, LONGEST_FIELD):
                texts.append(value)
        return tuple(texts)

    def is_text(self, keys: Sequence[str | int], value: str, longest: int | None) -> bool:
        """Whether a JSON string is text a rule file can hold: at most `longest` characters,
        and no `\\ud800` escape alone, which decodes to half of a character (a rule file
        written with it would not load)."""
        if longest is not None and len(value) > longest:
            self.report(keys, f"a text of {len(value):,} characters: this field is read up to "
                        f"{longest:,} (is this a registry record?)")
            return False
        half = _HALF_CHARACTER.search(value)
        if half is None:
            return True
        self.report(keys, f"the escape \\u{ord(half[0]):04x} at character {half.start() + 1} "
                    "is half of a character (a lone surrogate), not text; fix the record")
        return False

    def report(self, keys: Sequence[str | int], message: str) -> None:
        self.problems.append(self.source.problem((*self.path, *keys), message))


def _study(fields: _Fields) -> Study | None:
    """The study in one record, or None when it has no usable NCT id (a problem then)."""
    ident = ("protocolSection", "identificationModule")
    status = ("protocolSection", "statusModule")
    eligibility = ("protocolSection", "eligibilityModule")
    nct_id = fields.text(*ident, "nctId")
    if nct_id is None:
        fields.report((*ident, "nctId"), "missing NCT id (every study needs one)")
    elif not _NCT.fullmatch(nct_id):
        fields.report((*ident, "nctId"), f"{nct_id!r} is not an NCT id (NCT and 8 digits)")
    sex = fields.text(*eligibility, "sex")
    if sex is not None and sex not in _SEXES:
        fields.report((*eligibility, "sex"), f"unknown sex {sex!r} (expected ALL, FEMALE or "
                      "MALE)")
    updated = fields.text(*status, "lastUpdatePostDateStruct", "date")
    try:
        last_update = dt.date.fromisoformat(updated) if updated else None
    except ValueError:
        fields.report((*status, "lastUpdatePostDateStruct", "date"),
                      f"expected a date (YYYY-MM-DD), got {updated!r}")
        last_update = None
    text = fields.get((*eligibility, "eligibilityCriteria"), str, "text", longest=None)
    criteria = _criteria_within_limits(fields, (*eligibility, "eligibilityCriteria"), text)
    if nct_id is None or not _NCT.fullmatch(nct_id):
        return None
    return Study(
        nct_id=nct_id,
        brief_title=fields.text(*ident, "briefTitle"),
        official_title=fields.text(*ident, "officialTitle"),
        acronym=fields.text(*ident, "acronym"),
        status=fields.text(*status, "overallStatus"),
        phases=fields.texts("protocolSection", "designModule", "phases"),
        sponsor=fields.text("protocolSection", "sponsorCollaboratorsModule", "leadSponsor",
                            "name"),
        last_update=last_update,
        version=fields.text("derivedSection", "miscInfoModule", "versionHolder"),
        minimum_age=fields.text(*eligibility, "minimumAge"),
        maximum_age=fields.text(*eligibility, "maximumAge"),
        sex=sex if sex in _SEXES else None,
        healthy_volunteers=fields.get((*eligibility, "healthyVolunteers"), bool,
                                      "true or false"),
        conditions=fields.texts("protocolSection", "conditionsModule", "conditions"),
        criteria_text=text,
        inclusion=criteria.inclusion,
        exclusion=criteria.exclusion,
        headers=criteria.headers,
        notes=criteria.notes,
        closing=criteria.closing,
    )


def _criteria_within_limits(fields: _Fields, keys: tuple[str, ...], text: str | None) -> (
        _Criteria):
    """The criteria of the free text, or none (and a problem) when the text is longer than
    MAX_CRITERIA_TEXT, gives more than MAX_CRITERIA criteria, or one longer than a rule file's
    text may be: such a record would make a rule file nobody can curate, or read."""
    if text is not None and len(text) > MAX_CRITERIA_TEXT:
        fields.report(keys, f"the criteria text has {len(text):,} characters; at most "
                      f"{MAX_CRITERIA_TEXT:,} are imported (is this a registry record?)")
        return _read_criteria("")
    criteria = _read_criteria(text or "")
    bullets = (*criteria.inclusion, *criteria.exclusion)
    if len(bullets) > MAX_CRITERIA:
        fields.report(keys, f"the criteria text gives {len(bullets):,} criteria; at most "
                      f"{MAX_CRITERIA:,} are imported (is this a registry record?)")
        return _read_criteria("")
    for bullet in bullets:
        if len(bullet.text) > MAX_TEXT:
            fields.report(keys, f"the criterion at line {bullet.line} of the criteria text has "
                          f"{len(bullet.text):,} characters; a rule file's text may hold at "
                          f"most {MAX_TEXT:,}")
            return _read_criteria("")
    return criteria


# Reading the free text


def parse_criteria(text: str) -> tuple[list[Bullet], list[Bullet]]:
    """The free-text eligibility criteria as (inclusion, exclusion) bullets, in order."""
    criteria = _read_criteria(text)
    return list(criteria.inclusion), list(criteria.exclusion)


@dataclass(frozen=True)
class _Criteria:
    inclusion: tuple[Bullet, ...]
    exclusion: tuple[Bullet, ...]
    headers: tuple[str, ...]
    notes: tuple[str, ...]
    closing: tuple[str, ...] = ()


_BULLET = re.compile(r"(?P<indent> *)(?P<marker>[*+•-]|\d{1,9}[.)])(?: +(?P<text>.*)|)")
_HEADER = re.compile(
    r"(?:(?:key|main|major|general|principal|primary|additional|other|specific)\s+)*"
    r"(?:(?P<kind>inclusion|exclusion)(?P<criteria>\s+criteri(?:a|on))?"
    r"|criteria\s+for\s+(?P<kind_for>inclusion|exclusion))\b",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"^[\s#*_]+|[\s*_]+$")  # markdown heading, bold and italic marks
# A CommonMark backslash escape (any ASCII punctuation), or an HTML character reference with
# its semicolon (`&ge;`, `&#8805;`, `&#x2265;`); an escaped `\&` starts no reference.
_ESCAPE = re.compile(r"\\(?P<escaped>[!-/:-@\[-`{-~])"
                     r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _unescape(match: re.Match[str]) -> str:
    """What an escape or a character reference stands for; a reference to a control
    character, or to no character, stays as written, and one to a space is a space."""
    if match["escaped"] is not None:
        return match["escaped"]
    character = html.unescape(match[0])
    if character.isspace():
        return " "
    return character if character and character.isprintable() else match[0]


@dataclass
class _Item:
    """A list item (or a paragraph, marker '') while it is read: text and nested items."""

    marker: str
    indent: int
    line: int
    parts: list[str | _Item] = field(default_factory=list)

    def add_text(self, text: str) -> None:
        if self.parts and isinstance(self.parts[-1], str):
            self.parts[-1] = f"{self.parts[-1]} {text}".strip()
        else:
            self.parts.append(text)

    def has_words(self) -> bool:
        return any(part.has_words() if isinstance(part, _Item) else
                   any(char.isalnum() for char in part) for part in self.parts)

    def lines(self, depth: int = 0) -> list[str]:
        """The verbatim text: nested items on their own lines, two spaces per level."""
        lead = f"{'  ' * depth}{self.marker} " if depth else ""
        follow = " " * len(lead)
        lines: list[str] = []
        for part in self.parts:
            if isinstance(part, _Item):
                if part.has_words():
                    lines += part.lines(depth + 1)
            elif part:
                lines.append((follow if lines else lead) + _ESCAPE.sub(_unescape, part))
        return lines


@dataclass
class _Block:
    kind: Kind | None  # None before the first header
    header: str | None
    item: _Item


class _Reader:
    """Reads the criteria text line by line into top-level blocks, tracking open items."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self.open: list[_Item] = []  # the item being read and its ancestors, outermost first
        self.kind: Kind | None = None
        self.header: str | None = None
        self.headers: list[str] = []
        self.after_blank = True

    def read(self, number: int, line: str) -> None:
        if not line.strip():
            self.after_blank = True
            return
        header = _header(line, after_blank=self.after_blank)
        if header is not None:
            self.kind, self.header, rest = header
            self.headers.append(self.header)
            self.open = []
            if rest:
                self.start(_Item("", 0, number, [rest]))
        elif not self.bullet(number, line):
            self.text(number, line)
        self.after_blank = False

    def start(self, item: _Item) -> None:
        if self.open:
            self.open[-1].parts.append(item)
        else:
            self.blocks.append(_Block(self.kind, self.header, item))
        self.open.append(item)

    def bullet(self, number: int, line: str) -> bool:
        match = _BULLET.fullmatch(line)
        if match is None:
            return False
        indent, marker = len(match["indent"]), match["marker"]
        if (marker[:-1].isdigit() and int(marker[:-1]) != 1 and not self.after_blank
                and self.open and not self.continues_list(marker, indent)):
            return False  # "2019. Then ..." wraps a sentence: only 1. can start a list here
        while self.open and indent < self.open[-1].indent + 2:
            self.open.pop()
        self.start(_Item(marker, indent, number, [(match["text"] or "").strip()]))
        return True

    def continues_list(self, marker: str, indent: int) -> bool:
        return any(item.marker[:-1].isdigit() and item.marker[-1] == marker[-1]
                   and abs(item.indent - indent) < 2 for item in self.open)

    def text(self, number: int, line: str) -> None:
        indent = len(line) - len(line.lstrip(" "))
        if self.open and not self.after_blank:
            self.open[-1].add_text(line.strip())  # a continuation line
            return
        for depth in range(len(self.open) - 1, -1, -1):
            if indent >= self.open[depth].indent + 2:  # a later paragraph of this item
                del self.open[depth + 1:]
                self.open[depth].add_text(line.strip())
                return
        self.open = []
        self.start(_Item("", indent, number, [line.strip()]))


def _header(line: str, *, after_blank: bool) -> tuple[Kind, str, str] | None:
    """(kind, header as written, text after its colon) when `line` starts a section.

    Without a colon, or with text after it, a header must stand after a blank line or start
    with a capital, so a wrapped "... the\\nexclusion criteria" stays text.
    """
    bullet = _BULLET.fullmatch(line)
    words = _EMPHASIS.sub("", (bullet["text"] or "") if bullet else line)
    match = _HEADER.match(words)
    if match is None:
        return None
    qualifier, colon, rest = words[match.end():].partition(":")
    qualifier, rest = qualifier.strip(" *_"), rest.strip(" *_")
    named = bool(match["criteria"] or match["kind_for"])
    if qualifier and not (named and colon and not rest and len(qualifier) <= 80):
        return None  # "Inclusion in another study", "Exclusion criteria apply to ..."
    if bullet and rest:
        return None
    if not bullet and (rest or not colon) and not (after_blank or words[0].isupper()):
        return None
    kind: Kind = "inclusion" if (match["kind"] or match["kind_for"]).lower() == (
        "inclusion") else "exclusion"
    header = f"{match[0]} {qualifier}".strip() + colon
    return kind, header, rest


def _read_criteria(text: str) -> _Criteria:
    reader = _Reader()
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n")
                                  .split("\n"), start=1):
        reader.read(number, line.expandtabs(4))
    blocks = [block for block in reader.blocks if block.item.has_words()]
    closing = _closing_disclaimers(blocks)
    found: dict[Kind, list[Bullet]] = {"inclusion": [], "exclusion": []}
    notes: list[str] = []
    scope: tuple[str | None, str] | None = None  # (section, label) of the group being read
    for index, block in enumerate(blocks):
        if block.kind is None and reader.headers and not block.item.marker:
            notes.append("\n".join(block.item.lines()))
            continue
        kind = block.kind or "inclusion"
        label = _group_label(block, blocks[index + 1:index + 2])
        if label is not None:
            scope = (block.header, label)
            for item in _nested(block.item):  # items indented under the label
                found[kind].append(Bullet("\n".join(item.lines()), item.line, block.header,
                                          label))
            continue
        if scope is not None and scope[0] != block.header:
            scope = None  # a group ends with its section
        found[kind].append(Bullet("\n".join(block.item.lines()), block.item.line,
                                  block.header, scope[1] if scope else None))
    return _Criteria(tuple(found["inclusion"]), tuple(found["exclusion"]),
                     tuple(reader.headers), tuple(notes), closing)


# A group label: a short line of its own ending with a colon ("For parent participants:",
# "Cohort B (healthy adults):"), not a lead-in to a list of alternatives.
_LABEL = re.compile(r"[A-Za-z][^:.;!?]{0,78}:")
_LEAD_IN = re.compile(r"\b(?:following|below|must|should|shall|will|meets?|either|one of|any "
                      r"of|at least|includes?|including|such as|e\.g|i\.e)\b", re.IGNORECASE)


def _group_label(block: _Block, after: Sequence[_Block]) -> str | None:
    """The label a paragraph gives the items under it or after it, or None.

    A label is a paragraph of one short line ending with a colon, in a section, followed by
    items: indented under it, or a marked item next.
    """
    item = block.item
    texts = [part for part in item.parts if isinstance(part, str) and part]
    if item.marker or block.kind is None or len(texts) != 1:
        return None
    words = _EMPHASIS.sub("", texts[0])
    if not _LABEL.fullmatch(words) or len(words.split()) > 10 or _LEAD_IN.search(words):
        return None
    followed = bool(_nested(item)) or bool(after and after[0].item.marker and
                                           after[0].header == block.header)
    return _ESCAPE.sub(_unescape, words) if followed else None


def _nested(item: _Item) -> list[_Item]:
    return [part for part in item.parts if isinstance(part, _Item) and part.has_words()]


# The closing paragraph many records end with: not a criterion, kept as a comment.
_DISCLAIMER = re.compile(
    r"not (?:intended|meant) to|not (?:an? )?(?:exhaustive|complete|full) list|may not be "
    r"(?:a )?(?:complete|exhaustive)|(?:other|additional|further) (?:protocol[- ](?:defined|"
    r"specific) )?(?:inclusion|exclusion|eligibility)(?:/exclusion)? criteria (?:may|might|"
    r"will|could) apply|for more information|please contact", re.IGNORECASE)


def _closing_disclaimers(blocks: list[_Block]) -> tuple[str, ...]:
    """Take the paragraphs at the very end that disclaim rather than state a criterion (after
    at least one marked item of their section) off `blocks`, in order."""
    closing: list[str] = []
    while len(blocks) > 1:
        last = blocks[-1]
        text = "\n".join(last.item.lines())
        items_before = any(block.item.marker and block.header == last.header
                           for block in blocks[:-1])
        if last.item.marker or _nested(last.item) or not items_before or not (
                _DISCLAIMER.search(text)):
            break
        closing.insert(0, text)
        blocks.pop()
    return tuple(closing)


# Writing the rule file


def rule_file_text(study: Study) -> str:
    """The YAML of `rules/<NCT>.yaml`: metadata, then every criterion, to be curated."""
    criteria = [*_bullet_criteria(study), *_registry_criteria(study)]
    if not criteria:
        criteria = [_criterion("I1", "inclusion", "(No eligibility criteria in the registry "
                               "record.)", rule=_judgment("Does the patient meet the trial's "
                                                          "eligibility criteria, as the "
                                                          "protocol states them?", GUIDANCE),
                               curate=True)]
    lines = [*_preamble(study), "trial:", *_trial(study), "", "criteria:"]
    for criterion in criteria:
        lines += [*criterion, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _preamble(study: Study) -> list[str]:
    when = study.last_update.isoformat() if study.last_update else "an unknown date"
    version = f" (registry data version {study.version})" if study.version else ""
    lines = ["# yaml-language-server: $schema=../docs/schema/rules.schema.json"]
    lines += _comment(
        f"Generated from the ClinicalTrials.gov record {study.nct_id} as last updated on "
        f"{when}{version}. A skeleton that must be curated: each criterion marked "
        "needs_curation holds a placeholder judgment; replace it with a computable rule where "
        "one exists, say how vague text was read in `reading:`, then remove needs_curation.")
    for remark in _remarks(study):
        lines += _comment(remark)
    if study.notes:
        lines += _comment("Text before the first section header of the record:")
        for note in study.notes:
            lines += _comment(note, indent="  ")
    if study.closing:
        lines += _comment("Text closing the record's criteria, not read as a criterion:")
        for note in study.closing:
            lines += _comment(note, indent="  ")
    return lines


def _remarks(study: Study) -> Iterable[str]:
    """What a curator should know about how the record was read."""
    if study.status not in _STATUSES:
        yield (f"The registry's overall status {study.status!r} is not a trial status this "
               "project knows; written as UNKNOWN." if study.status else
               "The record has no overall status; written as UNKNOWN.")
    if not (study.criteria_text or "").strip():
        yield "The record has no eligibility criteria text; only its structured fields are read."
        return
    if not study.headers and (study.inclusion or study.exclusion):
        yield ("The criteria text has no Inclusion or Exclusion header: every item is read as "
               "an inclusion criterion. Move any exclusion to kind: exclusion by hand.")
        return
    before = sum(bullet.section is None for bullet in study.inclusion)
    if before:
        yield (f"{before} item(s) before the first section header are read as inclusion "
               "criteria.")
    for kind, bullets in (("inclusion", study.inclusion), ("exclusion", study.exclusion)):
        if not bullets:
            yield f"The record lists no {kind} criteria."
    partial = [header for header in study.headers
               if re.match(r"(?:key|main|major|principal)\b", header, re.IGNORECASE)]
    if partial:
        yield (f"The record gives only some criteria ({', '.join(map(repr, partial))}); the "
               "full protocol may list more.")


def _trial(study: Study) -> list[str]:
    phases = [phase for phase in study.phases if phase != "NA"]
    values: dict[str, Any] = {
        "id": study.nct_id,
        "title": study.title,
        "short_name": study.acronym,
        "phase": ", ".join(phases) or None,
        "overall_status": study.status if study.status in _STATUSES else "UNKNOWN",
        "sponsor": study.sponsor,
        "last_update": study.last_update,
        "source": f"https://clinicaltrials.gov/study/{study.nct_id}",
        "minimum_age": study.minimum_age,
        "maximum_age": study.maximum_age,
        "sex": study.sex,
        "healthy_volunteers": study.healthy_volunteers,
    }
    return [line for key, value in values.items() for line in _entry(key, value, 2)]


def _bullet_criteria(study: Study) -> list[list[str]]:
    """Each free-text bullet as a criterion to curate, in the order of the record (sections
    repeated for parts of a trial stay where they are), numbered I1.. and E1.. by kind; a
    section header or group label is a comment above the first criterion under it."""
    tagged: list[tuple[Kind, Bullet]] = [*(("inclusion", bullet) for bullet in study.inclusion),
                                         *(("exclusion", bullet) for bullet in study.exclusion)]
    criteria: list[list[str]] = []
    counts: dict[Kind, int] = {"inclusion": 0, "exclusion": 0}
    section: str | None = None
    scope: str | None = None
    for kind, bullet in sorted(tagged, key=lambda pair: pair[1].line):
        heading: list[str] = []
        if bullet.section is not None and bullet.section != section:
            heading, scope = _comment(bullet.section, prefix="  "), None
        if bullet.scope is not None and bullet.scope != scope:
            heading += _comment(bullet.scope, prefix="  ")
        section, scope = bullet.section, bullet.scope
        counts[kind] += 1
        ident = f"{'I' if kind == 'inclusion' else 'E'}{counts[kind]}"
        criteria.append([*heading, *_criterion(ident, kind, bullet.text,
                                               rule=_judgment(_question(kind, bullet), GUIDANCE),
                                               curate=True)])
    return criteria


def _question(kind: Kind, bullet: Bullet) -> str:
    """The placeholder judgment's question: the criterion's text, in its group if it has one
    (the text above when it is too long to repeat within a rule file's limit)."""
    flat = " ".join(bullet.text.split()).rstrip(" .;:,?")
    if len(flat) > MAX_TEXT - 200:
        flat = "its text above"
    scope = f"{bullet.scope} " if bullet.scope else ""
    asked = "does the patient meet this criterion" if kind == "inclusion" else (
        "does this apply to the patient")
    question = f"{scope}{asked}: {flat}?"
    return question[0].upper() + question[1:]


def _registry_criteria(study: Study) -> list[list[str]]:
    """The structured limits as criteria S1, S2, ..: age, sex, healthy volunteers."""
    found: list[tuple[str, list[str], str | None, bool]] = []  # text, rule, reading, curate
    for bound, age in (("minimum", study.minimum_age), ("maximum", study.maximum_age)):
        if age is not None and (limit := _age_limit(bound, age)) is not None:
            found.append((f"Registry eligibility: {bound} age {age}.", *limit))
    if study.sex in ("FEMALE", "MALE"):
        sex = study.sex.lower()
        found.append((f"Registry eligibility: sex: {study.sex}.",
                       [f"    check: {{fact: sex, op: equals, value: {sex}}}"],
                       f"The registry admits {sex} participants only.", False))
    if study.healthy_volunteers is False:
        named = study.conditions if len(study.conditions) <= 5 else (
            *study.conditions[:4], f"and {len(study.conditions) - 4} more")
        under_study = f" ({', '.join(named)})" if named else ""
        found.append(("Registry eligibility: accepts healthy volunteers: No.", _judgment(
            f"Does the patient have the condition under study{under_study}?",
            f"The registry accepts no healthy volunteers. {GUIDANCE}"), None, True))
    return [_criterion(f"S{number}", "inclusion", text, rule=rule, reading=reading,
                       curate=curate)
            for number, (text, rule, reading, curate) in enumerate(found, start=1)]


_AGE = re.compile(r"(\d{1,6})\s*(year|month|week|day)s?", re.IGNORECASE)


def _age_limit(bound: str, age: str) -> tuple[list[str], str | None, bool] | None:
    """(rule, reading, needs curation) for a registry age limit; None if it limits nobody."""
    if age.strip().upper() in ("N/A", "NA", "NONE", ""):
        return None
    match = _AGE.fullmatch(age.strip())
    if match is None:  # hours, minutes, fractions: no fact counts them
        return _judgment(f"Is the patient's age within the registry's {bound} of {age}?",
                         f"No age fact counts in this unit. {GUIDANCE}"), None, True
    count, unit = int(match[1]), match[2].lower()
    fact = {"year": "age", "month": "age_months"}.get(unit, "age_days")
    value = count * 7 if unit == "week" else count
    ceiling = FACTS[fact].maximum or 0
    if (bound == "minimum" and value == 0) or (bound == "maximum" and value >= ceiling):
        return None  # everyone meets it; a check would only be linted as always true
    if value > ceiling:
        return _judgment(f"Is the patient at least {age} old?", GUIDANCE), None, True
    op = "at_least" if bound == "minimum" else "at_most"
    rule = [f"    check: {{fact: {fact}, op: {op}, value: {value}}}"]
    return rule, _age_reading(bound, age, count, unit, value), False


def _age_reading(bound: str, age: str, count: int, unit: str, value: int) -> str:
    if unit == "year" and bound == "minimum":
        return (f"Age in completed years on the screening date: a minimum of {age} admits "
                f"patients from their {_ordinal(count)} birthday.")
    if unit == "year":
        return (f"Age in completed years on the screening date: a maximum of {age} admits "
                f"everyone through age {count}, i.e. until the {_ordinal(count + 1)} birthday.")
    if unit == "month" and bound == "minimum":
        return (f"Age in completed months on the screening date: a minimum of {age} admits "
                f"patients from the day they are {count} months old.")
    if unit == "month":
        return (f"Age in completed months on the screening date: a maximum of {age} admits "
                f"patients through {count} completed months, i.e. until they are "
                f"{count + 1} months old.")
    weeks = f", {age} read as {value} days" if unit == "week" else ""
    if bound == "minimum":
        return (f"Age in days on the screening date{weeks}: admits patients from the day "
                f"they are {value} days old.")
    counted = (f" (counting completed weeks instead would admit up to {value + 6} days; "
               "curate if the protocol says so)") if unit == "week" else ""
    return (f"Age in days on the screening date{weeks}: admits patients up to {value} days "
            f"old{counted}.")


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")
    return f"{number}{suffix}"


def _criterion(ident: str, kind: Kind, text: str, *, rule: list[str],
               reading: str | None = None, curate: bool = False) -> list[str]:
    lines = [f"  - id: {ident}", f"    kind: {kind}", *_entry("text", text, 4)]
    if reading:
        lines += _entry("reading", reading, 4)
    if curate:
        lines.append("    needs_curation: true")
    return lines + rule


def _judgment(question: str, guidance: str) -> list[str]:
    return ["    judgment:", *_entry("question", question, 6), *_entry("guidance", guidance, 6)]


_UNICODE_BREAK = re.compile("[\x85\u2028\u2029]")


class _Dumper(yaml.SafeDumper):
    """Safe YAML, with multi-line text as a literal block so it reads like the protocol."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    # PyYAML writes U+0085, U+2028 and U+2029 raw in other styles, where they read back as
    # line breaks; only double quotes escape them.
    style = '"' if _UNICODE_BREAK.search(text) else "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def _entry(key: str, value: Any, indent: int) -> list[str]:
    """`key: value` as YAML lines indented by `indent`; PyYAML quotes and escapes the value,
    so any text loads back exactly as written."""
    dumped = yaml.dump({key: value}, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                       default_flow_style=False, width=max(88 - indent, 40))
    lines = dumped.split("\n")[:-1]
    if lines[-1] == "...":  # ends a document after a `|+` block; the next key ends it here
        lines.pop()
    return [" " * indent + line if line else line for line in lines]


_NOT_PRINTABLE = re.compile("[^\x09\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _comment(text: str, *, indent: str = "", prefix: str = "") -> list[str]:
    """`text` as YAML comment lines, wrapped; characters YAML cannot hold become U+FFFD."""
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        clean = _NOT_PRINTABLE.sub("\ufffd", line)
        lines += textwrap.wrap(clean, width=98 - len(prefix), initial_indent=f"# {indent}",
                               subsequent_indent=f"# {indent}", break_long_words=False,
                               break_on_hyphens=False) or [f"# {indent}".rstrip()]
    return [prefix + line for line in lines]
