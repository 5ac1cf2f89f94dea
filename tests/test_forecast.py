"""The eligibility window forecast: screening on the forecast's days gives its statuses and
verdicts; the clinical boundaries fall on the right day; what `screen` prints and writes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from conftest import profile, single_criterion_trial
from eligibility.cli import app
from eligibility.durations import Duration
from eligibility.forecast import Forecast, forecast, forecast_all, summary
from eligibility.loading import load_patient, load_trials
from eligibility.patient import PatientProfile
from eligibility.results import Status, Verdict
from eligibility.rules import Trial
from eligibility.screening import screen
from strategies import profiles, trials

REPO = Path(__file__).parent.parent
RULES = REPO / "rules"
PATIENTS = REPO / "patients"
SHIPPED = load_trials(RULES)
STR04 = next(trial for trial in SHIPPED if trial.id == "NCT06910384")
JETALS = next(trial for trial in SHIPPED if trial.id == "NCT03548311")
DAY = dt.timedelta(days=1)


def _statuses(profile: PatientProfile, trial: Trial, day: dt.date) -> tuple[
        tuple[Status, ...], Verdict]:
    screening = screen(profile, trial, as_of=day)
    return tuple(result.status for result in screening.results), screening.verdict


def _assert_screening_agrees(found: Forecast, profile: PatientProfile, trial: Trial,
                             extra: dt.date) -> None:
    """The law: on each change day, on the day before it, and on any other day, the explained
    screening gives the statuses and verdict the forecast says are in force."""
    days = {found.start, found.end, extra}
    days |= {step.on for step in found.steps} | {step.on - DAY for step in found.steps[1:]}
    for day in sorted(days):
        step = found.on(day)
        assert _statuses(profile, trial, day) == (step.statuses, step.verdict), day


def _dates_in(value: object) -> Iterator[dt.date]:
    if isinstance(value, dt.date):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _dates_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _dates_in(item)


@settings(max_examples=60, deadline=None)
@given(patient=profiles(), trial=trials(), offset=st.integers(0, 3 * 366))
def test_screening_on_any_forecast_day_gives_the_forecast_statuses(
        patient: PatientProfile, trial: Trial, offset: int) -> None:
    """Generated profiles and trials, from the profile's latest date (where its readings are
    freshest, so that some go stale within the horizon)."""
    as_of = max(_dates_in(patient.model_dump()), default=dt.date(2026, 11, 2))
    found = forecast(patient, trial, as_of=as_of, horizon=Duration(3, "years"))
    _assert_screening_agrees(found, patient, trial, min(found.end, as_of + dt.timedelta(offset)))


_SHIPPED_PATIENTS = [load_patient(path) for path in sorted(PATIENTS.glob("*.yaml"))]


@settings(max_examples=40, deadline=None)
@given(patient=st.sampled_from(_SHIPPED_PATIENTS), trial=st.sampled_from(SHIPPED),
       later=st.integers(0, 800), days=st.integers(1, 900), offset=st.integers(0, 900))
def test_shipped_patients_screened_later_agree_with_their_forecast(
        patient: PatientProfile, trial: Trial, later: int, days: int, offset: int) -> None:
    """The shipped profiles sit near the trials' boundaries: screened any day up to two years
    after their screening date, over any horizon."""
    assert patient.screening_date is not None
    as_of = patient.screening_date + dt.timedelta(later)
    found = forecast(patient, trial, as_of=as_of, horizon=Duration(days, "days"))
    _assert_screening_agrees(found, patient, trial, min(found.end, as_of + dt.timedelta(offset)))


@settings(max_examples=60, deadline=None)
@given(age=st.integers(0, 400), window=st.integers(1, 365), value=st.integers(20, 120),
       threshold=st.integers(20, 120), kind=st.sampled_from(["inclusion", "exclusion"]))
def test_a_reading_changes_status_the_day_after_its_recency_window(
        age: int, window: int, value: int, threshold: int, kind: str) -> None:
    """An independent oracle: a reading taken `age` days before screening, for a rule that
    wants one within `window` days, goes stale on its date plus `window` plus one day."""
    as_of = dt.date(2026, 11, 2)
    taken = as_of - dt.timedelta(age)
    patient = profile(fvc={"percent_predicted": value, "date": taken})
    trial = single_criterion_trial({"check": {
        "fact": "fvc.percent_predicted", "op": "at_least", "value": threshold,
        "measured_within_days": window}}, kind=kind)
    found = forecast(patient, trial, as_of=as_of, horizon=Duration(400, "days"))
    stale = taken + dt.timedelta(window + 1)
    expected = [stale] if stale > as_of else []
    assert [step.on for step in found.steps[1:]] == expected
    if expected:
        assert found.steps[1].statuses == (Status.UNKNOWN,)
        assert found.steps[1].changes[0].reason == f"FVC of {taken.isoformat()} goes stale"


@settings(max_examples=60, deadline=None)
@given(birth=st.dates(dt.date(1940, 1, 1), dt.date(2010, 12, 31)),
       low=st.integers(18, 60), span=st.integers(0, 20))
def test_an_age_range_opens_and_closes_on_birthdays(birth: dt.date, low: int,
                                                    span: int) -> None:
    """An independent oracle: `age between [low, high]` becomes true on the birthday the
    patient turns `low` and false on the one they turn `high + 1` (29 February falls on 1
    March in a common year, as `years_between` counts)."""
    as_of = dt.date(2026, 11, 2)
    high = low + span
    patient = profile(birth_date=birth)
    trial = single_criterion_trial({"check": {"fact": "age", "op": "between",
                                              "value": [low, high]}})
    found = forecast(patient, trial, as_of=as_of, horizon=Duration(10, "years"))

    def birthday(years: int) -> dt.date:
        day = birth + relativedelta(years=years)
        return day + DAY if (birth.month, birth.day) == (2, 29) and day.day == 28 else day

    expected = [(day, status) for day, status in ((birthday(low), Status.PASS),
                                                  (birthday(high + 1), Status.FAIL))
                if as_of < day <= found.end]
    assert [(step.on, step.statuses[0]) for step in found.steps[1:]] == expected


@settings(max_examples=15, deadline=None)
@given(patient=profiles(), offset=st.integers(0, 366))
def test_shipped_trials_forecast_together_as_each_alone(patient: PatientProfile,
                                                        offset: int) -> None:
    """`forecast_all` reads each day once for all trials; each trial's forecast is still its
    own screening, day by day."""
    as_of = dt.date(2026, 11, 2)
    together = forecast_all(patient, SHIPPED, as_of=as_of, horizon=Duration(12, "months"))
    for trial, found in zip(SHIPPED, together, strict=True):
        _assert_screening_agrees(found, patient, trial,
                                 min(found.end, as_of + dt.timedelta(offset)))


@pytest.mark.parametrize("path", sorted(PATIENTS.glob("*.yaml")), ids=lambda path: path.stem)
def test_every_shipped_patient_forecast_agrees_with_screening(path: Path) -> None:
    patient = load_patient(path)
    assert patient.screening_date is not None
    for trial, found in zip(SHIPPED, forecast_all(patient, SHIPPED,
                                                  as_of=patient.screening_date), strict=True):
        _assert_screening_agrees(found, patient, trial, found.start + 100 * DAY)


def test_windows_cover_the_horizon_one_after_another_with_changing_verdicts() -> None:
    patient = load_patient(PATIENTS / "eligible-str04.yaml")
    found = forecast(patient, STR04, as_of=dt.date(2026, 6, 15))
    windows = found.windows
    assert windows[0].start == found.start and windows[-1].end is None
    for before, after in itertools.pairwise(windows):
        assert before.end is not None and after.start == before.end + DAY
        assert before.verdict is not after.verdict
        assert before.closed_by == after.opened_by


# Clinical boundaries: the window closes on the right day


def _profile(path: Path, tmp_path: Path, **lines: str) -> PatientProfile:
    """A shipped profile with some top-level lines replaced (`birth_date="1952-02-29"`), its
    clinician's answers of 2026-03-02 dated 2026-02-20 as its other facts."""
    text = path.read_text(encoding="utf-8").replace("2026-03-02", "2026-02-20")
    for key, value in lines.items():
        text, count = re.subn(rf"(?m)^{key}: .*$", f"{key}: {value}", text)
        assert count == 1, key
    copy = tmp_path / path.name
    copy.write_text(text, encoding="utf-8")
    return load_patient(copy)


def _change(found: Forecast, criterion_id: str) -> tuple[dt.date, Status, Status]:
    (change,) = [(step.on, change.before, change.after) for step in found.steps
                 for change in step.changes if change.criterion_id == criterion_id]
    return change


def test_onset_exactly_two_years_ago_is_eligible_today_and_ineligible_tomorrow() -> None:
    patient = load_patient(PATIENTS / "onset-exactly-2-years.yaml")
    found = forecast(patient, STR04, as_of=dt.date(2026, 9, 14))
    assert _change(found, "I4") == (dt.date(2026, 9, 15), Status.PASS, Status.FAIL)
    assert found.windows[0].verdict is Verdict.ELIGIBLE
    assert found.windows[0].end == dt.date(2026, 9, 14)
    assert summary(found).startswith("eligible until 2026-09-14; ineligible from 2026-09-15 "
                                      "(I4)")


def test_the_76th_birthday_closes_the_str04_age_window_on_the_birthday() -> None:
    patient = load_patient(PATIENTS / "75th-birthday.yaml")
    found = forecast(patient, STR04, as_of=dt.date(2026, 3, 8))
    assert _change(found, "I6") == (dt.date(2027, 3, 8), Status.PASS, Status.FAIL)
    assert _change(found, "S1") == (dt.date(2027, 3, 8), Status.PASS, Status.FAIL)


@pytest.mark.parametrize(
    ("birth", "as_of", "criterion", "expected"),
    [("1952-02-29", "2027-06-01", "I6", (dt.date(2028, 2, 29), Status.PASS, Status.FAIL)),
     ("1951-02-28", "2026-03-08", "I6", (dt.date(2027, 2, 28), Status.PASS, Status.FAIL)),
     ("2008-02-29", "2026-02-25", "I6", (dt.date(2026, 3, 1), Status.FAIL, Status.PASS))],
    ids=["born-29-february-turns-76-on-the-leap-day",
         "born-28-february-turns-76-on-the-28th",
         "born-29-february-turns-18-on-1-march-in-a-common-year"],
)
def test_a_leap_day_birthday_moves_the_age_window_to_the_right_day(
        tmp_path: Path, birth: str, as_of: str, criterion: str,
        expected: tuple[dt.date, Status, Status]) -> None:
    patient = _profile(PATIENTS / "75th-birthday.yaml", tmp_path, birth_date=birth,
                       screening_date=as_of)
    found = forecast(patient, STR04, as_of=dt.date.fromisoformat(as_of),
                     horizon=Duration(2, "years"))
    assert _change(found, criterion) == expected


def test_a_washout_ending_opens_the_window_the_day_after_four_weeks() -> None:
    patient = load_patient(PATIENTS / "edaravone-stopped-exactly-4-weeks-ago.yaml")
    found = forecast(patient, JETALS, as_of=dt.date(2026, 11, 2))
    assert _change(found, "E6") == (dt.date(2026, 11, 3), Status.FAIL, Status.PASS)
    assert summary(found) == "ineligible until 2026-11-02; needs review from 2026-11-03 (E6)"


def test_a_reading_going_stale_names_the_reading_and_what_to_do() -> None:
    patient = load_patient(PATIENTS / "eligible-str04.yaml")
    found = forecast(patient, STR04, as_of=dt.date(2026, 6, 15))
    step = found.on(dt.date(2026, 9, 1))
    reasons = {change.criterion_id: change.reason for change in step.changes}
    assert reasons["I5"] == "FVC of 2026-06-02 goes stale"
    assert reasons["I3"] == "ALSFRS-R item 1 speech and 11 more of 2026-06-02 go stale"
    assert summary(found) == (
        "eligible until 2026-07-02 (record newer data before: E2, E10 go stale); needs review "
        "from 2026-07-03 (E2, E10); ineligible from 2027-07-21 (I4)")


def test_a_window_open_past_the_horizon_says_throughout_to_its_last_day() -> None:
    patient = load_patient(PATIENTS / "76th-birthday.yaml")
    found = forecast(patient, STR04, as_of=dt.date(2026, 3, 8), horizon=Duration(30, "days"))
    assert found.end == dt.date(2026, 4, 7)
    assert summary(found) == "ineligible throughout, to 2026-04-07"


# The command


def _invoke(*args: str | Path, width: int = 80) -> Result:
    return CliRunner().invoke(app, [str(arg) for arg in args], terminal_width=width,
                              env={"COLUMNS": str(width), "NO_COLOR": None})


def _words(text: str) -> str:
    return " ".join(text.split())


def test_screen_prints_the_window_closing_tomorrow_at_80_columns() -> None:
    result = _invoke("screen", PATIENTS / "onset-exactly-2-years.yaml", "--rules", RULES,
                     "--trial", "NCT06910384")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    assert ("Forecast to 2028-09-14, if nothing new is recorded: eligible until 2026-09-14; "
            "ineligible from 2026-09-15 (I4)") in _words(result.stdout)
    assert ("2026-09-15 INELIGIBLE: I4 pass → fail: ALS symptom onset 2024-09-14 is more than "
            "2 years before the screening date (2026-09-15)") in _words(result.stdout)


def test_the_summary_of_several_trials_lists_each_window() -> None:
    result = _invoke("screen", PATIENTS / "eligible-str04.yaml", "--rules", RULES)
    assert result.exit_code == 0, result.output
    text = _words(result.stdout)
    assert "Forecast to 2028-06-15, if nothing new is recorded STR04: eligible until" in text
    assert "JETALS: needs review until 2026-07-20; ineligible from 2026-07-21 (I1)" in text


def test_horizon_sets_the_last_day_and_no_forecast_leaves_it_out() -> None:
    short = _invoke("screen", PATIENTS / "example.yaml", "--rules", RULES, "--horizon",
                    "3 months")
    assert short.exit_code == 0, short.output
    assert "Forecast to 2027-02-02, if nothing new is recorded" in short.stdout
    none = _invoke("screen", PATIENTS / "example.yaml", "--rules", RULES, "--no-forecast")
    assert none.exit_code == 0, none.output
    assert "Forecast" not in none.stdout


@pytest.mark.parametrize(
    ("horizon", "message"),
    [("soon", "expected a span of time"), ("0 days", "not a usable span"),
     ("11 years", "further than a forecast looks")],
    ids=["not-a-span", "zero", "too-far"],
)
def test_a_horizon_that_cannot_be_used_is_a_usage_error(horizon: str, message: str) -> None:
    result = _invoke("screen", PATIENTS / "example.yaml", "--rules", RULES, "--horizon",
                     horizon)
    assert result.exit_code == 2, result.output
    assert message in _words(result.output)
    assert "Traceback" not in result.output


def test_a_horizon_written_unquoted_as_the_shell_splits_it_says_to_quote_it() -> None:
    # `--horizon 12 months` (as README showed it) reached the option as '12', then 'months' as
    # a patient file: the message only listed the forms, each of which has a space.
    result = _invoke("screen", PATIENTS / "example.yaml", "--rules", RULES, "--horizon", "12",
                     "months")
    assert result.exit_code == 2, result.output
    assert ("12 needs its unit in the same word: quote the span (--horizon '12 months') or "
            "join it (--horizon 12months)") in _words(result.output)


def test_json_gives_each_trial_its_windows_and_changes() -> None:
    result = _invoke("screen", PATIENTS / "onset-exactly-2-years.yaml", "--rules", RULES,
                     "--trial", "NCT06910384", "--format", "json")
    assert result.exit_code == 0, result.output
    (trial,) = json.loads(result.stdout)["trials"]
    found = trial["forecast"]
    assert found["assumes"] == "if nothing new is recorded"
    assert (found["from"], found["to"], found["horizon"]) == ("2026-09-14", "2028-09-14",
                                                              "24 months")
    assert found["windows"][:2] == [
        {"verdict": "eligible", "from": "2026-09-14", "until": "2026-09-14", "opened_by": [],
         "closed_by": ["I4"]},
        {"verdict": "ineligible", "from": "2026-09-15", "until": None if len(
            found["windows"]) == 2 else found["windows"][1]["until"], "opened_by": ["I4"],
         "closed_by": found["windows"][1]["closed_by"]}]
    first = found["changes"][0]
    assert first["date"] == "2026-09-15" and first["verdict"] == "ineligible"
    assert first["criteria"][0]["id"] == "I4" and first["criteria"][0]["to"] == "fail"


def test_a_batch_forecasts_only_when_asked(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("example.yaml", "eligible-str04.yaml"):
        (folder / name).write_text((PATIENTS / name).read_text(encoding="utf-8"),
                                   encoding="utf-8")
    plain = _invoke("screen", folder, "--rules", RULES, "--format", "json")
    assert plain.exit_code == 0, plain.output
    assert {trial["forecast"] is None for patient in json.loads(plain.stdout)["patients"]
            for trial in patient["trials"]} == {True}
    asked = _invoke("screen", folder, "--rules", RULES, "--format", "json", "--forecast")
    assert asked.exit_code == 0, asked.output
    assert {trial["forecast"]["horizon"] for patient in json.loads(asked.stdout)["patients"]
            for trial in patient["trials"]} == {"24 months"}
    horizon = _invoke("screen", folder, "--rules", RULES, "--format", "jsonl", "--horizon",
                      "6 weeks")
    assert horizon.exit_code == 0, horizon.output
    assert {trial["forecast"]["to"] for line in horizon.stdout.splitlines()
            for trial in json.loads(line)["trials"]} == {"2026-12-14", "2026-07-27"}


def test_the_html_page_shows_the_forecast_of_each_trial(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    result = _invoke("screen", PATIENTS / "onset-exactly-2-years.yaml", "--rules", RULES,
                     "--format", "html", "-o", page)
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert text.count('<div class="forecast">') == len(SHIPPED)
    assert ("eligible until 2026-09-14; ineligible from 2026-09-15 (I4)") in text


def test_a_population_table_refuses_the_forecast(tmp_path: Path) -> None:
    table = tmp_path / "registry.parquet"
    table.write_bytes(b"")
    result = _invoke("screen", table, "--rules", RULES, "--forecast")
    assert result.exit_code == 2, result.output
    assert "--forecast needs profiles (YAML or FHIR)" in _words(result.output)


def test_csv_gives_each_row_its_trial_window_and_the_criterion_changes() -> None:
    result = _invoke("screen", PATIENTS / "onset-exactly-2-years.yaml", "--rules", RULES,
                     "--trial", "NCT06910384", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {row["criterion_id"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["I4"]["forecast"].startswith("eligible until 2026-09-14; ineligible from "
                                             "2026-09-15 (I4)")
    assert rows["I4"]["status_changes"] == "2026-09-15 fail"
    assert rows["I5"]["status_changes"] == "2026-12-01 unknown"
    assert rows["E10"]["status_changes"] == "2026-10-02 unknown"
    assert rows["S2"]["status_changes"] == ""


def test_a_criterion_that_fails_as_a_reading_goes_stale_gives_the_failure_as_reason() -> None:
    """Staleness is the reason only for a criterion it made unknown: on the day the FVC goes
    stale the patient also turns 61, and the criterion fails on age."""
    taken = dt.date(2026, 10, 20)
    stale = taken + dt.timedelta(31)
    patient = profile(fvc={"percent_predicted": 90, "date": taken},
                      birth_date=stale - relativedelta(years=61))
    trial = single_criterion_trial({"all": [
        {"check": {"fact": "fvc.percent_predicted", "op": "at_least", "value": 80,
                   "measured_within_days": 30}},
        {"check": {"fact": "age", "op": "at_most", "value": 60}}]})
    found = forecast(patient, trial, as_of=dt.date(2026, 11, 2), horizon=Duration(60, "days"))
    ((on, change),) = [(step.on, change) for step in found.steps for change in step.changes]
    assert (on, change.after) == (stale, Status.FAIL)
    assert "goes stale" not in change.reason
    assert "Age 61 years" in change.reason
