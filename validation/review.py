"""The review project: adjudication's conflicts as Label Studio tasks (each version a
prediction), and a reviewer's submissions back as records that settle their documents."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from label_studio_sdk import LabelStudio

from annotation.convert import flag_results, records_from_task, results_from_record
from annotation.labelstudio_config import instructions_html, labeling_config
from annotation.model import AnnotationRecord
from annotation.project import (
    AnnotationSettings,
    TaskMap,
    find_project,
    server_errors,
    server_tasks,
)
from annotation.pull import export_snapshot, pushed_project, server_users
from annotation.push import task_data
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from annotation.studio import studio_client
from corpus.errors import Errors, NewsdeskError
from corpus.store import CorpusStore
from corpus.workspace import Workspace, atomic_write_text
from validation.adjudicate import (
    NON_VOTING_ORIGINS,
    REVIEW_ORIGIN,
    Conflict,
    recency,
)

REVIEW_MAP = ("gold", "review_tasks.json")


@dataclass
class ReviewMap:
    """gold/review_tasks.json: the review project (found again by its marker) and doc id -> task."""

    marker: str = field(default_factory=lambda: f"newsdesk-review:{uuid.uuid4().hex}")
    project_id: int | None = None
    tasks: dict[str, dict] = field(default_factory=dict)  # doc id -> {task_id, text_sha256, versions}

    @classmethod
    def load(cls, workspace: Workspace) -> ReviewMap:
        path = workspace.path(*REVIEW_MAP)
        if not path.exists():
            return cls()
        rec = json.loads(path.read_text(encoding="utf-8"))
        return cls(rec["marker"], rec.get("project_id"), rec.get("tasks", {}))

    def save(self, workspace: Workspace) -> None:
        atomic_write_text(
            workspace.path(*REVIEW_MAP),
            json.dumps(
                {"marker": self.marker, "project_id": self.project_id, "tasks": self.tasks},
                ensure_ascii=False,
                indent=1,
            ),
        )


def review_title(workspace: Workspace) -> str:
    return f"{AnnotationSettings.of(workspace).project_title} — review"


def version_label(annotator: str) -> str:
    """The prediction's model_version that names whose version a reviewer is looking at."""
    return f"version: {annotator}"


def _ensure_review_project(client: LabelStudio, workspace: Workspace, review: ReviewMap, schema: LabelSchema):
    project = find_project(client, TaskMap(marker=review.marker, project_id=review.project_id))
    config = labeling_config(schema)
    if project is None:
        project = client.projects.create(
            title=review_title(workspace),
            label_config=config,
            expert_instruction=instructions_html(schema),
            show_instruction=True,
            maximum_annotations=1,
            description=f"{review.marker}\nAdjudication conflicts: every annotator's version is a prediction; "
            f"submit the final one and mark it as ground truth.",
        )
        review.project_id, review.tasks = project.id, {}
        review.save(workspace)
    elif project.label_config != config:
        project = client.projects.update(project.id, label_config=config)
    return project


def _review_versions(records: list[AnnotationRecord], doc_id: str, text_sha256: str) -> list[AnnotationRecord]:
    """Each annotator's latest usable version of the document on its current text."""
    latest: dict[str, AnnotationRecord] = {}
    for r in sorted(records, key=recency):
        if (
            r.doc_id == doc_id
            and not r.cancelled
            and r.origin not in NON_VOTING_ORIGINS
            and r.text_sha256 == text_sha256
        ):
            latest[r.annotator] = r
    return [latest[a] for a in sorted(latest)]


def push_review_tasks(
    workspace: Workspace,
    conflicts: Iterable[Conflict],
    records: Iterable[AnnotationRecord],
    client: LabelStudio | None = None,
) -> int:
    """Send each conflicted document to the review project, every annotator's version as a prediction.

    The review project has the same labeling config as the annotation project; its tasks carry
    the same data, with the conflicts named in the header line above the text. Safe to repeat:
    documents already in the review project (gold/review_tasks.json, checked against the
    server) get no second task, only any version prediction they lack. Returns the number of
    review tasks created.
    """
    conflicts = list(conflicts)
    records = list(records)
    by_doc: dict[str, list[Conflict]] = defaultdict(list)
    for c in conflicts:
        by_doc[c.doc_id].append(c)
    if not by_doc:
        return 0
    settings = AnnotationSettings.of(workspace)
    schema = LabelSchema.load(workspace)
    corpus = CorpusStore(workspace)
    with workspace.lock(), server_errors(str(workspace.root)):
        client = client or studio_client(workspace.root)
        review = ReviewMap.load(workspace)
        project = _ensure_review_project(client, workspace, review, schema)
        remote = {}
        for task in server_tasks(client, project.id):
            remote.setdefault(str(task.data.get("doc_id")), task)
        review.tasks = {d: e for d, e in review.tasks.items() if d in remote and remote[d].id == e["task_id"]}
        new_tasks, wanted = [], {}
        for doc_id in sorted(by_doc):
            doc = corpus.document(doc_id)
            versions = _review_versions(records, doc_id, doc.text_sha256)
            wanted[doc_id] = versions
            if doc_id in remote:  # landed before the map was saved, or the map is new
                review.tasks[doc_id] = {
                    "task_id": remote[doc_id].id,
                    "text_sha256": doc.text_sha256,
                    "versions": [version_label(v.annotator) for v in versions],
                }
                continue
            data = task_data(doc, settings)
            data["flags_note"] = _review_note(by_doc[doc_id]) + " | " + data["flags_note"]
            data["conflicts"] = [c.description for c in by_doc[doc_id]]
            new_tasks.append((doc, versions, {"data": data}))
        if new_tasks:
            response = client.projects.import_tasks(
                project.id, request=[t for _, _, t in new_tasks], return_task_ids=True
            )
            ids = list(response.task_ids or [])
            if len(ids) != len(new_tasks):
                raise NewsdeskError(
                    Errors.E205,
                    where=f"review project {project.id}",
                    detail=f"sent {len(new_tasks)} tasks, the server created {len(ids)}",
                )
            for (doc, versions, _), task_id in zip(new_tasks, ids):
                review.tasks[doc.id] = {
                    "task_id": task_id,
                    "text_sha256": doc.text_sha256,
                    "versions": [version_label(v.annotator) for v in versions],
                }
            review.save(workspace)
        # Predictions one at a time: each answer confirms it arrived (SQLite may drop bulk writes).
        # Each version carries the document's cleaning flags, as annotation tasks do: the reviewer
        # sees what cleaning suspected, and pull drops the flag regions again.
        for doc_id, versions in wanted.items():
            task_id = review.tasks[doc_id]["task_id"]
            have = {p.model_version for p in client.predictions.list(task=task_id)} if doc_id in remote else set()
            flags = flag_results(corpus.document(doc_id))
            for record in versions:
                label = version_label(record.annotator)
                if label not in have:
                    result = results_from_record(record) + flags
                    client.predictions.create(task=task_id, result=result, model_version=label)
        review.save(workspace)
    return len(new_tasks)


def _review_note(conflicts: list[Conflict]) -> str:
    kinds = Counter(c.kind for c in conflicts)
    return (
        f"Review: {len(conflicts)} conflict(s) ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + "); each tab is one annotator's version"
    )


def pull_reviews(workspace: Workspace, client: LabelStudio | None = None) -> list[AnnotationRecord]:
    """Bring the review project's annotations into the record store (origin ``labelstudio-review``).

    A review marked ground truth then wins under the ``ground-truth`` strategy; review records
    never vote under ``majority``. Returns the review records (all of them, new or not).
    """
    with workspace.lock(), server_errors(str(workspace.root)):
        client = client or studio_client(workspace.root)
        review = ReviewMap.load(workspace)
        project = pushed_project(
            client,
            TaskMap(marker=review.marker, project_id=review.project_id),
            workspace,
            detail="no review project for this workspace",
            hint="push conflicts first (push_review_tasks)",
        )
        tasks = export_snapshot(client, project.id)
        users = server_users(client)
        records = [r for task in tasks for r in records_from_task(task, users, origin=REVIEW_ORIGIN)]
        AnnotationStore(workspace).append(records, "review")
    return records
