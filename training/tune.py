"""Choose a trained model's start bias again, on a workspace's gold it was not trained on.

``newsdesk model tune MODEL``: a model trained before the start bias existed
(:mod:`annotation.models.start_bias`), or one moved to a workspace whose gold differs, gets the
bias :func:`training.evaluate.tune_start_bias` finds on the workspace's gold documents the model
was not trained on. Only ``meta.json`` changes (written to a temporary file, then renamed), with a
new version, since the predictions do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from annotation.models.folder import META_FILE, check_schema, read_model_meta, resolve_model_path
from annotation.models.predictor import ModelPredictor
from annotation.schema import LabelSchema
from corpus.errors import Errors, NewsdeskError
from corpus.workspace import Workspace, atomic_write_text
from training.evaluate import trained_documents, tune_start_bias
from training.examples import MIN_HELD_OUT_DOCUMENTS, gold_documents


def tune_model(workspace: Workspace, model: str) -> dict:
    """Re-choose MODEL's start bias on ``workspace``'s unseen gold; ``{"path", "version", "start_bias",
    "before", "documents"}``."""
    path = resolve_model_path(model, workspace.root)
    meta = read_model_meta(path)
    check_schema(meta, LabelSchema.load(workspace), where=str(path))
    trained = trained_documents(path)
    gold = gold_documents(workspace, "gold")
    unseen = [g for g in gold if g.doc.id not in trained]
    if len(unseen) < MIN_HELD_OUT_DOCUMENTS:
        raise NewsdeskError(
            Errors.E220,
            where=str(workspace.root),
            detail=f"{len(gold)} gold documents, {len(unseen)} not trained on: at least "
            f"{MIN_HELD_OUT_DOCUMENTS} are needed to choose the start bias on; adjudicate more",
        )
    before = dict(meta.start_bias)
    pipelines = ModelPredictor(str(path)).pipelines
    meta.start_bias = tune_start_bias(pipelines, meta, unseen)
    if meta.start_bias != before:
        meta.version = f"{meta.version.split('.')[0]}.{datetime.now(UTC).strftime('%Y%m%d%H%M%S')}"
        text = json.dumps(meta.to_record(), indent=2, ensure_ascii=False) + "\n"
        atomic_write_text(path / META_FILE, text)
    return {
        "path": str(path),
        "version": meta.model_version,
        "start_bias": meta.start_bias,
        "before": before,
        "documents": len(unseen),
    }
