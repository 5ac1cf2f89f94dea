"""Fuzz the command line with hostile and broken input: tracebacks, hangs, memory, messages.

    python bench/fuzz.py                    # 2,000 inputs per family, 10,000+ in all (~5 min)
    python bench/fuzz.py --per-family 100   # a smoke run (~20 s)

Five mutation families of real files (tests/mutations.py: bytes, fields, YAML features,
encodings, registry records) and a family of special files (named pipes, devices, folders,
link loops, unreadable files, files at and over the size limit). Each input is given to the
command that reads it as a user would: a profile to `screen FOLDER --format json` beside a
good profile (which must still be screened), a rule file to `check` or to `screen --rules`, a
registry record to `new --from-ctgov` (and what it writes to `check`, which must pass).

Inputs run in worker processes, each command under a 10 s alarm; every 25th input also runs
as a process of its own, whose exact peak memory the kernel reports (wait4). It counts:

- tracebacks: anything but a clean exit (a Python exception reaching the user);
- hangs: a run over 10 s;
- memory: a run whose peak resident memory passes 1 GB (in a worker, its high-water mark);
- unplaced errors: an error line that does not start with the file's name, or names no
  line although it is about the content (only whole-file problems, such as "the file is
  empty" or "this is a named pipe", may leave the line out); and exit 1 without any line
  naming the file.

Exit status 0 when every count is 0, 1 otherwise. Results go to bench/out/fuzz.json, and each
failing input to bench/out/fuzz-failures/ with how to replay it (`--only FAMILY:INDEX`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(ROOT / "tests"))

from eligibility.reading import MAX_FILE_BYTES  # noqa: E402
from mutations import FAMILIES, Case, draw  # noqa: E402

RULES = ROOT / "rules"
EXAMPLE = ROOT / "patients" / "example.yaml"
TIMEOUT = 10.0
MEMORY_KB = 1024 * 1024  # 1 GB
SPECIAL = ["fifo", "dev-zero", "dev-null", "dev-urandom", "folder", "link-loop", "broken-link",
           "socket", "unreadable", "over-the-size-limit", "at-the-size-limit",
           "many-values-in-a-big-file", "empty", "only-comments"]

# Lines that name no file and are not problems: summaries and progress.
SUMMARY = re.compile(r"^(checked \d+ files?: |no profile could be screened|\d+ of \d+ profiles "
                     r"could not be used|every profile found was screened|wrote |\s*$)")
# Problems about a file as a whole, which have no line to name.
WHOLE_FILE = re.compile(r"^(no such file|this is |the file is |the file has only comments|"
                        r"cannot read the file|not a rule file|no YAML files|no profiles|"
                        r"no rule files|the search response has no studies)")


@dataclass
class Run:
    """One command on one input, and what went wrong, if anything."""

    family: str
    index: int
    how: str
    command: str
    exit_code: int | None = None
    seconds: float = 0.0
    peak_kb: int = 0  # the worker's high-water mark, or the process's own peak
    separate: bool = False  # run as a process of its own
    traceback: str = ""
    hang: bool = False
    unplaced: list[str] = field(default_factory=list)
    other: str = ""  # a good profile lost, what `new` wrote not loading

    @property
    def failed(self) -> bool:
        return not self.known and bool(self.traceback or self.hang or self.unplaced
                                       or self.other or self.peak_kb > MEMORY_KB)

    @property
    def known(self) -> str:
        """A failure already known and owned elsewhere, reported apart."""
        if self.command.startswith("screen") and self.exit_code == 2 and (
                self.how == "unreadable"):
            return ("screen's PATIENT and --rules keep typer's readable check (exit 2): "
                    "cli/screen.py and cli/common.py, outside this branch")
        return ""


class _Alarm(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Alarm


def _start_worker() -> None:
    signal.signal(signal.SIGALRM, _on_alarm)
    soft = 4 * 1024**3  # a safety net for the machine; the measure is the 1 GB peak above
    resource.setrlimit(resource.RLIMIT_AS, (soft, soft))


def _peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _draw(family: str, index: int, seed: int) -> Case:
    number = [*FAMILIES, "special"].index(family)  # not hash(): it changes between runs
    return draw(family, random.Random(f"{seed}:{number}:{index}"))


def run_one(task: tuple[str, int, int, bool]) -> list[Run]:
    """Every command for one input, in this worker (and as processes, if `separate`)."""
    family, index, seed, separate = task
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        runs: list[Run] = []
        for how, command, path, checks in _commands(family, index, seed, folder):
            runs.append(_in_process(family, index, how, command, path, checks))
            if separate:  # into a folder of its own: `new` refuses to overwrite what it wrote
                again = [part.replace(str(folder / "new"), str(folder / "new-again"))
                         for part in command]
                runs.append(_as_process(family, index, how, again, path))
        return runs
    finally:
        _remove(folder)


def _remove(folder: Path) -> None:
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            path.chmod(0o700) if not path.is_symlink() else None
    shutil.rmtree(folder, ignore_errors=True)


def _commands(family: str, index: int, seed: int, folder: Path) -> Iterator[
        tuple[str, list[str], Path, str]]:
    """(how it was made, the command, the path it reads, what else to check)."""
    if family == "special":
        kind = SPECIAL[index % len(SPECIAL)]
        path = _special(kind, folder)
        yield kind, ["screen", str(path), "--rules", str(RULES)], path, ""
        yield kind, ["check", str(path)], path, ""
        yield kind, ["screen", str(EXAMPLE), "--rules", str(path)], path, ""
        yield kind, ["new", "--from-ctgov", str(path), "--rules", str(folder / "new")], path, ""
        return
    case = _draw(family, index, seed)
    if case.kind == "patient":
        batch = folder / "batch"
        batch.mkdir()
        shutil.copy(EXAMPLE, batch / "a-good.yaml")
        path = batch / "x.yaml"
        path.write_bytes(case.content)
        yield case.how, ["screen", str(batch), "--rules", str(RULES), "--format", "json",
                         "--as-of", "2026-11-02"], path, "batch"
    elif case.kind == "rules":
        path = folder / "NCT00000001.yaml"
        path.write_bytes(case.content)
        if index % 2:
            yield case.how, ["check", str(path)], path, ""
        else:
            yield case.how, ["screen", str(EXAMPLE), "--rules", str(path)], path, ""
    else:
        path = folder / "record.json"
        path.write_bytes(case.content)
        yield case.how, ["new", "--from-ctgov", str(path), "--rules", str(folder / "new")], \
            path, "written"


def _special(kind: str, folder: Path) -> Path:
    path = folder / "x.yaml"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind.startswith("dev-"):
        return Path("/dev", kind.removeprefix("dev-"))
    elif kind == "folder":
        path.mkdir()
    elif kind == "link-loop":
        path.symlink_to(folder / "y.yaml")
        (folder / "y.yaml").symlink_to(path)
    elif kind == "broken-link":
        path.symlink_to(folder / "nowhere.yaml")
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))  # left bound: the file stays a socket while the test runs
    elif kind == "unreadable":
        path.write_text("id: P1\n", encoding="utf-8")
        path.chmod(0)
    elif kind == "over-the-size-limit":
        with path.open("wb") as stream:
            stream.truncate(MAX_FILE_BYTES + 1)
    elif kind == "at-the-size-limit":
        text = "id: P1\n"
        path.write_text(text + "#" * (MAX_FILE_BYTES - len(text) - 1) + "\n", encoding="utf-8")
    elif kind == "many-values-in-a-big-file":
        items = (MAX_FILE_BYTES - 20) // 2
        path.write_text("id: P1\nnote: [" + "1," * items + "]\n", encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "only-comments":
        path.write_text("# nothing here\n" * 1000, encoding="utf-8")
    return path


def _in_process(family: str, index: int, how: str, command: list[str], path: Path,
                checks: str) -> Run:
    from typer.testing import CliRunner

    from eligibility.cli import app

    run = Run(family, index, how, " ".join(_short(command)))
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        result = CliRunner().invoke(app, command, env={"COLUMNS": "80"})
    except _Alarm:
        run.hang = True
        return run
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        run.seconds = time.perf_counter() - started
        run.peak_kb = _peak_kb()
    if isinstance(result.exception, _Alarm):
        run.hang = True
        return run
    run.exit_code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        run.traceback = "".join(traceback.format_exception(result.exception))[-3000:]
        return run
    said = result.stdout if command[0] == "check" else result.stderr
    run.unplaced = _unplaced(said, path, result.exit_code)
    if result.exit_code not in (0, 1):
        run.other = f"exit status {result.exit_code}: {result.output[-500:]}"
    elif checks == "batch":
        run.other = _good_profile_lost(result.stdout)
    elif checks == "written":
        run.other = _written_does_not_check(path.parent / "new")
    return run


def _unplaced(said: str, path: Path, exit_code: int) -> list[str]:
    """Error lines that do not name the file, or name no line for a problem inside it."""
    name = str(path)
    bad = []
    named = False
    for line in said.splitlines():
        if line.startswith(name):
            named = True
            rest = line[len(name):]
            if re.match(r":\d+:\d+: ", rest):
                continue
            if not (rest.startswith(": ") and WHOLE_FILE.match(rest[2:])):
                bad.append(line[:300])
        elif line.startswith((str(RULES), str(EXAMPLE))):
            continue  # a warning about a shipped rule file, checked with it
        elif not SUMMARY.match(line):
            bad.append(line[:300])
    if exit_code == 1 and not named:
        bad.append(f"exit 1 and no line names {name}")
    return bad


def _good_profile_lost(stdout: str) -> str:
    try:
        patients = json.loads(stdout)["patients"]
    except (ValueError, KeyError, TypeError):
        return f"no JSON report: {stdout[:300]!r}"
    ids = [patient.get("patient_id") for patient in patients]
    return "" if "P001-example" in ids else f"the good profile was not screened: {ids}"


def _written_does_not_check(folder: Path) -> str:
    """What `new` wrote must load: `check` exits 0 (warnings allowed)."""
    from typer.testing import CliRunner

    from eligibility.cli import app

    if not folder.is_dir() or not any(folder.glob("*.yaml")):
        return ""
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT)
    try:
        result = CliRunner().invoke(app, ["check", str(folder)], env={"COLUMNS": "80"})
    except _Alarm:
        return "checking what new wrote took over 10 s"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if result.exit_code != 0:
        return f"what new wrote does not check: {result.output[-600:]}"
    return ""


def _as_process(family: str, index: int, how: str, command: list[str], path: Path) -> Run:
    """The console script as a process of its own, its peak memory from the kernel (wait4);
    as root, without the capabilities that let root read any file, as a user would run."""
    run = Run(family, index, how, " ".join(_short(command)), separate=True)
    argv = [str(Path(sys.executable).parent / "eligibility"), *command]
    if os.geteuid() == 0 and shutil.which("setpriv"):
        argv = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *argv]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   env={**os.environ, "COLUMNS": "80"})
        timer = threading.Timer(TIMEOUT, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode(
            "utf-8", "replace")
    run.seconds = time.perf_counter() - started
    run.peak_kb = usage.ru_maxrss
    run.exit_code = process.returncode
    run.hang = run.seconds >= TIMEOUT
    if "Traceback (most recent call last)" in stderr:
        run.traceback = stderr[-3000:]
    if not run.hang and not run.traceback:
        run.unplaced = _unplaced(stdout if command[0] == "check" else stderr, path,
                                 process.returncode)
        if process.returncode not in (0, 1):
            run.other = f"exit status {process.returncode}: {stderr[-500:]}"
    return run


def _short(command: list[str]) -> list[str]:
    return [re.sub(r"^/tmp/fuzz-\w+/", "", part).replace(str(ROOT) + "/", "")
            for part in command]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-family", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--separate-every", type=int, default=25,
                        help="also run every Nth input as a process of its own")
    parser.add_argument("--only", help="replay one input: FAMILY:INDEX")
    args = parser.parse_args(argv)
    tasks = _tasks(args)
    started = time.perf_counter()
    runs: list[Run] = []
    with multiprocessing.get_context("fork").Pool(args.workers, _start_worker,
                                                  maxtasksperchild=200) as pool:
        results = pool.imap_unordered(run_one, tasks)
        for done in range(len(tasks)):
            runs += results.next(timeout=20 * TIMEOUT)
            if done % 500 == 499:
                print(f"  {done + 1:,} of {len(tasks):,} inputs", file=sys.stderr)
    elapsed = time.perf_counter() - started
    return _report(runs, len(tasks), elapsed, args)


def _tasks(args: argparse.Namespace) -> list[tuple[str, int, int, bool]]:
    if args.only:
        family, index = args.only.split(":")
        return [(family, int(index), args.seed, True)]
    tasks = [(family, index, args.seed, index % args.separate_every == 0)
             for family in FAMILIES for index in range(args.per_family)]
    tasks += [("special", index, args.seed, True) for index in range(len(SPECIAL) * 3)]
    random.Random(args.seed).shuffle(tasks)  # big and small inputs spread over the workers
    return tasks


def _report(runs: list[Run], inputs: int, elapsed: float, args: argparse.Namespace) -> int:
    families = sorted({run.family for run in runs}, key=[*FAMILIES, "special"].index)
    rows = []
    for family in families:
        mine = [run for run in runs if run.family == family]
        separate = [run for run in mine if run.separate]
        rows.append({
            "family": family,
            "inputs": len({run.index for run in mine}),
            "runs": len(mine),
            "tracebacks": sum(bool(run.traceback) for run in mine),
            "hangs": sum(run.hang for run in mine),
            "over_1_gb": sum(run.peak_kb > MEMORY_KB for run in mine),
            "unplaced": sum(bool(run.unplaced) and not run.known for run in mine),
            "other": sum(bool(run.other) and not run.known for run in mine),
            "exit_0": sum(run.exit_code == 0 for run in mine),
            "exit_1": sum(run.exit_code == 1 for run in mine),
            "slowest_s": round(max(run.seconds for run in mine), 2),
            "peak_mb_worker": round(max(run.peak_kb for run in mine if not run.separate)
                                    / 1024),
            "peak_mb_process": round(max((run.peak_kb for run in separate), default=0) / 1024),
        })
    failures = [run for run in runs if run.failed]
    known = Counter(run.known for run in runs if run.known)
    _print(rows, inputs, len(runs), elapsed, failures)
    for reason, count in known.items():
        print(f"known, not counted above: {count} runs: {reason}")
    OUT.mkdir(exist_ok=True)
    (OUT / "fuzz.json").write_text(json.dumps({
        "inputs": inputs, "runs": len(runs), "seconds": round(elapsed, 1), "seed": args.seed,
        "per_family": args.per_family, "families": rows, "known": dict(known),
        "failures": [asdict(run) for run in failures]}, indent=2), encoding="utf-8")
    _save_failures(failures, args.seed)
    return 1 if failures else 0


def _print(rows: list[dict[str, Any]], inputs: int, runs: int, elapsed: float,
           failures: list[Run]) -> None:
    columns = ["family", "inputs", "runs", "tracebacks", "hangs", "over_1_gb", "unplaced",
               "other", "exit_0", "exit_1", "slowest_s", "peak_mb_worker", "peak_mb_process"]
    print(" ".join(f"{name:>14}" if index else f"{name:<10}"
                   for index, name in enumerate(columns)))
    for row in rows:
        print(" ".join(f"{row[name]!s:>14}" if index else f"{row[name]:<10}"
                       for index, name in enumerate(columns)))
    total = Counter({name: sum(row[name] for row in rows)
                     for name in ("tracebacks", "hangs", "over_1_gb", "unplaced", "other")})
    print(f"\n{inputs:,} inputs, {runs:,} runs in {elapsed:.0f} s: {total['tracebacks']} "
          f"tracebacks, {total['hangs']} hangs over {TIMEOUT:g} s, {total['over_1_gb']} runs "
          f"over 1 GB, {total['unplaced']} with an error not naming its file and line, "
          f"{total['other']} other failures")
    for run in failures[:20]:
        print(f"\nFAILED {run.family}:{run.index} ({run.how}) {run.command}")
        print(run.traceback or "\n".join(run.unplaced[:5]) or run.other
              or ("hang" if run.hang else f"peak {run.peak_kb // 1024} MB"))


def _save_failures(failures: list[Run], seed: int) -> None:
    folder = OUT / "fuzz-failures"
    shutil.rmtree(folder, ignore_errors=True)
    for run in failures:
        if run.family == "special":
            continue
        folder.mkdir(parents=True, exist_ok=True)
        case = _draw(run.family, run.index, seed)
        (folder / f"{run.family}-{run.index}.input").write_bytes(case.content)


if __name__ == "__main__":
    sys.exit(main())
