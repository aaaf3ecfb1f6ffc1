"""Proof that a speed-up changed nothing: clean (and ingest) the benchmark articles with the code
of a baseline commit and with the working tree, and compare every record.

    .venv/bin/python bench/check_identical.py --n 20000                 # against HEAD
    .venv/bin/python bench/check_identical.py --n 20000 --baseline a2c9e0e --ingest 5000
    .venv/bin/python bench/check_identical.py --real --ingest 1000 --baseline main   # real text

With ``--real`` the texts are the real ones bench/clean.py --real cleans (whole-page text of the
development pages and the mt-news articles, read from ../shared/data; never copied), each once
(the first ``--n``), instead of generated articles.

Each side runs in its own process (the baseline's ``corpus`` package exported from git and
put first on PYTHONPATH) and writes one ``Document.to_record()`` per article plus the
near-duplicate clusters; then the two outputs must be equal, record by record. With
``--ingest N`` the first N articles are also ingested from .txt files into a workspace by
each side (in two runs, so stored documents gain near-duplicate marks), and both stores must
hold the same articles and documents (ingest timestamps aside).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import revision  # bench/revision.py (a script's folder is first on sys.path)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


@dataclass
class RealText:
    id: str
    text: str


def texts_to_check(n: int, seed: int, real: bool) -> list:
    """The generated articles, or the real texts (objects with ``id`` and ``text``)."""
    sys.path.insert(0, str(HERE))
    if not real:
        from articles import generate

        return generate(n, seed)
    import pages

    if not pages.data_available():
        raise SystemExit(f"real text not found under {pages.BOILERPLATE} (../shared/data): nothing to check")
    return [RealText(f"real-{i:05d}", text) for i, text in enumerate(pages.real_texts()[:n])]


def emit(n: int, seed: int, ingest_n: int, out: Path, real: bool = False) -> None:
    """Runs inside one side's process: clean, cluster, ingest; write everything to ``out``."""
    import corpus
    from corpus.cleaning import CleaningPipeline
    from corpus.dedup import NearDuplicateConfig, near_duplicate_clusters
    from corpus.model import Article, document_id, sha256_hex

    articles = texts_to_check(n, seed, real)
    pipeline = CleaningPipeline()
    docs = []
    t0 = time.perf_counter()
    inputs = []
    for art in articles:
        raw = art.text.encode("utf-8")
        inputs.append(
            Article(
                id=document_id(None, raw),
                source=f"{art.id}.txt",
                raw_text=art.text,
                raw_sha256=sha256_hex(raw),
                encoding="utf-8",
                format="txt",
            )
        )
    # In batches where the side's code has them (as its ingest cleans), else one by one.
    clean_many = getattr(pipeline, "clean_many", lambda batch: [pipeline.clean(a) for a in batch])
    with open(out / "documents.jsonl", "w", encoding="utf-8") as fh:
        for i in range(0, len(inputs), 1000):
            for doc in clean_many(inputs[i : i + 1000]):
                fh.write(json.dumps(doc.to_record(), ensure_ascii=False, sort_keys=True) + "\n")
                docs.append(doc)
    clean_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    unique = list({d.id: d for d in reversed(docs)}.values())[::-1]  # exact duplicates once, as ingest does
    clusters = near_duplicate_clusters(unique, NearDuplicateConfig(), {d.id: (i,) for i, d in enumerate(unique)})
    cluster_s = time.perf_counter() - t0
    (out / "clusters.json").write_text(json.dumps(clusters, sort_keys=True))
    ingest_s = None
    if ingest_n:
        ingest_s = _ingest(articles[:ingest_n], out)
    (out / "meta.json").write_text(
        json.dumps({"corpus": corpus.__file__, "clean_s": clean_s, "cluster_s": cluster_s, "ingest_s": ingest_s})
    )


def _ingest(articles, out: Path) -> float:
    from corpus.ingest import ingest
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # sources are recorded as given: relative, so both sides record the same
        first, second = Path("in", "first"), Path("in", "second")  # two runs: marks of stored documents change
        first.mkdir(parents=True)
        second.mkdir()
        for i, art in enumerate(articles):
            ((first if i < len(articles) // 2 else second) / f"{art.id}.txt").write_bytes(art.text.encode("utf-8"))
        workspace = Workspace.init(Path("ws"))
        config = workspace.path("newsdesk.toml")  # small batches: many batch writes to compare
        config.write_text(re.sub(r"(?m)^batch_size = [\d_]+", "batch_size = 700", config.read_text()))
        workspace = Workspace.open(Path("ws"))
        t0 = time.perf_counter()
        ingest(workspace, [first])
        report = ingest(workspace, [first, second])
        seconds = time.perf_counter() - t0
        again = ingest(workspace, [first, second])  # idempotent: adds nothing
        store = CorpusStore(workspace)
        with open(out / "store.jsonl", "w", encoding="utf-8") as fh:
            for kind, records in (("article", store.articles), ("document", store.documents)):
                for rec in records:
                    rec["metadata"].pop("ingested_at", None)  # wall-clock time differs between runs
                    fh.write(json.dumps([kind, rec], ensure_ascii=False, sort_keys=True) + "\n")
            summary = {k: v for k, v in report.to_record().items() if k != "seconds"}
            again_summary = {k: v for k, v in again.to_record().items() if k != "seconds"}
            fh.write(json.dumps(["reports", summary, again_summary], sort_keys=True) + "\n")
        os.chdir(out)
    return seconds


def run_side(label: str, corpus_root: Path | None, args, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if corpus_root is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(corpus_root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--emit",
        str(out),
        "--n",
        str(args.n),
        "--seed",
        str(args.seed),
        "--ingest",
        str(args.ingest),
    ] + (["--real"] if args.real else [])
    subprocess.run(cmd, check=True, env=env, cwd=str(out))
    meta = json.loads((out / "meta.json").read_text())
    print(
        f"{label:9s} corpus from {meta['corpus']}: clean {meta['clean_s']:.1f}s, "
        f"near-duplicate clusters {meta['cluster_s']:.1f}s"
        + (f", ingest {meta['ingest_s']:.1f}s" if meta["ingest_s"] is not None else ""),
        flush=True,
    )
    return meta


def compare(name: str, a: Path, b: Path) -> bool:
    if not a.exists() and not b.exists():
        return True
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        lines_a, lines_b = fa.readlines(), fb.readlines()
    diffs = [i for i, (x, y) in enumerate(zip(lines_a, lines_b)) if x != y]
    if len(lines_a) != len(lines_b):
        print(f"  {name}: {len(lines_a)} vs {len(lines_b)} records")
    for i in diffs[:3]:
        x, y = json.loads(lines_a[i]), json.loads(lines_b[i])
        keys = sorted(k for k in x if x.get(k) != y.get(k)) if isinstance(x, dict) else "?"
        print(f"  {name} record {i} differs in {keys}")
    ok = not diffs and len(lines_a) == len(lines_b)
    print(f"{name}: {len(lines_a):,} records, {'identical' if ok else f'{len(diffs)} DIFFER'}")
    return ok


def _drop_pipeline_version(path: Path) -> None:
    if not path.exists():
        return
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        doc = rec if isinstance(rec, dict) else rec[1] if rec[0] == "document" else None
        if isinstance(doc, dict) and "cleaning" in doc:
            doc["cleaning"].pop("pipeline_version", None)
        out.append(json.dumps(rec, ensure_ascii=False, sort_keys=True))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ingest", type=int, default=0, help="also ingest the first N articles and compare stores")
    parser.add_argument("--baseline", default="HEAD", help="git commit whose corpus/ is the reference")
    parser.add_argument(
        "--ignore-version",
        action="store_true",
        help="compare documents without their pipeline version (after a revision bump)",
    )
    parser.add_argument(
        "--real", action="store_true", help="the real texts of ../shared/data (whole-page text, mt-news) instead"
    )
    parser.add_argument("--emit", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        emit(args.n, args.seed, args.ingest, args.emit, args.real)
        return 0
    with tempfile.TemporaryDirectory(prefix="newsdesk-identical-") as tmp:
        tmp = Path(tmp)
        baseline_root = revision.export(args.baseline, tmp / "baseline-src", "corpus")
        run_side("baseline", baseline_root, args, tmp / "baseline")
        run_side("current", None, args, tmp / "current")
        if args.ignore_version:
            for side in ("baseline", "current"):
                _drop_pipeline_version(tmp / side / "documents.jsonl")
                _drop_pipeline_version(tmp / side / "store.jsonl")
        ok = all(
            [
                compare(name, tmp / "baseline" / name, tmp / "current" / name)
                for name in ("documents.jsonl", "clusters.json", "store.jsonl")
            ]
        )
    print("IDENTICAL" if ok else "BEHAVIOUR CHANGED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
