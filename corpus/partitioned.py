"""Ingest and clean as partitioned runs on an engine: the driver of ``--engine dask``.

The work per document is what ``corpus/ingest.py`` does in one process, by the same pure
functions (``read_file``, ``CleaningPipeline.clean``); only the driver differs:

- ``ingest``: input files are cut into partitions; workers read a partition's files and the
  driver, in file order, decides what is new (exact duplicates by raw SHA-256, updates by
  id) and stamps ``ingested_at``; workers then clean what is new; the driver writes the
  articles, then the documents, in batches of whole partitions.
- ``clean``: one partition per store shard; workers first count each shard's lines by source
  (the driver adds the counts up into the lines repeated across a source), then a worker reads
  the shard's articles and documents, re-cleans what is stale, and writes that shard (one
  atomic rename). ``ingest`` ends the same way for the documents whose source's repeated
  lines the new articles changed.
  A run stopped half-way has written whole shards; the next run finds them up to date and
  re-cleans only the rest.

Workers read input files and the workspace's shards at the paths the driver sees (on a
cluster, a shared filesystem); the driver holds the workspace lock throughout, and writes
everything except the shards ``clean`` rewrites, each by the one task that owns it.
Records come out identical to the local path's, whatever the engine and worker count.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from corpus import ingest as local
from corpus import lsh
from corpus.cleaning import CleaningPipeline, CleaningStats
from corpus.engines import Engine, EngineOptions, Notify, open_engine
from corpus.errors import Errors, NewsdeskError
from corpus.ingest import (
    CleanReport,
    IngestDecisions,
    IngestReport,
    Progress,
    _CleanState,
    cleaning_pipeline,
    complete_documents,
    discover_files,
    load_repeated_lines,
    store_repeated_lines,
)
from corpus.model import Article
from corpus.readers import JsonlFields, read_file
from corpus.rules.repeated_lines import LineCounts, RepeatedLineTable
from corpus.store import CorpusStore, DocumentShards, StoreLocation
from corpus.workspace import Workspace

# Input files per ingest partition are gathered up to this many bytes (a large JSONL file is
# one partition by itself): small enough to keep every worker busy, large enough that the
# scheduler's per-task cost stays small.
PARTITION_BYTES = 2_000_000


@dataclass(frozen=True)
class PipelineSpec:
    """What a worker needs to build the workspace's cleaning pipeline (built once per worker thread)."""

    rules: tuple[str, ...]
    options_json: str
    language: str | None
    repeated_json: str = ""  # the lines repeated across each source (RepeatedLineTable's record)

    @classmethod
    def of(cls, pipeline: CleaningPipeline) -> PipelineSpec:
        repeated = json.dumps(pipeline.repeated.to_record(), sort_keys=True) if pipeline.repeated.sources else ""
        return cls(
            tuple(pipeline.rule_names), json.dumps(pipeline.options, sort_keys=True), pipeline.language, repeated
        )

    def build(self) -> CleaningPipeline:
        cache = _PIPELINES.__dict__.setdefault("by_spec", {})
        if self not in cache:
            pipeline = CleaningPipeline(list(self.rules), json.loads(self.options_json), self.language)
            if self.repeated_json:
                pipeline.repeated = RepeatedLineTable.from_record(json.loads(self.repeated_json))
            cache.clear()  # a spec of an earlier table is not needed again
            cache[self] = pipeline
        pipeline = cache[self]
        pipeline.stats = CleaningStats()  # this call's counts only; the driver adds them up
        return pipeline


_PIPELINES = threading.local()


# --- ingest ----------------------------------------------------------------------------------------


@dataclass
class ReadPartition:
    """What a worker read from one partition's files: articles in order, and the files' errors."""

    articles: list[Article]
    errors: list[tuple]  # (ErrorCode, where, detail, hint): NewsdeskError itself does not pickle


def read_partition(files: list[Path], max_bytes: int, fields: JsonlFields) -> ReadPartition:
    """Read the files as the local ingest does, errors included (on a worker)."""
    out = ReadPartition([], [])
    for path in files:
        try:
            for item in read_file(path, max_bytes, fields):
                if isinstance(item, NewsdeskError):
                    out.errors.append(_error_parts(item))
                else:
                    out.articles.append(item)
        except NewsdeskError as exc:
            out.errors.append(_error_parts(exc))
        except (OSError, ValueError) as exc:  # unreadable file: report it, go on with the others
            out.errors.append((Errors.E104, str(path), str(exc), "check the file can be read"))
    return out


def partition_keys(part: ReadPartition) -> tuple[list[tuple[str, str, str]], list[tuple]]:
    """The (id, raw SHA-256, where) of each article and the errors: all the driver needs to decide."""
    return [(a.id, a.raw_sha256, a.metadata.get("path", a.source)) for a in part.articles], part.errors


def clean_new_articles(
    part: ReadPartition, keep: list[int], stamps: list[float], spec: PipelineSpec
) -> tuple[list[dict], list[dict], CleaningStats]:
    """Stamp and clean the articles the driver kept; their article and document records (on a worker)."""
    pipeline = spec.build()
    kept = [part.articles[index] for index in keep]
    for article, stamp in zip(kept, stamps):
        article.metadata["ingested_at"] = stamp
    documents = [doc.to_record() for doc in pipeline.clean_many(kept)]
    return [article.to_record() for article in kept], documents, pipeline.stats


def ingest(workspace: Workspace, paths, engine: Engine, progress: Progress | None = None) -> IngestReport:
    """:func:`corpus.ingest.ingest` on an engine: same decisions, same records."""
    started = time.perf_counter()
    report = IngestReport()
    files = discover_files(paths, report)
    report.files = len(files)
    max_bytes = int(workspace.section("ingest")["max_bytes"])
    batch_size = int(workspace.section("ingest")["batch_size"])
    fields = JsonlFields(**workspace.section("ingest.jsonl"))
    partitions = file_partitions(files)
    with workspace.lock():
        store = CorpusStore(workspace)
        pipeline = cleaning_pipeline(workspace)  # a bad config fails here, before any work is sent
        load_repeated_lines(workspace, pipeline)
        spec = PipelineSpec.of(pipeline)
        with store.writing("ingest") as interrupted:
            if interrupted:  # what it left is at most a batch: cleaned here, as the local path does
                report.interrupted = interrupted
                report.completed = complete_documents(store, pipeline, report, batch_size)
            decisions = IngestDecisions(store, report)
            pending: tuple[list[dict], list[dict]] = ([], [])

            def decide(keys: list[tuple[str, str, str]]) -> tuple[list[int], list[float]]:
                keep, stamps = [], []
                for index, (article_id, raw_sha256, where) in enumerate(keys):
                    stamp = decisions.decide(article_id, raw_sha256, where)
                    if stamp is not None:
                        keep.append(index)
                        stamps.append(stamp)
                return keep, stamps

            def write(final: bool = False) -> None:
                articles, documents = pending
                if articles and (final or len(articles) >= batch_size):
                    store.record_replaced(decisions.take_replaced())
                    # Articles first: a run killed between the two writes leaves articles whose
                    # documents the next run completes.
                    store.articles.upsert(articles)
                    store.documents.upsert(documents)
                    articles.clear()
                    documents.clear()

            files_done = 0
            with store.deferred():  # as the local path: each batch durable when written, shards rewritten once
                for index, result in _ordered_two_step(
                    engine,
                    len(partitions),
                    first=lambda p: _submit_read(engine, partitions[p], max_bytes, fields),
                    second=lambda p, read, keys: _submit_clean(engine, read, keys, decide, spec, report),
                ):
                    if result is not None:
                        articles, documents, stats = result
                        for article, document in zip(articles, documents):
                            if decisions.cleaned(article["raw_sha256"], document["text"]):
                                pending[0].append(article)
                                pending[1].append(document)
                        pipeline.stats.merge(stats)
                        write()
                    files_done += len(partitions[index])
                    if progress:
                        progress(files_done, len(files))
                write(final=True)
            if (report.added or report.updated or interrupted) and pipeline.repeated_rule is not None:
                # The new documents may make lines of their source repeated: the earlier ones lose them too
                # (after the runs are folded: the workers rewrite whole shards).
                update_repeated_lines(workspace, store, pipeline, engine)
                spec, location = PipelineSpec.of(pipeline), StoreLocation.of(store)
                calls = ((location, s, spec, pipeline.version, False, True) for s in range(location.shards))
                for part in map_unordered(engine, clean_shard, calls, key="reclean-shard"):
                    report.repeated_lines_recleaned += part.recleaned
                    pipeline.stats.merge(part.stats)
            # After an interruption, the marks of what that run stored may never have been computed.
            if report.added or report.updated or interrupted:
                report.near_duplicates = lsh.update_near_duplicates(workspace, store, engine)
        report.cleaning = pipeline.stats
    report.in_input_order(files)
    report.seconds = time.perf_counter() - started
    return report


def file_partitions(files: list[Path], target_bytes: int = PARTITION_BYTES) -> list[list[Path]]:
    """Consecutive runs of files of about ``target_bytes`` together, in the files' order."""
    partitions: list[list[Path]] = []
    size = target_bytes
    for path in files:
        try:
            n = path.stat().st_size
        except OSError:
            n = 0  # the worker reports it
        if size + n > target_bytes and (not partitions or partitions[-1]):
            partitions.append([])
            size = 0
        partitions[-1].append(path)
        size += n
    return partitions


def _submit_read(engine: Engine, files: list[Path], max_bytes: int, fields: JsonlFields):
    read = engine.submit(read_partition, files, max_bytes, fields, key="read-files")
    return read, engine.submit(partition_keys, read, key="article-keys")


def _submit_clean(engine: Engine, read, keys_task, decide, spec: PipelineSpec, report: IngestReport):
    keys, errors = engine.result(keys_task)
    report.failed.extend(
        NewsdeskError(code, where=where, detail=detail, hint=hint) for code, where, detail, hint in errors
    )
    keep, stamps = decide(keys)
    return engine.submit(clean_new_articles, read, keep, stamps, spec, key="clean-articles") if keep else None


def _ordered_two_step(engine: Engine, n: int, first, second):
    """Run ``first(p)`` -> (task, small task) for partitions 0..n-1, a bounded number ahead;
    in partition order, call ``second(p, task, small result task)`` -> task or None as each
    small task finishes, and yield (p, result of the second task or None) in partition order.

    The order is what makes the decisions (which copy is first, which scrape is newer) and
    the writes the same as the local path's, whatever order the workers finish in.
    """
    window = 2 * engine.workers + 2
    firsts: dict[int, tuple] = {}
    seconds: dict[int, object] = {}
    submitted = decided = yielded = 0
    completed = engine.as_completed()

    def refill():
        nonlocal submitted
        while submitted < n and submitted - yielded < window:
            firsts[submitted] = first(submitted)
            completed.add(firsts[submitted][1])
            submitted += 1

    refill()
    for _ in completed:
        while decided < submitted and firsts[decided][1].done():
            read, keys = firsts.pop(decided)
            task = second(decided, read, keys)
            engine.release(keys)
            engine.release(read)  # the second task still holds it while it needs it
            seconds[decided] = task
            if task is not None:
                completed.add(task)
            decided += 1
        while yielded < decided and (seconds[yielded] is None or seconds[yielded].done()):
            task = seconds.pop(yielded)
            result = None if task is None else engine.result(task)
            if task is not None:
                engine.release(task)
            yield yielded, result
            yielded += 1
        refill()


def _error_parts(exc: NewsdeskError) -> tuple:
    return exc.error, exc.where, exc.detail, exc.hint


# --- clean -----------------------------------------------------------------------------------------


@dataclass
class CleanedShard:
    shard: int
    documents: int
    recleaned: int  # documents re-cleaned and written
    text_changed: int
    missing: bool  # some article had no document yet
    stats: CleaningStats


def count_shard_lines(location: StoreLocation, shard: int, spec: PipelineSpec) -> LineCounts:
    """The line counts by source of the shard's articles (on a worker)."""
    return spec.build().repeated_rule.count(location.article_records(shard).values())


def update_repeated_lines(workspace: Workspace, store: CorpusStore, pipeline: CleaningPipeline, engine: Engine):
    """:func:`corpus.ingest.update_repeated_lines` on an engine: counted by shard, added up here."""
    rule = pipeline.repeated_rule
    if rule is None:
        return
    location, spec = StoreLocation.of(store), PipelineSpec.of(pipeline)
    counts = LineCounts()
    calls = ((location, s, spec) for s in range(location.shards))
    for part in map_unordered(engine, count_shard_lines, calls, key="count-lines"):
        counts.merge(part)
    store_repeated_lines(workspace, pipeline, rule.table(counts))


def clean_shard(
    location: StoreLocation, shard: int, spec: PipelineSpec, version: str, force: bool, repeated_only: bool = False
) -> CleanedShard:
    """Re-clean the shard's documents whose raw text or pipeline version changed, and write the shard (on a worker).

    With ``repeated_only``, only those whose source's repeated lines changed (after an ingest).

    The worker writes its own shard (one atomic rewrite; no other task touches it) while the
    driver holds the workspace lock: sending the records back for the driver to encode and
    write made the driver a third consumer of two cores, and clean stopped scaling.
    """
    pipeline = spec.build()
    current = {i: _CleanState.of(rec) for i, rec in location.document_records(shard).items()}
    articles = location.article_records(shard)
    stale, missing = [], False
    for article_id in sorted(articles):  # the shard's order, as the local path meets them
        state = current.get(article_id)
        missing = missing or state is None
        rec = articles[article_id]
        if repeated_only:
            if state is not None and state.repeated_changed(rec, pipeline):
                stale.append(Article.from_record(rec))
        elif force or state is None or (state.raw_sha256, state.pipeline_version) != (rec["raw_sha256"], version):
            stale.append(Article.from_record(rec))
        elif state.repeated_changed(rec, pipeline):
            stale.append(Article.from_record(rec))
    records, changed = [], 0
    for doc in pipeline.clean_many(stale):
        state = current.get(doc.id)
        if state is not None:
            state.carry_marks(doc)
        changed += state is None or state.text_sha256 != doc.text_sha256
        records.append(doc.to_record())
    if records:
        DocumentShards(location.documents, location.shards).upsert(records)
    return CleanedShard(shard, len(articles), len(records), changed, missing, pipeline.stats)


def clean(workspace: Workspace, engine: Engine, force: bool = False, progress: Progress | None = None) -> CleanReport:
    """:func:`corpus.ingest.clean` on an engine, one partition per shard."""
    started = time.perf_counter()
    report = CleanReport()
    with workspace.lock():
        store = CorpusStore(workspace)
        pipeline = cleaning_pipeline(workspace)
        with store.writing("clean") as interrupted:
            report.interrupted = interrupted
            update_repeated_lines(workspace, store, pipeline, engine)
            spec, location = PipelineSpec.of(pipeline), StoreLocation.of(store)
            missing = False
            shards = range(location.shards)
            calls = ((location, s, spec, pipeline.version, force) for s in shards)
            for done, part in enumerate(map_unordered(engine, clean_shard, calls, key="clean-shard"), start=1):
                report.documents += part.documents
                report.recleaned += part.recleaned
                report.text_changed += part.text_changed
                missing = missing or part.missing
                pipeline.stats.merge(part.stats)
                if progress:
                    progress(done, len(shards))
            report.unchanged = report.documents - report.recleaned
            # After an interruption the marks may never have been computed for what that run stored.
            if report.text_changed or missing or interrupted:
                report.near_duplicates = lsh.update_near_duplicates(workspace, store, engine)
        report.cleaning = pipeline.stats
    report.seconds = time.perf_counter() - started
    return report


def map_unordered(engine: Engine, fn, calls, key: str):
    """``fn(*call)`` for every call (a tuple of arguments), a bounded number in flight; results as they finish."""
    window = 2 * engine.workers + 2
    todo = list(calls)
    todo.reverse()
    completed = engine.as_completed()
    in_flight = 0

    def refill():
        nonlocal in_flight
        while todo and in_flight < window:
            completed.add(engine.submit(fn, *todo.pop(), key=key))
            in_flight += 1

    refill()
    for task in completed:
        in_flight -= 1
        result = engine.result(task)
        engine.release(task)
        refill()
        yield result


# --- what the CLI calls ----------------------------------------------------------------------------


def run_ingest(
    options: EngineOptions, workspace: Workspace, paths, progress: Progress | None = None, notify: Notify | None = None
) -> IngestReport:
    """``newsdesk ingest``: the local path as it is, or this module's driver on a Dask cluster."""
    if not options.distributed:
        return local.ingest(workspace, paths, progress=progress)
    with open_engine(options, notify) as engine:
        return ingest(workspace, paths, engine, progress)


def run_clean(
    options: EngineOptions,
    workspace: Workspace,
    force: bool = False,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> CleanReport:
    """``newsdesk clean``, locally or on a Dask cluster."""
    if not options.distributed:
        return local.clean(workspace, force=force, progress=progress)
    with open_engine(options, notify) as engine:
        return clean(workspace, engine, force, progress)


def run_near_duplicates(
    options: EngineOptions, workspace: Workspace, progress: Progress | None = None, notify: Notify | None = None
) -> int:
    """``newsdesk near-duplicates``: recompute every cluster (after a change of threshold, say)."""
    if not options.distributed:
        with workspace.lock():
            store = CorpusStore(workspace)
            with store.writing("near-duplicates", completes=False):
                return local.update_near_duplicates(workspace, store)
    with open_engine(options, notify) as engine, workspace.lock():
        store = CorpusStore(workspace)
        with store.writing("near-duplicates", completes=False):
            return lsh.update_near_duplicates(workspace, store, engine, progress)
