"""A git revision's code, written out for a benchmark to run beside the working tree's.

``git archive`` into a folder (no worktree is registered, nothing in the checkout changes); the
folder then goes first on a child process's PYTHONPATH, or is imported from.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def export(revision: str, into: Path, *paths: str) -> Path:
    """The tree of ``revision`` (only ``paths`` when given, e.g. "corpus") written under ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", revision, *paths], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into
