"""`-o` never replaces what is not a regular file of ours, and never leaves half a file.

A device, a FIFO, a socket and a read-only file are refused with exit 1 before anything is
screened (as root too: `-o /dev/null` must not turn /dev/null into a file); a loop of symbolic
links is a message, not a traceback; `-` and `/dev/stdout` mean standard output. A batch is
streamed into a temporary file beside the target, which is removed when the run fails or is
interrupted (Ctrl-C, SIGTERM, SIGHUP) and the target is left as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eligibility.cli import app, batch

ROOT = Path(__file__).parent.parent
RULES = ROOT / "rules"
EXAMPLE = ROOT / "patients" / "example.yaml"
AS_OF = "2026-11-02"


def screen(*args: str | Path) -> Result:
    result = CliRunner().invoke(app, ["screen", *map(str, args), "--rules", str(RULES),
                                      "--as-of", AS_OF], env={"COLUMNS": "100"})
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}\n{result.output}")
    assert "Traceback" not in result.output
    return result


def cohort(folder: Path, count: int) -> Path:
    """`count` copies of the example profile, each with its own id."""
    folder.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text(encoding="utf-8")
    for number in range(count):
        (folder / f"p{number:04d}.yaml").write_text(
            text.replace("id: P001-example", f"id: P{number:04d}"), encoding="utf-8")
    return folder


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def test_dev_null_is_never_replaced_by_a_file() -> None:
    before = os.stat("/dev/null")
    result = screen(EXAMPLE, "--format", "json", "-o", "/dev/null")
    assert result.exit_code == 1, result.output
    assert result.stderr == ("error: --output /dev/null is a device, not a file; nothing was "
                             "written (leave out --output, or give - for standard output)\n")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = screen(EXAMPLE, "--format", "csv", "-o", fifo)
    assert result.exit_code == 1, result.output
    assert "is a named pipe (FIFO), not a file" in result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        result = screen(EXAMPLE, "--format", "json", "-o", path)
    assert result.exit_code == 1, result.output
    assert "is a socket, not a file" in result.stderr


def test_a_read_only_file_is_refused_and_kept(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("the signed-off report\n", encoding="utf-8")
    report.chmod(0o444)
    result = screen(EXAMPLE, "--format", "json", "-o", report)
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: --output {report} is read-only; nothing was written "
                             "(make it writable, or choose another file)\n")
    assert report.read_text(encoding="utf-8") == "the signed-off report\n"
    assert stat.S_IMODE(report.stat().st_mode) == 0o444
    assert leftovers(tmp_path) == []


def test_a_symlink_loop_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = screen(EXAMPLE, "--format", "json", "-o", tmp_path / "a")
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: --output {tmp_path / 'a'} is a loop of symbolic links; "
                             "nothing was written (choose another file)\n")


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
@pytest.mark.parametrize("output", ["json", "jsonl", "csv", "table"])
def test_dash_and_dev_stdout_write_to_standard_output(target: str, output: str) -> None:
    expected = screen(EXAMPLE, EXAMPLE.parent / "stale-fvc.yaml", "--format", output)
    result = screen(EXAMPLE, EXAMPLE.parent / "stale-fvc.yaml", "--format", output,
                    "-o", target)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout and "P001-example" in result.stdout
    assert result.stderr == ""


def test_a_run_stopped_by_ctrl_c_leaves_the_old_report_and_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = cohort(tmp_path / "in", 5)
    report = tmp_path / "report.json"
    report.write_text("old\n", encoding="utf-8")
    screened = []
    real = batch.screen_one

    def interrupted(*args: object, **kwargs: object) -> batch.Screened:
        if len(screened) == 3:
            raise KeyboardInterrupt
        screened.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "screen_one", interrupted)
    result = screen(folder, "--format", "json", "-o", report, "--jobs", "1")
    assert result.exit_code == 130
    assert report.read_text(encoding="utf-8") == "old\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP], ids=["term", "hup"])
def test_a_terminated_batch_removes_its_temporary_file(tmp_path: Path, number: int) -> None:
    folder = cohort(tmp_path / "in", 600)
    report = tmp_path / "report.csv"
    command = [sys.executable, "-m", "eligibility", "screen", str(folder), "--rules",
               str(RULES), "--format", "csv", "-o", str(report), "--jobs", "2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not leftovers(tmp_path) and process.poll() is None:
            assert time.monotonic() < deadline, "no temporary file appeared"
            time.sleep(0.01)
        process.send_signal(number)
        _, stderr = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever happened, nothing outlives it
        process.communicate()
    if process.returncode == 0:
        pytest.skip("the batch finished before the signal arrived")
    assert process.returncode == -number, stderr.decode()  # ended by the signal: 128+n in sh
    assert b"Traceback" not in stderr
    assert leftovers(tmp_path) == [] and not report.exists()
    orphans = subprocess.run(["pgrep", "-f", str(report)], capture_output=True, check=False)
    assert orphans.stdout == b"", "worker processes outlived the batch"


def test_an_existing_report_is_replaced_whole_by_a_streamed_batch(tmp_path: Path) -> None:
    folder = cohort(tmp_path / "in", 70)
    report = tmp_path / "report.json"
    report.write_text("old\n", encoding="utf-8")
    result = screen(folder, "--format", "json", "-o", report)
    assert result.exit_code == 0, result.output
    assert len(json.loads(report.read_text(encoding="utf-8"))["patients"]) == 70
    assert leftovers(tmp_path) == []


def test_new_never_replaces_a_fifo_or_a_read_only_rule_file_even_with_force(
        tmp_path: Path) -> None:
    record = ROOT / "tests" / "data" / "ctgov" / "search_two_studies.json"
    rules = tmp_path / "rules"
    rules.mkdir()
    os.mkfifo(rules / "NCT09900004.yaml")
    (rules / "NCT09900005.yaml").write_text("kept\n", encoding="utf-8")
    (rules / "NCT09900005.yaml").chmod(0o444)
    result = CliRunner().invoke(app, ["new", "--from-ctgov", str(record), "--rules",
                                      str(rules), "--force"])
    assert result.exit_code == 1, result.output
    assert result.stderr == (f"error: {rules / 'NCT09900004.yaml'} is a named pipe (FIFO), "
                             "not a file; nothing was written\n")
    assert stat.S_ISFIFO((rules / "NCT09900004.yaml").stat().st_mode)
    assert (rules / "NCT09900005.yaml").read_text(encoding="utf-8") == "kept\n"
