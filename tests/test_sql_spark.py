"""Spark runs the same compiled query as DuckDB and gives the per-patient path's statuses and
verdicts (pyspark, local[2]; needs a Java runtime). Slow: marked `spark`."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eligibility.cli import app
from eligibility.loading import load_patient, load_trials
from eligibility.screening import verdicts

pytest.importorskip("pyspark")
pytest.importorskip("duckdb")
if shutil.which("java") is None:
    pytest.skip("no Java runtime on PATH (Debian: apt-get install default-jre-headless)",
                allow_module_level=True)

from eligibility.sql.compiler import compile_trials
from eligibility.sql.spark import session, statuses

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 2)


def test_spark_gives_each_shipped_profile_the_statuses_and_verdict_of_the_python_path(
        tmp_path: Path) -> None:
    table = tmp_path / "registry.parquet"
    result = CliRunner().invoke(app, ["export", str(ROOT / "patients"), "-o", str(table),
                                      "--rules", str(ROOT / "rules")])
    assert result.exit_code == 0, result.output
    compiled, _ = compile_trials(load_trials(ROOT / "rules"))
    trials = {query.trial.id: query.trial for query in compiled}
    profiles = {profile.id: profile for profile in (
        load_patient(path) for path in (ROOT / "patients").glob("*.yaml"))}
    seen = 0
    for trial_id, found in statuses(session(), table, list(trials.values()), today=TODAY):
        profile = profiles[found[0]]
        expected, verdict = verdicts(profile, trials[trial_id],
                                     as_of=profile.screening_date or TODAY)
        assert found[1:] == (*[str(s) for s in expected], str(verdict)), (trial_id, found[0])
        seen += 1
    assert seen == len(profiles) * len(trials)
