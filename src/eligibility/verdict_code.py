"""The verdict-only view of a criterion as one generated Python function.

`CriterionPlan.status` answers pass, fail or unknown for a criterion without building any
explanation; screening a registry, a batch or a forecast (every day of a horizon) calls it for
every criterion of every patient, so the layers of plan objects it walks (a method call per
node of the rule) are most of its cost. This module writes the same walk out as the body of one
function per criterion: `all`, `any`, `not` and `first` become Kleene arithmetic on 0, 1, 2
(`Truth.value`: false, unknown, true) in straight-line code, and a `check` of the latest value
with an operator that reads only the value becomes a few lines reading the observation and
comparing it. Any other node (has, every, change, judgment, a check at a visit, a deep
subtree) is called as its plan's `truth`, as before.

Only names this module makes up go into the generated source; every value from a rule file (a
fact name, a threshold, an operator) is passed in through the function's globals, so no text a
user wrote is ever compiled. `tests/test_properties.py` holds the generated function to the
explained screening (`test_the_verdict_only_path_agrees_with_the_explained_screening`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .context import Context
from .kinds.check import CheckPlan
from .kinds.combine import AllPlan, AnyPlan, FirstPlan, NotPlan
from .observations import _UNREAD
from .results import Status

__all__ = ["status_function"]

# Python refuses more than 20 statically nested blocks; each `all`/`any`/`first` level costs
# two (a loop and an if), a check one. Deeper subtrees are called as plans.
_MOST_DEPTH = 6

Truth = Callable[[Context], int]


class _Writer:
    """The lines of one function and the values its globals hold."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.values: dict[str, Any] = {"UNREAD": _UNREAD}
        self.count = 0

    def name(self, prefix: str, value: Any = None) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        if value is not None:
            self.values[name] = value
        return name

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def truth(self, plan: Any, depth: int, level: int) -> str:
        """Lines that leave the plan's truth (0, 1 or 2) in a local, and that local's name."""
        if isinstance(plan, CheckPlan) and plan.visit is None and (
                plan.test_on_value is not None) and level < _MOST_DEPTH:
            return self._check(plan, depth)
        if isinstance(plan, (AllPlan, AnyPlan, FirstPlan)) and level < _MOST_DEPTH:
            return self._combined(plan, depth, level)
        if isinstance(plan, NotPlan) and level < _MOST_DEPTH:
            inner = self.truth(plan.part, depth, level + 1)
            result = self.name("t")
            self.line(depth, f"{result} = 2 - {inner}")
            return result
        call, result = self.name("plan", plan.truth), self.name("t")
        self.line(depth, f"{result} = {call}(context)")
        return result

    def _check(self, plan: CheckPlan, depth: int) -> str:
        # CheckPlan._truth, written out: the latest observation, unknown when missing or too
        # old, the general path for an uncertain age, else the operator on the bare value.
        fact, value = self.name("fact", plan.name), self.name("value")
        self.values[value] = plan.value
        test, general = self.name("test", plan.test_on_value), self.name("plan", plan.truth)
        seen, result = self.name("o"), self.name("t")
        self.line(depth, f"{seen} = latest.get({fact}, UNREAD)")
        self.line(depth, f"if {seen} is UNREAD:")
        self.line(depth + 1, f"{seen} = facts.get({fact})")
        self.line(depth, f"if {seen} is None:")
        self.line(depth + 1, f"{result} = 1")
        self.line(depth, f"elif {seen}.alternatives:")
        self.line(depth + 1, f"{result} = {general}(context)")
        if plan.days is not None:
            days = self.name("days", plan.days)
            self.line(depth, f"elif {seen}.date is None or (as_of - {seen}.date).days > {days}:")
            self.line(depth + 1, f"{result} = 1")
        self.line(depth, "else:")
        self.line(depth + 1, f"{result} = 2 if {test}({seen}.value, {value}) else 0")
        return result

    def _combined(self, plan: AllPlan | AnyPlan | FirstPlan, depth: int, level: int) -> str:
        # all: 2 until a part is 0 (stop) or 1; any: 0 until a part is 2 (stop) or 1; first:
        # 1 until a part is decided (stop with it).
        result = self.name("t")
        start, stop = {AllPlan: ("2", "0"), AnyPlan: ("0", "2"), FirstPlan: ("1", "")}[
            type(plan)]
        self.line(depth, f"{result} = {start}")
        self.line(depth, "while True:")
        for part in plan.parts:
            found = self.truth(part, depth + 1, level + 1)
            if isinstance(plan, FirstPlan):
                self.line(depth + 1, f"if {found} != 1:")
                self.line(depth + 2, f"{result} = {found}")
                self.line(depth + 2, "break")
            else:
                self.line(depth + 1, f"if {found} == {stop}:")
                self.line(depth + 2, f"{result} = {stop}")
                self.line(depth + 2, "break")
                self.line(depth + 1, f"if {found} == 1:")
                self.line(depth + 2, f"{result} = 1")
        self.line(depth + 1, "break")
        return result


def status_function(condition: Any, guard: Any | None, inclusion: bool) -> Callable[
        [Context], Status]:
    """The criterion's status for a context, as `CriterionPlan.status` works it out, as one
    generated function."""
    writer = _Writer()
    writer.line(1, "facts = context.facts")
    writer.line(1, "latest = facts._latest")
    writer.line(1, "as_of = context.as_of")
    statuses = ((Status.FAIL, Status.UNKNOWN, Status.PASS) if inclusion
                else (Status.PASS, Status.UNKNOWN, Status.FAIL))
    writer.values.update(STATUSES=statuses, PASS=Status.PASS)
    if guard is not None:
        applies = writer.truth(guard, 1, 0)
        writer.line(1, f"if {applies} == 0:")
        writer.line(2, "return PASS")
    truth = writer.truth(condition, 1, 0)
    if guard is None:
        writer.line(1, f"return STATUSES[{truth}]")
    elif inclusion:  # not guard or condition
        writer.line(1, f"return STATUSES[max(2 - {applies}, {truth})]")
    else:  # guard and condition
        writer.line(1, f"return STATUSES[min({applies}, {truth})]")
    source = "def status(context):\n" + "\n".join(writer.lines) + "\n"
    namespace = dict(writer.values)
    exec(compile(source, "<eligibility verdict view>", "exec"), namespace)
    function: Callable[[Context], Status] = namespace["status"]
    function.__doc__ = source
    return function
