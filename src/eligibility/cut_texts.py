"""Find the free texts of a rule file that YAML read shorter than they were written.

A plain (unquoted) text ends where ` #` starts a comment, and one starting with `&word` loses
that word as an anchor name. Both are valid YAML, so nothing else says that the protocol's
verbatim words were cut: `text: Prior treatment #2 ...` is read as `Prior treatment`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .source import Located, SourceSpan, describe_path

__all__ = ["cut_texts"]

# The fields holding prose a person copied or wrote, where a cut goes unnoticed.
_TEXT_FIELDS = frozenset({"text", "reading", "question", "guidance", "title", "notes"})


def cut_texts(document: Located, source: str) -> Iterator[tuple[SourceSpan, str, str]]:
    """Each free text YAML cut: where it is written, its field, and what happened."""
    lines = source.splitlines()
    for path, node in _texts(document, ()):
        line = lines[node.span.line - 1] if 0 < node.span.line <= len(lines) else ""
        written = line[node.span.column - 1:]
        anchor = written.split(maxsplit=1)[0] if written.startswith("&") else ""
        if anchor and f"*{anchor[1:]}" not in source:  # an anchor no alias repeats
            yield (node.span, describe_path(path),
                   f"YAML reads {anchor!r} as an anchor name, not as text, so the text "
                   f"starts at {node.value.split(maxsplit=1)[0]!r} (if {anchor!r} is part of "
                   "the text, put the whole text in quotes)")
        elif written[:1] not in ("'", '"', "|", ">") and (at := written.find(" #")) >= 0 and (
                "#" not in node.value):
            comment = written[at + 1:].strip()
            comment = comment if len(comment) <= 30 else comment[:30].rsplit(" ", 1)[0] + " ..."
            yield (node.span, describe_path(path),
                   f"the text stops before {comment!r}: YAML reads ' #' and the rest of the "
                   "line as a comment (if it is part of the text, put the whole text in "
                   "quotes; if it is a comment, put it on a line of its own)")


def _texts(node: Located, path: tuple[object, ...]) -> Iterator[
        tuple[tuple[object, ...], Located]]:
    for step, child in node.children.items():
        if step in _TEXT_FIELDS and isinstance(child.value, str) and child.value:
            yield (*path, step), child
        else:
            yield from _texts(child, (*path, step))
