"""Positions in a YAML document: where each key and list item was written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Located", "SourceSpan", "SubfieldError", "describe_path", "shown"]


@dataclass(frozen=True, order=True)
class SourceSpan:
    """A 1-based line and column in a named file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        """`file:line:col`, or just the file for a problem with the file as a whole (line 0)."""
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


@dataclass(frozen=True)
class Located:
    """A parsed YAML value with the position of the value and of each child.

    `children` maps a key (mapping) or an index (sequence) to the child's own tree; `key_spans`
    gives where each mapping key was written, which is where a message about the key belongs.
    """

    value: Any
    span: SourceSpan
    children: Mapping[Any, Located] = field(default_factory=dict)
    key_spans: Mapping[Any, SourceSpan] = field(default_factory=dict)

    def plain(self) -> Any:
        """The value without positions, as PyYAML's safe_load would give it."""
        return self.value

    def find(self, loc: Sequence[Any]) -> tuple[Located, SourceSpan, tuple[Any, ...]]:
        """Follow an error location as far as the document goes.

        Steps that name no key or index of the document (a model's name, a union tag, a field
        the model adds) are skipped, so a pydantic `loc` lands on what the author wrote. Returns
        the deepest node reached, the span of the key that leads to it (for messages about the
        key itself) and the path of steps that matched.
        """
        node: Located = self
        key_span = self.span
        path: list[Any] = []
        for step in loc:
            child = node.children.get(step)
            if child is None:
                continue
            key_span = node.key_spans.get(step, child.span)
            path.append(step)
            node = child
        return node, key_span, tuple(path)


def describe_path(path: Sequence[Any]) -> str:
    """A field path as a reader writes it: `criteria[4].check.op`."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


class SubfieldError(ValueError):
    """A validation error about one field inside the value being validated, such as the unit
    of a lab result, so the message can point at that field rather than at its parent."""

    def __init__(self, field: str | tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = (field,) if isinstance(field, str) else field


_LONGEST_TEXT, _MOST_ITEMS, _DEEPEST_LIST = 80, 10, 3


def shown(value: Any, *, depth: int = 0) -> str:
    """A user's value as YAML spells it, for messages: 'eighty', true, 2026-01-10, [1, 2].

    Long text, long lists and deep nesting are cut short, so that a message stays one line.
    """
    if isinstance(value, str):
        if len(value) > _LONGEST_TEXT:
            return f"{value[:_LONGEST_TEXT - 20] + '...'!r} ({len(value):,} characters)"
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return repr(str(value))  # a span of time: '24 months'
    if isinstance(value, (list, tuple)):
        if depth >= _DEEPEST_LIST:
            return "[...]"
        items = [shown(item, depth=depth + 1) for item in value[:_MOST_ITEMS]]
        more = f", ... ({len(value):,} items)" if len(value) > _MOST_ITEMS else ""
        return "[" + ", ".join(items) + more + "]"
    if value is None:
        return "an empty value"
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        text = f"{value:g}"
        # 70.0 where a whole number is expected must not read "got 70".
        return f"{text}.0" if value.is_integer() and text.lstrip("-").isdigit() else text
    return str(value)
