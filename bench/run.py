"""Benchmark the engine against hand-written baselines: ratios with targets, PASS or MISS.

    python bench/run.py            # defaults: --n 2000 profiles, --files 10000 files
    python bench/run.py --quick    # a smoke run in well under 30 seconds

Every ratio compares two measurements taken in the same run, on the same machine and data, so
it means something where absolute times do not. Each measurement is the best of several timed
repeats after a warm-up, with the garbage collector paused while timing (as `timeit` does);
engine and baseline alternate chunk by chunk, so a slower spell of the machine hits both.
Nothing here asserts a time: a MISS is a number to look at, not a failure. The run stops (exit
status 1) only when the engine and a baseline disagree about a status, or about the sentence of
a simple check, since then the baseline would not be doing the same job. Results also go to
bench/out/results.json.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import gc
import importlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import baseline
import synthetic
import yaml

import eligibility
import eligibility.screening
from eligibility import PatientProfile, Status, Trial, Verdict, load_patient, load_trial, screen
from eligibility.rules import AllOf, AnyOf, Check, Condition

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
TRIAL_FILE = ROOT / "rules" / "NCT06910384.yaml"
CLI_PATIENT = "patients/example.yaml"


@dataclass
class Measurement:
    """One comparison: engine against baseline, its ratio, and the ratio's target."""

    name: str
    unit: str                  # what `engine_each` and `baseline_each` are per
    items: int
    engine_best: float         # seconds for all items: the sum of each chunk's best time
    baseline_best: float
    engine_each: float         # seconds per item
    baseline_each: float
    ratio: float
    target: float
    higher_is_better: bool
    repeats: int
    engine_times: list[float] = field(default_factory=list)
    baseline_times: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    started = time.perf_counter()
    quick = args.quick
    n = args.n if args.n is not None else (200 if quick else 2000)
    files = args.files if args.files is not None else (200 if quick else 10_000)
    repeat = 3 if quick else 5
    cli_runs = 3 if quick else 10
    loading_budget = 20.0 if quick else 45.0

    machine = _machine()
    print(f"eligibility {eligibility.__version__} benchmark: python {machine['python']}, "
          f"{machine['cpus']} cpus, load average {machine['load_average']}")
    if machine["busy"]:
        print("note: other processes are using the cpus; absolute times will be noisy")
    print(f"profiles: {n} for screening, {files} files for loading, seed {args.seed}"
          f"{' (quick)' if quick else ''}\n", flush=True)

    trial = load_trial(TRIAL_FILE)
    raw = synthetic.profiles(max(n, files), seed=args.seed)
    profiles = [PatientProfile.model_validate(item) for item in raw[:n]]
    agreement = check_agreement(trial, profiles)
    if agreement["status_mismatches"] or agreement["simple_explanation_mismatches"]:
        _write(machine, args, agreement, [], [], time.perf_counter() - started)
        return 1

    measurements: list[Measurement] = []
    notes: list[str] = []
    measurements.append(measure_screening(trial, profiles, repeat))
    measurements.append(measure_verdicts(trial, profiles, repeat, notes))
    with tempfile.TemporaryDirectory(prefix="eligibility-bench-") as folder:
        measurements.append(measure_loading(Path(folder), raw[:files], repeat,
                                            loading_budget))
    cli = measure_cli(cli_runs, notes)
    if cli is not None:
        measurements.append(cli)

    elapsed = time.perf_counter() - started
    _table(measurements)
    for note in notes:
        print(f"note: {note}")
    path = _write(machine, args, agreement, measurements, notes, elapsed)
    print(f"\nwhole run {elapsed:.0f} s; results in {path.relative_to(ROOT)}")
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, help="profiles to screen (default 2000; quick 200)")
    parser.add_argument("--files", type=int,
                        help="profile files to load (default 10000; quick 200)")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic profiles")
    args = parser.parse_args(argv)
    for name in ("n", "files"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    return args


# Agreement: the baselines must do the engine's job before their speed means anything

def check_agreement(trial: Trial, profiles: Sequence[PatientProfile]) -> dict[str, Any]:
    """Compare statuses and sentences of engine and baselines on every profile; print why not."""
    ids = tuple(criterion.id for criterion in trial.criteria)
    if ids != baseline.CRITERIA:
        print(f"STOP: {trial.id} now has criteria {', '.join(ids)}; the baseline knows "
              f"{', '.join(baseline.CRITERIA)}. Update bench/baseline.py.")
        return {"status_mismatches": 1, "simple_explanation_mismatches": 0}
    simple = {criterion.id for criterion in trial.criteria if _only_checks(criterion.condition)
              and (criterion.applies_to is None or _only_checks(criterion.applies_to))}
    fast, _ = verdict_path()
    verdicts: Counter[str] = Counter()
    statuses: dict[str, Counter[str]] = {ident: Counter() for ident in ids}
    status_mismatches: list[str] = []
    sentence_mismatches: dict[str, list[str]] = {}
    for profile in profiles:
        as_of = _as_of(profile)
        screening = screen(profile, trial, as_of=as_of)
        engine = [(r.criterion.id, r.status.value, r.outcome.explanation)
                  for r in screening.results]
        explained = baseline.str04_explained(profile, as_of)
        quick_statuses, quick_verdict = baseline.str04_verdict(profile, as_of)
        verdicts[screening.verdict.value] += 1
        for (ident, status, sentence), (_, mine, my_sentence), fast_status in zip(
                engine, explained, quick_statuses, strict=True):
            statuses[ident][status] += 1
            if status != mine or status != fast_status.value:
                status_mismatches.append(
                    f"{profile.id} {ident}: engine {status}, baseline (a) {mine}, baseline (b) "
                    f"{fast_status.value}\n    engine:   {sentence}\n    baseline: {my_sentence}")
            elif sentence != my_sentence:
                sentence_mismatches.setdefault(ident, []).append(
                    f"{profile.id} {ident}:\n    engine:   {sentence}\n    baseline: {my_sentence}")
        if quick_verdict is not screening.verdict:
            status_mismatches.append(f"{profile.id}: engine {screening.verdict.value}, "
                                     f"baseline (b) {quick_verdict.value}")
        if fast is not None:
            fast_statuses, fast_verdict = fast(profile, trial, as_of=as_of)
            if tuple(fast_statuses) != tuple(r.status for r in screening.results) or (
                    fast_verdict is not screening.verdict):
                said = [result.status.value for result in screening.results]
                status_mismatches.append(f"{profile.id}: screening.verdicts() says "
                                         f"{[s.value for s in fast_statuses]} {fast_verdict}, "
                                         f"screen() says {said} {screening.verdict}")
    simple_mismatches = sum(len(v) for k, v in sentence_mismatches.items() if k in simple)
    print(f"agreement on {len(profiles)} profiles x {len(ids)} criteria of {trial.id}:")
    print("  verdicts: " + ", ".join(f"{verdicts[v.value]} {v.value}" for v in Verdict))
    for ident in ids:
        counts = ", ".join(f"{statuses[ident][s.value]} {s.value}" for s in Status)
        wording = len(sentence_mismatches.get(ident, []))
        print(f"  {ident:<4} {counts:<32} sentences: "
              f"{'identical' if not wording else f'{wording} differ'}"
              f"{'' if ident not in simple else ' (simple check)'}")
    for lines in (status_mismatches, *sentence_mismatches.values()):
        for line in lines[:5]:
            print(f"  MISMATCH {line}")
    if status_mismatches:
        print(f"STOP: {len(status_mismatches)} status disagreements between the engine and the "
              "baselines; check bench/baseline.py against screening.py, then the engine.")
    elif simple_mismatches:
        print(f"STOP: {simple_mismatches} sentences of simple checks differ.")
    else:
        print("  statuses identical to the engine for both baselines" + (
            "" if not sentence_mismatches else
            "; some sentences of compound criteria differ (above)"))
    print(flush=True)
    return {
        "profiles": len(profiles),
        "verdicts": dict(verdicts),
        "statuses": {ident: dict(counts) for ident, counts in statuses.items()},
        "status_mismatches": len(status_mismatches),
        "simple_checks": sorted(simple),
        "simple_explanation_mismatches": simple_mismatches,
        "explanation_mismatches": {k: len(v) for k, v in sentence_mismatches.items()},
        "fast_path_checked": fast is not None,
    }


def _only_checks(condition: Condition) -> bool:
    if isinstance(condition, Check):
        return True
    if isinstance(condition, (AllOf, AnyOf)):
        return all(_only_checks(part) for part in condition.parts)
    return False


def _as_of(profile: PatientProfile) -> dt.date:
    assert profile.screening_date is not None, "synthetic profiles have a screening date"
    return profile.screening_date


# Timing

def _time(run: Callable[[], object]) -> float:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def compare(engine: Callable[[Sequence[Any]], object], reference: Callable[[Sequence[Any]], object],
            items: Sequence[Any], repeat: int, budget: float | None = None) -> (
        tuple[list[float], list[float]]):
    """Time engine and baseline on all items: the items in chunks of about a tenth, each chunk
    timed for both sides one after the other, so both meet the same spells of a busy machine;
    `repeat` rounds (fewer when `budget` seconds run out, but at least one). Which side goes
    first alternates from chunk to chunk and from round to round: the second side reads
    profiles the first has just brought into the processor's caches, which made the side that
    always went second (the baseline) look up to 15 % faster. A round's time is the sum of its
    chunks; the best time is the sum of each chunk's best. Both are warmed up first."""
    size = max(1, min(len(items) // 10, 1000))
    chunks = [items[start:start + size] for start in range(0, len(items), size)]
    engine(chunks[0][:200])
    reference(chunks[0][:200])
    engine_rounds: list[list[float]] = []
    reference_rounds: list[list[float]] = []
    started = time.perf_counter()
    for round_ in range(repeat):
        engine_rounds.append([])
        reference_rounds.append([])
        for index, chunk in enumerate(chunks):
            if (round_ + index) % 2:
                reference_rounds[-1].append(_time(partial(reference, chunk)))
                engine_rounds[-1].append(_time(partial(engine, chunk)))
            else:
                engine_rounds[-1].append(_time(partial(engine, chunk)))
                reference_rounds[-1].append(_time(partial(reference, chunk)))
        if budget is not None and time.perf_counter() - started > budget:
            break
    return _best_and_rounds(engine_rounds), _best_and_rounds(reference_rounds)


def _best_and_rounds(rounds: list[list[float]]) -> list[float]:
    """The best time (sum of each chunk's best) first, then each round's time."""
    best = sum(min(times) for times in zip(*rounds, strict=True))
    return [best, *(sum(times) for times in rounds)]


def _measurement(name: str, unit: str, items: int, times: tuple[list[float], list[float]],
                 target: float, *, faster_is_higher: bool, note: str = "") -> Measurement:
    """`times` holds each side's best time, then its time in each round. With
    `faster_is_higher` the ratio is baseline time / engine time (engine throughput over baseline
    throughput, or how many times faster the engine is) and must reach the target; otherwise it
    is engine time / baseline time (how many times slower) and must stay under it."""
    (engine, *engine_times), (reference, *baseline_times) = times
    ratio = reference / engine if faster_is_higher else engine / reference
    return Measurement(name, unit, items, engine, reference, engine / items, reference / items,
                       ratio, target, faster_is_higher, len(engine_times), engine_times,
                       baseline_times, note)


def measure_screening(trial: Trial, profiles: Sequence[PatientProfile],
                      repeat: int) -> Measurement:
    """`screen()` with its explanations against baseline (a), over the same profiles."""
    def engine(items: Sequence[PatientProfile]) -> None:
        for profile in items:
            screen(profile, trial, as_of=_as_of(profile))

    def reference(items: Sequence[PatientProfile]) -> None:
        for profile in items:
            baseline.str04_explained(profile, _as_of(profile))

    result = _measurement("screening, explained", "profile", len(profiles),
                          compare(engine, reference, profiles, repeat), 0.5, faster_is_higher=True)
    _say(result, "engine screen() / baseline str04_explained()")
    return result


def measure_verdicts(trial: Trial, profiles: Sequence[PatientProfile], repeat: int,
                     notes: list[str]) -> Measurement:
    """The engine's verdict-only path against baseline (b)."""
    found, where = verdict_path()
    note = f"engine: {where}"
    if found is None:
        note = ("eligibility.screening.verdicts() does not exist yet: the verdict-only row "
                "times screen() and reads its statuses and verdict")
        notes.append(note)
    elif where != "eligibility.screening.verdicts":
        notes.append(f"the verdict-only path is {where}, not eligibility.screening.verdicts")

    fast = found if found is not None else _statuses_from_screen

    def engine(items: Sequence[PatientProfile]) -> None:
        for profile in items:
            fast(profile, trial, as_of=_as_of(profile))

    def reference(items: Sequence[PatientProfile]) -> None:
        for profile in items:
            baseline.str04_verdict(profile, _as_of(profile))

    result = _measurement("verdict only", "profile", len(profiles),
                          compare(engine, reference, profiles, repeat), 0.75, faster_is_higher=True,
                          note=note)
    _say(result, "engine verdicts() / baseline str04_verdict()")
    return result


def _statuses_from_screen(profile: PatientProfile, trial: Trial, *, as_of: dt.date) -> (
        tuple[tuple[Status, ...], Verdict]):
    screening = screen(profile, trial, as_of=as_of)
    return tuple(result.status for result in screening.results), screening.verdict


def verdict_path() -> tuple[Callable[..., Any] | None, str]:
    """The engine's verdict-only function and its name: `eligibility.screening.verdicts`, or
    where the engine keeps it (`eligibility.verdicts.verdicts`), or None."""
    for module in ("eligibility.screening", "eligibility.verdicts"):
        try:
            found = getattr(importlib.import_module(module), "verdicts", None)
        except ImportError:
            continue
        if callable(found):
            return found, f"{module}.verdicts"
    return None, ""


def measure_loading(folder: Path, raw: Sequence[dict[str, Any]], repeat: int,
                    budget: float) -> Measurement:
    """`load_patient()` on each file against PyYAML's pure-Python SafeLoader on its text."""
    started = time.perf_counter()
    paths = synthetic.write_profiles(folder, raw)
    written = time.perf_counter() - started
    print(f"wrote {len(paths)} profile files ({sum(p.stat().st_size for p in paths) / 1e6:.1f} "
          f"MB) in {written:.1f} s", flush=True)
    for path, item in list(zip(paths, raw, strict=True))[:200]:  # the files say what we meant
        assert yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader) == item
        assert load_patient(path) == PatientProfile.model_validate(item), path.name

    def engine(items: Sequence[Path]) -> None:
        for path in items:
            load_patient(path)

    def reference(items: Sequence[Path]) -> None:
        for path in items:
            yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)

    result = _measurement("loading", "file", len(paths),
                          compare(engine, reference, paths, repeat, budget), 5.0,
                          faster_is_higher=True)
    _say(result, "baseline yaml.load(SafeLoader) time / engine load_patient() time")
    return result


def measure_cli(runs: int, notes: list[str]) -> Measurement | None:
    """`eligibility screen patients/example.yaml` as a process against importing what it
    needs from outside the standard library."""
    command = _cli_command()
    modules = third_party_imports()
    reference = [sys.executable, "-c", f"import {', '.join(modules)}"]
    # Both processes get the same bytecode cache, kept in bench/out: an editable install run
    # with PYTHONDONTWRITEBYTECODE would otherwise compile the engine at every start.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    first = subprocess.run([*command, "screen", CLI_PATIENT], cwd=ROOT, env=environment,
                           capture_output=True, text=True, check=False)
    if first.returncode != 0:
        notes.append(f"CLI start-up not measured: {' '.join(command)} exited with "
                     f"{first.returncode}: {first.stderr.strip()[-300:]}")
        return None
    subprocess.run(reference, cwd=ROOT, env=environment, check=True)

    def run(arguments: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(arguments, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        return time.perf_counter() - start

    engine_times, reference_times = [], []
    for _ in range(runs):
        engine_times.append(run([*command, "screen", CLI_PATIENT]))
        reference_times.append(run(reference))
    note = (f"engine: {' '.join(Path(part).name for part in command)} screen {CLI_PATIENT}; "
            f"baseline: python -c \"import {', '.join(modules)}\"")
    times = ([min(engine_times), *engine_times], [min(reference_times), *reference_times])
    result = _measurement("CLI start-up", "process", 1, times, 1.3,
                          faster_is_higher=False, note=note)
    _say(result, "engine process / baseline process")
    return result


def _cli_command() -> list[str]:
    script = Path(sys.executable).with_name("eligibility")
    if script.exists():
        return [str(script)]
    if importlib.util.find_spec("eligibility.__main__") is not None:
        return [sys.executable, "-m", "eligibility"]
    return [sys.executable, "-c", "import sys; from eligibility.cli import main; "
            "sys.argv[0] = 'eligibility'; main()"]


def third_party_imports() -> list[str]:
    """The modules outside the standard library that `eligibility.cli` imports when it starts:
    module-level imports of every eligibility module reachable from it by module-level
    imports (imports inside functions are lazy and do not count). Modules are named by their
    dotted path inside the package ("" is the package itself); a package is its __init__.py."""
    root = Path(eligibility.__file__).parent
    seen: set[str] = set()
    found: set[str] = set()
    todo = ["", "cli"]
    while todo:
        module = todo.pop()
        source = None if module in seen else _module_source(root, module)
        if source is None:
            continue
        seen.add(module)
        # The package a relative import starts from: the module's own, or itself if a package.
        package = module.split(".") if source.name == "__init__.py" else module.split(".")[:-1]
        package = [part for part in package if part]
        for node in ast.parse(source.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = package[:len(package) - (node.level - 1)]
                if node.module:
                    base = [*base, *node.module.split(".")]
                    todo.append(".".join(base))
                # `from . import x` and `from .m import x` may name submodules too.
                todo.extend(".".join([*base, alias.name]) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names
                             if _is_submodule(f"{node.module}.{alias.name}"))
    outside = {name for name in found if name.split(".")[0] not in sys.stdlib_module_names
               and name.split(".")[0] not in ("eligibility", "__future__")}
    # `import rich.table` imports `rich` too: name only the deepest modules.
    return sorted(name for name in outside
                  if not any(other.startswith(f"{name}.") for other in outside))


def _module_source(root: Path, module: str) -> Path | None:
    """The file holding an eligibility module, or None if the name is not a module."""
    path = root.joinpath(*module.split(".")) if module else root
    for candidate in (path / "__init__.py", path.with_suffix(".py") if module else None):
        if candidate is not None and candidate.exists():
            return candidate
    return None


def _is_submodule(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


# Reporting

def _say(result: Measurement, ratio: str) -> None:
    print(f"{result.name}: engine {_each(result.engine_each, result.unit)}, baseline "
          f"{_each(result.baseline_each, result.unit)}; {ratio} = {result.ratio:.2f} "
          f"({result.repeats} {'round' if result.repeats == 1 else 'rounds'}"
          f"{'' if result.unit == 'process' else ', best of each chunk'})", flush=True)


def _each(seconds: float, unit: str) -> str:
    if unit == "profile":
        return f"{1 / seconds:,.0f} profiles/s ({seconds * 1e6:,.0f} us each)"
    if unit == "file":
        return f"{1 / seconds:,.0f} files/s ({seconds * 1e3:.2f} ms each)"
    return f"{seconds * 1e3:.0f} ms"


def _table(measurements: Sequence[Measurement]) -> None:
    print(f"\n{'measurement':<22}{'engine':>18}{'baseline':>18}{'ratio':>9}{'target':>10}  result")
    for m in measurements:
        if m.unit == "process":
            engine, reference = f"{m.engine_each * 1e3:.0f} ms", f"{m.baseline_each * 1e3:.0f} ms"
        elif m.unit == "file":
            engine = f"{m.engine_each * 1e3:.2f} ms/file"
            reference = f"{m.baseline_each * 1e3:.2f} ms/file"
        else:
            engine, reference = f"{1 / m.engine_each:,.0f} /s", f"{1 / m.baseline_each:,.0f} /s"
        target = f"{'>=' if m.higher_is_better else '<='} {m.target:g}x"
        print(f"{m.name:<22}{engine:>18}{reference:>18}{m.ratio:>8.2f}x{target:>10}  "
              f"{'PASS' if m.passed else 'MISS'}")


def _machine() -> dict[str, Any]:
    cpus = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip()
    versions = {name: importlib.metadata.version(name)
                for name in ("pydantic", "pydantic-core", "PyYAML", "typer", "rich")}
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": cpus,
        "usable_cpus": usable,
        "load_average": round(load, 2),
        "busy": load > 0.5 * usable,
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "packages": versions,
        "commit": commit or None,
    }


def _write(machine: dict[str, Any], args: argparse.Namespace, agreement: dict[str, Any],
           measurements: Sequence[Measurement], notes: Sequence[str], elapsed: float) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / "results.json"
    document = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "parameters": {"n": args.n, "files": args.files, "quick": args.quick,
                       "seed": args.seed},
        "agreement": agreement,
        "measurements": [asdict(m) | {"passed": m.passed} for m in measurements],
        "notes": list(notes),
        "seconds": round(elapsed, 1),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    sys.exit(main())
