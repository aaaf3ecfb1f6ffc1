"""``newsdesk review``: a reviewer's decisions from the command line (see annotation.review and
validation.adjudicate's review project)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from annotation.review import mark_ground_truth
from corpus.errors import NewsdeskError
from corpus.workspace import Workspace

review_app = typer.Typer(help="Review: choose a document's ground truth; bring review-project decisions back.",
                         no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _fail(exc: NewsdeskError):
    err_console.print(Text(exc.one_line(), style="red"), soft_wrap=True)
    raise typer.Exit(1)


@review_app.command("ground-truth")
def ground_truth(doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix).")],
                 annotator: Annotated[str, typer.Option("--annotator", "-a",
                                                        help="Email of the person whose version is the truth.")],
                 workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Mark one person's version of a document as its ground truth in Label Studio (others unmarked).

    Then `newsdesk annotate pull` and `newsdesk adjudicate --strategy ground-truth` adopt it."""
    try:
        mark = mark_ground_truth(Workspace.open(workspace), doc_id, annotator)
    except NewsdeskError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(mark.to_json()))
        return
    console.print(f"{mark.doc_id}: {mark.annotator}'s annotation {mark.annotation_id} (task {mark.task_id}) is the "
                  f"ground truth" + (f"; unmarked {mark.cleared}" if mark.cleared else ""), soft_wrap=True)
    console.print("next: `newsdesk annotate pull`, then `newsdesk adjudicate --strategy ground-truth`")


@review_app.command("pull")
def pull(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Bring the review project's submitted reviews into the workspace (each settles its document)."""
    from validation.adjudicate import pull_reviews

    try:
        records = pull_reviews(Workspace.open(workspace))
    except NewsdeskError as exc:
        _fail(exc)
    docs = sorted({r.doc_id for r in records})
    if as_json:
        typer.echo(json.dumps({"reviews": len(records), "documents": docs}))
        return
    console.print(f"{len(records)} reviews of {len(docs)} documents in the workspace; "
                  "`newsdesk adjudicate --strategy ground-truth` adopts them")
