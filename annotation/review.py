"""A reviewer's choice, made from the CLI: which version of a document is its ground truth.

Label Studio keeps a ``ground_truth`` flag on each annotation (the star a reviewer clicks in the
browser). :func:`mark_ground_truth` sets it on one person's latest annotation of a document and
clears it on the task's others, so one version is the truth; ``pull`` then brings the flag
into the record store and ``adjudicate --strategy ground-truth`` adopts that version whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from label_studio_sdk import LabelStudio

from annotation.project import TaskMap, find_project, server_errors
from annotation.studio import studio_client
from corpus.errors import Errors, NewsdeskError
from corpus.store import CorpusStore
from corpus.workspace import Workspace


@dataclass(frozen=True)
class GroundTruthMark:
    """What was marked: the document, its task, the chosen annotation and the flags cleared."""

    doc_id: str
    task_id: int
    annotation_id: int
    annotator: str
    cleared: list[int]  # other annotations of the task that were the ground truth before

    def to_json(self) -> dict:
        return {
            "doc_id": self.doc_id,
            "task_id": self.task_id,
            "annotation_id": self.annotation_id,
            "annotator": self.annotator,
            "cleared": self.cleared,
        }


def mark_ground_truth(
    workspace: Workspace, doc_id: str, annotator: str, client: LabelStudio | None = None
) -> GroundTruthMark:
    """Mark ``annotator``'s latest submitted annotation of ``doc_id`` (an id or unique prefix) as
    its ground truth on the server, and clear the flag on the task's other annotations."""
    doc_id = CorpusStore(workspace).document(doc_id).id  # resolves a prefix; unknown ids fail clearly
    annotator = annotator.strip().lower()
    where = f"document {doc_id}"
    with server_errors(str(workspace.root)):
        client = client or studio_client(workspace.root)
        task_map = TaskMap.load(workspace)
        if doc_id not in task_map.tasks or find_project(client, task_map) is None:
            raise NewsdeskError(
                Errors.E240,
                where=where,
                detail="the document was never pushed to Label Studio",
                hint="run `newsdesk annotate push` and let the team annotate it first",
            )
        task_id = task_map.tasks[doc_id]["task_id"]
        emails = {u.id: (u.email or "").lower() for u in client.users.list()}
        annotations = [a for a in client.annotations.list(id=task_id) if not a.was_cancelled]
        theirs = sorted(
            (a for a in annotations if emails.get(a.completed_by) == annotator),
            key=lambda a: (str(a.updated_at or a.created_at), a.id),
        )
        if not theirs:
            who = sorted({emails.get(a.completed_by, f"user-{a.completed_by}") for a in annotations})
            raise NewsdeskError(
                Errors.E240,
                where=where,
                detail=f"{annotator} has no submitted annotation of "
                f"task {task_id}; annotated by: {', '.join(who) or 'nobody yet'}",
            )
        chosen = theirs[-1]
        cleared = []
        for other in annotations:
            if other.id != chosen.id and other.ground_truth:
                client.annotations.update(other.id, ground_truth=False)
                cleared.append(other.id)
        if not chosen.ground_truth:
            client.annotations.update(chosen.id, ground_truth=True)
    return GroundTruthMark(doc_id, task_id, chosen.id, annotator, cleared)
