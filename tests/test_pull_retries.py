"""Pull and status under a server too busy to answer in time: their reads are asked again.

On the session's real Label Studio server. A busy server is made by shortening the read timeout
of the first request of each kind to 1 ms (the server answers, but too late for the client), as
bench/annotate.py's pull saw at load ~20 with 30 s.
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
from annotation.pull import EXPORT_TITLE, pull, status
from annotation.push import push
from annotation.store import AnnotationStore
from annotation.studio import StudioPaths, _server_url_and_key
from corpus.errors import NewsdeskError
from corpus.ingest import ingest
from corpus.workspace import Workspace

pytestmark = pytest.mark.studio


class FirstTryTooSlow:
    """An httpx request hook: the first read of each kind (method + path, ids as N) gets 1 ms
    to be answered, so it times out on the client while the server still does the work."""

    def __init__(self) -> None:
        self.shortened: list[str] = []
        self.sent: list[str] = []

    def __call__(self, request: httpx.Request) -> None:
        kind = request.method + " " + re.sub(r"/\d+", "/N", request.url.path)
        self.sent.append(kind)
        if kind not in self.shortened and re.search(r"/(exports|users|tasks)/", kind):  # pull's and status' reads
            self.shortened.append(kind)
            request.extensions["timeout"] = httpx.Timeout(10.0, read=0.001).as_dict()


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


def _slow_first_client(studio_workspace, hook: FirstTryTooSlow) -> LabelStudio:
    url, api_key, _ = _server_url_and_key(StudioPaths.for_workspace(studio_workspace))
    return LabelStudio(
        base_url=url,
        api_key=api_key,
        timeout=30.0,
        httpx_client=httpx.Client(event_hooks={"request": [hook]}),
    )


def test_pull_asks_a_busy_server_again_and_stores_everything_once(pushed, monkeypatch):
    ws, admin, studio_ws = pushed
    monkeypatch.setattr(project_module, "READ_RETRY_DELAYS_SECONDS", (0.2, 0.2, 0.2, 0.2))
    hook = FirstTryTooSlow()

    report = pull(ws, client=_slow_first_client(studio_ws, hook))

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
    hook = FirstTryTooSlow()

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
