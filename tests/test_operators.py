"""Operators: one table per operator, boundaries first; value checks made at load time."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import AS_OF, condition
from eligibility.durations import parse_duration
from eligibility.observations import Observation
from eligibility.operators import OPERATORS, shift_date
from eligibility.rules import Check
from eligibility.vocabulary import FACTS

D = dt.date


def observed(value: Any, reference_range: tuple[float, float] | None = None) -> Observation:
    """A present observation of `value`, the only thing an operator is ever given."""
    return Observation("test", value, None, ("test",), reference_range=reference_range)


def holds(name: str, value: Any, argument: Any, *, as_of: dt.date = AS_OF,
          reference_range: tuple[float, float] | None = None) -> bool:
    return OPERATORS[name].test(observed(value, reference_range), argument, as_of)


TABLES: dict[str, list[Any]] = {}
"""Each operator's table, by name, so a test can check that every operator has one."""


def table(name: str, rows: list[Any]) -> Any:
    """Register `rows` as the table of operator `name` and parametrize a test with them."""
    TABLES[name] = rows
    return pytest.mark.parametrize(
        ("observed_value", "argument", "expected"),
        [row[1:] for row in rows],
        ids=[row[0] for row in rows],
    )


# Comparisons


@table("at_least", [
    ("exactly-at-threshold", 80, 80, True),
    ("just-below", 79.9, 80, False),
    ("just-above", 80.1, 80, True),
    ("well-above", 95, 80, True),
    ("zero-threshold", 0, 0, True),
])
def test_at_least_includes_the_threshold(observed_value, argument, expected):
    assert holds("at_least", observed_value, argument) is expected


@table("at_most", [
    ("exactly-at-threshold", 75, 75, True),
    ("just-above", 75.1, 75, False),
    ("just-below", 74.9, 75, True),
    ("well-below", 0, 75, True),
])
def test_at_most_includes_the_threshold(observed_value, argument, expected):
    assert holds("at_most", observed_value, argument) is expected


@table("above", [
    ("exactly-at-threshold", 120, 120, False),
    ("just-above", 120.5, 120, True),
    ("below", 119, 120, False),
])
def test_above_excludes_the_threshold(observed_value, argument, expected):
    assert holds("above", observed_value, argument) is expected


@table("below", [
    ("exactly-at-threshold", 100, 100, False),
    ("just-below", 99.5, 100, True),
    ("above", 101, 100, False),
])
def test_below_excludes_the_threshold(observed_value, argument, expected):
    assert holds("below", observed_value, argument) is expected


@table("between", [
    ("at-low-end", 18, (18, 75), True),
    ("at-high-end", 75, (18, 75), True),
    ("just-below-low", 17, (18, 75), False),
    ("just-above-high", 76, (18, 75), False),
    ("fraction-above-high", 75.5, (18, 75), False),
    ("inside", 50, (18, 75), True),
    ("one-point-range-hit", 5, (5, 5), True),
    ("one-point-range-miss", 4, (5, 5), False),
])
def test_between_includes_both_ends(observed_value, argument, expected):
    assert holds("between", observed_value, argument) is expected


@table("equals", [
    ("same-category", "female", "female", True),
    ("other-category", "male", "female", False),
    ("same-integer", 4, 4, True),
    ("other-integer", 3, 4, False),
    ("yes-is-yes", True, True, True),
    ("no-is-not-yes", False, True, False),
    ("no-is-no", False, False, True),
])
def test_equals_is_exact(observed_value, argument, expected):
    assert holds("equals", observed_value, argument) is expected


@table("one_of", [
    ("first-listed", 1, (1, 2), True),
    ("last-listed", 2, (1, 2), True),
    ("not-listed", 3, (1, 2), False),
    ("listed-category", "probable", ("definite", "probable"), True),
    ("similar-but-not-listed", "probable_laboratory_supported", ("definite", "probable"),
     False),
])
def test_one_of_is_membership(observed_value, argument, expected):
    assert holds("one_of", observed_value, argument) is expected


# Booleans


@table("is_true", [
    ("yes", True, None, True),
    ("no", False, None, False),
])
def test_is_true_holds_only_for_a_recorded_yes(observed_value, argument, expected):
    assert holds("is_true", observed_value, argument) is expected


@table("is_false", [
    ("no", False, None, True),
    ("yes", True, None, False),
])
def test_is_false_holds_only_for_a_recorded_no(observed_value, argument, expected):
    assert holds("is_false", observed_value, argument) is expected


# Dates relative to the screening date (AS_OF is 2026-11-02)


@table("within_days", [
    ("exactly-n-days-before", D(2026, 10, 3), 30, True),
    ("one-day-more", D(2026, 10, 2), 30, False),
    ("screening-day", AS_OF, 30, True),
    ("after-screening", D(2026, 11, 3), 30, False),
    ("one-day-window-yesterday", D(2026, 11, 1), 1, True),
    ("one-day-window-two-days-ago", D(2026, 10, 31), 1, False),
])
def test_within_days_counts_the_first_day_of_the_window(observed_value, argument, expected):
    assert holds("within_days", observed_value, argument) is expected


@table("within_months", [
    ("same-day-n-months-before", D(2026, 5, 2), 6, True),
    ("one-day-earlier", D(2026, 5, 1), 6, False),
    ("screening-day", AS_OF, 6, True),
    ("after-screening", D(2026, 11, 3), 6, False),
    ("across-new-year", D(2025, 11, 2), 12, True),
    ("across-new-year-one-day-earlier", D(2025, 11, 1), 12, False),
])
def test_within_months_counts_the_same_calendar_day(observed_value, argument, expected):
    assert holds("within_months", observed_value, argument) is expected


@pytest.mark.parametrize(
    ("as_of", "day", "expected"),
    [
        (D(2026, 3, 31), D(2026, 2, 28), True),
        (D(2026, 3, 31), D(2026, 2, 27), False),
        (D(2024, 3, 31), D(2024, 2, 29), True),
        (D(2024, 3, 31), D(2024, 2, 28), False),
    ],
    ids=["31st-to-end-of-february", "day-before-end-of-february",
         "31st-to-leap-day", "day-before-leap-day"],
)
def test_within_one_month_from_a_31st_reaches_back_to_the_end_of_february(as_of, day,
                                                                         expected):
    assert holds("within_months", day, 1, as_of=as_of) is expected


@table("within_years", [
    ("exactly-2-years-same-calendar-day", D(2024, 11, 2), 2, True),
    ("one-day-earlier", D(2024, 11, 1), 2, False),
    ("one-day-later", D(2024, 11, 3), 2, True),
    ("screening-day", AS_OF, 2, True),
    ("after-screening", D(2026, 11, 3), 2, False),
])
def test_within_years_counts_the_same_calendar_day(observed_value, argument, expected):
    assert holds("within_years", observed_value, argument) is expected


@pytest.mark.parametrize(
    ("as_of", "years", "day", "expected"),
    [
        (D(2028, 2, 29), 2, D(2026, 2, 28), True),
        (D(2028, 2, 29), 2, D(2026, 2, 27), False),
        (D(2028, 2, 29), 4, D(2024, 2, 29), True),
        (D(2028, 2, 29), 4, D(2024, 2, 28), False),
        (D(2026, 2, 28), 2, D(2024, 2, 28), True),
        (D(2026, 2, 28), 2, D(2024, 2, 29), True),
        (D(2026, 2, 28), 2, D(2024, 2, 27), False),
    ],
    ids=["leap-day-back-to-28-feb", "leap-day-day-before-28-feb", "leap-day-to-leap-day",
         "leap-day-day-before-leap-day", "28-feb-to-28-feb", "28-feb-leap-day-after-it",
         "28-feb-day-before"],
)
def test_within_years_around_29_february(as_of, years, day, expected):
    assert holds("within_years", day, years, as_of=as_of) is expected


@pytest.mark.parametrize(
    ("day", "years", "months", "expected"),
    [
        (D(2026, 11, 2), 2, 0, D(2024, 11, 2)),
        (D(2026, 11, 2), 0, 0, D(2026, 11, 2)),
        (D(2028, 2, 29), 1, 0, D(2027, 2, 28)),
        (D(2028, 2, 29), 4, 0, D(2024, 2, 29)),
        (D(2026, 3, 31), 0, 1, D(2026, 2, 28)),
        (D(2024, 3, 31), 0, 1, D(2024, 2, 29)),
        (D(2026, 5, 31), 0, 1, D(2026, 4, 30)),
        (D(2026, 1, 15), 0, 1, D(2025, 12, 15)),
        (D(2026, 1, 15), 1, 13, D(2023, 12, 15)),
    ],
    ids=["two-years", "nothing", "leap-day-to-28-feb", "leap-day-to-leap-day",
         "31-mar-to-28-feb", "31-mar-to-leap-day", "31-may-to-30-apr", "across-new-year",
         "years-and-months"],
)
def test_shift_date_moves_back_and_clamps_to_the_end_of_a_short_month(day, years, months,
                                                                      expected):
    assert shift_date(day, years=years, months=months) == expected


@table("before", [
    ("day-before", D(2024, 12, 31), D(2025, 1, 1), True),
    ("same-day", D(2025, 1, 1), D(2025, 1, 1), False),
    ("day-after", D(2025, 1, 2), D(2025, 1, 1), False),
])
def test_before_is_strict(observed_value, argument, expected):
    assert holds("before", observed_value, argument) is expected


@table("on_or_after", [
    ("same-day", D(2024, 1, 1), D(2024, 1, 1), True),
    ("day-before", D(2023, 12, 31), D(2024, 1, 1), False),
    ("day-after", D(2024, 1, 2), D(2024, 1, 1), True),
])
def test_on_or_after_includes_the_day(observed_value, argument, expected):
    assert holds("on_or_after", observed_value, argument) is expected


# Labs against the reporting lab's own reference range [12.0, 15.5]

LIMITS = (12.0, 15.5)


@table("below_lower_limit", [
    ("exactly-at-lower-limit", 12.0, None, False),
    ("just-below-lower-limit", 11.9, None, True),
    ("inside", 13.1, None, False),
    ("above-upper-limit", 16.0, None, False),
])
def test_below_lower_limit_excludes_the_limit(observed_value, argument, expected):
    assert holds("below_lower_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("above_upper_limit", [
    ("exactly-at-upper-limit", 15.5, None, False),
    ("just-above-upper-limit", 15.6, None, True),
    ("inside", 13.1, None, False),
    ("below-lower-limit", 11.0, None, False),
])
def test_above_upper_limit_excludes_the_limit(observed_value, argument, expected):
    assert holds("above_upper_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("outside_reference_range", [
    ("exactly-at-lower-limit", 12.0, None, False),
    ("exactly-at-upper-limit", 15.5, None, False),
    ("just-below", 11.9, None, True),
    ("just-above", 15.6, None, True),
    ("inside", 13.1, None, False),
])
def test_outside_reference_range_excludes_both_limits(observed_value, argument, expected):
    assert holds("outside_reference_range", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("above_times_upper_limit", [
    ("exactly-3-times-the-limit", 46.5, 3, False),
    ("just-above-3-times", 46.6, 3, True),
    ("above-limit-below-3-times", 40.0, 3, False),
    ("1-times-at-the-limit", 15.5, 1, False),
    ("1-times-just-above", 15.6, 1, True),
])
def test_above_times_upper_limit_excludes_the_multiple(observed_value, argument, expected):
    assert holds("above_times_upper_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("below_times_upper_limit", [
    ("exactly-2-times-the-limit", 31.0, 2, False),
    ("just-below-2-times", 30.9, 2, True),
    ("above-2-times", 40.0, 2, False),
])
def test_below_times_upper_limit_excludes_the_multiple(observed_value, argument, expected):
    assert holds("below_times_upper_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("at_most_times_upper_limit", [
    ("exactly-3-times-the-limit", 46.5, 3, True),
    ("just-above-3-times", 46.6, 3, False),
    ("below-the-limit", 10.0, 3, True),
])
def test_at_most_times_upper_limit_includes_the_multiple(observed_value, argument, expected):
    assert holds("at_most_times_upper_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("below_times_lower_limit", [
    ("exactly-0.5-times-the-lower-limit", 6.0, 0.5, False),
    ("just-below-0.5-times", 5.9, 0.5, True),
    ("at-the-lower-limit", 12.0, 0.5, False),
])
def test_below_times_lower_limit_excludes_the_multiple(observed_value, argument, expected):
    assert holds("below_times_lower_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@table("at_least_times_lower_limit", [
    ("exactly-0.75-times-the-lower-limit", 9.0, 0.75, True),
    ("just-below-0.75-times", 8.9, 0.75, False),
    ("well-above", 20.0, 0.75, True),
])
def test_at_least_times_lower_limit_includes_the_multiple(observed_value, argument, expected):
    assert holds("at_least_times_lower_limit", observed_value, argument,
                 reference_range=LIMITS) is expected


@pytest.mark.parametrize(("name", "value", "times", "limits", "expected"), [
    ("at_most_times_upper_limit", 1.8, 1.5, (0.3, 1.2), True),
    ("above_times_upper_limit", 1.8, 1.5, (0.3, 1.2), False),
    ("above_times_upper_limit", 0.9, 3, (0.1, 0.3), False),
    ("below_times_upper_limit", 0.9, 3, (0.1, 0.3), False),
    ("at_least_times_lower_limit", 0.3, 3, (0.1, 0.3), True),
    ("below_times_lower_limit", 0.3, 3, (0.1, 0.3), False),
], ids=["bilirubin-1.8-at-most-1.5-x-1.2", "bilirubin-1.8-not-above-1.5-x-1.2",
        "alt-0.9-not-above-3-x-0.3", "alt-0.9-not-below-3-x-0.3",
        "0.3-at-least-3-x-0.1", "0.3-not-below-3-x-0.1"])
def test_a_value_exactly_a_multiple_of_a_decimal_limit_sits_on_the_boundary(
        name, value, times, limits, expected):
    # 1.5 * 1.2 is 1.7999999999999998 in binary: the multiple is compared as written.
    assert holds(name, value, times, reference_range=limits) is expected


_TENTHS = st.integers(1, 5000).map(lambda tenths: tenths / 10)
_MULTIPLES = st.sampled_from([0.25, 0.5, 0.75, 0.8, 1, 1.2, 1.5, 2, 2.5, 3, 5, 10])


@given(low=_TENTHS, high=_TENTHS, times=_MULTIPLES)
def test_a_lab_exactly_at_a_multiple_of_its_limit_is_at_it_and_not_past_it(low, high, times):
    # The law for every limit and multiple written in decimal: a value equal to the product
    # (worked out in decimal, as a reader would) is at most / at least it, never past it.
    from decimal import Decimal

    low, high = sorted((low, high))
    upper = float(Decimal(repr(times)) * Decimal(repr(high)))
    lower = float(Decimal(repr(times)) * Decimal(repr(low)))
    limits = (low, high)
    assert holds("at_most_times_upper_limit", upper, times, reference_range=limits)
    assert not holds("above_times_upper_limit", upper, times, reference_range=limits)
    assert not holds("below_times_upper_limit", upper, times, reference_range=limits)
    assert holds("at_least_times_lower_limit", lower, times, reference_range=limits)
    assert not holds("below_times_lower_limit", lower, times, reference_range=limits)


# Spans of time before the screening date (AS_OF is 2026-11-02): inclusive and strict


@table("at_most_ago", [
    ("exactly-24-months-before", D(2024, 11, 2), parse_duration("24 months"), True),
    ("a-day-earlier", D(2024, 11, 1), parse_duration("24 months"), False),
    ("the-screening-day", AS_OF, parse_duration("24 months"), True),
    ("12-weeks-exactly", D(2026, 8, 10), parse_duration("12 weeks"), True),
])
def test_at_most_ago_includes_the_first_day_of_the_span(observed_value, argument, expected):
    assert holds("at_most_ago", observed_value, argument) is expected


@table("less_than_ago", [
    ("exactly-24-months-before", D(2024, 11, 2), parse_duration("24 months"), False),
    ("a-day-later", D(2024, 11, 3), parse_duration("24 months"), True),
    ("the-screening-day", AS_OF, parse_duration("24 months"), True),
    ("exactly-30-days", D(2026, 10, 3), parse_duration("30 days"), False),
])
def test_less_than_ago_excludes_the_first_day_of_the_span(observed_value, argument, expected):
    assert holds("less_than_ago", observed_value, argument) is expected


@table("at_least_ago", [
    ("exactly-6-months-before", D(2026, 5, 2), parse_duration("6 months"), True),
    ("a-day-later", D(2026, 5, 3), parse_duration("6 months"), False),
    ("long-before", D(2020, 1, 1), parse_duration("6 months"), True),
])
def test_at_least_ago_includes_the_day_the_span_reaches(observed_value, argument, expected):
    assert holds("at_least_ago", observed_value, argument) is expected


@table("more_than_ago", [
    ("exactly-3-years-before", D(2023, 11, 2), parse_duration("3 years"), False),
    ("a-day-earlier", D(2023, 11, 1), parse_duration("3 years"), True),
    ("29-february-a-year-on", D(2027, 2, 28), parse_duration("1 year"), False),
])
def test_more_than_ago_excludes_the_day_the_span_reaches(observed_value, argument, expected):
    as_of = D(2028, 2, 29) if observed_value.year == 2027 else AS_OF
    assert holds("more_than_ago", observed_value, argument, as_of=as_of) is expected


@table("recorded", [
    ("a-number", 84, None, True),
    ("a-no", False, None, True),
    ("a-date", D(2026, 1, 1), None, True),
])
def test_recorded_holds_for_any_value_present(observed_value, argument, expected):
    assert holds("recorded", observed_value, argument) is expected


def test_every_registered_operator_has_a_table_here():
    assert set(TABLES) == set(OPERATORS)


# The registry and its documentation


@pytest.mark.parametrize("name", list(OPERATORS))
def test_every_operator_docstring_holds_a_yaml_example_naming_it(name):
    assert re.search(rf"`\{{[^`]*\bop: {name}\b[^`]*\}}`", OPERATORS[name].doc), (
        OPERATORS[name].doc)


@pytest.mark.parametrize("name", list(OPERATORS))
def test_every_operator_docstring_example_is_a_valid_check(name):
    (snippet,) = re.findall(rf"`(\{{[^`]*\bop: {name}\b[^`]*\}})`", OPERATORS[name].doc)
    check = condition({"check": yaml.safe_load(snippet)})
    assert isinstance(check, Check)
    assert check.op == name


@pytest.mark.parametrize("name", list(OPERATORS))
def test_every_operator_is_registered_under_its_own_name_with_both_phrases(name):
    op = OPERATORS[name]
    assert op.name == name
    assert op.phrase and op.negation and op.phrase != op.negation
    assert op.kinds


def test_the_registry_is_read_only():
    with pytest.raises(TypeError):
        OPERATORS["at_leats"] = OPERATORS["at_least"]  # type: ignore[index]


# Values checked at load time: Operator.problem_with


@pytest.mark.parametrize(
    ("fact", "op", "value"),
    [
        ("fvc.percent_predicted", "at_least", 80),
        ("fvc.percent_predicted", "at_least", 79.5),
        ("fvc.percent_predicted", "at_least", 0),
        ("fvc.percent_predicted", "at_most", 200),
        ("alsfrs_r.items.walking", "at_least", 4),
        ("age", "between", [18, 75]),
        ("age", "between", (75, 75)),
        ("sex", "equals", "female"),
        ("reproductive.pregnant", "equals", False),
        ("als.japan_severity_grade", "one_of", [1, 2]),
        ("als.el_escorial", "one_of", ["definite", "probable"]),
        ("reproductive.pregnant", "is_true", None),
        ("als.onset_date", "within_years", 2),
        ("consent.signed_date", "within_days", 1),
        ("als.diagnosis_date", "before", D(2025, 1, 1)),
        ("labs.hemoglobin", "below_lower_limit", None),
        ("labs.alt", "above", 120),
    ],
    ids=lambda value: str(value),
)
def test_problem_with_accepts_a_fitting_value(fact, op, value):
    assert OPERATORS[op].problem_with(FACTS[fact], value) is None


@pytest.mark.parametrize(
    ("fact", "op", "value", "message"),
    [
        ("alsfrs_r.items.speech", "at_least", 5,
         "5 is outside the range of 'alsfrs_r.items.speech' (0 to 4 points)"),
        ("alsfrs_r.items.speech", "at_least", -1, "-1 is outside the range"),
        ("fvc.percent_predicted", "at_least", 200.5, "200.5 is outside the range"),
        ("age", "at_most", 131, "131 is outside the range of 'age' (0 to 130 years)"),
        ("fvc.percent_predicted", "at_least", "eighty", "expected a number, got 'eighty'"),
        ("fvc.percent_predicted", "at_least", True, "expected a number, got true"),
        ("fvc.percent_predicted", "at_least", None, "a number"),
        ("age", "between", [75, 18], "the range [75, 18] is empty: low is above high"),
        ("age", "between", [18], "expected two numbers [low, high], got [18]"),
        ("age", "between", 18, "expected two numbers"),
        ("age", "between", "18-75", "expected two numbers"),
        ("age", "between", [18, 200], "200 is outside the range of 'age'"),
        ("als.onset_date", "at_least", 80,
         "operator 'at_least' does not apply to 'als.onset_date', a date fact (operators for "
         "date: within_days, within_months, within_years, before, on_or_after, at_most_ago, "
        "less_than_ago, at_least_ago, more_than_ago, recorded)"),
        ("fvc.percent_predicted", "below_lower_limit", None,
         "operator 'below_lower_limit' does not apply to 'fvc.percent_predicted'"),
        ("sex", "at_least", 1, "does not apply to 'sex', a category fact"),
        ("reproductive.pregnant", "one_of", [True], "does not apply to"),
        ("sex", "equals", "femal",
         "'femal' is not a value of 'sex' (allowed: 'female', 'male') (did you mean "
         "'female'?)"),
        ("reproductive.pregnant", "equals", "yes", "expected true or false, got 'yes'"),
        ("als.japan_severity_grade", "equals", 0, "0 is outside the range"),
        ("als.japan_severity_grade", "one_of", [1, 6], "6 is outside the range"),
        ("als.japan_severity_grade", "one_of", [1.5], "1.5 is not a whole number"),
        ("alsfrs_r.items.speech", "equals", 3.5, "3.5 is not a whole number"),
        ("als.el_escorial", "one_of", [], "the list of values is empty"),
        ("als.el_escorial", "one_of", "definite", "expected a list of values"),
        ("als.el_escorial", "one_of", ["definite", "clinically definite"],
         "'clinically definite' is not a value of 'als.el_escorial'"),
        ("als.onset_date", "within_years", 0, "expected a whole number above 0, got 0"),
        ("als.onset_date", "within_years", 2.5, "expected a whole number above 0, got 2.5"),
        ("als.onset_date", "within_days", True, "expected a whole number above 0, got true"),
        ("als.onset_date", "before", "2025-01-01",
         "expected a date (YYYY-MM-DD), got '2025-01-01'"),
        ("als.onset_date", "before", dt.datetime(2025, 1, 1, 10),
         "expected a date without a time of day (YYYY-MM-DD), got 2025-01-01T10:00:00"),
        ("reproductive.pregnant", "is_true", True, "this operator takes no value, got true"),
        ("labs.hemoglobin", "below_lower_limit", 12, "this operator takes no value, got 12"),
    ],
    ids=lambda value: str(value),
)
def test_problem_with_explains_a_value_that_does_not_fit(fact, op, value, message):
    problem = OPERATORS[op].problem_with(FACTS[fact], value)
    assert problem is not None
    assert message in problem


@pytest.mark.parametrize(
    ("fact", "value", "message"),
    [
        ("age", "18", "expected a number, got '18' (write the number without quotes: value: 18)"),
        ("age", "18 years", "expected a number, got '18 years' (write the number alone, "
                            "value: 18: 'age' is in years)"),
        ("age", "18 months", "expected a number, got '18 months' (write the number alone, in "
                             "years, the unit of 'age')"),
        ("fvc.percent_predicted", ">= 80", "expected a number, got '>= 80' (write the number "
                                           "alone, value: 80: the op says how to compare)"),
        ("weight.kg", "84,5", "expected a number, got '84,5' (write decimals with a point: "
                              "84.5)"),
        ("age", "eighteen", "expected a number, got 'eighteen'"),
    ],
    ids=["quoted", "with-its-unit", "with-another-unit", "with-a-comparison", "decimal-comma",
         "in-words"],
)
def test_a_number_written_as_text_is_refused_with_how_to_write_it(fact, value, message):
    assert OPERATORS["at_least"].problem_with(FACTS[fact], value) == message


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"check": {"fact": "alsfrs_r.items.speech", "op": "at_least", "value": 5}},
         "5 is outside the range"),
        ({"every": {"in": "alsfrs_r.items", "op": "at_least", "value": 5}},
         "5 is outside the range"),
        ({"every": {"in": "alsfrs_r.items", "op": "is_true"}}, "does not apply"),
        ({"check": {"fact": "als.onset_date", "op": "at_least", "value": 80}},
         "does not apply to 'als.onset_date'"),
        ({"check": {"fact": "fvc.percent_predicted", "op": "at_leats", "value": 80}},
         "unknown operator 'at_leats' (did you mean 'at_least'?)"),
        ({"check": {"fact": "fvc.percent_predicted", "op": "at_least"}}, "a number"),
    ],
    ids=["check-alsfrs-threshold-5", "every-alsfrs-threshold-5", "every-boolean-operator",
         "check-date-at-least", "check-misspelt-operator", "check-missing-value"],
)
def test_a_rule_with_a_value_its_operator_refuses_does_not_load(mapping, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        condition(mapping)


def test_a_list_value_is_stored_as_a_tuple_so_the_rule_stays_frozen():
    check = condition({"check": {"fact": "age", "op": "between", "value": [18, 75]}})
    assert check.value == (18, 75)


@pytest.mark.parametrize(
    ("op", "count"),
    [("within_years", 2026), ("within_months", 24311), ("within_days", 1_000_000)],
)
def test_a_window_reaching_before_year_1_is_refused_at_load_or_evaluates(op, count):
    # Either the rule is refused when loaded, or it evaluates: the evaluator never raises.
    if OPERATORS[op].problem_with(FACTS["als.onset_date"], count) is None:
        assert holds(op, D(2025, 1, 1), count) is True


@pytest.mark.parametrize(
    ("op", "count"),
    [("within_years", 2025), ("within_months", 24310), ("within_days", 739921)],
)
def test_the_longest_window_still_starting_in_year_1_evaluates(op, count):
    assert holds(op, AS_OF, count) is True
    assert holds(op, D(1, 1, 1), count) is (op == "within_days")


# The bare-value form of an operator (the verdict-only view's) is the operator itself.

_VALUES = st.one_of(st.integers(-5, 100), st.floats(-5, 100, allow_nan=False), st.booleans(),
                    st.sampled_from(["female", "male", "bulbar", "spinal"]))
_ARGUMENTS = {
    "at_least": st.integers(0, 90), "at_most": st.integers(0, 90),
    "above": st.floats(0, 90), "below": st.floats(0, 90),
    "between": st.tuples(st.integers(0, 40), st.integers(40, 90)),
    "equals": _VALUES, "one_of": st.lists(_VALUES, max_size=3).map(tuple),
    "is_true": st.none(), "is_false": st.none(), "recorded": st.none(),
}


def test_the_operators_with_a_bare_value_form_are_the_ones_that_read_only_the_value() -> None:
    assert {name for name, op in OPERATORS.items() if op.on_value is not None} == set(_ARGUMENTS)


@given(data=st.data(), name=st.sampled_from(sorted(_ARGUMENTS)))
def test_an_operators_bare_value_form_agrees_with_its_test(data: st.DataObject,
                                                           name: str) -> None:
    op = OPERATORS[name]
    numeric = name in ("at_least", "at_most", "above", "below", "between")
    value = data.draw(st.one_of(st.integers(-5, 100), st.floats(-5, 100, allow_nan=False))
                      if numeric else _VALUES)
    argument = data.draw(_ARGUMENTS[name])
    observed = Observation("x", value, AS_OF)
    assert op.on_value is not None
    assert bool(op.on_value(value, argument)) == op.test(observed, argument, AS_OF)
