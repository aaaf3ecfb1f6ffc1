"""The declared Features of each release config, generated from the label schema.

Declared, never inferred: consumers get ``ClassLabel`` names for labels and attributes and
nested structures spelled out, with no code of ours installed.
"""

from __future__ import annotations

from datasets import ClassLabel, Features, List, Value

from annotation.schema import ATTRIBUTION, CLAIM_LABELS, LINK_LABELS, LabelSchema
from corpus.model import BLOCK_KINDS

SPLITS = ("train", "validation", "test")


def iob2_names(schema: LabelSchema) -> list[str]:
    return ["O"] + [f"{prefix}-{label}" for label in schema.entity_labels for prefix in ("B", "I")]


def _span() -> dict:
    return {"start": Value("int32"), "end": Value("int32"), "text": Value("string")}


def documents_features(schema: LabelSchema) -> Features:
    return Features(
        {
            "id": Value("string"),
            "title": Value("string"),
            "text": Value("string"),
            "text_sha256": Value("string"),
            "source": Value("string"),
            "published": Value("string"),
            "language": Value("string"),
            "blocks": List(
                {"kind": ClassLabel(names=list(BLOCK_KINDS)), "start": Value("int32"), "end": Value("int32")}
            ),
            "flags": List(
                {"rule": Value("string"), "start": Value("int32"), "end": Value("int32"), "message": Value("string")}
            ),
            "duplicate_of": Value("string"),
            "cluster": Value("string"),
        }
    )


def entities_features(schema: LabelSchema) -> Features:
    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "spans": List({**_span(), "label": ClassLabel(names=schema.entity_labels)}),
        }
    )


def ner_features(schema: LabelSchema) -> Features:
    return Features(
        {
            "id": Value("string"),
            "tokens": List(Value("string")),
            "ner_tags": List(ClassLabel(names=iob2_names(schema))),
        }
    )


def claims_features(schema: LabelSchema) -> Features:
    # "unattributed" is a bool of its own; the other attributes are ClassLabels (-1 = not answered).
    attributes = {a.name: ClassLabel(names=a.values) for a in schema.claim_attributes if a.name != ATTRIBUTION}
    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "claim": _span(),
            "cue": _span(),  # start = end = -1 when the claim has no cue
            "source": {**_span(), "label": ClassLabel(names=schema.entity_labels + CLAIM_LABELS)},  # -1: unattributed
            **attributes,
            "unattributed": Value("bool"),
            "annotators": List(Value("string")),
            "adjudication": Value("string"),
        }
    )


def annotations_features(schema: LabelSchema) -> Features:
    return Features(
        {
            "doc_id": Value("string"),
            "annotator": Value("string"),
            "origin": Value("string"),
            "cancelled": Value("bool"),
            "ground_truth": Value("bool"),
            "lead_time": Value("float32"),
            "spans": List(
                {
                    "id": Value("string"),
                    "layer": Value("string"),
                    **_span(),
                    "label": ClassLabel(names=schema.entity_labels + CLAIM_LABELS),
                }
            ),
            "links": List(
                {"from_id": Value("string"), "to_id": Value("string"), "label": ClassLabel(names=LINK_LABELS)}
            ),
            "choices": List({"region_id": Value("string"), "name": Value("string"), "value": Value("string")}),
            "document_choices": List({"name": Value("string"), "value": Value("string")}),
        }
    )
