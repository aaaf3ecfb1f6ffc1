"""The corpus store: articles and documents in sharded JSONL files, written atomically.

A record lives in shard ``int(id[:8], 16) % shards``, so finding one document reads one
shard and a batch write rewrites only the shards it touches (temporary file, then rename).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from corpus import jsonio
from corpus.errors import Errors, NewsdeskError
from corpus.model import Article, Document
from corpus.workspace import Workspace, atomic_write_lines, atomic_write_text


class ShardedJsonl:
    """Records with an ``id``, spread over ``shards`` JSONL files in one folder.

    Inside :meth:`deferred` (a long ingest or clean), each batch goes to small sorted "run"
    files beside the shards instead of rewriting them, which made writing n records cost
    n²; readers merge a shard's runs over it in order, and the runs are folded into the
    shards when the block ends (or by the next ordinary write, after a crash).
    """

    def __init__(self, folder: Path, shards: int):
        self.folder = folder
        self.shards = shards
        self._run = 0  # while deferred: the number of the next run

    def shard_of(self, record_id: str) -> int:
        return int(record_id[:8], 16) % self.shards

    def shard_path(self, shard: int) -> Path:
        return self.folder / f"shard-{shard:05d}.jsonl"

    def _runs(self) -> dict[int, list[Path]]:
        """Each shard's run files, oldest first."""
        runs: dict[int, list[Path]] = defaultdict(list)
        if self.folder.is_dir():
            for name in sorted(os.listdir(self.folder)):  # run numbers are zero-padded
                m = _RUN_NAME.fullmatch(name)
                if m:
                    runs[int(m[1])].append(self.folder / name)
        return runs

    def read_shard(self, shard: int, ids: set[str] | None = None) -> dict[str, dict]:
        """The shard's records by id, its runs merged over it; with ``ids``, only those records,
        and a line that starts with another id is not even parsed."""
        records = {}
        for path in [self.shard_path(shard), *self._runs().get(shard, [])]:
            if not path.exists():
                continue
            if ids is None:
                records.update((rec["id"], rec) for rec in jsonio.read_lines(path))
                continue
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    m = _ID_FIRST.match(line)  # as _dumps writes a record whose first key is its id
                    if (m is None or m[1] in ids) and line.strip():
                        rec = jsonio.loads(line)
                        if rec["id"] in ids:
                            records[rec["id"]] = rec
        return records

    def __iter__(self) -> Iterator[dict]:
        runs = self._runs()
        for shard in range(self.shards):
            if shard in runs:  # merged: the order a compacted shard would have
                records = self.read_shard(shard)
                yield from (records[k] for k in sorted(records))
                continue
            path = self.shard_path(shard)
            if path.exists():
                yield from jsonio.read_lines(path)

    def get(self, record_id: str) -> dict | None:
        return self.read_shard(self.shard_of(record_id)).get(record_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, dict]:
        """The records of these ids that are stored, each shard read once (only those lines parsed)."""
        found: dict[str, dict] = {}
        for shard, wanted in self.by_shard(ids):
            found.update(self.read_shard(shard, ids=wanted))
        return found

    def by_shard(self, keys: Iterable, id_of=lambda key: key) -> list[tuple[int, set]]:
        """The keys grouped by the shard their record id (``id_of(key)``) lives in, shards in order."""
        grouped: dict[int, set] = defaultdict(set)
        for key in keys:
            grouped[self.shard_of(id_of(key))].add(key)
        return sorted(grouped.items())

    def upsert(self, records: Iterable[dict]) -> None:
        """Insert or replace records by id, rewriting each touched shard once (or adding a run), atomically."""
        by_shard: dict[int, list[dict]] = defaultdict(list)
        for rec in records:
            by_shard[self.shard_of(rec["id"])].append(rec)
        runs = self._runs() if not self._run else {}
        for shard, recs in sorted(by_shard.items()):
            lines = {rec["id"]: _dumps(rec) for rec in recs}
            if self._run:
                path = self.folder / f"{self.shard_path(shard).name}.run-{self._run:06d}"
                atomic_write_lines(path, (lines[k] for k in sorted(lines)))
            else:
                self._write_shard(shard, lines, runs.get(shard, []))
        if self._run and by_shard:
            self._run += 1

    def delete(self, ids: Iterable[str]) -> int:
        """Remove records by id, each touched shard rewritten once, atomically; returns how many were there."""
        assert not self._run, "records are deleted outside a deferred block"
        by_shard: dict[int, set[str]] = defaultdict(set)
        for record_id in ids:
            by_shard[self.shard_of(record_id)].add(record_id)
        runs = self._runs()
        deleted = 0
        for shard, gone in sorted(by_shard.items()):
            if runs.get(shard):
                # Folded first: a run left beside the shard would bring a deleted record back.
                self._write_shard(shard, {}, runs[shard])
            current = self._read_lines(self.shard_path(shard))
            kept = {k: line for k, line in current.items() if k not in gone}
            if len(kept) < len(current):
                atomic_write_text(self.shard_path(shard), "".join(kept[k] + "\n" for k in sorted(kept)))
                deleted += len(current) - len(kept)
        return deleted

    @contextmanager
    def deferred(self):
        """Write batches as runs until the block ends, then fold them into the shards."""
        runs = self._runs()
        self._run = 1 + max((int(p.name.rsplit("-", 1)[1]) for paths in runs.values() for p in paths), default=0)
        try:
            yield self
        finally:
            self._run = 0
            self.compact()

    def compact(self) -> None:
        """Fold every run into its shard."""
        for shard, paths in sorted(self._runs().items()):
            self._write_shard(shard, {}, paths)

    def _write_shard(self, shard: int, lines: dict[str, str], runs: list[Path]) -> None:
        # Records already stored are copied as the lines they are, never decoded again.
        current = self._read_lines(self.shard_path(shard))
        for update in [*(self._read_lines(path) for path in runs), lines]:  # oldest first
            self._replacing(shard, current, update)
            current.update(update)
        atomic_write_lines(self.shard_path(shard), (current[k] for k in sorted(current)))
        for path in runs:  # only once the shard holds them
            path.unlink()

    def _replacing(self, shard: int, current: dict[str, str], update: dict[str, str]) -> None:
        """Called before ``update``'s lines replace those of ``current`` (the shard's lines so far)."""

    @staticmethod
    def _read_lines(path: Path) -> dict[str, str]:
        """Each stored record's id -> its line (without the newline), the id read from the line's start."""
        if not path.exists():
            return {}
        lines = {}
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line:
                lines[_record_id(line)] = line
        return lines


_RUN_NAME = re.compile(r"shard-(\d+)\.jsonl\.run-\d+")


class DocumentShards(ShardedJsonl):
    """The documents' shards, which keep what annotations need of every text a re-clean replaced.

    A document's text changes when it is cleaned again (a new pipeline version, new repeated
    lines of its source, its config): annotations made on the old text would then be stale.
    Before a document is replaced by one with another text from the same raw text, its old
    text's SHA-256 and offset map are written to ``document_versions/`` (a shard each, rewritten
    atomically before the documents' shard), so that annotations can be carried over to the new
    text through the raw text (:mod:`annotation.migrate`). Whatever writes documents (ingest,
    clean, a Dask worker) goes through here, so no path forgets it.
    """

    def __init__(self, folder: Path, shards: int):
        super().__init__(folder, shards)
        self.versions_folder = folder.parent / "document_versions"

    def _replacing(self, shard: int, current: dict[str, str], update: dict[str, str]) -> None:
        replaced = []
        for doc_id, line in update.items():
            old = current.get(doc_id)
            if old is None or _field(old, "text_sha256") == _field(line, "text_sha256"):
                continue
            if _field(old, "raw_sha256") == _field(line, "raw_sha256"):  # a newer scrape is another text
                old_rec = jsonio.loads(old)
                replaced.append(
                    {
                        "id": doc_id,
                        "text_sha256": old_rec["text_sha256"],
                        "raw_sha256": old_rec["raw_sha256"],
                        "offset_map": old_rec["cleaning"]["offset_map"],
                    }
                )
        if replaced:
            path = self.versions_path(shard)
            kept = self._read_versions(path)
            kept.update({(v["id"], v["text_sha256"]): _dumps(v) for v in replaced})
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_lines(path, (kept[k] for k in sorted(kept)))

    def versions_path(self, shard: int) -> Path:
        return self.versions_folder / f"shard-{shard:05d}.jsonl"

    def versions(self) -> set[tuple[str, str]]:
        """(document id, SHA-256 of a text it had) of every text a re-clean replaced."""
        found: set[tuple[str, str]] = set()
        for shard in range(self.shards):
            found.update(self._read_versions(self.versions_path(shard)))
        return found

    def read_versions(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict]:
        """The record (``id``, ``text_sha256``, ``raw_sha256``, ``offset_map``) of each of these
        (document id, text SHA-256) there is one of; each shard read once."""
        found = {}
        for shard, wanted in self.by_shard(keys, id_of=lambda key: key[0]):
            lines = self._read_versions(self.versions_path(shard))
            found.update((key, jsonio.loads(lines[key])) for key in wanted if key in lines)
        return found

    @staticmethod
    def _read_versions(path: Path) -> dict[tuple[str, str], str]:
        if not path.exists():
            return {}
        return {_version_key(line): line for line in path.read_text(encoding="utf-8").split("\n") if line}


_SHA256_FIELDS = {name: re.compile(f'"{name}": "([0-9a-f]{{64}})"') for name in ("text_sha256", "raw_sha256")}


def _field(line: str, name: str) -> str:
    """A SHA-256 field of a stored document's line, read off the line without parsing its text
    (quotes inside strings are escaped, so only a field can match), unless metadata holds a
    field of that name too."""
    found = _SHA256_FIELDS[name].findall(line)
    return found[0] if len(found) == 1 else json.loads(line)[name]


def _version_key(line: str) -> tuple[str, str]:
    rec = json.loads(line[: line.index(', "raw_sha256"')] + "}")  # id and text_sha256 come first
    return rec["id"], rec["text_sha256"]


class CorpusStore:
    """Typed access to a workspace's articles and documents, and the record of removed ones.

    ``store/removed.jsonl`` lists what ``newsdesk docs remove`` took out (id, raw SHA-256,
    source, path, title, time), so that ingest does not bring it back; ``store/replaced.jsonl``
    the scrapes a newer scrape of their URL replaced, so that ingest does not bring them back
    either. ``store/writing.json`` exists while a command writes the store (see :meth:`writing`).
    """

    def __init__(self, workspace: Workspace):
        shards = int(workspace.section("store")["shards"])
        self.workspace = workspace
        self.articles = ShardedJsonl(workspace.path("store", "articles"), shards)
        self.documents = DocumentShards(workspace.path("store", "documents"), shards)
        self.removed_path = workspace.path("store", "removed.jsonl")
        self.replaced_path = workspace.path("store", "replaced.jsonl")
        self.writing_path = workspace.path("store", "writing.json")

    def iter_articles(self) -> Iterator[Article]:
        return (Article.from_record(r) for r in self.articles)

    def iter_documents(self) -> Iterator[Document]:
        return (Document.from_record(r) for r in self.documents)

    def document(self, doc_id: str) -> Document:
        rec = self.documents.get(doc_id) if _is_hex(doc_id) else None
        if rec is None:
            matches = [r for r in self.documents if r["id"].startswith(doc_id)] if _is_hex(doc_id) else []
            if len(matches) != 1:
                raise NewsdeskError(Errors.E004, where=doc_id, detail="ambiguous prefix" if matches else "")
            rec = matches[0]
        return Document.from_record(rec)

    def article(self, doc_id: str) -> Article:
        rec = self.articles.get(doc_id)
        if rec is None:
            raise NewsdeskError(Errors.E004, where=doc_id)
        return Article.from_record(rec)

    @contextmanager
    def deferred(self):
        """Batch writes inside the block are added as runs, folded into the shards at its end."""
        with self.articles.deferred(), self.documents.deferred():
            yield self

    @contextmanager
    def writing(self, command: str, completes: bool = True):
        """Mark the store as being written by ``command`` until the block ends without an exception.

        Yields the command whose run was interrupted (killed, stopped) before this one, or None.
        A run killed anywhere leaves the mark, and with it maybe articles without documents and
        near-duplicate marks never computed: a command that ``completes`` them (ingest, clean)
        then does, and the mark goes at its end; any other keeps the old mark for them. The
        store's own leftovers are finished here: temporary files never renamed, runs never
        folded, removals recorded but not carried out. The caller holds the workspace lock.
        """
        interrupted = None
        # Temporary files are debris of a killed write, whatever it was: under the lock no one else writes.
        for folder in (self.writing_path.parent, self.articles.folder, self.documents.folder):
            for path in folder.glob(".*.tmp"):
                path.unlink(missing_ok=True)
        if self.writing_path.exists():
            try:
                interrupted = json.loads(self.writing_path.read_text(encoding="utf-8"))["command"]
            except (ValueError, KeyError):
                interrupted = "an earlier command"
            self._finish_interrupted_writes()
        mine = interrupted is None or completes
        if mine:
            atomic_write_text(self.writing_path, json.dumps({"command": command, "started": _now()}) + "\n")
        yield interrupted
        if mine:
            self.writing_path.unlink(missing_ok=True)

    def _finish_interrupted_writes(self) -> None:
        for sharded in (self.articles, self.documents):
            sharded.compact()
        removed = [rec["id"] for rec in self.removed()]
        if removed:
            self.delete(removed)

    def removed(self) -> list[dict]:
        """Every removal recorded by ``newsdesk docs remove``, oldest first."""
        return list(jsonio.read_lines(self.removed_path)) if self.removed_path.exists() else []

    def record_removed(self, records: Iterable[dict]) -> None:
        """Add removals to the record (a small file, rewritten whole and atomically)."""
        records = list(records)
        if not records:
            return
        old = self.removed_path.read_text(encoding="utf-8") if self.removed_path.exists() else ""
        atomic_write_text(self.removed_path, old + "".join(_dumps(rec) + "\n" for rec in records))

    def replaced(self) -> list[dict]:
        """The scrapes (raw SHA-256 and id) that a newer scrape of their URL replaced, oldest first."""
        return list(jsonio.read_lines(self.replaced_path)) if self.replaced_path.exists() else []

    def record_replaced(self, records: Iterable[dict]) -> None:
        """Remember replaced scrapes (before the articles that replace them are written)."""
        records = list(records)
        if not records:
            return
        known = {rec["raw_sha256"] for rec in self.replaced()}
        fresh = [rec for rec in records if rec["raw_sha256"] not in known]
        if fresh:
            old = self.replaced_path.read_text(encoding="utf-8") if self.replaced_path.exists() else ""
            atomic_write_text(self.replaced_path, old + "".join(_dumps(rec) + "\n" for rec in fresh))

    def delete(self, ids: Iterable[str]) -> None:
        """Delete the articles and documents of these ids (the caller records why)."""
        ids = set(ids)
        self.articles.delete(ids)
        self.documents.delete(ids)

    def save_articles(self, articles: Iterable[Article]) -> None:
        self.articles.upsert(a.to_record() for a in articles)

    def save_documents(self, documents: Iterable[Document]) -> None:
        self.documents.upsert(d.to_record() for d in documents)


@dataclass(frozen=True)
class StoreLocation:
    """Where a worker reads a workspace's shards."""

    articles: Path
    documents: Path
    shards: int

    @classmethod
    def of(cls, store: CorpusStore) -> StoreLocation:
        return cls(store.articles.folder, store.documents.folder, store.articles.shards)

    def article_records(self, shard: int) -> dict[str, dict]:
        return ShardedJsonl(self.articles, self.shards).read_shard(shard)

    def document_records(self, shard: int) -> dict[str, dict]:
        return DocumentShards(self.documents, self.shards).read_shard(shard)


_ID_FIRST = re.compile(r'\{"id": "([0-9A-Za-z_.:-]*)"[,}]')


def _dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


_ID_PREFIX = '{"id": "'


def _record_id(line: str) -> str:
    """The id of a stored line; _dumps writes it first, so the JSON is parsed only when it is not."""
    if line.startswith(_ID_PREFIX):
        end = line.find('"', len(_ID_PREFIX))
        record_id = line[len(_ID_PREFIX) : end]
        if end > 0 and "\\" not in record_id:
            return record_id
    return json.loads(line)["id"]


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _is_hex(value: str) -> bool:
    return bool(value) and all(c in "0123456789abcdef" for c in value)
