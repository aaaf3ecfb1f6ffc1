"""Release commands: `release build|diff|list|verify|publish`.

Thin wrappers over :mod:`releases.build`, :mod:`releases.versions` and :mod:`releases.publish`,
each imported where it is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from newsdesk.cli.common import JsonOpt, WorkspaceOpt, app, console, emit_json, err_console, print_error, user_errors

release_app = typer.Typer(
    help="Versioned releases: build, diff, list, verify, publish.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(release_app, name="release")


@release_app.command("build")
def release_build(
    version: Annotated[str | None, typer.Argument(help="MAJOR.MINOR.PATCH; with --bump, optional.")] = None,
    workspace: WorkspaceOpt = Path("."),
    bump: Annotated[bool, typer.Option("--bump", help="Use the version the diff calls for.")] = False,
    as_json: JsonOpt = False,
):
    """Build a new immutable release folder (refused on validation errors or an existing version).

    Example: newsdesk release build --bump -w my-ws
    """
    from corpus.workspace import Workspace
    from releases.build import build_release

    with user_errors():
        report = build_release(Workspace.open(workspace), version, bump=bump)
    if as_json:
        emit_json(report.to_record())
    else:
        table = Table(
            "config",
            "train",
            "validation",
            "test",
            title=f"release {report.version} ({report.level} change"
            + (f" from {report.previous})" if report.previous else ", first release)"),
        )
        for config, splits in report.rows.items():
            table.add_row(config, *(str(splits.get(s, 0)) for s in ("train", "validation", "test")))
        console.print(table)
        console.print(f"written to [bold]{report.path}[/] in {report.seconds:.1f}s")
    for warning in report.warnings:
        err_console.print(Text(f"warning: {warning}", style="yellow"))


@release_app.command("diff")
def release_diff(old: str, new: str, workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """What changed between two versions: documents, spans and claims per label, schema.

    Example: newsdesk release diff 0.1.0 0.2.0 -w my-ws
    """
    from corpus.workspace import Workspace
    from releases.versions import diff_releases, release_path

    with user_errors():
        ws = Workspace.open(workspace)
        diff = diff_releases(release_path(ws, old), release_path(ws, new))
    if as_json:
        emit_json(diff.to_record())
    else:
        console.print(diff.markdown())


@release_app.command("list")
def release_list(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Every built version, oldest first.

    Example: newsdesk release list --json -w my-ws
    """
    import json

    from corpus.workspace import Workspace
    from releases.versions import list_versions, release_path

    with user_errors():
        ws = Workspace.open(workspace)
        manifests = [json.loads((release_path(ws, v) / "manifest.json").read_text()) for v in list_versions(ws)]
    rows = [
        {
            "version": m["version"],
            "created": m["created"],
            "previous": m["previous"],
            "change": m.get("change_level"),
            "documents": m["counts"]["documents"],
            "claims": m["counts"]["claims"],
        }
        for m in manifests
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table("version", "created", "previous", "change", "documents", "claims", title=f"{len(rows)} releases")
    for r in rows:
        table.add_row(
            r["version"], r["created"], r["previous"] or "", r["change"] or "", str(r["documents"]), str(r["claims"])
        )
    console.print(table)


@release_app.command("verify")
def release_verify(version: str, workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Check every file of a release against its SHA256SUMS; names any changed, missing or extra file.

    Example: newsdesk release verify 0.1.0 -w my-ws
    """
    from corpus.errors import Errors, NewsdeskError
    from corpus.workspace import Workspace
    from releases.versions import release_path, verify_release

    with user_errors():
        report = verify_release(release_path(Workspace.open(workspace), version))
    if as_json:
        emit_json(report.to_record())
    elif report.ok:
        console.print(f"[green]{version}: {report.files} files match SHA256SUMS[/]")
    else:
        for kind in ("changed", "missing", "unlisted"):
            for name in getattr(report, kind):
                print_error(NewsdeskError(Errors.E305, f"{version}/{name}", kind))
    if not report.ok:
        raise typer.Exit(1)


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} kB" if n < 1024**2 else f"{n / 1024**2:.1f} MB"


def _print_report(report) -> None:
    if report.dry_run:
        table = Table(
            "file", "size", title=f"release {report.version}: {len(report.files)} files, {_size(report.total_bytes)}"
        )
        for f in report.files:
            table.add_row(f.path, _size(f.size))
        console.print(table)
        console.print(
            f"dry run: would commit these files to dataset [bold]{report.repo_id}[/] on {report.endpoint} "
            f"and tag the commit [bold]{report.tag}[/]"
            f"{' (a new private repository if missing)' if report.private else ''}; nothing was sent"
        )
        return
    console.print(
        f"published [bold]{report.version}[/] to dataset [bold]{report.repo_id}[/] on {report.endpoint}: "
        f"{len(report.files)} files, {_size(report.total_bytes)}, commit {report.commit_oid}, "
        f"tag {report.tag}{', repository created' if report.repo_created else ''} "
        f"in {report.seconds:.1f}s"
    )
    console.print(f"consumers: {report.load_snippet()}")


@release_app.command("publish")
def publish_command(
    version: Annotated[str, typer.Argument(help="The release to publish: the folder <workspace>/releases/VERSION.")],
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="Dataset repository on the Hub, ORG/NAME (default: the release's `repo_id`)."),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent; send nothing.")] = False,
    private: Annotated[bool, typer.Option("--private", help="Create the repository private if it is missing.")] = False,
    endpoint: Annotated[
        str | None, typer.Option("--endpoint", help="Hub URL (default: $HF_ENDPOINT, else https://huggingface.co).")
    ] = None,
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder.")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of text.")] = False,
):
    """Upload a built release to the Hub in one commit and tag it VERSION (token: $HF_TOKEN, else `hf auth login`'s).

    Example: newsdesk release publish 0.1.0 --repo ORG/NAME --dry-run -w my-ws
    """
    from corpus.workspace import Workspace
    from releases.publish import publish_release
    from releases.versions import release_path

    with user_errors():
        release_dir = release_path(Workspace.open(workspace), version)  # E303 lists the known versions
        report = publish_release(release_dir, repo, endpoint=endpoint, dry_run=dry_run, private=private)
    if as_json:
        emit_json(report.to_record())
    else:
        _print_report(report)
