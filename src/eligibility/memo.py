"""Work done once per rule object: rules are read once and evaluated for many patients."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

__all__ = ["once_per_object"]

K = TypeVar("K")
V = TypeVar("V")


def once_per_object(make: Callable[[K], V]) -> Callable[[K], V]:
    """`make(key)`, made once per key object and found again by identity.

    Rule objects are frozen, but hashing one by value walks its whole condition tree, which
    would cost more than the work saved. Each key is kept alive beside its value, so no other
    object can take its id while it is cached.
    """
    made: dict[int, tuple[K, V]] = {}

    def get(key: K) -> V:
        found = made.get(id(key))
        if found is None:
            found = made[id(key)] = (key, make(key))
        return found[1]

    return get
