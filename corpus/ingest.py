"""The corpus steps a maintainer runs: ingest files, (re)clean documents, find near-duplicates.

``ingest`` reads files into articles, skips exact duplicates, cleans what is new and stores
both, in batches under the workspace lock; running it twice adds nothing. ``ingest_articles``
does the same for articles made elsewhere (imported annotated corpora). ``clean``
re-cleans only documents whose raw text or pipeline version changed.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from corpus.cleaning import CleaningPipeline, CleaningStats
from corpus.dedup import NearDuplicateConfig, mark_near_duplicates, near_duplicate_clusters
from corpus.errors import Errors, NewsdeskError
from corpus.model import Article, Document, Flag
from corpus.readers import SUFFIXES, JsonlFields, read_file
from corpus.store import CorpusStore
from corpus.workspace import Workspace

# Called with (files done, files total) so the CLI can draw a progress bar.
Progress = Callable[[int, int], None]


@dataclass
class IngestReport:
    files: int = 0
    read: int = 0
    added: int = 0
    updated: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    failed: list[NewsdeskError] = field(default_factory=list)
    near_duplicates: int = 0
    cleaning: CleaningStats = field(default_factory=CleaningStats)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_record(self) -> dict:
        return {"files": self.files, "read": self.read, "added": self.added, "updated": self.updated,
                "skipped": dict(self.skipped), "failed": [e.one_line() for e in self.failed],
                "near_duplicates": self.near_duplicates, "seconds": round(self.seconds, 3),
                "cleaning": {"edits": dict(self.cleaning.edits), "flags": dict(self.cleaning.flags)}}


@dataclass
class CleanReport:
    documents: int = 0
    recleaned: int = 0
    unchanged: int = 0
    text_changed: int = 0
    near_duplicates: int = 0
    cleaning: CleaningStats = field(default_factory=CleaningStats)
    seconds: float = 0.0

    def to_record(self) -> dict:
        return {"documents": self.documents, "recleaned": self.recleaned, "unchanged": self.unchanged,
                "text_changed": self.text_changed, "near_duplicates": self.near_duplicates,
                "seconds": round(self.seconds, 3),
                "cleaning": {"edits": dict(self.cleaning.edits), "flags": dict(self.cleaning.flags)}}


def cleaning_pipeline(workspace: Workspace) -> CleaningPipeline:
    section = workspace.section("cleaning")
    rules = list(section["rules"])
    options = {name: section[name] for name in rules if isinstance(section.get(name), dict)}
    language = section.get("language", "auto")
    try:
        return CleaningPipeline(rules, options, None if language == "auto" else language)
    except (TypeError, ValueError) as exc:
        raise NewsdeskError(Errors.E003, where=str(workspace.path("newsdesk.toml")), detail=str(exc)) from exc


def near_duplicate_config(workspace: Workspace) -> NearDuplicateConfig:
    s = workspace.section("near_duplicates")
    return NearDuplicateConfig(float(s["threshold"]), int(s["num_perm"]), int(s["shingle_words"]))


def discover_files(paths: Iterable[Path]) -> tuple[list[Path], list[NewsdeskError]]:
    """Every ingestible file under ``paths`` (folders recursively), in a stable order."""
    files, errors = [], []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                                and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            errors.append(NewsdeskError(Errors.E110, where=str(path)))
    return list(dict.fromkeys(files)), errors


def ingest(workspace: Workspace, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
    """Read, deduplicate, clean and store the articles under ``paths``."""
    started = time.perf_counter()
    report = IngestReport()
    files, report.failed = discover_files(paths)
    report.files = len(files)
    ingest_cfg = workspace.section("ingest")
    fields = JsonlFields(**workspace.section("ingest.jsonl"))
    with workspace.lock():
        read = (article for _, article in _read_all(files, int(ingest_cfg["max_bytes"]), fields, report, progress))
        _store_articles(workspace, read, report)
    report.seconds = time.perf_counter() - started
    return report


def ingest_articles(workspace: Workspace, articles: Iterable[Article]) -> tuple[IngestReport, list[str]]:
    """Store articles that were not read from files (e.g. the texts of imported annotations).

    They take the path of :func:`ingest` from deduplication on: exact duplicates are skipped,
    new articles are cleaned and stored, near-duplicates are marked. Returns the report and,
    for each article in order, the id of the document that holds its text: its own id, or the
    id of the exact duplicate that was already stored.
    """
    started = time.perf_counter()
    report = IngestReport()
    with workspace.lock():
        ids = _store_articles(workspace, articles, report)
    report.seconds = time.perf_counter() - started
    return report, ids


def _store_articles(workspace: Workspace, articles: Iterable[Article], report: IngestReport) -> list[str]:
    """Skip exact duplicates, clean and store the rest in batches; the caller holds the lock."""
    batch_size = int(workspace.section("ingest")["batch_size"])
    store = CorpusStore(workspace)
    pipeline = cleaning_pipeline(workspace)
    known_raw = {}  # raw sha256 -> id, of everything stored
    known_ids = set()
    for art in store.articles:
        known_raw[art["raw_sha256"]] = art["id"]
        known_ids.add(art["id"])
    held_by: list[str] = []  # per article, the id of the document holding its text
    batch: list[Article] = []
    with store.deferred():  # each batch is durable as it is written; shards are rewritten once
        for article in articles:
            report.read += 1
            if article.raw_sha256 in known_raw:
                report.skipped["exact duplicate"] += 1
                held_by.append(known_raw[article.raw_sha256])
                continue
            if article.id in known_ids:
                report.updated += 1  # same URL, new content: the newer scrape replaces the older
            else:
                report.added += 1
            article.metadata["ingested_at"] = time.time()
            known_raw[article.raw_sha256] = article.id
            known_ids.add(article.id)
            held_by.append(article.id)
            batch.append(article)
            if len(batch) >= batch_size:
                _store_batch(store, pipeline, batch)
                batch = []
        if batch:
            _store_batch(store, pipeline, batch)
    if report.added or report.updated:
        report.near_duplicates = update_near_duplicates(workspace, store)
    report.cleaning = pipeline.stats
    return held_by


def _read_all(files: list[Path], max_bytes: int, fields: JsonlFields, report: IngestReport,
              progress: Progress | None) -> Iterator[tuple[int, Article]]:
    for done, path in enumerate(files, start=1):
        try:
            for item in read_file(path, max_bytes, fields):
                if isinstance(item, NewsdeskError):
                    report.failed.append(item)
                else:
                    yield done, item
        except NewsdeskError as exc:
            report.failed.append(exc)
        except (OSError, ValueError) as exc:  # unreadable file: report it, go on with the others
            report.failed.append(NewsdeskError(Errors.E104, where=str(path), detail=str(exc),
                                               hint="check the file can be read"))
        if progress:
            progress(done, len(files))


def _store_batch(store: CorpusStore, pipeline: CleaningPipeline, articles: list[Article]) -> None:
    # Articles first: a crash between the two writes leaves articles that `clean` will finish.
    store.save_articles(articles)
    store.save_documents(pipeline.clean_many(articles))


def clean(workspace: Workspace, force: bool = False, progress: Progress | None = None) -> CleanReport:
    """Re-clean documents whose raw text or pipeline version changed (all of them with ``force``)."""
    started = time.perf_counter()
    report = CleanReport()
    with workspace.lock():
        store = CorpusStore(workspace)
        pipeline = cleaning_pipeline(workspace)
        current = {d["id"]: _CleanState.of(d) for d in store.documents}
        articles = list(store.iter_articles())
        stale = [a for a in articles if force or a.id not in current
                 or (current[a.id].raw_sha256, current[a.id].pipeline_version) != (a.raw_sha256, pipeline.version)]
        report.documents = len(articles)
        report.unchanged = len(articles) - len(stale)
        batch_size = int(workspace.section("ingest")["batch_size"])
        with store.deferred():  # each batch is durable as it is written; shards are rewritten once
            for i in range(0, len(stale), batch_size):
                docs = pipeline.clean_many(stale[i:i + batch_size])
                for doc in docs:
                    if doc.id in current:
                        current[doc.id].carry_marks(doc)
                store.save_documents(docs)
                report.recleaned += len(docs)
                report.text_changed += sum(1 for d in docs
                                           if d.id not in current or current[d.id].text_sha256 != d.text_sha256)
                if progress:
                    progress(min(i + batch_size, len(stale)), len(stale))
        if report.text_changed or any(a.id not in current for a in articles):
            report.near_duplicates = update_near_duplicates(workspace, store)
        report.cleaning = pipeline.stats
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _CleanState:
    """What `clean` needs to know of a stored document, without keeping its text in memory."""

    raw_sha256: str
    pipeline_version: str
    text_sha256: str
    duplicate_of: str | None
    cluster: str | None
    duplicate_flags: list[dict]

    @classmethod
    def of(cls, rec: dict) -> "_CleanState":
        return cls(rec["raw_sha256"], rec["cleaning"]["pipeline_version"], rec["text_sha256"],
                   rec.get("duplicate_of"), rec.get("cluster"),
                   [f for f in rec["flags"] if f["rule"] == "near_duplicate"])

    def carry_marks(self, doc: Document) -> None:
        """A re-cleaned document keeps its near-duplicate marks until they are recomputed."""
        doc.duplicate_of, doc.cluster = self.duplicate_of, self.cluster
        doc.flags += [Flag(**f) for f in self.duplicate_flags]


def update_near_duplicates(workspace: Workspace, store: CorpusStore) -> int:
    """Recompute clusters over the whole corpus; store only the documents whose marks changed."""
    # Clustering needs only ids and texts; whole documents are read back only for those that
    # are or were marked (the others keep no marks and cannot change).
    texts, marked = [], set()
    for rec in store.documents:
        texts.append(_DocumentText(rec["id"], rec["text"]))
        if (rec.get("duplicate_of") is not None or rec.get("cluster") is not None
                or any(f["rule"] == "near_duplicate" for f in rec["flags"])):
            marked.add(rec["id"])
    rec = None  # the last record (a long article's text and edits) is not held to the end
    order = {art["id"]: (art["metadata"].get("ingested_at", 0.0),) for art in store.articles}
    clusters = near_duplicate_clusters(texts, near_duplicate_config(workspace), order)
    del texts
    marked.update(member for members in clusters.values() for member in members)
    docs = [Document.from_record(rec) for rec in store.documents if rec["id"] in marked]
    changed = mark_near_duplicates(docs, clusters)
    if changed:
        store.save_documents(changed)
    return sum(len(m) - 1 for m in clusters.values())


@dataclass(frozen=True, slots=True)
class _DocumentText:
    id: str
    text: str
