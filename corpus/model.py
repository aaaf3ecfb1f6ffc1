"""The data model every stage shares: articles as ingested, and documents as cleaned.

Defined once and serialised once (``to_record`` / ``from_record``); later stages import
these classes and never re-declare their fields. Offsets follow the convention of
:mod:`corpus.offsets`: Python ``str`` indices, end-exclusive.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from corpus.offsets import AppliedEdit, OffsetMap

BLOCK_KINDS = ("title", "standfirst", "heading", "paragraph")


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def document_id(url: str | None, raw_bytes: bytes) -> str:
    """A stable id: from the source URL when known, else from the raw bytes.

    Never from the cleaned text, so that re-cleaning with new rules keeps every id.
    """
    return sha256_hex(url.strip() if url else raw_bytes)[:16]


class Block(NamedTuple):
    """A structural unit of the clean text: title, standfirst, heading or paragraph (an immutable record)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Flag:
    """A quality problem that a rule saw but did not change; shown to annotators."""

    rule: str
    start: int
    end: int
    message: str


@dataclass(slots=True)
class Article:
    """One article as read from its source, before cleaning: the raw text and where it came from.

    For HTML the raw text is the main text trafilatura extracted (the offset map reaches
    back to that text, not into the markup).
    """

    id: str
    source: str
    raw_text: str
    raw_sha256: str
    encoding: str
    format: str  # txt | html | jsonl
    url: str | None = None
    title: str | None = None
    published: str | None = None
    metadata: dict = field(default_factory=dict)

    def to_record(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, rec: dict) -> Article:
        return cls(**rec)


@dataclass(slots=True)
class CleaningRecord:
    """How a document's clean text was made: which pipeline, which edits, and the offset map."""

    pipeline_version: str
    edits: list[AppliedEdit]
    offset_map: OffsetMap

    def to_record(self) -> dict:
        return {
            "pipeline_version": self.pipeline_version,
            "edits": [e.to_record() for e in self.edits],
            "offset_map": self.offset_map.to_record(),
        }

    @classmethod
    def from_record(cls, rec: dict) -> CleaningRecord:
        return cls(
            rec["pipeline_version"],
            [AppliedEdit.from_record(e) for e in rec["edits"]],
            OffsetMap.from_record(rec["offset_map"]),
        )


@dataclass(slots=True)
class Document:
    """A cleaned article: the unit that is annotated, validated and released."""

    id: str
    source: str
    title: str
    text: str
    raw_sha256: str
    text_sha256: str
    encoding: str
    language: str
    published: str | None
    blocks: list[Block]
    flags: list[Flag]
    cleaning: CleaningRecord
    metadata: dict = field(default_factory=dict)
    duplicate_of: str | None = None  # the near-duplicate this one repeats (first ingested wins)
    cluster: str | None = None  # near-duplicate cluster id; releases keep a cluster in one split

    def to_record(self) -> dict:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "text": self.text,
            "raw_sha256": self.raw_sha256,
            "text_sha256": self.text_sha256,
            "encoding": self.encoding,
            "language": self.language,
            "published": self.published,
            "blocks": [[b.kind, b.start, b.end] for b in self.blocks],
            "flags": [asdict(f) for f in self.flags],
            "cleaning": self.cleaning.to_record(),
            "metadata": self.metadata,
            "duplicate_of": self.duplicate_of,
            "cluster": self.cluster,
        }

    @classmethod
    def from_record(cls, rec: dict) -> Document:
        return cls(
            id=rec["id"],
            source=rec["source"],
            title=rec["title"],
            text=rec["text"],
            raw_sha256=rec["raw_sha256"],
            text_sha256=rec["text_sha256"],
            encoding=rec["encoding"],
            language=rec["language"],
            published=rec["published"],
            blocks=[Block(*b) for b in rec["blocks"]],
            flags=[Flag(**f) for f in rec["flags"]],
            cleaning=CleaningRecord.from_record(rec["cleaning"]),
            metadata=rec.get("metadata", {}),
            duplicate_of=rec.get("duplicate_of"),
            cluster=rec.get("cluster"),
        )

    def export_record(self) -> dict:
        """The flat view `newsdesk docs export` writes: what a consumer of the corpus needs."""
        rec = self.to_record()
        rec.pop("cleaning")
        rec["blocks"] = [{"kind": b.kind, "start": b.start, "end": b.end} for b in self.blocks]
        rec["pipeline_version"] = self.cleaning.pipeline_version
        rec["edit_count"] = len(self.cleaning.edits)
        return rec
