"""Annotation records of removed documents: kept in the store, left out of the dataset.

``newsdesk docs remove`` takes a document out on purpose and lists it in ``store/removed.jsonl``.
Annotation records are append-only, so its records stay stored (``annotate export`` still writes
them) and nothing is lost; but a document taken out takes its annotations out of the dataset with
it. Every stage that makes something of records (validation, agreement, adjudication, training,
releases) reads them through :class:`annotation.store.AnnotationStore` and gold, which ask here,
so all of them leave out the same records. A record of a document missing for any other reason
is not left out: validation reports it (V214).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from corpus.store import CorpusStore
from corpus.workspace import Workspace

if TYPE_CHECKING:  # the store reads records without pyarrow; only gold's readers pass columns
    from annotation.columns import RecordColumns
    from annotation.model import AnnotationRecord


@dataclass(frozen=True)
class RemovedDocuments:
    """The ids of the documents ``newsdesk docs remove`` took out, and the records they take along."""

    ids: frozenset[str]

    @classmethod
    def of(cls, workspace: Workspace) -> RemovedDocuments:
        return cls(frozenset(rec["id"] for rec in CorpusStore(workspace).removed()))

    def split(self, records: Iterable[AnnotationRecord]) -> tuple[list[AnnotationRecord], list[AnnotationRecord]]:
        """(the records the dataset is made of, the records of removed documents), each in the order given."""
        kept: list[AnnotationRecord] = []
        left_out: list[AnnotationRecord] = []
        for rec in records:
            (left_out if rec.doc_id in self.ids else kept).append(rec)
        return kept, left_out

    def split_columns(self, columns: RecordColumns) -> tuple[RecordColumns, int]:
        """(the rows of ``columns`` the dataset is made of, how many rows were of removed documents).

        The columns themselves when none is: gold stays memory-mapped, as it is read."""
        if not self.ids:
            return columns, 0
        kept = [k for k, doc_id in enumerate(columns.column("doc_id")) if doc_id not in self.ids]
        if len(kept) == len(columns):
            return columns, 0
        return columns.take(kept), len(columns) - len(kept)
