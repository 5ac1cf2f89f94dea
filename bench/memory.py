"""Peak memory and throughput of `eligibility screen FOLDER` on big batches, and the gain over
the batch path before streaming (commit 0f9cad0), measured in the same run.

    python bench/memory.py                       # 1k, 10k and 100k profiles (~20 min)
    python bench/memory.py --sizes 1000,10000    # smaller
    python bench/memory.py --quick               # 1k only, one run each (~1 min)

For each size and output (`--format json`, `jsonl`, `csv`, each with `-o FILE`, and the matrix,
`--format table -o FILE`) it runs the command as a user would and prints:

- peak RSS of the largest single process (exact: the kernel's maximum for the command and
  the workers it waited for, from wait4), and of the main process alone (sampled);
- peak RSS of the whole process tree (the main process and its workers, sampled every 20 ms
  from /proc and summed, so pages the forked workers share with it count twice: an upper
  bound) against the target, 300 MB at 100,000 profiles, and the peak of the summed PSS (each
  shared page divided among the processes sharing it: what the tree really holds; sampled
  every 200 ms, as reading it costs more);
- profiles per second (the file count over the wall time, start-up included).

The baseline is the code at `--baseline` (default 0f9cad0, the last commit before streaming),
taken with `git archive` into a temporary folder with its own rules/ and run by the same
Python: it builds every result in memory, so it runs at the sizes up to `--baseline-max`
(default 10,000; at 100,000 it needs more memory than this machine has). Throughput is
measured at the largest size both run, old and new alternating `--repeat` times (best of
each), and printed as a ratio: the target is at least 2x. Nothing is asserted.

Profiles come from `synthetic.py` (seed 0): the 100,000 are written once under
`bench/out/profiles-<seed>/` (git-ignored, ~400 MB with the file system's overhead; reused by
later runs; `--fresh` writes them again) and the smaller sizes are hard links to their first
files. Results also go to `bench/out/memory.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import synthetic

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
OUTPUTS = ("json", "jsonl", "csv", "table")
BASELINE_OUTPUTS = ("json", "csv", "table")  # jsonl is new
TARGET_MB = 300
TARGET_AT = 100_000
TARGET_RATIO = 2.0


@dataclass
class Run:
    code: str          # "new" or "baseline"
    size: int
    output: str
    seconds: float
    largest_mb: float  # peak RSS of the largest process (wait4: the command or a worker)
    main_mb: float     # peak RSS of the main process (sampled)
    tree_mb: float     # peak of the summed RSS of the process tree (sampled)
    pss_mb: float      # peak of the summed PSS of the process tree (sampled)
    processes: int     # most processes seen at once
    exit_status: int

    @property
    def per_second(self) -> float:
        return self.size / self.seconds


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    sizes = [1000] if args.quick else sorted(int(size) for size in args.sizes.split(","))
    repeat = 1 if args.quick else args.repeat
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average "
          f"{os.getloadavg()[0]:.2f}; sizes {', '.join(map(str, sizes))}", flush=True)
    folders = _profiles(max(sizes), sizes, seed=args.seed, fresh=args.fresh)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="eligibility-memory-") as scratch, \
            _baseline(args.baseline, Path(scratch)) as old:
        for size in sizes:
            for output in OUTPUTS:
                codes = ["new"] + (["baseline"] if old and size <= args.baseline_max
                                   and output in BASELINE_OUTPUTS else [])
                for code in codes:
                    run = _measure(code, old, folders[size], size, output, Path(scratch))
                    runs.append(run)
                    _say(run)
        ratios = _throughput(runs, folders, old, sizes, args, repeat, Path(scratch))
    _summary(runs, ratios)
    OUT.mkdir(exist_ok=True)
    (OUT / "memory.json").write_text(json.dumps(
        {"runs": [asdict(run) | {"per_second": run.per_second} for run in runs],
         "throughput": ratios, "baseline": args.baseline, "cpus": os.cpu_count(),
         "load_average": os.getloadavg()[0]}, indent=2) + "\n", encoding="utf-8")
    return 0


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="profile counts, comma-separated")
    parser.add_argument("--quick", action="store_true", help="1000 profiles, one run each")
    parser.add_argument("--repeat", type=int, default=3,
                        help="throughput runs of each side, alternating (best counts)")
    parser.add_argument("--baseline", default="0f9cad0",
                        help="commit to compare with ('' for none)")
    parser.add_argument("--baseline-max", type=int, default=10_000,
                        help="largest size the baseline is run at")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", help="write the profiles again")
    return parser.parse_args(argv)


# The profiles


def _profiles(largest: int, sizes: Sequence[int], *, seed: int,
              fresh: bool) -> dict[int, Path]:
    """Folders of `size` profiles each: the first `size` of one seeded sequence."""
    root = OUT / f"profiles-{seed}"
    full = root / f"n{largest}"
    if fresh and root.exists():
        shutil.rmtree(root)
    have = len(list(full.glob("*.yaml"))) if full.is_dir() else 0
    if have < largest:
        print(f"writing {largest} synthetic profiles to {full} ...", flush=True)
        started = time.perf_counter()
        rng = random.Random(seed)
        shutil.rmtree(full, ignore_errors=True)
        synthetic.write_profiles(full, (synthetic.profile(rng, index)
                                        for index in range(largest)))
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    files = sorted(full.glob("*.yaml"))[:largest]
    folders = {largest: full}
    for size in sizes:
        if size == largest:
            continue
        folder = root / f"n{size}"
        if len(list(folder.glob("*.yaml"))) != size:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for file in files[:size]:
                os.link(file, folder / file.name)
        folders[size] = folder
    return folders


# The code before streaming


@contextlib.contextmanager
def _baseline(commit: str, scratch: Path) -> Iterator[Path | None]:
    """The source and rules of `commit`, unpacked in `scratch`; None without git or commit."""
    if not commit:
        yield None
        return
    archive = subprocess.run(["git", "archive", commit, "src", "rules"], cwd=ROOT,
                             capture_output=True, check=False)
    if archive.returncode != 0:
        print(f"note: no baseline ({archive.stderr.decode().strip()})")
        yield None
        return
    folder = scratch / f"baseline-{commit}"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    yield folder


def _command(code: str, old: Path | None) -> tuple[list[str], Path]:
    """How to run `eligibility` of `code`, and the rules folder it reads."""
    if code == "baseline":
        assert old is not None
        runner = (f"import sys; sys.path.insert(0, {str(old / 'src')!r}); "
                  "from eligibility.cli import main; sys.argv[0] = 'eligibility'; main()")
        return [sys.executable, "-c", runner], old / "rules"
    return [sys.executable, "-m", "eligibility"], ROOT / "rules"


# Measuring one run


def _measure(code: str, old: Path | None, folder: Path, size: int, output: str,
             scratch: Path) -> Run:
    command, rules = _command(code, old)
    target = scratch / f"out-{code}.{output}"
    arguments = [*command, "screen", str(folder), "--rules", str(rules), "--format", output,
                 "-o", str(target)]
    environment = {**os.environ, "COLUMNS": "100"}
    errors = scratch / "stderr.txt"
    with errors.open("wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=environment)
        sampler = _Sampler(process.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:  # Ctrl-C: stop the command too (it removes its own file)
            process.terminate()
            process.wait()
            raise
        seconds = time.perf_counter() - started
        sampler.stop()
    process.returncode = exit_status = os.waitstatus_to_exitcode(status)
    if exit_status != 0:
        last = errors.read_text(errors="replace").strip().splitlines()[-1:]
        print(f"  note: {code} {output} at {size} exited {exit_status}: {last}")
    with contextlib.suppress(OSError):
        target.unlink()
    return Run(code, size, output, seconds, usage.ru_maxrss / 1024,
               sampler.main_kb / 1024, max(sampler.peak_kb, usage.ru_maxrss) / 1024,
               sampler.pss_kb / 1024, sampler.processes, exit_status)


class _Sampler(threading.Thread):
    """The summed RSS of a process and its descendants, read from /proc every 20 ms, and
    their summed PSS every 200 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.main_kb, self.pss_kb, self.processes = pid, 0, 0, 0, 0
        self._done = threading.Event()

    def run(self) -> None:
        rounds = 0
        while not self._done.wait(0.02):
            pids = _tree(self.pid)
            self.processes = max(self.processes, len(pids))
            sizes = [_kb(pid, "status", "VmRSS:") for pid in pids]
            self.main_kb = max(self.main_kb, sizes[0])
            self.peak_kb = max(self.peak_kb, sum(sizes))
            rounds += 1
            if rounds % 10 == 1:  # PSS makes the kernel walk every page: every 200 ms
                self.pss_kb = max(self.pss_kb, sum(_kb(pid, "smaps_rollup", "Pss:")
                                                   for pid in pids))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{current}/task/{current}/children").read_text()
            pending += [int(child) for child in children.split()]
    return found


def _kb(pid: int, file: str, field: str) -> int:
    """A size in kB from /proc/PID/FILE (`VmRSS:` of status, `Pss:` of smaps_rollup)."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


# Throughput, old against new


def _throughput(runs: list[Run], folders: dict[int, Path], old: Path | None,
                sizes: Sequence[int], args: argparse.Namespace, repeat: int,
                scratch: Path) -> dict[str, dict[str, float]]:
    """Profiles per second of both sides at the largest size both ran, alternating runs."""
    both = [size for size in sizes if old and size <= args.baseline_max]
    if not both:
        return {}
    size = max(both)
    print(f"\nthroughput at {size} profiles, best of {repeat} alternating runs:", flush=True)
    ratios: dict[str, dict[str, float]] = {}
    for output in BASELINE_OUTPUTS:
        best: dict[str, float] = {}
        for code in ("baseline", "new"):
            best[code] = max((run.per_second for run in runs if run.code == code
                              and run.size == size and run.output == output), default=0.0)
        for _ in range(repeat - 1):
            for code in ("baseline", "new"):
                run = _measure(code, old, folders[size], size, output, scratch)
                best[code] = max(best[code], run.per_second)
        ratio = best["new"] / best["baseline"] if best["baseline"] else 0.0
        ratios[output] = {"baseline": best["baseline"], "new": best["new"], "ratio": ratio}
        verdict = "PASS" if ratio >= TARGET_RATIO else "MISS"
        print(f"  {output:5}  before {best['baseline']:6.0f}/s  now {best['new']:6.0f}/s  "
              f"{ratio:4.2f}x  (target >= {TARGET_RATIO:.0f}x: {verdict})", flush=True)
    return ratios


# Printing


def _say(run: Run) -> None:
    print(f"  {run.code:8} {run.output:5} {run.size:>7} profiles: {run.seconds:7.1f} s "
          f"{run.per_second:6.0f}/s  main {run.main_mb:5.0f} MB  largest {run.largest_mb:5.0f} "
          f"MB  tree {run.tree_mb:5.0f} MB RSS, {run.pss_mb:5.0f} MB PSS "
          f"({run.processes} processes)", flush=True)


def _summary(runs: Sequence[Run], ratios: dict[str, dict[str, float]]) -> None:
    sizes = sorted({run.size for run in runs})
    print("\npeak RSS of the whole process tree, MB (its PSS in brackets)")
    print("  code     output " + "".join(f"{size:>16}" for size in sizes))
    for code in ("new", "baseline"):
        for output in OUTPUTS:
            cells = []
            for size in sizes:
                run = next((r for r in runs if (r.code, r.output, r.size) == (code, output,
                                                                               size)), None)
                cells.append(f"{run.tree_mb:7.0f} ({run.pss_mb:5.0f})" if run else
                             f"{'-':>14}")
            if any(cell.strip() != "-" for cell in cells):
                print(f"  {code:8} {output:6} " + "".join(f"{cell:>16}" for cell in cells))
    at = [run for run in runs if run.code == "new" and run.size == TARGET_AT]
    if at:
        worst = max(run.tree_mb for run in at)
        print(f"\nat {TARGET_AT} profiles the largest tree peak is {worst:.0f} MB (target < "
              f"{TARGET_MB} MB: {'PASS' if worst < TARGET_MB else 'MISS'})")
    if ratios:
        print("throughput ratios: " + ", ".join(f"{output} {value['ratio']:.2f}x"
                                                for output, value in ratios.items()))


if __name__ == "__main__":
    sys.exit(main())
