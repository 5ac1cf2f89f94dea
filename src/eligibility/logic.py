"""Truth values and the Kleene connectives that combine them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

__all__ = ["Truth", "all_of", "any_of", "negate", "truth_of"]


class Truth(Enum):
    """The value of a condition: false, unknown or true, ordered by that ranking."""

    FALSE = 0
    UNKNOWN = 1
    TRUE = 2

    def __str__(self) -> str:
        return self.name.lower()


def all_of(truths: Iterable[Truth]) -> Truth:
    """Kleene conjunction: false if any part is false, true if all are true, else unknown."""
    result = Truth.TRUE
    for truth in truths:
        if truth is Truth.FALSE:
            return truth
        if truth is Truth.UNKNOWN:
            result = truth
    return result


def any_of(truths: Iterable[Truth]) -> Truth:
    """Kleene disjunction: true if any part is true, false if all are false, else unknown."""
    result = Truth.FALSE
    for truth in truths:
        if truth is Truth.TRUE:
            return truth
        if truth is Truth.UNKNOWN:
            result = truth
    return result


def negate(truth: Truth) -> Truth:
    """Kleene negation: swaps true and false, keeps unknown."""
    return Truth(2 - truth.value)


def truth_of(answer: bool) -> Truth:
    """The truth of a plain yes/no answer."""
    return Truth.TRUE if answer else Truth.FALSE
