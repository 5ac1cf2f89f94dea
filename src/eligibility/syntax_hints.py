"""Hints for YAML syntax errors: what a rule author most likely did, read from the lines.

PyYAML says where it gave up and what it expected; the hint says what to change: quote a text
that starts with a character YAML reads as syntax, line up a field indented under a text, close
a bracket or add the comma between two fields, fix an indentation.
"""

from __future__ import annotations

import re

import yaml

__all__ = ["explain_syntax_error", "keyless_line"]


def explain_syntax_error(error: yaml.MarkedYAMLError, what: str, text: str) -> str:
    """PyYAML's `what`, with a hint in brackets where the lines around the error suggest one."""
    mark = error.problem_mark or error.context_mark
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    special = _SPECIAL_START.match(line)
    if mark and "\t" in line[: mark.column + 1]:
        what = "a tab in the indentation: YAML indents with spaces only (replace the tab)"
    elif mark and special and special.end(1) <= mark.column + 1:
        what += f" ({_quote_the_text(special.group(1).strip(), line[special.start(2):].strip())})"
    elif "mapping values are not allowed" in what:
        hint = _indented_under_text(lines, mark.line) if mark else None
        what += f" ({hint or _QUOTE_IT})"
    elif error.context_mark and ("flow mapping" in what or "flow sequence" in what):
        opening, closing = ("{", "}") if "flow mapping" in what else ("[", "]")
        where = error.context_mark
        what += (f" (the {opening!r} at line {where.line + 1}, column {where.column + 1} needs "
                 f"a {closing!r}, and its items a ',' between each two: one of them is missing "
                 "before here)")
    elif mark and "did not find expected key" in what and line[: mark.column].strip():
        what += (" (more follows a quoted text or a [ ] or { } value on this line: when a "
                 "text starts with a quote, put the whole text in quotes, such as "
                 "text: '\"Definite\" or \"Probable\" ALS')")
    elif ("expected '-' indicator" in what or "expected <block end>" in what
          or "did not find expected key" in what):
        what += (" (check the indentation: the items of one list, or the keys of one "
                 "mapping, must start in the same column)")
    return what


# A line `key: X...` whose value starts with a character YAML reads as syntax, not text: an
# alias (*), an anchor (&), a tag (!), a directive (%), a block scalar (| >), reserved (@ `).
_SPECIAL_START = re.compile(r"^\s*(?:-\s+)?([^\s#'\"{\[][^:#]*?:)[ ]+([*&!%|>@`])")
_QUOTE_IT = "a text containing ': ' must be put in quotes"
# A line `key: a plain text`, possibly a list item: the key and where it starts.
_KEY_WITH_TEXT = re.compile(r"^(\s*(?:-\s+)?)([^\s#'\"{\[][^:#]*?):[ ]+[^\s|>#&*!'\"{\[]")


def _quote_the_text(key: str, value: str) -> str:
    """Say to quote a text YAML cannot read bare, with the line as it should be written."""
    advice = f"a text that starts with {value[0]!r} must be put in quotes"
    quote = '"' if '"' not in value else "'" if "'" not in value else ""
    if not quote:
        return advice
    shown_value = value if len(value) <= 40 else value[:40].rsplit(" ", 1)[0] + " ..."
    return f"{advice}: {key} {quote}{shown_value}{quote}"


def _indented_under_text(lines: list[str], index: int) -> str | None:
    """Why `key: value` on line `index` is refused when it is indented further than the key of
    a plain text on the line above: YAML reads it as more of that text, which then holds ': '.
    None when the line is not like that (the ': ' is in a text on its own line)."""
    above = next((number for number in range(index - 1, -1, -1)
                  if lines[number].strip() and not lines[number].lstrip().startswith("#")), None)
    if above is None or not (match := _KEY_WITH_TEXT.match(lines[above])):
        return None
    key_column = len(match.group(1))
    indent = len(lines[index]) - len(lines[index].lstrip(" "))
    if indent <= key_column:
        return None
    key = match.group(2).strip()
    return (f"line {index + 1} is indented further than '{key}' on line {above + 1}, so it "
            f"reads as more of the value of '{key}': to start a new field, line it up with "
            f"'{key}'; if it is part of a text, put the whole text in quotes")


def keyless_line(error: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, str] | None:
    """The line (0-based, and its text) a key lost its ': ' on, when that is what the parser
    tripped over: the key line itself (`sex male` at the end of a mapping), or the line before
    the one where the parser found a ':' it could not place (`sex male` followed by a key)."""
    if "could not find expected ':'" in str(error.problem) and error.context_mark is not None:
        number = error.context_mark.line
    elif ("mapping values are not allowed" in str(error.problem)
          and error.problem_mark is not None and error.problem_mark.line > 0):
        number = error.problem_mark.line - 1
    else:
        return None
    written = lines[number] if number < len(lines) else ""
    bare = written.strip()
    item = bare.startswith("- ")  # `- name riluzole`: the key of a list item
    if item:
        bare = bare[2:].strip()
        written = " " * written.index(bare) + bare
    if (not bare or bare.startswith(("#", "-", "{", "[", "'", '"')) or bare.endswith(":")
            or ": " in bare or " #" in bare):
        return None
    if "mapping values" in str(error.problem) and not (
            _in_the_same_item(lines, number, written) if item else _opens_a_key(lines, number)):
        return None  # the line continues a text above it (`note: ...`): not a lost key
    return number, written


def _in_the_same_item(lines: list[str], number: int, key: str) -> bool:
    """Whether the line after a list item's first line is another key of the same item."""
    below = lines[number + 1] if number + 1 < len(lines) else ""
    return len(below) - len(below.lstrip(" ")) == len(key) - len(key.lstrip(" "))


def _opens_a_key(lines: list[str], number: int) -> bool:
    """Whether line `number` stands where a key would: under `parent:` or beside a sibling key,
    not as the second line of a text."""
    indent = len(lines[number]) - len(lines[number].lstrip(" "))
    for above in reversed(lines[:number]):
        bare = above.strip()
        if not bare or bare.startswith("#"):
            continue
        step = len(above) - len(above.lstrip(" "))
        return (step < indent and bare.endswith(":")) or (
            step == indent and (bare.endswith(":") or ": " in bare))
    return True
