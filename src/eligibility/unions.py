"""Of the errors a plain union gives for one value, keep the alternative the author meant.

A field typed `A | B` (a code or a list of codes; a slot name or a slot mapping) reports every
alternative's errors when the value fits none, each under a step naming the alternative
(`constrained-str`, `SlotSpec`), which the author never wrote. One mistake then reads as two
or three messages, one of them about the wrong shape. Rule conditions do not need this: they
are a discriminated union, which reports only the alternative its tag names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .source import Located

__all__ = ["meant_alternatives"]

Detail = Mapping[str, Any]

# Errors saying the value has the wrong shape for an alternative: a container, or a scalar.
_CONTAINER_TYPES = frozenset({"list_type", "tuple_type", "set_type", "dict_type", "model_type",
                              "model_attributes_type"})


def meant_alternatives(details: Sequence[Detail], document: Located) -> list[Detail]:
    """The details with, for each value a union refused, only the errors of the alternative
    the author meant, their locations without the alternative's step.

    The alternative meant is the one whose errors fit the shape of what was written (a mapping
    for a model, a list for a list, a scalar for a scalar), then the one whose errors reach
    deepest into the value; on a tie, the first.
    """
    steps = [_alternative_step(detail, document) for detail in details]
    tried: dict[tuple[Any, ...], list[Any]] = {}
    for detail, index in zip(details, steps, strict=True):
        if index is not None:
            prefix, step = tuple(detail["loc"][:index]), detail["loc"][index]
            if step not in tried.setdefault(prefix, []):
                tried[prefix].append(step)
    unions = {prefix: _meant(prefix, alternatives, details, steps)
              for prefix, alternatives in tried.items() if len(alternatives) > 1}
    kept: list[Detail] = []
    for detail, index in zip(details, steps, strict=True):
        loc = tuple(detail["loc"])
        if index is None or loc[:index] not in unions:
            kept.append(detail)
        elif loc[index] == unions[loc[:index]]:
            kept.append({**detail, "loc": loc[:index] + loc[index + 1:]})
    return kept


def _alternative_step(detail: Detail, document: Located) -> int | None:
    """Where in the detail's location a step names something the document does not hold at
    that place and that is not the last step of a missing field: an alternative's name."""
    loc = tuple(detail["loc"])
    node = document
    for index, step in enumerate(loc):
        child = node.children.get(step)
        if child is None:
            last = index == len(loc) - 1
            if not isinstance(step, str) or (last and detail["type"] == "missing"):
                return None
            return index
        node = child
    return None


def _meant(prefix: tuple[Any, ...], alternatives: list[Any], details: Sequence[Detail],
           steps: Sequence[int | None]) -> Any:
    def score(alternative: Any) -> tuple[bool, int]:
        mine = [detail for detail, index in zip(details, steps, strict=True)
                if index == len(prefix) and tuple(detail["loc"][:index]) == prefix
                and detail["loc"][index] == alternative]
        return (all(_fits(detail) for detail in mine),
                max(len(detail["loc"]) for detail in mine))
    return max(alternatives, key=score)  # max keeps the first of equals


def _fits(detail: Detail) -> bool:
    """False when the error says the value written has the other shape: a container where a
    scalar was written, or a scalar where a mapping or list was."""
    kind, value = detail["type"], detail.get("input")
    written_container = isinstance(value, (Mapping, list, tuple))
    if kind in _CONTAINER_TYPES:
        return written_container
    if kind.endswith("_type"):
        return not written_container
    return True
