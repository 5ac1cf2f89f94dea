"""Forecast a patient's eligibility window: each day the screening would change, and why.

Screening depends on the date only through the screening date (`as_of`), so a forecast moves
that date forward, day by day, over the profile as it stands: it answers "if nothing new is
recorded". Every day of the horizon is screened on the verdict-only path (exact by
construction: no change between two days can be missed), and the days on which a criterion's
status changes are screened again on the explained path, for the why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from .context import Context
from .durations import Duration
from .observations import Facts
from .patient import PatientProfile
from .results import CriterionResult, Evidence, Screening, Status, Verdict
from .rules import Trial
from .screening import screen, status_functions

__all__ = ["ASSUMPTION", "DEFAULT_HORIZON", "LONGEST_HORIZON", "Change", "Forecast", "Step",
           "Window", "attach", "change_words", "forecast", "forecast_all", "summary",
           "verdict_of"]

DEFAULT_HORIZON = Duration(24, "months")
ASSUMPTION = "if nothing new is recorded"
"""What every forecast assumes: only the screening date moves; the profile stays as it is."""
LONGEST_HORIZON = 3660
"""Days: a horizon is at most about ten years (every day of it is screened)."""


class Change(NamedTuple):
    """One criterion's status changing: `before` on the day before, `after` from `on`, with
    the result on `on` (its explanation says why) and a short reason in words."""

    criterion_id: str
    before: Status
    after: Status
    result: CriterionResult
    reason: str


class Step(NamedTuple):
    """The screening from `on` until the next step: every status and the verdict, and the
    criteria whose status changed on `on` (none for the first step, the screening date)."""

    on: dt.date
    statuses: tuple[Status, ...]
    verdict: Verdict
    changes: tuple[Change, ...] = ()


class Window(NamedTuple):
    """Consecutive days with one verdict: from `start` to `end` (inclusive; None when it still
    holds on the horizon's last day), opened and closed by the changes of those days."""

    verdict: Verdict
    start: dt.date
    end: dt.date | None
    opened_by: tuple[Change, ...]
    closed_by: tuple[Change, ...]


@dataclass(frozen=True)
class Forecast:
    """One trial's screening from `start` to `end` (both included), as steps."""

    trial_id: str
    start: dt.date
    end: dt.date
    horizon: Duration
    steps: tuple[Step, ...]

    def on(self, day: dt.date) -> Step:
        """The step in force on `day` (a day between `start` and `end`)."""
        if not self.start <= day <= self.end:
            raise ValueError(f"{day} is outside the forecast ({self.start} to {self.end})")
        return [step for step in self.steps if step.on <= day][-1]

    @property
    def windows(self) -> tuple[Window, ...]:
        """The runs of days with one verdict, in order."""
        starts = [index for index, step in enumerate(self.steps)
                  if index == 0 or step.verdict is not self.steps[index - 1].verdict]
        windows = []
        for number, index in enumerate(starts):
            following = starts[number + 1] if number + 1 < len(starts) else None
            step = self.steps[index]
            end = None if following is None else self.steps[following].on - dt.timedelta(1)
            closed = () if following is None else self.steps[following].changes
            windows.append(Window(step.verdict, step.on, end, step.changes, closed))
        return tuple(windows)


def verdict_of(statuses: Iterable[Status]) -> Verdict:
    """The verdict the statuses give, as `Screening.verdict` gives it."""
    found = set(statuses)
    if Status.FAIL in found:
        return Verdict.INELIGIBLE
    if Status.UNKNOWN in found:
        return Verdict.NEEDS_REVIEW
    return Verdict.ELIGIBLE


def horizon_end(start: dt.date, horizon: Duration) -> dt.date:
    """The last day a forecast from `start` looks at: `start` plus the horizon, no further
    than `LONGEST_HORIZON` days and the end of the calendar."""
    longest = (start + dt.timedelta(LONGEST_HORIZON) if dt.date.max - start >
               dt.timedelta(LONGEST_HORIZON) else dt.date.max)
    return min(horizon.after(start), longest)


def forecast_all(profile: PatientProfile, trials: Sequence[Trial], *, as_of: dt.date,
                 horizon: Duration = DEFAULT_HORIZON) -> tuple[Forecast, ...]:
    """Each trial's forecast for the profile as it stands, from `as_of` over the horizon.

    Each day is read once for the trials that share a vocabulary, as `verdicts` reads it
    for one trial: a profile's facts on a date do not depend on the trial."""
    end = horizon_end(as_of, horizon)
    days = [as_of + dt.timedelta(offset) for offset in range((end - as_of).days + 1)]
    functions = [status_functions(trial) for trial in trials]
    daily: list[list[tuple[Status, ...]]] = [[] for _ in trials]
    # A day's facts are read once for the trials that share a vocabulary, and carried to the
    # next day where they do not depend on the date (`Facts.on`: only ages and what is
    # derived from the screening date are read again).
    carried: dict[int, Facts] = {}
    for day in days:
        shared: dict[int, Facts] = {}
        for index, trial in enumerate(trials):
            key = id(trial.vocabulary)
            facts = shared.get(key)
            if facts is None:
                before = carried.get(key)
                facts = shared[key] = (before.on(day) if before is not None
                                       else Facts(profile, day, trial.vocabulary))
            context = Context(profile, facts, day, trial.id)
            daily[index].append(tuple([status(context) for status in functions[index]]))
        carried = shared
    return tuple(_forecast(profile, trial, days, statuses, horizon)
                 for trial, statuses in zip(trials, daily, strict=True))


def forecast(profile: PatientProfile, trial: Trial, *, as_of: dt.date,
             horizon: Duration = DEFAULT_HORIZON) -> Forecast:
    """One trial's forecast for the profile as it stands, from `as_of` over the horizon."""
    (found,) = forecast_all(profile, [trial], as_of=as_of, horizon=horizon)
    return found


def _forecast(profile: PatientProfile, trial: Trial, days: Sequence[dt.date],
              daily: Sequence[tuple[Status, ...]], horizon: Duration) -> Forecast:
    """The steps of one trial from its statuses on each day: a step where any changes."""
    steps = [Step(days[0], daily[0], verdict_of(daily[0]))]
    for index in range(1, len(days)):
        before, after = daily[index - 1], daily[index]
        if before != after:
            day = days[index]
            changes = _changes(profile, trial, day, before, after)
            steps.append(Step(day, after, verdict_of(after), changes))
    return Forecast(trial.id, days[0], days[-1], horizon, tuple(steps))


def _changes(profile: PatientProfile, trial: Trial, day: dt.date,
             before: Sequence[Status], after: Sequence[Status]) -> tuple[Change, ...]:
    """The criteria whose status changes on `day`, each with its explained result that day
    and the day before."""
    changed = [index for index, (old, new) in enumerate(zip(before, after, strict=True))
               if old is not new]
    today = screen(profile, trial, as_of=day).results
    yesterday = screen(profile, trial, as_of=day - dt.timedelta(1)).results
    return tuple(Change(today[index].criterion.id, before[index], after[index], today[index],
                        _reason(trial, yesterday[index], today[index]))
                 for index in changed)


def _reason(trial: Trial, before: CriterionResult, after: CriterionResult) -> str:
    """Why a status changed, in a few words: observations going stale (`FVC of 2026-10-20
    goes stale`) when that made it unknown, else the sentence the criterion gives that day."""
    if after.status is not Status.UNKNOWN:
        return after.outcome.explanation
    old = {_key(evidence) for evidence in before.outcome.evidence if evidence.state != "stale"}
    stale: dict[str, list[str]] = {}
    facts = trial.vocabulary.facts
    for item in after.outcome.evidence:
        if item.state == "stale" and _key(item) in old:
            label = facts[item.fact].label if item.fact in facts else item.fact
            on = item.date.isoformat() if item.date else "no date"
            stale.setdefault(on, [])
            if label not in stale[on]:
                stale[on].append(label)
    if stale:
        return "; ".join(_gone_stale(labels, on) for on, labels in stale.items())
    return after.outcome.explanation


def _gone_stale(labels: Sequence[str], on: str) -> str:
    """`FVC of 2026-10-20 goes stale`, `Hemoglobin and Platelets of ... go stale`,
    `ALSFRS-R item 1 speech and 11 more of ... go stale`."""
    if len(labels) == 1:
        return f"{labels[0]} of {on} goes stale"
    named = (f"{', '.join(labels[:-1])} and {labels[-1]}" if len(labels) <= 4
             else f"{labels[0]} and {len(labels) - 1} more")
    return f"{named} of {on} go stale"


def _key(evidence: Evidence) -> tuple[str, object, dt.date | None]:
    return evidence.fact, repr(evidence.value), evidence.date


def attach(screenings: Sequence[Screening], forecasts: Sequence[Forecast]) -> (
        tuple[Screening, ...]):
    """The screenings, each carrying its trial's forecast."""
    import dataclasses

    return tuple(dataclasses.replace(screening, forecast=found)
                 for screening, found in zip(screenings, forecasts, strict=True))


_WORDS = {Verdict.ELIGIBLE: "eligible", Verdict.INELIGIBLE: "ineligible",
          Verdict.NEEDS_REVIEW: "needs review"}


def summary(forecast: Forecast) -> str:
    """The windows in a line: `eligible until 2027-01-17 (record newer data before: I5 goes
    stale); needs review from 2027-01-18 (I5); ineligible from 2027-09-11 (I4)`: each window
    after the first names the criteria that open it."""
    windows = forecast.windows
    first = windows[0]
    if first.end is None:
        return f"{_WORDS[first.verdict]} throughout, to {forecast.end.isoformat()}"
    parts = [f"{_WORDS[first.verdict]} until {first.end.isoformat()}" + _closing(first)]
    for window in windows[1:]:
        ids = ", ".join(change.criterion_id for change in window.opened_by)
        parts.append(f"{_WORDS[window.verdict]} from {window.start.isoformat()} ({ids})")
    return "; ".join(parts)


def _closing(window: Window) -> str:
    """What to do before an eligible window ends when it ends by data going stale: ` (record
    newer data before: E2, E10 go stale)`."""
    if window.verdict is not Verdict.ELIGIBLE or window.end is None:
        return ""
    stale = [change.criterion_id for change in window.closed_by
             if change.after is Status.UNKNOWN and change.reason.endswith("stale")]
    if not stale:
        return ""
    verb = "goes" if len(stale) == 1 else "go"
    return f" (record newer data before: {', '.join(stale)} {verb} stale)"


def change_words(change: Change, arrow: str = "→") -> str:
    """`I5 pass → unknown: FVC of 2026-10-20 goes stale`."""
    return f"{change.criterion_id} {change.before} {arrow} {change.after}: {change.reason}"


def verdict_words(verdict: Verdict) -> str:
    """`eligible`, `ineligible`, `needs review`."""
    return _WORDS[verdict]
