"""Would a model of CUE spans alone find the CUEs the one-layer NER misses (bench/README.md, eighth round)?

``prepare SRC DST`` copies a workspace (without its models) and rewrites the copy's gold so that
the claims layer holds only CUE spans (links and choices of the removed spans go too): trained
there, the NER learns CUE alone, so a CUE can open where the default's run-on CLAIM would still
be open. ``score DEV MODEL [MODEL ...]`` prints each model's CUE overlap and exact F1 on DEV's
gold (``model evaluate``'s figures; scores are per label, so the CUE-only model's missing CLAIMs
and SOURCEs do not touch its CUE score), and how many of the gold CUEs inside a CLAIM predicted
by the first model the others find.

    .venv/bin/python bench/cue_only.py prepare /tmp/models-bench-s6/pn-train /tmp/s8cue/pn-train
    .venv/bin/python bench/models.py run /tmp/s8cue/pn-train /tmp/s8cue/pn-dev --clock cpu --minutes 8 --name cue
    .venv/bin/python bench/cue_only.py score /tmp/s8cue/pn-dev /tmp/s7/models/s6-d4 /tmp/s8cue/pn-train/models/cue
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotation.schema import CLAIM, CLAIM_LAYER, CUE  # noqa: E402


def prepare(src: Path, dst: Path) -> dict:
    from annotation.columns import RecordColumns
    from corpus.workspace import Workspace
    from validation.gold import GOLD_FILE, read_gold

    if dst.exists():
        raise SystemExit(f"{dst} exists: remove it or choose another folder")
    shutil.copytree(src, dst, ignore=lambda d, names: ["models"] if Path(d) == src else [])
    ws = Workspace.open(dst)
    kept, dropped, records = 0, 0, []
    for r in read_gold(ws).records():
        spans = [s for s in r.spans if s.layer != CLAIM_LAYER or s.label == CUE]
        ids = {s.id for s in spans}
        dropped += len(r.spans) - len(spans)
        kept += sum(s.layer == CLAIM_LAYER for s in spans)
        r.spans = spans
        r.links = [lk for lk in r.links if lk.from_id in ids and lk.to_id in ids]
        r.choices = [c for c in r.choices if c.region_id in ids]
        records.append(r)
    RecordColumns.of(records).write(ws.path(*GOLD_FILE))
    return {"documents": len(records), "cue_spans": kept, "spans_removed": dropped}


def _inside(span, others) -> bool:
    return any(o.start <= span.start and span.end <= o.end for o in others)


def _prf(tp: int, predicted: int, gold: int) -> dict:
    p, r = tp / predicted if predicted else 0.0, tp / gold if gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f1, 4), "tp": tp, "predicted": predicted}


def score(dev: Path, models: list[Path]) -> dict:
    """Each model's CUE F1 on DEV's gold (leaving out documents a model was trained on), and how many
    of the gold CUEs inside a CLAIM the first model predicts each model finds (overlap, one to one)."""
    from annotation.models.predictor import ModelPredictor
    from annotation.schema import LabelSchema
    from corpus.workspace import Workspace
    from training.evaluate import evaluate_model, match_spans, trained_documents
    from training.examples import gold_documents

    ws = Workspace.open(dev)
    schema = LabelSchema.load(ws)
    skip = trained_documents(models[0])
    gold = [g for g in gold_documents(ws) if g.doc.id not in skip]
    out: dict = {"documents": len(gold)}
    run_on: dict[str, list] = {}  # doc id -> gold CUEs inside a CLAIM the first model predicts
    first: dict[str, tuple[list, list]] = {}  # doc id -> the first model's CUEs and CLAIMs
    for k, model in enumerate(models):
        result = evaluate_model(ws, str(model), with_baseline=False)
        claims = result["claims"]
        row = {mode: {"CUE": claims[mode]["by_label"].get(CUE), "micro_f1": claims[mode]["f1"]} for mode in claims}
        preds = ModelPredictor(str(model)).predict_many([g.doc for g in gold], schema)
        found = 0
        # the first model's CUEs plus this one's that lie inside the first's CLAIMs (what a second
        # head would add there), or that overlap none of the first's CUEs (added anywhere)
        tally = {(way, mode): [0, 0, 0] for way in ("inside_claims", "anywhere") for mode in ("overlap", "exact")}
        for g, pred in zip(gold, preds):
            gold_cues = [s for s in g.record.spans if s.label == CUE]
            if k == 0:
                predicted_claims = [s for s in pred.spans if s.label == CLAIM]
                run_on[g.doc.id] = [s for s in gold_cues if _inside(s, predicted_claims)]
                first[g.doc.id] = ([s for s in pred.spans if s.label == CUE], predicted_claims)
            pred_cues = [s for s in pred.spans if s.label == CUE]
            found += len(match_spans(run_on[g.doc.id], pred_cues, exact=False))
            base_cues, base_claims = first[g.doc.id]
            added = {
                "inside_claims": [c for c in pred_cues if _inside(c, base_claims)],
                "anywhere": [c for c in pred_cues if not any(c.start < b.end and b.start < c.end for b in base_cues)],
            }
            for (way, mode), t in tally.items():
                joined = base_cues + added[way]
                t[0] += len(match_spans(gold_cues, joined, exact=mode == "exact"))
                t[1] += len(joined)
                t[2] += len(gold_cues)
        row["run_on_cues_found"] = found
        if k:
            row["joined_with_first"] = {f"{way} {mode}": _prf(*t) for (way, mode), t in tally.items()}
        row["documents"] = result["documents"]
        out[str(model)] = row
    out["run_on_cues"] = sum(len(v) for v in run_on.values())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    prep = sub.add_parser("prepare")
    prep.add_argument("src", type=Path)
    prep.add_argument("dst", type=Path)
    sc = sub.add_parser("score")
    sc.add_argument("dev", type=Path)
    sc.add_argument("models", type=Path, nargs="+")
    args = parser.parse_args()
    result = prepare(args.src, args.dst) if args.cmd == "prepare" else score(args.dev, args.models)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
