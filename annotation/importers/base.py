"""What every import format produces, and the one interface a format implements.

A format is an :class:`ImportFormat`: its name (`--format`), the origin its records carry and a
``read(path, reading)`` that turns a file or folder into :class:`ForeignDocument` s, whose offsets
point into the text that came with them. The registry is ``annotation.importers.FORMATS``.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from annotation.importers import SENTENCES_PER_DOCUMENT
from annotation.model import AnnotationRecord, RegionChoice
from annotation.schema import CLAIM, CUE, LINK_CUE, LINK_SOURCE, LabelSchema
from corpus.errors import Errors, NewsdeskError
from corpus.readers import decode

if TYPE_CHECKING:
    from annotation.importers.label_map import LabelMap

T = TypeVar("T")


@dataclass(frozen=True)
class ImportFormat:
    """One import format: what `--format` names, the origin of its records, and its reader."""

    name: str
    origin: str
    read: Callable[[Path, Reading], list[ForeignDocument]]


# --- what readers produce ---------------------------------------------------------------------------


@dataclass
class ForeignDocument:
    """One text of an imported file and the records made on it (offsets into ``text``)."""

    file: Path  # the file holding the annotations, as found under the imported path
    key: str  # its name relative to the imported path: the stable part of record ids
    position: str  # where in the file: "task2", "doc1"; "" for a file holding one document
    text: str
    records: list[AnnotationRecord]
    title: str | None = None
    doc_id: str | None = None  # a newsdesk document the file says it was made on (our own exports)
    text_file: Path | None = None  # the file holding the text, when it is another one (brat's .txt)

    @property
    def where(self) -> str:
        return f"{self.file}#{self.position}" if self.position else str(self.file)


@dataclass
class Reading:
    """What every reader needs and what it found: the label map, the annotator to use, what it
    skipped on purpose, the files it could not read, the repeated ids it dropped."""

    mapping: LabelMap
    annotator: str | None
    skipped: Counter
    annotator_from_name: bool = False
    # CoNLL files without -DOCSTART- lines: a document every this many sentences (0: the whole file).
    sentences_per_document: int = SENTENCES_PER_DOCUMENT
    failed: list[NewsdeskError] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # one line each: where, the id, what was kept

    def annotator_of(self, file: Path, default: str) -> str:
        """The annotator of a file's records: ``NAME_ANNOTATOR.ext`` when asked to read it from the
        name (PolNeAR's layout), else the one given, else ``default``."""
        if not self.annotator_from_name:
            return self.annotator or default
        name, sep, annotator = file.stem.rpartition("_")
        if not (sep and name and annotator.strip()):
            raise NewsdeskError(
                Errors.E209,
                where=str(file),
                detail="its name does not end in _ANNOTATOR",
                hint="rename it NAME_ANNOTATOR" + file.suffix + ", or import it with "
                "--annotator NAME instead of --annotator-from-name",
            )
        return annotator

    def each(self, items: Iterable[T], read: Callable[[T], list[ForeignDocument]]) -> list[ForeignDocument]:
        """``read`` applied to every item (a file, a task); an item it cannot read is kept in
        ``failed`` and the others are read: one bad file does not cost the folder."""
        docs = []
        for item in items:
            repeated, skipped = len(self.repeated), self.skipped.copy()
            try:
                docs.extend(read(item))
            except NewsdeskError as exc:
                self.failed.append(exc)
                del self.repeated[repeated:]  # what a failed item counted is not in the report
                self.skipped.clear()
                self.skipped.update(skipped)
        return docs


def record_id(annotator: str, key: str, position: str = "") -> str:
    """The annotator, the file's name relative to the imported path, the place in it: the
    annotator is part of it because annotators' folders hold files of the same names."""
    return f"{annotator}/{key}#{position}" if position else f"{annotator}/{key}"


def files(path: Path, suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    """(file, name relative to ``path``) for ``path`` itself, or for every file under a folder."""
    if path.is_file():
        return [(path, path.name)]
    if not path.is_dir():
        raise NewsdeskError(Errors.E110, where=str(path))
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
        and (not suffixes or p.suffix.lower() in suffixes)
    )
    if not files:
        raise NewsdeskError(
            Errors.E209,
            where=str(path),
            detail=f"no {' or '.join(suffixes)} files in the folder" if suffixes else "empty folder",
        )
    return [(p, p.relative_to(path).as_posix()) for p in files]


def read_text(file: Path) -> str:
    return decode(file.read_bytes(), str(file))[0]


def link_for_label(schema: LabelSchema, label: str) -> str | None:
    """The link a claim makes to a span of this label, when the label alone says it."""
    if label == CUE:
        return LINK_CUE
    if label in schema.allowed_source_labels:
        return LINK_SOURCE
    return None


def add_claim_choice(
    record: AnnotationRecord, region_ids: list[str], name: str, values: tuple[str, ...], reading: Reading, what: str
) -> None:
    """Put a foreign attribute on the claim regions it belongs to, or keep it as a note."""
    fit = reading.mapping.choice(name, values)
    if fit is None:
        return
    if isinstance(fit, str):
        record.problems.append(f"{what} kept as a note: {fit}")
        return
    labels = {s.id: s.label for s in record.spans}
    claims = [r for r in region_ids if labels.get(r) == CLAIM]
    if not claims:
        on = ", ".join(f"{r} ({labels[r]})" if r in labels else f"{r} (no span)" for r in region_ids) or "nothing"
        record.problems.append(f"{what} kept as a note: it is on {on}, not on a CLAIM")
        return
    record.choices.extend(RegionChoice(r, fit[0], fit[1]) for r in claims)


def has_words(text: str) -> bool:
    """True unless ``text`` is only spacing (white space, zero-width and other format characters)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class SpanNote:
    """A span the import reports: not carried (in removed text), or carried with an edit inside."""

    record_id: str
    doc_id: str
    where: str  # the file, and the place in it for files of several documents ("export.json#task2")
    span_id: str
    label: str
    start: int  # in the original text
    end: int
    text: str
    reason: str
    clean_start: int | None = None  # where it landed, when carried
    clean_end: int | None = None

    def one_line(self) -> str:
        landed = f" -> clean [{self.clean_start}:{self.clean_end}]" if self.clean_start is not None else ""
        return (
            f"{self.where} span {self.span_id} {self.label} [{self.start}:{self.end}] {self.text!r}{landed}: "
            f"{self.reason}"
        )


UNATTRIBUTED_MARKED = "claim marked unattributed"  # annotation.conform's count of a claim given no source


@dataclass
class ImportReport:
    """What an import did; every span read is either carried or in ``spans_reported``, every file
    either read or in ``failed``, every region id used twice in ``repeated``."""

    format: str
    path: str
    documents: int = 0  # documents read from the files
    documents_added: int = 0  # of those, new to the corpus (the others were there already)
    records: int = 0  # annotation records read (one per annotation, annotator and document)
    records_written: int = 0  # new or changed records stored: 0 when the same file is imported again
    spans_carried: int = 0
    spans_noted: list[SpanNote] = field(default_factory=list)  # carried, with an edit inside
    spans_reported: list[SpanNote] = field(default_factory=list)  # not carried
    skipped: Counter = field(default_factory=Counter)  # what was skipped on purpose, with counts
    problems: list[str] = field(default_factory=list)  # notes kept on the records (also in their `problems`)
    failed: list[NewsdeskError] = field(default_factory=list)  # files (or tasks) that could not be read
    repeated: list[str] = field(default_factory=list)  # ids defined twice: where, which was kept
    # What was changed so that the records keep the schema's rules (annotation.conform), by kind:
    # "claim marked unattributed" (a claim the file gives no source), or something left out.
    conformed: Counter = field(default_factory=Counter)
    # Documents already stored that the import's ingest cleaned again (their source's repeated
    # lines changed): annotations made on their old text are carried over (annotation.migrate).
    texts_recleaned: int = 0
    # Claims stored without an answer to a required attribute of labels.toml, by attribute: a
    # corpus that does not annotate them (PolNeAR) would have every claim left out of gold (V212).
    unanswered: Counter = field(default_factory=Counter)
    claims: int = 0  # claims stored
    # One annotator's several files of one text (a duplicate article annotated twice): adjudication
    # takes one of them, so the others are named here.
    same_text_twice: list[str] = field(default_factory=list)

    @property
    def left_out(self) -> int:
        """Spans, links and choices left out so that the records validate (crossing spans, links twice...)."""
        return sum(n for kind, n in self.conformed.items() if kind != UNATTRIBUTED_MARKED)

    @property
    def ok(self) -> bool:
        """Whether everything read was stored: no file failed, no span left behind, no id dropped."""
        return not (self.failed or self.spans_reported or self.repeated or self.left_out)

    def counts(self) -> dict[str, int]:
        return {
            "spans_carried": self.spans_carried,
            "spans_noted": len(self.spans_noted),
            "spans_reported": len(self.spans_reported),
            "failed": len(self.failed),
            "repeated": len(self.repeated),
            "problems": len(self.problems),
            "left_out": self.left_out,
            "claims_marked_unattributed": self.conformed.get(UNATTRIBUTED_MARKED, 0),
        }

    def to_record(self) -> dict:
        rec = asdict(replace(self, failed=[]))
        rec["failed"] = [exc.one_line() for exc in self.failed]
        rec["skipped"] = dict(self.skipped)
        rec["conformed"] = dict(self.conformed)
        rec["unanswered"] = dict(self.unanswered)
        rec["ok"] = self.ok
        rec["counts"] = self.counts()
        return rec
