"""Label Studio commands: `studio start|stop|status|backup|restore` and `studio users add|list|remove`,
over :mod:`annotation.studio` and :mod:`annotation.accounts`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsdesk.cli.common import JsonOpt, WorkspaceOpt, app, console, emit_json, user_errors

# The roles `users add` takes, listed in --help without importing the accounts module.
ROLES = ("annotator", "reviewer")

studio_app = typer.Typer(
    help="Run the workspace's Label Studio server (installed once per user), its accounts and backups.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(studio_app, name="studio")
users_app = typer.Typer(
    help="Label Studio accounts for annotators and reviewers (the managed server or LABEL_STUDIO_URL).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
studio_app.add_typer(users_app, name="users")


@studio_app.command("start")
def start(
    workspace: WorkspaceOpt = Path("."),
    port: Annotated[int | None, typer.Option("--port", "-p", help="Port on 127.0.0.1 (default: a free one).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server to answer /health.")] = 180.0,
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="sqlite (default, one person) or postgres (a team): chosen at the first start and "
            "kept. postgres uses NEWSDESK_POSTGRES_URL if set, else runs one for the workspace "
            "from an installed PostgreSQL.",
        ),
    ] = None,
    lan: Annotated[
        bool, typer.Option("--lan", help="Serve every network interface, not only 127.0.0.1 (prints what it exposes).")
    ] = False,
) -> None:
    """Start the server (no-op if it is already running) and print its URL.

    Example: newsdesk studio start --database postgres -w my-ws
    """
    from annotation.studio import start_studio

    with user_errors():
        server = start_studio(workspace, port, timeout=timeout, database=database, lan=lan)
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
    """Say whether the server is running and answering, where, and on which database.

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
    database = report.database or {}
    where = (
        database.get("path")
        or database.get("url")
        or (f"127.0.0.1:{database.get('port')}, run by newsdesk" if database.get("managed") else "")
    )
    console.print(
        f"{report.state}: {report.url} (pid {report.pid}, label-studio {report.version}, "
        f"data in {report.base_data_dir}, database {database.get('kind', 'sqlite')} {where})"
    )


@studio_app.command("backup")
def backup(
    workspace: WorkspaceOpt = Path("."),
    out_file: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: studio/backups/<time>).")
    ] = None,
) -> None:
    """Write a restorable copy of the server's database (SQLite backup API, or pg_dump).

    Example: newsdesk studio backup --out studio-2026-12-05.dump -w my-ws
    """
    from annotation.studio import backup_studio

    with user_errors():
        written = backup_studio(workspace, out_file)
    console.print(str(written))


@studio_app.command("restore")
def restore(
    backup_file: Annotated[Path, typer.Argument(help="A file written by `newsdesk studio backup`.")],
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Replace the server's database with a backup (stop the server first); the current one is kept.

    Example: newsdesk studio restore studio-2026-12-05.dump -w my-ws
    """
    from annotation.studio import restore_studio

    with user_errors():
        before = restore_studio(workspace, backup_file)
    console.print(f"restored {backup_file}; the database it replaced is in {before}")


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="The person's email; they sign in with it.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")] = "annotator",
    workspace: WorkspaceOpt = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the account (and first password) as JSON.")] = False,
) -> None:
    """Create an account; its first password is shown here once and stored nowhere.

    Example: newsdesk studio users add ana@example.org --role annotator -w my-ws
    """
    from annotation.accounts import add_user

    with user_errors():
        account = add_user(workspace, email, role)
    if as_json:
        emit_json(
            {**account.member.to_json(), "sign_in_url": account.sign_in_url, "first_password": account.first_password}
        )
        return
    member = account.member
    if account.first_password is None:
        console.print(f"{member.email} has an account already (id {member.id}); role now {member.role}")
        return
    console.print(f"Added {member.email} as {member.role} (id {member.id}).")
    console.print(
        f"Send them, privately: sign in at {account.sign_in_url} with their email and the first "
        f"password {account.first_password}",
        markup=False,
        highlight=False,
    )
    console.print("It is shown only now and stored nowhere; they change it under Account & Settings.")


@users_app.command("list")
def users_list(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False) -> None:
    """Everyone in the server's organisation, with their role; removed people are marked.

    Example: newsdesk studio users list --json -w my-ws
    """
    from annotation.accounts import list_users

    with user_errors():
        members = list_users(workspace)
    if as_json:
        emit_json([m.to_json() for m in members])
        return
    for m in members:
        state = "owner" if m.owner else (m.role if m.active else f"{m.role}, removed")
        console.print(f"{m.id:>5}  {m.email}  ({state})", markup=False, highlight=False)


@users_app.command("remove")
def users_remove(
    email: Annotated[str, typer.Argument(help="The person's email.")], workspace: WorkspaceOpt = Path(".")
) -> None:
    """End the person's membership (they can no longer sign in); their annotations stay.

    Example: newsdesk studio users remove ana@example.org -w my-ws
    """
    from annotation.accounts import remove_user

    with user_errors():
        member = remove_user(workspace, email)
    console.print(f"Removed {member.email} (id {member.id}); their annotations stay")
