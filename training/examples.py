"""What a model learns from: the workspace's gold documents, each with its split.

Gold is ``validation/adjudicate.py``'s store (imported corpora count once adjudicated), or with
``--from ANNOTATOR`` one annotator's latest records. Documents are held out for evaluation by
the release's split function (``releases.splits.assign_splits``): validation and test are held
out, train is learnt from, and a near-duplicate cluster stays on one side.

spaCy learns each layer with its own NER, so a layer's spans become the ``doc.ents`` of one
``Example``; nested spans (a CUE inside its CLAIM) cannot be NER entities, and the outer one is kept.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from annotation.model import AnnotationRecord
from annotation.schema import CLAIM, CLAIM_LAYER, ENTITY_LAYER, LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import Errors, NewsdeskError
from corpus.model import Document
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from releases.splits import assign_splits
from releases.versions import list_versions, releases_root
from validation.gold import read_gold

# The ids of the documents a model was trained on, kept in its folder: evaluation leaves them out.
TRAINED_DOCUMENTS_FILE = "trained_documents.txt"

MIN_TRAIN_DOCUMENTS = 8
MIN_HELD_OUT_DOCUMENTS = 2
TRAIN_SPLIT = "train"


@dataclass
class GoldDocument:
    doc: Document
    record: AnnotationRecord
    split: str  # "train", "validation" or "test" (the two last are held out)

    @property
    def held_out(self) -> bool:
        return self.split != TRAIN_SPLIT

    def spans(self, layer: str) -> list[tuple[str, int, int]]:
        return [(s.label, s.start, s.end) for s in self.record.spans if s.layer == layer]


def _annotator_records(workspace: Workspace, annotator: str) -> list[AnnotationRecord]:
    latest: dict[str, AnnotationRecord] = {}
    for r in AnnotationStore(workspace).records(include_cancelled=False):
        if r.origin == "prediction" or r.annotator != annotator:
            continue
        old = latest.get(r.doc_id)
        if old is None or (r.updated_at or "") >= (old.updated_at or ""):
            latest[r.doc_id] = r
    if not latest:
        people = sorted({r.annotator for r in AnnotationStore(workspace).records() if r.origin != "prediction"})
        raise NewsdeskError(
            Errors.E221,
            where=f"--from {annotator}",
            detail=f"no records of that annotator; annotators here: {people or 'none'}",
        )
    return list(latest.values())


def _previous_splits(workspace: Workspace) -> dict[str, str]:
    """The newest release's splits: a released document keeps its split in the model's hold-out too."""
    versions = list_versions(workspace)
    if not versions:
        return {}
    path = releases_root(workspace) / versions[-1] / "splits.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def gold_documents(workspace: Workspace, source: str = "gold") -> list[GoldDocument]:
    """Every document with current gold (or ``source`` annotator's records), with its split."""
    records = read_gold(workspace).records() if source == "gold" else _annotator_records(workspace, source)
    docs = list(CorpusStore(workspace).iter_documents())
    splits = assign_splits(docs, _previous_splits(workspace))
    by_id = {d.id: d for d in docs}
    found = []
    for r in records:
        doc = by_id.get(r.doc_id)
        if doc is not None and doc.text_sha256 == r.text_sha256 and not r.cancelled:
            found.append(GoldDocument(doc, r, splits[doc.id]))
    return sorted(found, key=lambda g: g.doc.id)


def check_enough(gold: list[GoldDocument], source: str, where: str) -> None:
    """E220 unless there is enough to learn from and to measure on, saying how much there is."""
    train = sum(not g.held_out for g in gold)
    held = len(gold) - train
    spans = sum(len(g.record.spans) for g in gold)
    if train >= MIN_TRAIN_DOCUMENTS and held >= MIN_HELD_OUT_DOCUMENTS and spans:
        return
    what = "gold" if source == "gold" else f"records of {source}"
    raise NewsdeskError(
        Errors.E220,
        where=where,
        detail=f"{what}: {len(gold)} documents ({train} train, {held} held out by the release's "
        f"splits), {spans} spans; training needs at least {MIN_TRAIN_DOCUMENTS} train and "
        f"{MIN_HELD_OUT_DOCUMENTS} held-out documents with spans",
    )


def layers_with_gold(gold: list[GoldDocument]) -> list[str]:
    """The layers some training document has spans of: a NER corpus has no claim layer to learn."""
    present = {s.layer for g in gold if not g.held_out for s in g.record.spans}
    return [layer for layer in (ENTITY_LAYER, CLAIM_LAYER) if layer in present]


def data_fingerprint(gold: list[GoldDocument]) -> str:
    """A hash of what the model learns from: each document's text and its gold spans and links."""
    digest = hashlib.sha256()
    for g in gold:
        spans = sorted((s.layer, s.label, s.start, s.end) for s in g.record.spans)
        links = sorted((lk.from_id, lk.to_id, lk.label) for lk in g.record.links)
        digest.update(json.dumps([g.doc.id, g.doc.text_sha256, g.split, spans, links]).encode())
    return digest.hexdigest()[:16]


def attribute_defaults(gold: list[GoldDocument], schema: LabelSchema) -> dict[str, str]:
    """The value each required claim attribute has most often in the training gold."""
    claims = {s.id for g in gold if not g.held_out for s in g.record.spans if s.label == CLAIM}
    counts: dict[str, Counter] = {}
    for g in gold:
        if g.held_out:
            continue
        for c in g.record.choices:
            if c.region_id in claims and c.values:
                counts.setdefault(c.name, Counter())[c.values[0]] += 1
    return {a.name: counts[a.name].most_common(1)[0][0] for a in schema.required_attributes if a.name in counts}


def layer_doc(nlp, text: str, spans: list[tuple[str, int, int]], tokens=None):
    """A spaCy Doc of ``text`` whose ents are the spans (token-aligned outward; nested ones dropped);
    ``tokens``: the text already tokenized (it is copied), so each document is tokenized once."""
    from spacy.util import filter_spans

    doc = tokens.copy() if tokens is not None else nlp.make_doc(text)
    ents = []
    for label, s, e in spans:
        span = doc.char_span(s, e, label=label, alignment_mode="expand")
        if span is not None and len(span):
            ents.append(span)
    doc.ents = filter_spans(ents)  # the longest of overlapping spans wins
    return doc


def chunks(text: str, spans: list[tuple[str, int, int]], target: int = 1500) -> list[tuple[int, int]]:
    """Cut a long document at line breaks no span crosses, into pieces of about ``target`` characters:
    smaller, shuffled pieces make more varied batches than whole articles."""
    inside = bytearray(len(text) + 1)
    for _, s, e in spans:
        e = min(e, len(text))
        if e > s:
            inside[s:e] = b"\x01" * (e - s)
    cuts, start = [], 0
    for k, ch in enumerate(text):
        if ch == "\n" and not inside[k] and k - start >= target:
            cuts.append((start, k + 1))
            start = k + 1
    if start < len(text):
        cuts.append((start, len(text)))
    return cuts


def training_examples(nlp, gold: list[GoldDocument], layer: str) -> list:
    """One Example per chunk of every training document that has spans of ``layer``; each chunk is
    tokenized once and its reference is a copy with the gold ents (cheaper than slicing a whole Doc)."""
    from spacy.training import Example

    examples = []
    for g in gold:
        spans = g.spans(layer)
        if g.held_out or not spans:
            continue
        text = g.doc.text
        for a, b in chunks(text, spans):
            piece = [(label, s - a, e - a) for label, s, e in spans if a <= s and e <= b]
            predicted = nlp.make_doc(text[a:b])
            examples.append(Example(predicted, layer_doc(nlp, text[a:b], piece, predicted)))
    return examples


def held_out_examples(nlp, gold: list[GoldDocument], layer: str) -> list:
    """Whole held-out documents with spans of ``layer``, for the score the progress bar shows."""
    from spacy.training import Example

    examples = []
    for g in gold:
        if g.held_out and g.spans(layer):
            predicted = nlp.make_doc(g.doc.text)
            examples.append(Example(predicted, layer_doc(nlp, g.doc.text, g.spans(layer), predicted)))
    return examples
