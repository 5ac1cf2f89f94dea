"""Text from files made safe to show: a terminal or a spreadsheet displays it, never obeys it.

A profile or rule file can hold any character. Printed raw, an ESC starts a colour, a cursor
move or an OSC 8 link, a C1 byte 0x9b does the same in one character, a bidirectional override
makes a line read in another order than it is stored, and a cell starting with `=` is a formula
to a spreadsheet. Each output neutralises what its reader would obey, and nothing else: the
terminal and CSV show such characters as escapes (`\\x1b`), JSON escapes them as JSON does
(`\\u001b`, a lossless spelling), HTML is escaped by the page.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["csv_cell", "csv_cells", "json_text", "visible"]

# C0 controls but tab and line feed, DEL, C1 controls, and the bidirectional embeddings,
# overrides and isolates (the "Trojan Source" characters).
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_IN_LINE = re.compile(f"[{_CONTROL}\t\n]")
_IN_TEXT = re.compile(f"[{_CONTROL}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

# What JSON leaves raw that a terminal may obey (JSON itself escapes C0), and the two line
# separators that end a line in JavaScript.
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

# Cells a spreadsheet reads as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def visible(text: str, *, lines: bool = False) -> str:
    """`text` with each character a terminal would obey written as its escape: ESC [31m
    prints as `\\x1b[31m`. With `lines`, line feeds and tabs are kept (protocol text,
    explanations); without, they are escaped too (ids, names, file names, one-line
    messages)."""
    pattern = _IN_TEXT if lines else _IN_LINE
    if not pattern.search(text):
        return text
    return pattern.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def csv_cell(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text and that ends no row early.

    A cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a `'` in front, as
    OWASP recommends, so it is not run as a formula; control characters are shown as escapes
    (as on the terminal), so a bare carriage return, which the csv module does not quote,
    never splits a row. Line feeds stay: the csv module quotes the cell.
    """
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return visible(value, lines=True)


def csv_cells(values: Sequence[str]) -> list[str]:
    """`csv_cell` of each value; the control characters are looked for once per row."""
    if _IN_TEXT.search("".join(values)):
        return [csv_cell(value) for value in values]
    return ["'" + value if value.startswith(_FORMULA_START) else value for value in values]


def json_text(value: Any, *, indent: int | None = None, ascii_only: bool = False) -> str:
    """`value` as JSON with every character a terminal could obey escaped (`\\u009b`): the
    same data, safe to print. `ascii_only` escapes everything beyond ASCII, for an output
    that cannot encode it. With `indent=2` the text is `json.dumps(indent=2)`'s, made about
    twice as fast for the plain values a report holds (a batch writes one per patient)."""
    if indent == 2:
        try:
            text = _indented(value, "\n", _ASCII if ascii_only else _UNICODE)
        except TypeError:  # a value only json knows how to write
            text = json.dumps(value, indent=2, ensure_ascii=ascii_only)
    else:
        text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    if ascii_only or not _RAW_IN_JSON.search(text):
        return text
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_UNICODE: Callable[[str], str] = json.encoder.encode_basestring
_ASCII: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _indented(value: Any, indent: str, string: Callable[[str], str]) -> str:
    """What `json.dumps(value, indent=2)` writes (the pure-Python encoder it falls back to
    for an indent spends its time in generators); `indent` is the line break and the
    indentation of `value`'s own line."""
    if isinstance(value, str):
        return string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if not all(isinstance(key, str) for key in value):
            raise TypeError(value)  # json.dumps converts other keys its own way
        inner = indent + "  "
        return "{" + ",".join([f"{inner}{string(key)}: {_indented(item, inner, string)}"
                               for key, item in value.items()]) + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[" + ",".join([inner + _indented(item, inner, string)
                               for item in value]) + indent + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int) and type(value) is int:
        return int.__repr__(value)
    if type(value) is float and value == value and value not in (math.inf, -math.inf):
        return float.__repr__(value)
    raise TypeError(value)  # NaN, infinities, subclasses: json.dumps says them its way
