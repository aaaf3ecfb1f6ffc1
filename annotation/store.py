"""Annotation records in the workspace: append-only segments, latest version of each record wins.

Every pull or import writes one new segment file (atomically) under
``annotations/records/``; nothing is rewritten, so an earlier state can always be rebuilt.
Reading merges the segments: for each record key (origin, record id) the version with the
latest ``updated_at`` (then the latest segment) is current. Several annotators' records for
one document are all kept: merging them is adjudication's job, not ours. The records of a
document taken out with ``newsdesk docs remove`` stay stored, but :meth:`AnnotationStore.records`
leaves them out of what the later stages read (:mod:`annotation.removed`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson

from annotation.model import AnnotationRecord
from annotation.removed import RemovedDocuments
from corpus import jsonio
from corpus.workspace import Workspace, atomic_write_bytes


class AnnotationStore:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.folder = workspace.path("annotations", "records")

    def segments(self) -> list[Path]:
        return sorted(self.folder.glob("*.jsonl")) if self.folder.exists() else []

    def _iter_raw(self) -> Iterator[dict]:
        for path in self.segments():
            yield from jsonio.read_lines(path)

    def stored(self) -> dict[tuple[str, str], dict]:
        """The stored form of the current version of every record, by (origin, record id)."""
        latest: dict[tuple[str, str], dict] = {}
        for rec in self._iter_raw():
            key = (rec["origin"], rec["record_id"])
            old = latest.get(key)
            if old is None or (rec.get("updated_at") or "") >= (old.get("updated_at") or ""):
                latest[key] = rec
        return latest

    def current(self) -> dict[tuple[str, str], AnnotationRecord]:
        """The current version of every record, by (origin, record id)."""
        return {k: AnnotationRecord.from_record(v) for k, v in self.stored().items()}

    def records(self, include_cancelled: bool = True, of_removed_documents: bool = False) -> list[AnnotationRecord]:
        """The current records by document, origin and record id: what the dataset is made of, so
        not those of documents removed with ``newsdesk docs remove`` unless ``of_removed_documents``."""
        recs = sorted(self.current().values(), key=lambda r: (r.doc_id, r.origin, r.record_id))
        recs = [r for r in recs if include_cancelled or not r.cancelled]
        return recs if of_removed_documents else RemovedDocuments.of(self.workspace).split(recs)[0]

    def append(self, records: Iterable[AnnotationRecord], label: str) -> Path | None:
        """Write the records that are new or changed as one new segment; returns its path."""
        return self.append_new(records, label)[0]

    def append_new(
        self, records: Iterable[AnnotationRecord], label: str, stored: dict[tuple[str, str], dict] | None = None
    ) -> tuple[Path | None, int]:
        """(the new segment or None, how many records it holds). ``stored``: what :meth:`stored`
        returned, read earlier under the same workspace lock (pull reads it while the server works)."""
        latest = self.stored() if stored is None else stored
        fresh = [r.to_record() for r in records]
        fresh = [r for r in fresh if not _same(latest.get((r["origin"], r["record_id"])), r)]
        if not fresh:
            return None, 0
        # orjson: a 10k-task pull writes ~300 MB of records, in a third of json's time.
        data = b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS) for r in fresh)
        # One clock reading for both parts: the second and its fraction read apart could straddle a
        # second, and name a later segment before an earlier one (the later must win a tie).
        now = time.time_ns()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime(now // 10**9))
        path = self.folder / f"{stamp}-{now % 10**9:09d}-{label}.jsonl"
        atomic_write_bytes(path, data)
        return path, len(fresh)


def _same(stored: dict | None, fresh: dict) -> bool:
    """Whether a stored record says what a fresh one says. Most are equal as stored; only the
    others (written by an older version, say) are read back through the data model."""
    if stored is None:
        return False
    return stored == fresh or AnnotationRecord.from_record(stored).to_record() == fresh
