"""pandera schemas for every table a release is made from, generated from the label schema.

Label and choice checks (``isin``) read the one label definition; nothing is repeated here.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from annotation.model import Origin
from annotation.schema import CLAIM_LABELS, CLAIM_LAYER, ENTITY_LAYER, LINK_LABELS, LabelSchema


def documents_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "id": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{16}$"), unique=True),
            "title": pa.Column(str),  # "" for an article without one (all body, no title from its source)
            "text_length": pa.Column(int, pa.Check.gt(0)),
            "text_sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
            "raw_sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
            "language": pa.Column(str),
            "published": pa.Column(str, nullable=True),
            "flags": pa.Column(int, pa.Check.ge(0)),
            "duplicate_of": pa.Column(str, nullable=True),
            "cluster": pa.Column(str, nullable=True),
        },
        name="documents",
        coerce=False,
    )


def records_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "doc_id": pa.Column(str),
            "origin": pa.Column(str, pa.Check.isin(list(Origin.ALL))),
            "record_id": pa.Column(str),
            "annotator": pa.Column(str, pa.Check.str_length(min_value=1)),
            "text_sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
            "cancelled": pa.Column(bool),
            "ground_truth": pa.Column(bool),
        },
        name="annotation records",
        unique=["origin", "record_id"],
    )


SPAN_KEY = ["origin", "record_id", "span_id"]


def spans_schema(schema: LabelSchema, check_unique: bool = True) -> pa.DataFrameSchema:
    """``check_unique=False`` leaves out the :data:`SPAN_KEY` uniqueness check, for a caller that has
    proven it cannot fail (it is most of pandera's time on millions of spans)."""
    return pa.DataFrameSchema(
        {
            "doc_id": pa.Column(str),
            "span_id": pa.Column(str, pa.Check.str_length(min_value=1)),
            "layer": pa.Column(str, pa.Check.isin([ENTITY_LAYER, CLAIM_LAYER])),
            "label": pa.Column(str, pa.Check.isin(schema.entity_labels + CLAIM_LABELS)),
            "start": pa.Column(int, pa.Check.ge(0)),
            "end": pa.Column(int, pa.Check.ge(0)),
            "text": pa.Column(str),
        },
        name="spans",
        unique=SPAN_KEY if check_unique else None,
        checks=[pa.Check(lambda df: df["end"] > df["start"], name="end > start", error="end must be after start")],
    )


def links_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "doc_id": pa.Column(str),
            "from_id": pa.Column(str),
            "to_id": pa.Column(str),
            "label": pa.Column(str, pa.Check.isin(LINK_LABELS)),
        },
        name="links",
    )


def claims_schema(schema: LabelSchema) -> pa.DataFrameSchema:
    columns = {
        "doc_id": pa.Column(str),
        "claim_id": pa.Column(str),
        "text": pa.Column(str, pa.Check.str_length(min_value=1)),
        "source_label": pa.Column(str, pa.Check.isin(schema.entity_labels + CLAIM_LABELS), nullable=True),
        "unattributed": pa.Column(bool),
    }
    for attr in schema.claim_attributes:
        columns[attr.name] = pa.Column(str, pa.Check.isin(attr.values), nullable=True)
    return pa.DataFrameSchema(columns, name="claims")


def prepare_pandera() -> None:
    """Have pandera load its checks now, before a caller reads a corpus into memory.

    pandera imports its built-in checks at the first validation, and with them, where hypothesis
    is installed (the test tools), hypothesis' plugins, one of which runs a full ``gc.collect()``.
    After 100k documents are read that walk took 1.5 s of CPU; on the empty heap, 0.26 s.
    """
    pa.DataFrameSchema({"n": pa.Column(int, pa.Check.ge(0))}).validate(pd.DataFrame({"n": [0]}))
