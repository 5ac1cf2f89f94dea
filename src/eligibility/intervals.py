"""The values a check allows, as unions of intervals: for finding rules that can never be true,
are always true, or contradict each other, without any patient."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from .vocabulary import Fact

__all__ = ["Interval", "allowed", "covers", "domain", "intersect", "is_whole", "nothing",
           "settled"]

# A set of values as closed/open intervals: (low, low_closed, high, high_closed).
Interval = tuple[float, bool, float, bool]


def is_whole(fact: Fact) -> bool:
    return fact.kind in ("integer", "category", "boolean")


def nothing(intervals: Sequence[Interval], fact: Fact) -> bool:
    """Whether no value (no whole value, for whole-number facts) lies in `intervals`."""
    return _empty(_whole(intervals) if fact.kind == "integer" else intervals)


def domain(fact: Fact) -> list[Interval]:
    if fact.kind in ("category", "boolean"):
        return [(index, True, index, True) for index in range(len(_values(fact)))]
    low = -math.inf if fact.minimum is None else fact.minimum
    high = math.inf if fact.maximum is None else fact.maximum
    return [(low, True, high, True)]


def _values(fact: Fact) -> tuple[object, ...]:
    return (True, False) if fact.kind == "boolean" else fact.categories


def allowed(op: str, value: Any, fact: Fact) -> list[Interval] | None:
    """The values for which `op value` holds, or None when that cannot be known without data."""
    if fact.kind in ("category", "boolean"):
        values = _values(fact)
        match op:
            case "equals":
                chosen = [value]
            case "one_of":
                chosen = list(value)
            case "is_true":
                chosen = [True]
            case "is_false":
                chosen = [False]
            case _:
                return None
        return [(values.index(v), True, values.index(v), True) for v in chosen if v in values]
    if fact.kind not in ("number", "integer"):
        return None
    whole = fact.kind == "integer"
    match op:
        case "at_least":
            return [(value, True, math.inf, True)]
        case "above":
            return [(math.floor(value) + 1, True, math.inf, True)] if whole else [
                (value, False, math.inf, True)]
        case "at_most":
            return [(-math.inf, True, value, True)]
        case "below":
            return [(-math.inf, True, math.ceil(value) - 1, True)] if whole else [
                (-math.inf, True, value, False)]
        case "between":
            return [(value[0], True, value[1], True)]
        case "equals":
            return [(value, True, value, True)]
        case "one_of":
            return [(item, True, item, True) for item in value]
    return None


def intersect(left: Sequence[Interval], right: Sequence[Interval]) -> list[Interval]:
    result = []
    for a in left:
        for b in right:
            low, low_open = max((a[0], not a[1]), (b[0], not b[1]))
            high, high_closed = min((a[2], a[3]), (b[2], b[3]))
            interval = (low, not low_open, high, high_closed)
            if not _empty([interval]):
                result.append(interval)
    return result


def _empty(intervals: Sequence[Interval]) -> bool:
    return all(low > high or (low == high and not (low_closed and high_closed))
               for low, low_closed, high, high_closed in intervals)


def _whole(intervals: Sequence[Interval]) -> list[Interval]:
    """Integer intervals as closed whole ranges, widened by a half so neighbours touch."""
    result = []
    for low, low_closed, high, high_closed in intervals:
        first = low if math.isinf(low) else (math.ceil(low) if low_closed else math.floor(low) + 1)
        last = high if math.isinf(high) else (
            math.floor(high) if high_closed else math.ceil(high) - 1)
        if first <= last:
            result.append((first - 0.5, True, last + 0.5, True))
    return result


def covers(intervals: Sequence[Interval], domain: Sequence[Interval], *,
           whole: bool = False) -> bool:
    """Whether the union of `intervals` contains every point (every integer, if `whole`) of
    `domain`."""
    if whole:
        intervals, domain = _whole(intervals), _whole(domain)
    for target in domain:
        low, low_closed, high, high_closed = target
        pieces = sorted((i for i in intersect(intervals, [target])),
                        key=lambda i: (i[0], not i[1]))
        reach, reach_closed = low, not low_closed  # covered up to `reach`
        started = False
        for p_low, p_low_closed, p_high, p_high_closed in pieces:
            if not started:
                if p_low > low or (p_low == low and low_closed and not p_low_closed):
                    return False
                started = True
            elif p_low > reach or (p_low == reach and not (reach_closed or p_low_closed)):
                return False
            if (p_high, p_high_closed) > (reach, reach_closed):
                reach, reach_closed = p_high, p_high_closed
        if not started or reach < high or (reach == high and high_closed and not reach_closed):
            return False
    return True


def settled(op: str, value: Any, fact: Fact) -> Literal["never", "always"] | None:
    """Whether `op value` holds for no allowed value of `fact` ("never"), for every one
    ("always"), or depends on the value (None); None too when it cannot be told."""
    wanted = allowed(op, value, fact)
    if wanted is None:
        return None
    whole = domain(fact)
    if nothing(intersect(wanted, whole), fact):
        return "never"
    return "always" if covers(wanted, whole, whole=is_whole(fact)) else None
