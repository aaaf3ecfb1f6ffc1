"""Pre-annotation without Label Studio: a predictor's records for every document, kept in the workspace.

``newsdesk annotate predict`` runs a predictor (``annotation/predict.py``) over the corpus,
in this process or on a Dask cluster, and writes its :class:`AnnotationRecord` (origin
``"prediction"``) per document to ``annotations/predictions/shard-NNNNN.jsonl``: one file
per store shard, each written whole and atomically by the driver. A document's record is
made again only when its clean text or the predictor's ``model_version`` changed, so a run
that was stopped half-way (or a killed worker) costs only the shards it had not written.
Maintainers use these records to choose what to annotate; ``annotate push`` sends
predictions with the tasks it creates.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from annotation.model import AnnotationRecord
from annotation.project import AnnotationSettings
from annotation.schema import LabelSchema
from corpus.engines import Engine
from corpus.errors import NewsdeskError
from corpus.ingest import Progress
from corpus.model import Document
from corpus.partitioned import map_unordered
from corpus.store import CorpusStore, StoreLocation
from corpus.workspace import Workspace, atomic_write_text

PREDICTIONS = ("annotations", "predictions")
PREDICT_CHUNK = 256  # documents handed to the predictor at once: batches for a model, bounded memory


@dataclass
class PredictReport:
    model_version: str = ""
    documents: int = 0
    predicted: int = 0
    unchanged: int = 0
    spans: int = 0  # in the records made by this run
    shards_written: int = 0
    seconds: float = 0.0

    def to_record(self) -> dict:
        return {k: round(v, 3) if k == "seconds" else v for k, v in self.__dict__.items()}


@dataclass
class PredictedShard:
    shard: int
    text: str | None  # the shard's new file, or None when nothing changed
    model_version: str
    documents: int
    predicted: int
    spans: int
    error: tuple | None = None  # (ErrorCode, where, detail, hint) of a predictor that cannot load


def prediction_path(workspace: Workspace, shard: int) -> Path:
    return workspace.path(*PREDICTIONS, f"shard-{shard:05d}.jsonl")


def predict_shard(location: StoreLocation, path: Path, shard: int, spec: str, schema: LabelSchema) -> PredictedShard:
    """The shard's prediction file with a current record for every document (on a worker)."""
    try:
        model = _predictor(spec)
    except NewsdeskError as exc:
        return PredictedShard(shard, None, "", 0, 0, 0, (exc.error, exc.where, exc.detail, exc.hint))
    version = model.model_version
    documents = location.document_records(shard)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    lines: dict[tuple[str, str], str] = {}  # (doc id, model version) -> line
    for line in old.splitlines():
        rec = json.loads(line)
        doc = documents.get(rec["doc_id"])
        if rec["model_version"] != version or (doc is not None and doc["text_sha256"] == rec["text_sha256"]):
            lines[rec["doc_id"], rec["model_version"]] = line  # another model's records are not ours to change
    predicted = spans = 0
    todo = [Document.from_record(documents[d]) for d in sorted(documents) if (d, version) not in lines]
    for start in range(0, len(todo), PREDICT_CHUNK):
        batch = todo[start : start + PREDICT_CHUNK]
        for doc, record in zip(batch, model.predict_many(batch, schema)):
            lines[doc.id, version] = json.dumps(record.to_record(), ensure_ascii=False)
            predicted += 1
            spans += len(record.spans)
    text = "".join(lines[k] + "\n" for k in sorted(lines, key=lambda k: (k[0], k[1] or "")))
    return PredictedShard(shard, None if text == old else text, version, len(documents), predicted, spans)


def predict(
    workspace: Workspace, engine: Engine, predictor: str | None = None, progress: Progress | None = None
) -> PredictReport:
    """Make the predictor's records for every document whose text (or the predictor) changed."""
    started = time.perf_counter()
    report = PredictReport()
    spec = AnnotationSettings.of(workspace).predictor if predictor is None else predictor
    from annotation.predict import resolve_predictor_spec

    spec = resolve_predictor_spec(spec, workspace.root)
    schema = LabelSchema.load(workspace)
    with workspace.lock():
        location = StoreLocation.of(CorpusStore(workspace))
        shards = range(location.shards)
        calls = ((location, prediction_path(workspace, s), s, spec, schema) for s in shards)
        for done, part in enumerate(map_unordered(engine, predict_shard, calls, key="predict-shard"), start=1):
            if part.error:
                code, where, detail, hint = part.error
                raise NewsdeskError(code, where=where, detail=detail, hint=hint)
            if part.text is not None:
                atomic_write_text(prediction_path(workspace, part.shard), part.text)
                report.shards_written += 1
            report.model_version = report.model_version or part.model_version
            report.documents += part.documents
            report.predicted += part.predicted
            report.spans += part.spans
            if progress:
                progress(done, len(shards))
    report.unchanged = report.documents - report.predicted
    report.seconds = time.perf_counter() - started
    return report


def stored_predictions(workspace: Workspace, model_version: str | None = None) -> Iterator[AnnotationRecord]:
    """The stored prediction records (of one model version, or of all), shard by shard."""
    folder = workspace.path(*PREDICTIONS)
    for path in sorted(folder.glob("shard-*.jsonl")) if folder.exists() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            record = AnnotationRecord.from_record(json.loads(line))
            if model_version is None or record.model_version == model_version:
                yield record


_MODELS = threading.local()


def _predictor(spec: str):
    """One predictor per spec and worker thread: loading a spaCy pipeline is the slow part."""
    from annotation.predict import make_predictor

    cache = _MODELS.__dict__.setdefault("by_spec", {})
    if spec not in cache:
        cache[spec] = make_predictor(spec)
    return cache[spec]
