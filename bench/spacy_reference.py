"""spaCy's own NER as the issue's reference was trained, beside newsdesk's model on the same gold (issue 17).

    .venv/bin/python bench/spacy_reference.py /tmp/mb/wa-train /tmp/mb/wa-dev --layer entities \\
        --cpu-minutes 20 --out /tmp/spacy-ref-wa --json-out bench/models-s13-spacy-reference.json
    .venv/bin/python bench/spacy_reference.py /tmp/mb/pn-train /tmp/mb/pn-dev --layer claims --cpu-minutes 14 ...

The issue measured "spaCy 3.8, blank English, default efficiency NER config" trained 20 minutes on
CoNLL-2003 (entities) and 13 on PolNeAR (CLAIM / CUE / SOURCE). Here the same on the gold of the
workspaces ``models.py prepare`` makes: the train workspace's gold documents that ``model train``
trains on (spaCy's training set) and the ones it holds out (spaCy's dev set, which picks its
``model-best``); the config ``spacy init config --lang en --pipeline ner --optimize efficiency``
writes; ``spacy train`` stopped when its process has used ``--cpu-minutes`` of CPU (``model-best``
is written at each of spaCy's evaluations, so what it had learnt by then is kept). Scored on the dev
workspace's gold with ``model evaluate``'s own scoring (exact and overlap, one to one, same label;
edits per 1,000 words), spans only: spaCy's NER draws no links. Reads nothing outside the two
workspaces and downloads nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotation.model import AnnotationRecord, Origin, Span  # noqa: E402
from annotation.schema import CLAIM_LAYER, ENTITY_LAYER, LabelSchema  # noqa: E402
from corpus.workspace import Workspace  # noqa: E402
from training.evaluate import score  # noqa: E402
from training.examples import gold_documents, layer_doc  # noqa: E402

LAYERS = {"entities": ENTITY_LAYER, "claims": CLAIM_LAYER}


def spacy_cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "spacy", *args], **kwargs)


def write_docbins(train_ws: Path, layer: str, out: Path) -> dict[str, int]:
    """train.spacy and heldout.spacy: the gold documents ``model train`` trains on and holds out."""
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    bins = {"train": DocBin(), "heldout": DocBin()}
    for g in gold_documents(Workspace.open(train_ws)):
        spans = g.spans(layer)
        if spans:
            bins["heldout" if g.held_out else "train"].add(layer_doc(nlp, g.doc.text, spans))
    for name, docbin in bins.items():
        docbin.to_disk(out / f"{name}.spacy")
    return {name: len(docbin) for name, docbin in bins.items()}


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a running process (Linux /proc), its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def train(out: Path, cpu_minutes: float) -> dict:
    config = out / "config.cfg"
    log = (out / "train.log").open("w")
    init = ("init", "config", str(config), "--lang", "en", "--pipeline", "ner", "--optimize", "efficiency", "--force")
    spacy_cli(*init, stdout=log, stderr=subprocess.STDOUT).wait()
    started = time.monotonic()
    proc = spacy_cli(
        "train",
        str(config),
        "--output",
        str(out / "model"),
        "--paths.train",
        str(out / "train.spacy"),
        "--paths.dev",
        str(out / "heldout.spacy"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    used, stopped = 0.0, "converged"
    while proc.poll() is None:
        time.sleep(5)
        try:
            used = cpu_seconds(proc.pid)
        except (FileNotFoundError, ProcessLookupError):
            break
        if used >= cpu_minutes * 60:
            proc.send_signal(signal.SIGTERM)  # model-best stays as spaCy last wrote it
            proc.wait()
            stopped = "time"
    return {"cpu_seconds": round(used, 1), "wall_seconds": round(time.monotonic() - started, 1), "stopped": stopped}


def evaluate(model: Path, dev_ws: Path, layer: str) -> dict:
    """``model evaluate``'s scores of the spaCy pipeline's entities on the dev workspace's gold."""
    import spacy

    nlp = spacy.load(model)
    workspace = Workspace.open(dev_ws)
    items = []
    started = time.process_time()
    for g in gold_documents(workspace):
        doc = nlp(g.doc.text)
        spans = [
            Span(f"p{i}", layer, ent.label_, ent.start_char, ent.end_char, ent.text) for i, ent in enumerate(doc.ents)
        ]
        gold = AnnotationRecord(
            g.doc.id,
            g.doc.text_sha256,
            "gold",
            Origin.GOLD,
            g.record.record_id,
            spans=[s for s in g.record.spans if s.layer == layer],
        )
        items.append(
            (
                g.doc.text,
                gold,
                AnnotationRecord(g.doc.id, g.doc.text_sha256, "spacy", Origin.PREDICTION, "p", spans=spans),
            )
        )
    seconds = time.process_time() - started
    scores = score(items, LabelSchema.load(workspace))
    key = "entities" if layer == ENTITY_LAYER else "claims"
    return {
        key: scores[key],
        "edits_total_per_1000_words": scores["edits"]["total_per_1000_words"],
        "documents": len(items),
        "documents_per_cpu_second": round(len(items) / max(seconds, 1e-9), 1),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train")
    ap.add_argument("dev")
    ap.add_argument("--layer", choices=list(LAYERS), required=True)
    ap.add_argument("--cpu-minutes", type=float, default=20.0)
    ap.add_argument("--out", required=True, help="a folder for the DocBins, the config and the trained pipeline")
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    layer = LAYERS[args.layer]
    documents = write_docbins(Path(args.train), layer, out)
    print(f"documents with {args.layer} gold: {documents}", flush=True)
    run = train(out, args.cpu_minutes)
    print(f"spacy train: {run}", flush=True)
    result = {
        "train_workspace": args.train,
        "dev_workspace": args.dev,
        "layer": args.layer,
        "cpu_minutes": args.cpu_minutes,
        "documents": documents,
        **run,
        "dev": evaluate(out / "model" / "model-best", Path(args.dev), layer),
    }
    scores = result["dev"][args.layer]
    print(
        f"dev exact micro F1 {scores['exact']['f1']}, overlap {scores['overlap']['f1']}; by label (overlap): "
        + ", ".join(f"{k} {v['f1']}" for k, v in scores["overlap"]["by_label"].items())
        + f"; edits {result['dev']['edits_total_per_1000_words']} per 1,000 words",
        flush=True,
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
