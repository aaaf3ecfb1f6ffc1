"""Label Studio JSON exports made elsewhere: every annotator of every task."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from annotation.convert import records_from_task, repeat_note, repeated_regions
from annotation.importers.base import (
    ForeignDocument,
    ImportFormat,
    Reading,
    add_claim_choice,
    files,
    read_text,
    record_id,
)
from annotation.importers.label_map import LabelMap
from annotation.labelstudio_config import TEXT_TAG
from annotation.model import AnnotationRecord, Origin
from annotation.schema import FLAG_LAYER
from corpus.errors import Errors, NewsdeskError

# --- Label Studio -------------------------------------------------------------------------------------


def read_labelstudio(path: Path, reading: Reading) -> list[ForeignDocument]:
    """Tasks of Label Studio JSON exports (a list of tasks, or one task); ``data.text`` is the text.

    Converted by :func:`annotation.convert.records_from_task`, as a pull is: one record per
    annotation, every annotator, cancelled annotations, relations and per-region choices.
    Predictions and drafts are not annotations: they are counted as skipped. A file that is not
    such JSON, and a task without a text, are reported; the other tasks are read.
    """
    return reading.each(files(path, (".json",)), lambda found: _read_labelstudio_file(*found, reading))


def _read_labelstudio_file(file: Path, key: str, reading: Reading) -> list[ForeignDocument]:
    try:
        data = json.loads(read_text(file))
    except json.JSONDecodeError as exc:
        raise NewsdeskError(Errors.E209, where=str(file), detail=f"not JSON: {exc}") from exc
    tasks = [data] if isinstance(data, dict) else data
    if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
        raise NewsdeskError(Errors.E209, where=str(file), detail="expected a list of tasks or one task")
    annotator = reading.annotator_of(file, "") or None  # None: each annotation's own
    return reading.each(
        enumerate(tasks, start=1), lambda numbered: _read_task(file, key, *numbered, annotator, reading)
    )


def _read_task(
    file: Path, key: str, number: int, task: dict, annotator: str | None, reading: Reading
) -> list[ForeignDocument]:
    task_data = task.get("data") if isinstance(task.get("data"), dict) else {}
    text = task_data.get(TEXT_TAG)
    if not isinstance(text, str) or not text.strip():
        raise NewsdeskError(Errors.E209, where=f"{file} task {number}", detail=f"no data.{TEXT_TAG}")
    for kind in ("predictions", "drafts"):
        if task.get(kind):
            reading.skipped[f"labelstudio {kind[:-1]}"] += len(task[kind])
    position = f"task{number}"
    ours = _with_our_labels(task, reading.mapping, str(file))
    records = records_from_task(ours, origin=Origin.LABEL_STUDIO_FILE)
    people = sorted({r.annotator for r in records})
    for index, (record, ann) in enumerate(zip(records, ours.get("annotations") or []), start=1):
        if annotator and len(people) > 1:  # kept, but agreement will take them for one person
            record.problems.append(
                f"annotator {record.annotator} named {annotator}: the task has annotations "
                f"by {len(people)} people ({', '.join(people)})"
            )
        if annotator:
            record.annotator = annotator
        record.record_id = record_id(record.annotator, key, f"{position}.annotation{index}")
        record.task_id = None  # the other server's task id means nothing to ours
        reading.repeated += [
            f"{file} task {number} annotation {index}: {repeat_note(kept, dropped)}"
            for kept, dropped in repeated_regions(ann.get("result") or [])
        ]
        _choices_onto_schema(record, reading)
    title = task_data.get("title")
    doc_id = task_data.get("doc_id")
    return [
        ForeignDocument(
            file,
            key,
            position,
            text,
            records,
            title if isinstance(title, str) else None,
            doc_id if isinstance(doc_id, str) else None,
        )
    ]


def _with_our_labels(task: dict, mapping: LabelMap, where: str) -> dict:
    """A copy of the task whose region and relation labels are ours (skipped ones left out)."""
    task = copy.deepcopy(task)
    for ann in task.get("annotations") or []:
        results = []
        for item in ann.get("result") or []:
            if item.get("from_name") == FLAG_LAYER:
                results.append(item)  # our push's flag region: no label to map, reading drops it
                continue
            if item.get("type") == "labels":
                value = item.get("value") or {}
                foreign = value.get("labels") or []
                ours = [label for label in (mapping.label(f, where) for f in foreign) if label]
                if foreign and not ours:
                    continue  # skipped on purpose (counted), or unknown (the import stops)
                if ours:  # the region's layer follows from its label, whatever the other config called it
                    item["from_name"] = mapping.schema.layer_of(ours[0])
                value["labels"] = ours
            elif item.get("type") == "relation" and item.get("labels"):
                ours = [label for label in (mapping.role(f, where) for f in item["labels"]) if label]
                if not ours:
                    continue
                item["labels"] = ours
            results.append(item)
        ann["result"] = results
    return task


def _choices_onto_schema(record: AnnotationRecord, reading: Reading) -> None:
    choices, record.choices = record.choices, []
    for c in choices:
        add_claim_choice(
            record,
            [c.region_id],
            c.name,
            c.values,
            reading,
            f"choice {c.name}={list(c.values)} on region {c.region_id}",
        )
    document_choices, record.document_choices = record.document_choices, {}
    for name, values in document_choices.items():
        fit = reading.mapping.choice(name, tuple(values), document=True)
        if isinstance(fit, str):
            record.problems.append(f"document choice {name}={values} kept as a note: {fit}")
        elif fit is not None:
            record.document_choices[fit[0]] = list(fit[1])


FORMAT = ImportFormat("labelstudio", Origin.LABEL_STUDIO_FILE, read_labelstudio)
