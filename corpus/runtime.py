"""Process-level settings for the whole-corpus steps (pull, validate, adjudicate, release build), and a second process for them."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import sys
import traceback
from contextlib import contextmanager


@contextmanager
def without_cyclic_gc():
    """Python's cycle collector off for the duration of one whole-corpus step.

    These steps make millions of small objects (parsed JSON, spans, provenance, tokens) and
    no garbage cycles; with the collector on, it walks that growing heap again and again
    (half a release build, two thirds of parsing an export, 19 of 33 s of adjudicating 100k
    documents). Reference counting still frees memory; the collector is restored after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Beside:
    """``function(*args)`` run in a forked copy of this process while this one goes on; :meth:`result` waits.

    The copy shares the caller's objects as they are (nothing is pickled on the way in), so a
    whole-corpus step can hand half its work to the second core after reading the corpus once;
    only the return value (or the exception) comes back, pickled. Sharing is not free: each page
    either process touches is copied (reference counts are writes), which for the release build
    cost more than reading the workspace twice, so it forks before reading. Fork before starting
    threads: a forked process gets no copy of them. Where fork is unavailable (or unsafe: macOS,
    Windows) the function runs here and now, so the caller's order of work is the same; so it
    does with ``NEWSDESK_ONE_PROCESS=1`` in the environment, for a machine short of memory or of
    a second core.
    """

    def __init__(self, function, *args):
        self._process = None
        self.forked = False  # whether the function runs in a forked process rather than ran here
        if (
            sys.platform != "linux"
            or "fork" not in mp.get_all_start_methods()
            or os.environ.get("NEWSDESK_ONE_PROCESS") == "1"
        ):
            self._outcome = _outcome(function, args)
            return
        context = mp.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_send_outcome, args=(send, function, args), daemon=True)
        self._process.start()
        self.forked = True
        send.close()

    def result(self):
        if self._process is not None:
            try:
                self._outcome = pickle.loads(self._receive.recv_bytes())
            except EOFError:
                self._process.join()
                raise RuntimeError(
                    f"the forked process ended without an answer (exit code {self._process.exitcode})"
                ) from None
            finally:
                self._receive.close()
            self._process.join()
            self._process = None
        ok, value = self._outcome
        if not ok:
            raise value
        return value

    def stop(self) -> None:
        """End the forked process if it still runs (the caller gave up on it)."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._receive.close()
            self._process = None


def _outcome(function, args) -> tuple[bool, object]:
    try:
        return True, function(*args)
    except Exception as exc:  # noqa: BLE001 - handed to the caller, which raises it
        return False, exc


def _send_outcome(send, function, args) -> None:
    ok, value = _outcome(function, args)
    try:
        message = pickle.dumps((ok, value))
        pickle.loads(message)  # an exception may pickle and yet not unpickle
    except Exception as exc:  # noqa: BLE001 - then it comes back as its traceback
        message = pickle.dumps(
            (
                False,
                RuntimeError(
                    "".join(traceback.format_exception(value))
                    if not ok
                    else f"the result of {function.__name__} does not pickle: {exc!r}"
                ),
            )
        )
    send.send_bytes(message)
    send.close()
