"""Pull: every annotator's annotations come back from Label Studio as newsdesk records.

Uses the snapshot export (the synchronous export lists predictions by id only and skips
unannotated tasks; the snapshot with serialization options does not), converts every
annotation of every annotator — cancelled ones too — and appends what is new or changed to
the workspace's record store. Nothing is merged here: that is adjudication's job.

The server building the snapshot is most of a pull's time (Label Studio serialises every task
inside the create request); what pull does meanwhile (the users, the records already stored)
runs beside it, and the old snapshots are deleted while the new one is converted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotation.convert import FLAGS_ONLY_VERSION, record_from_prediction, records_from_task
from annotation.model import AnnotationRecord
from annotation.project import AnnotationSettings, TaskMap, find_project, read_again, read_tasks, server_errors
from annotation.store import AnnotationStore
from annotation.studio import studio_client
from corpus import jsonio
from corpus.errors import Errors, NewsdeskError
from corpus.runtime import without_cyclic_gc
from corpus.workspace import Workspace

log = logging.getLogger(__name__)

EXPORT_TIMEOUT_SECONDS = 600
EXPORT_TITLE = "newsdesk pull"
# What `annotate status` reads of each task: counts, and who completed or cancelled each annotation
# (the server applies the list to the annotations too: their results stay on the server).
STATUS_FIELDS = "id,data,total_annotations,annotations,completed_by,was_cancelled"


@dataclass
class PullReport:
    tasks: int = 0
    annotations: int = 0
    predictions: int = 0
    new_or_changed: int = 0
    annotators: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # Wall seconds of each step: "export" (the server builds and sends the snapshot), "parse",
    # "convert", "store"; "beside export" ran while the server worked, so it is not on the clock.
    steps: dict[str, float] = field(default_factory=dict)

    def to_record(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def download_snapshot(client: LabelStudio, project_id: int) -> bytearray:
    """The JSON of a snapshot export of every task, with full annotations and predictions.
    The snapshot stays on the server: `_delete_pull_exports` removes pull's snapshots."""
    full = {"only_id": False}
    # Label Studio Community builds the snapshot inside this request: a 10k-task project takes
    # longer than the client's usual timeout.
    slow = {"timeout": EXPORT_TIMEOUT_SECONDS}
    export = read_again(  # a snapshot changes no task: one more is cleaned up below
        lambda: client.projects.exports.create(
            project_id,
            title=f"{EXPORT_TITLE} {time.strftime('%Y-%m-%dT%H:%M:%S')}",
            serialization_options={
                "predictions": full,
                "annotations__completed_by": {"only_id": True},
                "drafts": {"only_id": True},
            },
            task_filter_options={"only_with_annotations": False},
            annotation_filter_options={"usual": True, "ground_truth": True, "skipped": True},
            request_options=slow,
        )
    )
    deadline = time.monotonic() + EXPORT_TIMEOUT_SECONDS
    while True:
        state = read_again(lambda: client.projects.exports.get(project_id, export.id))
        if state.status == "completed":
            break
        if state.status == "failed" or time.monotonic() > deadline:
            raise NewsdeskError(
                Errors.E207,
                where=f"project {project_id} export {export.id}",
                detail=f"export {state.status}",
                hint="look at the server log; run pull again",
            )
        time.sleep(0.2)
    return read_again(lambda: _download(client, project_id, export.id, slow))


def _download(client: LabelStudio, project_id: int, export_id: int, request_options: dict) -> bytearray:
    """The snapshot's file, as the server wrote it. Without an ``exportType`` the server sends that
    file; with ``JSON`` it first copies it three times through its converter, which changes
    nothing (the same tasks, byte for byte). One growing buffer: the chunks and their join would
    hold the export twice (~350 MB for 10k tasks)."""
    data = bytearray()
    for chunk in client.projects.exports.download(project_id, export_id, request_options=request_options):
        data += chunk
    return data


def _delete_pull_exports(client: LabelStudio, project_id: int) -> None:
    """Snapshots pile up on the server otherwise; an export whose create was asked again (no answer
    in time) may have been made twice. Pull runs under the workspace lock: every one is done with.
    A delete is asked again too (once gone, 404 is fine); one the server still does not answer is
    left for the next pull: the data is already here."""
    try:
        exports = read_again(lambda: client.projects.exports.list(project_id))
        for export in exports:
            if (export.title or "").startswith(EXPORT_TITLE):
                read_again(lambda export=export: _delete_export(client, project_id, export.id))
    except (httpx.TimeoutException, httpx.TransportError, ApiError) as error:
        log.warning("pull: old snapshots left on the server for the next pull (%s)", type(error).__name__)


def _delete_export(client: LabelStudio, project_id: int, export_id: int) -> None:
    try:
        client.projects.exports.delete(project_id, export_id)
    except ApiError as error:
        if error.status_code != 404:
            raise


def export_snapshot(client: LabelStudio, project_id: int) -> list[dict]:
    """All tasks with full annotations and predictions, through a snapshot export."""
    tasks = parse_export(download_snapshot(client, project_id))
    _delete_pull_exports(client, project_id)
    return tasks


def parse_export(data: bytes | bytearray) -> list[dict]:
    """The export's tasks (a 10k-task export is ~350 MB: orjson parses it in a fraction of json's time)."""
    return jsonio.loads(data)


def server_users(client: LabelStudio) -> dict[int, str]:
    return {u.id: u.email or u.username or f"user-{u.id}" for u in read_again(lambda: list(client.users.list()))}


def convert_export(
    tasks: list[dict], users: dict[int, str], *, consume: bool = False
) -> tuple[list[AnnotationRecord], list[AnnotationRecord]]:
    """(annotation records, prediction records) of an exported project. With ``consume``, each
    task is let go once converted: the records grow while the parsed export shrinks."""
    annotations, predictions = [], []
    for i, task in enumerate(tasks):
        if consume:
            tasks[i] = None
        annotations.extend(records_from_task(task, users))
        predictions.extend(
            record_from_prediction(task, p)
            for p in task.get("predictions", [])
            if isinstance(p, dict) and p.get("model_version") != FLAGS_ONLY_VERSION  # flags only: no prediction
        )
    return annotations, predictions


def pushed_project(
    client: LabelStudio,
    task_map: TaskMap,
    workspace: Workspace,
    detail: str = "no project for this workspace",
    hint: str = "run `newsdesk annotate push` first",
):
    """The workspace's Label Studio project named by `task_map`, or E207 saying what to push first."""
    project = read_again(lambda: find_project(client, task_map))
    if project is None:
        raise NewsdeskError(Errors.E207, where=str(workspace.root), detail=detail, hint=hint)
    return project


def pull(workspace: Workspace, client: LabelStudio | None = None) -> PullReport:
    started = time.perf_counter()
    report = PullReport()
    steps = report.steps
    with workspace.lock():
        with server_errors(str(workspace.root)):
            client = client or studio_client(workspace.root)
            task_map = TaskMap.load(workspace)
            project = pushed_project(client, task_map, workspace)
            store = AnnotationStore(workspace)
            # The request's thread mostly waits for the server: reading the users and the records
            # already stored (the whole store, on a later pull) costs no time beside it.
            with ThreadPoolExecutor(1, thread_name_prefix="newsdesk-pull-export") as lane, without_cyclic_gc():
                t0 = time.perf_counter()
                snapshot = lane.submit(download_snapshot, client, project.id)
                users = server_users(client)
                stored = store.stored()
                steps["beside export"] = time.perf_counter() - t0
                data = snapshot.result()
                del snapshot  # the future would keep the export's bytes alive through the conversion
                steps["export"] = time.perf_counter() - t0
        # Old snapshots are deleted (the server's work) while this one is converted (ours); one
        # that cannot be deleted now is left to the next pull, as before.
        cleanup = threading.Thread(target=_delete_pull_exports, args=(client, project.id), daemon=True)
        cleanup.start()
        with without_cyclic_gc():
            t0 = time.perf_counter()
            tasks = parse_export(data)
            del data
            t1 = time.perf_counter()
            report.tasks = len(tasks)
            annotations, predictions = convert_export(tasks, users, consume=True)
            del tasks
            t2 = time.perf_counter()
            report.annotations = len(annotations)
            report.predictions = len(predictions)
            report.annotators = sorted({r.annotator for r in annotations})
            report.problems = [f"task {r.task_id} ({r.annotator}): {p}" for r in annotations for p in r.problems]
            _, report.new_or_changed = store.append_new(annotations + predictions, "pull", stored)
            t3 = time.perf_counter()
        steps.update(parse=t1 - t0, convert=t2 - t1, store=t3 - t2)
        cleanup.join()
    report.seconds = time.perf_counter() - started
    steps.update({k: round(v, 3) for k, v in steps.items()})
    return report


@dataclass
class StatusReport:
    tasks: int = 0
    by_count: dict[str, int] = field(default_factory=dict)  # "0", "1", "2+" -> tasks
    per_annotator: dict[str, dict[str, int]] = field(default_factory=dict)
    under_target: list[int] = field(default_factory=list)
    over_target: list[int] = field(default_factory=list)

    def to_record(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def status(workspace: Workspace, client: LabelStudio | None = None) -> StatusReport:
    """Progress per annotator and overall; tasks over or under the annotations they need.

    Label Studio Community does not enforce a per-task overlap, so the target comes from the
    task data (``wanted_annotations``: the agreement sample needs ``overlap``, others one).
    """
    settings = AnnotationSettings.of(workspace)
    report = StatusReport()
    with server_errors(str(workspace.root)):
        client = client or studio_client(workspace.root)
        task_map = TaskMap.load(workspace)
        project = pushed_project(client, task_map, workspace)
        # id windows of light reads, as push reads (the full listing timed out under a team's writes)
        tasks = list(read_tasks(client, project.id, include=STATUS_FIELDS, fields="all").values())
        users = server_users(client)
        counts = Counter()
        per_annotator: dict[str, Counter] = defaultdict(Counter)
        for task in tasks:
            done = task.total_annotations or 0
            counts["0" if done == 0 else "1" if done == 1 else "2+"] += 1
            wanted = task.data.get("wanted_annotations") or settings.wanted_annotations(str(task.data.get("doc_id")))
            if done < wanted:
                report.under_target.append(task.id)
            elif done > wanted:
                report.over_target.append(task.id)
            for ann in task.annotations or []:
                who = users.get(ann.get("completed_by") if isinstance(ann, dict) else None, "unknown")
                per_annotator[who][
                    "cancelled" if isinstance(ann, dict) and ann.get("was_cancelled") else "completed"
                ] += 1
    report.tasks = len(tasks)
    report.by_count = {k: counts.get(k, 0) for k in ("0", "1", "2+")}
    report.per_annotator = {k: dict(v) for k, v in sorted(per_annotator.items())}
    return report
