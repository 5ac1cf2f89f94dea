"""Screen a batch as a stream: each file read, checked and screened once, in order, on every
core, and each patient written out as soon as it is screened, so memory stays flat."""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import itertools
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from ..durations import Duration
from ..importing import is_bundle
from ..loading import Problem, check_patient_to_screen, screening_date, trials_vocabulary
from ..results import Screening
from ..rules import Trial
from ..screening import screen_all
from ..vocabulary import Vocabulary
from .interrupt import cleaned_up

if TYPE_CHECKING:  # the chart page's header; imported where it is made, for the HTML only
    from ..chart import About

__all__ = ["STDIN", "Piece", "Screened", "Work", "default_jobs", "keep", "screen_one", "screening"]

STDIN = "-"
"""A profile given as `-`: read from standard input."""

PARALLEL_FROM = 64
"""Fewer files than this are screened in this process: starting workers would cost more."""

_WINDOW = 64  # files handed to the workers at a time; two windows are in flight at most
_CHUNK = 16

Piece = Callable[[str, dt.date, tuple[Screening, ...]], Any]
"""What is kept of a screened patient for the output (a module-level function, so that a
worker process can be handed it): a JSON text, CSV rows, a matrix row, or everything."""


def keep(patient_id: str, as_of: dt.date, screenings: tuple[Screening, ...]) -> (
        tuple[str, dt.date, tuple[Screening, ...]]):
    """The piece that keeps everything (one patient, the HTML page, --detail)."""
    return patient_id, as_of, screenings


class Work(NamedTuple):
    """The same for every file of a batch."""

    trials: tuple[Trial, ...]
    as_of: dt.date | None
    today: dt.date
    piece: Piece
    vocabulary: Vocabulary | None = None  # the trials' (`trials_vocabulary`) when None
    elsewhere: frozenset[str] = frozenset()  # trial ids of rule files not screened
    chart: bool = False  # keep each patient's age and sex too, for the chart page's header
    horizon: Duration | None = None  # forecast each trial this far ahead; None: no forecast


class Screened(NamedTuple):
    """One file's result: its problems, or what `piece` kept of its screening."""

    path: str
    problems: tuple[Problem, ...]
    piece: Any = None
    about: About | None = None  # with `Work.chart`
    patient: str | None = None  # the profile's id, when it was screened
    warnings: tuple[Problem, ...] = ()  # with `screen_one(warn=True)`: what check warns of


def screen_one(work: Work, path: str, text: str | None = None, *,
               warn: bool = False) -> Screened:
    """Read, check and screen one profile; `text` is its content when already read. With
    `warn`, what `check` would warn about in a profile file (not standard input or a FHIR
    bundle) comes with it, read from the profile already checked."""
    if path == STDIN and text is None:
        return Screened(path, ())  # standard input could not be read: already said why
    name = "<stdin>" if path == STDIN else path
    bundle = is_bundle(name, text)
    if bundle:  # a FHIR bundle: screened as the profile `import fhir` writes
        from ..importing.fhir import bundle_as_profile

        text, problems = bundle_as_profile(name, text, vocabulary=work.vocabulary or
                                           trials_vocabulary(work.trials))
        if text is None:
            return Screened(path, problems)
    profile, problems = check_patient_to_screen(name, work.trials, text=text,
                                                as_of=work.as_of, today=work.today,
                                                vocabulary=work.vocabulary,
                                                elsewhere=work.elsewhere)
    if profile is None:
        if bundle and text is not None:
            from ..importing.fhir import problems_in_bundle

            problems = problems_in_bundle(problems, text)
        return Screened(path, problems)
    on = screening_date(profile, work.as_of, work.today)
    who = None
    if work.chart:
        from ..chart import about

        who = about(profile, on)
    screenings = screen_all(profile, work.trials, as_of=on)
    if work.horizon is not None:
        from ..forecast import attach, forecast_all

        screenings = attach(screenings, forecast_all(profile, work.trials, as_of=on,
                                                     horizon=work.horizon))
    warnings: tuple[Problem, ...] = ()
    if warn and path != STDIN and not bundle:
        from ..loading import profile_warnings

        warnings = tuple(profile_warnings(path, profile, work.vocabulary or
                                          trials_vocabulary(work.trials)))
    return Screened(path, (), work.piece(profile.id, on, screenings), who, profile.id,
                    warnings)


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def screening(work: Work, files: Sequence[str], *, stdin: str | None = None,
              jobs: int = 1) -> Iterator[Iterator[Screened]]:
    """Each file's result, in the order of `files`. With `jobs` > 1 and enough files, worker
    processes screen them while this one writes (at most two windows of results wait); the
    workers are started on entering, before a progress display starts a thread, and stopped
    on leaving, whatever happens."""
    tasks = ((path, stdin if path == STDIN else None) for path in files)
    if jobs <= 1 or len(files) < PARALLEL_FROM:
        yield (screen_one(work, path, text) for path, text in tasks)
        return
    import multiprocessing  # only a batch needs it: kept out of the start-up

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    pool = context.Pool(min(jobs, len(files)), initializer=_start_worker, initargs=(work,))
    try:
        with cleaned_up(children=[child.pid for child in multiprocessing.active_children()
                                  if child.pid]):
            yield _in_order(pool, tasks)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _in_order(pool: Any, tasks: Iterator[tuple[str, str | None]]) -> Iterator[Screened]:
    pending: collections.deque[Any] = collections.deque()

    def hand_out() -> None:
        window = list(itertools.islice(tasks, _WINDOW))
        if window:
            pending.append(pool.starmap_async(_work_on, window, chunksize=_CHUNK))

    hand_out()
    hand_out()
    while pending:
        results = pending.popleft().get()
        hand_out()
        yield from results


_work: Work | None = None


def _start_worker(work: Work) -> None:
    """In a worker: keep the batch's work; leave Ctrl-C to the parent, which stops the
    workers and removes a half-written output file; die with the parent (Linux)."""
    global _work
    _work = work
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM when the parent process ends, however it ends, so that no
    worker waits forever for tasks from a parent that was killed."""
    if sys.platform != "linux":
        return
    import ctypes

    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before the request was made
        os._exit(1)


def _work_on(path: str, text: str | None) -> Screened:
    assert _work is not None, "a worker is started with its work"
    return screen_one(_work, path, text)
