"""Why a claim model misses CUEs and SOURCEs: its errors on a workspace's gold, counted by kind.

    .venv/bin/python bench/claim_errors.py WORKSPACE MODEL_FOLDER [MODEL_FOLDER ...] [--json-out FILE]

For each model, on the workspace's gold documents it was not trained on, what ``annotate
predict`` hands annotators (``ConformingPredictor``), matched to gold as ``model evaluate``
matches (overlap: same label and a shared character, one to one):

- each gold span missed, by why: nothing predicted over it and its attribution missed too
  (the claim of a CUE / SOURCE, or the cue of a CLAIM, not found either); nothing over it but the
  rest of its attribution found; covered by a predicted span of another label (a claim run on over
  its cue and source, a cue read as a source);
- each gold span found but not exactly (longer, shorter, shifted);
- each wrong prediction: no gold span there, or over a gold span of another label, or a second
  piece of a gold span already matched;
- SOURCEs by kind (pronoun, name or title, a description, more than five words): recall of each;
- CUEs one word or more, and the cue words most often missed or predicted wrongly;
- what conform removes (spans) and the attributions whose three spans were found but linked wrongly;
- the CUEs inside a predicted CLAIM (run-on claims), by where: the claim's first or last word or
  its middle, inside a quotation or not, and whether gold cut that claim in pieces around its cue
  (a CLAIM linked to the cue on each side of it: PolNeAR's "X, Y said, Z").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotation.models.predictor import ModelPredictor  # noqa: E402
from annotation.models.quote_context import INSIDE, char_codes  # noqa: E402
from annotation.predict import ConformingPredictor  # noqa: E402
from annotation.schema import CLAIM_LAYER, LabelSchema  # noqa: E402
from corpus.workspace import Workspace  # noqa: E402
from training.evaluate import match_spans, trained_documents  # noqa: E402
from training.examples import gold_documents  # noqa: E402

PRONOUNS = {"he", "she", "they", "it", "i", "we", "you", "him", "her", "them", "us", "me", "who", "this", "that"}


def source_kind(text: str) -> str:
    words = text.split()
    if text.lower().strip() in PRONOUNS:
        return "pronoun"
    if len(words) > 5:
        return "description > 5 words"
    if text[:1].islower() or text.lower().startswith(("the ", "a ", "an ")):
        return "description"
    return "name or title"


def overlapping(a, b) -> bool:
    return a.start < b.end and b.start < a.end


def errors_of(gold, records) -> dict:
    n = Counter()  # (label, kind) -> count
    missed_cues, wrong_cues, sources, cues = Counter(), Counter(), Counter(), Counter()
    for g, rec in zip(gold, records):
        gs = [s for s in g.record.spans if s.layer == CLAIM_LAYER]
        ps = [s for s in rec.spans if s.layer == CLAIM_LAYER]
        found = dict(match_spans(gs, ps, exact=False))
        exact = dict(match_spans(gs, ps, exact=True))
        index = {s.id: i for i, s in enumerate(gs)}
        partners: dict[str, set[int]] = {}  # gold span id -> the other spans of its attribution
        for lk in g.record.links:
            a, b = index.get(lk.from_id), index.get(lk.to_id)
            if a is not None and b is not None:
                partners.setdefault(lk.from_id, set()).add(b)
                partners.setdefault(lk.to_id, set()).add(a)
        for i, s in enumerate(gs):
            n[s.label, "gold"] += 1
            if s.label == "SOURCE":
                sources[source_kind(s.text), "gold"] += 1
            if s.label == "CUE":
                cues["one word" if len(s.text.split()) == 1 else "more words", "gold"] += 1
            if i in found:
                n[s.label, "found"] += 1
                if s.label == "SOURCE":
                    sources[source_kind(s.text), "found"] += 1
                if s.label == "CUE":
                    cues["one word" if len(s.text.split()) == 1 else "more words", "found"] += 1
                if i not in exact:
                    p = ps[found[i]]
                    side = (
                        "longer"
                        if p.start <= s.start and s.end <= p.end
                        else "shorter"
                        if s.start <= p.start and p.end <= s.end
                        else "shifted"
                    )
                    n[s.label, f"found, boundary wrong: {side}"] += 1
                continue
            if s.label == "CUE":
                missed_cues[s.text.lower()] += 1
            over = [p for p in ps if overlapping(p, s)]
            if over:
                n[s.label, f"missed: covered by a predicted {over[0].label}"] += 1
            elif any(j in found for j in partners.get(s.id, ())):
                n[s.label, "missed: nothing there, the rest of its attribution found"] += 1
            else:
                n[s.label, "missed: nothing there, its attribution missed too"] += 1
        matched = set(found.values())
        for j, p in enumerate(ps):
            n[p.label, "predicted"] += 1
            if j in matched:
                continue
            under = [s for s in gs if overlapping(p, s)]
            if not under:
                kind = "wrong: no gold span there"
            elif any(s.label == p.label for s in under):
                kind = "wrong: a second piece of a gold span"
            else:
                kind = f"wrong: over a gold {under[0].label}"
            n[p.label, kind] += 1
            if p.label == "CUE":
                wrong_cues[p.text.lower()] += 1
    return {
        "by_label": {f"{label} | {kind}": v for (label, kind), v in sorted(n.items())},
        "sources": {f"{k} | {m}": v for (k, m), v in sorted(sources.items())},
        "cues": {f"{k} | {m}": v for (k, m), v in sorted(cues.items())},
        "cue_words_missed": missed_cues.most_common(15),
        "cue_words_wrong": wrong_cues.most_common(15),
    }


def linked_wrongly(gold, records) -> int:
    """Gold attributions whose claim, cue and source were all found (overlap) but not linked so."""
    count = 0
    for g, rec in zip(gold, records):
        gs = [s for s in g.record.spans if s.layer == CLAIM_LAYER]
        ps = [s for s in rec.spans if s.layer == CLAIM_LAYER]
        to_pred = {gs[i].id: ps[j].id for i, j in match_spans(gs, ps, exact=False)}
        predicted = {(lk.from_id, lk.to_id, lk.label) for lk in rec.links}
        by_claim: dict[str, list] = {}
        for lk in g.record.links:
            by_claim.setdefault(lk.from_id, []).append(lk)
        for claim, links in by_claim.items():
            ends = [claim, *(lk.to_id for lk in links)]
            if all(e in to_pred for e in ends) and not all(
                (to_pred[claim], to_pred[lk.to_id], lk.label) in predicted for lk in links
            ):
                count += 1
    return count


def run_on_cues(gold, records) -> dict:
    """The gold CUEs missed because a predicted CLAIM runs over them, counted by where they are."""
    n = Counter()
    for g, rec in zip(gold, records):
        gs = [s for s in g.record.spans if s.layer == CLAIM_LAYER]
        ps = [s for s in rec.spans if s.layer == CLAIM_LAYER]
        found = dict(match_spans(gs, ps, exact=False))
        by_id = {s.id: s for s in gs}
        claims_of: dict[str, list] = {}  # cue id -> the gold CLAIM pieces linked to it
        for lk in g.record.links:
            if lk.label == "cue" and lk.from_id in by_id:
                claims_of.setdefault(lk.to_id, []).append(by_id[lk.from_id])
        codes = char_codes(g.doc.text)
        for i, s in enumerate(gs):
            if s.label != "CUE" or i in found:
                continue
            claim = next((p for p in ps if p.label == "CLAIM" and p.start <= s.start and s.end <= p.end), None)
            if claim is None:
                continue
            before, after = g.doc.text[claim.start : s.start].split(), g.doc.text[s.end : claim.end].split()
            where = "first word" if not before else "last word" if not after else "middle"
            pieces = claims_of.get(s.id, [])
            split = any(c.end <= s.start for c in pieces) and any(c.start >= s.end for c in pieces)
            n["all"] += 1
            n[f"at the claim's {where}"] += 1
            n["inside a quotation" if codes[s.start] == INSIDE else "outside quotations"] += 1
            n["gold claim in pieces on both sides of the cue" if split else "gold claim on one side"] += 1
    return dict(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    ws = Workspace.open(args.workspace)
    schema = LabelSchema.load(ws)
    gold = gold_documents(ws, "gold")
    out = {}
    for folder in args.models:
        unseen = [g for g in gold if g.doc.id not in trained_documents(folder)]
        model = ModelPredictor(str(folder))
        raw = model.predict_many([g.doc for g in unseen], schema)
        records = ConformingPredictor(model).predict_many([g.doc for g in unseen], schema)
        result = errors_of(unseen, records)
        result["documents"] = len(unseen)
        result["start_bias"] = model.meta.start_bias
        result["spans_removed_by_conform"] = sum(len(a.spans) - len(b.spans) for a, b in zip(raw, records))
        result["attributions_found_but_linked_wrongly"] = linked_wrongly(unseen, records)
        result["cues_inside_a_predicted_claim"] = run_on_cues(unseen, records)
        out[str(folder)] = result
        print(json.dumps({str(folder): result}, indent=1))
    if args.json_out:
        args.json_out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
