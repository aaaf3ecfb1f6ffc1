"""Kill an ingest with SIGKILL just before its Nth write to the store, as `kill -9` would.

Every write to the store is a rename (a file written under a temporary name, then
``os.replace``) or a deletion (``os.unlink``, e.g. of run files once folded into their shard).
:func:`writes_to_store` counts those under ``WORKSPACE/store`` and, at the Nth, sends SIGKILL
to its own process: no ``finally`` block runs, and the temporary file of that write stays.
With N = 0 nothing is killed and the writes are listed (``replace PATH`` or ``unlink PATH``),
so that a test can choose where to kill.

In a fresh interpreter::

    python tests/kill_ingest.py WORKSPACE N PATH...     # prints the writes when N = 0
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def writes_to_store(workspace: Path, kill_at: int = 0):
    """Inside the block, count (and list) this process's writes to the store; die at the ``kill_at``-th."""
    store = os.path.realpath(os.path.join(workspace, "store")) + os.sep
    writes: list[str] = []
    real_replace, real_unlink = os.replace, os.unlink

    def counted(kind: str, real):
        def operation(path, *args, **kwargs):
            target = os.fspath(args[0] if kind == "replace" else path)
            if os.path.realpath(target).startswith(store):
                writes.append(f"{kind} {os.path.relpath(target, workspace)}")
                if len(writes) == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(path, *args, **kwargs)

        return operation

    os.replace, os.unlink = counted("replace", real_replace), counted("unlink", real_unlink)
    try:
        yield writes
    finally:
        os.replace, os.unlink = real_replace, real_unlink


def ingest_killed_at(workspace: Path, kill_at: int, paths: list[Path]) -> list[str]:
    """``corpus.ingest.ingest`` of ``paths``, killed before its ``kill_at``-th write; its writes when it is not."""
    from corpus.ingest import ingest
    from corpus.workspace import Workspace

    with writes_to_store(workspace, kill_at) as writes:
        ingest(Workspace.open(workspace), paths)
    return writes


if __name__ == "__main__":
    ws, n, *inputs = sys.argv[1:]
    sys.stdout.write("".join(f"{w}\n" for w in ingest_killed_at(Path(ws), int(n), [Path(p) for p in inputs])))
