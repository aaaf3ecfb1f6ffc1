"""The corpus steps a maintainer runs: ingest files, (re)clean documents, find near-duplicates, remove documents.

``ingest`` reads files into articles, skips exact duplicates, cleans what is new and stores
both, in batches under the workspace lock; running it twice adds nothing, and running it
again after it was killed completes what the killed run left. ``ingest_articles`` does the
same for articles made elsewhere (imported annotated corpora). ``clean`` re-cleans only
documents whose raw text or pipeline version changed. ``remove_documents`` takes documents
out for good: ingest skips them afterwards and says so.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from corpus.anchors import config_from_settings as anchor_settings
from corpus.cleaning import CleaningPipeline, CleaningStats
from corpus.dedup import NearDuplicateConfig, mark_near_duplicates, near_duplicate_clusters
from corpus.errors import Errors, NewsdeskError
from corpus.model import Article, Document, Flag
from corpus.readers import JsonlFields, input_kind, read_file, suffix_of
from corpus.rules.repeated_lines import RepeatedLineTable
from corpus.store import CorpusStore
from corpus.workspace import Workspace, atomic_write_text, own_folders

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
    notes: list[NewsdeskError] = field(default_factory=list)  # what was skipped, one line each (E112, E113)
    interrupted: str | None = None  # the command an earlier run of which was interrupted, completed by this one
    completed: int = 0  # documents that run had not stored, cleaned and stored by this one
    near_duplicates: int = 0
    repeated_lines_recleaned: int = 0  # documents cleaned before, re-cleaned as their source's repeated lines changed
    cleaning: CleaningStats = field(default_factory=CleaningStats)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_record(self) -> dict:
        return {
            "files": self.files,
            "read": self.read,
            "added": self.added,
            "updated": self.updated,
            "skipped": dict(self.skipped),
            "failed": [e.one_line() for e in self.failed],
            "notes": [e.one_line() for e in self.notes],
            "interrupted": self.interrupted,
            "completed": self.completed,
            "near_duplicates": self.near_duplicates,
            "repeated_lines_recleaned": self.repeated_lines_recleaned,
            "seconds": round(self.seconds, 3),
            "cleaning": {"edits": dict(self.cleaning.edits), "flags": dict(self.cleaning.flags)},
        }

    def skip(self, reason: str, count: int = 1) -> None:
        self.skipped[reason] += count
        if self.skipped[reason] <= 0:
            del self.skipped[reason]

    def in_input_order(self, files: list[Path]) -> None:
        """Failures and notes in the order of the files (and lines) they name, after those that name no file.

        The local and the Dask path find them in different orders (a text that cleans to
        nothing is known only once its batch is cleaned); the user reads them in one.
        """
        position = {str(path): i for i, path in enumerate(files)}

        def key(item: tuple[int, NewsdeskError]) -> tuple:
            found, exc = item
            path, _, line = exc.where.rpartition(":")
            if line.isdigit() and path in position:
                return 1, position[path], int(line), found
            return (1, position[exc.where], 0, found) if exc.where in position else (0, found)

        self.failed = [exc for _, exc in sorted(enumerate(self.failed), key=key)]
        self.notes = [exc for _, exc in sorted(enumerate(self.notes), key=key)]


@dataclass
class CleanReport:
    documents: int = 0
    recleaned: int = 0
    unchanged: int = 0
    text_changed: int = 0
    near_duplicates: int = 0
    interrupted: str | None = None  # the command an earlier run of which was interrupted, completed by this one
    cleaning: CleaningStats = field(default_factory=CleaningStats)
    seconds: float = 0.0

    def to_record(self) -> dict:
        return {
            "documents": self.documents,
            "recleaned": self.recleaned,
            "unchanged": self.unchanged,
            "text_changed": self.text_changed,
            "near_duplicates": self.near_duplicates,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "cleaning": {"edits": dict(self.cleaning.edits), "flags": dict(self.cleaning.flags)},
        }


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
    anchors = anchor_settings(s)
    return NearDuplicateConfig(float(s["threshold"]), int(s["num_perm"]), int(s["shingle_words"]), anchors)


def discover_files(paths: Iterable[Path], report: IngestReport) -> list[Path]:
    """Every ingestible file under ``paths`` (folders recursively, links followed), in a stable order.

    What cannot be read is told, never passed over: a missing path (E110) or a broken link
    (E111) is a failure; a link back into a folder being read (a loop, E112) is skipped with a
    note, since that folder's files are read anyway. A folder's files of other types are counted
    as skipped, by suffix; hidden files are passed over, and so are the folders newsdesk writes in
    a workspace (its store, annotations, gold, models, studio and releases: never articles).
    """
    files = []
    for path in map(Path, paths):
        if _in_workspace_folder(path):
            report.skip("workspace folder (newsdesk's own)")
        elif path.is_dir():
            found: list[Path] = []
            real = os.path.realpath(path)
            _walk(path, real, frozenset([real]), found, report)
            files.extend(sorted(found))
        elif path.is_file():
            files.append(path)
        elif path.is_symlink():
            report.failed.append(_broken_link(path))
        else:
            report.failed.append(NewsdeskError(Errors.E110, where=str(path)))
    return list(dict.fromkeys(files))


def _walk(folder: Path, real: str, ancestors: frozenset[str], found: list[Path], report: IngestReport) -> None:
    """Add the ingestible files under ``folder`` (whose real path is ``real``) to ``found``.

    ``ancestors`` holds the real paths of the folders being read, this one included: a link to
    one of them is a loop.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        report.failed.append(
            NewsdeskError(
                Errors.E104, where=str(folder), detail=exc.strerror or str(exc), hint="check the folder can be read"
            )
        )
        return
    workspace_folders = own_folders(folder)
    for entry in entries:
        path = Path(entry.path)
        if entry.name in workspace_folders and entry.is_dir():  # a workspace's store, gold, models...
            report.skip("workspace folder (newsdesk's own)")
            continue
        if entry.is_symlink():
            try:
                target = os.path.realpath(path, strict=True)
            except OSError:  # nothing at the end of the link, or links pointing at each other
                if _could_be_ingested(path):
                    report.failed.append(_broken_link(path))
                continue
            if os.path.isdir(target):
                if target in ancestors:
                    report.skip("symlink loop")
                    report.notes.append(NewsdeskError(Errors.E112, where=str(path), detail=f"-> {target}"))
                else:
                    _walk(path, target, ancestors | {target}, found, report)
                continue
        elif entry.is_dir():
            inner = os.path.join(real, entry.name)
            _walk(path, inner, ancestors | {inner}, found, report)
            continue
        if entry.is_file() and not path.name.startswith("."):
            if input_kind(path):
                found.append(path)
            else:  # counted, so that a folder of other files is not a silent "files 0"
                report.skip(f"{suffix_of(path)} file" if path.suffix else "file without suffix")


def _in_workspace_folder(path: Path) -> bool:
    """Whether ``path`` lies in a folder newsdesk writes inside a workspace (``ws/store/...``)."""
    real = Path(os.path.realpath(path))
    for inner, outer in zip(real.parents, [real, *real.parents]):
        if outer.name in own_folders(inner):
            return True
    return False


def _could_be_ingested(path: Path) -> bool:
    """Whether a broken link is worth a line: it may have named an article, or a folder of them."""
    return not path.name.startswith(".") and (input_kind(path) is not None or not path.suffix)


def _broken_link(path: Path) -> NewsdeskError:
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    try:
        os.stat(path)
        detail = f"-> {target}"
    except OSError as exc:
        detail = f"-> {target}" + (", a loop of links" if exc.errno == errno.ELOOP else "")
    return NewsdeskError(Errors.E111, where=str(path), detail=detail)


def ingest(workspace: Workspace, paths: Iterable[Path], progress: Progress | None = None) -> IngestReport:
    """Read, deduplicate, clean and store the articles under ``paths``."""
    started = time.perf_counter()
    report = IngestReport()
    files = discover_files(paths, report)
    report.files = len(files)
    ingest_cfg = workspace.section("ingest")
    fields = JsonlFields(**workspace.section("ingest.jsonl"))
    with workspace.lock():
        read = (article for _, article in _read_all(files, int(ingest_cfg["max_bytes"]), fields, report, progress))
        _store_articles(workspace, read, report)
    report.in_input_order(files)
    report.seconds = time.perf_counter() - started
    return report


def ingest_articles(workspace: Workspace, articles: Iterable[Article]) -> tuple[IngestReport, list[str | None]]:
    """Store articles that were not read from files (e.g. the texts of imported annotations).

    They take the path of :func:`ingest` from deduplication on: exact duplicates are skipped,
    new articles are cleaned and stored, near-duplicates are marked. Returns the report and,
    for each article in order, the id of the document that holds its text: its own id, or the
    id of the exact duplicate that was already stored; None when no document holds it (its
    text cleans to nothing, E109, or it was removed, E113).
    """
    started = time.perf_counter()
    report = IngestReport()
    with workspace.lock():
        ids = _store_articles(workspace, articles, report)
    report.seconds = time.perf_counter() - started
    return report, ids


def _store_articles(workspace: Workspace, articles: Iterable[Article], report: IngestReport) -> list[str | None]:
    """Skip exact duplicates, clean and store the rest in batches; the caller holds the lock."""
    batch_size = int(workspace.section("ingest")["batch_size"])
    store = CorpusStore(workspace)
    pipeline = cleaning_pipeline(workspace)
    load_repeated_lines(workspace, pipeline)  # new documents of a known source lose its lines at once
    with store.writing("ingest") as interrupted:
        if interrupted:
            report.interrupted = interrupted
            report.completed = complete_documents(store, pipeline, report, batch_size)
        decisions = IngestDecisions(store, report)
        batch: list[Article] = []
        with store.deferred():  # each batch is durable as it is written; shards are rewritten once
            for article in articles:
                stamp = decisions.decide(article.id, article.raw_sha256, article.metadata.get("path", article.source))
                if stamp is None:
                    continue
                article.metadata["ingested_at"] = stamp
                batch.append(article)
                if len(batch) >= batch_size:
                    _store_batch(store, pipeline, batch, decisions)
                    batch = []
            if batch:
                _store_batch(store, pipeline, batch, decisions)
            if (report.added or report.updated or interrupted) and pipeline.repeated_rule is not None:
                # The new documents may make lines of their source repeated: the earlier ones lose them too.
                report.repeated_lines_recleaned = reapply_repeated_lines(workspace, store, pipeline, batch_size)
        # After an interruption, the marks of what that run stored may never have been computed.
        if report.added or report.updated or interrupted:
            report.near_duplicates = update_near_duplicates(workspace, store)
    report.cleaning = pipeline.stats
    return decisions.held_by


@dataclass
class _Pending:
    """An article decided to be stored, not yet cleaned."""

    article_id: str
    replaces: str | None  # the raw sha256 of the scrape of its URL it replaces; None: a new article
    where: str
    index: int  # its position among the articles read
    copies: list[tuple[int, str]]  # (position, where) of its exact duplicates read meanwhile


class IngestDecisions:
    """Which articles read are new, newer scrapes of a URL, exact duplicates or removed, in input order.

    The local and the Dask driver decide through this one ledger, so they decide alike. An
    article to be stored is pending until it is cleaned: one whose text cleans to nothing is
    refused (E109) and nothing is stored for it, nor for the copies of it that were counted
    as its exact duplicates meanwhile; the report's counts stay those of what was stored.

    A scrape that a newer one of its URL replaced is remembered (``store/replaced.jsonl``,
    written before the newer article): read again, it is an exact duplicate of what was
    ingested, not an update that would bring the older text back.
    """

    def __init__(self, store: CorpusStore, report: IngestReport):
        self.report = report
        self.known_raw: dict[str, str] = {}  # raw sha256 -> id, of every scrape stored, replaced or pending
        self.current_raw: dict[str, str] = {}  # id -> the raw sha256 stored or pending for it
        latest = 0.0
        for rec in store.replaced():
            self.known_raw[rec["raw_sha256"]] = rec["id"]
        for art in store.articles:
            self.known_raw[art["raw_sha256"]] = art["id"]
            self.current_raw[art["id"]] = art["raw_sha256"]
            latest = max(latest, art["metadata"].get("ingested_at", 0.0))
        self.removed: dict[str, dict] = {}  # raw sha256 and id -> the record of its removal
        for rec in store.removed():
            self.removed[rec["raw_sha256"]] = self.removed[rec["id"]] = rec
        self.clock = IngestClock(after=latest)
        self.pending: dict[str, _Pending] = {}  # by raw sha256
        self.replacing: list[dict] = []  # scrapes replaced by articles stored next (see take_replaced)
        self.held_by: list[str | None] = []  # per article read, the id of the document holding its text

    def decide(self, article_id: str, raw_sha256: str, where: str) -> float | None:
        """The article's ``ingested_at`` when it is to be stored; None when it is skipped (and counted)."""
        self.report.read += 1
        index = len(self.held_by)
        gone = self.removed.get(raw_sha256) or self.removed.get(article_id)
        if gone is not None:
            self.report.skip("removed")
            self.report.notes.append(
                NewsdeskError(Errors.E113, where=where, detail=f"document {gone['id']}, removed {gone['removed_at']}")
            )
            self.held_by.append(None)
            return None
        if raw_sha256 in self.known_raw:
            self.report.skip("exact duplicate")
            self.held_by.append(self.known_raw[raw_sha256])
            if raw_sha256 in self.pending:
                self.pending[raw_sha256].copies.append((index, where))
            return None
        # Same URL, new content: the newer scrape replaces the older.
        replaces = self.current_raw.get(article_id)
        if replaces is None:
            self.report.added += 1
        else:
            self.report.updated += 1
        self.known_raw[raw_sha256] = article_id
        self.current_raw[article_id] = raw_sha256
        self.held_by.append(article_id)
        self.pending[raw_sha256] = _Pending(article_id, replaces, where, index, [])
        return self.clock.next()

    def cleaned(self, raw_sha256: str, text: str) -> bool:
        """Settle a pending article now that its clean text is known: whether to store it."""
        entry = self.pending.pop(raw_sha256)
        if text.strip():
            if entry.replaces is not None:
                self.replacing.append({"raw_sha256": entry.replaces, "id": entry.article_id})
            return True
        report = self.report
        for index, where in [(entry.index, entry.where), *entry.copies]:
            report.failed.append(NewsdeskError(Errors.E109, where=where))
            self.held_by[index] = None
        report.skip("exact duplicate", -len(entry.copies))
        del self.known_raw[raw_sha256]
        if entry.replaces is None:
            report.added -= 1
        else:
            report.updated -= 1
        later = next((p for p in self.pending.values() if p.article_id == entry.article_id), None)
        if later is not None:  # a later scrape of the URL replaces what this one replaced, if anything
            if later.replaces == raw_sha256 and entry.replaces is None:
                report.updated -= 1
                report.added += 1
            later.replaces = entry.replaces
        elif entry.replaces is None:
            del self.current_raw[entry.article_id]
        else:
            self.current_raw[entry.article_id] = entry.replaces
        return False

    def take_replaced(self) -> list[dict]:
        """The scrapes that the articles settled since the last call replace: to be recorded before they are stored."""
        taken, self.replacing = self.replacing, []
        return taken


class IngestClock:
    """``ingested_at`` values: wall-clock time, strictly increasing and later than every stored
    article's, so that ingest order (which names the original of near-duplicates) is never a
    tie, and a re-run that completes a killed run continues its order."""

    def __init__(self, after: float = 0.0):
        self.last = after

    def next(self) -> float:
        self.last = max(time.time(), self.last + 1e-6)
        return self.last


def complete_documents(store: CorpusStore, pipeline: CleaningPipeline, report: IngestReport, batch_size: int) -> int:
    """Clean and store what an interrupted run left undone: the stored articles whose document is
    missing or was made from another raw text (a newer scrape). Returns how many were stored.

    Run only after an interruption (it reads every document): a run stores each batch's
    documents right after its articles, so only a run killed in between leaves any.
    """
    made_from = {rec["id"]: rec["raw_sha256"] for rec in store.documents}
    unfinished = [Article.from_record(rec) for rec in store.articles if made_from.get(rec["id"]) != rec["raw_sha256"]]
    del made_from
    completed = 0
    for i in range(0, len(unfinished), batch_size):
        batch = unfinished[i : i + batch_size]
        documents = pipeline.clean_many(batch)
        empty = [a for a, d in zip(batch, documents) if not d.text.strip()]
        report.failed += [NewsdeskError(Errors.E109, where=a.metadata.get("path", a.source)) for a in empty]
        store.save_documents(d for d in documents if d.text.strip())
        if empty:  # cleaned to nothing by today's rules: neither is kept
            store.delete(a.id for a in empty)
        completed += len(batch) - len(empty)
    return completed


def _read_all(
    files: list[Path], max_bytes: int, fields: JsonlFields, report: IngestReport, progress: Progress | None
) -> Iterator[tuple[int, Article]]:
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
            report.failed.append(
                NewsdeskError(Errors.E104, where=str(path), detail=str(exc), hint="check the file can be read")
            )
        if progress:
            progress(done, len(files))


def _store_batch(
    store: CorpusStore, pipeline: CleaningPipeline, articles: list[Article], decisions: IngestDecisions
) -> None:
    documents = pipeline.clean_many(articles)
    kept = [(a, d) for a, d in zip(articles, documents) if decisions.cleaned(a.raw_sha256, d.text)]
    store.record_replaced(decisions.take_replaced())
    # Articles first: a run killed between the two writes leaves articles whose documents the
    # next run completes (complete_documents).
    store.save_articles(a for a, _ in kept)
    store.save_documents(d for _, d in kept)


def clean(workspace: Workspace, force: bool = False, progress: Progress | None = None) -> CleanReport:
    """Re-clean documents whose raw text or pipeline version changed (all of them with ``force``)."""
    started = time.perf_counter()
    report = CleanReport()
    with workspace.lock():
        store = CorpusStore(workspace)
        pipeline = cleaning_pipeline(workspace)
        with store.writing("clean") as interrupted:
            report.interrupted = interrupted
            update_repeated_lines(workspace, store, pipeline)
            current = {d["id"]: _CleanState.of(d) for d in store.documents}
            articles = list(store.iter_articles())
            stale = [a for a in articles if force or a.id not in current or current[a.id].stale(a, pipeline)]
            report.documents = len(articles)
            report.unchanged = len(articles) - len(stale)
            batch_size = int(workspace.section("ingest")["batch_size"])
            with store.deferred():  # each batch is durable as it is written; shards are rewritten once
                for i in range(0, len(stale), batch_size):
                    docs = pipeline.clean_many(stale[i : i + batch_size])
                    for doc in docs:
                        if doc.id in current:
                            current[doc.id].carry_marks(doc)
                    store.save_documents(docs)
                    report.recleaned += len(docs)
                    report.text_changed += sum(
                        1 for d in docs if d.id not in current or current[d.id].text_sha256 != d.text_sha256
                    )
                    if progress:
                        progress(min(i + batch_size, len(stale)), len(stale))
            # After an interruption the marks may never have been computed for what that run stored.
            if report.text_changed or interrupted or any(a.id not in current for a in articles):
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

    repeated_lines: str = ""  # the fingerprint of its source's repeated lines it was cleaned with

    @classmethod
    def of(cls, rec: dict) -> _CleanState:
        return cls(
            rec["raw_sha256"],
            rec["cleaning"]["pipeline_version"],
            rec["text_sha256"],
            rec.get("duplicate_of"),
            rec.get("cluster"),
            [f for f in rec["flags"] if f["rule"] == "near_duplicate"],
            rec.get("metadata", {}).get("repeated_lines", ""),
        )

    def stale(self, article, pipeline: CleaningPipeline) -> bool:
        """Whether the article (or its record) cleans differently now: new raw text, pipeline or source lines."""
        raw = article["raw_sha256"] if isinstance(article, dict) else article.raw_sha256
        return (self.raw_sha256, self.pipeline_version) != (raw, pipeline.version) or self.repeated_changed(
            article, pipeline
        )

    def repeated_changed(self, article, pipeline: CleaningPipeline) -> bool:
        return self.repeated_lines != pipeline.repeated_fingerprint(article)

    def carry_marks(self, doc: Document) -> None:
        """A re-cleaned document keeps its near-duplicate marks until they are recomputed."""
        doc.duplicate_of, doc.cluster = self.duplicate_of, self.cluster
        doc.flags += [Flag(**f) for f in self.duplicate_flags]


def repeated_lines_path(workspace: Workspace):
    return workspace.path("store", "repeated_lines.json")


def load_repeated_lines(workspace: Workspace, pipeline: CleaningPipeline) -> None:
    """Give the pipeline the repeated lines the last ingest or clean found (none before the first)."""
    path = repeated_lines_path(workspace)
    if pipeline.repeated_rule is not None and path.exists():
        pipeline.repeated = RepeatedLineTable.from_record(json.loads(path.read_text("utf-8")))


def store_repeated_lines(workspace: Workspace, pipeline: CleaningPipeline, table: RepeatedLineTable) -> None:
    """Give the pipeline the table and keep it in the workspace (``store/repeated_lines.json``, for
    the next ingest and for people to read)."""
    pipeline.repeated = table
    atomic_write_text(repeated_lines_path(workspace), json.dumps(table.to_record(), ensure_ascii=False, indent=1))


def update_repeated_lines(workspace: Workspace, store: CorpusStore, pipeline: CleaningPipeline) -> None:
    """Count the lines of every stored article by source; keep those repeated across their source.

    Counted over the raw texts, which cleaning never changes: the same articles give the same
    lines however often they are cleaned.
    """
    rule = pipeline.repeated_rule
    if rule is not None:
        store_repeated_lines(workspace, pipeline, rule.table(rule.count(store.articles)))


def reapply_repeated_lines(workspace: Workspace, store: CorpusStore, pipeline: CleaningPipeline, batch: int) -> int:
    """Recount the repeated lines; re-clean the documents whose source's lines changed since they
    were cleaned (documents cleaned before new ones of their source arrived). Returns how many."""
    update_repeated_lines(workspace, store, pipeline)
    current = {d["id"]: _CleanState.of(d) for d in store.documents}
    changed = [a for a in store.iter_articles() if a.id in current and current[a.id].repeated_changed(a, pipeline)]
    for i in range(0, len(changed), batch):
        docs = pipeline.clean_many(changed[i : i + batch])
        for doc in docs:
            current[doc.id].carry_marks(doc)
        store.save_documents(docs)
    return len(changed)


def update_near_duplicates(workspace: Workspace, store: CorpusStore) -> int:
    """Recompute clusters over the whole corpus; store only the documents whose marks changed."""
    # Clustering needs only ids and texts; whole documents are read back only for those that
    # are or were marked (the others keep no marks and cannot change).
    texts, marked = [], set()
    for rec in store.documents:
        texts.append(_DocumentText(rec["id"], rec["text"]))
        if (
            rec.get("duplicate_of") is not None
            or rec.get("cluster") is not None
            or any(f["rule"] == "near_duplicate" for f in rec["flags"])
        ):
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


@dataclass
class RemoveReport:
    removed: list[dict] = field(default_factory=list)  # the records of the removals made now
    already: list[dict] = field(default_factory=list)  # ids asked for that an earlier removal took out
    near_duplicates: int = 0

    def to_record(self) -> dict:
        return {"removed": self.removed, "already_removed": self.already, "near_duplicates": self.near_duplicates}


def remove_documents(workspace: Workspace, ids: Iterable[str]) -> RemoveReport:
    """Take documents (by id or unique prefix) and their articles out of the corpus, for good.

    Each removal is recorded in ``store/removed.jsonl`` (id, raw SHA-256, source, path, title,
    time), so that ingesting the same file or URL later skips it and says so (E113) instead of
    bringing it back. Near-duplicate clusters are recomputed without the removed documents.
    Annotation records are not touched (a later stage owns them): they stay stored, and the later
    stages leave out those of removed documents (``annotation/removed.py``). An unknown id (E004)
    removes nothing.
    """
    report = RemoveReport()
    with workspace.lock():
        store = CorpusStore(workspace)
        earlier = {rec["id"]: rec for rec in store.removed()}
        chosen: dict[str, Document] = {}
        for given in ids:
            try:
                doc = store.document(given)
            except NewsdeskError:  # unknown, ambiguous, or removed before
                gone = [rec for removed_id, rec in earlier.items() if removed_id.startswith(given)]
                if len(gone) != 1:
                    raise
                report.already.append(gone[0])
                continue
            if doc.id in earlier:  # recorded by a run killed before it deleted the document
                report.already.append(earlier[doc.id])
            chosen[doc.id] = doc
        if not chosen:
            return report
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for doc in chosen.values():
            if doc.id not in earlier:
                article = store.articles.get(doc.id) or {}
                report.removed.append(
                    {
                        "id": doc.id,
                        "raw_sha256": article.get("raw_sha256", doc.raw_sha256),
                        "source": doc.source,
                        "path": doc.metadata.get("path"),
                        "title": doc.title,
                        "removed_at": when,
                    }
                )
        with store.writing("docs remove", completes=False):
            store.record_removed(report.removed)  # first: a run killed after it, the next one deletes them
            store.delete(chosen)
            report.near_duplicates = update_near_duplicates(workspace, store)
    return report
