"""A batch's `--verdict` filter, `--sort` order and near misses: what is shown, in what order."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from eligibility import load_patient, load_trials
from eligibility.cli import app
from eligibility.cli.selecting import Selecting
from eligibility.loading import Problem
from eligibility.screening import screen_all
from eligibility.selection import NEAR_MISS, SHOWN, Order, is_shown, sort_key

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
PATIENTS = sorted((ROOT / "patients").glob("*.yaml"))
TRIALS = load_trials(RULES)
AS_OF = "2026-11-02"


def _screened(path: Path, on: dt.date | None = None) -> tuple[str, Any, tuple[Any, ...]]:
    profile = load_patient(path, as_of=on)
    day = on or profile.screening_date
    return profile.id, day, screen_all(profile, TRIALS, as_of=day)


SCREENED = [_screened(path) for path in PATIENTS]


def screen(*args: str | Path) -> Result:
    return CliRunner().invoke(app, ["screen", *map(str, args), "--rules", str(RULES),
                                    "--as-of", AS_OF], env={"COLUMNS": "200"})


def expected_ids(screened: Sequence[tuple[str, Any, Any]], wanted: Sequence[str],
                 order: Order) -> list[str]:
    """The ids a batch of `screened` patients should show, from the library alone."""
    kept = [(number, ident, screenings) for number, (ident, _, screenings)
            in enumerate(screened) if is_shown(screenings, wanted)]
    kept.sort(key=lambda row: (sort_key(order, row[1], row[2]), row[0]))
    return [ident for _, ident, _ in kept]


# The sink, against a recording one: the laws


class Recording:
    """A sink that keeps what it is handed, as text (like JSON) or as objects (like a row)."""

    def __init__(self, *, text: bool) -> None:
        self.text = text
        self.got: list[Any] = []
        self.closed = False
        self.piece = self._piece

    def _piece(self, ident: str, on: Any, screenings: Any) -> Any:
        return f'{{"id": "{ident}"}}\n' if self.text else (ident,)

    def patient(self, piece: Any) -> None:
        self.got.append(json.loads(piece)["id"] if self.text else piece[0])

    def problems(self, problems: Sequence[Problem]) -> None:
        pass

    def close(self) -> None:
        self.closed = True


@settings(max_examples=80, deadline=None)
@given(chosen=st.lists(st.sampled_from(range(len(SCREENED))), max_size=12),
       wanted=st.lists(st.sampled_from(SHOWN), unique=True, max_size=3),
       order=st.sampled_from(Order), text=st.booleans())
def test_filtering_and_sorting_never_lose_nor_repeat_a_patient(chosen, wanted, order, text):
    inner = Recording(text=text)
    sink = Selecting(inner, wanted=wanted, order=order)
    patients = [SCREENED[number] for number in chosen]
    for ident, on, screenings in patients:
        sink.patient(sink.piece(ident, on, screenings))
    sink.close()
    shown = [p for p in patients if is_shown(p[2], wanted)]
    assert sorted(inner.got) == sorted(ident for ident, _, _ in shown)  # none lost or repeated
    keys = [sort_key(order, ident, screenings) for ident, _, screenings in shown]
    by_id = dict(zip((ident for ident, _, _ in shown), keys, strict=True))
    assert [by_id[ident] for ident in inner.got] == sorted(keys)  # in order
    assert (sink.screened, sink.shown, inner.closed) == (len(patients), len(shown), True)


def test_sorting_keeps_the_files_order_between_equal_keys():
    inner = Recording(text=True)
    sink = Selecting(inner, wanted=(), order=Order.ID)
    for ident in ("b", "a", "b", "a"):
        sink.patient(((ident,), f'{{"id": "{ident}", "n": {len(inner.got)}}}\n'))
    sink.close()
    assert inner.got == ["a", "a", "b", "b"]


@pytest.mark.parametrize(
    ("wanted", "count"),
    # near_miss 27: riluzole-dose-changed-7-weeks-ago no longer fails AB19001 I4 alone (the
    # 12-week run-in may complete the dose's 12 weeks: unknown until baseline).
    [(("eligible",), 18), (("near_miss",), 27), (("eligible", "needs_review"), 36), ((), 36)],
    ids=["eligible", "near-miss", "eligible-or-review", "everyone"],
)
def test_how_many_shipped_patients_each_filter_keeps(wanted, count):
    assert sum(is_shown(screenings, wanted) for _, _, screenings in SCREENED) == count


def test_best_puts_the_patients_with_most_eligible_trials_first():
    best = expected_ids(SCREENED, (), Order.BEST)
    eligible = {ident: sum(str(s.verdict) == "eligible" for s in screenings)
                for ident, _, screenings in SCREENED}
    assert [eligible[ident] for ident in best] == sorted(eligible.values(), reverse=True)


# The command


@pytest.mark.parametrize("order", list(Order))
def test_json_batch_shows_the_filtered_patients_in_the_order_asked(tmp_path, order):
    folder = tmp_path / "in"
    folder.mkdir()
    for path in PATIENTS:
        shutil.copy(path, folder / path.name)
    result = screen(folder, "--format", "json", "--verdict", "eligible,near_miss",
                    "--sort", order.value)
    assert result.exit_code == 0, result.output
    shown = [patient["patient_id"] for patient in json.loads(result.stdout)["patients"]]
    on_the_day = [_screened(path, dt.date.fromisoformat(AS_OF)) for path in PATIENTS]
    assert shown == expected_ids(on_the_day, ("eligible", NEAR_MISS), order)
    assert f"{len(shown)} of {len(PATIENTS)} patients shown (--verdict eligible,near_miss)" in (
        result.stderr)


def test_sorting_a_batch_screened_by_worker_processes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(70):  # enough to start the workers
        source = PATIENTS[number % len(PATIENTS)]
        text = source.read_text(encoding="utf-8")
        ident = load_patient(source).id
        (folder / f"p{number:02d}.yaml").write_text(
            text.replace(f"id: {ident}", f"id: Z{69 - number:02d}-{ident}"), encoding="utf-8")
    result = screen(folder, "--format", "jsonl", "--sort", "id", "--jobs", "2")
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["patient_id"] for line in result.stdout.splitlines()]
    assert ids == sorted(ids) and len(ids) == 70


def test_the_matrix_marks_near_misses_and_counts_them(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("example", "low-blood-counts"):
        shutil.copy(ROOT / "patients" / f"{name}.yaml", folder)
    result = screen(folder, "--trial", "NCT06910384")
    assert result.exit_code == 0, result.output
    assert "INELIGIBLE (E4)" in result.stdout and "INELIGIBLE (E2)" in result.stdout
    assert "NCT06910384: 0 eligible · 2 ineligible · 0 needs review (2 near misses)" in (
        result.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--verdict", "eligable"], "got 'eligable' (did you mean 'eligible'?)"),
     (["--verdict", " , "], "separated by commas, got nothing"),
     (["--sort", "name"], "expected one of file, id, best, got 'name'")],
    ids=["misspelt-verdict", "no-verdict", "unknown-order"],
)
def test_a_bad_filter_or_order_is_a_usage_error(tmp_path, args, message):
    result = screen(ROOT / "patients", *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_one_profile_cannot_be_filtered_or_sorted():
    result = screen(ROOT / "patients" / "example.yaml", "--verdict", "eligible")
    assert result.exit_code == 2
    assert "--verdict and --sort choose among several patients" in result.stderr


def test_a_trailing_comma_in_the_verdicts_is_forgiven(tmp_path):
    result = screen(ROOT / "patients", "--verdict", "Eligible,", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert "10 of 36 patients shown (--verdict eligible)" in result.stderr  # on AS_OF


def test_a_population_table_cannot_be_filtered_here(tmp_path):
    table = tmp_path / "registry.jsonl"
    table.write_text('{"id": "P1"}\n', encoding="utf-8")
    result = screen(table, "--sort", "best")
    assert result.exit_code == 2
    assert "a population table is screened in SQL" in result.stderr
