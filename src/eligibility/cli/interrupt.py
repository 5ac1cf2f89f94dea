"""Leave nothing behind when the process is told to stop while it writes a report.

Ctrl-C, SIGTERM or SIGHUP during a run that writes a file or has worker processes: the
temporary file is removed, the workers are stopped, and the process then ends as the signal
would have ended it (status 128 + its number in a shell). The handler raises no exception, so
it cannot leave a lock of the multiprocessing machinery held: it only removes, kills and
re-raises the signal. A forked worker forgets all of it, so it can never remove the file its
parent is writing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterable, Iterator
from types import FrameType
from typing import Any

__all__ = ["cleaned_up", "held"]

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                 if hasattr(signal, name))
_temporaries: set[str] = set()
_children: set[int] = set()
_previous: dict[int, Any] = {}


@contextlib.contextmanager
def cleaned_up(*, temporary: str | None = None, children: Iterable[int] = ()) -> Iterator[None]:
    """While in the block, a stopping signal removes `temporary` and kills `children`."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    pids = set(children)
    if not _previous:
        _previous.update({number: signal.signal(number, _stop) for number in _SIGNALS})
    if temporary is not None:
        _temporaries.add(temporary)
    _children.update(pids)
    try:
        yield
    finally:
        _temporaries.discard(temporary or "")
        _children.difference_update(pids)
        if not _temporaries and not _children:
            _restore()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Stopping signals wait until the block ends (where the platform can hold them), so that
    a temporary file created in it and handed to `cleaned_up` in it is never left behind by a
    signal that arrives in between."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = mask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _restore() -> None:
    for number, handler in _previous.items():
        signal.signal(number, handler)
    _previous.clear()


def _stop(number: int, frame: FrameType | None) -> None:
    for pid in _children | {child.pid for child in _active_children() if child.pid}:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    for path in _temporaries:
        with contextlib.suppress(OSError):
            os.unlink(path)
    _temporaries.clear()
    _children.clear()
    signal.signal(number, signal.SIG_DFL)
    os.kill(os.getpid(), number)


def _active_children() -> list[Any]:
    """Worker processes, even those a pool started before they could be registered."""
    import multiprocessing  # loaded already when there are any

    try:
        return multiprocessing.active_children()
    except Exception:
        return []


def _forget() -> None:
    """In a forked child: none of the parent's files or children are its to clean up."""
    _temporaries.clear()
    _children.clear()
    for number in _previous:
        signal.signal(number, signal.SIG_DFL)
    _previous.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget)
