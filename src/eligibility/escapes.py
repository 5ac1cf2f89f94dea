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
import re
from typing import Any

__all__ = ["csv_cell", "json_text", "visible"]

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


def json_text(value: Any, *, indent: int | None = None, ascii_only: bool = False) -> str:
    """`value` as JSON with every character a terminal could obey escaped (`\\u009b`): the
    same data, safe to print. `ascii_only` escapes everything beyond ASCII, for an output
    that cannot encode it."""
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    if ascii_only or not _RAW_IN_JSON.search(text):
        return text
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
