"""Scale-out: the corpus steps and pre-annotation on a Dask cluster give what the local path gives.

One two-worker ``LocalCluster`` (127.0.0.1 only) serves the whole module and is closed by the
fixture. The corpus is the sample corpus plus ~2000 generated articles with planted
near-duplicates, exact duplicates, a re-scraped URL and bad files. Stored records are compared
line for line with only the wall-clock ``ingested_at`` masked.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest
from bench_modules import bench_module
from corpus_helpers import SAMPLES
from typer.testing import CliRunner

from corpus import ingest as local
from corpus import lsh, partitioned
from corpus.dedup import near_duplicate_clusters
from corpus.engines import DaskEngine, EngineOptions, LocalEngine
from corpus.errors import NewsdeskError
from corpus.ingest import near_duplicate_config
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app

GENERATED = 2000
runner = CliRunner()


def newsdesk(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (args, result.output, result.stderr)
    return result


def _articles_module():
    return bench_module("articles")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> list[Path]:
    """Sample corpus + generated articles as .txt files and a .jsonl, with the awkward cases."""
    root = tmp_path_factory.mktemp("inputs")
    generated = _articles_module().generate(GENERATED, seed=7, near_duplicates=0.03)
    txt = root / "txt"
    txt.mkdir()
    for art in generated[: GENERATED // 2]:
        (txt / f"{art.id}.txt").write_text(art.text, encoding="utf-8")
    packed = generated[1]  # compressed, as scraped pages often are
    (txt / f"{packed.id}.txt").unlink()
    (txt / f"{packed.id}.txt.gz").write_bytes(gzip.compress(packed.text.encode("utf-8")))
    (txt / "zz_cut.txt.gz").write_bytes(gzip.compress(generated[2].text.encode("utf-8"))[:40])  # E114
    (txt / "zz_copy_of_first.txt").write_text(generated[0].text, encoding="utf-8")  # exact duplicate
    (txt / "zz_empty.txt").write_text("", encoding="utf-8")  # E101
    (txt / "zz_image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))  # E102
    lines = [json.dumps({"text": a.text, "url": f"https://example.org/{a.id}"}) for a in generated[GENERATED // 2 :]]
    lines.insert(5, "{not json")  # E106, between good lines
    lines.append(
        json.dumps(
            {
                "text": generated[-1].text + "\nUpdated with a new paragraph.",
                "url": f"https://example.org/{generated[-1].id}",
            }
        )
    )  # a newer scrape of a URL
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [SAMPLES, txt, root / "wire.jsonl"]


@pytest.fixture(scope="module")
def cluster():
    engine = DaskEngine(workers=2)
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, inputs):
    """The local path's workspace and report: what every engine must reproduce."""
    ws = Workspace.init(tmp_path_factory.mktemp("local") / "ws")
    return ws, local.ingest(ws, inputs)


@pytest.fixture(scope="module")
def local_ws(local_run) -> Workspace:
    return local_run[0]


def stored(ws: Workspace) -> dict[str, list[str]]:
    """Every stored line, per shard file, with the wall-clock ingest time masked."""
    out = {}
    for folder in ("articles", "documents"):
        for path in sorted(ws.path("store", folder).glob("shard-*.jsonl")):
            text = path.read_text(encoding="utf-8")
            out[f"{folder}/{path.name}"] = re.sub(r'"ingested_at": [0-9.e+-]+', '"ingested_at": T', text).splitlines()
    return out


def report_of(report) -> dict:
    rec = report.to_record()
    rec.pop("seconds")
    return rec


def copy_ws(ws: Workspace, to: Path) -> Workspace:
    shutil.copytree(ws.root, to)
    return Workspace.open(to)


def test_ingest_on_dask_stores_exactly_what_the_local_path_stores(tmp_path, inputs, local_run, cluster):
    local_ws, local_report = local_run
    address = cluster.client.scheduler.address
    newsdesk("init", str(tmp_path / "ws"))
    result = newsdesk(
        "ingest",
        *map(str, inputs),
        "-w",
        str(tmp_path / "ws"),
        "--engine",
        "dask",
        "--scheduler",
        address,
        "--json",
        ok=False,
    )
    assert result.exit_code == 1  # the bad files fail, the rest is stored
    assert f"Dask: 2 workers at {address}" in result.stderr
    on_dask = json.loads(result.stdout)
    expected = report_of(local_report)
    assert {k: v for k, v in on_dask.items() if k != "seconds"} == expected
    assert expected["skipped"] == {"exact duplicate": 1} and expected["updated"] == 1
    assert [line.split("]")[0] for line in expected["failed"]] == ["[E114", "[E101", "[E102", "[E106"]
    assert expected["near_duplicates"] >= 30  # the planted ones, clustered
    assert stored(Workspace.open(tmp_path / "ws")) == stored(local_ws)


def with_new_pipeline(ws: Workspace, to: Path) -> Workspace:
    """A copy of the workspace whose cleaning config changed: every document is stale."""
    ws = copy_ws(ws, to)
    config = ws.path("newsdesk.toml")
    config.write_text(config.read_text().replace("head_lines = 3", "head_lines = 2"))
    return Workspace.open(to)


@pytest.fixture(scope="module")
def local_reclean(tmp_path_factory, local_ws):
    """The local path's `clean` after the config changed: its workspace and report."""
    ws = with_new_pipeline(local_ws, tmp_path_factory.mktemp("reclean") / "ws")
    return ws, local.clean(ws)


def test_clean_on_dask_and_in_one_process_recleans_to_the_same_records(tmp_path, local_ws, local_reclean, cluster):
    expected_ws, expected = local_reclean
    dask_ws, one_ws = (with_new_pipeline(local_ws, tmp_path / name) for name in ("dask", "one"))
    on_dask = partitioned.clean(Workspace.open(dask_ws.root), cluster)
    in_process = partitioned.clean(Workspace.open(one_ws.root), LocalEngine())
    assert expected.recleaned == expected.documents > GENERATED
    assert report_of(on_dask) == report_of(in_process) == report_of(expected)
    assert stored(dask_ws) == stored(one_ws) == stored(expected_ws)


@pytest.mark.parametrize("threshold", [0.8, 0.5])
def test_near_duplicate_clusters_are_the_local_minhash_clusters(local_ws, cluster, threshold):
    store = CorpusStore(local_ws)
    config = near_duplicate_config(local_ws)
    config = type(config)(threshold, config.num_perm, config.shingle_words)
    texts = [SimpleNamespace(id=r["id"], text=r["text"]) for r in store.documents]  # all the local path reads
    order = {a["id"]: (a["metadata"].get("ingested_at", 0.0),) for a in store.articles}
    expected = near_duplicate_clusters(texts, config, order)
    on_dask, _ = lsh.near_duplicate_clusters(store, config, cluster)
    in_process, _ = lsh.near_duplicate_clusters(store, config, LocalEngine())
    assert len(expected) >= 20
    assert on_dask == in_process == expected


def test_a_killed_worker_loses_nothing(tmp_path, local_ws, cluster):
    """SIGKILL one worker process mid-run: Dask runs its partitions again elsewhere; the store is complete."""
    dask_ws = copy_ws(local_ws, tmp_path / "dask")
    pids = list(cluster.client.run(os.getpid).values())
    killed = []

    def kill_one(done: int, total: int) -> None:
        if not killed:
            os.kill(pids[0], signal.SIGKILL)  # a worker of the cluster this test module started
            killed.append(pids[0])

    on_dask = partitioned.clean(Workspace.open(dask_ws.root), cluster, force=True, progress=kill_one)
    assert killed
    cluster.client.wait_for_workers(2, timeout=120)  # the nanny restarts it
    assert pids[0] not in cluster.client.run(os.getpid).values()
    assert on_dask.recleaned == on_dask.documents > GENERATED and on_dask.text_changed == 0
    # Re-cleaning with the same pipeline gives back every stored record (marks carried over).
    assert stored(dask_ws) == stored(local_ws)


def test_a_stopped_clean_reruns_only_the_shards_it_had_not_written(tmp_path, local_ws, local_reclean, cluster):
    expected_ws, expected = local_reclean
    dask_ws = with_new_pipeline(local_ws, tmp_path / "dask")
    written = []

    def stop_after_five(done: int, total: int) -> None:
        written.append(done)
        if done == 5:
            raise KeyboardInterrupt  # as Ctrl-C would, in the driver

    with pytest.raises(KeyboardInterrupt):
        partitioned.clean(Workspace.open(dask_ws.root), cluster, progress=stop_after_five)
    resumed = partitioned.clean(Workspace.open(dask_ws.root), cluster)  # the lock was released
    assert 0 < resumed.recleaned < expected.recleaned  # five shards were done and are not done again
    assert resumed.recleaned + resumed.unchanged == expected.recleaned
    assert stored(dask_ws) == stored(expected_ws)


def test_a_stopped_ingest_is_finished_by_running_it_again(tmp_path, inputs, local_ws, cluster):
    ws = Workspace.init(tmp_path / "ws")
    config = ws.path("newsdesk.toml")
    config.write_text(config.read_text().replace("batch_size = 5_000", "batch_size = 300"))
    calls = []

    def stop(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        partitioned.ingest(Workspace.open(ws.root), inputs, cluster, progress=stop)
    first = sum(1 for _ in CorpusStore(ws).articles)
    assert 0 < first < GENERATED
    second = partitioned.ingest(Workspace.open(ws.root), inputs, cluster)
    assert second.skipped["exact duplicate"] == first + 1
    assert stored(ws) == stored(local_ws)


class Died(BaseException):
    """What the driver meets at every write to the store once it has "died" (no write gets through)."""


def dying_at(monkeypatch, ws: Workspace, first_lost) -> list[str]:
    """From the write for which ``first_lost(kind, path)`` holds on, every write to the store raises
    :class:`Died`: the store is left as a driver killed at that moment leaves it."""
    store = os.path.realpath(ws.path("store")) + os.sep
    lost: list[str] = []
    real_replace, real_unlink = os.replace, os.unlink

    def check(kind: str, target) -> None:
        target = os.fspath(target)
        if os.path.realpath(target).startswith(store):
            if lost or first_lost(kind, os.path.relpath(target, ws.root)):
                lost.append(target)
                raise Died(target)

    monkeypatch.setattr(
        os, "replace", lambda src, dst, *a, **k: (check("replace", dst), real_replace(src, dst, *a, **k))
    )
    monkeypatch.setattr(os, "unlink", lambda path, *a, **k: (check("unlink", path), real_unlink(path, *a, **k)))
    return lost


def before_documents(kind: str, path: str) -> bool:
    """The first write of documents: the articles of the batch are stored, none of its documents."""
    return kind == "replace" and path.startswith("store/documents/")


def before_marks():
    """The first write of near-duplicate marks: every shard is folded, no mark is written."""
    folded_articles = []

    def first_lost(kind: str, path: str) -> bool:
        if kind == "replace" and re.fullmatch(r"store/articles/shard-\d+\.jsonl", path):
            folded_articles.append(path)  # the articles' runs are folded last
        return bool(folded_articles) and kind == "replace" and path.startswith("store/documents/shard-")

    return first_lost


@pytest.mark.parametrize("moment", ["before documents", "before marks"])
def test_a_driver_killed_mid_ingest_is_completed_by_running_it_again(
    tmp_path, monkeypatch, inputs, local_ws, cluster, moment
):
    ws = Workspace.init(tmp_path / "ws")
    with monkeypatch.context() as patched:
        lost = dying_at(patched, ws, before_documents if moment == "before documents" else before_marks())
        with pytest.raises(Died):
            partitioned.ingest(Workspace.open(ws.root), inputs, cluster)
    assert lost and ws.path("store", "writing.json").exists()
    again = partitioned.ingest(Workspace.open(ws.root), inputs, cluster)
    assert again.interrupted == "ingest" and again.near_duplicates >= 30
    if moment == "before documents":
        assert again.completed > GENERATED  # every document of the one batch
    assert stored(ws) == stored(local_ws)
    assert not ws.path("store", "writing.json").exists()
    assert not [p for p in ws.path("store").rglob("*") if ".run-" in p.name or p.name.endswith(".tmp")]


def test_predictions_on_dask_are_the_local_ones_and_a_second_run_makes_none(tmp_path, cluster):
    address = cluster.client.scheduler.address
    local_path, dask_path = tmp_path / "local", tmp_path / "dask"
    generated = _articles_module().generate(60, seed=11)
    (tmp_path / "in").mkdir()
    for art in generated:
        (tmp_path / "in" / f"{art.id}.txt").write_text(art.text, encoding="utf-8")
    for path in (local_path, dask_path):
        newsdesk("init", str(path))
        newsdesk("ingest", str(SAMPLES), str(tmp_path / "in"), "-w", str(path))
    first = json.loads(
        newsdesk(
            "annotate", "predict", "-w", str(dask_path), "--engine", "dask", "--scheduler", address, "--json"
        ).stdout
    )
    expected = json.loads(newsdesk("annotate", "predict", "-w", str(local_path), "--json").stdout)
    assert first["predicted"] == expected["predicted"] == first["documents"] > 60
    assert first["spans"] == expected["spans"] > 0

    def files(root: Path) -> dict[str, str]:
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("annotations/predictions/*.jsonl"))}

    assert files(dask_path) == files(local_path) != {}
    again = json.loads(
        newsdesk(
            "annotate", "predict", "-w", str(dask_path), "--engine", "dask", "--scheduler", address, "--json"
        ).stdout
    )
    assert (again["predicted"], again["unchanged"], again["shards_written"]) == (0, first["documents"], 0)
    from annotation.predictions import stored_predictions

    records = list(stored_predictions(Workspace.open(dask_path)))
    assert len(records) == first["documents"] and {r.origin for r in records} == {"prediction"}


def test_near_duplicates_command_on_dask_and_locally(tmp_path, local_ws, cluster):
    ws = copy_ws(local_ws, tmp_path / "ws")
    expected = len([r for r in CorpusStore(ws).documents if r["duplicate_of"]])
    result = newsdesk(
        "near-duplicates",
        "-w",
        str(ws.root),
        "--engine",
        "dask",
        "--scheduler",
        cluster.client.scheduler.address,
        "--json",
    )
    assert json.loads(result.stdout) == {"near_duplicates": expected}
    before = stored(ws)
    assert json.loads(newsdesk("near-duplicates", "-w", str(ws.root), "--json").stdout) == {"near_duplicates": expected}
    assert stored(ws) == before


@pytest.mark.parametrize(
    "args, where",
    [
        (["--engine", "spark"], "--engine spark"),
        (["--workers", "2"], "--scheduler/--workers"),
        (["--engine", "dask", "--workers", "0"], "--workers 0"),
        (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"], "--workers"),
    ],
)
def test_engine_options_that_make_no_sense_are_refused_with_e501(tmp_path, args, where):
    newsdesk("init", str(tmp_path / "ws"))
    result = newsdesk("clean", "-w", str(tmp_path / "ws"), *args, ok=False)
    assert result.exit_code == 1
    assert f"[E501] {where}: invalid engine options" in result.stderr


def test_engine_options_are_checked_in_the_library_too():
    with pytest.raises(NewsdeskError, match="E501"):
        EngineOptions("dask", workers=-1)


def test_a_scheduler_that_cannot_be_reached_is_e502():
    with pytest.raises(NewsdeskError, match=r"\[E502\] tcp://127.0.0.1:1: cannot start or reach the Dask cluster"):
        DaskEngine("tcp://127.0.0.1:1", connect_timeout="1s")
