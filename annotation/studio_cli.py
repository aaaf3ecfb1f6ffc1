"""``newsdesk studio start|stop|status``: thin CLI wrappers over ``annotation.studio``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, NoReturn, TypeVar

import typer

from annotation.studio import StudioError, start_studio, stop_studio, studio_status
from corpus.terminal import LineConsole

studio_app = typer.Typer(
    name="studio",
    help="Run the workspace's local Label Studio server (installed on first use).",
    no_args_is_help=True,
)

# soft_wrap: URLs and paths stay whole, so they can be copied from the terminal.
out = LineConsole(soft_wrap=True)
err = LineConsole(stderr=True, soft_wrap=True)

WorkspaceOption = typer.Option(
    Path("."), "--workspace", "-w", help="Workspace folder; the server's files go in its studio/."
)

Result = TypeVar("Result")


@studio_app.command("start")
def start(
    workspace: Path = WorkspaceOption,
    port: int | None = typer.Option(
        None, "--port", "-p", help="Port on 127.0.0.1 (default: a free one)."
    ),
    timeout: float = typer.Option(180.0, help="Seconds to wait for the server to answer /health."),
) -> None:
    """Start the server (no-op if it is already running) and print its URL."""
    server = _or_exit(lambda: start_studio(workspace, port, timeout=timeout))
    out.print(server.url)


@studio_app.command("stop")
def stop(workspace: Path = WorkspaceOption) -> None:
    """Stop the server by its recorded PID (no-op if it is not running)."""
    if not _or_exit(lambda: stop_studio(workspace)):
        out.print("Label Studio was not running")


@studio_app.command("status")
def status(
    workspace: Path = WorkspaceOption,
    as_json: bool = typer.Option(False, "--json", help="Print the status as one JSON object."),
) -> None:
    """Say whether the server is running and answering, and where."""
    report = _or_exit(lambda: studio_status(workspace))
    if as_json:
        typer.echo(json.dumps(report.to_json()))
        return
    if not report.running:
        installed = (
            f"label-studio {report.version} installed" if report.installed else "not installed yet"
        )
        out.print(f"stopped ({installed} at {report.venv})")
        return
    out.print(
        f"{report.state}: {report.url} (pid {report.pid}, label-studio {report.version}, "
        f"data in {report.base_data_dir})"
    )


def _or_exit(action: Callable[[], Result]) -> Result:
    """Run one library call; turn a StudioError into a one-line message and exit code 1."""
    try:
        return action()
    except StudioError as error:
        _fail(error)


def _fail(error: StudioError) -> NoReturn:
    line = f"Error {error.code}: {error.message}"
    if error.hint:
        line += f". Hint: {error.hint}"
    err.print(line, markup=False, highlight=False, soft_wrap=True)
    if error.details:
        err.print(error.details, markup=False, highlight=False, style="dim")
    raise typer.Exit(code=1)
