"""Shared test helpers: build profiles, trials and conditions the way a YAML file would.

Test modules import these names directly (`from conftest import AS_OF, profile`); pytest puts
this folder on `sys.path`, so `conftest` is an ordinary module here.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter

from eligibility.loading import parse_yaml
from eligibility.patient import PatientProfile
from eligibility.results import CriterionResult, Outcome, Screening
from eligibility.rules import Condition, Trial
from eligibility.screening import Context, evaluate, screen

__all__ = [
    "ALSFRS_R_ALL_THREES",
    "AS_OF",
    "CONDITION",
    "TRIAL_ID",
    "TRIAL_INFO",
    "alsfrs_r",
    "condition",
    "criterion_result",
    "outcome",
    "profile",
    "screen_one",
    "single_criterion_trial",
    "texts",
    "trial_from_yaml",
    "trial_with",
]

AS_OF = dt.date(2026, 11, 2)
"""The screening date every test uses unless it says otherwise."""

TRIAL_ID = "NCT00000001"
"""The id of every trial the helpers build; assessments must name it to count."""

TRIAL_INFO: Mapping[str, Any] = {
    "id": TRIAL_ID,
    "title": "A test trial",
    "overall_status": "RECRUITING",
}
"""The smallest valid `trial:` block."""

CONDITION: TypeAdapter[Any] = TypeAdapter(Condition)
"""Validates one condition mapping (`{check: {...}}`, `{all: [...]}`, ...) into its model."""

ALSFRS_R_ALL_THREES: Mapping[str, int] = {
    "speech": 3,
    "salivation": 3,
    "swallowing": 3,
    "handwriting": 3,
    "cutting_food": 3,
    "dressing_hygiene": 3,
    "turning_in_bed": 3,
    "walking": 3,
    "climbing_stairs": 3,
    "dyspnea": 3,
    "orthopnea": 3,
    "respiratory_insufficiency": 3,
}
"""All twelve ALSFRS-R slots scored 3 (item 5 as 5a, cutting_food)."""


def profile(**fields: Any) -> PatientProfile:
    """A PatientProfile from fields as a profile YAML states them; `id` defaults to 'P-test'.

    `profile(fvc={"percent_predicted": 78, "date": dt.date(2026, 1, 10)})`
    """
    return PatientProfile.model_validate({"id": "P-test", **fields})


def alsfrs_r(date: dt.date = dt.date(2026, 10, 20), *, without: tuple[str, ...] = (),
             **scores: int) -> dict[str, Any]:
    """An `alsfrs_r:` block: every item 3 unless given in `scores`, items in `without` left out.

    `alsfrs_r(walking=1, without=("speech",))`; pass `cutting_food_gastrostomy=...` together
    with `without=("cutting_food",)` to score item 5 as 5b.
    """
    items = {**ALSFRS_R_ALL_THREES, **scores}
    return {"date": date, "items": {item: score for item, score in items.items()
                                     if item not in without}}


def texts(needs: Any) -> tuple[str, ...]:
    """What to collect, in words: the text of each Need (`outcome.missing`, `collect_next`)."""
    return tuple(need.text for need in needs)


def condition(mapping: Mapping[str, Any]) -> Any:
    """One Condition model from its YAML mapping, e.g. `{"check": {"fact": "age", ...}}`."""
    return CONDITION.validate_python(mapping)


def outcome(condition_: Mapping[str, Any] | Any, patient: PatientProfile, *,
            as_of: dt.date = AS_OF) -> Outcome:
    """Evaluate one condition (a mapping or a model) for `patient`, outside any criterion."""
    model = condition(condition_) if isinstance(condition_, Mapping) else condition_
    return evaluate(model, Context.of(patient, as_of, TRIAL_ID))


def trial_with(*criteria: Mapping[str, Any]) -> Trial:
    """A Trial with id TRIAL_ID and these criteria, each a mapping as written in a rule file.

    `trial_with({"id": "I1", "kind": "inclusion", "text": "...", "check": {...}})`
    """
    return Trial.model_validate({"trial": dict(TRIAL_INFO), "criteria": list(criteria)})


def single_criterion_trial(condition_: Mapping[str, Any], *, kind: str = "inclusion",
                           id: str = "C1", applies_to: Mapping[str, Any] | None = None,
                           text: str = "Test criterion.") -> Trial:
    """A trial with one criterion whose rule is `condition_` (`{"check": {...}}` and so on)."""
    criterion: dict[str, Any] = {"id": id, "kind": kind, "text": text, "condition": condition_}
    if applies_to is not None:
        criterion["applies_to"] = applies_to
    return trial_with(criterion)


def screen_one(patient: PatientProfile, trial: Trial, *, as_of: dt.date = AS_OF) -> Screening:
    """Screen `patient` against `trial` on AS_OF (or `as_of`)."""
    return screen(patient, trial, as_of=as_of)


def criterion_result(condition_: Mapping[str, Any], patient: PatientProfile, *,
                     kind: str = "inclusion", id: str = "C1",
                     applies_to: Mapping[str, Any] | None = None,
                     as_of: dt.date = AS_OF) -> CriterionResult:
    """The result of a single criterion with rule `condition_` for `patient`."""
    trial = single_criterion_trial(condition_, kind=kind, id=id, applies_to=applies_to)
    (result,) = screen(patient, trial, as_of=as_of).results
    return result


def trial_from_yaml(text: str, *, file: str = f"{TRIAL_ID}.yaml") -> Trial:
    """A Trial from rule-file YAML text (dedented), validated as `load_trial` would.

    Positions are not attached to criteria (span is None) and file-level checks such as
    duplicate criterion ids are not made; use `load_trial` on a file in `tmp_path` for those.
    """
    document = parse_yaml(textwrap.dedent(text), file)
    return Trial.model_validate(document.value)
