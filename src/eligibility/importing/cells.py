"""Spreadsheet cells as profile values: numbers, dates, yes/no, allowed words, list statuses.

Each parser takes the cell's text (stripped, not empty) and returns the value, or raises
ValueError with the sentence a user reads after `file:line:col: column:`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from ..errors import number_hint
from ..vocabulary import Fact, closest

__all__ = ["STATUSES", "boolean", "date", "integer", "number", "one_of", "parser", "status",
           "text"]

STATUSES = ("current", "past", "absent", "present")
_TRUE, _FALSE = ("true", "yes", "y", "1"), ("false", "no", "n", "0")


def parser(fact: Fact) -> Callable[[str], Any]:
    if fact.kind == "integer":
        return integer
    if fact.kind in ("number", "lab"):
        return number
    if fact.kind == "boolean":
        return boolean
    if fact.kind == "date":
        return date
    if fact.categories:
        return one_of(fact.categories)
    return text


def text(cell: str) -> str:
    return cell


def number(cell: str) -> float:
    try:
        number = float(cell)
        if not math.isfinite(number):  # "nan", "inf", "1e400"
            raise ValueError(cell)
        return number
    except ValueError:
        hint = (" (write decimals with a point: 84.5)" if re.fullmatch(r"-?\d+,\d+", cell)
                else number_hint(cell))
        raise ValueError(f"expected a number, got {cell!r}{hint}") from None


def integer(cell: str) -> int:
    if not re.fullmatch(r"-?\d+", cell):
        raise ValueError(f"expected a whole number, got {cell!r}{number_hint(cell)}")
    return int(cell)


def boolean(cell: str) -> bool:
    if cell.casefold() in _TRUE:
        return True
    if cell.casefold() in _FALSE:
        return False
    raise ValueError(f"expected true or false (or yes or no), got {cell!r}")


def date(cell: str) -> dt.date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            pass
    raise ValueError(f"expected a date as YYYY-MM-DD, got {cell!r}")


def one_of(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(cell: str) -> str:
        if cell in allowed:
            return cell
        lower = cell.casefold()
        if lower in allowed:
            return lower
        raise ValueError(f"expected one of {', '.join(map(repr, allowed))}, got "
                         f"{cell!r}{closest(cell, allowed)}")
    return parse


def status(cell: str) -> dict[str, Any]:
    word = cell.casefold()
    if word not in STATUSES:
        raise ValueError(f"expected current, past, absent or present, got {cell!r}"
                         f"{closest(word, STATUSES)}")
    return {"present": True} if word == "present" else {"status": word}
