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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .source import SourceSpan, describe_path
from .syntax_hints import explain_syntax_error, keyless_line

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_TEXT",
    "MAX_VALUES",
    "Loader",
    "Refused",
    "compose",
    "decode",
    "near_name",
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


def near_name(path: Path) -> str:
    """` (did you mean 'patients/example.yaml'?)` for a file misspelt in a folder that
    exists, else nothing."""
    import difflib

    folder = path.parent
    try:
        names = [entry.name for entry in os.scandir(folder) if not entry.name.startswith(".")]
    except OSError:
        return ""
    found = difflib.get_close_matches(path.name, names, n=1, cutoff=0.75)
    return f" (did you mean {str(folder / found[0])!r}?)" if found else ""


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
        raise refuse(f"no such file{near_name(path)}") from None
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
    lines = text.splitlines()
    line = lines[mark.line] if mark and mark.line < len(lines) else ""
    keyless = keyless_line(error, lines)
    if keyless is not None and not (mark and "\t" in line[: mark.column + 1]):
        # `sex male`: the mistake is on the line without its ':'
        number, written = keyless
        span = SourceSpan(file, number + 1, len(written) - len(written.lstrip(" ")) + 1)
        missing = ("no space after its ':'" if ":" in written
                   else "no ':' between the field and its value")
        return Refused(span, "", f"invalid YAML: {written.strip()!r} has {missing} (write "
                       "'field: value')")
    return Refused(span, "", f"invalid YAML: {explain_syntax_error(error, what, text)}")


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


def _steps(node: yaml.Node) -> list[tuple[yaml.Node, Any]]:
    """The nodes directly inside `node`, each with the step of a field path that leads to it:
    a key's name to its value, an index to an item, None to a key (it has its mapping's)."""
    if isinstance(node, yaml.MappingNode):
        steps: list[tuple[yaml.Node, Any]] = []
        for key, value in node.value:
            steps += [(key, None), (value, key.value if isinstance(key, yaml.ScalarNode)
                                    else "?")]
        return steps
    if isinstance(node, yaml.SequenceNode):
        return [(item, index) for index, item in enumerate(node.value)]
    return []


def _check_shape(root: yaml.Node, text: str, file: str) -> None:
    """Refuse the first limit the document breaks, without building a value: a value that
    contains itself through an alias, a text over MAX_TEXT characters, nesting over MAX_DEPTH
    levels, more than MAX_VALUES values (each repeat through an alias counted again).

    Walks each written value once, keeping per value how many values it stands for, how
    deeply it nests, and where it was first reached from (its field path, when one is needed).
    """
    shape = _Shape(root)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            shape.finish(node)
            continue
        shape.begun.add(id(node))
        stack.append((node, True))
        for child, step in reversed(_steps(node)):
            shape.reached.setdefault(id(child), (node, step))
            if id(child) in shape.begun:
                shape.shared.add(id(child))
                if id(child) not in shape.sizes:  # begun, not finished: the alias is inside it
                    raise Refused(node_span(child, file), describe_path(shape.path(child)),
                                  f"this value contains an alias to itself"
                                  f"{_anchor(child, text)}, which would repeat it forever (an "
                                  "alias may only repeat a value outside it)")
            elif isinstance(child, yaml.ScalarNode):
                if len(child.value) > MAX_TEXT:
                    raise Refused(node_span(child, file), describe_path(shape.path(child)),
                                  f"a text of {len(child.value):,} characters: a value may "
                                  f"hold at most {MAX_TEXT:,} (is it the right file?)")
                shape.begun.add(id(child))
                shape.sizes[id(child)], shape.heights[id(child)] = 1, 0
            else:
                stack.append((child, False))
                shape.begun.add(id(child))
    if shape.heights[id(root)] > MAX_DEPTH:
        node = root
        for _ in range(MAX_DEPTH):  # down the deepest branch to the first level too deep
            node = max(_inside(node), key=lambda child: shape.heights[id(child)])
        raise Refused(node_span(node, file), describe_path(shape.path(node)[:1]), _TOO_DEEP)
    if shape.sizes[id(root)] > MAX_VALUES:
        raise _too_many(root, shape, file)


class _Shape:
    """What the walk of `_check_shape` keeps per node, by `id`."""

    def __init__(self, root: yaml.Node) -> None:
        self.sizes: dict[int, int] = {}  # values it stands for, repeats included
        self.heights: dict[int, int] = {}  # levels of lists and mappings, itself included
        self.begun: set[int] = set()
        self.shared: set[int] = set()  # reached from more than one place: aliased
        self.reached: dict[int, tuple[yaml.Node | None, Any]] = {id(root): (None, None)}

    def finish(self, node: yaml.Node) -> None:
        inside = _inside(node)
        self.sizes[id(node)] = 1 + sum(self.sizes[id(child)] for child in inside)
        self.heights[id(node)] = 1 + max((self.heights[id(child)] for child in inside),
                                         default=0)

    def path(self, node: yaml.Node) -> FieldPath:
        """The field path by which the walk first reached `node`."""
        steps: list[Any] = []
        parent, step = self.reached[id(node)]
        while parent is not None:
            if step is not None:
                steps.append(step)
            parent, step = self.reached[id(parent)]
        return tuple(reversed(steps))


def _inside(node: yaml.Node) -> list[yaml.Node]:
    """The nodes directly inside `node`: keys and values, or items."""
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _too_many(root: yaml.Node, shape: _Shape, file: str) -> Refused:
    """Too many values, said where most of them are: the field holding them, or the value
    whose aliases repeat them."""
    node = root
    while inside := _inside(node):
        child = max(inside, key=lambda child: shape.sizes[id(child)])
        if id(child) in shape.shared or shape.sizes[id(child)] <= MAX_VALUES:
            break
        node = child
    path = shape.path(node)
    if shape.shared:
        return Refused(node_span(node, file), describe_path(path),
                       f"aliases here make the file hold {shape.sizes[id(root)]:,} values; a "
                       f"profile or rule file may hold at most {MAX_VALUES:,} (write the "
                       "values out, or use fewer aliases)")
    return Refused(node_span(node, file), describe_path(path[:1]), _TOO_MANY)


def _anchor(node: yaml.Node, text: str) -> str:
    """` (&name)`: the anchor written where `node` starts, for messages."""
    found = re.match(r"&([^\s,\[\]{}]+)", text[node.start_mark.index:])
    return f" (&{found[1]})" if found else ""
