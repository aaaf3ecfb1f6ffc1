"""Label Studio results <-> newsdesk annotation records.

``records_from_task`` reads one exported task (the JSON shape of Label Studio 1.23's
snapshot export; see ``shared/reference``) into one :class:`AnnotationRecord` per
annotation, keeping every annotator, cancelled annotations, relations and per-region
choices. Every span is checked against the task text; offsets that Label Studio's front
end counted differently (UTF-16 code units for emoji, collapsed whitespace) are repaired
when the text proves the intended span, and reported otherwise. A region id used by two
labelled regions of one annotation (real exports have them) is kept once, the first, with a
note: span ids are unique in a record, and links and choices name regions by id.

``results_from_record`` is the way back, for predictions and review tasks; ``flag_results``
adds a document's cleaning flags as read-only regions of the ``cleaning_flags`` control, which
reading drops again: a flag is shown to annotators, never an annotation.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from annotation.labelstudio_config import TEXT_TAG
from annotation.model import AnnotationRecord, Link, Origin, RegionChoice, Span
from annotation.schema import CLAIM_LAYER, CUE, ENTITY_LAYER, FLAG_LAYER, LINK_CUE, LINK_SOURCE, flag_labels
from corpus.model import Document

SPAN_LAYERS = (ENTITY_LAYER, CLAIM_LAYER)
# The model_version of a prediction that only carries the flags (push without a predictor).
FLAGS_ONLY_VERSION = "newsdesk-cleaning-flags"


class SpanLocator:
    """Finds where a region's text really is in the task text, repairing foreign offsets."""

    def __init__(self, text: str):
        self.text = text
        self._astral: list[int] | None = None  # code-point indices of characters beyond the BMP

    def locate(self, start: int, end: int, region_text: str) -> tuple[int, int, str] | None:
        """(start, end, how) with ``text[start:end] == region_text`` modulo whitespace; None if unprovable."""
        text = self.text
        if text[start:end] == region_text:
            return start, end, "exact"
        s16, e16 = self._from_utf16(start), self._from_utf16(end)
        if s16 is not None and text[s16:e16] == region_text:
            return s16, e16, "utf16"
        found = self._nearest(region_text, start)
        if found is not None:
            return found[0], found[1], "moved"
        return self._whitespace_insensitive(region_text, start)

    def _from_utf16(self, offset: int) -> int | None:
        """The code-point index of a UTF-16 offset (JavaScript counts an emoji as two)."""
        if self._astral is None:
            # Where each astral character starts, in UTF-16 units: its index plus those before it.
            self._astral = [i + k for k, i in enumerate(i for i, ch in enumerate(self.text) if ord(ch) > 0xFFFF)]
        if not self._astral:
            return None
        return offset - bisect_left(self._astral, offset)

    def _nearest(self, needle: str, near: int) -> tuple[int, int] | None:
        if not needle:
            return None
        best, pos = None, self.text.find(needle)
        while pos != -1:
            if best is None or abs(pos - near) < abs(best - near):
                best = pos
            pos = self.text.find(needle, pos + 1)
        return None if best is None else (best, best + len(needle))

    def _whitespace_insensitive(self, region_text: str, near: int) -> tuple[int, int, str] | None:
        words = region_text.split()
        if not words:
            return None
        pattern = re.compile(r"\s+".join(map(re.escape, words)))
        matches = list(pattern.finditer(self.text))
        if not matches:
            return None
        m = min(matches, key=lambda m: abs(m.start() - near))
        return m.start(), m.end(), "whitespace"


def annotator_name(completed_by, users: dict[int, str]) -> str:
    """The account that made an annotation: an e-mail when the server told us, else user-<id>."""
    if isinstance(completed_by, dict):
        return completed_by.get("email") or users.get(completed_by.get("id"), f"user-{completed_by.get('id')}")
    return users.get(completed_by, f"user-{completed_by}")


def records_from_task(
    task: dict, users: dict[int, str] | None = None, origin: str = Origin.LABEL_STUDIO
) -> list[AnnotationRecord]:
    """One record per annotation of an exported task (cancelled ones included)."""
    users = users or {}
    data = task.get("data", {})
    text = data.get(TEXT_TAG, "")
    locator = SpanLocator(text)
    records = []
    for ann in task.get("annotations", []):
        record = AnnotationRecord(
            doc_id=str(data.get("doc_id", "")),
            text_sha256=str(data.get("text_sha256", "")),
            annotator=annotator_name(ann.get("completed_by"), users),
            origin=origin,
            record_id=str(ann.get("id")),
            task_id=task.get("id"),
            created_at=ann.get("created_at"),
            updated_at=ann.get("updated_at"),
            lead_time=ann.get("lead_time"),
            cancelled=bool(ann.get("was_cancelled")),
            ground_truth=bool(ann.get("ground_truth")),
        )
        _read_results(ann.get("result", []), locator, record)
        records.append(record)
    return records


def record_from_prediction(task: dict, prediction: dict) -> AnnotationRecord:
    data = task.get("data", {})
    record = AnnotationRecord(
        doc_id=str(data.get("doc_id", "")),
        text_sha256=str(data.get("text_sha256", "")),
        annotator=prediction.get("model_version") or "prediction",
        origin=Origin.PREDICTION,
        record_id=str(prediction.get("id")),
        task_id=task.get("id"),
        created_at=prediction.get("created_at"),
        updated_at=prediction.get("updated_at"),
        model_version=prediction.get("model_version"),
    )
    _read_results(prediction.get("result", []), SpanLocator(data.get(TEXT_TAG, "")), record)
    return record


def repeated_regions(results: list[dict]) -> list[tuple[dict, dict]]:
    """``(kept, dropped)`` for each labelled region whose id an earlier one of the same
    annotation has already: the first keeps the id, the later ones are dropped.

    A per-region choice reusing its region's id is no repeat: that is how Label Studio ties it.
    """
    first: dict[str, dict] = {}
    repeats = []
    for item in results:
        if item.get("type") == "labels" and item.get("from_name") in SPAN_LAYERS:
            region_id = str(item.get("id"))
            if region_id in first:
                repeats.append((first[region_id], item))
            else:
                first[region_id] = item
    return repeats


def repeat_note(kept: dict, dropped: dict) -> str:
    """What was kept and what dropped of a repeated region id, in one line."""

    def shown(item: dict) -> str:
        value = item.get("value") or {}
        labels = "/".join(value.get("labels") or []) or "no label"
        return f"{labels} [{value.get('start')}:{value.get('end')}] {_short(str(value.get('text', '')))!r}"

    return (
        f"region id {str(kept.get('id'))!r} is used twice: kept the first ({shown(kept)}), "
        f"dropped the other ({shown(dropped)})"
    )


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_results(results: list[dict], locator: SpanLocator, record: AnnotationRecord) -> None:
    relations = []
    # Flag regions came from push, not from the annotator: dropped with whatever hangs on them.
    flag_ids = {str(item.get("id")) for item in results if item.get("from_name") == FLAG_LAYER}
    if flag_ids:
        results = [item for item in results if item.get("from_name") != FLAG_LAYER]
    repeats = repeated_regions(results)
    dropped = {id(item) for _, item in repeats}
    record.problems.extend(repeat_note(kept, item) for kept, item in repeats)
    spans = record.spans
    for item in results:
        if dropped and id(item) in dropped:
            continue
        if flag_ids and (
            str(item.get("id")) in flag_ids or {str(item.get("from_id")), str(item.get("to_id"))} & flag_ids
        ):
            continue  # a choice on a flag region, or a link drawn to one
        kind = item.get("type")
        if kind == "labels" and item.get("from_name") in SPAN_LAYERS:
            span = _span(item, item.get("value", {}), locator, record)
            if span is not None:
                spans.append(span)
        elif kind == "choices":
            value = item.get("value", {})
            values = tuple(value.get("choices", []))
            if "start" in value and "id" in item:  # a per-region choice reuses its region's id
                record.choices.append(RegionChoice(str(item["id"]), item["from_name"], values))
            else:
                record.document_choices[item.get("from_name", "choices")] = list(values)
        elif kind == "relation":
            relations.append(item)
        else:
            record.problems.append(f"ignored result of type {kind!r} from {item.get('from_name')!r}")
    labels = {s.id: s.label for s in spans}
    for rel in relations:
        label = (rel.get("labels") or [None])[0]
        if label is None:  # an unlabelled relation: a link to a CUE is a cue link, any other a source link
            label = LINK_CUE if labels.get(str(rel.get("to_id"))) == CUE else LINK_SOURCE
        record.links.append(Link(str(rel.get("from_id")), str(rel.get("to_id")), label))


def _span(item: dict, value: dict, locator: SpanLocator, record: AnnotationRecord) -> Span | None:
    labels = value.get("labels") or []
    region_id = str(item.get("id"))
    if not labels:
        record.problems.append(f"region {region_id} has no label; skipped")
        return None
    if len(labels) > 1:
        record.problems.append(f"region {region_id} has labels {labels}; kept {labels[0]!r}")
    start, end = int(value.get("start", -1)), int(value.get("end", -1))
    region_text = value.get("text")
    if region_text is None:
        region_text = locator.text[start:end] if 0 <= start <= end <= len(locator.text) else ""
    elif locator.text[start:end] == region_text:  # nearly every region: no repair to look for
        return Span(region_id, item["from_name"], labels[0], start, end, region_text)
    where = locator.locate(start, end, region_text)
    if where is None:
        record.problems.append(
            f"E203 task {record.task_id} region {region_id} [{start}:{end}] {region_text!r} "
            f"is not in the task text; not converted"
        )
        return None
    new_start, new_end, how = where
    if how != "exact":
        record.problems.append(
            f"region {region_id} offsets repaired ({how}): [{start}:{end}] -> [{new_start}:{new_end}]"
        )
    return Span(region_id, item["from_name"], labels[0], new_start, new_end, locator.text[new_start:new_end])


def flag_results(doc: Document) -> list[dict]:
    """The document's cleaning flags as read-only regions at their offsets, one label per rule.

    A flag over the whole text (a near-duplicate, not an article) is left to the line above the
    text: painted over every word, it would hide the entities. So is a flag of a rule the
    labeling config has no label for.
    """
    labels = set(flag_labels())
    results = []
    for n, flag in enumerate(doc.flags, start=1):
        if flag.rule not in labels or (flag.start, flag.end) == (0, len(doc.text)) or flag.start >= flag.end:
            continue
        results.append(
            {
                "id": f"flag{n}",
                "from_name": FLAG_LAYER,
                "to_name": TEXT_TAG,
                "type": "labels",
                "readonly": True,
                "value": {
                    "start": flag.start,
                    "end": flag.end,
                    "text": doc.text[flag.start : flag.end],
                    "labels": [flag.rule],
                },
                "meta": {"text": [flag.message]},
            }
        )
    return results


def results_from_record(record: AnnotationRecord) -> list[dict]:
    """Label Studio result items for a record (used for predictions and review tasks)."""
    results = []
    spans = {s.id: s for s in record.spans}
    for s in record.spans:
        results.append(
            {
                "id": s.id,
                "from_name": s.layer,
                "to_name": TEXT_TAG,
                "type": "labels",
                "value": {"start": s.start, "end": s.end, "text": s.text, "labels": [s.label]},
            }
        )
    for c in record.choices:
        s = spans.get(c.region_id)
        if s is None:
            continue
        results.append(
            {
                "id": c.region_id,
                "from_name": c.name,
                "to_name": TEXT_TAG,
                "type": "choices",
                "value": {"start": s.start, "end": s.end, "text": s.text, "choices": list(c.values)},
            }
        )
    for lk in record.links:
        results.append(
            {"from_id": lk.from_id, "to_id": lk.to_id, "type": "relation", "direction": "right", "labels": [lk.label]}
        )
    for name, values in record.document_choices.items():
        results.append({"from_name": name, "to_name": TEXT_TAG, "type": "choices", "value": {"choices": values}})
    return results
