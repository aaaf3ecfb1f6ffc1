"""The label schema: defined once, in the workspace's ``labels.toml``; everything else is generated.

The Label Studio labeling config, validation's label checks, the release's ClassLabel names
and the dataset card all read their labels from :class:`LabelSchema`, never from a copy.

Two span layers, as attribution corpora (PARC 3.0, PolNeAR) model them:

- ``entities``: named-entity labels (OntoNotes-style by default);
- ``claims``: a CLAIM span (what is asserted), an optional CUE span (the reporting verb) and
  a SOURCE span for sources that are not named entities ("a Downing Street spokeswoman").

Links go from a CLAIM to its source (an entity or SOURCE span) and to its cue. Per-claim
attributes are per-region choices; document-level choices record text-quality problems.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus.errors import Errors, NewsdeskError
from corpus.rules import RULES
from corpus.workspace import Workspace, atomic_write_text

SCHEMA_FILE = "labels.toml"

ONTONOTES_LABELS = [
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
]

DEFAULT_SCHEMA = """\
# The one label schema of this workspace. Label Studio's config, validation checks, release
# ClassLabels and the dataset card are generated from it. Changing it changes the schema hash.

[entities]
labels = ["PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
          "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"]
# Labels a claim's source link may point to (besides the SOURCE span of the claim layer).
source_labels = ["PERSON", "ORG", "GPE", "NORP"]
# May one entity span lie inside another ("[[Bank] of England]")? Crossing is never allowed.
nesting = false

[claims]
# A cue must lie within this many characters of its claim.
cue_max_distance = 200
# A SOURCE or CUE may lie inside a CLAIM span ("the report, he said, was false").
nesting = true

[[claims.attributes]]
name = "check_worthiness"
title = "Is the claim worth fact-checking?"
values = ["check-worthy", "not check-worthy", "unsure"]
required = true

[[claims.attributes]]
name = "claim_type"
title = "Claim type"
values = ["statement of fact", "quotation or opinion", "prediction", "denial", "other"]
required = true

[[claims.attributes]]
name = "speech"
title = "Direct or indirect speech"
values = ["direct", "indirect"]
required = true

[[claims.attributes]]
name = "attribution"
title = "Tick when the text names no source for the claim"
values = ["unattributed"]
required = false

[document]
name = "text_quality"
title = "Text-quality problems (cleaning flags are listed above the text)"
values = ["translation glitches", "residue left", "truncated", "other problem"]
"""

CLAIM, CUE, SOURCE = "CLAIM", "CUE", "SOURCE"
CLAIM_LABELS = [CLAIM, CUE, SOURCE]
LINK_SOURCE, LINK_CUE = "source", "cue"
LINK_LABELS = [LINK_SOURCE, LINK_CUE]
ENTITY_LAYER, CLAIM_LAYER = "entities", "claims"
# Label Studio's control for the cleaning flags: read-only regions that show annotators where a
# flag is. Never an annotation layer: reading results back drops its regions.
FLAG_LAYER = "cleaning_flags"
UNATTRIBUTED = "unattributed"
ATTRIBUTION = "attribution"  # the claim attribute whose only value is UNATTRIBUTED


def flag_labels() -> list[str]:
    """The flag regions' labels: one per flagging rule of the cleaning registry, in its order."""
    return [spec.name for spec in RULES if spec.kind == "flagging"]


@dataclass(frozen=True)
class Attribute:
    """A per-claim choice (check-worthiness, claim type, speech, ...)."""

    name: str
    title: str
    values: list[str]
    required: bool = True


@dataclass(frozen=True)
class LabelSchema:
    entity_labels: list[str] = field(default_factory=lambda: list(ONTONOTES_LABELS))
    source_labels: list[str] = field(default_factory=lambda: ["PERSON", "ORG", "GPE", "NORP"])
    claim_attributes: list[Attribute] = field(default_factory=list)
    cue_max_distance: int = 200
    document_choice: Attribute = Attribute("text_quality", "Text-quality problems", [], False)
    nesting: dict[str, bool] = field(default_factory=lambda: {ENTITY_LAYER: False, CLAIM_LAYER: True})

    # --- loading -------------------------------------------------------------------------------

    @classmethod
    def default(cls) -> LabelSchema:
        return cls.from_toml(DEFAULT_SCHEMA, "default schema")

    @classmethod
    def from_toml(cls, text: str, where: str) -> LabelSchema:
        try:
            raw = tomllib.loads(text)
            entities, claims, document = raw["entities"], raw["claims"], raw["document"]
            schema = cls(
                entity_labels=list(entities["labels"]),
                source_labels=list(entities.get("source_labels", [])),
                claim_attributes=[
                    Attribute(a["name"], a.get("title", a["name"]), list(a["values"]), bool(a.get("required", True)))
                    for a in claims.get("attributes", [])
                ],
                cue_max_distance=int(claims.get("cue_max_distance", 200)),
                nesting={
                    ENTITY_LAYER: bool(entities.get("nesting", False)),
                    CLAIM_LAYER: bool(claims.get("nesting", True)),
                },
                document_choice=Attribute(
                    document["name"], document.get("title", document["name"]), list(document["values"]), False
                ),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise NewsdeskError(Errors.E201, where=where, detail=f"{type(exc).__name__}: {exc}") from exc
        schema.check(where)
        return schema

    @classmethod
    def load(cls, workspace: Workspace) -> LabelSchema:
        """The workspace's schema; the default when the workspace has no labels.toml yet."""
        path = workspace.path(SCHEMA_FILE)
        if not path.exists():
            return cls.default()
        return cls.from_toml(path.read_text(encoding="utf-8"), str(path))

    @staticmethod
    def write_default(workspace: Workspace) -> Path:
        path = workspace.path(SCHEMA_FILE)
        if not path.exists():
            atomic_write_text(path, DEFAULT_SCHEMA)
        return path

    def check(self, where: str) -> None:
        names = self.entity_labels + CLAIM_LABELS
        if len(set(names)) != len(names):
            raise NewsdeskError(
                Errors.E201,
                where=where,
                detail=f"a label is defined twice (entity labels may not reuse {CLAIM_LABELS})",
            )
        unknown = [s for s in self.source_labels if s not in self.entity_labels]
        if unknown:
            raise NewsdeskError(
                Errors.E201,
                where=where,
                detail=f"source_labels {unknown} are not entity labels",
                hint="under [entities], set source_labels to those of labels "
                f"{list(self.entity_labels)} that a claim's source may be (or [])",
            )
        for attr in self.claim_attributes:
            if not attr.values or len(set(attr.values)) != len(attr.values):
                raise NewsdeskError(Errors.E201, where=where, detail=f"attribute {attr.name!r} needs distinct values")

    # --- what other stages ask ---------------------------------------------------------------------

    def labels(self, layer: str) -> list[str]:
        return self.entity_labels if layer == ENTITY_LAYER else CLAIM_LABELS

    def layer_of(self, label: str) -> str | None:
        if label in self.entity_labels:
            return ENTITY_LAYER
        if label in CLAIM_LABELS:
            return CLAIM_LAYER
        return None

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.claim_attributes if a.name == name), None)

    @property
    def required_attributes(self) -> list[Attribute]:
        """The claim attributes every CLAIM must have an answer for (V212)."""
        return [a for a in self.claim_attributes if a.required]

    @property
    def allowed_source_labels(self) -> list[str]:
        return self.source_labels + [SOURCE]

    def to_record(self) -> dict:
        return {
            "entity_labels": self.entity_labels,
            "source_labels": self.source_labels,
            "claim_labels": CLAIM_LABELS,
            "link_labels": LINK_LABELS,
            "claim_attributes": [asdict(a) for a in self.claim_attributes],
            "cue_max_distance": self.cue_max_distance,
            "document_choice": asdict(self.document_choice),
            "nesting": self.nesting,
        }

    def fingerprint(self) -> str:
        """A hash of everything that shapes annotations; releases record it to detect schema changes."""
        return hashlib.sha256(json.dumps(self.to_record(), sort_keys=True).encode()).hexdigest()[:16]
