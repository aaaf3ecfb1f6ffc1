"""The corpus store: articles and documents in sharded JSONL files, written atomically.

A record lives in shard ``int(id[:8], 16) % shards``, so finding one document reads one
shard and a batch write rewrites only the shards it touches (temporary file, then rename).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import jsonlines

from corpus.errors import Errors, NewsdeskError
from corpus.model import Article, Document
from corpus.workspace import Workspace, atomic_write_text


class ShardedJsonl:
    """Records with an ``id``, spread over ``shards`` JSONL files in one folder."""

    def __init__(self, folder: Path, shards: int):
        self.folder = folder
        self.shards = shards

    def shard_of(self, record_id: str) -> int:
        return int(record_id[:8], 16) % self.shards

    def shard_path(self, shard: int) -> Path:
        return self.folder / f"shard-{shard:05d}.jsonl"

    def read_shard(self, shard: int) -> dict[str, dict]:
        path = self.shard_path(shard)
        if not path.exists():
            return {}
        with jsonlines.open(path, loads=json.loads) as reader:
            return {rec["id"]: rec for rec in reader}

    def __iter__(self) -> Iterator[dict]:
        for shard in range(self.shards):
            path = self.shard_path(shard)
            if path.exists():
                with jsonlines.open(path, loads=json.loads) as reader:
                    yield from reader

    def get(self, record_id: str) -> dict | None:
        return self.read_shard(self.shard_of(record_id)).get(record_id)

    def upsert(self, records: Iterable[dict]) -> None:
        """Insert or replace records by id, rewriting each touched shard once, atomically."""
        by_shard: dict[int, list[dict]] = defaultdict(list)
        for rec in records:
            by_shard[self.shard_of(rec["id"])].append(rec)
        for shard, recs in sorted(by_shard.items()):
            # Records already stored are copied as the lines they are: decoding and encoding
            # them again for every batch made a large ingest quadratic in JSON work.
            current = self._read_lines(shard)
            for rec in recs:
                current[rec["id"]] = _dumps(rec)
            atomic_write_text(self.shard_path(shard), "".join(current[k] + "\n" for k in sorted(current)))

    def _read_lines(self, shard: int) -> dict[str, str]:
        """Each stored record's id -> its line (without the newline), the id read from the line's start."""
        path = self.shard_path(shard)
        if not path.exists():
            return {}
        lines = {}
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line:
                lines[_record_id(line)] = line
        return lines


class CorpusStore:
    """Typed access to a workspace's articles and documents."""

    def __init__(self, workspace: Workspace):
        shards = int(workspace.section("store")["shards"])
        self.workspace = workspace
        self.articles = ShardedJsonl(workspace.path("store", "articles"), shards)
        self.documents = ShardedJsonl(workspace.path("store", "documents"), shards)

    def iter_articles(self) -> Iterator[Article]:
        return (Article.from_record(r) for r in self.articles)

    def iter_documents(self) -> Iterator[Document]:
        return (Document.from_record(r) for r in self.documents)

    def document(self, doc_id: str) -> Document:
        rec = self.documents.get(doc_id) if _is_hex(doc_id) else None
        if rec is None:
            matches = [r for r in self.documents if r["id"].startswith(doc_id)] if _is_hex(doc_id) else []
            if len(matches) != 1:
                raise NewsdeskError(Errors.E004, where=doc_id,
                                    detail="ambiguous prefix" if matches else "")
            rec = matches[0]
        return Document.from_record(rec)

    def article(self, doc_id: str) -> Article:
        rec = self.articles.get(doc_id)
        if rec is None:
            raise NewsdeskError(Errors.E004, where=doc_id)
        return Article.from_record(rec)

    def save_articles(self, articles: Iterable[Article]) -> None:
        self.articles.upsert(a.to_record() for a in articles)

    def save_documents(self, documents: Iterable[Document]) -> None:
        self.documents.upsert(d.to_record() for d in documents)


def _dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)


_ID_PREFIX = '{"id": "'


def _record_id(line: str) -> str:
    """The id of a stored line; _dumps writes it first, so the JSON is parsed only when it is not."""
    if line.startswith(_ID_PREFIX):
        end = line.find('"', len(_ID_PREFIX))
        record_id = line[len(_ID_PREFIX):end]
        if end > 0 and "\\" not in record_id:
            return record_id
    return json.loads(line)["id"]


def _is_hex(value: str) -> bool:
    return bool(value) and all(c in "0123456789abcdef" for c in value)
