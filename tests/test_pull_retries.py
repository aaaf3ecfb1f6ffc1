"""Pull and status under a server too busy to answer in time: their reads are asked again; what
pull downloads, and what a download that never comes leaves behind.

On the session's real Label Studio server. A busy server is made by giving up on the first answer
of each kind of read: the server has done the work and answered, and the client raises the
ReadTimeout it raises when an answer comes later than its timeout, as bench/annotate.py's pull saw
at load ~20 with 30 s. (A real 1 ms read timeout did the same until a loaded machine descheduled
the client between sending and reading: it then found the answer waiting, never timed out, and the
request was not asked again.)
"""

from __future__ import annotations

import json
import re
import socket
import time

import httpx
import pytest
from label_studio_sdk import LabelStudio

import annotation.project as project_module
from annotation.project import TaskMap
from annotation.pull import EXPORT_TITLE, download_snapshot, pull, status
from annotation.push import push
from annotation.store import AnnotationStore
from annotation.studio import StudioPaths, _server_url_and_key
from corpus.errors import NewsdeskError
from corpus.ingest import ingest
from corpus.workspace import Workspace

pytestmark = pytest.mark.studio


class FirstAnswerTooLate:
    """An httpx response hook: the first answer to each kind of read (method + path, ids as N)
    comes too late for the client, which gives up on it with a ReadTimeout; the server has
    done the work (an export made, say), whatever the machine's load."""

    def __init__(self) -> None:
        self.shortened: list[str] = []
        self.sent: list[str] = []

    def __call__(self, response: httpx.Response) -> None:
        request = response.request
        kind = request.method + " " + re.sub(r"/\d+", "/N", request.url.path)
        self.sent.append(kind)
        if kind not in self.shortened and re.search(r"/(exports|users|tasks)/", kind):  # pull's and status' reads
            self.shortened.append(kind)
            raise httpx.ReadTimeout("no answer in time (the answer came too late)", request=request)


@pytest.fixture()
def pushed(studio, tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    feed = tmp_path / "busy.jsonl"
    stories = [{"url": f"https://busy.example/{i}", "text": f"Busy story {i}\n\nPort {i} closed."} for i in range(4)]
    feed.write_text("".join(json.dumps(s) + "\n" for s in stories))
    assert ingest(ws, [feed]).added == 4
    admin = studio.admin_client()
    push(ws, client=admin)  # a workspace of its own, on the session's server
    task_ids = [entry["task_id"] for entry in TaskMap.load(ws).tasks.values()]
    for task_id in task_ids[:3]:
        admin.annotations.create(id=task_id, result=[], lead_time=5.0)
    return ws, admin, studio.workspace


def _slow_first_client(studio_workspace, hook: FirstAnswerTooLate) -> LabelStudio:
    url, api_key, _ = _server_url_and_key(StudioPaths.for_workspace(studio_workspace))
    return LabelStudio(
        base_url=url,
        api_key=api_key,
        timeout=30.0,
        httpx_client=httpx.Client(event_hooks={"response": [hook]}),
    )


def test_pull_asks_a_busy_server_again_and_stores_everything_once(pushed, monkeypatch):
    ws, admin, studio_ws = pushed
    monkeypatch.setattr(project_module, "READ_RETRY_DELAYS_SECONDS", (0.2, 0.2, 0.2, 0.2))
    hook = FirstAnswerTooLate()

    report = pull(ws, client=_slow_first_client(studio_ws, hook))

    assert set(report.steps) >= {"export", "parse", "convert", "store"}
    (segment,) = AnnotationStore(ws).segments()
    assert report.new_or_changed == len(segment.read_bytes().splitlines()) == 7  # 3 annotations, 4 predictions
    retried = {"POST /api/projects/N/exports/", "GET /api/projects/N/exports/N", "GET /api/users/"}
    assert retried <= set(hook.shortened), hook.shortened
    assert any("download" in kind for kind in hook.shortened), hook.shortened
    for kind in hook.shortened:  # each timed out once, then was answered
        assert hook.sent.count(kind) >= 2, (kind, hook.sent)
    assert (report.tasks, report.annotations, report.predictions) == (4, 3, 4)
    stored = [r for r in AnnotationStore(ws).records() if r.origin == "labelstudio"]
    assert len(stored) == 3 and len({r.task_id for r in stored}) == 3
    assert pull(ws, client=admin).new_or_changed == 0  # everything was stored, once
    project_id = TaskMap.load(ws).project_id
    leftover = [e for e in admin.projects.exports.list(project_id) if (e.title or "").startswith(EXPORT_TITLE)]
    assert leftover == []  # the export made by the timed-out create is cleaned up too


def test_status_asks_a_busy_server_again(pushed, monkeypatch):
    ws, admin, studio_ws = pushed
    monkeypatch.setattr(project_module, "READ_RETRY_DELAYS_SECONDS", (0.2, 0.2))
    hook = FirstAnswerTooLate()

    report = status(ws, client=_slow_first_client(studio_ws, hook))

    assert any(kind == "GET /api/tasks/" and hook.sent.count(kind) >= 2 for kind in hook.shortened), hook.sent
    assert report.tasks == 4 and report.by_count == {"0": 1, "1": 3, "2+": 0}
    assert report.per_annotator == {"admin@newsdesk.local": {"completed": 3}}


def test_a_server_that_is_not_running_fails_at_once(pushed):
    ws, _, _ = pushed
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    nobody = LabelStudio(base_url=f"http://127.0.0.1:{port}", api_key="unused", timeout=30.0)
    began = time.monotonic()
    with pytest.raises(NewsdeskError) as caught:
        pull(ws, client=nobody)
    # The SDK's own two connection retries take ~3 s; newsdesk's read retries would add 2 + 5 + 15 + 30 s.
    assert caught.value.code == "E207" and time.monotonic() - began < 10.0


def test_pull_downloads_the_snapshot_as_the_server_wrote_it(pushed):
    """Pull asks for no ``exportType``: the server then sends the file it made, where ``JSON``
    copies it through its converter first. Both must be the very same bytes."""
    ws, admin, _ = pushed
    project_id = TaskMap.load(ws).project_id
    data = download_snapshot(admin, project_id)
    (export,) = [e for e in admin.projects.exports.list(project_id) if (e.title or "").startswith(EXPORT_TITLE)]
    converted = b"".join(admin.projects.exports.download(project_id, export.id, export_type="JSON"))
    assert bytes(data) == converted
    tasks = json.loads(data)
    assert len(tasks) == 4 and sum(len(t["annotations"]) for t in tasks) == 3
    assert all(isinstance(p["result"], list) for t in tasks for p in t["predictions"])  # in full, not ids
    admin.projects.exports.delete(project_id, export.id)


class DownloadNeverAnswered(FirstAnswerTooLate):
    """Every answer to a snapshot download comes too late."""

    def __call__(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("/download"):
            raise httpx.ReadTimeout("no answer in time", request=response.request)


def test_a_download_that_never_comes_stores_nothing_and_a_later_pull_completes(pushed, monkeypatch):
    ws, admin, studio_ws = pushed
    monkeypatch.setattr(project_module, "READ_RETRY_DELAYS_SECONDS", (0.1, 0.1))
    hook = DownloadNeverAnswered()

    with pytest.raises(NewsdeskError) as caught:  # raised in pull's export thread, reported as pull's own
        pull(ws, client=_slow_first_client(studio_ws, hook))

    assert caught.value.code == "E207" and "ReadTimeout" in str(caught.value)
    assert AnnotationStore(ws).segments() == []
    report = pull(ws, client=admin)  # the workspace lock was let go; nothing half-written is in the way
    assert (report.tasks, report.annotations, report.new_or_changed) == (4, 3, 7)
    project_id = TaskMap.load(ws).project_id
    assert [e for e in admin.projects.exports.list(project_id) if (e.title or "").startswith(EXPORT_TITLE)] == []
