"""What the eligibility window forecast costs: per patient, and in a batch.

    python bench/forecast.py            # 200 synthetic profiles, a batch of 400 files
    python bench/forecast.py --quick    # 40 profiles, a batch of 100 files

Per patient (in this process, the 7 trials of rules/): the explained screening of every trial
(what `screen` does for one patient) beside the forecast of every trial over the default
horizon (24 months) and over 6 months, and the forecast the simple way (`verdicts` for each
trial and day, without sharing a day's facts across trials), to show what the shared reading
buys. Each is the best of three timed repeats after a warm-up, with the garbage collector
paused. Then the command for one patient, with and without the forecast (best of three), and a
batch through the command (`eligibility screen FOLDER --format json -j 2`),
with and without `--forecast`, each the best of two runs. Nothing is asserted: the numbers are
printed, each as a ratio to the screening measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import synthetic

from eligibility.durations import Duration
from eligibility.forecast import forecast_all, horizon_end
from eligibility.loading import load_patient, load_trials
from eligibility.patient import PatientProfile
from eligibility.screening import screen_all, verdicts

ROOT = Path(__file__).resolve().parent.parent


def best(run: Callable[[], object], repeats: int = 3) -> float:
    run()
    times = []
    for _ in range(repeats):
        gc.disable()
        try:
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times)


def simple_forecast(profile: PatientProfile, trials: list, as_of: dt.date,
                    horizon: Duration) -> None:
    """Every trial, every day, through `verdicts` (a new reading of the facts each time)."""
    end = horizon_end(as_of, horizon)
    for trial in trials:
        day = as_of
        while day <= end:
            verdicts(profile, trial, as_of=day)
            day += dt.timedelta(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    count, files = (40, 100) if options.quick else (200, 400)
    print(f"python {platform.python_version()} · {os.cpu_count()} cpus · load "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    trials = list(load_trials(ROOT / "rules"))
    with tempfile.TemporaryDirectory() as folder:
        paths = synthetic.write_profiles(Path(folder), synthetic.profiles(files,
                                                                         seed=options.seed))
        profiles = [load_patient(path) for path in paths[:count]]
        days = [profile.screening_date or dt.date(2026, 11, 2) for profile in profiles]
        pairs = list(zip(profiles, days, strict=True))
        rows = {
            "screening, explained (7 trials)": lambda: [
                screen_all(p, trials, as_of=d) for p, d in pairs],
            "forecast, 24 months (7 trials)": lambda: [
                forecast_all(p, trials, as_of=d) for p, d in pairs],
            "forecast, 6 months (7 trials)": lambda: [
                forecast_all(p, trials, as_of=d, horizon=Duration(6, "months"))
                for p, d in pairs],
            "forecast, 24 months, verdicts per trial": lambda: [
                simple_forecast(p, trials, d, Duration(24, "months")) for p, d in pairs],
        }
        print(f"\nper patient ({count} synthetic profiles, {len(trials)} trials)")
        base = None
        for name, run in rows.items():
            each = best(run) / count
            base = base or each
            print(f"  {name:42} {each * 1000:9.2f} ms   {each / base:7.1f}x")
        print("\none patient: eligibility screen patients/example.yaml (the whole command)")
        single = [sys.executable, "-m", "eligibility", "screen",
                  str(ROOT / "patients" / "example.yaml"), "--rules", str(ROOT / "rules")]
        alone = None
        for label, extra in (("--no-forecast", ["--no-forecast"]), ("forecast (default)", [])):
            elapsed = min(_timed(single + extra) for _ in range(3))
            alone = alone or elapsed
            print(f"  {label:42} {elapsed * 1000:9.0f} ms   {elapsed / alone:7.1f}x")
        print(f"\nbatch: eligibility screen FOLDER --format json -j 2 ({files} files)")
        command = [sys.executable, "-m", "eligibility", "screen", folder, "--rules",
                   str(ROOT / "rules"), "--format", "json", "-j", "2"]
        plain = None
        for label, extra in (("without forecast", []), ("--forecast", ["--forecast"])):
            elapsed = min(_timed(command + extra) for _ in range(2))
            plain = plain or elapsed
            print(f"  {label:42} {files / elapsed:9.1f} profiles/s   "
                  f"{elapsed / plain:7.1f}x the time")


def _timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
