"""brat standoff folders (`T`, `R`, `E`, `A`; span texts over several lines read by offsets)."""

from __future__ import annotations

import re
from pathlib import Path

from annotation.importers.base import (
    ForeignDocument,
    ImportFormat,
    Reading,
    add_claim_choice,
    files,
    link_for_label,
    read_text,
    record_id,
    short,
)
from annotation.model import AnnotationRecord, Link, Origin, Span
from annotation.schema import CLAIM, LINK_LABELS
from corpus.errors import Errors, NewsdeskError

# --- brat standoff --------------------------------------------------------------------------------------------


def read_brat(path: Path, reading: Reading) -> list[ForeignDocument]:
    """Documents of a brat standoff folder (``X.txt`` + ``X.ann``), or of one ``.ann`` file.

    - ``T`` entities become spans; a discontinuous one (``T1 Label 0 5;10 15``) becomes one span
      per fragment (``T1``, ``T1.2``, ...), each with the entity's links and choices, and a note.
      The offsets are what count: a text field holding a line break (annotation tools write the
      span's own) goes on over the next lines;
    - ``R`` relations become links from the CLAIM argument to the other (either order);
    - ``E`` events become links from each CLAIM argument to every other participant: an
      argument's link label comes from its role, the trigger's from its span label (a CUE
      trigger gives a cue link, a SOURCE or source-entity trigger a source link). So a PARC-style
      ``E1 Attribution:T1 Source:T2 Content:T3`` with ``Attribution=CUE,Content=CLAIM,
      Source=SOURCE,role:Source=source`` gives CLAIM T3 --source--> T2 and --cue--> T1;
    - ``A`` (and legacy ``M``) attributes on a claim entity or event become the claim's choices
      when they fit the schema, else notes on the record;
    - ``#`` notes are counted and not imported; ``N`` normalisations and ``*`` equivalences are
      kept as notes on the record;
    - an id defined twice is kept once, the first, and reported.

    The text of ``X.ann`` is ``X.txt`` beside it, else in a folder beside its folder (PolNeAR's
    ``text/X.txt`` beside ``attributions/X_ANNOTATOR.ann``, with ``annotator_from_name``).
    """
    if path.is_file():
        anns = [(path.with_suffix(".ann"), path.with_suffix(".ann").name)]
        texts: list[Path] = []
    else:
        found = files(path, (".ann", ".txt"))
        anns = [(f, key) for f, key in found if f.suffix.lower() == ".ann"]
        texts = [f for f, _ in found if f.suffix.lower() == ".txt"]
        if not anns:
            raise NewsdeskError(Errors.E209, where=str(path), detail="no .ann files in the folder")
    annotated = {_brat_name(ann, reading) for ann, _ in anns}
    unannotated = sum(1 for f in texts if f.stem not in annotated)
    if unannotated:
        reading.skipped["brat .txt without .ann"] += unannotated
    return reading.each(anns, lambda found: [_read_brat_file(*found, reading)])


def _brat_name(ann: Path, reading: Reading) -> str:
    """The name of the text an .ann file annotates: its own, or without ``_ANNOTATOR``."""
    return (ann.stem.rpartition("_")[0] or ann.stem) if reading.annotator_from_name else ann.stem


def _read_brat_file(ann: Path, key: str, reading: Reading) -> ForeignDocument:
    annotator = reading.annotator_of(ann, Origin.BRAT)
    if not ann.is_file():
        raise NewsdeskError(Errors.E209, where=str(ann), detail=f"brat needs both {ann.stem}.txt and {ann.name}")
    txt = _brat_text(ann, _brat_name(ann, reading))
    text = read_text(txt)
    record = AnnotationRecord(
        doc_id="", text_sha256="", annotator=annotator, origin=Origin.BRAT, record_id=record_id(annotator, key)
    )
    _BratFile(ann, text, record, reading).read(read_text(ann))
    return ForeignDocument(ann, key, "", text, [record], text_file=txt)


def _brat_text(ann: Path, name: str) -> Path:
    """``NAME.txt`` beside the .ann file, else in a folder beside its folder."""
    beside = ann.with_name(f"{name}.txt")
    if beside.is_file():
        return beside
    around = sorted(
        p for d in _folders_in(ann.parent.parent) if d != ann.parent for p in [d / f"{name}.txt"] if p.is_file()
    )
    if len({p.read_bytes() for p in around}) == 1:
        return around[0]
    if around:
        raise NewsdeskError(
            Errors.E209,
            where=str(ann),
            detail=f"{name}.txt differs in {len(around)} folders "
            f"beside its folder ({', '.join(str(p.parent) for p in around[:3])})",
            hint=f"put the {name}.txt it was made on beside {ann.name}",
        )
    hint = f"put {name}.txt beside it, or in a folder beside its folder (text/ beside attributions/)"
    if name == ann.stem and "_" in name:
        hint += "; if its name is NAME_ANNOTATOR.ann, import with --annotator-from-name"
    raise NewsdeskError(Errors.E209, where=str(ann), detail=f"brat needs both {name}.txt and {ann.name}", hint=hint)


def _folders_in(folder: Path) -> list[Path]:
    try:
        return [d for d in folder.iterdir() if d.is_dir()]
    except OSError:  # a folder we may not list holds no text of ours
        return []


# A file whose spans' text fields disagree with their offsets this often (at least this many, and
# at least half of them) was made on another text: refused, not imported onto the wrong words.
MISMATCHED_SPANS_MIN = 3

# A line that starts an annotation: its id, then a tab. Any other line goes on with the text
# field of the annotation before it.
_BRAT_ID = re.compile(r"^(?:[TREAMN]\d+|#\d*|\*)\t")
_BRAT_TEXT_KINDS = "T#N"  # those whose last field is free text, which may hold line breaks


class _BratFile:
    """Reads one .ann file into a record: entities first, then what refers to them."""

    def __init__(self, path: Path, text: str, record: AnnotationRecord, reading: Reading):
        self.path, self.text, self.record, self.reading = path, text, record, reading
        self.spans_of: dict[str, list[str]] = {}  # T id -> our span ids (none when its label is skipped)
        self.claims_of: dict[str, list[str]] = {}  # E id -> span ids of its CLAIM arguments
        self.labels: dict[str, str] = {}  # T id -> foreign label, for notes
        self.checked: list[tuple[str, str, str]] = []  # (T id, its text field, what its offsets hold)

    def read(self, source: str) -> None:
        first_at: dict[str, tuple[int, str]] = {}  # id -> (line, annotation) of its first definition
        order = {"T": 0, "E": 1, "R": 2, "A": 3, "M": 3}  # later kinds refer to earlier ones
        for number, line in sorted(self._annotations(source), key=lambda nl: (order.get(nl[1][:1], 4), nl[0])):
            where = f"{self.path}:{number}"
            ident, _, rest = line.partition("\t")
            kind = ident[:1]
            if ident in first_at and kind not in "#*":  # notes and equivalences have no ids of their own
                self._repeated(ident, number, line, *first_at[ident])
                continue
            first_at[ident] = (number, line)
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
                else:  # N, *
                    self.record.problems.append(f"{line.strip()!r} kept as a note: no place for it in the schema")
            except (ValueError, IndexError) as exc:
                raise NewsdeskError(Errors.E209, where=where, detail=f"{exc}: {short(line)!r}") from exc
        self._check_it_is_the_text()

    def _check_it_is_the_text(self) -> None:
        """Refuse the file when most spans' text fields disagree with their offsets: the .ann was
        made on another text (another version, other line endings), and every span would land on
        the wrong words. A few disagreements are the annotation tool's own (kept, with a note)."""
        wrong = [(i, shown, held) for i, shown, held in self.checked if shown != held]
        if len(wrong) >= MISMATCHED_SPANS_MIN and len(wrong) * 2 >= len(self.checked):
            ident, shown, held = wrong[0]
            raise NewsdeskError(
                Errors.E209,
                where=str(self.path),
                detail=f"the text does not hold what {len(wrong)} of {len(self.checked)} spans say "
                f"(first: {ident} says {short(shown)!r}, its offsets hold {short(held)!r})",
                hint="put beside it the .txt it was made on (the same bytes: line endings, encoding, version)",
            )

    def _annotations(self, source: str) -> list[tuple[int, str]]:
        """(line number, annotation) for every annotation of the file, its text field whole."""
        found: list[list] = []  # [line number, annotation]
        blank: list[str] = []  # blank lines, part of a text field only if it goes on after them
        for number, line in enumerate(source.split("\n"), start=1):
            line = line.rstrip("\r")
            if _BRAT_ID.match(line):
                found.append([number, line])
                blank = []
            elif not line.strip():
                blank.append(line)
            elif found and found[-1][1][:1] in _BRAT_TEXT_KINDS:
                found[-1][1] = "\n".join([found[-1][1], *blank, line])
                blank = []
            else:
                raise NewsdeskError(
                    Errors.E209,
                    where=f"{self.path}:{number}",
                    detail=f"unknown annotation kind: {short(line)!r}",
                    hint="an annotation line starts with its id and a tab (T1, R1, E1, A1, "
                    "N1, #1, *); fix or remove the line",
                )
        return [(number, line) for number, line in found]

    def _repeated(self, ident: str, number: int, line: str, first_number: int, first_line: str) -> None:
        note = (
            f"{ident} is defined twice: kept the first (line {first_number}: {short(first_line)!r}), "
            f"dropped line {number}: {short(line)!r}"
        )
        self.reading.repeated.append(f"{self.path}:{number}: {note}")
        self.record.problems.append(note)

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
        if shown:
            self.checked.append((ident, shown, pieces))
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
            self.record.problems.append(
                f"{ident} is discontinuous: one span per fragment ({', '.join(ids)}), "
                f"each with the entity's links and choices"
            )

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
        _, trigger = rest.split()[0].split(":", 1)
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
                # A trigger whose label was skipped on purpose (counted) says nothing more: in PARC-style
                # corpora it lies on the cue, which the event names as an argument. PolNeAR: 22k notes.
                if role is not None:
                    self.record.problems.append(
                        f"{ident}: {role}:{target} not linked: {target}'s label {self.labels[target]!r} is skipped"
                    )
                continue
            if role is None:  # the trigger: its own label says which link it is
                label = link_for_label(self.reading.mapping.schema, labels[target])
                if label is None:
                    self.record.problems.append(
                        f"{ident}: trigger {target} ({labels[target]}) not linked: "
                        f"only a CUE or a source can be linked to a claim"
                    )
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
            self.record.problems.append(
                f"{ident} ({rest}) not linked: {skipped}'s label {self.labels[skipped]!r} is skipped"
            )
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
        add_claim_choice(self.record, regions, name, values, self.reading, f"{ident} {shown} on {target}")


FORMAT = ImportFormat("brat", Origin.BRAT, read_brat)
