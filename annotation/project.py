"""The Label Studio project of a workspace: settings, the doc id <-> task id map, server look-ups.

The map (``annotations/tasks.json``) records, for every pushed document, its task id, the
text hash and the offset map of the text that was pushed, so a later change of the clean
text can be carried over to existing annotations. The server stays the truth: push and pull
check the map against it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from annotation.studio import HTTP_TIMEOUT_SECONDS, TEAM_API_KEY_ENV, StudioError
from corpus.errors import Errors, NewsdeskError
from corpus.workspace import Workspace, atomic_write_text

TASK_MAP = ("annotations", "tasks.json")
log = logging.getLogger(__name__)
T = TypeVar("T")

# Reads page through the project with only the fields a command uses. The SDK's default listing
# (every field: annotations, predictions' results, annotators...) of 500 tasks took over 30 s while
# eight annotators submitted (bench/team.py), and timed out push's first read, before any import.
READ_PAGE_SIZE = 500
READ_FIELDS = "id,data,total_annotations,cancelled_annotations,total_predictions,predictions_model_versions"
# A read changes nothing: one that gets no answer in time (a busy server) or a server error is
# asked again after each of these waits before the command gives up with E207.
READ_RETRY_DELAYS_SECONDS = (2.0, 5.0, 15.0, 30.0)


@dataclass(frozen=True)
class AnnotationSettings:
    """The ``[annotation]`` section of newsdesk.toml."""

    project_title: str = "newsdesk"
    overlap: int = 2  # annotations wanted per task in the agreement sample
    agreement_sample: float = 0.2  # share of documents annotated by `overlap` annotators
    batch_size: int = 100
    predictor: str = "baseline"

    @classmethod
    def of(cls, workspace: Workspace) -> AnnotationSettings:
        section = dict(workspace.config.get("annotation", {}))
        unknown = set(section) - set(cls.__dataclass_fields__)
        if unknown:
            raise NewsdeskError(
                Errors.E003,
                where=str(workspace.path("newsdesk.toml")),
                detail=f"unknown keys in [annotation]: {sorted(unknown)}",
            )
        return cls(**section)

    def in_agreement_sample(self, doc_id: str) -> bool:
        """Chosen from the id, so the sample is stable across pushes and machines."""
        return int(doc_id[:8], 16) / 0xFFFFFFFF < self.agreement_sample

    def wanted_annotations(self, doc_id: str) -> int:
        return self.overlap if self.in_agreement_sample(doc_id) else 1


@dataclass
class TaskMap:
    # Written into the project's description, so the project is found again even when the
    # server's address changed (a restart on another port, a moved server).
    marker: str = field(default_factory=lambda: f"newsdesk-workspace:{uuid.uuid4().hex}")
    project_id: int | None = None
    tasks: dict[str, dict] = field(default_factory=dict)  # doc id -> {task_id, text_sha256, offset_map}

    @classmethod
    def load(cls, workspace: Workspace) -> TaskMap:
        path = workspace.path(*TASK_MAP)
        if not path.exists():
            return cls()
        rec = json.loads(path.read_text(encoding="utf-8"))
        return cls(rec["marker"], rec.get("project_id"), rec.get("tasks", {}))

    def save(self, workspace: Workspace) -> None:
        atomic_write_text(
            workspace.path(*TASK_MAP),
            json.dumps({"marker": self.marker, "project_id": self.project_id, "tasks": self.tasks}, ensure_ascii=False),
        )

    def doc_of_task(self) -> dict[int, str]:
        return {entry["task_id"]: doc_id for doc_id, entry in self.tasks.items()}


@contextmanager
def server_errors(where: str) -> Iterator[None]:
    """Connection and auth failures as catalogue errors that say what to do."""
    try:
        yield
    except StudioError as exc:  # already a catalogue error (E207, E208, S00x); named after the command's target
        exc.where = exc.where or where
        raise
    except httpx.ReadTimeout as exc:  # it is running but busy: starting it again would not help
        raise NewsdeskError(
            Errors.E207,
            where=where,
            detail=f"ReadTimeout: no answer within {HTTP_TIMEOUT_SECONDS:.0f} s (the server is busy)",
            hint="run the command again: it resumes where it stopped",
        ) from exc
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.TimeoutException) as exc:
        raise NewsdeskError(Errors.E207, where=where, detail=type(exc).__name__) from exc
    except ApiError as exc:
        if exc.status_code in (401, 403):
            raise NewsdeskError(
                Errors.E208,
                where=where,
                detail=f"HTTP {exc.status_code}",
                hint=f"set {TEAM_API_KEY_ENV} to a valid token of that server",
            ) from exc
        raise


def find_project(client: LabelStudio, task_map: TaskMap):
    """The project of this workspace on the server (found by its marker), or None."""
    if task_map.project_id is not None:
        try:
            project = client.projects.get(task_map.project_id)
            if task_map.marker in (project.description or ""):
                return project
        except ApiError as exc:
            if exc.status_code != 404:
                raise
    for project in client.projects.list(page_size=100):
        if task_map.marker in (project.description or ""):
            return client.projects.get(project.id)
    return None


def server_tasks(client: LabelStudio, project_id: int, id_range: tuple[int, int] | None = None) -> list:
    """Tasks of the project (all, or those with ids in a range), with counts of annotations and predictions."""
    query = None
    if id_range is not None:
        query = json.dumps(
            {
                "filters": {
                    "conjunction": "and",
                    "items": [
                        {
                            "filter": "filter:tasks:id",
                            "operator": "in",
                            "type": "Number",
                            "value": {"min": id_range[0], "max": id_range[1]},
                        }
                    ],
                }
            }
        )
    return list(client.tasks.list(project=project_id, query=query, fields="all", page_size=1000))


def worth_retrying(error: Exception) -> bool:
    """No answer in time, a connection dropped mid-request, or the server's own failure (e.g. SQLite's
    "database is locked"); not a server that is not running (the command stops at once and says so)."""
    if isinstance(error, ApiError):
        return error.status_code is not None and (error.status_code >= 500 or error.status_code in (408, 429))
    return not isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))


def read_tasks(
    client,
    project_id: int,
    id_range: tuple[int, int] | None = None,
    include: str = READ_FIELDS,
    fields: str = "task_only",
) -> dict[int, object]:
    """Task id -> task, with only the ``include`` fields (``fields="all"`` to include annotations);
    a read that gets no answer is asked again (``read_again``).

    Ordering by ``predictions_model_versions`` makes the server compute that column from the
    prediction rows themselves (without it the column comes back empty). That order is not
    unique, so pages of it may overlap and skip tasks: instead of pages, the ids are read in
    windows of ``READ_PAGE_SIZE`` consecutive ids, each of which fits in one answer.
    """
    low, high = id_range if id_range is not None else (1, 2**31 - 1)
    if high - low >= READ_PAGE_SIZE:  # the project's own first and last ids bound the windows
        bounds = [_first_task_id(client, project_id, ordering) for ordering in ("tasks:id", "-tasks:id")]
        if None in bounds:
            return {}
        low, high = max(low, bounds[0]), min(high, bounds[1])
    found = {}
    for start in range(low, high + 1, READ_PAGE_SIZE):
        window = {"min": start, "max": min(start + READ_PAGE_SIZE - 1, high)}
        query = json.dumps(
            {
                "filters": {
                    "conjunction": "and",
                    "items": [{"filter": "filter:tasks:id", "operator": "in", "type": "Number", "value": window}],
                },
                "ordering": ["tasks:predictions_model_versions"],
            }
        )
        pager = read_again(
            lambda query=query: client.tasks.list(
                project=project_id, query=query, fields=fields, page=1, page_size=READ_PAGE_SIZE, include=include
            )
        )
        found.update((t.id, t) for t in pager.items or [])
    return found


def _first_task_id(client, project_id: int, ordering: str) -> int | None:
    query = json.dumps({"filters": {"conjunction": "and", "items": []}, "ordering": [ordering]})
    pager = read_again(
        lambda: client.tasks.list(
            project=project_id, query=query, fields="task_only", page=1, page_size=1, include="id"
        )
    )
    items = pager.items or []
    return items[0].id if items else None


def read_again(read: Callable[[], T]) -> T:
    """``read()``, asked again after each of READ_RETRY_DELAYS_SECONDS while the server gives no
    answer in time or fails (not when it is not running: that fails at once)."""
    for delay in (*READ_RETRY_DELAYS_SECONDS, None):
        try:
            return read()
        except (httpx.TimeoutException, httpx.TransportError, ApiError) as error:
            if delay is None or not worth_retrying(error):
                raise
            log.debug("read: %s, again in %.0f s", type(error).__name__, delay)
            time.sleep(delay)
