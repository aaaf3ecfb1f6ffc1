"""What every command shares: the consoles, the one error printer, progress bars, option types.

Kept light on purpose: `newsdesk --help` imports this and typer, and nothing of the stages.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from corpus.errors import NewsdeskError

app = typer.Typer(
    help="Turn scraped news articles into an annotated, documented, versioned dataset.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Click's plain help: rich's option table cut names at 80 columns ("--annotator-fr…").
    rich_markup_mode=None,
)


class LineConsole(Console):
    """A rich ``Console`` that neither wraps nor crops a line when its stream is not a terminal.

    rich wraps what it prints at the console's width, and a stream that is not a terminal gets
    80 columns: an error piped to a file, ``grep`` or a CI log came out over two to four lines,
    paths broken mid-name. ``soft_wrap`` is read at each print, not fixed when the console is
    made (at import, before a test runner or a caller swaps ``sys.stdout``); ``soft_wrap=True``
    keeps lines whole at a terminal too.
    """

    @property
    def soft_wrap(self) -> bool:
        return self._always_soft_wrap or not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._always_soft_wrap = value

    def print(self, *objects, **kwargs) -> None:
        """As rich prints, but a table sent to a pipe or a file keeps its natural width: fitted to
        80 columns there, its cells wrapped and cut ("/work/shared/d", "ata/boilerplat..."), so
        ``docs list | grep`` found nothing."""
        from rich.table import Table  # here: `newsdesk --help` does not need it

        if self.is_terminal or not any(isinstance(o, Table) for o in objects):
            super().print(*objects, **kwargs)
            return
        width = self._width
        self.width = _PIPE_TABLE_WIDTH
        try:
            super().print(*objects, **kwargs)
        finally:
            self._width = width


_PIPE_TABLE_WIDTH = 100_000  # no table is this wide: each renders at its own width


# Output wraps for a person at a terminal and never for a pipe; an error is one line everywhere,
# so that it can be grepped and its path or URL copied whole.
console = LineConsole()
err_console = LineConsole(stderr=True, soft_wrap=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Where the per-document work runs: local | dask.")]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="Address of a running Dask scheduler (tcp://HOST:8786); default: a local cluster."
    ),
]
WorkersOpt = Annotated[
    int | None, typer.Option("--workers", help="Worker processes of the local Dask cluster (default: one per core).")
]


def print_error(exc: NewsdeskError, warning: bool = False) -> None:
    """The one way an error is shown: ``[CODE] where: what (detail) - hint`` on one line, then any details.

    ``warning``: a note on something that was still done (yellow), not a failure (red)."""
    err_console.print(Text(exc.one_line(), style="yellow" if warning else "red"))
    details = getattr(exc, "details", "")
    if details:
        err_console.print(Text(details, style="dim"))


def fail(exc: NewsdeskError, code: int = 1) -> NoReturn:
    print_error(exc)
    raise typer.Exit(code)


@contextmanager
def user_errors(code: int = 1):
    """Turn a NewsdeskError into its one-line message and exit status ``code``."""
    from corpus.errors import NewsdeskError

    try:
        yield
    except NewsdeskError as exc:
        fail(exc, code)


@contextmanager
def progress_bar(description: str):
    """A rich progress bar, or nothing when output is not a terminal (CI logs stay readable)."""
    if not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def engine_options(engine: str, scheduler: str | None, workers: int | None):
    """The engine options and the callback that prints the Dask dashboard address (on stderr: --json stays clean)."""
    from corpus.engines import EngineOptions

    return EngineOptions(engine, scheduler, workers), lambda line: err_console.print(line)


def carry_annotations(workspace: Path, quiet: bool = False) -> dict:
    """After a command that gave documents a new text: carry the annotations made on the old one
    over to it (annotation.migrate) and print what was carried (unless ``quiet``: --json) and,
    on stderr, what could not be; the report as a dict."""
    from annotation.migrate import migrate_records
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace
    from validation.gold import stale_gold

    with user_errors():
        ws = Workspace.open(workspace)
        replaced = CorpusStore(ws).documents.versions()  # read once for both
        report = migrate_records(ws, replaced)
        gold = stale_gold(ws, replaced)
    if not quiet and report.records:
        console.print(
            f"annotations: carried {report.records} records of {report.documents} documents over to their new text"
        )
    for why in report.left:
        err_console.print(Text(f"left stale (V211): {why}", style="yellow"))
    if gold:
        err_console.print(
            Text(
                f"{gold} gold records were made on an earlier text of their document: run `newsdesk adjudicate` again",
                style="yellow",
            )
        )
    return {**report.to_record(), "gold_stale": gold}


def with_carried(record: dict, carried: dict | None) -> dict:
    """A command's JSON report, with what carry_annotations did when it did or found anything."""
    if carried and (carried["records"] or carried["left"] or carried["gold_stale"]):
        return {**record, "annotations_carried": carried}
    return record
