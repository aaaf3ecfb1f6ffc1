"""Issue 17, ninth round: does training the claim NER on its own mistakes end run-on claims?

A trained model folder is scored the way the eighth round scored its candidates: its start bias
chosen again on TRAIN's held-out gold (``model tune``: dev chooses nothing), then ``model
evaluate`` on DEV's gold and on TRAIN's held-out articles, with the gold CUEs that lie inside a
predicted CLAIM counted (the run-on error). ``greedy`` copies a beam NER's folder set to decode
greedily (spaCy's ``beam_width`` 1: the numpy decoder then runs it), so one beam-trained network
is scored both ways.

    .venv/bin/python bench/models.py run pn-train pn-dev --clock cpu --minutes 8 --name beam4 \\
        --settings '{"beam_width": 4}'
    .venv/bin/python bench/beam.py greedy pn-train/models/beam4 /tmp/beam4-greedy
    .venv/bin/python bench/beam.py score pn-train pn-dev pn-train/models/beam4 /tmp/beam4-greedy \\
        --json-out /tmp/beam-scores.json
    .venv/bin/python bench/beam.py curves RUN.err ...   # the held-out curves of runs still going

``curves`` reads ``models.py run``'s progress lines (its stderr: every 30 CPU s, the epoch and
the best held-out sample exact F1 so far), so runs that a busy machine will not finish in time
are still compared at equal CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotation.schema import CLAIM, CLAIM_LAYER, CUE  # noqa: E402


def greedy(src: Path, dst: Path) -> None:
    """A copy of model folder SRC whose claim NER decodes greedily (the same weights)."""
    import spacy

    if dst.exists():
        raise SystemExit(f"{dst} exists: remove it or choose another folder")
    shutil.copytree(src, dst)
    folder = dst / CLAIM_LAYER
    nlp = spacy.load(folder)
    ner = nlp.get_pipe("ner")
    ner.cfg["beam_width"] = 1  # Parser.predict decodes greedily at 1; the network is the same
    nlp.config["components"]["ner"]["beam_width"] = 1
    shutil.rmtree(folder)
    nlp.to_disk(folder)


def _run_on_cues(ws_path: Path, model: Path) -> int:
    """Gold CUEs (of the documents MODEL was not trained on) inside a CLAIM it predicts."""
    from annotation.models.predictor import ModelPredictor
    from corpus.workspace import Workspace
    from training.evaluate import trained_documents
    from training.examples import gold_documents

    skip = trained_documents(model)
    gold = [g for g in gold_documents(Workspace.open(ws_path)) if g.doc.id not in skip]
    found = ModelPredictor(str(model)).layer_spans_many([g.doc.text for g in gold])
    count = 0
    for g, spans in zip(gold, found):
        claims = [(s, e) for label, s, e in spans[CLAIM_LAYER] if label == CLAIM]
        for label, s, e in g.spans(CLAIM_LAYER):
            if label == CUE and any(a <= s and e <= b for a, b in claims):
                count += 1
    return count


def score(train: Path, dev: Path, models: list[Path]) -> dict:
    from models import _summary  # bench/models.py, beside this script

    from corpus.workspace import Workspace
    from training.evaluate import evaluate_model
    from training.tune import tune_model

    out = {}
    for model in models:
        started = time.process_time()
        tuned = tune_model(Workspace.open(train), str(model))
        row: dict = {"start_bias": tuned["start_bias"], "tune_cpu_seconds": round(time.process_time() - started, 1)}
        for name, ws in (("dev", dev), ("held_out_train", train)):
            result = evaluate_model(Workspace.open(ws), str(model), with_baseline=False)
            row[name] = _summary(result)
            row[name]["run_on_cues"] = _run_on_cues(ws, model)
            row[name]["documents"] = result["documents"]
            row[name]["speed"] = result["speed"]
        row["load_average"] = [round(x, 1) for x in os.getloadavg()]
        out[str(model)] = row
        print(json.dumps({str(model): row}), file=sys.stderr, flush=True)
    return out


PROGRESS = re.compile(r"^(\d+)s (\w+): epoch ([\d.]+) best ([\d.]+) load ([\d.]+)$")


def curves(logs: list[Path]) -> dict:
    """``{run: [[cpu seconds, epoch, best held-out sample F1, load], ...]}`` from progress lines."""
    out = {}
    for log in logs:
        points = [PROGRESS.match(line) for line in log.read_text().splitlines()]
        out[log.stem] = [[int(m[1]), float(m[3]), float(m[4]), float(m[5])] for m in points if m]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    copy = sub.add_parser("greedy", help="a copy of a beam NER's model folder that decodes greedily")
    copy.add_argument("src", type=Path)
    copy.add_argument("dst", type=Path)
    sc = sub.add_parser("score", help="tune on TRAIN's held-out gold, evaluate on DEV and TRAIN's held-out")
    sc.add_argument("train", type=Path)
    sc.add_argument("dev", type=Path)
    sc.add_argument("models", type=Path, nargs="+")
    sc.add_argument("--json-out", type=Path)
    cv = sub.add_parser("curves", help="held-out curves from models.py run's progress lines")
    cv.add_argument("logs", type=Path, nargs="+")
    cv.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    if args.command == "greedy":
        greedy(args.src, args.dst)
        return
    if args.command == "curves":
        result = curves(args.logs)
    else:
        result = score(args.train, args.dev, args.models)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n")


if __name__ == "__main__":
    main()
