"""`newsdesk release publish VERSION --repo ORG/NAME`: the command line over :func:`releases.publish.publish_release`.

``publish_command`` is the command; ``release_app`` holds it alone so it can be tested, or mounted,
by itself. A user-facing error prints one line ``[CODE] where: what - hint`` and exits 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from corpus.errors import NewsdeskError
from corpus.terminal import LineConsole
from corpus.workspace import Workspace
from releases.publish import PublishReport, publish_release
from releases.versions import release_path

console = LineConsole()
err_console = LineConsole(stderr=True)

release_app = typer.Typer(help="Publish releases to the Hugging Face Hub.", no_args_is_help=True)


@release_app.callback()
def _release() -> None:
    """Publish releases to the Hugging Face Hub."""


def _size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} kB" if n < 1024 ** 2 else f"{n / 1024 ** 2:.1f} MB"


def _print_report(report: PublishReport) -> None:
    if report.dry_run:
        table = Table("file", "size", title=f"release {report.version}: {len(report.files)} files, "
                                            f"{_size(report.total_bytes)}")
        for f in report.files:
            table.add_row(f.path, _size(f.size))
        console.print(table)
        console.print(f"dry run: would commit these files to dataset [bold]{report.repo_id}[/] on {report.endpoint} "
                      f"and tag the commit [bold]{report.tag}[/]"
                      f"{' (a new private repository if missing)' if report.private else ''}; nothing was sent")
        return
    console.print(f"published [bold]{report.version}[/] to dataset [bold]{report.repo_id}[/] on {report.endpoint}: "
                  f"{len(report.files)} files, {_size(report.total_bytes)}, commit {report.commit_oid}, "
                  f"tag {report.tag}{', repository created' if report.repo_created else ''} "
                  f"in {report.seconds:.1f}s")
    console.print(f"consumers: {report.load_snippet()}")


@release_app.command("publish")
def publish_command(
    version: Annotated[str, typer.Argument(help="The release to publish: the folder <workspace>/releases/VERSION.")],
    repo: Annotated[str, typer.Option("--repo", help="Dataset repository on the Hub, ORG/NAME.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be sent; send nothing.")] = False,
    private: Annotated[bool, typer.Option("--private", help="Create the repository private if it is missing.")] = False,
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", help="Hub URL (default: $HF_ENDPOINT, else https://huggingface.co).")] = None,
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder.")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of text.")] = False,
):
    """Upload a built release to the Hub in one commit and tag it VERSION (token from $HF_TOKEN)."""
    try:
        release_dir = release_path(Workspace.open(workspace), version)  # E303 lists the known versions
        report = publish_release(release_dir, repo, endpoint=endpoint, dry_run=dry_run, private=private)
    except NewsdeskError as exc:
        err_console.print(Text(exc.one_line(), style="red"), soft_wrap=True)  # one line, however long
        raise typer.Exit(1)
    if as_json:
        sys.stdout.write(json.dumps(report.to_record(), ensure_ascii=False, indent=2) + "\n")
    else:
        _print_report(report)
