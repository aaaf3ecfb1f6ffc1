"""Push: documents become Label Studio tasks, with pre-annotations as predictions.

Steps, each safe to repeat: make or update the project from the label schema (the server
checks the generated config); read what the server holds; carry existing annotations over
to documents whose clean text changed (or stop, naming them); import new documents in
serialised batches, checking after each batch that every task *and its prediction* arrived
(Label Studio on SQLite can lose predictions when writes overlap); add what is missing.
A second push adds nothing.
"""

from __future__ import annotations

import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotation.convert import FLAGS_ONLY_VERSION, flag_results, results_from_record
from annotation.labelstudio_config import instructions_html, labeling_config
from annotation.migrate import migrate_span
from annotation.project import (
    READ_RETRY_DELAYS_SECONDS,
    AnnotationSettings,
    TaskMap,
    find_project,
    read_tasks,
    server_errors,
    server_tasks,
    worth_retrying,
)
from annotation.schema import FLAG_LAYER, LabelSchema
from annotation.studio import studio_client
from corpus.errors import Errors, NewsdeskError
from corpus.model import Document
from corpus.offsets import OffsetMap
from corpus.store import CorpusStore
from corpus.workspace import Workspace

Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)  # one DEBUG line per request: step, seconds, tasks, bytes, server's seconds

# The task map grows with every batch (3.4 MB at 10k documents); rewriting it after each batch
# of 100 cost a 10k push about 10 s. It is saved at most this often and whenever push stops:
# tasks that landed on the server but not in the map are adopted again by the next push.
TASK_MAP_SAVE_SECONDS = 15.0
# A read is retried (annotation.project.read_again); so is an import, but only after checking that
# it did not land, after the same waits.
RETRY_DELAYS_SECONDS = READ_RETRY_DELAYS_SECONDS
# An import writes its batch in one go, and the server can be slow under a team's writes: it gets
# longer than a read, no automatic retry (a retried import that had landed would make duplicates),
# and the batch halves after a slow one (doubling back up to batch_size after fast ones).
IMPORT_TIMEOUT_SECONDS = 120.0
SLOW_IMPORT_SECONDS = 15.0
FAST_IMPORT_SECONDS = 5.0
SMALLEST_BATCH = 5
# After an import with no answer, how long to look for its tasks before sending them again: the
# server may still be storing them.
LANDING_WAITS_SECONDS = (5.0, 10.0, 20.0, 40.0, 60.0)


@dataclass
class PushReport:
    project_id: int | None = None
    project_created: bool = False
    config_updated: bool = False
    documents: int = 0
    tasks_created: int = 0
    tasks_present: int = 0
    predictions_added: int = 0
    # tasks nobody annotated yet whose prediction was another predictor's (push after model train)
    predictions_replaced: int = 0
    duplicates_removed: int = 0
    texts_migrated: int = 0
    annotations_migrated: int = 0
    imports_failed: int = 0
    imports_found_landed: int = 0
    imports_resent: int = 0
    smallest_batch: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_record(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def flags_note(doc: Document) -> str:
    """The line above the text that tells annotators what cleaning suspected."""
    shown = [f for f in doc.flags if f.rule != "near_duplicate"]
    if not shown:
        return "No cleaning flags."
    parts = [f"“{doc.text[f.start : f.end][:40]}” ({f.rule.replace('_', ' ')})" for f in shown]
    return "Cleaning flags: " + " · ".join(parts)


def task_data(doc: Document, settings: AnnotationSettings) -> dict:
    return {
        "text": doc.text,
        "title": doc.title,
        "doc_id": doc.id,
        "text_sha256": doc.text_sha256,
        "flags_note": flags_note(doc),
        "flags": [{"rule": f.rule, "start": f.start, "end": f.end, "message": f.message} for f in doc.flags],
        "blocks": [{"kind": b.kind, "start": b.start, "end": b.end} for b in doc.blocks],
        "agreement_sample": settings.in_agreement_sample(doc.id),
        "wanted_annotations": settings.wanted_annotations(doc.id),
    }


PUSH_ORDERS = ("corpus", "uncertain")


def push(
    workspace: Workspace,
    client: LabelStudio | None = None,
    predictor: str | None = None,
    progress: Progress | None = None,
    order: str = "corpus",
) -> PushReport:
    """Create or update the project and make the server hold one task per document.

    ``order="uncertain"``: new tasks are created least-sure-first by the predictor's
    ``uncertainty(doc)`` (a trained model's), so annotators open the documents that teach it most.
    """
    if order not in PUSH_ORDERS:
        raise NewsdeskError(Errors.E221, where=f"--order {order}", detail=f"orders are {list(PUSH_ORDERS)}")
    started = time.perf_counter()
    report = PushReport()
    settings = AnnotationSettings.of(workspace)
    schema = LabelSchema.load(workspace)
    predictor_spec = settings.predictor if predictor is None else predictor
    model = None
    if predictor_spec and predictor_spec != "none":
        from annotation.predict import make_predictor, resolve_predictor_spec

        model = make_predictor(resolve_predictor_spec(predictor_spec, workspace.root))
    if order == "uncertain" and not hasattr(model, "uncertainty"):
        raise NewsdeskError(
            Errors.E221,
            where="--order uncertain",
            detail=f"predictor {predictor_spec!r} gives no scores; use --predictor model:NAME",
        )
    with workspace.lock(), server_errors(str(workspace.root)):
        client = client or studio_client(workspace.root)
        task_map = TaskMap.load(workspace)
        began = time.perf_counter()
        project = _ensure_project(client, workspace, task_map, schema, settings, report)
        log.debug("project: %.2f s", time.perf_counter() - began)
        docs = {d.id: d for d in CorpusStore(workspace).iter_documents()}
        report.documents = len(docs)
        began = time.perf_counter()
        remote = _remote_tasks(client, project.id, task_map, report)
        log.debug("read tasks: %.2f s, %d tasks", time.perf_counter() - began, len(remote))
        _adopt_remote(remote, docs, task_map)
        changed = [
            d for d in docs.values() if d.id in task_map.tasks and task_map.tasks[d.id]["text_sha256"] != d.text_sha256
        ]
        if changed:
            _migrate(client, changed, task_map, remote, settings, model, schema, report)
        task_map.save(workspace)
        present = [d for d in docs.values() if d.id in task_map.tasks]
        report.tasks_present = len(present)
        if model is not None:
            _add_missing_predictions(client, present, task_map, remote, model, schema, report)
        new = [d for d in docs.values() if d.id not in task_map.tasks]
        if order == "uncertain" and new:
            unsure = {d.id: model.uncertainty(d) for d in new}
            new.sort(key=lambda d: -unsure[d.id])  # stable: equally sure documents keep corpus order
            report.notes.append(
                f"{len(new)} new tasks least-sure first (uncertainty "
                f"{unsure[new[0].id]:.3f} .. {unsure[new[-1].id]:.3f})"
            )
        batches = [new[i : i + settings.batch_size] for i in range(0, len(new), settings.batch_size)]
        saved_at = time.monotonic()
        # The next batch's task JSON, predictions included, is made in a worker while the server
        # stores and we verify this one: the writes stay one at a time, the predictor's time hides.
        prepare = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-push")
        try:
            upcoming = prepare.submit(_task_json, batches[0], settings, model, schema) if batches else None
            sizer = BatchSizer(settings.batch_size)
            for n, batch in enumerate(batches):
                tasks = upcoming.result()
                if n + 1 < len(batches):
                    upcoming = prepare.submit(_task_json, batches[n + 1], settings, model, schema)
                while batch:  # in pieces of the size the server keeps up with
                    size = sizer.size
                    _import_batch(
                        client, project.id, batch[:size], tasks[:size], task_map, model is not None, sizer, report
                    )
                    report.tasks_created += len(batch[:size])
                    batch, tasks = batch[size:], tasks[size:]
                    if time.monotonic() - saved_at >= TASK_MAP_SAVE_SECONDS:
                        task_map.save(workspace)
                        saved_at = time.monotonic()
                    if progress:
                        progress(report.tasks_created, len(new))
            if report.imports_resent:
                _remove_late_copies(client, project.id, task_map, report)
        finally:
            prepare.shutdown(wait=True, cancel_futures=True)
            task_map.save(workspace)
    report.seconds = time.perf_counter() - started
    return report


def project_fields(schema: LabelSchema, settings: AnnotationSettings) -> dict:
    """The project's settings, as push creates or updates it (the benchmark's bare import uses them too)."""
    return dict(
        label_config=labeling_config(schema),
        expert_instruction=instructions_html(schema),
        show_instruction=True,
        maximum_annotations=settings.overlap,
        show_overlap_first=True,
    )


def project_description(task_map: TaskMap) -> str:
    """What the project page says; it carries the marker push finds the project by again."""
    return (
        "Managed by newsdesk: `newsdesk annotate push` regenerates the labeling config from "
        "labels.toml, so edits made here in the settings are replaced at the next push. "
        f"[{task_map.marker}]"
    )


def _ensure_project(client, workspace, task_map, schema, settings, report):
    fields = project_fields(schema, settings)
    config = fields["label_config"]
    project = find_project(client, task_map)
    try:
        if project is None:
            project = client.projects.create(
                title=settings.project_title, description=project_description(task_map), **fields
            )
            task_map.project_id, task_map.tasks = project.id, {}
            task_map.save(workspace)
            report.project_created = True
        elif (
            project.label_config != config
            or project.maximum_annotations != settings.overlap
            or project.description != project_description(task_map)
        ):
            project = client.projects.update(project.id, description=project_description(task_map), **fields)
            report.config_updated = True
    except ApiError as exc:
        if exc.status_code == 400:
            raise NewsdeskError(
                Errors.E202, where=f"project {settings.project_title!r}", detail=str(exc.body)[:300]
            ) from exc
        raise
    report.project_id = project.id
    return project


def _remote_tasks(client, project_id: int, task_map: TaskMap, report: PushReport) -> dict[str, object]:
    """The server's task per doc id; extra copies of a document (from an import that landed
    twice) are deleted when nobody annotated them."""
    by_doc = defaultdict(list)
    for task in read_tasks(client, project_id).values():
        by_doc[str(task.data.get("doc_id"))].append(task)
    remote = {}
    for doc_id, tasks in by_doc.items():
        known = task_map.tasks.get(doc_id, {}).get("task_id")
        tasks.sort(key=lambda t: (t.id != known, -(t.total_annotations or 0), t.id))
        remote[doc_id] = tasks[0]
        for extra in tasks[1:]:
            if (extra.total_annotations or 0) == 0 and (extra.cancelled_annotations or 0) == 0:
                client.tasks.delete(str(extra.id))
                report.duplicates_removed += 1
            else:
                report.notes.append(f"document {doc_id} has several annotated tasks: {[t.id for t in tasks]}")
    return remote


def _adopt_remote(remote: dict, docs: dict[str, Document], task_map: TaskMap) -> None:
    """Make the map agree with the server: drop tasks the server lost, adopt tasks it has."""
    for doc_id in list(task_map.tasks):
        if doc_id not in remote or remote[doc_id].id != task_map.tasks[doc_id]["task_id"]:
            del task_map.tasks[doc_id]
    for doc_id, task in remote.items():
        if doc_id in task_map.tasks or doc_id not in docs:
            continue
        # A batch that landed before the map was saved: the server's text tells which version it is.
        sha = task.data.get("text_sha256")
        doc = docs[doc_id]
        task_map.tasks[doc_id] = {
            "task_id": task.id,
            "text_sha256": sha,
            "offset_map": doc.cleaning.offset_map.to_record() if sha == doc.text_sha256 else None,
        }


def _prediction(doc: Document, model, schema) -> dict:
    """The model's regions and the document's flags, in the one prediction Label Studio pre-fills."""
    record = model.predict(doc, schema)
    return {
        "model_version": record.model_version or record.annotator,
        "result": results_from_record(record) + flag_results(doc),
    }


def _task_json(batch: list[Document], settings, model, schema) -> list[dict]:
    tasks = []
    for doc in batch:
        task = {"data": task_data(doc, settings)}
        if model is not None:
            task["predictions"] = [_prediction(doc, model, schema)]
        elif flags := flag_results(doc):  # no predictor: the flags alone, so they are still shown
            task["predictions"] = [{"model_version": FLAGS_ONLY_VERSION, "result": flags}]
        tasks.append(task)
    return tasks


@dataclass
class BatchSizer:
    """Tasks per import: halved after a slow or unanswered import, doubled back after fast ones."""

    largest: int
    size: int = 0

    def __post_init__(self) -> None:
        self.size = self.size or self.largest

    def took(self, seconds: float) -> None:
        if seconds > SLOW_IMPORT_SECONDS:
            self.slower()
        elif seconds < FAST_IMPORT_SECONDS:
            self.size = min(self.largest, self.size * 2)

    def slower(self) -> None:
        self.size = max(min(SMALLEST_BATCH, self.largest), self.size // 2)


def _import_batch(client, project_id, batch, tasks, task_map, expect_predictions, sizer, report, attempt=0) -> None:
    """Import one batch, once: after an import that failed or got no answer, the tasks the server
    may have stored meanwhile are looked for (and adopted); the rest is sent again, in smaller pieces."""
    after = max((entry["task_id"] for entry in task_map.tasks.values()), default=0)
    began = time.perf_counter()
    try:
        ids = post_tasks(client, project_id, tasks, timeout=IMPORT_TIMEOUT_SECONDS)
    except (httpx.TimeoutException, httpx.TransportError, ApiError) as error:
        if attempt >= len(RETRY_DELAYS_SECONDS) or not worth_retrying(error):
            raise
        report.imports_failed += 1
        sizer.slower()
        report.smallest_batch = min(report.smallest_batch or sizer.size, sizer.size)
        # An error answer comes after the server has finished; no answer, maybe before it has.
        waits = (0.0,) if isinstance(error, ApiError) else LANDING_WAITS_SECONDS
        landed = _landed(client, project_id, batch, after, waits)
        log.debug("import %d: %s; %d of %d tasks landed", attempt + 1, type(error).__name__, len(landed), len(batch))
        if landed:
            report.imports_found_landed += 1
            _record_tasks(task_map, [(doc, landed[doc.id]) for doc in batch if doc.id in landed])
            kept = {landed[d.id]: d for d in batch if d.id in landed}
            without = _verify(client, project_id, kept, expect_predictions)
            _add_lost_predictions(
                client, without, {landed[d.id]: t for d, t in zip(batch, tasks) if d.id in landed}, report
            )
        rest = [(d, t) for d, t in zip(batch, tasks) if d.id not in landed]
        if rest:
            report.imports_resent += 1
            time.sleep(RETRY_DELAYS_SECONDS[attempt])
            for i in range(0, len(rest), sizer.size):
                piece = rest[i : i + sizer.size]
                docs, jsons = [d for d, _ in piece], [t for _, t in piece]
                _import_batch(client, project_id, docs, jsons, task_map, expect_predictions, sizer, report, attempt + 1)
        return
    sizer.took(time.perf_counter() - began)
    if len(ids) != len(batch):
        raise NewsdeskError(
            Errors.E205, where=f"project {project_id}", detail=f"sent {len(batch)} tasks, the server created {len(ids)}"
        )
    _record_tasks(task_map, list(zip(batch, ids)))
    without = _verify(client, project_id, dict(zip(ids, batch)), expect_predictions=expect_predictions)
    _add_lost_predictions(client, without, dict(zip(ids, tasks)), report)


def _record_tasks(task_map: TaskMap, landed: list[tuple[Document, int]]) -> None:
    for doc, task_id in landed:
        task_map.tasks[doc.id] = {
            "task_id": task_id,
            "text_sha256": doc.text_sha256,
            "offset_map": doc.cleaning.offset_map.to_record(),
        }


def _landed(client, project_id: int, batch: list[Document], after: int, waits: tuple[float, ...]) -> dict[str, int]:
    """Doc id -> task id of the batch's documents stored after task ``after``, waiting a while for a
    server that may still be storing them; an import is one transaction, so usually all or none."""
    wanted = {doc.id: doc.text_sha256 for doc in batch}
    found: dict[str, int] = {}
    for wait in waits:
        time.sleep(wait)
        try:
            tasks = read_tasks(client, project_id, (after + 1, 2**31 - 1))
        except (httpx.TimeoutException, httpx.TransportError):
            continue
        for task in sorted(tasks.values(), key=lambda t: t.id):
            data = task.data or {}
            doc_id = str(data.get("doc_id"))
            if wanted.get(doc_id) == data.get("text_sha256"):
                found.setdefault(doc_id, task.id)
        if found:
            return found
    return found


def _remove_late_copies(client, project_id: int, task_map: TaskMap, report: PushReport) -> None:
    """After an import was sent again, its first copy may land late: keep the task in the map."""
    time.sleep(LANDING_WAITS_SECONDS[-1])
    by_doc = defaultdict(list)
    for task in read_tasks(client, project_id).values():
        by_doc[str((task.data or {}).get("doc_id"))].append(task)
    for doc_id, tasks in by_doc.items():
        known = task_map.tasks.get(doc_id, {}).get("task_id")
        for extra in tasks:
            if known is not None and extra.id != known and not (extra.total_annotations or extra.cancelled_annotations):
                client.tasks.delete(str(extra.id))
                report.duplicates_removed += 1


def post_tasks(client: LabelStudio, project_id: int, tasks: list[dict], timeout: float | None = None) -> list[int]:
    """Import one batch of tasks; the ids of the tasks the server created, in order.

    The same request as the SDK's ``projects.import_tasks`` through the SDK's own HTTP client
    (base URL, auth, retries), with the body serialised by ``json.dumps``: the SDK first walks
    every task through its pydantic-aware encoder, which took about half of each 100-task
    import (0.34 s of ~0.7 s) and is not needed for plain dicts.
    """
    options = {"max_retries": 0, **({"timeout": timeout} if timeout else {})}  # push decides what to re-send
    http = getattr(getattr(client, "_client_wrapper", None), "httpx_client", None)
    if http is None:  # an SDK of another layout: its public call does the same, slower
        response = client.projects.import_tasks(
            project_id, request=tasks, return_task_ids=True, request_options=options
        )
        return list(response.task_ids or [])
    content = json.dumps(tasks).encode()
    began = time.perf_counter()
    try:
        response = http.request(
            f"api/projects/{project_id}/import",
            method="POST",
            params={"return_task_ids": True},
            content=content,
            headers={"content-type": "application/json"},
            request_options=options,
        )
    except httpx.TimeoutException:
        log.debug(
            "import: no answer after %.2f s, %d tasks, %d bytes", time.perf_counter() - began, len(tasks), len(content)
        )
        raise
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if not 200 <= response.status_code < 300:
        raise ApiError(status_code=response.status_code, headers=dict(response.headers), body=body)
    log.debug(
        "import: %.2f s, %d tasks, %d bytes, server %.2f s",
        time.perf_counter() - began,
        len(tasks),
        len(content),
        body.get("duration") or -1,
    )
    return list(body.get("task_ids") or [])


def _verify(client, project_id: int, expected: dict[int, Document], expect_predictions: bool) -> list[int]:
    """Read back what the batch created: every task and its document; the ids of tasks without a prediction.

    One light request per batch: only the id, the data and the model versions of the task's
    predictions come back. Ordering by that column makes the server compute it from the
    prediction rows themselves; the task's ``total_predictions`` counter would not do, as it
    is set from the import request, not from what was stored. A task that looks wrong here
    (or a server that does not compute the column) is read again in full before it is reported.
    """
    began = time.perf_counter()
    found = read_tasks(client, project_id, (min(expected), max(expected)), include="id,data,predictions_model_versions")
    log.debug("verify: %.2f s, %d tasks", time.perf_counter() - began, len(found))
    problems, suspects = [], []
    for task_id, doc in expected.items():
        task = found.get(task_id)
        if task is None or (task.data or {}).get("doc_id") != doc.id:
            problems.append(f"task {task_id} (document {doc.id}) missing")
        elif expect_predictions and not task.predictions_model_versions:
            suspects.append(task_id)
    without = []
    if suspects:
        full = {t.id: t for t in server_tasks(client, project_id, (min(suspects), max(suspects)))}
        without = [task_id for task_id in suspects if not (full.get(task_id) and full[task_id].predictions)]
    if problems:
        raise NewsdeskError(
            Errors.E205,
            where=f"project {project_id}",
            detail="; ".join(problems[:5]) + (f" and {len(problems) - 5} more" if len(problems) > 5 else ""),
        )
    return without


def _add_lost_predictions(client, without: list[int], tasks_by_id: dict[int, dict], report: PushReport) -> None:
    """Tasks stored without the prediction sent with them (SQLite under overlapping writes): one
    prediction at a time, each answer confirming it arrived."""
    for task_id in without:
        (prediction,) = tasks_by_id[task_id]["predictions"]
        client.predictions.create(task=task_id, result=prediction["result"], model_version=prediction["model_version"])
        report.predictions_added += 1


def _prediction_versions(task) -> set[str]:
    """The model versions of the task's predictions (Label Studio's computed column)."""
    return {v.strip() for v in str(getattr(task, "predictions_model_versions", "") or "").split(",")} - {""}


def _has_model_prediction(task) -> bool:
    """Whether the task holds a prediction besides a flags-only one (pushed before a predictor was set)."""
    return bool(task.total_predictions) and _prediction_versions(task) != {FLAGS_ONLY_VERSION}


def _add_missing_predictions(client, docs, task_map, remote, model, schema, report) -> None:
    """Each task still to do pre-filled by this predictor: a task without a model's prediction gets
    one, and so does a task nobody has annotated (or cancelled) whose prediction is another
    predictor's, so that pushing after `model train` gives the new model's pre-annotations to
    the work left. A task someone annotated keeps the prediction they saw."""
    version = getattr(model, "model_version", None)
    for doc in docs:
        task = remote.get(doc.id)
        if task is None or task_map.tasks[doc.id]["text_sha256"] != doc.text_sha256:
            continue
        if _has_model_prediction(task):
            untouched = not (task.total_annotations or 0) and not (task.cancelled_annotations or 0)
            if not untouched or not version or version in _prediction_versions(task):
                continue
            report.predictions_replaced += 1
        else:
            report.predictions_added += 1
        if task.total_predictions:  # another predictor's, or the flags alone: this one's carries them
            for old in client.predictions.list(task=task.id):
                client.predictions.delete(old.id)
        pred = _prediction(doc, model, schema)
        client.predictions.create(task=task.id, result=pred["result"], model_version=pred["model_version"])


# --- carrying annotations over to a changed text ---------------------------------------------------


def _migrate(client, changed, task_map, remote, settings, model, schema, report) -> None:
    """Plan every document first; change nothing on the server unless every span survives."""
    plans, failures = [], []
    for doc in changed:
        entry = task_map.tasks[doc.id]
        task = remote[doc.id]
        old_text = task.data.get("text", "")
        annotations = list(client.annotations.list(id=task.id))
        if annotations and entry.get("offset_map") is None:
            failures.append(f"{doc.id} (task {task.id}): no offset map of the annotated text")
            continue
        old_map = OffsetMap.from_record(entry["offset_map"]) if entry.get("offset_map") else None
        new_results, lost = [], []
        for ann in annotations:
            result = []
            for item in ann.result or []:
                value = item.get("value", {})
                if item.get("from_name") == FLAG_LAYER:
                    continue  # the old text's flags: the new text's are added below
                if "start" in value:
                    start, end = value["start"], value["end"]
                    moved = migrate_span(start, end, old_map, doc.cleaning.offset_map, doc.text, old_text[start:end])
                    if moved is None:
                        lost.append(f"{value.get('text', '')!r} [{value['start']}:{value['end']}]")
                        continue
                    item = {**item, "value": {**value, "start": moved[0], "end": moved[1]}}
                result.append(item)
            new_results.append((ann.id, result + flag_results(doc)))
        if lost:
            failures.append(f"{doc.id} (task {task.id}): spans {', '.join(lost[:3])} do not survive")
        else:
            plans.append((doc, task, new_results))
    if failures:
        raise NewsdeskError(Errors.E206, where=f"{len(failures)} document(s)", detail="; ".join(failures))
    for doc, task, new_results in plans:
        client.tasks.update(str(task.id), data=task_data(doc, settings))
        for ann_id, result in new_results:
            client.annotations.update(ann_id, result=result)
            report.annotations_migrated += 1
        for pred in client.predictions.list(task=task.id):
            if model is not None or pred.model_version == FLAGS_ONLY_VERSION:
                client.predictions.delete(pred.id)
        pred = _task_json([doc], settings, model, schema)[0].get("predictions", [None])[0]
        if pred is not None:
            client.predictions.create(task=task.id, result=pred["result"], model_version=pred["model_version"])
        task_map.tasks[doc.id] = {
            "task_id": task.id,
            "text_sha256": doc.text_sha256,
            "offset_map": doc.cleaning.offset_map.to_record(),
        }
        report.texts_migrated += 1
