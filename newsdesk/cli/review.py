"""Review commands: `review ground-truth|pull`, a reviewer's decisions from the command line
(over :mod:`annotation.review` and the review project of :mod:`validation.review`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsdesk.cli.common import JsonOpt, WorkspaceOpt, app, console, emit_json, user_errors

review_app = typer.Typer(
    help="Review: choose a document's ground truth; bring review-project decisions back.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(review_app, name="review")


@review_app.command("ground-truth")
def ground_truth(
    doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix).")],
    annotator: Annotated[
        str, typer.Option("--annotator", "-a", help="Email of the person whose version is the truth.")
    ],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """Mark one person's version of a document as its ground truth in Label Studio (others unmarked).

    Then `newsdesk annotate pull` and `newsdesk adjudicate --strategy ground-truth` adopt it.

    Example: newsdesk review ground-truth 5fad4439 --annotator ana@example.org -w my-ws
    """
    from annotation.review import mark_ground_truth
    from corpus.workspace import Workspace

    with user_errors():
        mark = mark_ground_truth(Workspace.open(workspace), doc_id, annotator)
    if as_json:
        emit_json(mark.to_json())
        return
    console.print(
        f"{mark.doc_id}: {mark.annotator}'s annotation {mark.annotation_id} (task {mark.task_id}) is the "
        f"ground truth" + (f"; unmarked {mark.cleared}" if mark.cleared else "")
    )
    console.print("next: `newsdesk annotate pull`, then `newsdesk adjudicate --strategy ground-truth`")


@review_app.command("pull")
def pull(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Bring the review project's submitted reviews into the workspace (each settles its document).

    Example: newsdesk review pull -w my-ws
    """
    from corpus.workspace import Workspace
    from validation.review import pull_reviews

    with user_errors():
        records = pull_reviews(Workspace.open(workspace))
    docs = sorted({r.doc_id for r in records})
    if as_json:
        emit_json({"reviews": len(records), "documents": docs})
        return
    console.print(
        f"{len(records)} reviews of {len(docs)} documents in the workspace; "
        "`newsdesk adjudicate --strategy ground-truth` adopts them"
    )
