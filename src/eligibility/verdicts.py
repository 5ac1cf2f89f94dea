"""Statuses and verdicts without explanations: a view of the same compiled plan as `screen`.

Kept as its own import for programs that only want answers; see `screening.verdicts`.
"""

from __future__ import annotations

from .screening import trial_plan, verdicts

__all__ = ["trial_plan", "verdicts"]
