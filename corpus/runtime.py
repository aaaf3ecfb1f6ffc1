"""Process-level settings for the whole-corpus steps (pull, validate, adjudicate, release build)."""

from __future__ import annotations

import gc
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
