"""What a condition is evaluated against: one profile, its facts, one date, one criterion."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from .observations import Facts, Observation
from .patient import PatientProfile

__all__ = ["Context"]


class Context(NamedTuple):
    """What a condition is evaluated against: one profile, one date, one criterion."""

    profile: PatientProfile
    facts: Mapping[str, Observation]
    as_of: dt.date
    trial_id: str = ""
    criterion_id: str = ""

    @classmethod
    def of(cls, profile: PatientProfile, as_of: dt.date, trial_id: str = "") -> Context:
        return cls(profile, Facts(profile, as_of), as_of, trial_id)
