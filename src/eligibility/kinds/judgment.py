"""`judgment`: a question only a clinician can answer, unknown until an answer is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import Field

from .. import explain
from ..context import Context
from ..logic import Truth, truth_of
from ..patient import Assessment
from ..results import Evidence, Need, Outcome
from ..vocabulary import Vocabulary
from .node import FALSE, TRUE, UNKNOWN, Days, Env, Finding, Node, Path, Text

__all__ = ["Judgment", "JudgmentPlan"]


class Judgment(Node):
    """A question only a clinician can answer; unknown until a profile records the answer.

    `judgment: "question"`, or `judgment: {question: ..., guidance: ..., id: ...}` where `id`
    tells several judgments of one criterion apart; with `answered_within_days`, an answer
    older than that is stale (asked again).
    """

    key = "judgment"
    question: Text
    guidance: str | None = None
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")] | None = None
    answered_within_days: Days | None = Field(
        None, description="An answer older than this many days no longer counts.")

    @classmethod
    def _body(cls, body: Any) -> Any:
        return {"question": body} if isinstance(body, str) else body


class JudgmentPlan:
    """A judgment bound to its trial and criterion: the answers that count are found by them."""

    __slots__ = ("days", "key", "need", "question", "trial")

    def __init__(self, judgment: Judgment, env: Env) -> None:
        self.trial, self.question = env.trial_id, judgment.question
        self.key = env.criterion_id + (f".{judgment.id}" if judgment.id else "")
        self.days = judgment.answered_within_days
        self.need = Need(f"assessment:{self.trial}:{self.key}",
                         f"clinician assessment of {self.key}: {self.question}")

    def latest(self, context: Context) -> Assessment | None:
        latest = None
        for assessment in context.profile.assessments:
            if assessment.trial == self.trial and assessment.criterion == self.key and (
                    latest is None or assessment.date > latest.date):
                latest = assessment
        return latest

    def _stale(self, answer: Assessment, context: Context) -> bool:
        return self.days is not None and (context.as_of - answer.date).days > self.days

    def truth(self, context: Context) -> int:
        latest = self.latest(context)
        if latest is None or self._stale(latest, context):
            return UNKNOWN
        return TRUE if latest.answer else FALSE

    def outcome(self, context: Context) -> Outcome:
        latest = self.latest(context)
        if latest is None:
            return Outcome(Truth.UNKNOWN, explain.needs_judgment(self.question), (),
                           (self.need,), asks=True, code="judgment.asked")
        sentence = explain.assessed(latest.by, latest.answer, latest.date, self.question)
        evidence = Evidence(self.need.fact, "observed", latest.answer, latest.date)
        if self._stale(latest, context):
            age = (context.as_of - latest.date).days
            return Outcome(Truth.UNKNOWN, f"{sentence}; the answer is older than the "
                           f"{self.days} days allowed ({age} days before "
                           f"{context.as_of.isoformat()})",
                           (evidence._replace(state="stale"),), (self.need,), asks=True,
                           code="judgment.stale")
        return Outcome(truth_of(latest.answer), sentence, (evidence,), code="judgment.answered")


def compile_judgment(judgment: Judgment, env: Env) -> JudgmentPlan:
    return JudgmentPlan(judgment, env)


def describe_judgment(judgment: Judgment, vocabulary: Vocabulary) -> list[str]:
    recency = (f" (an answer counts for {judgment.answered_within_days} days)"
               if judgment.answered_within_days else "")
    return [f"clinician judgment: {judgment.question}{recency}"]


def lint_judgment(judgment: Judgment, at: Path, vocabulary: Vocabulary) -> Iterator[Finding]:
    if not judgment.guidance:
        yield Finding(at, "judgment without guidance: say what the clinician should review "
                      "and which answer excludes", "warning")
