"""Profiles made from other formats (FHIR R4 bundles, spreadsheets), each fact with its source.

An importer fills an `Imported`: the values a profile states, each with where it came from
(a FHIR resource, a spreadsheet row), and what it left out with the reason. `profile_text`
writes it as a profile, the source of every fact as a comment on its line and what was left
out as comments at the end, so a reader can check each fact against the chart. Nothing an
importer cannot map becomes a fact: the open world keeps it unknown.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Imported", "LeftOut", "is_bundle", "profile_text"]

ENTRY_ORDER = ("name", "category", "codes", "status", "date", "start", "stop")


@dataclass(frozen=True)
class LeftOut:
    """Something an importer did not turn into a fact: where it is, and why."""

    source: str
    reason: str


@dataclass
class Imported:
    """A profile being built: each value with its source, and what was left out."""

    scalars: dict[str, tuple[Any, str]] = field(default_factory=dict)
    records: dict[str, list[tuple[dict[str, Any], str]]] = field(default_factory=dict)
    labs: dict[str, list[tuple[dict[str, Any], str]]] = field(default_factory=dict)
    lists: dict[str, list[tuple[dict[str, Any], str]]] = field(default_factory=dict)
    complete: dict[str, tuple[dt.date | None, str]] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)
    unsure: dict[str, list[str]] = field(default_factory=dict)  # list -> sources not imported

    def leave_out(self, source: str, reason: str) -> None:
        self.left_out.append(LeftOut(source, reason))

    def record(self, block: str, values: dict[str, Any], source: str) -> None:
        self.records.setdefault(block, []).append((values, source))

    def entry(self, collection: str, values: dict[str, Any], source: str) -> None:
        self.lists.setdefault(collection, []).append((values, source))

    def merge(self, other: Imported) -> None:
        """Add what another import found (one resource's facts) to this one."""
        self.scalars.update(other.scalars)
        for mine, theirs in ((self.records, other.records), (self.labs, other.labs),
                             (self.lists, other.lists), (self.unsure, other.unsure)):
            for key, items in theirs.items():
                mine.setdefault(key, []).extend(items)  # type: ignore[arg-type]
        self.complete.update(other.complete)
        self.left_out.extend(other.left_out)

    def settle_complete_lists(self) -> None:
        """A list stated complete stays open when one of its entries could not be imported:
        "nothing else" would then deny what the source does record."""
        for collection, sources in self.unsure.items():
            if collection in self.complete:
                _, said = self.complete.pop(collection)
                self.leave_out(said, f"not imported as a complete {collection} list, since "
                               f"{', '.join(sources)} could not be imported")

    def facts(self) -> dict[str, Any]:
        """The profile as plain values, without sources (what a loader would read)."""
        import yaml

        return dict(yaml.safe_load(profile_text(self, ())) or {})


def profile_text(imported: Imported, header: Iterable[str]) -> str:
    """The profile as YAML: `header` as comment lines, each fact with its source as a comment,
    then what was left out."""
    lines = [f"# {_comment(line)}" if line else "#" for line in header]
    left_out = list(imported.left_out)
    for name, (value, source) in imported.scalars.items():
        lines.append(_line(f"{name}: {_flow(value)}", source))
    for block, records in imported.records.items():
        kept = _one_per_day(records, f"{block} record", left_out)
        if len(kept) == 1:
            lines.append(_line(f"{block}: {_flow(kept[0][0])}", kept[0][1]))
        elif kept:
            lines.append(f"{block}:")
            lines += [_line(f"  - {_flow(values)}", source) for values, source in kept]
    labs = {test: _one_per_day(results, f"labs.{test} result", left_out)
            for test, results in imported.labs.items()}
    if any(labs.values()):
        lines.append("labs:")
        for test, results in labs.items():
            if results:
                lines.append(f"  {test}:")
                lines += [_line(f"    - {_flow(values)}", source) for values, source in results]
    for collection in dict.fromkeys([*imported.complete, *imported.lists]):
        lines += _collection(collection, imported.lists.get(collection, []),
                             imported.complete.get(collection))
    if left_out:
        lines += ["", "# Not imported (each stays unknown to screening):"]
        lines += [f"# - {_comment(item.source)}: {_comment(item.reason)}" for item in left_out]
    return "\n".join(lines) + "\n"


def _collection(name: str, entries: list[tuple[dict[str, Any], str]],
                complete: tuple[dt.date | None, str] | None) -> list[str]:
    ordered = [({key: values[key] for key in sorted(values, key=_entry_key)}, source)
               for values, source in entries]
    if complete is None:
        return [f"{name}:", *(_line(f"  - {_flow(values)}", source)
                              for values, source in ordered)]
    reviewed, source = complete
    lines = [f"{name}:", _line("  complete: true", source)]
    if reviewed is not None:
        lines.append(f"  reviewed: {_flow(reviewed)}")
    if not ordered:
        return [*lines, "  items: []"]
    return [*lines, "  items:", *(_line(f"    - {_flow(values)}", source)
                                  for values, source in ordered)]


def _entry_key(key: str) -> int:
    return ENTRY_ORDER.index(key) if key in ENTRY_ORDER else len(ENTRY_ORDER)


def _one_per_day(records: list[tuple[dict[str, Any], str]], what: str,
                 left_out: list[LeftOut]) -> list[tuple[dict[str, Any], str]]:
    """Records of one block merged by date: values from several sources on one day become one
    record; two different values of one field on one day are both left out (which stands?)."""
    by_day: dict[Any, tuple[dict[str, Any], list[str]]] = {}
    clashes: dict[Any, set[str]] = {}
    for values, source in records:
        day = values.get("date")
        merged, sources = by_day.setdefault(day, ({}, []))
        for key, value in values.items():
            if key in merged and merged[key] != value:
                clashes.setdefault(day, set()).add(key)
            merged.setdefault(key, value)
        if source not in sources:
            sources.append(source)
    kept = []
    for day, (merged, sources) in sorted(by_day.items(), key=lambda item: str(item[0])):
        clash = clashes.get(day, set())
        if clash:
            left_out.append(LeftOut(", ".join(sources), f"{what}s of {day} disagree on "
                                    f"{', '.join(sorted(clash))}; none of them is imported"))
            continue
        kept.append((merged, ", ".join(sources)))
    return kept


def _line(text: str, source: str) -> str:
    return f"{text}  # {_comment(source)}" if source else text


def _flow(value: Any) -> str:
    """One value as YAML on one line: a date unquoted, text quoted when YAML would misread
    it, a mapping in braces."""
    import yaml

    text = yaml.safe_dump(_plain(value), default_flow_style=True, allow_unicode=True,
                          sort_keys=False, width=math.inf)
    return text.removesuffix("\n").removesuffix("\n...")


def _plain(value: Any) -> Any:
    """Values as YAML writes them plainly: 84.0 as 84."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _comment(text: str) -> str:
    """Text safe inside a YAML comment: one line, printable."""
    return "".join(char if char.isprintable() else " " for char in str(text))


# Here, not in .fhir: `screen` asks it of every file, and .fhir is only imported for a bundle.
def is_bundle(path: Path | str, text: str | None = None) -> bool:
    """Whether a file given as a profile is a FHIR bundle: named *.json, or JSON text that
    says `"resourceType"` near its start."""
    if str(path).lower().endswith(".json"):
        return True
    if text is None:
        return False
    head = text.lstrip()[:2000]
    return head.startswith("{") and '"resourceType"' in head
