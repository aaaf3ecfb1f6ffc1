"""The gold store: adjudication's result, written whole on every run (it is derived) and read by
validation, the release build and training.

``gold/gold.arrow`` holds gold as Arrow columns (:mod:`annotation.columns`), memory-mapped when
read; ``gold/conflicts.jsonl`` the conflicts no rule settles. A ``gold/gold.jsonl`` of an earlier
version still reads until the next adjudication replaces it. Reading gold needs neither Label
Studio nor the voting rules' objects.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonlines

from annotation.columns import RecordColumns, UnstorableRecord
from annotation.model import AnnotationRecord
from annotation.removed import RemovedDocuments
from corpus import jsonio
from corpus.errors import Errors, NewsdeskError
from corpus.store import CorpusStore
from corpus.workspace import Workspace, atomic_write_text
from validation.adjudicate import (
    AdjudicationResult,
    Conflict,
)

GOLD_FILE = ("gold", "gold.arrow")  # Arrow columns (annotation.columns): read by every validation and release
LEGACY_GOLD_FILE = ("gold", "gold.jsonl")  # gold as JSON lines, as earlier versions wrote it; still read
CONFLICTS_FILE = ("gold", "conflicts.jsonl")


def _jsonl(records: Iterable[dict]) -> str:
    buf = io.StringIO()
    with jsonlines.Writer(buf, compact=True, dumps=lambda o: json.dumps(o, ensure_ascii=False)) as writer:
        writer.write_all(records)
    return buf.getvalue()


def save_gold(workspace: Workspace, result: AdjudicationResult) -> tuple[Path, Path]:
    """Write gold/gold.arrow and gold/conflicts.jsonl whole: gold is derived, so a rerun replaces it
    (and the JSON lines of an earlier version, which would otherwise be read in its place)."""
    gold_path, conflicts_path = workspace.path(*GOLD_FILE), workspace.path(*CONFLICTS_FILE)
    try:
        columns = RecordColumns.of(result.gold)
    except UnstorableRecord as exc:
        raise NewsdeskError(Errors.E216, where=f"document {exc.record.doc_id}", detail=str(exc)) from exc
    with workspace.lock():
        columns.write(gold_path)
        atomic_write_text(conflicts_path, _jsonl(c.to_record() for c in result.conflicts))
        workspace.path(*LEGACY_GOLD_FILE).unlink(missing_ok=True)
    return gold_path, conflicts_path


def _read_jsonl(path: Path) -> Iterator[dict]:
    """The file's records one at a time: each becomes an object before the next is parsed, so the
    parsed JSON of 100k gold records (gigabytes) never exists at once."""
    if not path.exists():
        return
    with jsonlines.open(path, loads=jsonio.loads) as reader:
        yield from reader


def read_gold(workspace: Workspace, of_removed_documents: bool = False) -> RecordColumns:
    """Gold as columns (objects made from them on demand); gold of an earlier version from its JSON lines.

    Gold made before a document was removed (``newsdesk docs remove``) is left out with the document
    unless ``of_removed_documents``: the next adjudication makes none for it."""
    gold = _stored_gold(workspace)
    return gold if of_removed_documents else RemovedDocuments.of(workspace).split_columns(gold)[0]


def _stored_gold(workspace: Workspace) -> RecordColumns:
    path = workspace.path(*GOLD_FILE)
    if path.exists():
        return RecordColumns.read(path)
    return RecordColumns.of([AnnotationRecord.from_record(r) for r in _read_jsonl(workspace.path(*LEGACY_GOLD_FILE))])


def load_gold(workspace: Workspace) -> list[AnnotationRecord]:
    return read_gold(workspace).records()


def load_conflicts(workspace: Workspace) -> list[Conflict]:
    return [Conflict.from_record(r) for r in _read_jsonl(workspace.path(*CONFLICTS_FILE))]


def stale_gold(workspace: Workspace, replaced: set[tuple[str, str]] | None = None) -> int:
    """How many gold records were made on a text that a re-clean has since replaced (adjudicate again);
    ``replaced``: the store's ``documents.versions()``, when the caller has read them already."""
    if not (workspace.path(*GOLD_FILE).exists() or workspace.path(*LEGACY_GOLD_FILE).exists()):
        return 0
    replaced = CorpusStore(workspace).documents.versions() if replaced is None else replaced
    if not replaced:
        return 0
    gold = read_gold(workspace)
    return sum(1 for key in zip(gold.column("doc_id"), gold.column("text_sha256")) if key in replaced)


@dataclass(frozen=True)
class GoldCoverage:
    """Of the documents people annotated, how many have no gold on their current text, and why.

    Gold made on an earlier text is no gold here: validation refuses it (V211), and a release
    leaves it out. A release of part of the data can be deliberate, so this is counted and said,
    not refused.
    """

    annotated: int  # documents with a record of a person (not cancelled)
    not_adjudicated: int  # never adjudicated, or annotated since: `newsdesk adjudicate` makes their gold
    disputed: int  # adjudicated, left without gold by a conflict no rule settles (gold/conflicts.jsonl)

    @property
    def without_gold(self) -> int:
        return self.not_adjudicated + self.disputed

    def warning(self) -> str | None:
        """One line naming the count and what to run; None when every annotated document has gold."""
        if not self.without_gold:
            return None
        counted = f"{self.annotated} annotated documents, {self.without_gold} without gold"
        if self.not_adjudicated:
            disputed = f" ({self.disputed} of them for conflicts a reviewer settles)" if self.disputed else ""
            advice = f"run `newsdesk adjudicate` first{disputed}"
        else:
            advice = "a reviewer settles their conflicts (`newsdesk adjudicate --push-review`)"
        return f"{counted}: {advice}; this release has them only in `documents` and `annotations`"

    def to_record(self) -> dict:
        return {
            "annotated_documents": self.annotated,
            "without_gold": self.without_gold,
            "not_adjudicated": self.not_adjudicated,
            "disputed": self.disputed,
        }


def gold_coverage(
    records: Iterable[AnnotationRecord], gold_doc_ids: Iterable[str], conflicted: Iterable[str]
) -> GoldCoverage:
    """How well gold covers what people annotated: ``records`` are people's records of the
    corpus's documents, ``gold_doc_ids`` the documents with gold on their current text, and
    ``conflicted`` the documents adjudication listed a conflict for."""
    annotated = {r.doc_id for r in records if not r.cancelled}
    missing = annotated - set(gold_doc_ids)
    disputed = missing & set(conflicted)
    return GoldCoverage(len(annotated), len(missing - disputed), len(disputed))
