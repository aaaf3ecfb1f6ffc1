"""Benchmark: push and pull against a real local Label Studio server, and export conversion vs the SDK's.

One run starts a Label Studio server in a temporary workspace (stopped by its PID at the end,
even on error), generates ``--n`` articles (see :mod:`articles`) and ingests them (setup, timed
apart), computes the baseline predictions once (also setup: the predictor is measured in
tests/test_predict.py, not here), then measures, in tasks per second:

- push: ``annotation.push.push`` into a new project, with the predictions as pre-annotations,
  against the bare API: after each batch push has imported and verified, the same task JSON
  goes through ``projects.import_tasks`` into a second project (no verification, no task
  map), so both sides meet the same server and load, batch for batch;
- pull: ``annotation.pull.pull`` of a third project whose tasks were imported with predictions
  and annotations embedded (one annotator, a second one on the agreement sample, a few
  cancelled), against the bare snapshot export (create, wait, download, delete) with the same
  serialization options, in alternating rounds; wall seconds, and CPU seconds of this process
  and of the server's (most of either side's time is the server serialising the tasks);
- conversion: the downloaded export file into newsdesk records (``records_from_task``) against
  ``label_studio_sdk.converter.Converter`` writing CoNLL-2003 from the same file.

    .venv/bin/python bench/annotate.py                          # 10k tasks, ~30-40 min on 2 busy cores
    .venv/bin/python bench/annotate.py --n 500                  # smoke run
    .venv/bin/python bench/annotate.py --json-out bench/annotate-results.json
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate  # noqa: E402
from clean import PeakMemory, timed_calls, write_inputs  # noqa: E402

import annotation.pull  # noqa: E402
import annotation.push  # noqa: E402
from annotation.convert import records_from_task, results_from_record  # noqa: E402
from annotation.labelstudio_config import labeling_config  # noqa: E402
from annotation.model import AnnotationRecord  # noqa: E402
from annotation.predict import make_predictor, register_predictor  # noqa: E402
from annotation.project import TASK_MAP, AnnotationSettings, TaskMap  # noqa: E402
from annotation.pull import convert_export  # noqa: E402
from annotation.schema import LabelSchema  # noqa: E402
from annotation.store import AnnotationStore  # noqa: E402
from annotation.studio import (  # noqa: E402
    STUDIO_VENV_ENV,
    TEAM_API_KEY_ENV,
    TEAM_URL_ENV,
    create_studio_user,
    running_server,
    shared_venv_dir,
    start_studio,
    stop_studio,
    studio_client,
)
from corpus.ingest import ingest  # noqa: E402
from corpus.model import Document  # noqa: E402
from corpus.store import CorpusStore  # noqa: E402
from corpus.workspace import Workspace  # noqa: E402

# Run against an older checkout (PYTHONPATH=<it>), pull had no GC pause: measure it as it ran.
as_pull_runs_it = getattr(annotation.pull, "without_cyclic_gc", contextlib.nullcontext)
REPO = Path(__file__).resolve().parent.parent
SHARED_STUDIO_VENV = shared_venv_dir()  # the user's one install, shared with the tests
TARGET_SERVER_RATIO = 0.8  # issue 3: push and pull within 80% of the bare API calls
TARGET_CONVERSION_RATIO = 3.0  # issue 3: our conversion >= 3x the SDK's converter
SECOND_ANNOTATOR = "bench-annotator-b@newsdesk.example"
CACHED_PREDICTOR = "bench-cached"


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process (all its threads), or of process ``pid``."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


@contextlib.contextmanager
def cpu_spent(server_pid: int):
    """{"cpu_s": this process, "server_cpu_s": the Label Studio server} over the block."""
    spent = {}
    ours, server = cpu_seconds(), cpu_seconds(server_pid)
    yield spent
    spent["cpu_s"] = round(cpu_seconds() - ours, 3)
    spent["server_cpu_s"] = round(cpu_seconds(server_pid) - server, 3)


def per_s(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds else None


# --- setup -------------------------------------------------------------------------------------


class CachedPredictor:
    """The baseline's predictions, computed once, so push and the bare calls send the same JSON."""

    name = CACHED_PREDICTOR

    def __init__(self, records: dict[str, AnnotationRecord], model_version: str):
        self.records, self.model_version = records, model_version

    def predict(self, doc: Document, schema: LabelSchema) -> AnnotationRecord:
        return self.records[doc.id]


def set_annotation_config(ws: Workspace, batch_size: int, predictor: str) -> Workspace:
    path = ws.path("newsdesk.toml")
    text = path.read_text(encoding="utf-8")
    if "[annotation]" in text:
        raise SystemExit(f"{path} has an [annotation] section already")
    path.write_text(text + f'\n[annotation]\nbatch_size = {batch_size}\npredictor = "{predictor}"\n', encoding="utf-8")
    return Workspace.open(ws.root)


def predictions_for(docs: list[Document], schema: LabelSchema) -> tuple[dict[str, AnnotationRecord], str, float]:
    baseline = make_predictor("baseline")
    t0 = time.perf_counter()
    records = {d.id: baseline.predict(d, schema) for d in docs}
    return records, baseline.model_version, time.perf_counter() - t0


def annotated_task(
    doc: Document,
    settings: AnnotationSettings,
    prediction: AnnotationRecord,
    model_version: str,
    index: int,
    admin_id: int,
    second_id: int,
) -> dict:
    """A task as a maintainer's day leaves it: the prediction, corrected by one or two annotators."""
    results = results_from_record(prediction)
    regions = [r for r in results if r.get("type") == "labels"]
    dropped = {r["id"] for r in regions[3::7]}  # the annotator removes some regions and their choices/links
    kept = [
        r
        for r in results
        if r.get("id") not in dropped and r.get("from_id") not in dropped and r.get("to_id") not in dropped
    ]
    if index % 9 == 0:  # and flags a text-quality problem now and then
        kept.append(
            {"from_name": "text_quality", "to_name": "text", "type": "choices", "value": {"choices": ["residue left"]}}
        )
    annotations = [{"result": kept, "completed_by": admin_id, "lead_time": 30.0 + index % 90}]
    if settings.in_agreement_sample(doc.id):
        annotations.append({"result": results, "completed_by": second_id, "lead_time": 20.0 + index % 60})
    if index % 50 == 7:
        annotations.append({"result": [], "completed_by": second_id, "was_cancelled": True})
    return {
        "data": annotation.push.task_data(doc, settings),
        "predictions": [{"model_version": model_version, "result": results}],
        "annotations": annotations,
    }


def import_all(client, project_id: int, tasks: list[dict], batch_size: int) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(tasks), batch_size):
        batch = tasks[i : i + batch_size]
        response = client.projects.import_tasks(project_id, request=batch, return_task_ids=True)
        if len(response.task_ids or []) != len(batch):
            raise SystemExit(f"bare import: sent {len(batch)} tasks, the server created {len(response.task_ids or [])}")
    return time.perf_counter() - t0


# --- push --------------------------------------------------------------------------------------


def bench_push(ws: Workspace, client, bare_client, bare_tasks: list[dict], fields: dict) -> tuple[dict, dict]:
    """A first push, and the bare calls batch for batch beside it.

    After each batch that push has imported and verified, its progress callback sends the same
    batch through the bare ``import_tasks`` call (a second client, so it is timed apart) into a
    second project. Both sides meet the same server, database size and machine load, which a
    2-core machine shared with other jobs does not keep steady from one run to the next.
    """
    ws.path(*TASK_MAP).unlink(missing_ok=True)  # a fresh task map: push makes a new project
    # The bare calls go to a project set up as push sets up its own (labeling config, overlap):
    # the server's work per import depends on those settings, not on who calls.
    bare_project = bare_client.projects.create(title="bench bare import", **fields)
    bare = {"seconds": 0.0, "sent": 0}

    def progress(done: int, total: int) -> None:
        batch = bare_tasks[bare["sent"] : done]
        t0 = time.perf_counter()
        response = bare_client.projects.import_tasks(bare_project.id, request=batch, return_task_ids=True)
        bare["seconds"] += time.perf_counter() - t0
        if len(response.task_ids or []) != len(batch):
            raise SystemExit(f"bare import: sent {len(batch)} tasks, the server created {len(response.task_ids or [])}")
        bare["sent"] = done

    targets = {
        "import_tasks": (annotation.push, "post_tasks"),
        "verify": (annotation.push, "_verify"),
        "task_map_save": (TaskMap, "save"),
        "prediction_json": (annotation.push, "_prediction"),
        "read_server_tasks": (annotation.push, "_remote_tasks"),
    }
    with timed_calls(targets) as spent:
        t0 = time.perf_counter()
        report = annotation.push.push(ws, client=client, progress=progress)
        seconds = time.perf_counter() - t0 - bare["seconds"]
    if report.tasks_created != report.documents or bare["sent"] != len(bare_tasks):
        raise SystemExit(
            f"push created {report.tasks_created} tasks for {report.documents} documents, "
            f"the bare calls {bare['sent']} for {len(bare_tasks)}"
        )
    breakdown = {k: round(v, 3) for k, v in spent.items()}
    if hasattr(annotation.push, "_task_json"):  # made in a worker while the server works: not on the clock
        spent.pop("prediction_json")
        breakdown["prediction_json (overlapped)"] = breakdown.pop("prediction_json")
    breakdown["other"] = round(seconds - sum(spent.values()), 3)
    pushed = {
        "tasks": report.tasks_created,
        "seconds": round(seconds, 3),
        "tasks_per_s": per_s(report.tasks_created, seconds),
        "breakdown_s": breakdown,
    }
    bare_run = {
        "tasks": bare["sent"],
        "seconds": round(bare["seconds"], 3),
        "tasks_per_s": per_s(bare["sent"], bare["seconds"]),
    }
    return pushed, bare_run


def best_of(runs: list[dict]) -> dict:
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "all_s": [r["seconds"] for r in runs]}


# --- pull --------------------------------------------------------------------------------------


def bare_export(client, project_id: int, server_pid: int) -> tuple[bytes, dict]:
    """The snapshot export as pull asks for it: create, wait, download, delete; no parsing.

    Downloaded as pull downloads it since issue 19: the snapshot's file as written (no
    ``exportType``; ``JSON`` makes the server copy it through its converter, same bytes)."""
    load_before = load()
    with cpu_spent(server_pid) as spent:
        t0 = time.perf_counter()
        export = client.projects.exports.create(
            project_id,
            title="bench bare export",
            serialization_options={
                "predictions": {"only_id": False},
                "annotations__completed_by": {"only_id": True},
                "drafts": {"only_id": True},
            },
            task_filter_options={"only_with_annotations": False},
            annotation_filter_options={"usual": True, "ground_truth": True, "skipped": True},
            request_options={"timeout": annotation.pull.EXPORT_TIMEOUT_SECONDS},
        )
        while True:
            state = client.projects.exports.get(project_id, export.id)
            if state.status == "completed":
                break
            if state.status == "failed":
                raise SystemExit(f"bare export {export.id} failed")
            time.sleep(0.2)
        created = time.perf_counter() - t0
        data = b"".join(
            client.projects.exports.download(
                project_id, export.id, request_options={"timeout": annotation.pull.EXPORT_TIMEOUT_SECONDS}
            )
        )
        client.projects.exports.delete(project_id, export.id)
        seconds = time.perf_counter() - t0
    return data, {
        "seconds": round(seconds, 3),
        "create_and_wait_s": round(created, 3),
        **spent,
        "load_before": load_before,
        "load_after": load(),
    }


def bench_pull(root: Path, client, project_id: int, marker: str, server_pid: int) -> dict:
    """One pull into a fresh workspace (so every repeat does the same work) that owns the project."""
    ws = Workspace.init(root)
    load_before = load()
    TaskMap(marker=marker, project_id=project_id).save(ws)
    # An older pull exported, downloaded and parsed in one function.
    export = "download_snapshot" if hasattr(annotation.pull, "download_snapshot") else "export_snapshot"
    targets = {
        export: (annotation.pull, export),
        "convert": (annotation.pull, "convert_export"),
        "store_append": (AnnotationStore, "append"),
        "server_users": (annotation.pull, "server_users"),
    }
    with timed_calls(targets) as spent, cpu_spent(server_pid) as cpu:
        t0 = time.perf_counter()
        report = annotation.pull.pull(ws, client=client)
        seconds = time.perf_counter() - t0
    steps = getattr(report, "steps", None)
    if steps:  # pull times its own steps (some run beside the export)
        breakdown = dict(steps)
        breakdown["other"] = round(seconds - sum(v for k, v in steps.items() if k != "beside export"), 3)
    else:
        breakdown = {k: round(v, 3) for k, v in spent.items()}
        breakdown["other (JSON parse, ...)"] = round(seconds - sum(spent.values()), 3)
    return {
        "tasks": report.tasks,
        "annotations": report.annotations,
        "predictions": report.predictions,
        "records_written": report.new_or_changed,
        "annotators": len(report.annotators),
        "problems": len(report.problems),
        "seconds": round(seconds, 3),
        "tasks_per_s": per_s(report.tasks, seconds),
        "breakdown_s": breakdown,
        **cpu,
        "load_before": load_before,
        "load_after": load(),
    }


# --- conversion --------------------------------------------------------------------------------


def bench_conversion(export_file: Path, label_config: str, users: dict[int, str], out_dir: Path, repeats: int) -> dict:
    """The same export file into newsdesk records and into the SDK's CoNLL, each from the file.

    Ours is timed as pull runs it (``json.loads`` and conversion with the cyclic GC paused),
    on the annotations only (what the SDK's converter reads), and also with the predictions
    as pull converts them. For transparency, each side is also timed the other way round:
    ours with the GC on, the SDK's converter with the GC paused.
    """
    from label_studio_sdk.converter import Converter

    best: dict[str, float] = {}
    counts: dict[str, int] = {}

    @contextlib.contextmanager
    def gc_off():
        gc.disable()
        try:
            yield
        finally:
            gc.enable()

    def timed(name: str, fn, context) -> None:
        gc.collect()
        t0 = time.perf_counter()
        with context():
            counts[name] = fn()
        best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)

    def ours() -> int:
        return sum(len(records_from_task(task, users)) for task in json.loads(export_file.read_bytes()))

    def ours_with_predictions() -> int:
        annotations, predictions = convert_export(json.loads(export_file.read_bytes()), users)
        return len(annotations) + len(predictions)

    def parse_only() -> int:
        return len(json.loads(export_file.read_bytes()))

    with as_pull_runs_it():
        parsed = json.loads(export_file.read_bytes())

    def convert_only() -> int:
        return sum(len(records_from_task(task, users)) for task in parsed)

    def sdk() -> int:
        converter = Converter(config=label_config, project_dir=str(out_dir), download_resources=False)
        converter.convert(str(export_file), str(out_dir), "CONLL2003", is_dir=False)
        with open(out_dir / "result.conll", encoding="utf-8") as fh:
            return sum(1 for line in fh if line == "\n")

    for _ in range(repeats):
        timed("ours", ours, as_pull_runs_it)
        timed("sdk", sdk, contextlib.nullcontext)
        timed("ours_parse_only", parse_only, as_pull_runs_it)
        timed("ours_convert_only", convert_only, as_pull_runs_it)
        timed("ours_with_predictions", ours_with_predictions, as_pull_runs_it)
        timed("ours_gc_on", ours, contextlib.nullcontext)
        timed("sdk_gc_paused", sdk, gc_off)
    parsed = None  # frees the export (the closures above are done with it)
    n_tasks = counts["ours_parse_only"]
    return {
        "tasks": n_tasks,
        "export_mb": round(export_file.stat().st_size / 1e6, 1),
        "repeats": repeats,
        "our_records": counts["ours"],
        "our_records_with_predictions": counts["ours_with_predictions"],
        "sdk_conll_documents": counts["sdk"],
        **{f"{k}_s": round(v, 3) for k, v in best.items()},
        **{f"{k}_tasks_per_s": per_s(n_tasks, v) for k, v in best.items()},
        "ratio": round(best["sdk"] / best["ours"], 2),
        "ratio_ours_gc_on": round(best["sdk"] / best["ours_gc_on"], 2),
        "ratio_sdk_gc_paused": round(best["sdk_gc_paused"] / best["ours"], 2),
        "ours_gc_paused": as_pull_runs_it is not contextlib.nullcontext,
    }


# --- report ------------------------------------------------------------------------------------


def print_table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    s = result["setup"]
    console.print(
        f"[bold]{s['documents']:,} documents[/], mean {s['mean_text_bytes']:,} bytes of text, "
        f"batch size {result['args']['batch_size']} — {result['machine']['cpus']} CPUs, "
        f"load {result['load']['start']} at start, {result['load']['end']} at the end"
    )
    setup = Table(title="Setup (not part of the comparisons)")
    for col in ("step", "seconds", "notes"):
        setup.add_column(col, justify="left" if col != "seconds" else "right")
    for key, notes in (
        ("server_start_s", "fresh SQLite database: migrations"),
        ("generate_s", "synthetic articles"),
        ("ingest_s", "ingest .jsonl: clean + store"),
        ("predict_s", f"baseline predictor, {s['prediction_regions']:,} regions"),
        ("annotated_import_s", f"{s['annotations']:,} annotations embedded in task JSON"),
    ):
        setup.add_row(key.removesuffix("_s"), f"{s[key]:.1f}", notes)
    console.print(setup)

    table = Table(title="Against the server")
    for col in ("step", "tasks", "seconds", "tasks/s", "vs bare", "notes"):
        table.add_column(col, justify="left" if col in ("step", "notes") else "right")

    def rounds(r: dict) -> str:
        return "rounds " + ", ".join(f"{x:.1f}" for x in r["all_s"]) + " s"

    def parts(r: dict) -> str:
        return ", ".join(f"{k} {v:.1f}s" for k, v in r["breakdown_s"].items())

    p, bp = result["push"], result["bare_import"]
    table.add_row(
        "bare import_tasks",
        f"{bp['tasks']:,}",
        f"{bp['seconds']:.1f}",
        f"{bp['tasks_per_s']:,.0f}",
        "",
        "same task JSON and batch size, no verification, batch for batch beside push",
    )
    table.add_row(
        "newsdesk push",
        f"{p['tasks']:,}",
        f"{p['seconds']:.1f}",
        f"{p['tasks_per_s']:,.0f}",
        f"{result['push_vs_bare']:.2f}",
        parts(p),
    )
    pl, be = result["pull"], result["bare_export"]
    table.add_row(
        "bare snapshot export",
        f"{be['tasks']:,}",
        f"{be['seconds']:.1f}",
        f"{be['tasks_per_s']:,.0f}",
        "",
        f"create + wait + download {be['mb']:.0f} MB + delete, not parsed; best of {rounds(be)}",
    )
    table.add_row(
        "newsdesk pull",
        f"{pl['tasks']:,}",
        f"{pl['seconds']:.1f}",
        f"{pl['tasks_per_s']:,.0f}",
        f"{result['pull_vs_bare']:.2f}",
        f"{pl['annotations']:,} annotations + {pl['predictions']:,} predictions; {parts(pl)}; best of "
        f"{rounds(pl)}; median / median {result['pull_vs_bare_median']:.2f}",
    )
    table.add_row(
        "CPU: bare export",
        "",
        f"{result['bare_export_cpu_s']:.1f}",
        "",
        "",
        "this process + the server's, best round",
    )
    table.add_row(
        "CPU: newsdesk pull",
        "",
        f"{result['pull_cpu_s']:.1f}",
        "",
        f"{result['pull_vs_bare_cpu']:.2f}",
        "rounds: "
        + "; ".join(
            f"{r['cpu_s']:.1f} + server {r['server_cpu_s']:.1f} s, load {r['load_before'][0]}"
            for r in result["pull_rounds"]
        ),
    )
    console.print(table)

    c = result["conversion"]
    conv = Table(title=f"Converting the {c['tasks']:,}-task export file ({c['export_mb']} MB), best of {c['repeats']}")
    for col in ("converter", "seconds", "tasks/s", "output"):
        conv.add_column(col, justify="left" if col in ("converter", "output") else "right")
    rows = (
        (
            "ours",
            "newsdesk: json.loads + records_from_task (pull itself parses with orjson, faster)"
            + (", GC paused" if c["ours_gc_paused"] else ""),
            f"{c['our_records']:,} records; of which JSON parse {c['ours_parse_only_s']:.2f}s",
        ),
        ("sdk", "label_studio_sdk Converter -> CoNLL, as shipped", f"{c['sdk_conll_documents']:,} CoNLL documents"),
        (
            "ours_with_predictions",
            "newsdesk, predictions converted too (as pull)",
            f"{c['our_records_with_predictions']:,} records",
        ),
        ("ours_convert_only", "newsdesk records_from_task alone, on the parsed tasks", ""),
        ("ours_gc_on", "newsdesk with the GC on", ""),
        ("sdk_gc_paused", "label_studio_sdk Converter with the GC paused", ""),
    )
    for key, label, notes in rows:
        conv.add_row(label, f"{c[key + '_s']:.2f}", f"{c[key + '_tasks_per_s']:,.0f}", notes)
    console.print(conv)
    console.print(
        f"SDK time / ours with the GC on: {c['ratio_ours_gc_on']:.2f}x; the SDK's with the GC paused: "
        f"{c['ratio_sdk_gc_paused']:.2f}x"
    )
    for name, value, target in (
        ("push / bare", result["push_vs_bare"], TARGET_SERVER_RATIO),
        ("pull / bare", result["pull_vs_bare"], TARGET_SERVER_RATIO),
        ("conversion SDK time / ours", c["ratio"], TARGET_CONVERSION_RATIO),
    ):
        ok = value >= target
        console.print(
            f"{name} = [bold {'green' if ok else 'red'}]{value:.2f}[/] "
            f"(target ≥ {target:g}: {'met' if ok else 'NOT met'})"
        )


# --- the run -----------------------------------------------------------------------------------


def run(args, work: Path, result: dict) -> None:
    t0 = time.perf_counter()
    articles = generate(args.n, args.seed)
    result["setup"]["generate_s"] = round(time.perf_counter() - t0, 1)
    folder = write_inputs(articles, work / "inputs")["jsonl"][0]
    del articles

    ws = Workspace.init(work / "workspace")
    print("starting Label Studio ...", flush=True)
    t0 = time.perf_counter()
    start_studio(ws.root, timeout=900)  # a first start on a shared, loaded machine can take minutes
    result["setup"]["server_start_s"] = round(time.perf_counter() - t0, 1)
    client = studio_client(ws.root)

    print(f"ingesting {args.n:,} articles ...", flush=True)
    t0 = time.perf_counter()
    report = ingest(ws, [folder])
    result["setup"]["ingest_s"] = round(time.perf_counter() - t0, 1)
    if report.failed:
        raise SystemExit(f"ingest failed: {[e.one_line() for e in report.failed[:5]]}")
    ws = set_annotation_config(ws, args.batch_size, CACHED_PREDICTOR)
    settings, schema = AnnotationSettings.of(ws), LabelSchema.load(ws)
    docs = list(CorpusStore(ws).iter_documents())
    result["setup"]["documents"] = len(docs)
    result["setup"]["mean_text_bytes"] = round(sum(len(d.text.encode()) for d in docs) / len(docs))

    print("baseline predictions ...", flush=True)
    predicted, model_version, predict_s = predictions_for(docs, schema)
    result["setup"]["predict_s"] = round(predict_s, 1)
    result["setup"]["prediction_regions"] = sum(len(r.spans) for r in predicted.values())
    register_predictor(CACHED_PREDICTOR, lambda _arg: CachedPredictor(predicted, model_version))
    config = labeling_config(schema)

    bare_tasks = [
        {
            "data": annotation.push.task_data(d, settings),
            "predictions": [{"model_version": model_version, "result": results_from_record(predicted[d.id])}],
        }
        for d in docs
    ]
    print("newsdesk push, and the bare import_tasks calls batch for batch beside it ...", flush=True)
    gc.collect()
    result["push"], result["bare_import"] = bench_push(
        ws, client, studio_client(ws.root), bare_tasks, annotation.push.project_fields(schema, settings)
    )
    result["push"]["load_after"] = load()
    del bare_tasks
    result["push_vs_bare"] = round(result["push"]["tasks_per_s"] / result["bare_import"]["tasks_per_s"], 3)

    print("annotating (import with embedded annotations) ...", flush=True)
    admin_id = client.users.whoami().id
    second_id = create_studio_user(ws.root, SECOND_ANNOTATOR, "Bench-annotates-1").id
    annotated = [
        annotated_task(d, settings, predicted[d.id], model_version, i, admin_id, second_id) for i, d in enumerate(docs)
    ]
    result["setup"]["annotations"] = sum(len(t["annotations"]) for t in annotated)
    pull_marker = f"newsdesk-workspace:bench-{os.getpid()}"
    pull_project = client.projects.create(title="bench pull", label_config=config, description=pull_marker)
    result["setup"]["annotated_import_s"] = round(import_all(client, pull_project.id, annotated, 200), 1)
    del annotated, docs
    predicted = None  # frees the predictions (the cached predictor is done with them)
    gc.collect()

    server_pid = running_server(ws.root).pid
    pulls, bares = result.setdefault("pull_rounds", []), result.setdefault("bare_export_rounds", [])
    for i in range(args.repeats):
        for side in ("bare", "pull") if i % 2 == 0 else ("pull", "bare"):
            print(
                f"round {i + 1} of {args.repeats}: {'bare snapshot export' if side == 'bare' else 'newsdesk pull'} ...",
                flush=True,
            )
            gc.collect()
            if side == "bare":
                data, run_ = bare_export(client, pull_project.id, server_pid)
                bares.append(run_)
            else:
                pulls.append(bench_pull(work / f"pull-{i}", client, pull_project.id, pull_marker, server_pid))
    export_file = work / "export.json"
    export_file.write_bytes(data)
    del data
    result["pull"] = best_of(pulls)
    n_tasks = result["pull"]["tasks"]
    result["bare_export"] = {
        **best_of(bares),
        "tasks": n_tasks,
        "mb": round(export_file.stat().st_size / 1e6, 1),
        "repeats": args.repeats,
    }
    result["bare_export"]["tasks_per_s"] = per_s(n_tasks, result["bare_export"]["seconds"])
    result["pull_vs_bare"] = round(result["pull"]["tasks_per_s"] / result["bare_export"]["tasks_per_s"], 3)
    result["pull_vs_bare_median"] = round(
        statistics.median(result["bare_export"]["all_s"]) / statistics.median(result["pull"]["all_s"]), 3
    )
    # CPU seconds, this process and the server's, best round of each: what the load changes least.
    both = [r["cpu_s"] + r["server_cpu_s"] for r in bares], [r["cpu_s"] + r["server_cpu_s"] for r in pulls]
    result["pull_vs_bare_cpu"] = round(min(both[0]) / min(both[1]), 3)
    result["pull_cpu_s"], result["bare_export_cpu_s"] = round(min(both[1]), 3), round(min(both[0]), 3)

    print("conversion: ours vs the SDK's converter ...", flush=True)
    users = annotation.pull.server_users(client)
    out_dir = work / "conll"
    out_dir.mkdir()
    result["conversion"] = bench_conversion(export_file, config, users, out_dir, args.repeats)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of articles and tasks (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=AnnotationSettings.batch_size,
        help=f"[annotation] batch_size for push and the bare import (default {AnnotationSettings.batch_size})",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="rounds of pull and bare export (alternating) and of conversion; best is kept (default 3)",
    )
    parser.add_argument("--json-out", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--workdir", type=Path, help="keep the workspaces here (default: a temp folder)")
    args = parser.parse_args(argv)

    # Always the workspace's own local server, never a team's; the tests' install is reused.
    os.environ.pop(TEAM_URL_ENV, None)
    os.environ.pop(TEAM_API_KEY_ENV, None)
    os.environ.setdefault(STUDIO_VENV_ENV, str(SHARED_STUDIO_VENV))

    started = time.perf_counter()
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "versions": {p: metadata.version(p) for p in ("newsdesk", "label-studio-sdk")}
            | {"label-studio (server)": "1.23.2"},
        },
        "args": {"n": args.n, "seed": args.seed, "batch_size": args.batch_size, "repeats": args.repeats},
        "load": {"start": load()},
        "setup": {},
    }
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-annotate-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        try:
            with PeakMemory() as mem:
                run(args, work, result)
            result["peak_rss_mb"] = round(mem.peak_mb, 1)
        except BaseException as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"[:500]
            write_json(args.json_out, result)  # what was measured before it broke
            raise
        finally:
            stop_studio(work / "workspace")  # by the PID recorded at start
    result["load"]["end"] = load()
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["targets"] = {
        "push_vs_bare": TARGET_SERVER_RATIO,
        "pull_vs_bare": TARGET_SERVER_RATIO,
        "conversion_ratio": TARGET_CONVERSION_RATIO,
    }
    result["targets_met"] = {
        "push": result["push_vs_bare"] >= TARGET_SERVER_RATIO,
        "pull": result["pull_vs_bare"] >= TARGET_SERVER_RATIO,
        "conversion": result["conversion"]["ratio"] >= TARGET_CONVERSION_RATIO,
    }
    print_table(result)
    write_json(args.json_out, result)
    return result


def write_json(path: Path | None, result: dict) -> None:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {path}")


if __name__ == "__main__":
    main()
