"""Benchmark: a team at work on one managed Label Studio, on PostgreSQL and on SQLite.

For each database, a fresh workspace (its server stopped by PID at the end, even on error):

1. setup (not timed): ``--first`` generated articles ingested and pushed; ``--annotators``
   accounts made with ``annotation.accounts.add_user``; the other articles ingested;
2. at once, timed: every annotator submits ``--annotations / --annotators`` annotations through
   the API as their own account (one thread each, tasks among the first ones pushed), while
   ``push`` adds the remaining tasks with their baseline predictions and ``pull`` runs twice
   (from a second maintainer's copy of the workspace: push holds the workspace's lock);
3. the check: a push again if one failed meanwhile (it is resumable), a last pull; every annotation the server acknowledged must be in the workspace's
   record store, and every task of the project must hold its prediction.

Reports annotations/s over the concurrent phase, the median and 95th-percentile submit latency,
push's and pull's seconds, and what was lost.

    .venv/bin/python bench/team.py                                  # 8 x 250 annotations, 5,000 tasks, both
    .venv/bin/python bench/team.py --tasks 1000 --annotations 400   # smoke run
    .venv/bin/python bench/team.py --database postgres --json-out bench/team-results.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from articles import generate  # noqa: E402
from clean import write_inputs  # noqa: E402

from annotation.accounts import add_user  # noqa: E402
from annotation.project import TaskMap  # noqa: E402
from annotation.pull import pull  # noqa: E402
from annotation.push import push  # noqa: E402
from annotation.schema import LabelSchema  # noqa: E402
from annotation.store import AnnotationStore  # noqa: E402
from annotation.studio import start_studio, stop_studio, studio_client  # noqa: E402
from corpus.errors import NewsdeskError  # noqa: E402
from corpus.ingest import ingest  # noqa: E402
from corpus.workspace import Workspace  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def ingest_folder(ws: Workspace, articles, folder: Path) -> None:
    source = write_inputs(articles, folder)["jsonl"][0]
    report = ingest(ws, [source])
    if report.failed:
        raise SystemExit(f"ingest failed: {[e.one_line() for e in report.failed[:3]]}")


def run_one(database: str, args, work: Path) -> dict:
    result: dict = {"database": database, "setup": {}}
    ws = Workspace.init(work / "workspace")
    path = ws.path("newsdesk.toml")
    path.write_text(path.read_text() + f'\n[annotation]\nbatch_size = {args.batch_size}\npredictor = "baseline"\n')
    ws = Workspace.open(ws.root)
    articles = generate(args.tasks, args.seed, near_duplicates=0.0)
    first, rest = articles[: args.first], articles[args.first :]

    t0 = time.perf_counter()
    start_studio(ws.root, database=database, timeout=900)  # minutes on a loaded machine
    result["setup"]["server_start_s"] = round(time.perf_counter() - t0, 1)
    ingest_folder(ws, first, work / "first")
    t0 = time.perf_counter()
    push(ws)
    result["setup"]["first_push_s"] = round(time.perf_counter() - t0, 1)
    task_ids = [entry["task_id"] for entry in TaskMap.load(ws).tasks.values()]
    people = [
        add_user(ws.root, f"annotator{i}@bench.example", password=f"Bench-annotator-{i}-pw").user
        for i in range(args.annotators)
    ]
    ingest_folder(ws, rest, work / "rest")
    result["setup"]["documents"] = len(articles)
    del articles, first, rest

    per_person = args.annotations // args.annotators
    latencies: list[float] = []
    acknowledged: list[int] = []
    errors: list[str] = []
    guard = threading.Lock()
    flags = LabelSchema.load(ws).document_choice
    result_items = [
        {"from_name": flags.name, "to_name": "text", "type": "choices", "value": {"choices": [flags.values[0]]}}
    ]

    def annotate(index: int) -> None:
        rng = random.Random(index)
        mine = rng.sample(task_ids, min(per_person, len(task_ids)))
        for task_id in mine:
            began = time.perf_counter()
            try:
                made = people[index].client.annotations.create(id=task_id, result=result_items, lead_time=1.0)
            except Exception as error:  # noqa: BLE001 - a lost submit is what we count
                with guard:
                    errors.append(f"{type(error).__name__}: {str(error)[:120]}")
                continue
            with guard:
                latencies.append(time.perf_counter() - began)
                acknowledged.append(made.id)

    timings: dict = {}

    failures: list[str] = []

    def pusher() -> None:
        began = time.perf_counter()
        try:
            report = push(ws)
            timings["tasks_pushed"] = report.tasks_created
            timings["push_retries"] = {
                k: getattr(report, k)
                for k in (
                    "imports_failed",
                    "imports_found_landed",
                    "imports_resent",
                    "smallest_batch",
                    "duplicates_removed",
                    "predictions_added",
                )
            }
        except NewsdeskError as error:  # e.g. a request timing out on an overloaded server
            failures.append(f"push: {error.one_line()[:200]}")
        timings["push_s"] = round(time.perf_counter() - began, 1)

    # Push holds the workspace's lock, so the pulls run as a second maintainer would: from their
    # own copy of the workspace, against the same server and project.
    second = Workspace.open(
        shutil.copytree(ws.root, work / "second-maintainer", ignore=shutil.ignore_patterns("studio", ".newsdesk.lock"))
    )
    second_client = studio_client(ws.root)

    def puller() -> None:
        timings["pull_s"] = []
        for _ in range(2):
            began = time.perf_counter()
            try:
                pull(second, client=second_client)
            except NewsdeskError as error:
                failures.append(f"pull: {error.one_line()[:200]}")
            timings["pull_s"].append(round(time.perf_counter() - began, 1))

    print(
        f"[{database}] {args.annotators} annotators x {per_person} annotations while push adds "
        f"{args.tasks - args.first} tasks and pull runs twice ...",
        flush=True,
    )
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    loads: list[float] = []
    running = threading.Event()
    running.set()

    def sample_load() -> None:  # the 1-minute load average every 10 s of the concurrent phase
        while running.is_set():
            loads.append(os.getloadavg()[0])
            time.sleep(10)

    threading.Thread(target=sample_load, daemon=True).start()
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.annotators + 2) as pool:
        futures = [pool.submit(annotate, i) for i in range(args.annotators)]
        futures += [pool.submit(pusher), pool.submit(puller)]
        annotating_done = None
        for future in futures[: args.annotators]:
            future.result()
        annotating_done = time.perf_counter() - began
        for future in futures[args.annotators :]:
            future.result()
    wall = time.perf_counter() - began
    running.clear()

    began = time.perf_counter()
    for attempt in range(1, 4):  # push and pull are resumable: a maintainer runs them again
        try:
            timings["tasks_pushed_on_resume"] = push(ws).tasks_created
            pull(ws)
            break
        except NewsdeskError as error:
            failures.append(f"check, attempt {attempt}: {error.one_line()[:200]}")
    else:
        raise SystemExit(f"push/pull kept failing: {failures}")
    timings["resume_and_last_pull_s"] = round(time.perf_counter() - began, 1)
    records = AnnotationStore(ws).records()
    stored = {int(r.record_id) for r in records if r.origin == "labelstudio"}
    predicted = {r.doc_id for r in records if r.origin == "prediction"}
    task_map = TaskMap.load(ws)
    # The project's own count: listing 5,000 tasks with every field timed out under load (60 s).
    tasks_on_server = studio_client(ws.root).projects.get(task_map.project_id).task_number
    without_prediction = len(set(task_map.tasks) - predicted)
    result.update(
        {
            "annotators": args.annotators,
            "annotations_submitted": len(acknowledged),
            "submit_errors": len(errors),
            "first_errors": errors[:3],
            "push_pull_failures": failures,
            "annotations_per_s": round(len(acknowledged) / annotating_done, 1),
            "submit_latency_median_ms": round(statistics.median(latencies) * 1000),
            "submit_latency_p95_ms": round(percentile(latencies, 0.95) * 1000),
            "annotating_s": round(annotating_done, 1),
            "wall_s": round(wall, 1),
            **timings,
            "tasks_on_server": tasks_on_server,
            "tasks_expected": len(task_map.tasks),
            "tasks_without_prediction": without_prediction,
            "annotations_lost": len(set(acknowledged) - stored),
            "load_at_start": load_at_start,
            "load_1min_during": [round(min(loads), 1), round(statistics.median(loads), 1), round(max(loads), 1)],
            "load_at_end": [round(x, 2) for x in os.getloadavg()],
            "bench_cpu_s": round(time.process_time(), 1),
        }
    )
    return result


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument("--annotations", type=int, default=2000, help="in all, shared among the annotators")
    parser.add_argument("--tasks", type=int, default=5000, help="tasks in the project at the end")
    parser.add_argument("--first", type=int, default=500, help="tasks pushed before the team starts")
    parser.add_argument("--batch-size", type=int, default=100, help="push's tasks per import request")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    # push's requests one line each (step, seconds, tasks, bytes, the server's own seconds)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("annotation.push").setLevel(logging.DEBUG)
    results = []
    for database in ("postgres", "sqlite") if args.database == "both" else (args.database,):
        # Under root the managed PostgreSQL runs as the postgres user, who must enter this folder.
        work = Path(tempfile.mkdtemp(prefix=f"newsdesk-team-bench-{database}-"))
        work.chmod(0o755)
        try:
            results.append(run_one(database, args, work))
        finally:
            stop_studio(work / "workspace")
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(results[-1], indent=1), flush=True)
        if args.json_out:  # after each database: a failure in the next one keeps this one's figures
            args.json_out.write_text(
                json.dumps({"runs": results, "cpus": os.cpu_count(), "load": os.getloadavg()}, indent=1) + "\n"
            )
    return results


if __name__ == "__main__":
    main()
