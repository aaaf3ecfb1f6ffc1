"""Label Studio server commands: `studio start|stop|status`, over :mod:`annotation.studio`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsdesk.cli.common import JsonOpt, WorkspaceOpt, app, console, emit_json, user_errors

studio_app = typer.Typer(help="Run the workspace's local Label Studio server (installed on first use).",
                         no_args_is_help=True)
app.add_typer(studio_app, name="studio")


@studio_app.command("start")
def start(workspace: WorkspaceOpt = Path("."),
          port: Annotated[int | None, typer.Option("--port", "-p", help="Port on 127.0.0.1 (default: a free one).")] = None,
          timeout: Annotated[float, typer.Option(help="Seconds to wait for the server to answer /health.")] = 180.0,
          ) -> None:
    """Start the server (no-op if it is already running) and print its URL.

    Example: newsdesk studio start --port 8089 -w my-ws
    """
    from annotation.studio import start_studio

    with user_errors():
        server = start_studio(workspace, port, timeout=timeout)
    console.print(server.url)


@studio_app.command("stop")
def stop(workspace: WorkspaceOpt = Path(".")) -> None:
    """Stop the server by its recorded PID (no-op if it is not running).

    Example: newsdesk studio stop -w my-ws
    """
    from annotation.studio import stop_studio

    with user_errors():
        stopped = stop_studio(workspace)
    if not stopped:
        console.print("Label Studio was not running")


@studio_app.command("status")
def status(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Say whether the server is running and answering, and where.

    Example: newsdesk studio status --json -w my-ws
    """
    from annotation.studio import studio_status

    with user_errors():
        report = studio_status(workspace)
    if as_json:
        emit_json(report.to_json())
        return
    if not report.running:
        installed = f"label-studio {report.version} installed" if report.installed else "not installed yet"
        console.print(f"stopped ({installed} at {report.venv})")
        return
    console.print(f"{report.state}: {report.url} (pid {report.pid}, label-studio {report.version}, "
                  f"data in {report.base_data_dir})")

