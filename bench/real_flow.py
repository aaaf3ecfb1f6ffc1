"""The whole flow on real data, as a new user would run it, counting what is lost on the way.

Assembles a corpus from ``../shared/data`` in a temporary folder (never in the repository):
real news pages (HTML), the article texts a news extractor made of them, one-line
machine-translated articles, and PolNeAR's brat files, one folder per annotator with the
same file names (the usual layout). Then, through the ``newsdesk`` CLI:

1. ``init`` + ``ingest``: every file read, refused ones listed by code;
2. the same ingest killed (SIGKILL) at several points and run again: the workspace must equal
   an uninterrupted run's, record for record (texts, near-duplicate marks, clusters);
3. ``annotate import`` of each annotator's folder; ``annotate predict`` (baseline);
4. ``validate``: predictions and people's records; ``adjudicate``; ``validate`` again (gold);
5. ``release build`` and ``datasets.load_dataset`` of every config.

Prints one JSON report (``--json-out FILE`` writes it). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("NEWSDESK_SHARED_DATA", REPO.parent / "shared" / "data"))
NEWSDESK = [sys.executable, "-m", "newsdesk"]

# PolNeAR's names onto our schema: Content is what was said, Attribution events link the three.
POLNEAR_MAP = (
    "Source=SOURCE,Cue=CUE,Content=CLAIM,Attribution=-,Attribution-no-source=-,Discuss=-,Discard=-,"
    "role:Source=source,role:Cue=cue,role:Content=-"
)
# PolNeAR answers none of our claim questions: an importing maintainer makes them optional.
OPTIONAL_ATTRIBUTES = "required = false"
CUE_DISTANCE = 2000


def assemble(root: Path, pages: int) -> dict:
    """Copy (decompressing) a real corpus into ``root``; returns what went where."""
    counts: Counter = Counter()
    corpus = root / "corpus"
    fixtures = DATA / "boilerplate" / "newspaper-fixtures"
    for page in sorted((fixtures / "html").glob("*.html.gz"))[:pages]:
        (corpus / "pages").mkdir(parents=True, exist_ok=True)
        (corpus / "pages" / page.name[:-3]).write_bytes(gzip.decompress(page.read_bytes()))
        counts["html pages"] += 1
    for text in sorted((fixtures / "text").glob("*.txt")):
        (corpus / "extracted").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(text, corpus / "extracted" / text.name)
        counts["extracted texts"] += 1
    for text in sorted((DATA / "mt-news").rglob("*.txt")):
        (corpus / "mt-news").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(text, corpus / "mt-news" / text.name)
        counts["one-line machine translations"] += 1
    polnear = DATA / "attribution" / "polnear" / "train"
    for ann in sorted((polnear / "attributions").glob("*.ann")):
        name, annotator = ann.stem.rsplit("_", 1)
        folder = root / "brat" / annotator
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ann, folder / f"{name}.ann")
        shutil.copyfile(polnear / "text" / f"{name}.txt", folder / f"{name}.txt")
        counts["brat files"] += 1
    counts["annotators"] = len(list((root / "brat").iterdir())) if (root / "brat").exists() else 0
    return dict(counts)


def newsdesk(*args: str, ok=(0,), timeout: float = 3600) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*NEWSDESK, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"},
    )
    if result.returncode not in ok:
        raise SystemExit(f"newsdesk {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def codes(stderr: str) -> dict:
    return dict(Counter(line.split("]")[0].lstrip("[") for line in stderr.splitlines() if line.startswith("[")))


def store_snapshot(workspace: Path) -> dict:
    """Every document's text, near-duplicate marks and cluster, by id (what a re-run must restore)."""
    out = {}
    for shard in sorted((workspace / "store" / "documents").glob("shard-*.jsonl")):
        for line in shard.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            dup = sorted((f["start"], f["end"], f["message"]) for f in rec["flags"] if f["rule"] == "near_duplicate")
            out[rec["id"]] = (rec["text_sha256"], rec["duplicate_of"], rec["cluster"], dup)
    return out


def killed_and_rerun(corpus: Path, reference: dict, work: Path, delays: list[float]) -> list[dict]:
    """Ingest killed after each delay, then the same command again: compared to the uninterrupted run."""
    results = []
    for delay in delays:
        ws = work / f"killed-{delay}"
        newsdesk("init", str(ws))
        _without_rules(ws, WITHOUT_RULES)
        proc = subprocess.Popen(
            [*NEWSDESK, "ingest", str(corpus), "-w", str(ws)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        before = len(store_snapshot(ws))
        rerun = newsdesk("ingest", str(corpus), "-w", str(ws), "--json", ok=(0, 1))
        after = store_snapshot(ws)
        differ = sorted(k for k in set(after) | set(reference) if after.get(k) != reference.get(k))
        results.append(
            {
                "killed_after_s": delay,
                "was_running": killed,
                "documents_before_rerun": before,
                "documents_after_rerun": len(after),
                "records_differing": len(differ),
                "rerun_summary": json.loads(rerun.stdout) if rerun.stdout.strip() else None,
            }
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=157, help="real HTML pages to include")
    parser.add_argument(
        "--kill-at", type=float, nargs="*", default=[2.0, 6.0, 12.0], help="seconds after which an ingest is killed"
    )
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--without-rule",
        action="append",
        default=[],
        help="switch this cleaning rule off in the workspace (as its maintainer would in newsdesk.toml)",
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"no real data at {DATA}: nothing to run (set NEWSDESK_SHARED_DATA)")
        return 0
    work = args.keep or Path(tempfile.mkdtemp(prefix="newsdesk-real-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {"data": str(DATA), "assembled": assemble(work, args.pages)}
    ws = work / "ws"
    newsdesk("init", str(ws))
    _without_rules(ws, args.without_rule)

    started = time.perf_counter()
    ingest = newsdesk("ingest", str(work / "corpus"), "-w", str(ws), "--json", ok=(0, 1))
    report["ingest"] = {
        "summary": json.loads(ingest.stdout),
        "refused_by_code": codes(ingest.stderr),
        "seconds": round(time.perf_counter() - started, 1),
    }
    reference = store_snapshot(ws)
    report["ingest"]["documents"] = len(reference)
    report["killed_ingest"] = killed_and_rerun(work / "corpus", reference, work, args.kill_at)

    # PolNeAR's conventions, set as its importing maintainer would: our claim questions optional,
    # and cues as far from a claim fragment as its annotators drew them.
    labels = (ws / "labels.toml").read_text(encoding="utf-8")
    labels = labels.replace("required = true", OPTIONAL_ATTRIBUTES).replace(
        "cue_max_distance = 200", f"cue_max_distance = {CUE_DISTANCE}"
    )
    (ws / "labels.toml").write_text(labels, encoding="utf-8")
    imports = {}
    for folder in sorted((work / "brat").iterdir()):
        result = newsdesk(
            "annotate",
            "import",
            str(folder),
            "--format",
            "brat",
            "--annotator",
            folder.name,
            "--map",
            POLNEAR_MAP,
            "-w",
            str(ws),
            "--json",
            ok=(0, 1),
        )
        imports[folder.name] = {"exit": result.returncode, **_import_counts(result.stdout)}
    report["import"] = imports

    predict = newsdesk("annotate", "predict", "-w", str(ws), "--json")
    report["predict"] = json.loads(predict.stdout)
    report["validate_before_adjudication"] = _validate(ws)
    adjudicate = newsdesk("adjudicate", "--strategy", "majority", "-k", "1", "-w", str(ws), "--json", ok=(0, 1))
    report["adjudicate"] = {k: v for k, v in json.loads(adjudicate.stdout).items() if k in ("counts",)}
    report["validate_after_adjudication"] = _validate(ws)
    build = newsdesk("release", "build", "0.1.0", "-w", str(ws), "--json", ok=(0, 1))
    report["release"] = {
        "exit": build.returncode,
        "stderr": build.stderr[-500:],
        **({"rows": json.loads(build.stdout).get("rows")} if build.returncode == 0 else {}),
    }
    if build.returncode == 0:
        report["load_dataset"] = _load_all(ws / "releases" / "0.1.0")
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


WITHOUT_RULES: list[str] = []


def _without_rules(ws: Path, names: list[str]) -> None:
    """Take rules out of the workspace's `[cleaning] rules` list."""
    import tomllib

    if not names:
        return
    WITHOUT_RULES[:] = names
    config = (ws / "newsdesk.toml").read_text(encoding="utf-8")
    rules = tomllib.loads(config)["cleaning"]["rules"]
    kept = [r for r in rules if r not in names]
    start = config.index("rules = [")
    end = config.index("]", start) + 1
    (ws / "newsdesk.toml").write_text(config[:start] + "rules = " + json.dumps(kept) + config[end:], encoding="utf-8")


def _import_counts(stdout: str) -> dict:
    if not stdout.strip():
        return {}
    rec = json.loads(stdout)
    keep = ("documents", "documents_added", "records", "records_written", "spans_carried", "conformed")
    out = {k: rec[k] for k in keep if k in rec}
    out["spans_reported"] = len(rec.get("spans_reported", []))
    return out


def _validate(ws: Path) -> dict:
    result = newsdesk("validate", "-w", str(ws), "--json", ok=(0, 1))
    rec = json.loads(result.stdout)
    return {
        "exit": result.returncode,
        "errors": rec["errors"],
        "warnings": rec["warnings"],
        "records": rec["records"],
        "by_code": {c: g["count"] for c, g in rec["by_code"].items()},
    }


def _load_all(release: Path) -> dict:
    from datasets import get_dataset_config_names, load_dataset

    rows = defaultdict(dict)
    for config in get_dataset_config_names(str(release)):
        loaded = load_dataset(str(release), config)
        rows[config] = {split: len(ds) for split, ds in loaded.items()}
    return dict(rows)


if __name__ == "__main__":
    sys.exit(main())
