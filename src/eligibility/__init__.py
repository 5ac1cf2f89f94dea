"""eligibility: pre-screen patients for clinical trials with explained, three-valued rules."""

from __future__ import annotations

__version__ = "0.1.0"

from .loading import InputError, Problem, load_patient, load_trial, load_trials
from .logic import Truth
from .patient import PatientProfile
from .results import CriterionResult, Outcome, Screening, Status, Verdict
from .rules import Criterion, Trial
from .screening import evaluate, screen, screen_all

__all__ = [
    "Criterion",
    "CriterionResult",
    "InputError",
    "Outcome",
    "PatientProfile",
    "Problem",
    "Screening",
    "Status",
    "Trial",
    "Truth",
    "Verdict",
    "__version__",
    "evaluate",
    "load_patient",
    "load_trial",
    "load_trials",
    "screen",
    "screen_all",
]
