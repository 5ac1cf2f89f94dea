"""What a condition is evaluated against: one profile, its facts, one date, one criterion."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from .observations import Facts
from .patient import PatientProfile
from .vocabulary import Vocabulary

__all__ = ["Context"]


class Context(NamedTuple):
    """What a condition is evaluated against: one profile, one date, one criterion."""

    profile: PatientProfile
    facts: Facts
    as_of: dt.date
    trial_id: str = ""
    criterion_id: str = ""

    @classmethod
    def of(cls, profile: PatientProfile, as_of: dt.date, trial_id: str = "",
           vocabulary: Vocabulary | None = None) -> Context:
        # tuple.__new__ with every field: a NamedTuple's own __new__ costs a tenth of a check.
        return _new(cls, (profile, Facts(profile, as_of, vocabulary), as_of, trial_id, ""))


_new = tuple.__new__
