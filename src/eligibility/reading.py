"""Read input files within limits and compose YAML, refusing at its line what cannot be used.

A profile or rule file is read only when it is a regular file of at most MAX_FILE_BYTES, and
composed only into a document of at most MAX_VALUES values, no text over MAX_TEXT characters
and no nesting over MAX_DEPTH levels, without a value that contains itself. Each limit is far
above what a real file needs and far below what would make reading it take seconds or
gigabytes; `docs/patient-profile.md` and `docs/rules.md` list them. Everything is checked
before a single value is built: a named pipe or `/dev/zero` is never read, and a few hundred
bytes of aliases of aliases ("billion laughs") never expand.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from .source import SourceSpan, describe_path

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_TEXT",
    "MAX_VALUES",
    "Loader",
    "Refused",
    "compose",
    "decode",
    "node_span",
    "read_bytes",
]

Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""PyYAML's safe loader, libyaml's when installed."""

MAX_FILE_BYTES = 10 * 1024 * 1024
"""The largest profile or rule file read, in bytes (a profile is a few KB, a rule file tens)."""
MAX_VALUES = 20_000
"""The most values (texts, numbers, dates, lists, mappings) a profile or rule file may hold,
each value an alias repeats counted again; a rule file of 19 criteria holds about 550."""
MAX_TEXT = 20_000
"""The longest text a single value may hold, in characters (a protocol's longest criterion is
a few thousand)."""
MAX_DEPTH = 100
"""How deeply lists and mappings may nest; real files nest a dozen levels at most."""


class Refused(Exception):
    """A file or document that cannot be used: where, which field, and why."""

    def __init__(self, span: SourceSpan, field: str, message: str) -> None:
        super().__init__(f"{span}: {message}")
        self.span, self.field, self.message = span, field, message


# Reading files


def read_bytes(path: Path, *, limit: int = MAX_FILE_BYTES, what: str = "YAML file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; raise Refused saying why not.

    A named pipe, a device or a socket is refused before anything is read, as reading it could
    wait or go on forever; the file is opened without waiting, so that even a named pipe
    nobody writes to cannot hold up the open. `what` names the file expected, for messages.
    """
    def refuse(message: str) -> Refused:
        return Refused(SourceSpan(str(path), 0, 0), "", message)

    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise refuse("no such file") from None
    except IsADirectoryError:
        raise refuse(f"this is a folder; give a {what}") from None
    except OSError as error:
        raise refuse(f"cannot read the file ({error.strerror or error})") from None
    try:
        info = os.fstat(handle)
        if stat.S_ISDIR(info.st_mode):
            raise refuse(f"this is a folder; give a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"this is {_file_kind(info.st_mode)}, not a regular file; give a "
                         f"{what} saved on disk")
        data = b"".join(_chunks(handle, limit + 1)) if info.st_size <= limit else b""
        if info.st_size > limit or len(data) > limit:
            size = max(info.st_size, len(data)) / 1024 / 1024
            raise refuse(f"the file is {size:.1f} MB, over the {limit / 1024 / 1024:g} MB "
                         f"limit for a {what} (is it the right file?)")
        return data
    except OSError as error:
        raise refuse(f"cannot read the file ({error.strerror or error})") from None
    finally:
        os.close(handle)


def _chunks(handle: int, most: int) -> Iterator[bytes]:
    """What a file holds, up to `most` bytes (it may grow while it is read)."""
    while most > 0 and (chunk := os.read(handle, min(most, 1 << 20))):
        most -= len(chunk)
        yield chunk


def _file_kind(mode: int) -> str:
    """What a file that is not a regular file is, as `ls -l` would tell."""
    kinds = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def decode(data: bytes, file: str) -> str:
    """UTF-8 bytes as text; raise Refused at the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise Refused(SourceSpan(file, line, column), "",
                      f"not UTF-8 text: {error.reason}, byte {data[error.start]:#04x} (save "
                      "the file as UTF-8)") from None


# Composing YAML within the limits


def compose(text: str, file: str) -> yaml.Node | None:
    """The YAML document as PyYAML's node graph (None when it holds only comments); raise
    Refused for a syntax error or a document over a limit, said where."""
    try:
        if len(text) > _FEW_VALUES_FOR_SURE:
            _count_values(text, file)
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text, file) from None
    except yaml.reader.ReaderError as error:
        raise _bad_character(error, text, file) from None
    except yaml.YAMLError as error:
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise Refused(SourceSpan(file, 1, 1), "", f"invalid YAML: {first}") from None
    except RecursionError:  # only the pure-Python parser recurses: libyaml stops at 1000 levels
        raise Refused(SourceSpan(file, 1, 1), "", _TOO_DEEP) from None
    if node is not None:
        _check_shape(node, text, file)
    return node


def node_span(node: yaml.Node, file: str) -> SourceSpan:
    """Where a node starts, 1-based."""
    return SourceSpan(file, node.start_mark.line + 1, node.start_mark.column + 1)


_TOO_DEEP = (f"values nested more than {MAX_DEPTH} levels deep (profiles and rule files need "
             "a dozen at most)")
_TOO_MANY = (f"more than {MAX_VALUES:,} values: a profile or rule file may hold no more (is it "
             "the right file?)")
# Characters too few to hold so many values that building their nodes costs much.
_FEW_VALUES_FOR_SURE = 64 * 1024


def _count_values(text: str, file: str) -> None:
    """Refuse a big text holding more than MAX_VALUES values as soon as the parser meets one
    too many, before a node is built; a syntax error is left to the composer to report."""
    count, depth, top, field = 0, 0, 0, ""  # top: values met at the top level of the document
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent,
                                  yaml.AliasEvent)):
                count += 1
                if depth == 1:  # a key or a value of the top mapping: name the field
                    top += 1
                    field = (getattr(event, "value", None) or "?") if top % 2 else field
                if count > MAX_VALUES:
                    mark = event.start_mark
                    raise Refused(SourceSpan(file, mark.line + 1, mark.column + 1) if mark
                                  else SourceSpan(file, 1, 1), field, _TOO_MANY)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return


def _syntax_error(error: yaml.MarkedYAMLError, text: str, file: str) -> Refused:
    """A YAML syntax error in words a rule author can act on."""
    mark = error.problem_mark or error.context_mark
    span = SourceSpan(file, mark.line + 1, mark.column + 1) if mark else SourceSpan(file, 1, 1)
    what = " ".join(part for part in (error.context, error.problem) if part)
    if "maximum nesting depth" in what:  # libyaml's own limit, 1000 levels
        return Refused(span, "", _TOO_DEEP)
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if mark and "\t" in line[: mark.column + 1]:
        what = "a tab in the indentation: YAML indents with spaces only (replace the tab)"
    elif "mapping values are not allowed" in what:
        what += " (a text containing ': ' must be put in quotes)"
    elif "expected '-' indicator" in what or "expected <block end>" in what:
        what += (" (check the indentation: the items of one list, or the keys of one "
                 "mapping, must start in the same column)")
    return Refused(span, "", f"invalid YAML: {what}")


def _bad_character(error: yaml.reader.ReaderError, text: str, file: str) -> Refused:
    """A character YAML does not allow (a control character), at its line and column."""
    if Loader is yaml.SafeLoader:
        before = text[: error.position]
    else:  # libyaml counts the bytes of the UTF-8 text
        before = text.encode("utf-8")[: error.position].decode("utf-8", errors="ignore")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    code = error.character if isinstance(error.character, int) else ord(error.character)
    kind = "control character" if code < 0x20 or 0x7F <= code < 0xA0 else "character"
    return Refused(SourceSpan(file, line, column), "",
                   f"invalid YAML: the {kind} U+{code:04X} is not allowed (remove it: a YAML "
                   "file holds printable text, tabs and line breaks only)")


FieldPath = tuple[Any, ...]


def _inside(node: yaml.Node) -> list[yaml.Node]:
    """The nodes directly inside `node`: keys and values, or items."""
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _children(node: yaml.Node, path: FieldPath) -> list[tuple[yaml.Node, FieldPath]]:
    """The nodes directly inside `node`, each with its field path (a key has its mapping's)."""
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[yaml.Node, FieldPath]] = []
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            pairs += [(key, path), (value, (*path, name))]
        return pairs
    if isinstance(node, yaml.SequenceNode):
        return [(item, (*path, index)) for index, item in enumerate(node.value)]
    return []


def _check_shape(root: yaml.Node, text: str, file: str) -> None:
    """Refuse the first limit the document breaks, without building a value: a value that
    contains itself through an alias, a text over MAX_TEXT characters, nesting over MAX_DEPTH
    levels, more than MAX_VALUES values (each repeat through an alias counted again).

    Walks each written value once, keeping per value how many values it stands for and how
    deeply it nests.
    """
    sizes: dict[int, int] = {}  # values each written value stands for, repeats included
    heights: dict[int, int] = {}  # levels of lists and mappings, itself included
    first: dict[int, FieldPath] = {}  # where each was first reached
    shared: set[int] = set()  # reached from more than one place: anchored, then aliased
    stack: list[tuple[yaml.Node, FieldPath, bool]] = [(root, (), False)]
    while stack:
        node, path, finished = stack.pop()
        if finished:
            inside = _inside(node)
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in inside)
            heights[id(node)] = 1 + max((heights[id(child)] for child in inside), default=0)
            continue
        if id(node) in first:
            shared.add(id(node))
            if id(node) not in sizes:  # begun and not finished: the alias is inside it
                raise Refused(node_span(node, file), describe_path(first[id(node)]),
                              f"this value contains an alias to itself{_anchor(node, text)}, "
                              "which would repeat it forever (an alias may only repeat a "
                              "value outside it)")
            continue
        first[id(node)] = path
        if isinstance(node, yaml.ScalarNode):
            if len(node.value) > MAX_TEXT:
                raise Refused(node_span(node, file), describe_path(path),
                              f"a text of {len(node.value):,} characters: a value may hold at "
                              f"most {MAX_TEXT:,} (is it the right file?)")
            sizes[id(node)], heights[id(node)] = 1, 0
            continue
        stack.append((node, path, True))
        stack += [(child, where, False) for child, where in reversed(_children(node, path))]
    if heights[id(root)] > MAX_DEPTH:
        node, path = root, ()
        for _ in range(MAX_DEPTH):  # down the deepest branch to the first level too deep
            node, path = max(_children(node, path), key=lambda pair: heights[id(pair[0])])
        raise Refused(node_span(node, file), describe_path(path[:1]), _TOO_DEEP)
    if sizes[id(root)] > MAX_VALUES:
        raise _too_many(root, sizes, shared, file)


def _too_many(root: yaml.Node, sizes: Mapping[int, int], shared: set[int],
              file: str) -> Refused:
    """Too many values, said where most of them are: the field holding them, or the value
    whose aliases repeat them."""
    node, path = root, ()
    while children := _children(node, path):
        child, where = max(children, key=lambda pair: sizes[id(pair[0])])
        if id(child) in shared or sizes[id(child)] <= MAX_VALUES:
            break
        node, path = child, where
    if shared:
        return Refused(node_span(node, file), describe_path(path),
                       f"aliases here make the file hold {sizes[id(root)]:,} values; a "
                       f"profile or rule file may hold at most {MAX_VALUES:,} (write the "
                       "values out, or use fewer aliases)")
    return Refused(node_span(node, file), describe_path(path[:1]), _TOO_MANY)


def _anchor(node: yaml.Node, text: str) -> str:
    """` (&name)`: the anchor written where `node` starts, for messages."""
    found = re.match(r"&([^\s,\[\]{}]+)", text[node.start_mark.index:])
    return f" (&{found[1]})" if found else ""
