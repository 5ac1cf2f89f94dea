"""The `test` command: run the example patients rule files ship, like a test runner."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..render import render_problems
from .common import RulesPath, consoles, say
from .inputs import trials_or_exit

__all__ = ["fixtures_command"]


def fixtures_command(
    path: Annotated[Path | None, typer.Argument(
        metavar="RULES", help="Rule file, or folder of rule files (as --rules).",
        show_default=False, readable=False)] = None,
    rules: RulesPath = Path("rules"),
) -> None:
    """Screen each rule file's example patients (its `fixtures`) and report every criterion
    whose status is not the one expected.

    Exit status: 0 when every fixture gives what it expects (or there are none), 1 when one
    does not or cannot be run, or a rule file cannot be used.
    """
    from ..fixtures import run_fixtures

    out, err = consoles()
    rules = path or rules
    trials = trials_or_exit(err, rules, None)
    results = [(trial, run_fixtures(trial)) for trial in trials]
    failed = total = 0
    for trial, runs in results:
        if not runs:
            continue
        name = f" ({trial.trial.short_name})" if trial.trial.short_name else ""
        say(out, f"{trial.id}{name}: {trial.file}")
        for run in runs:
            total += 1
            failed += not run.passed
            mark = "ok  " if run.passed else "FAIL"
            say(out, f"  {mark}  {run.name} ({run.checked} "
                f"{'criterion' if run.checked == 1 else 'criteria'})")
            for difference in run.differences:
                why = f": {difference.why}" if difference.why else ""
                say(out, f"          {difference.what}: expected {difference.expected}, got "
                    f"{difference.got}{why}")
            if run.problems:
                say(out, "          could not be run (the problems are printed on stderr)")
                render_problems(err, run.problems)
    if not total:
        say(out, f"no fixtures in {rules} (a rule file's `fixtures:` lists example patients)")
        return
    trials_with = sum(1 for _, runs in results if runs)
    say(out, f"{total} {'fixture' if total == 1 else 'fixtures'} in {trials_with} "
        f"{'trial' if trials_with == 1 else 'trials'}: {total - failed} passed, {failed} failed")
    if failed:
        raise typer.Exit(1)
