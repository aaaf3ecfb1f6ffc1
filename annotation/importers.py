"""Importing annotations made elsewhere: Label Studio exports, CoNLL-2003 files, brat folders.

For bootstrapping from existing corpora. A reader turns its format into annotation records
whose offsets point into the *original* text that came with them. The texts then go through
our own ingest and cleaning like any article (:func:`corpus.ingest.ingest_articles`), and
every span is carried onto the clean text through the document's offset map (raw -> clean):

- a span cleaning left alone lands on the same characters of the clean text;
- a span cleaning edited inside (a double space, a repaired character) but removed no word
  of is carried, and listed in ``ImportReport.spans_noted``;
- a span that lies wholly or partly in text cleaning removed (a "Source: ..." footer) is not
  carried: it is listed in ``ImportReport.spans_reported`` and noted on its record, and so
  are the links and choices that hung on it.

Foreign names are renamed onto the schema by a :class:`LabelMap` (``--map``). A name that is
neither ours nor mapped stops the import before anything is written (E210): a corpus
imported with some labels quietly missing would look complete and not be. Skipping a label
on purpose is one entry away (``--map MISC=-``) and is counted in the report.

Records are stored append-only with ids ``FILE#POSITION@DOC_ID`` (the file's name relative
to the imported path, the annotation's place in it, the document holding the text), so
importing the same file again adds nothing.
"""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from annotation.convert import records_from_task
from annotation.labelstudio_config import TEXT_TAG
from annotation.model import AnnotationRecord, Link, RegionChoice, Span
from annotation.schema import CLAIM, CLAIM_LABELS, CUE, LINK_CUE, LINK_LABELS, LINK_SOURCE, Attribute, LabelSchema
from annotation.store import AnnotationStore
from corpus.errors import Errors, NewsdeskError
from corpus.ingest import ingest_articles
from corpus.model import Article, Document, document_id, sha256_hex
from corpus.readers import decode
from corpus.store import CorpusStore
from corpus.workspace import Workspace

FORMATS = ("labelstudio", "conll", "brat")
ORIGINS = {"labelstudio": "labelstudio-file", "conll": "conll", "brat": "brat"}
SKIP = "-"  # the target that skips a foreign name on purpose
MAP_KINDS = ("label", "role", "attr", "value")


# --- the label map ------------------------------------------------------------------------------

def parse_label_map(text: str | list[str] | None) -> dict[str, str]:
    """``"A=B,role:X=source"`` (or several such strings) -> ``{"A": "B", "role:X": "source"}``.

    Entries are separated by commas, so a name or value cannot contain one.
    """
    entries: dict[str, str] = {}
    for part in ([text] if isinstance(text, str) else text or []):
        for entry in part.split(","):
            if not entry.strip():
                continue
            key, sep, target = entry.partition("=")
            key, target = key.strip(), target.strip()
            if not sep or not key or not target:
                raise NewsdeskError(Errors.E211, where=entry.strip(), detail="expected FOREIGN=OURS")
            if entries.get(key, target) != target:
                raise NewsdeskError(Errors.E211, where=entry.strip(),
                                    detail=f"{key!r} is mapped twice ({entries[key]!r} and {target!r})")
            entries[key] = target
    return entries


class LabelMap:
    """How foreign names become ours, from ``--map`` entries ``[KIND:]FOREIGN=OURS``.

    KIND says which names an entry renames:

    - ``label:`` (the default, so ``Content=CLAIM`` works): span labels (brat entity types,
      CoNLL tag types, Label Studio region labels); OURS is a label of the schema;
    - ``role:``: brat relation types and event roles, Label Studio relation labels; OURS is
      a link label (``source`` or ``cue``). A role with a number (``Source2``) is read as the
      role without it, as brat writes repeated roles;
    - ``attr:``: brat attribute names and Label Studio choice names; OURS is a claim
      attribute (or the document choice) of the schema;
    - ``value:``: attribute values, in every attribute; OURS is a value of that attribute.

    OURS ``-`` skips a label, role or attribute on purpose; the report counts what was
    skipped. Names are compared exactly (case matters); a name that is ours needs no entry.
    """

    def __init__(self, entries: dict[str, str] | None, schema: LabelSchema, skipped: Counter | None = None):
        self.schema = schema
        self.names: dict[str, dict[str, str]] = {kind: {} for kind in MAP_KINDS}
        self.skipped = Counter() if skipped is None else skipped
        self.unknown: dict[tuple[str, str], list[str]] = {}  # (kind, foreign name) -> files it is in
        for key, target in (entries or {}).items():
            prefix, sep, name = key.partition(":")
            kind, name = (prefix, name) if sep and prefix in MAP_KINDS else ("label", key)
            problem = self._bad_target(kind, target) if name else "no foreign name"
            if problem:
                raise NewsdeskError(Errors.E211, where=f"{key}={target}", detail=problem)
            self.names[kind][name] = target

    def _bad_target(self, kind: str, target: str) -> str | None:
        if target == SKIP:
            return "a value cannot be skipped; skip its attribute with attr:NAME=-" if kind == "value" else None
        if kind == "label" and self.schema.layer_of(target) is None:
            return f"{target!r} is not a label of labels.toml"
        if kind == "role" and target not in LINK_LABELS:
            return f"{target!r} is not a link label ({', '.join(LINK_LABELS)})"
        if kind == "attr" and self._attribute(target) is None:
            names = [a.name for a in self.schema.claim_attributes] + [self.schema.document_choice.name]
            return f"{target!r} is not an attribute of labels.toml ({', '.join(names)})"
        return None

    def _attribute(self, name: str) -> Attribute | None:
        if name == self.schema.document_choice.name:
            return self.schema.document_choice
        return self.schema.attribute(name)

    def label(self, name: str, where: str) -> str | None:
        """Our span label for a foreign one; None when it is skipped, or unknown (see :meth:`check`)."""
        return self._ours("label", name, where, lambda ours: self.schema.layer_of(ours) is not None)

    def role(self, name: str, where: str) -> str | None:
        """Our link label for a relation type or event role; None when skipped or unknown."""
        return self._ours("role", name, where, lambda ours: ours in LINK_LABELS)

    def _ours(self, kind: str, name: str, where: str, known: Callable[[str], bool]) -> str | None:
        ours = self.names[kind].get(name, name)
        if ours == SKIP:
            self.skipped[f"{kind} {name}"] += 1
            return None
        if not known(ours):
            files = self.unknown.setdefault((kind, name), [])
            if where not in files:
                files.append(where)
            return None
        return ours

    def choice(self, name: str, values: tuple[str, ...], document: bool = False) -> tuple[str, tuple[str, ...]] | str | None:
        """Our attribute and values for a foreign choice; a string saying why it does not fit the
        schema (the caller keeps it as a note); None when skipped on purpose.

        A choice without values (a brat binary attribute) sets an attribute that has one value.
        """
        ours = self.names["attr"].get(name, name)
        if ours == SKIP:
            self.skipped[f"attr {name}"] += 1
            return None
        attr = self._attribute(ours)
        if attr is None or (attr is self.schema.document_choice) != document:
            kind = "document choice" if document else "claim attribute"
            return f"no {kind} {ours!r} in labels.toml (map it with --map attr:{name}=NAME)"
        mapped = tuple(self.names["value"].get(v, v) for v in values)
        if not mapped and len(attr.values) == 1:
            mapped = (attr.values[0],)
        wrong = [v for v in mapped if v not in attr.values]
        if wrong or not mapped:
            return (f"{ours!r} has no value {', '.join(map(repr, wrong)) or '(none given)'} "
                    f"(its values: {', '.join(attr.values)}; map one with --map value:FOREIGN=OURS)")
        return ours, mapped

    def check(self) -> None:
        """Raise E210 naming every foreign name that is neither ours nor mapped, with the fix."""
        if not self.unknown:
            return
        first = next(iter(self.unknown.values()))[0]
        names = ", ".join(
            f"{'relation/role ' if kind == 'role' else ''}{name!r}"
            + "".join(f" in {f}" for f in files if f != first) for (kind, name), files in self.unknown.items())
        fixes = ",".join(f"{'' if k == 'label' else k + ':'}{n}={self._suggest(k, n)}" for k, n in self.unknown)
        raise NewsdeskError(
            Errors.E210, where=first, detail=f"neither in labels.toml nor mapped: {names}",
            hint=f"map them onto the schema with --map {fixes} (OURS is a label of labels.toml, a link label "
                 f"{'/'.join(LINK_LABELS)} for role:, or - to skip), or add the labels to labels.toml")

    def _suggest(self, kind: str, name: str) -> str:
        ours = self.schema.entity_labels + CLAIM_LABELS if kind == "label" else LINK_LABELS
        same = [o for o in ours if o.lower() == name.lower()]
        return same[0] if same else "OURS"


# --- what readers produce ---------------------------------------------------------------------------

@dataclass
class ForeignDocument:
    """One text of an imported file and the records made on it (offsets into ``text``)."""

    file: Path  # the file, as found under the imported path
    key: str  # its name relative to the imported path: the stable part of record ids
    position: str  # where in the file: "task2", "doc1"; "" for a file holding one document
    text: str
    records: list[AnnotationRecord]
    title: str | None = None
    doc_id: str | None = None  # a newsdesk document the file says it was made on (our own exports)

    @property
    def where(self) -> str:
        return f"{self.file}#{self.position}" if self.position else str(self.file)


@dataclass
class Reading:
    """What every reader needs: the label map, the annotator to use, what it skipped on purpose."""

    mapping: LabelMap
    annotator: str | None
    skipped: Counter


def _files(path: Path, suffixes: tuple[str, ...]) -> list[tuple[Path, str]]:
    """(file, name relative to ``path``) for ``path`` itself, or for every file under a folder."""
    if path.is_file():
        return [(path, path.name)]
    if not path.is_dir():
        raise NewsdeskError(Errors.E110, where=str(path))
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts)
                   and (not suffixes or p.suffix.lower() in suffixes))
    if not files:
        raise NewsdeskError(Errors.E209, where=str(path),
                            detail=f"no {' or '.join(suffixes)} files in the folder" if suffixes else "empty folder")
    return [(p, p.relative_to(path).as_posix()) for p in files]


def _read_text(file: Path) -> str:
    return decode(file.read_bytes(), str(file))[0]


def _link_for_label(schema: LabelSchema, label: str) -> str | None:
    """The link a claim makes to a span of this label, when the label alone says it."""
    if label == CUE:
        return LINK_CUE
    if label in schema.allowed_source_labels:
        return LINK_SOURCE
    return None


def _add_claim_choice(record: AnnotationRecord, region_ids: list[str], name: str, values: tuple[str, ...],
                      reading: Reading, what: str) -> None:
    """Put a foreign attribute on the claim regions it belongs to, or keep it as a note."""
    fit = reading.mapping.choice(name, values)
    if fit is None:
        return
    if isinstance(fit, str):
        record.problems.append(f"{what} kept as a note: {fit}")
        return
    labels = {s.id: s.label for s in record.spans}
    claims = [r for r in region_ids if labels.get(r) == CLAIM]
    if not claims:
        on = ", ".join(f"{r} ({labels[r]})" if r in labels else f"{r} (no span)" for r in region_ids) or "nothing"
        record.problems.append(f"{what} kept as a note: it is on {on}, not on a CLAIM")
        return
    record.choices.extend(RegionChoice(r, fit[0], fit[1]) for r in claims)


# --- Label Studio -------------------------------------------------------------------------------------

def read_labelstudio(path: Path, reading: Reading) -> list[ForeignDocument]:
    """Tasks of Label Studio JSON exports (a list of tasks, or one task); ``data.text`` is the text.

    Converted by :func:`annotation.convert.records_from_task`, as a pull is: one record per
    annotation, every annotator, cancelled annotations, relations and per-region choices.
    Predictions and drafts are not annotations: they are counted as skipped.
    """
    docs = []
    for file, key in _files(path, (".json",)):
        try:
            data = json.loads(_read_text(file))
        except json.JSONDecodeError as exc:
            raise NewsdeskError(Errors.E209, where=str(file), detail=f"not JSON: {exc}") from exc
        tasks = [data] if isinstance(data, dict) else data
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            raise NewsdeskError(Errors.E209, where=str(file), detail="expected a list of tasks or one task")
        for number, task in enumerate(tasks, start=1):
            task_data = task.get("data") if isinstance(task.get("data"), dict) else {}
            text = task_data.get(TEXT_TAG)
            if not isinstance(text, str) or not text.strip():
                raise NewsdeskError(Errors.E209, where=f"{file} task {number}", detail=f"no data.{TEXT_TAG}")
            for kind in ("predictions", "drafts"):
                if task.get(kind):
                    reading.skipped[f"labelstudio {kind[:-1]}"] += len(task[kind])
            position = f"task{number}"
            records = records_from_task(_with_our_labels(task, reading.mapping, str(file)),
                                        origin=ORIGINS["labelstudio"])
            for index, record in enumerate(records, start=1):
                record.record_id = f"{key}#{position}.annotation{index}"
                record.task_id = None  # the other server's task id means nothing to ours
                if reading.annotator:
                    record.annotator = reading.annotator
                _choices_onto_schema(record, reading)
            title = task_data.get("title")
            doc_id = task_data.get("doc_id")
            docs.append(ForeignDocument(file, key, position, text, records, title if isinstance(title, str) else None,
                                        doc_id if isinstance(doc_id, str) else None))
    return docs


def _with_our_labels(task: dict, mapping: LabelMap, where: str) -> dict:
    """A copy of the task whose region and relation labels are ours (skipped ones left out)."""
    task = copy.deepcopy(task)
    for ann in task.get("annotations") or []:
        results = []
        for item in ann.get("result") or []:
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
        _add_claim_choice(record, [c.region_id], c.name, c.values, reading,
                          f"choice {c.name}={list(c.values)} on region {c.region_id}")
    document_choices, record.document_choices = record.document_choices, {}
    for name, values in document_choices.items():
        fit = reading.mapping.choice(name, tuple(values), document=True)
        if isinstance(fit, str):
            record.problems.append(f"document choice {name}={values} kept as a note: {fit}")
        elif fit is not None:
            record.document_choices[fit[0]] = list(fit[1])


# --- CoNLL-2003 ------------------------------------------------------------------------------------------

_TAG = re.compile(r"^(?:O|(?P<prefix>[BIES])-(?P<type>.+))$")


def read_conll(path: Path, reading: Reading) -> list[ForeignDocument]:
    """Documents of CoNLL-2003 files (a file, or every file of a folder).

    One token per line, the token first and the tag last (so both ``token POS chunk NER`` and
    ``token NER`` work); a blank line ends a sentence; ``-DOCSTART-`` starts a document. Tags
    may be IOB1 (``I-`` starts a chunk unless it continues one of its type), IOB2 (``B-``
    always starts one) or IOBES. The text is rebuilt as the tokens joined by single spaces,
    one sentence per line: the original spacing is not in the file, so no better text exists.
    """
    docs = []
    for file, key in _files(path, ()):
        for number, sentences in enumerate(_conll_documents(_read_text(file), str(file)), start=1):
            text, chunks = _conll_text(sentences)
            record = AnnotationRecord(doc_id="", text_sha256="", annotator=reading.annotator or "conll",
                                      origin=ORIGINS["conll"], record_id=f"{key}#doc{number}")
            for tag_type, start, end in chunks:
                label = reading.mapping.label(tag_type, str(file))
                if label:
                    record.spans.append(Span(f"s{len(record.spans) + 1}", reading.mapping.schema.layer_of(label),
                                             label, start, end, text[start:end]))
            docs.append(ForeignDocument(file, key, f"doc{number}", text, [record]))
    return docs


def _conll_documents(source: str, where: str) -> Iterator[list[list[tuple[str, str]]]]:
    """Per document, its sentences, each a list of (token, tag)."""
    doc: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for number, line in enumerate(source.splitlines(), start=1):
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if sentence:
                doc.append(sentence)
                sentence = []
            if cols and doc:
                yield doc
                doc = []
            continue
        if len(cols) < 2:
            raise NewsdeskError(Errors.E209, where=f"{where}:{number}", detail="a token line needs a tag column")
        if not _TAG.match(cols[-1]):
            raise NewsdeskError(Errors.E209, where=f"{where}:{number}",
                                detail=f"tag {cols[-1]!r} is not O, B-X, I-X, E-X or S-X")
        sentence.append((cols[0], cols[-1]))
    if sentence:
        doc.append(sentence)
    if doc:
        yield doc


def _conll_text(sentences: list[list[tuple[str, str]]]) -> tuple[str, list[tuple[str, int, int]]]:
    """The rebuilt text and its chunks (type, start, end)."""
    parts: list[str] = []
    chunks: list[tuple[str, int, int]] = []
    pos = 0
    for number, sentence in enumerate(sentences):
        if number:
            parts.append("\n")
            pos += 1
        current: list | None = None  # [type, start, end] of the chunk being read
        for index, (token, tag) in enumerate(sentence):
            if index:
                parts.append(" ")
                pos += 1
            start, pos = pos, pos + len(token)
            parts.append(token)
            m = _TAG.match(tag)
            prefix, tag_type = m.group("prefix"), m.group("type")
            if prefix is None:
                current = None
                continue
            if prefix in "BS" or current is None or current[0] != tag_type:
                current = [tag_type, start, pos]
                chunks.append(tuple(current))
            else:
                current[2] = pos
                chunks[-1] = tuple(current)
            if prefix in "ES":
                current = None
    return "".join(parts), chunks


# --- brat standoff --------------------------------------------------------------------------------------------

def read_brat(path: Path, reading: Reading) -> list[ForeignDocument]:
    """Documents of a brat standoff folder (``X.txt`` + ``X.ann``), or of one ``.ann`` file.

    - ``T`` entities become spans; a discontinuous one (``T1 Label 0 5;10 15``) becomes one span
      per fragment (``T1``, ``T1.2``, ...), each with the entity's links and choices, and a note;
    - ``R`` relations become links from the CLAIM argument to the other (either order);
    - ``E`` events become links from each CLAIM argument to every other participant: an
      argument's link label comes from its role, the trigger's from its span label (a CUE
      trigger gives a cue link, a SOURCE or source-entity trigger a source link). So a PARC-style
      ``E1 Attribution:T1 Source:T2 Content:T3`` with ``Attribution=CUE,Content=CLAIM,
      Source=SOURCE,role:Source=source`` gives CLAIM T3 --source--> T2 and --cue--> T1;
    - ``A`` (and legacy ``M``) attributes on a claim entity or event become the claim's choices
      when they fit the schema, else notes on the record;
    - ``#`` notes are counted and not imported; ``N`` normalisations and ``*`` equivalences are
      kept as notes on the record.
    """
    docs = []
    if path.is_file():
        pairs = [(path.with_suffix(".ann"), path.with_suffix(".ann").name)]
    else:
        found = _files(path, (".ann", ".txt"))
        pairs = [(f, key) for f, key in found if f.suffix.lower() == ".ann"]
        annotated = {f.with_suffix("") for f, _ in pairs}
        for f, _ in found:
            if f.suffix.lower() == ".txt" and f.with_suffix("") not in annotated:
                reading.skipped["brat .txt without .ann"] += 1
        if not pairs:
            raise NewsdeskError(Errors.E209, where=str(path), detail="no .ann files in the folder")
    for ann, key in pairs:
        txt = ann.with_suffix(".txt")
        if not ann.is_file() or not txt.is_file():
            raise NewsdeskError(Errors.E209, where=str(ann), detail=f"brat needs both {txt.name} and {ann.name}")
        text = _read_text(txt)
        record = AnnotationRecord(doc_id="", text_sha256="", annotator=reading.annotator or "brat",
                                  origin=ORIGINS["brat"], record_id=key)
        _BratFile(ann, text, record, reading).read(_read_text(ann))
        docs.append(ForeignDocument(txt, key, "", text, [record]))
    return docs


class _BratFile:
    """Reads one .ann file into a record: entities first, then what refers to them."""

    def __init__(self, path: Path, text: str, record: AnnotationRecord, reading: Reading):
        self.path, self.text, self.record, self.reading = path, text, record, reading
        self.spans_of: dict[str, list[str]] = {}  # T id -> our span ids (none when its label is skipped)
        self.claims_of: dict[str, list[str]] = {}  # E id -> span ids of its CLAIM arguments
        self.labels: dict[str, str] = {}  # T id -> foreign label, for notes

    def read(self, source: str) -> None:
        lines = [(number, line.rstrip("\r")) for number, line in enumerate(source.split("\n"), start=1)]
        lines = [(number, line) for number, line in lines if line.strip()]
        order = {"T": 0, "E": 1, "R": 2, "A": 3, "M": 3}  # later kinds refer to earlier ones
        for number, line in sorted(lines, key=lambda nl: (order.get(nl[1][:1], 4), nl[0])):
            where = f"{self.path}:{number}"
            ident, _, rest = line.partition("\t")
            kind = ident[:1]
            try:
                if kind == "T":
                    self._entity(ident, rest, where)
                elif kind == "E":
                    self._event(ident, rest, where)
                elif kind == "R":
                    self._relation(ident, rest, where)
                elif kind in "AM":
                    self._attribute(ident, rest, where)
                elif kind == "#":
                    self.reading.skipped["brat note"] += 1
                elif kind in "N*":
                    self.record.problems.append(f"{line.strip()!r} kept as a note: no place for it in the schema")
                else:
                    raise ValueError(f"unknown annotation kind {ident!r}")
            except (ValueError, IndexError) as exc:
                raise NewsdeskError(Errors.E209, where=where, detail=f"{exc}: {line!r}") from exc

    def _entity(self, ident: str, rest: str, where: str) -> None:
        spec, _, shown = rest.partition("\t")
        foreign, _, offsets = spec.partition(" ")
        fragments = []
        for fragment in offsets.split(";"):
            start, end = (int(n) for n in fragment.split())
            if not 0 <= start < end <= len(self.text):
                raise ValueError(f"offsets {start} {end} outside the text ({len(self.text)} characters)")
            fragments.append((start, end))
        self.labels[ident] = foreign
        pieces = " ".join(self.text[s:e] for s, e in fragments)
        if shown and shown != pieces:
            self.record.problems.append(f"{ident} says {shown!r} but its offsets hold {pieces!r}; kept the offsets")
        label = self.reading.mapping.label(foreign, str(self.path))
        if label is None:
            self.spans_of[ident] = []
            return
        layer = self.reading.mapping.schema.layer_of(label)
        ids = [ident if k == 0 else f"{ident}.{k + 1}" for k in range(len(fragments))]
        self.spans_of[ident] = ids
        for span_id, (start, end) in zip(ids, fragments):
            self.record.spans.append(Span(span_id, layer, label, start, end, self.text[start:end]))
        if len(ids) > 1:
            self.record.problems.append(f"{ident} is discontinuous: one span per fragment ({', '.join(ids)}), "
                                        f"each with the entity's links and choices")

    def _label(self, ident: str) -> str | None:
        ids = self.spans_of.get(ident)
        if ids is None:
            raise ValueError(f"{ident} is not an entity of this file")
        return next((s.label for s in self.record.spans if s.id == ids[0]), None) if ids else None

    def _role(self, role: str, where: str) -> str | None:
        mapping = self.reading.mapping
        if role not in mapping.names["role"] and role not in LINK_LABELS:
            role = re.sub(r"\d+$", "", role) or role  # brat numbers repeated roles: Source2
        return mapping.role(role, where)

    def _link(self, claim: str, target: str, label: str) -> None:
        for span_id in self.spans_of[claim]:
            self.record.links.append(Link(span_id, self.spans_of[target][0], label))

    def _event(self, ident: str, rest: str, where: str) -> None:
        trigger_type, trigger = rest.split()[0].split(":", 1)
        participants = [(None, trigger)] + [tuple(arg.split(":", 1)) for arg in rest.split()[1:]]
        for _, target in participants:
            if target.startswith("E"):
                raise ValueError(f"an event as argument ({target}) is not supported")
        labels = {target: self._label(target) for _, target in participants}
        claims = [t for _, t in participants if labels[t] == CLAIM]
        self.claims_of[ident] = [s for t in claims for s in self.spans_of[t]]
        if not claims:
            self.record.problems.append(f"{ident} ({rest}) kept as a note: none of its arguments is a CLAIM")
            return
        for role, target in participants:
            if target in claims:
                continue
            if labels[target] is None:
                self.record.problems.append(f"{ident}: {role or trigger_type}:{target} not linked: "
                                            f"{target}'s label {self.labels[target]!r} is skipped")
                continue
            if role is None:  # the trigger: its own label says which link it is
                label = _link_for_label(self.reading.mapping.schema, labels[target])
                if label is None:
                    self.record.problems.append(f"{ident}: trigger {target} ({labels[target]}) not linked: "
                                                f"only a CUE or a source can be linked to a claim")
                    continue
            else:
                label = self._role(role, str(self.path))
                if label is None:
                    continue
            for claim in claims:
                self._link(claim, target, label)

    def _relation(self, ident: str, rest: str, where: str) -> None:
        rel_type, first, second = rest.split()
        a, b = first.split(":", 1)[1], second.split(":", 1)[1]
        label_a, label_b = self._label(a), self._label(b)
        label = self._role(rel_type, str(self.path))
        if label is None:
            return
        if label_a is None or label_b is None:
            skipped = a if label_a is None else b
            self.record.problems.append(f"{ident} ({rest}) not linked: {skipped}'s label "
                                        f"{self.labels[skipped]!r} is skipped")
            return
        # Our links go from the claim; brat corpora draw them either way.
        claim, other = (b, a) if label_b == CLAIM and label_a != CLAIM else (a, b)
        self._link(claim, other, label)

    def _attribute(self, ident: str, rest: str, where: str) -> None:
        parts = rest.split()
        name, target, values = parts[0], parts[1], tuple(parts[2:3])
        if target.startswith("E"):
            if target not in self.claims_of:
                raise ValueError(f"{target} is not an event of this file")
            regions = self.claims_of[target]
        else:
            self._label(target)
            regions = self.spans_of[target]
        shown = f"{name}={values[0]}" if values else name
        _add_claim_choice(self.record, regions, name, values, self.reading, f"{ident} {shown} on {target}")


READERS: dict[str, Callable[[Path, Reading], list[ForeignDocument]]] = {
    "labelstudio": read_labelstudio, "conll": read_conll, "brat": read_brat}


# --- carrying spans onto the clean text ----------------------------------------------------------------------

def _has_words(text: str) -> bool:
    """True unless ``text`` is only spacing (white space, zero-width and other format characters)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def carry_span(raw_text: str, document: Document, start: int, end: int) -> tuple[tuple[int, int] | None, str]:
    """Where the raw span ``[start, end)`` lands in the document's clean text, and why it needs a word.

    Returns ``((clean_start, clean_end), "")`` when cleaning left the span alone,
    ``((clean_start, clean_end), reason)`` when cleaning edited inside it without removing any
    of its words (the span is trimmed of spacing the edit pulled in), and ``(None, reason)``
    when the span lies wholly or partly in text that cleaning removed.
    """
    offsets = document.cleaning.offset_map
    if not 0 <= start < end <= len(raw_text):
        return None, f"offsets [{start}:{end}] are empty or outside the text ({len(raw_text)} characters)"
    if not offsets.raw_touched(start, end):
        return offsets.raw_to_clean(start, end), ""
    touching = [e for e in document.cleaning.edits
                if e.raw_start < end and e.raw_end > start or (e.raw_start == e.raw_end and start < e.raw_start < end)]
    rules = ", ".join(sorted({e.rule for e in touching}))
    removed = [raw_text[max(e.raw_start, start):min(e.raw_end, end)] for e in touching if not _has_words(e.inserted)]
    removed = [r.strip() for r in removed if _has_words(r)]
    clean_start, clean_end = offsets.raw_to_clean(start, end)
    text = document.text
    while clean_start < clean_end and text[clean_start].isspace():
        clean_start += 1
    while clean_end > clean_start and text[clean_end - 1].isspace():
        clean_end -= 1
    if clean_start == clean_end:
        gone = " ".join(raw_text[e.raw_start:e.raw_end].strip() for e in touching if _has_words(e.removed))
        return None, f"in text removed by cleaning ({rules}): {_short(gone)!r}"
    if removed:
        return None, f"partly in text removed by cleaning ({rules}): {' '.join(removed)!r}"
    return (clean_start, clean_end), (f"cleaning edited inside it ({rules}): "
                                      f"{raw_text[start:end]!r} -> {text[clean_start:clean_end]!r}")


@dataclass(frozen=True)
class SpanNote:
    """A span the import reports: not carried (in removed text), or carried with an edit inside."""

    record_id: str
    doc_id: str
    where: str  # the file, and the place in it for files of several documents ("export.json#task2")
    span_id: str
    label: str
    start: int  # in the original text
    end: int
    text: str
    reason: str
    clean_start: int | None = None  # where it landed, when carried
    clean_end: int | None = None

    def one_line(self) -> str:
        landed = f" -> clean [{self.clean_start}:{self.clean_end}]" if self.clean_start is not None else ""
        return (f"{self.where} span {self.span_id} {self.label} [{self.start}:{self.end}] {self.text!r}{landed}: "
                f"{self.reason}")


@dataclass
class ImportReport:
    """What an import did; every span read is either carried or in ``spans_reported``."""

    format: str
    path: str
    documents: int = 0  # documents read from the files
    documents_added: int = 0  # of those, new to the corpus (the others were there already)
    records: int = 0  # annotation records read (one per annotation, annotator and document)
    records_written: int = 0  # new or changed records stored: 0 when the same file is imported again
    spans_carried: int = 0
    spans_noted: list[SpanNote] = field(default_factory=list)  # carried, with an edit inside
    spans_reported: list[SpanNote] = field(default_factory=list)  # not carried
    skipped: Counter = field(default_factory=Counter)  # what was skipped on purpose, with counts
    problems: list[str] = field(default_factory=list)  # notes kept on the records (also in their `problems`)

    def to_record(self) -> dict:
        rec = asdict(self)
        rec["skipped"] = dict(self.skipped)
        return rec


def _carry_record(record: AnnotationRecord, doc: ForeignDocument, document: Document, raw_text: str,
                  shift: int, report: ImportReport) -> AnnotationRecord:
    record_id = f"{record.record_id}@{document.id}"
    problems = list(record.problems)
    spans, carried = [], set()
    for s in record.spans:
        if shift < 0:
            where, reason = None, f"document {document.id} holds this text's raw sha256 but another raw text"
        else:
            where, reason = carry_span(raw_text, document, s.start + shift, s.end + shift)
        note = SpanNote(record_id, document.id, doc.where, s.id, s.label, s.start, s.end, s.text, reason,
                        *(where or (None, None)))
        if where is None:
            report.spans_reported.append(note)
            problems.append(f"span {s.id} {s.label} [{s.start}:{s.end}] {s.text!r} of the original text "
                            f"not carried: {reason}")
            continue
        spans.append(Span(s.id, s.layer, s.label, where[0], where[1], document.text[where[0]:where[1]]))
        carried.add(s.id)
        report.spans_carried += 1
        if reason:
            report.spans_noted.append(note)
            problems.append(f"span {s.id} {s.label} carried: {reason}")
    notes = []
    links = []
    for lk in record.links:
        if lk.from_id in carried and lk.to_id in carried:
            links.append(lk)
        else:
            missing = lk.from_id if lk.from_id not in carried else lk.to_id
            notes.append(f"link {lk.from_id} --{lk.label}--> {lk.to_id} not carried: span {missing} was not")
    choices = []
    for c in record.choices:
        if c.region_id in carried:
            choices.append(c)
        else:
            notes.append(f"choice {c.name}={list(c.values)} on {c.region_id} not carried: the span was not")
    problems += notes
    report.problems += [f"{record.record_id}: {p}" for p in record.problems + notes]
    return replace(record, doc_id=document.id, text_sha256=document.text_sha256, record_id=record_id,
                   spans=spans, links=links, choices=choices, problems=problems)


# --- the import ------------------------------------------------------------------------------------------------

def import_annotations(workspace: Workspace, path: Path | str, fmt: str, annotator: str | None = None,
                       label_map: dict[str, str] | str | None = None) -> ImportReport:
    """Import annotated texts from another tool into the corpus and the annotation store.

    Args:
        workspace: the workspace whose corpus gets the texts and whose store gets the records.
        path: a Label Studio JSON export, a CoNLL-2003 file, a brat ``.ann`` file, or a folder
            of such files.
        fmt: ``"labelstudio"``, ``"conll"`` or ``"brat"``.
        annotator: the annotator of every record; default: the file's own (Label Studio's
            ``completed_by``), else the format name.
        label_map: ``{"[KIND:]FOREIGN": "OURS"}``, or the same as a ``--map`` string; see
            :class:`LabelMap`.

    Returns:
        An :class:`ImportReport`. Errors in the files, the map or the labels (E110, E209-E212)
        are raised before anything is written.
    """
    if fmt not in READERS:
        raise NewsdeskError(Errors.E212, where=str(fmt))
    path = Path(path)
    if not path.exists():
        raise NewsdeskError(Errors.E110, where=str(path))
    schema = LabelSchema.load(workspace)
    entries = parse_label_map(label_map) if isinstance(label_map, str) else label_map
    skipped: Counter = Counter()
    reading = Reading(LabelMap(entries, schema, skipped), annotator, skipped)
    foreign = READERS[fmt](path, reading)
    reading.mapping.check()

    report = ImportReport(format=fmt, path=str(path), documents=len(foreign),
                          records=sum(len(d.records) for d in foreign), skipped=skipped)
    corpus = CorpusStore(workspace)
    records = []
    # A Label Studio export of our own project names the document and holds its clean text:
    # its offsets are already ours, nothing to ingest or carry.
    ours = {id(d): document for d in foreign if (document := _our_document(corpus, d)) is not None}
    for doc in foreign:
        document = ours.get(id(doc))
        if document is None:
            continue
        for r in doc.records:
            records.append(replace(r, doc_id=document.id, text_sha256=document.text_sha256,
                                   record_id=f"{r.record_id}@{document.id}"))
        report.spans_carried += sum(len(r.spans) for r in doc.records)
    foreign = [d for d in foreign if id(d) not in ours]
    ingested, doc_ids = ingest_articles(workspace, [_article(d, fmt) for d in foreign])
    report.documents_added = ingested.added
    for doc, doc_id in zip(foreign, doc_ids):
        if doc_id is None:  # no document holds the text: it cleans to nothing (E109) or was removed (E113)
            report.skipped["document not stored (empty after cleaning, or removed)"] += 1
            continue
        document, raw_text = corpus.document(doc_id), corpus.article(doc_id).raw_text
        # The same raw bytes as a stored article; one read from a JSONL line has its title before them.
        shift = 0 if raw_text == doc.text else raw_text.find(doc.text)
        records += [_carry_record(r, doc, document, raw_text, shift, report) for r in doc.records]
    with workspace.lock():
        store = AnnotationStore(workspace)
        current = store.current()
        report.records_written = sum(1 for r in records
                                     if r.key not in current or current[r.key].to_record() != r.to_record())
        store.append(records, label=f"import-{fmt}")
    return report


def _our_document(corpus: CorpusStore, doc: ForeignDocument) -> Document | None:
    if not doc.doc_id:
        return None
    try:
        document = corpus.document(doc.doc_id)
    except NewsdeskError:
        return None
    return document if document.id == doc.doc_id and document.text == doc.text else None


def _article(doc: ForeignDocument, fmt: str) -> Article:
    data = doc.text.encode("utf-8")
    return Article(id=document_id(None, data), source=doc.where, raw_text=doc.text, raw_sha256=sha256_hex(data),
                   encoding="utf-8", format=fmt, title=doc.title,
                   metadata={"path": str(doc.file), "imported_from": fmt})
