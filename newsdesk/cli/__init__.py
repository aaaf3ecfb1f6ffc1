"""The `newsdesk` command line: one Typer app, one module per stage, thin wrappers over the library.

    common.py      the app, the consoles, the one error printer, progress bars, option types
    corpus.py      init, ingest, clean, near-duplicates, docs list|show|export
    studio.py      studio start|stop|status|backup|restore, studio users add|list|remove
    annotate.py    annotate push|pull|status|export|import|predict
    model.py       model train|evaluate|list
    validation.py  validate, agreement, adjudicate
    review.py      review ground-truth|pull
    releases.py    release build|diff|list|verify|publish

Every command takes ``--workspace`` (default: the current folder); listing commands take
``--json``; every command's help ends with an example. A user-facing error prints one line
``[CODE] where: what - hint`` and exits 1. Stage modules are imported inside the commands, so
`newsdesk --help` starts without loading them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsdesk.cli import annotate, corpus, model, releases, review, studio, validation  # noqa: F401  (they register)
from newsdesk.cli.common import WorkspaceOpt, app, console, user_errors

__all__ = ["app", "main"]


def _print_version(value: bool) -> None:
    if value:
        from newsdesk import __version__

        console.print(f"newsdesk {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Turn scraped news articles into an annotated, documented, versioned dataset."""


@app.command()
def demo(
    workspace: WorkspaceOpt = Path(".demo"),
    keep_server: Annotated[
        bool, typer.Option("--keep-server", help="Leave Label Studio running to look around.")
    ] = False,
):
    """The main job on the bundled sample corpus: ingest, annotate in Label Studio, validate, release, load.

    Example: newsdesk demo --keep-server
    """
    from newsdesk.demo import run_demo

    with user_errors():
        run_demo(workspace, keep_server=keep_server)


def main() -> None:
    app()
