"""An ingest killed with SIGKILL is completed by running the same command again.

A few hundred generated articles (with near-duplicates, an exact copy, a re-scraped URL and
a file that cleans to nothing) are ingested by a child process that kills itself with
SIGKILL just before its Nth write to the store (tests/kill_ingest.py), for N spread over the
whole run: while batches are written, while the runs are folded into the shards, while the
near-duplicate marks are written. Then `newsdesk ingest` runs again with the same arguments,
and the workspace must equal an uninterrupted run's, record for record: texts, near-duplicate
marks and clusters (only the wall-clock ``ingested_at`` differs, and it is masked). The
children are forked from the test process (a fresh interpreter costs two seconds of CPU to
start); one test kills a fresh interpreter too.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from bench_modules import bench_module
from kill_ingest import ingest_killed_at
from typer.testing import CliRunner

from corpus.ingest import ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app

KILLER = Path(__file__).with_name("kill_ingest.py")
ARTICLES = 240
runner = CliRunner()


def _generate(n: int, seed: int):
    return bench_module("articles").generate(n, seed=seed, near_duplicates=0.08)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("inputs")
    generated = _generate(ARTICLES, seed=3)
    txt = root / "txt"
    txt.mkdir()
    half = ARTICLES // 2
    for art in generated[:half]:
        (txt / f"{art.id}.txt").write_text(art.text, encoding="utf-8")
    (txt / "zz_copy.txt").write_text(generated[0].text, encoding="utf-8")  # an exact duplicate
    (txt / "zz_residue.txt").write_text("Share this article\nRead more\n", encoding="utf-8")  # E109
    lines = [json.dumps({"text": a.text, "url": f"https://news.example/{a.id}"}) for a in generated[half:]]
    lines.append(
        json.dumps(
            {"text": generated[-1].text + "\n\nAn update at noon.", "url": f"https://news.example/{generated[-1].id}"}
        )
    )  # a newer scrape
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [txt, root / "wire.jsonl"]


def new_workspace(path: Path) -> Workspace:
    """Small shards and batches: many writes to kill between, in a run of a second."""
    ws = Workspace.init(path)
    config = ws.path("newsdesk.toml")
    config.write_text(
        config.read_text().replace("shards = 64", "shards = 4").replace("batch_size = 5_000", "batch_size = 40")
    )
    return Workspace.open(path)


def stored(ws: Workspace) -> dict[str, list[str]]:
    """Every file under store/, each record line with the wall-clock ingest time masked."""
    out = {}
    for path in sorted(ws.path("store").rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            out[str(path.relative_to(ws.root))] = re.sub(
                r'"ingested_at": [0-9.e+-]+', '"ingested_at": T', text
            ).splitlines()
    return out


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, inputs):
    """The writes an uninterrupted run makes, and the workspace it leaves."""
    ws = new_workspace(tmp_path_factory.mktemp("whole") / "ws")
    return ingest_killed_at(ws.root, 0, inputs), ws


def killed_child(ws: Workspace, at: int, inputs: list[Path]) -> int:
    """Ingest in a forked child killed before its ``at``-th write to the store; the signal that ended it."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            ingest_killed_at(ws.root, at, inputs)
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0


def test_the_uninterrupted_run_stores_everything_once(uninterrupted):
    writes, ws = uninterrupted
    docs = list(CorpusStore(ws).iter_documents())
    distinct = len({a.text for a in _generate(ARTICLES, seed=3)})  # the generator repeats one text exactly
    assert len(docs) == distinct > ARTICLES - 3 and all(d.text.strip() for d in docs)
    assert sum(1 for d in docs if d.duplicate_of) >= 10  # the planted near-duplicates, marked
    assert len(writes) > 100
    # Only the shards, the scrape of the URL that a newer one replaced and the lines repeated across
    # a source: no run, no temporary file.
    assert set(stored(ws)) == {
        f"store/{kind}/shard-{n:05d}.jsonl" for kind in ("articles", "documents") for n in range(4)
    } | {"store/replaced.jsonl", "store/repeated_lines.json"}


def kill_points(writes: list[str]) -> dict[str, int]:
    """Where to kill (1-based: just before that write), by what the run was doing."""
    first_document = next(i for i, w in enumerate(writes) if w.startswith("replace store/documents/"))
    first_fold = next(i for i, w in enumerate(writes) if re.fullmatch(r"replace store/\w+/shard-\d+\.jsonl", w))
    last_fold = max(i for i, w in enumerate(writes) if w.startswith("unlink store/") and ".run-" in w)
    return {
        "before anything": 1,
        "articles of the first batch written, not its documents": first_document + 1,
        "in the middle of the batches": first_fold // 2 + 1,
        "while folding runs into shards": (first_fold + last_fold) // 2 + 1,
        "after folding, before the near-duplicate marks": last_fold + 2,
        "while writing the near-duplicate marks": last_fold + 3,
        "the very last write": len(writes),
    }


def test_kill_points_cover_the_whole_run(uninterrupted):
    points = kill_points(uninterrupted[0])
    assert sorted(points.values()) == sorted(set(points.values()))  # each a different moment
    assert max(points.values()) == len(uninterrupted[0])


@pytest.mark.parametrize(
    "moment",
    [
        "before anything",
        "articles of the first batch written, not its documents",
        "in the middle of the batches",
        "while folding runs into shards",
        "after folding, before the near-duplicate marks",
        "while writing the near-duplicate marks",
        "the very last write",
    ],
)
def test_a_killed_ingest_is_completed_by_running_it_again(tmp_path, inputs, uninterrupted, moment):
    writes, expected = uninterrupted
    at = kill_points(writes)[moment]
    ws = new_workspace(tmp_path / "ws")
    assert killed_child(ws, at, inputs) == signal.SIGKILL

    again = runner.invoke(app, ["ingest", *map(str, inputs), "-w", str(ws.root), "--json"])
    assert again.exit_code == 1  # the residue file fails, as in every run
    report = json.loads(again.stdout)
    assert [line[:6] for line in report["failed"]] == ["[E109]"]
    if at > 1:  # the killed run had begun writing: the re-run says what it completed
        assert report["interrupted"] == "ingest"
        assert report["read"] == report["added"] + report["updated"] + sum(report["skipped"].values()) + 1
    assert stored(ws) == stored(expected)
    # A third run finds nothing to do.
    third = json.loads(runner.invoke(app, ["ingest", *map(str, inputs), "-w", str(ws.root), "--json"]).stdout)
    assert (third["added"], third["updated"], third["interrupted"], third["completed"]) == (0, 0, None, 0)
    assert stored(ws) == stored(expected)


def test_a_killed_interpreter_and_the_summary_of_the_rerun(tmp_path, inputs, uninterrupted):
    """A fresh interpreter killed after a batch of articles, before their documents: the re-run says so."""
    writes, expected = uninterrupted
    ws = new_workspace(tmp_path / "ws")
    at = kill_points(writes)["articles of the first batch written, not its documents"]
    killed = subprocess.run(
        [sys.executable, str(KILLER), str(ws.root), str(at), *map(str, inputs)], capture_output=True, text=True
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    store = CorpusStore(ws)
    articles = {r["id"] for r in store.articles}
    assert len(articles) == 40 and not list(store.documents)  # a batch of articles and no document
    again = runner.invoke(app, ["ingest", *map(str, inputs), "-w", str(ws.root)])
    assert "completed 40 documents of an interrupted ingest" in again.stdout
    # The 40 are exact duplicates now, as are the copy and the text the generator repeats.
    assert "(42 exact duplicate)" in again.stdout
    assert stored(ws) == stored(expected)


def test_clean_also_completes_a_killed_ingest(tmp_path, inputs, uninterrupted):
    """`newsdesk clean` run after the kill brings back every document and its marks too."""
    writes, expected = uninterrupted
    ws = new_workspace(tmp_path / "ws")
    at = kill_points(writes)["after folding, before the near-duplicate marks"]
    assert killed_child(ws, at, inputs) == signal.SIGKILL
    result = runner.invoke(app, ["clean", "-w", str(ws.root)])
    assert result.exit_code == 0 and "completed an interrupted ingest" in result.stdout
    assert stored(ws) == stored(expected)


def test_an_uninterrupted_rerun_does_not_recompute(tmp_path, inputs, uninterrupted):
    _, expected = uninterrupted
    ws = new_workspace(tmp_path / "ws")
    first = ingest(ws, inputs)
    assert first.interrupted is None and first.near_duplicates > 0
    second = ingest(ws, inputs)
    assert (second.added, second.near_duplicates, second.interrupted) == (0, 0, None)
    assert stored(ws) == stored(expected)
