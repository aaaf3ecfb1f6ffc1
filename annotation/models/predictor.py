"""The ``model:NAME`` predictor: a model trained by ``newsdesk model train`` pre-annotates documents.

Entities come from the model's entity pipeline, CLAIM / CUE / SOURCE from its claim pipeline
(its own layer: a claim may hold an entity), links from :mod:`annotation.models.links`. A
prediction validates as it is: spans of one layer never cross (each layer is one decoded sequence),
a claim without a source link is marked unattributed, and every required claim attribute is
filled - ``speech`` from quotation marks, the others with the value the training gold used most
(``meta.json``'s ``attribute_defaults``), for the annotator to confirm or change.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.models.folder import ModelMeta, check_schema, read_model_meta, resolve_model_path
from annotation.models.links import DEFAULT_HEAD_GAP, DEFAULT_SOURCE_WINDOW, SpanRef, draw_links
from annotation.schema import ATTRIBUTION, CLAIM, CLAIM_LABELS, CLAIM_LAYER, ENTITY_LAYER, UNATTRIBUTED, LabelSchema
from corpus.errors import Errors, NewsdeskError
from corpus.model import Document

_QUOTES = set("\"“”«»„‘’'")
PREDICT_BATCH = 128  # documents per NER batch, sorted by length in quarters (measured in bench/README.md)


def load_pipeline(path: Path, vocab=True):
    import spacy

    from annotation.models import quote_context, span_tagger, word_frequency

    # a pipeline may hold newsdesk's span tagger or quote feature: spaCy must know them to load it
    span_tagger.register()
    quote_context.register()
    word_frequency.register()
    try:
        return spacy.load(path, vocab=vocab)
    except (OSError, ValueError, KeyError) as exc:
        raise NewsdeskError(Errors.E224, where=str(path), detail=f"spaCy could not load it: {exc}") from exc


def _region_id(doc_id: str, layer: str, label: str, start: int, end: int) -> str:
    return hashlib.sha1(f"{doc_id}:{layer}:{label}:{start}:{end}".encode()).hexdigest()[:10]


def speech_of(text: str, start: int, end: int) -> str:
    """ "direct" when quotation marks open or close the claim (inside or right outside it)."""
    before = text[max(0, start - 2) : start + 1]
    after = text[max(start, end - 1) : end + 2]
    return "direct" if _QUOTES & set(before) or _QUOTES & set(after) else "indirect"


class ModelPredictor:
    """Pre-annotations from a trained model folder (see :mod:`annotation.models.folder`)."""

    name = "model"

    def __init__(self, ref: str, workspace_root: Path | None = None) -> None:
        if not ref:
            raise NewsdeskError(Errors.E215, where="model:", detail="no model named; write model:<name or folder>")
        self.path = resolve_model_path(ref, workspace_root)
        self.meta: ModelMeta = read_model_meta(self.path)
        self.pipelines = {}
        for layer in self.meta.layers:  # one vocab: a document is tokenized once for every layer
            first = next(iter(self.pipelines.values()), None)
            self.pipelines[layer] = load_pipeline(self.path / layer, vocab=first.vocab if first else True)
        self.model_version = self.meta.model_version
        self._checked: set[str] = set()
        self._link_rules(self.meta)

    @classmethod
    def of(cls, pipelines: dict, meta: ModelMeta, path: Path | None = None) -> ModelPredictor:
        """A predictor over pipelines in memory (training scores its model before writing it)."""
        self = cls.__new__(cls)
        self.path, self.meta, self.pipelines = path, meta, pipelines
        self.model_version = meta.model_version
        self._checked = set()
        self._link_rules(meta)
        return self

    def _link_rules(self, meta: ModelMeta) -> None:
        self.source_window = int(meta.link_rules.get("source_window", DEFAULT_SOURCE_WINDOW))
        self.head_gap = int(meta.link_rules.get("head_gap", DEFAULT_HEAD_GAP))

    def _check(self, schema: LabelSchema) -> None:
        fingerprint = schema.fingerprint()
        if fingerprint not in self._checked:
            check_schema(self.meta, schema, where=str(self.path))
            self._checked.add(fingerprint)

    def layer_spans(self, text: str) -> dict[str, list[tuple[str, int, int]]]:
        """``{layer: [(label, start, end)]}`` as the pipelines find them, edge whitespace excluded."""
        return self.layer_spans_many([text])[0]

    def layer_spans_many(self, texts: list[str]) -> list[dict[str, list[tuple[str, int, int]]]]:
        """:meth:`layer_spans` of many texts: each is tokenized once for every layer, and each
        layer's span model runs over batches of documents (a batch is one matrix product, not one per
        document: several times faster on articles). A spaCy NER is decoded by
        :mod:`annotation.models.ner_decode` where it can be: the same entities, in less time."""
        from annotation.models.ner_decode import can_decode, decode_entities  # numpy: not for every CLI start
        from annotation.models.start_bias import biased

        found: list[dict[str, list]] = [{ENTITY_LAYER: [], CLAIM_LAYER: []} for _ in texts]
        if not texts:
            return found
        tokens = None
        last = len(self.pipelines) - 1
        for k, (layer, nlp) in enumerate(self.pipelines.items()):
            if tokens is None or nlp.vocab is not tokens[0].vocab:
                tokens = [nlp.make_doc(t) for t in texts]
            bias = self.meta.start_bias.get(layer)
            if can_decode(nlp):  # leaves the tokens as they are
                ents = [
                    [(label, doc[a].idx, doc[b - 1].idx + len(doc[b - 1])) for label, a, b in doc_ents]
                    for doc, doc_ents in zip(tokens, decode_entities(nlp, tokens, PREDICT_BATCH, bias))
                ]
            else:
                docs = tokens if k == last else [d.copy() for d in tokens]  # the last layer may keep the tokens
                with biased(nlp, bias):
                    for _, component in nlp.pipeline:
                        docs = list(component.pipe(docs, batch_size=PREDICT_BATCH))
                ents = [[(e.label_, e.start_char, e.end_char) for e in doc.ents] for doc in docs]
            for spans, doc_ents, text in zip(found, ents, texts):
                for label, s, t in doc_ents:
                    piece = text[s:t]
                    stripped = piece.strip()
                    if not stripped:
                        continue  # a model may tag whitespace: such spans would break the offset contract
                    s += len(piece) - len(piece.lstrip())
                    spans[layer].append((label, s, s + len(stripped)))
        return found

    def predict(self, doc: Document, schema: LabelSchema) -> AnnotationRecord:
        return self.predict_many([doc], schema)[0]

    def predict_many(self, docs: list[Document], schema: LabelSchema) -> list[AnnotationRecord]:
        self._check(schema)
        found = self.layer_spans_many([d.text for d in docs])
        return [self.record(doc, schema, spans) for doc, spans in zip(docs, found)]

    def record(
        self, doc: Document, schema: LabelSchema, found: dict[str, list[tuple[str, int, int]]]
    ) -> AnnotationRecord:
        text = doc.text
        rec = AnnotationRecord(
            doc_id=doc.id,
            text_sha256=doc.text_sha256,
            annotator=self.model_version,
            origin="prediction",
            record_id=f"{self.model_version}:{doc.id}",
            model_version=self.model_version,
        )
        for layer, labels in ((ENTITY_LAYER, set(schema.entity_labels)), (CLAIM_LAYER, set(CLAIM_LABELS))):
            for label, s, e in found.get(layer, ()):
                if label in labels:
                    rec.spans.append(Span(_region_id(doc.id, layer, label, s, e), layer, label, s, e, text[s:e]))
        refs = [SpanRef(s.id, s.label, s.start, s.end) for s in rec.spans]
        for claim_id, target, kind in draw_links(
            refs, set(schema.source_labels), schema.cue_max_distance, self.source_window, self.head_gap
        ):
            rec.links.append(Link(claim_id, target, kind))
        rec.choices.extend(self._attributes(rec, schema, text))
        return rec

    def _attributes(self, rec: AnnotationRecord, schema: LabelSchema, text: str) -> list[RegionChoice]:
        sourced = {lk.from_id for lk in rec.links if lk.label == "source"}
        choices = []
        for s in rec.spans:
            if s.label != CLAIM:
                continue
            for attr in schema.claim_attributes:
                value = None
                if attr.name == ATTRIBUTION:
                    value = UNATTRIBUTED if s.id not in sourced and UNATTRIBUTED in attr.values else None
                elif attr.name == "speech" and {"direct", "indirect"} <= set(attr.values):
                    value = speech_of(text, s.start, s.end)
                elif attr.required:
                    value = self.meta.attribute_defaults.get(attr.name)
                    if value not in attr.values:
                        value = "unsure" if "unsure" in attr.values else attr.values[-1]
                if value is not None:
                    choices.append(RegionChoice(s.id, attr.name, (value,)))
        return choices

    def uncertainty(self, doc: Document) -> float:
        """How unsure the model is of this document (higher first in ``push --order uncertain``)."""
        from annotation.models.confidence import document_uncertainty

        return document_uncertainty(self.pipelines, doc.text)


@lru_cache(maxsize=4)
def _loaded(path: str) -> ModelPredictor:
    return ModelPredictor(path)  # loaded once per process and folder


def model_predictor_factory(arg: str) -> ModelPredictor:
    """``model:<folder>``: push and predict resolve a workspace's model name to its folder first
    (:func:`annotation.predict.resolve_predictor_spec`), so a worker process gets a path."""
    if not arg:
        raise NewsdeskError(Errors.E215, where="model:", detail="no model named; write model:<name or folder>")
    return _loaded(str(resolve_model_path(arg)))
