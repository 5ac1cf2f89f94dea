"""Lint: contradictions, rules that are always or never true, and loose ends in a rule file.

Each case is a rule file under data/check/<what is wrong>/, read with `check_trial`, so a
finding is tested where an author sees it: line, column, field path, severity and message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError

from eligibility.lint import lint_trial
from eligibility.loading import InputError, check_trial, load_trial
from eligibility.rules import Trial
from eligibility.vocabulary import FACTS

CASES = Path(__file__).parent / "data" / "check"


def rule_file(case: str) -> Path:
    """The one rule file of a case; each case has its own trial id."""
    (path,) = (CASES / case).glob("NCT*.yaml")
    return path


class Expected(NamedTuple):
    line: int
    column: int
    field: str
    severity: str
    message: str


# The exact finding of each case. Pairs point at the later check of the pair (its list item),
# single checks at the check's `value`, a misplaced option at that option's value.
FINDINGS: Mapping[str, Expected] = {
    "contradictory-at-least-80-and-below-60": Expected(
        13, 9, "criteria[0].all[1]", "error",
        "contradictory: 'fvc.percent_predicted' cannot be both at least 80 and below 60 (one "
        "of these checks is wrong: fix or remove it)"),
    "never-true-alsfrs-item-above-4": Expected(
        11, 60, "criteria[0].check.value", "error",
        "never true: no allowed value of 'alsfrs_r.items.speech' (0 to 4) is above 4 (the "
        "criterion can never be met: check the operator and the value)"),
    "always-true-every-at-least-0": Expected(
        11, 54, "criteria[0].every.value", "warning",
        "always true once ALSFRS-R items are scored: every score (0 to 4) is at least 0 (it "
        "asks only that each item be scored: check the operator and the value)"),
    "never-true-every-below-0": Expected(
        11, 51, "criteria[0].every.value", "error",
        "never true: no score of ALSFRS-R items (0 to 4) is below 0 (the criterion can never "
        "be met: check the operator and the value)"),
    "always-true-alsfrs-item-at-least-0": Expected(
        11, 63, "criteria[0].check.value", "warning",
        "always true once 'alsfrs_r.items.speech' is known: every allowed value (0 to 4) "
        "is at least 0 (it decides nothing: check the operator and the value)"),
    "always-true-any-alsfrs-item-at-least-2-or-at-most-1": Expected(
        13, 9, "criteria[0].any[1]", "warning",
        "always true once 'alsfrs_r.items.speech' is known: every value is at least 2 or is "
        "at most 1 (it decides nothing: check the operators and values)"),
    "contradictory-female-and-male": Expected(
        13, 9, "criteria[0].all[1]", "error",
        "contradictory: 'sex' cannot be both 'female' and 'male' (one of these checks is "
        "wrong: fix or remove it)"),
    "contradictory-is-true-and-is-false": Expected(
        13, 9, "criteria[0].all[1]", "error",
        "contradictory: 'consent.willing' cannot be both yes and no (one of these checks is "
        "wrong: fix or remove it)"),
    "always-true-one-of-every-sex": Expected(
        11, 43, "criteria[0].check.value", "warning",
        "always true once 'sex' is known: every allowed value ('female', 'male') is one of "
        "['female', 'male'] (it decides nothing: check the operator and the value)"),
    "measured-within-days-on-sex": Expected(
        11, 73, "criteria[0].check.measured_within_days", "error",
        "'sex' has no date of its own, so a recency window keeps it unknown for every patient "
        "(remove measured_within_days)"),
    "not-recruiting": Expected(
        5, 19, "trial.overall_status", "warning",
        "the registry lists this trial as COMPLETED: screenings will warn that it is not "
        "recruiting"),
    "judgment-without-guidance": Expected(
        11, 15, "criteria[0].judgment", "warning",
        "judgment without guidance: say what the clinician should review and which answer "
        "excludes"),
    "judgments-sharing-no-id": Expected(
        13, 19, "criteria[0].any[1].judgment", "error",
        "another judgment of this criterion has no id: a clinician's answer would settle both; "
        "give each its own id (judgment: {question: ..., id: ...})"),
    "needs-curation": Expected(
        11, 21, "criteria[0].needs_curation", "warning",
        "imported criterion still needs curation: replace the placeholder judgment with a "
        "computable rule where one exists, then remove needs_curation"),
}

CONTRADICTIONS = [case for case in FINDINGS if case.startswith("contradictory-")]
ERRORS = [case for case, expected in FINDINGS.items() if expected.severity == "error"]


def only_problem(case: str) -> Any:
    _, problems = check_trial(rule_file(case))
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


@pytest.mark.parametrize("case", list(FINDINGS))
def test_finding_points_at_the_check_that_causes_it(case: str) -> None:
    problem, expected = only_problem(case), FINDINGS[case]
    assert problem.span.file == str(rule_file(case))
    assert (problem.span.line, problem.span.column, problem.field, problem.severity) == (
        expected.line, expected.column, expected.field, expected.severity)


@pytest.mark.parametrize("case", list(FINDINGS))
def test_finding_message_is_exact(case: str) -> None:
    assert only_problem(case).message == FINDINGS[case].message


@pytest.mark.parametrize("case", CONTRADICTIONS)
def test_contradiction_message_names_the_fact(case: str) -> None:
    fact = re.search(r"'[^']+'", FINDINGS[case].message)
    assert fact is not None
    assert only_problem(case).message.startswith(f"contradictory: {fact.group()} cannot ")


@pytest.mark.parametrize(
    ("case", "start"),
    [
        ("contradictory-at-least-80-and-below-60",
         "contradictory: 'fvc.percent_predicted' cannot be both at least 80 and below 60"),
        ("contradictory-female-and-male", "contradictory: 'sex' cannot be both 'female' and "
         "'male'"),
        ("contradictory-is-true-and-is-false", "contradictory: 'consent.willing' cannot be both "
         "yes and no"),
    ],
    ids=["at-least-and-below", "female-and-male", "true-and-false"],
)
def test_contradiction_message_reads_as_a_sentence(case: str, start: str) -> None:
    assert only_problem(case).message.startswith(start)


@pytest.mark.parametrize("case", ERRORS)
def test_lint_error_says_what_to_do(case: str) -> None:
    assert re.search(r" \([^()]+\)$", only_problem(case).message), only_problem(case).message


def test_at_least_80_and_at_most_80_together_are_fine() -> None:
    trial, problems = check_trial(rule_file("fine-at-least-80-and-at-most-80"))
    assert problems == ()
    assert trial is not None


@pytest.mark.parametrize("case", ERRORS)
def test_a_rule_file_with_a_lint_error_is_never_loaded(case: str) -> None:
    trial, _ = check_trial(rule_file(case))
    assert trial is None
    with pytest.raises(InputError) as raised:
        load_trial(rule_file(case))
    assert [str(problem) for problem in raised.value.problems] == [str(only_problem(case))]


@pytest.mark.parametrize(
    "case", [case for case, expected in FINDINGS.items() if expected.severity == "warning"])
def test_a_rule_file_with_only_warnings_loads(case: str) -> None:
    trial, problems = check_trial(rule_file(case))
    assert trial is not None
    assert [problem.severity for problem in problems] == ["warning"]
    assert load_trial(rule_file(case)).id == rule_file(case).stem


def test_shipped_rule_files_have_no_lint_errors() -> None:
    for path in sorted((Path(__file__).parent.parent / "rules").glob("*.yaml")):
        trial, problems = check_trial(path)
        assert trial is not None, "\n".join(map(str, problems))


def test_a_contradiction_inside_applies_to_is_found() -> None:
    trial = trial_with({
        "id": "E1", "kind": "exclusion", "text": "Women who are men.",
        "applies_to": {"all": [{"check": {"fact": "sex", "op": "equals", "value": "female"}},
                               {"check": {"fact": "sex", "op": "equals", "value": "male"}}]},
        "check": {"fact": "reproductive.pregnant", "op": "is_true"},
    })
    assert [(f.path, f.severity) for f in lint_trial(trial)] == [
        (("criteria", 0, "applies_to", "all", 1), "error")]


def test_checks_on_different_facts_never_contradict() -> None:
    trial = trial_with({
        "id": "I1", "kind": "inclusion", "text": "FVC 80 or more, aged under 60.",
        "all": [{"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80}},
                {"check": {"fact": "age", "op": "below", "value": 60}}],
    })
    assert lint_trial(trial) == ()


def test_a_contradiction_is_found_across_an_unrelated_check() -> None:
    trial = trial_with({
        "id": "I1", "kind": "inclusion", "text": "FVC 50 or more, adult, FVC under 40.",
        "all": [{"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 50}},
                {"check": {"fact": "age", "op": "at_least", "value": 18}},
                {"check": {"fact": "fvc.percent_predicted", "op": "below", "value": 40}}],
    })
    assert [(f.path, f.severity) for f in lint_trial(trial)] == [
        (("criteria", 0, "all", 2), "error")]


def test_a_whole_number_fact_can_never_equal_a_fraction() -> None:
    trial, problems = check_trial(rule_file("integer-item-equals-fraction"))
    assert trial is None
    assert [(p.span.line, p.span.column, p.field, p.severity, p.message)
            for p in problems] == [
        (11, 61, "criteria[0].check.value", "error",
         "2.5 is not a whole number, and 'alsfrs_r.items.speech' takes only whole numbers")]


def test_a_whole_number_fact_can_never_be_one_of_a_list_holding_a_fraction() -> None:
    with pytest.raises(ValidationError, match=r"2\.5 is not a whole number, and "
                       r"'alsfrs_r\.items\.speech' takes only whole numbers"):
        trial_with({"id": "I1", "kind": "inclusion", "text": "Speech 2 or 2.5.",
                    "check": {"fact": "alsfrs_r.items.speech", "op": "one_of",
                              "value": [2, 2.5]}})


def test_a_contradiction_between_fractions_on_a_whole_number_fact_is_found() -> None:
    trial = trial_with({
        "id": "I1", "kind": "inclusion", "text": "Speech between 2.5 and 2.7.",
        "all": [{"check": {"fact": "alsfrs_r.items.speech", "op": "at_least", "value": 2.5}},
                {"check": {"fact": "alsfrs_r.items.speech", "op": "at_most", "value": 2.7}}],
    })
    assert [(f.path, f.severity) for f in lint_trial(trial)] == [
        (("criteria", 0, "all", 1), "error")]


def test_a_boolean_fact_may_be_compared_with_equals_true() -> None:
    trial, problems = check_trial(rule_file("boolean-equals-true"))
    assert problems == ()
    assert trial is not None


NOT_A_NUMBER = {"nan-threshold": ".nan", "inf-threshold": ".inf"}


@pytest.mark.parametrize("case", list(NOT_A_NUMBER))
def test_a_nan_or_infinite_threshold_is_an_error(case: str) -> None:
    trial, problems = check_trial(rule_file(case))
    assert trial is None
    assert [(p.span.line, p.span.column, p.field, p.severity) for p in problems] == [
        (11, 63, "criteria[0].check.value", "error")]
    assert problems[0].message.startswith("expected a number, got ")


@pytest.mark.parametrize("case", list(NOT_A_NUMBER))
def test_a_nan_or_infinite_threshold_is_quoted_as_written(case: str) -> None:
    (problem,) = check_trial(rule_file(case))[1]
    assert problem.message == f"expected a number, got {NOT_A_NUMBER[case]}"


# measured_within_days needs a fact with a date of its own


@pytest.mark.parametrize(("fact", "op", "value"), [
    ("sex", "equals", "female"),
    ("birth_date", "before", dt.date(2000, 1, 1)),
    ("als.onset_date", "within_years", 2),
    ("als.diagnosis_date", "within_months", 18),
])
def test_a_recency_window_on_a_fact_without_a_date_of_its_own_is_an_error(
        fact: str, op: str, value: Any) -> None:
    trial = trial_with({"id": "I1", "kind": "inclusion", "text": "t", "check": {
        "fact": fact, "op": op, "value": value, "measured_within_days": 30}})
    assert [(f.path, f.severity, f.message) for f in lint_trial(trial)] == [
        (("criteria", 0, "check", "measured_within_days"), "error",
         f"{fact!r} has no date of its own, so a recency window keeps it unknown for every "
         "patient (remove measured_within_days)")]


def test_a_recency_window_on_a_measured_fact_is_fine() -> None:
    trial = trial_with({"id": "I1", "kind": "inclusion", "text": "t", "check": {
        "fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
        "measured_within_days": 90}})
    assert lint_trial(trial) == ()


# The law behind the table: on a fact with few values, a check (or a pair in all/any) is
# flagged exactly when brute force over every allowed value says so.

def trial_with(*criteria: Mapping[str, Any], status: str = "RECRUITING") -> Trial:
    return Trial.model_validate({
        "trial": {"id": "NCT00000001", "title": "A test trial", "overall_status": status},
        "criteria": list(criteria),
    })


HOLDS: Mapping[str, Callable[[Any, Any], bool]] = {
    "at_least": lambda x, v: x >= v,
    "at_most": lambda x, v: x <= v,
    "above": lambda x, v: x > v,
    "below": lambda x, v: x < v,
    "between": lambda x, v: v[0] <= x <= v[1],
    "equals": lambda x, v: x == v,
    "one_of": lambda x, v: x in v,
    "is_true": lambda x, v: x is True,
    "is_false": lambda x, v: x is False,
}

SMALL_FACTS = ("alsfrs_r.items.speech", "als.japan_severity_grade", "sex", "als.el_escorial",
               "consent.willing")


def domain(fact: str) -> Sequence[Any]:
    about = FACTS[fact]
    if about.kind == "boolean":
        return (True, False)
    if about.kind == "category":
        return tuple(about.categories)
    assert about.minimum is not None and about.maximum is not None
    return range(int(about.minimum), int(about.maximum) + 1)


@st.composite
def checks(draw: st.DrawFn, fact: str) -> dict[str, Any]:
    """A valid check on `fact` whose value is one of the fact's own values."""
    values = domain(fact)
    kind = FACTS[fact].kind
    ops = {"integer": ["at_least", "at_most", "above", "below", "between", "equals", "one_of"],
           "category": ["equals", "one_of"], "boolean": ["is_true", "is_false"]}[kind]
    op = draw(st.sampled_from(ops))
    check: dict[str, Any] = {"fact": fact, "op": op}
    if op == "between":
        check["value"] = sorted(draw(st.lists(st.sampled_from(values), min_size=2,
                                              max_size=2)))
    elif op == "one_of":
        check["value"] = draw(st.lists(st.sampled_from(values), min_size=1, unique=True))
    elif op not in ("is_true", "is_false"):
        check["value"] = draw(st.sampled_from(values))
    return check


def satisfied(check: Mapping[str, Any]) -> set[Any]:
    return {x for x in domain(check["fact"]) if HOLDS[check["op"]](x, check.get("value"))}


@st.composite
def check_pairs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    fact = draw(st.sampled_from(SMALL_FACTS))
    return draw(checks(fact)), draw(checks(fact))


def severities_at(trial: Trial, path: tuple[Any, ...]) -> list[str]:
    return [finding.severity for finding in lint_trial(trial) if finding.path == path]


@given(check=st.sampled_from(SMALL_FACTS).flatmap(checks))
@example(check={"fact": "alsfrs_r.items.speech", "op": "above", "value": 4})
@example(check={"fact": "sex", "op": "one_of", "value": ["female", "male"]})
def test_a_single_check_is_flagged_exactly_when_it_is_never_or_always_true(
        check: dict[str, Any]) -> None:
    trial = trial_with({"id": "C1", "kind": "inclusion", "text": "t", "check": check})
    values = satisfied(check)
    expected = (["error"] if not values else
                ["warning"] if values == set(domain(check["fact"])) else [])
    assert severities_at(trial, ("criteria", 0, "check", "value")) == expected


@given(pair=check_pairs())
@example(pair=({"fact": "fvc.percent_predicted", "op": "at_least", "value": 80},
               {"fact": "fvc.percent_predicted", "op": "at_most", "value": 80}))
def test_an_all_is_contradictory_exactly_when_no_value_meets_both(
        pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    first, second = pair
    trial = trial_with({"id": "C1", "kind": "inclusion", "text": "t",
                        "all": [{"check": first}, {"check": second}]})
    expected = ["error"] if first["fact"] in SMALL_FACTS and not (
        satisfied(first) & satisfied(second)) else []
    assert severities_at(trial, ("criteria", 0, "all", 1)) == expected


@given(pair=check_pairs())
@example(pair=({"fact": "alsfrs_r.items.speech", "op": "at_least", "value": 2},
               {"fact": "alsfrs_r.items.speech", "op": "at_most", "value": 1}))
def test_an_any_is_always_true_exactly_when_its_checks_cover_every_value(
        pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    first, second = pair
    trial = trial_with({"id": "C1", "kind": "inclusion", "text": "t",
                        "any": [{"check": first}, {"check": second}]})
    covered = satisfied(first) | satisfied(second) == set(domain(first["fact"]))
    assert severities_at(trial, ("criteria", 0, "any", 1)) == (["warning"] if covered else [])


# has: a name close to a known name, a category asked of the wrong list


def _has_problems(tmp_path: Path, has: str) -> list[str]:
    rule_file = tmp_path / "NCT00000001.yaml"
    rule_file.write_text("trial: {id: NCT00000001, title: t, overall_status: RECRUITING}\n"
                         "criteria:\n  - id: E1\n    kind: exclusion\n    text: t\n"
                         f"    has: {has}\n", encoding="utf-8")
    return [f"{problem.severity}: {problem.field}: {problem.message}"
            for problem in check_trial(rule_file)[1]]


@pytest.mark.parametrize(
    ("has", "expected"),
    [("{in: medications, name: [warfarin, asprin]}",
      ["warning: criteria[0].has.name[1]: 'asprin' is not a known name in medications, but "
       "'aspirin' is: if it is a misspelling, correct it (an entry is found by name only when "
       "spelled the same)"]),
     ("{in: conditions, name: [HIV-2, hepatitis E virus infection, sulfur]}", []),
     ("{in: conditions, category: [anticoagulant]}",
      ["error: criteria[0].has.category: unknown category 'anticoagulant' for conditions "
       "('anticoagulant' is a category of medications: ask for it with in: medications)"]),
     ("{in: conditions, category: [HIV]}",
      ["error: criteria[0].has.category: unknown category 'HIV' for conditions ('HIV' is a "
       "known name in conditions: ask for it with name: [HIV])"])],
    ids=["misspelt-name", "unknown-names-not-close", "category-of-another-list",
         "known-name-as-category"],
)
def test_has_names_and_categories_an_author_confuses_get_a_pointer(
        tmp_path: Path, has: str, expected: list[str]) -> None:
    assert _has_problems(tmp_path, has) == expected
