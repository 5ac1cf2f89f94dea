"""Rule fixtures: example patients a rule file ships with the statuses they must give.

A fixture is a profile written inside the rule file, a screening date, and the expected
status of some criteria (and, if given, the verdict). `run_fixtures` screens each one and
reports every difference, like a test runner; `eligibility test` prints them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from .loading import Problem
    from .rules import Trial

__all__ = ["Difference", "Fixture", "FixtureResult", "fixture_problems", "run_fixtures"]

Expected = Literal["pass", "fail", "unknown"]


class Fixture(BaseModel):
    """An example patient of a rule file, with the statuses its criteria must give."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, description="What the example shows.")]
    as_of: dt.date = Field(description="The screening date.")
    profile: dict[str, Any] | None = Field(
        None, description="A patient profile written here, as in a profile file.")
    profile_file: Annotated[str, Field(min_length=1)] | None = Field(
        None, description="Or a profile file, relative to the rule file's folder.")
    expect: dict[str, Expected] = Field(
        min_length=1, description="Criterion id to its expected status: pass, fail or "
        "unknown.")
    verdict: Literal["eligible", "ineligible", "needs_review"] | None = Field(
        None, description="The expected verdict of the trial, when the example pins it.")

    @model_validator(mode="after")
    def _one_profile(self) -> Fixture:
        if (self.profile is None) == (self.profile_file is None):
            raise ValueError("give the patient as profile (written here) or profile_file, "
                             "one of the two")
        return self


@dataclass(frozen=True)
class Difference:
    """One expectation a fixture did not meet."""

    what: str        # a criterion id, or "verdict"
    expected: str
    got: str
    why: str = ""    # the explanation of the status got


@dataclass(frozen=True)
class FixtureResult:
    """One fixture run: its differences, or the problems that kept it from running."""

    trial: str
    name: str
    checked: int
    differences: tuple[Difference, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.differences and not self.problems


def run_fixtures(trial: Trial) -> tuple[FixtureResult, ...]:
    """Screen every fixture of a trial and compare with what it expects."""
    results = []
    for fixture, profile, problems in _prepared(trial):
        if profile is None or problems:
            results.append(FixtureResult(trial.id, fixture.name, len(fixture.expect),
                                         problems=tuple(problems)))
        else:
            results.append(_compare(trial, fixture, profile))
    return tuple(results)


def fixture_problems(trial: Trial) -> tuple[Problem, ...]:
    """What keeps a trial's fixtures from running (a profile that does not validate, a
    profile file that is missing, a criterion id the trial does not have), without screening
    them: `eligibility check` reports these, `eligibility test` runs the fixtures."""
    return tuple(problem for _, _, problems in _prepared(trial) for problem in problems)


def _prepared(trial: Trial) -> list[tuple[Fixture, Any, list[Problem]]]:
    """Each fixture with its profile (None when it cannot be read) and the problems found."""
    if not trial.fixtures:
        return []
    from pathlib import Path

    from .loading import Problem, check_patient, check_profile_tree, parse_yaml, read_text

    file = str(trial.file)
    document = parse_yaml(read_text(Path(file)), file)
    prepared: list[tuple[Fixture, Any, list[Problem]]] = []
    for index, fixture in enumerate(trial.fixtures):
        tree = document.children["fixtures"].children[index]
        if fixture.profile_file is not None:
            path = Path(file).parent / fixture.profile_file
            if not path.is_file():
                where = tree.children["profile_file"]
                prepared.append((fixture, None, [Problem(
                    where.span, f"fixtures[{index}].profile_file",
                    f"no such file {str(path)!r} (a profile file is named relative to the "
                    "rule file's folder)"), *_unknown_ids(trial, fixture, tree, file, index)]))
                continue
            profile, found = check_patient(path, as_of=fixture.as_of,
                                           vocabulary=trial.vocabulary)
            problems = list(found)
        else:
            profile, problems = check_profile_tree(tree.children["profile"], file,
                                                   trial.vocabulary,
                                                   prefix=f"fixtures[{index}].profile")
            problems = list(problems)
        prepared.append((fixture, profile, [*problems, *_unknown_ids(trial, fixture, tree,
                                                                       file, index)]))
    return prepared


def _compare(trial: Trial, fixture: Fixture, profile: Any) -> FixtureResult:
    from .screening import screen

    screening = screen(profile, trial, as_of=fixture.as_of)
    got = {result.criterion.id: result for result in screening.results}
    differences = [Difference(ident, expected, str(got[ident].status),
                              got[ident].outcome.explanation)
                   for ident, expected in fixture.expect.items()
                   if str(got[ident].status) != expected]
    if fixture.verdict is not None and str(screening.verdict) != fixture.verdict:
        differences.append(Difference("verdict", fixture.verdict, str(screening.verdict)))
    return FixtureResult(trial.id, fixture.name, len(fixture.expect), tuple(differences))


def _unknown_ids(trial: Trial, fixture: Fixture, tree: Any, file: str,
                 index: int) -> list[Problem]:
    from .loading import Problem
    from .vocabulary import closest

    known = [criterion.id for criterion in trial.criteria]
    expect = tree.children["expect"]
    return [Problem(expect.key_spans[ident], f"fixtures[{index}].expect.{ident}",
                    f"no criterion {ident!r} in trial {trial.id}{closest(ident, known)}")
            for ident in fixture.expect if ident not in known]
