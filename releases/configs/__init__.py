"""The release configs, as data (like `datasets`' BUILDER_CONFIGS): what a row is, its Features,
how a split's rows are made, and in which process.

The build, the card and the tests read ``CONFIGS``. A new config is one module in this folder
with a ``CONFIG`` (a :class:`ReleaseConfig`, see :mod:`releases.configs.base`) and one
``added("NAME")`` line in ``CONFIGS`` (docs/extending.md). The first five are written here, their
Features in ``releases/features.py`` and their rows in ``releases/rows.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pyarrow as pa

from annotation.schema import LabelSchema
from releases import features as F
from releases import ner, rows
from releases.configs.base import ReleaseConfig, Sources, by_split

if TYPE_CHECKING:
    from datasets import Features

    from releases.build import ReleaseInputs, StepTimes

__all__ = [
    "BY_NAME",
    "CONFIGS",
    "CONFIG_NAMES",
    "GOLD_CONFIGS",
    "default_config",
    "ReleaseConfig",
    "Sources",
    "added",
    "by_split",
    "config_features",
]


def added(name: str) -> ReleaseConfig:
    """The ``CONFIG`` of ``releases/configs/<name>.py``: a config added as a module of its own."""
    return importlib.import_module(f"releases.configs.{name}").CONFIG


def _entities(inputs: ReleaseInputs, timings: StepTimes) -> Sources:
    doc_ids, spans, features = inputs.gold.column("doc_id"), inputs.entity_spans, inputs.features["entities"]
    grouped = by_split(range(len(inputs.gold)), lambda k: inputs.splits[doc_ids[k]])  # gold by position
    return grouped, lambda at: rows.in_batches(
        at,
        lambda part: rows.entities_table(
            [doc_ids[k] for k in part], spans.take(part), inputs.by_id, inputs.ids, features
        ),
    )


def _ner(inputs: ReleaseInputs, timings: StepTimes) -> Sources:
    doc_ids, spans = inputs.gold.column("doc_id"), inputs.entity_spans
    grouped = by_split(range(len(inputs.gold)), lambda k: inputs.splits[doc_ids[k]])
    return grouped, lambda at: ner.ner_table(
        [inputs.by_id[doc_ids[k]] for k in at],
        spans.take(at),
        inputs.ner_stats,
        inputs.ids.iob2,
        inputs.features["ner"],
    )


def _documents(inputs: ReleaseInputs, timings: StepTimes) -> Sources:
    return by_split(inputs.docs, lambda d: inputs.splits[d.id]), lambda ds: rows.in_batches(
        ds, lambda part: rows.documents_table(part, inputs.ids, inputs.features["documents"])
    )


def _claims(inputs: ReleaseInputs, timings: StepTimes) -> Sources:
    with timings.step("rows claims"):
        claims = rows.claims_table(
            inputs.gold, inputs.schema, inputs.pseudonym, inputs.ids, inputs.features["claims"], inputs.claims_frame
        )
    doc_ids = claims.column("doc_id").to_pylist()
    return by_split(range(claims.num_rows), lambda i: inputs.splits[doc_ids[i]]), lambda at: claims.take(
        pa.array(at, pa.int64())
    )


def _annotations(inputs: ReleaseInputs, timings: StepTimes) -> Sources:
    return by_split(inputs.records, lambda r: inputs.splits[r.doc_id]), lambda rs: rows.arrow_table(
        (rows.annotation_row(r, inputs.pseudonym, inputs.ids) for r in rs), inputs.features["annotations"]
    )


# The registry, in the card's order (the first one a release has is its default: `default_config`).
# A config in a module of its own is one line here: `added("NAME"),`.
CONFIGS: tuple[ReleaseConfig, ...] = (
    ReleaseConfig("entities", "a document with its gold entity spans", F.entities_features, _entities),
    ReleaseConfig(
        "documents", "a cleaned document with structure blocks and quality flags", F.documents_features, _documents
    ),
    ReleaseConfig("ner", "a document as tokens with IOB2 tags", F.ner_features, _ner),
    ReleaseConfig(
        "claims", "a gold claim with its cue, source and attributes", F.claims_features, _claims
    ),  # from validation's claims frame where that process validates: `releases.build.validation_lane`
    ReleaseConfig(
        "annotations",
        "one annotator's record (pseudonymised), for agreement research",
        F.annotations_features,
        _annotations,
        beside_validation=True,
    ),
)


def default_config(released: Iterable[str]) -> str | None:
    """The config ``load_dataset(path)`` gives without a name: the first in the registry's order
    that the release has. `entities` when there is gold; without gold, `documents`, so that a
    release of a workspace nobody has adjudicated yet still loads without naming a config."""
    released = set(released)
    return next((c.name for c in CONFIGS if c.name in released), None)


CONFIG_NAMES = tuple(c.name for c in CONFIGS)
# The configs made of gold: a release without gold has none of them (the card, the limitations).
GOLD_CONFIGS = ("entities", "ner", "claims")
BY_NAME = {c.name: c for c in CONFIGS}


def config_features(schema: LabelSchema) -> dict[str, Features]:
    """Every config's declared Features, by name."""
    return {c.name: c.features(schema) for c in CONFIGS}
