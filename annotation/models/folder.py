"""A trained model's folder, ``models/NAME/`` in a workspace: two spaCy pipelines and meta.json.

::

    models/NAME/
        entities/    spaCy pipeline (nlp.to_disk): tok2vec + span tagger (or ner) over the
                     schema's entity labels
        claims/      spaCy pipeline: the same over CLAIM / CUE / SOURCE (its own layer,
                     so claims may overlap entities)
        meta.json    name, version, schema hash, training-data fingerprint, held-out scores,
                     library versions, training time, the claim attributes to pre-fill,
                     the link rules and each NER's start bias (annotation/models/start_bias.py)

A layer without gold to learn from has no pipeline (a NER corpus has no claims). The folder is
written to a temporary sibling and renamed, so a stopped run never leaves half a model; an
existing model is replaced only when asked to (E225 otherwise), and a run killed between
moving it aside and renaming the new one in gets it back on the next write.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from annotation.schema import LabelSchema
from corpus.errors import Errors, NewsdeskError
from corpus.workspace import Workspace, atomic_write_text

MODELS_DIR = "models"
META_FILE = "meta.json"
LAYER_PIPELINES = ("entities", "claims")  # sub-folder per layer
META_KEYS = ("name", "version", "schema_hash", "layers")


@dataclass
class ModelMeta:
    name: str
    version: str  # changes whenever the predictions could: the training data's fingerprint and the time
    schema_hash: str
    layers: list[str]  # which of LAYER_PIPELINES the folder holds
    data_fingerprint: str = ""
    trained_from: str = "gold"
    documents: dict[str, int] = field(default_factory=dict)  # {"train": n, "held_out": n}
    scores: dict = field(default_factory=dict)  # held-out scores at the kept checkpoint
    attribute_defaults: dict[str, str] = field(default_factory=dict)  # required claim attributes to pre-fill
    link_rules: dict = field(default_factory=dict)
    # {layer: {label: bias}} added to the NER's scores for opening a span (annotation.models.start_bias)
    start_bias: dict[str, dict[str, float]] = field(default_factory=dict)
    libraries: dict[str, str] = field(default_factory=dict)
    training_seconds: float = 0.0
    created_at: str = ""
    settings: dict = field(default_factory=dict)

    @property
    def model_version(self) -> str:
        """Label Studio's ``model_version`` of this model's predictions."""
        return f"model-{self.name}-{self.version}"

    def to_record(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def from_record(cls, rec: dict) -> ModelMeta:
        known = {k: v for k, v in rec.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def models_root(workspace: Workspace) -> Path:
    return workspace.path(MODELS_DIR)


def resolve_model_path(ref: str, workspace_root: Path | None = None) -> Path:
    """A model folder from a name in the workspace (``models/NAME``) or a folder's path."""
    if workspace_root is not None:
        candidate = Path(workspace_root) / MODELS_DIR / ref
        if candidate.is_dir():
            return candidate.resolve()
    path = Path(ref).expanduser()
    if path.is_dir():
        return path.resolve()
    where = ref if workspace_root is None else f"{ref} (workspace {workspace_root})"
    known = list_models(workspace_root) if workspace_root is not None else []
    raise NewsdeskError(
        Errors.E223,
        where=where,
        detail=f"no model folder of that name or path; models here: {[m.name for m in known] or 'none'}",
    )


def read_model_meta(path: Path) -> ModelMeta:
    """The folder's meta, after checking it is a whole model folder (E224 names what is missing)."""
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise NewsdeskError(Errors.E224, where=str(path), detail=f"{META_FILE} is missing")
    try:
        rec = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NewsdeskError(Errors.E224, where=str(meta_path), detail=f"unreadable: {exc}") from exc
    missing = [k for k in META_KEYS if k not in rec]
    if missing:
        raise NewsdeskError(Errors.E224, where=str(meta_path), detail=f"lacks {missing}")
    meta = ModelMeta.from_record(rec)
    for layer in meta.layers:
        pipeline = path / layer
        if not (pipeline / "config.cfg").is_file() or not (pipeline / "meta.json").is_file():
            raise NewsdeskError(
                Errors.E224,
                where=str(path),
                detail=f"the {layer} pipeline ({layer}/config.cfg, {layer}/meta.json) is missing",
            )
    return meta


def check_schema(meta: ModelMeta, schema: LabelSchema, where: str) -> None:
    """Refuse a model trained on another label schema: its labels would not be this workspace's."""
    if meta.schema_hash != schema.fingerprint():
        raise NewsdeskError(
            Errors.E222,
            where=where,
            detail=f"model {meta.name!r} was trained on schema {meta.schema_hash}, "
            f"this workspace's labels.toml is {schema.fingerprint()}",
        )


def list_models(workspace_root: Path | None) -> list[ModelMeta]:
    root = Path(workspace_root) / MODELS_DIR if workspace_root is not None else None
    if root is None or not root.is_dir():
        return []
    found = []
    for path in sorted(root.iterdir()):
        if path.is_dir() and not path.name.startswith("."):
            try:
                found.append(read_model_meta(path))
            except NewsdeskError:
                continue  # half a folder is not a model; `model evaluate` on it says what is missing
    return found


def check_name_free(target: Path, replace_existing: bool = False) -> None:
    """E225 when ``target`` holds a model (or anything) and ``replace_existing`` was not asked for: training
    must not silently overwrite a model that took minutes to train. A model a killed write left
    moved aside is put back first, so that it counts (and is not lost)."""
    _restore_moved_aside(target)
    if replace_existing or not target.exists():
        return
    try:
        meta = read_model_meta(target)
        what = f"model {meta.model_version}, trained {meta.created_at or 'at an unknown time'}"
        f1 = [meta.scores.get(layer, {}).get("exact", {}).get("f1") for layer in meta.layers]
        if any(f is not None for f in f1):
            what += ", held-out exact F1 " + " / ".join("-" if f is None else f"{f:.3f}" for f in f1)
    except NewsdeskError:
        what = "a folder that is not a whole model"
    raise NewsdeskError(Errors.E225, where=str(target), detail=f"models/{target.name} holds {what}")


def _moved_aside(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def _restore_moved_aside(target: Path) -> None:
    old = _moved_aside(target)
    if old.is_dir() and not target.exists():
        old.rename(target)


def write_model_folder(
    target: Path, meta: ModelMeta, pipelines: dict, extra: dict[str, str] | None = None, replace_existing: bool = False
) -> None:
    """Write the pipelines, meta and ``extra`` files into a temporary sibling, then rename it onto ``target``.

    An existing ``target`` is replaced only with ``replace_existing`` (else E225, checked again here: a
    training takes minutes, and another may have written the name meanwhile). A write that fails
    leaves no temporary folder and the old model as it was."""
    check_name_free(target, replace_existing)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        for layer, nlp in pipelines.items():
            nlp.to_disk(tmp / layer)
        for file, text in (extra or {}).items():
            atomic_write_text(tmp / file, text)
        atomic_write_text(tmp / META_FILE, json.dumps(meta.to_record(), indent=2, ensure_ascii=False) + "\n")
    except BaseException:  # KeyboardInterrupt too: the half-written folder goes, the old model stays
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Two renames, not one: a folder cannot be renamed onto a non-empty one. A kill between them
    # leaves the old model moved aside, which the next write (or check) puts back.
    old = _moved_aside(target)
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    shutil.rmtree(old, ignore_errors=True)
