"""``newsdesk studio start|stop|status|users``: thin CLI wrappers over ``annotation.studio`` and
``annotation.accounts``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, NoReturn, TypeVar

import typer
from rich.console import Console

from annotation.accounts import ROLES, add_user, list_users, remove_user
from annotation.studio import (
    StudioError,
    backup_studio,
    restore_studio,
    start_studio,
    stop_studio,
    studio_status,
)

studio_app = typer.Typer(
    name="studio",
    help="Run the workspace's local Label Studio server (installed once per user), its accounts and backups.",
    no_args_is_help=True,
)

# soft_wrap: URLs and paths stay whole, so they can be copied from the terminal.
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

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
    database: str | None = typer.Option(
        None, "--database",
        help="sqlite (default, one person) or postgres (a team): chosen at the first start and kept. "
        "postgres uses NEWSDESK_POSTGRES_URL if set, else runs one for the workspace from an installed PostgreSQL.",
    ),
    lan: bool = typer.Option(
        False, "--lan", help="Serve every network interface, not only 127.0.0.1 (prints what it exposes)."
    ),
) -> None:
    """Start the server (no-op if it is already running) and print its URL."""
    server = _or_exit(lambda: start_studio(workspace, port, timeout=timeout, database=database, lan=lan))
    out.print(server.url)


@studio_app.command("backup")
def backup(
    workspace: Path = WorkspaceOption,
    out_file: Path | None = typer.Option(None, "--out", help="File to write (default: studio/backups/<time>)."),
) -> None:
    """Write a restorable copy of the server's database (SQLite backup API, or pg_dump)."""
    written = _or_exit(lambda: backup_studio(workspace, out_file))
    out.print(str(written))


@studio_app.command("restore")
def restore(
    backup_file: Path = typer.Argument(..., help="A file written by `newsdesk studio backup`."),
    workspace: Path = WorkspaceOption,
) -> None:
    """Replace the server's database with a backup (stop the server first); the current one is kept."""
    before = _or_exit(lambda: restore_studio(workspace, backup_file))
    out.print(f"restored {backup_file}; the database it replaced is in {before}")


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
    database = report.database or {}
    where = database.get("path") or database.get("url") or (
        f"127.0.0.1:{database.get('port')}, run by newsdesk" if database.get("managed") else "")
    out.print(
        f"{report.state}: {report.url} (pid {report.pid}, label-studio {report.version}, "
        f"data in {report.base_data_dir}, database {database.get('kind', 'sqlite')} {where})"
    )


users_app = typer.Typer(
    name="users",
    help="Label Studio accounts for annotators and reviewers (the managed server or LABEL_STUDIO_URL).",
    no_args_is_help=True,
)
studio_app.add_typer(users_app)


@users_app.command("add")
def users_add(
    email: str = typer.Argument(..., help="The person's email; they sign in with it."),
    role: str = typer.Option("annotator", "--role", help=f"One of: {', '.join(ROLES)}."),
    workspace: Path = WorkspaceOption,
    as_json: bool = typer.Option(False, "--json", help="Print the account (and first password) as JSON."),
) -> None:
    """Create an account; its first password is shown here once and stored nowhere."""
    account = _or_exit(lambda: add_user(workspace, email, role))
    if as_json:
        typer.echo(json.dumps({**account.member.to_json(), "sign_in_url": account.sign_in_url,
                               "first_password": account.first_password}))
        return
    member = account.member
    if account.first_password is None:
        out.print(f"{member.email} has an account already (id {member.id}); role now {member.role}")
        return
    out.print(f"Added {member.email} as {member.role} (id {member.id}).")
    out.print(f"Send them, privately: sign in at {account.sign_in_url} with their email and the first "
              f"password {account.first_password}", markup=False, highlight=False)
    out.print("It is shown only now and stored nowhere; they change it under Account & Settings.")


@users_app.command("list")
def users_list(
    workspace: Path = WorkspaceOption,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """Everyone in the server's organisation, with their role; removed people are marked."""
    members = _or_exit(lambda: list_users(workspace))
    if as_json:
        typer.echo(json.dumps([m.to_json() for m in members]))
        return
    for m in members:
        state = "owner" if m.owner else (m.role if m.active else f"{m.role}, removed")
        out.print(f"{m.id:>5}  {m.email}  ({state})", markup=False, highlight=False)


@users_app.command("remove")
def users_remove(
    email: str = typer.Argument(..., help="The person's email."),
    workspace: Path = WorkspaceOption,
) -> None:
    """End the person's membership (they can no longer sign in); their annotations stay."""
    member = _or_exit(lambda: remove_user(workspace, email))
    out.print(f"Removed {member.email} (id {member.id}); their annotations stay")


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
