"""Where the per-document work runs: in this process (``local``) or on a Dask cluster (``dask``).

An engine runs pure functions over partitions and hands the results back to the driver,
which alone holds the workspace lock and writes the store. Both engines have the same three
verbs: ``submit`` a function call, follow calls with ``as_completed``, ``close``. The local
engine computes a call when its result is first asked for, in this process; the Dask engine
sends it to a cluster: an existing one (``scheduler="tcp://host:8786"``) or a
``LocalCluster`` of ``workers`` single-threaded processes listening on 127.0.0.1 only.

Nothing here knows about articles or documents: the corpus drivers (``corpus/partitioned.py``,
``corpus/lsh.py``) and pre-annotation (``annotation/predictions.py``) say what runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from corpus.errors import Errors, NewsdeskError

ENGINES = ("local", "dask")

# Called with a line to show the user (the dashboard address).
Notify = Callable[[str], None]


@dataclass(frozen=True)
class EngineOptions:
    """What the CLI's ``--engine``, ``--scheduler`` and ``--workers`` say."""

    engine: str = "local"
    scheduler: str | None = None  # address of a running Dask scheduler; None: start a LocalCluster
    workers: int | None = None  # LocalCluster size; default: one per CPU core

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise NewsdeskError(Errors.E501, where=f"--engine {self.engine}", detail=f"known: {', '.join(ENGINES)}")
        if self.workers is not None and self.workers < 1:
            raise NewsdeskError(Errors.E501, where=f"--workers {self.workers}", detail="at least one worker")
        if self.engine == "local" and (self.scheduler or self.workers):
            raise NewsdeskError(Errors.E501, where="--scheduler/--workers", detail="they apply to --engine dask only")
        if self.scheduler and self.workers:
            raise NewsdeskError(
                Errors.E501,
                where="--workers",
                detail="a running cluster has the workers it has; "
                "--workers sizes the local cluster started without --scheduler",
            )

    @property
    def distributed(self) -> bool:
        return self.engine == "dask"


class LocalTask:
    """A call that runs in this process the first time its result is needed."""

    __slots__ = ("fn", "args", "_value", "_done")

    def __init__(self, fn: Callable, args: tuple):
        self.fn, self.args, self._done, self._value = fn, args, False, None

    def result(self):
        if not self._done:
            args = [a.result() if isinstance(a, LocalTask) else a for a in self.args]
            self._value, self._done = self.fn(*args), True
            self.fn = self.args = None  # free the inputs as a finished Dask future would
        return self._value

    def done(self) -> bool:
        return self._done


class LocalCompleted:
    """``as_completed`` for local tasks: each is computed, in the order it was added."""

    def __init__(self, tasks: Iterable[LocalTask] = ()):
        self._queue = list(tasks)

    def add(self, task: LocalTask) -> None:
        self._queue.append(task)

    def __iter__(self) -> Iterator[LocalTask]:
        while self._queue:
            task = self._queue.pop(0)
            task.result()
            yield task


class LocalEngine:
    """Runs every call in this process; no cluster, no copies."""

    name = "local"
    workers = 1

    def submit(self, fn: Callable, *args, key: str | None = None) -> LocalTask:
        return LocalTask(fn, args)

    def as_completed(self, tasks: Iterable[LocalTask] = ()) -> LocalCompleted:
        return LocalCompleted(tasks)

    def result(self, task: LocalTask):
        return task.result()

    def release(self, task: LocalTask) -> None:
        pass  # a later task may still read it; it is freed with the last reference

    def close(self) -> None:
        pass


class DaskEngine:
    """Runs calls on a Dask cluster through a ``distributed.Client``.

    Calls are sent with their inputs inline (file paths, a shard's lines), never as scattered
    data: when a worker dies, the scheduler runs its unfinished calls again elsewhere from
    what it holds, and nothing is lost.
    """

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        workers: int | None = None,
        notify: Notify | None = None,
        connect_timeout: str = "30s",
    ):
        from distributed import Client, LocalCluster

        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=connect_timeout)
            else:
                self.cluster = LocalCluster(
                    host="127.0.0.1",
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address="127.0.0.1:0" if _has_dashboard() else None,
                    silence_logs=40,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise NewsdeskError(Errors.E502, where=scheduler or "LocalCluster", detail=str(exc)) from exc
        self.run_id = os.urandom(4).hex()
        self._count = 0
        if notify:
            link = self.dashboard_link()
            notify(
                f"Dask: {self.workers} workers at {self.client.scheduler.address}"
                + (f", dashboard {link}" if link else " (no dashboard: install bokeh to get one)")
            )

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {})))

    def dashboard_link(self) -> str | None:
        services = self.client.scheduler_info(n_workers=-1).get("services", {})
        return self.client.dashboard_link if "dashboard" in services else None

    def submit(self, fn: Callable, *args, key: str | None = None):
        self._count += 1
        # Keys name the step, the run and the partition, so the dashboard's task stream reads.
        name = f"{key or fn.__name__}-{self.run_id}-{self._count}"
        return self.client.submit(fn, *args, key=name, pure=False)

    def as_completed(self, tasks=()):
        from distributed import as_completed

        return as_completed(list(tasks))

    def result(self, future):
        from distributed.client import FutureCancelledError

        try:
            return future.result()
        except (FutureCancelledError, _killed_worker()) as exc:
            raise NewsdeskError(Errors.E503, where=str(future.key), detail=f"{type(exc).__name__}: {exc}") from exc

    def release(self, future) -> None:
        future.release()

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


Engine = LocalEngine | DaskEngine


@contextmanager
def open_engine(options: EngineOptions | None = None, notify: Notify | None = None):
    """The engine the options name, closed (with its LocalCluster) when the block ends."""
    options = options or EngineOptions()
    engine = DaskEngine(options.scheduler, options.workers, notify) if options.distributed else LocalEngine()
    try:
        yield engine
    finally:
        engine.close()


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401  (the dashboard needs it; without it Dask runs without one)
    except ImportError:
        return False
    return True


def _killed_worker():
    from distributed.scheduler import KilledWorker

    return KilledWorker
