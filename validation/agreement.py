"""Inter-annotator agreement on documents annotated by two or more annotators.

What is compared, and how (stated here once; the report's JSON says the same in ``conventions``):

- **Records.** Annotators' own records only: predictions, adjudicated gold and review records
  (:data:`NON_ANNOTATOR_ORIGINS`, and any record carrying adjudication ``provenance``) and
  cancelled records are left out, and so are records made on another version of the text
  (``text_sha256`` differs from the text given). When one annotator
  has several records for a document, the latest by ``updated_at`` counts. A document counts when
  at least ``min_annotators`` annotators remain.
- **Pairs.** Every pair of annotators who both annotated a document, named in sorted order; the
  first of a pair is the reference, so *precision* is "share of the second annotator's spans the
  first also has" and *recall* the converse. F1 is symmetric. Span counts are summed over pairs
  and documents before dividing (micro-average).
- **Span match.** *Exact*: same label, start and end. *Overlap*: same label and at least one
  character in common. Both are one-to-one: a span matches at most one span of the other
  annotator; among the possible matchings the one with the most matches, then the most
  overlapping characters, is taken (``scipy.optimize.linear_sum_assignment``).
- **Tokens** come from :func:`corpus.tokens.tokenize`, the project's one tokenisation. Each token
  of a document gets, per annotator and per layer, the label of the span covering it, or ``"O"``:
  plain **IO labels** (no B-/I- prefixes), as token-wise alpha is reported for attribution corpora
  (PolNeAR). A token belongs to a span when they share at least one character; where spans of one
  layer nest, the shortest covering span wins. An annotator who did not annotate a document is a
  *missing value* for its tokens (Krippendorff's alpha handles that; Cohen's kappa only compares
  the tokens of documents both annotators of the pair annotated).
- **Cohen's kappa** (the formula of scikit-learn's ``cohen_kappa_score``) is per annotator
  pair; a layer's or label's ``kappa`` is the mean over pairs weighted by the tokens each pair
  compared.
  **Krippendorff's alpha** (nominal) is over all annotators at once. Per label, both are binary:
  that label against everything else; their ``n`` is the tokens any annotator gave that label.
- **Claims** are matched across annotators by overlap (as above, label CLAIM); matched claims
  chain into groups, one per claim in the text. Attribute alpha (the ``krippendorff`` package,
  nominal) has one unit per group; a required attribute left out is a missing value, an optional
  one left out counts as the value ``"(none)"``. A group holding two claims of one annotator is
  ambiguous and left out (counted). Link agreement is per matched claim pair: the pair agrees when
  the link targets of both claims match one-to-one by overlap (whatever their labels: a PERSON
  entity and a SOURCE span over the same words are the same source), or both have none.
- An undefined figure is ``None`` with the reason beside it, never NaN: alpha and kappa are
  undefined when only one value occurs, precision when nothing was proposed, and so on.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, combinations, compress

import krippendorff
import numpy as np
from scipy.optimize import linear_sum_assignment

from annotation.columns import transposed
from annotation.model import AnnotationRecord, Origin
from annotation.schema import CLAIM, CLAIM_LAYER, ENTITY_LAYER, LINK_LABELS, LabelSchema
from annotation.store import AnnotationStore
from corpus.model import sha256_hex
from corpus.store import CorpusStore
from corpus.tokens import token_offsets_many
from corpus.workspace import Workspace

OUTSIDE = "O"
NO_VALUE = "(none)"  # an optional claim attribute nobody ticked
LAYERS = (ENTITY_LAYER, CLAIM_LAYER)
# Records that are not an annotator's own version: model predictions, adjudicated gold and reviews
# made while looking at every version. The same list as validation.adjudicate.NON_VOTING_ORIGINS
# (a test keeps them equal); not imported from there, as that module loads the Label Studio SDK.
NON_ANNOTATOR_ORIGINS = Origin.NOT_AN_ANNOTATOR
DEFAULT_WARNING_MEASURES = ("alpha", "attribute_alpha", "link_agreement")
WARNING_MEASURES = ("alpha", "kappa", "f1_exact", "f1_overlap", "attribute_alpha", "link_agreement")

UNDEFINED_ONE_VALUE = "only one value occurs, so there is no disagreement to expect (expected disagreement is 0)"
UNDEFINED_NO_PAIRS = "nothing was annotated by two annotators"


# --- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One agreement figure and the number of items (``n`` ``unit``) it rests on.

    ``value`` is None when the figure is undefined; ``why`` then says why.
    """

    value: float | None
    n: int
    unit: str
    why: str | None = None

    @classmethod
    def of(cls, value: float, n: int, unit: str) -> Measure:
        if value is None or not math.isfinite(value):
            return cls(None, n, unit, "the figure is not a finite number")
        return cls(float(value), n, unit)

    def describe(self, name: str, digits: int = 2) -> str:
        """``"alpha 0.41 on 37 tokens"``."""
        shown = "undefined" if self.value is None else f"{self.value:.{digits}f}"
        return f"{name} {shown} on {self.n} {self.unit}"

    def to_record(self) -> dict:
        return {"value": self.value, "n": self.n, "unit": self.unit, "undefined_because": self.why}


@dataclass(frozen=True)
class SpanScores:
    """Span matches between annotator pairs, summed over pairs and documents (micro-average).

    ``reference`` counts the spans of the first annotator of each pair, ``other`` those of the
    second, ``matched`` the one-to-one matches.
    """

    matched: int = 0
    reference: int = 0
    other: int = 0

    @property
    def precision(self) -> float | None:
        return self.matched / self.other if self.other else None

    @property
    def recall(self) -> float | None:
        return self.matched / self.reference if self.reference else None

    @property
    def f1(self) -> float | None:
        total = self.reference + self.other
        return 2 * self.matched / total if total else None

    def f1_measure(self) -> Measure:
        if self.f1 is None:
            return Measure(None, 0, "spans", "no spans")
        return Measure(self.f1, self.reference + self.other, "spans")

    def __add__(self, other: SpanScores) -> SpanScores:
        return SpanScores(self.matched + other.matched, self.reference + other.reference, self.other + other.other)

    def to_record(self) -> dict:
        why = {}
        if self.precision is None:
            why["precision"] = "the second annotators of the pairs marked no such span"
        if self.recall is None:
            why["recall"] = "the first annotators of the pairs marked no such span"
        if self.f1 is None:
            why["f1"] = "no annotator marked such a span"
        return {
            "matched": self.matched,
            "reference": self.reference,
            "other": self.other,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "undefined_because": why or None,
        }


Pair = tuple[str, str]


@dataclass(frozen=True)
class TokenAgreement:
    """Token-wise agreement on one layer, or on one label of it (binary: the label vs the rest)."""

    alpha: Measure
    kappa: Measure  # mean of pair_kappa, weighted by each pair's n
    pair_kappa: dict[Pair, Measure]

    def to_record(self) -> dict:
        return {
            "alpha": self.alpha.to_record(),
            "kappa": self.kappa.to_record(),
            "pair_kappa": [{"annotators": list(p), **m.to_record()} for p, m in self.pair_kappa.items()],
        }


@dataclass(frozen=True)
class LabelAgreement:
    label: str
    layer: str
    exact: SpanScores
    overlap: SpanScores
    tokens: TokenAgreement

    def to_record(self) -> dict:
        return {
            "label": self.label,
            "layer": self.layer,
            "exact": self.exact.to_record(),
            "overlap": self.overlap.to_record(),
            "tokens": self.tokens.to_record(),
        }


@dataclass(frozen=True)
class LayerAgreement:
    layer: str
    token_count: int  # tokens of the multiply-annotated documents
    exact: SpanScores
    overlap: SpanScores
    tokens: TokenAgreement
    labels: dict[str, LabelAgreement]

    def to_record(self) -> dict:
        return {
            "layer": self.layer,
            "token_count": self.token_count,
            "exact": self.exact.to_record(),
            "overlap": self.overlap.to_record(),
            "tokens": self.tokens.to_record(),
            "labels": {name: lab.to_record() for name, lab in self.labels.items()},
        }


@dataclass(frozen=True)
class LinkAgreement:
    """Claim -> target links (``source`` or ``cue``) on matched claim pairs."""

    label: str
    agreement: Measure  # share of matched claim pairs whose targets match; n = claim pairs compared
    both_unlinked: int  # pairs where neither claim had such a link (counted as agreeing)

    def to_record(self) -> dict:
        return {"label": self.label, **self.agreement.to_record(), "both_unlinked": self.both_unlinked}


@dataclass(frozen=True)
class AgreementWarning:
    """A figure below the threshold: what it is about, which measure, its value and its sample size."""

    subject: str  # "PERSON (entities)", "attribute claim_type", "source links", "claims layer"
    measure: str  # one of WARNING_MEASURES
    value: float
    n: int
    unit: str
    threshold: float

    @property
    def message(self) -> str:
        name = {
            "alpha": "token alpha",
            "kappa": "token kappa",
            "f1_exact": "exact-match F1",
            "f1_overlap": "overlap F1",
            "attribute_alpha": "alpha",
            "link_agreement": "agreement",
        }[self.measure]
        # As many digits as show the value under the threshold: "0.67 (below 0.667)" read as a contradiction.
        digits = 2
        while self.value is not None and round(self.value, digits) >= self.threshold and digits < 6:
            digits += 1
        measure = Measure(self.value, self.n, self.unit).describe(name, digits=digits)
        return f"{self.subject}: {measure} (below {self.threshold:g})"

    def to_record(self) -> dict:
        return {
            "subject": self.subject,
            "measure": self.measure,
            "value": self.value,
            "n": self.n,
            "unit": self.unit,
            "threshold": self.threshold,
            "message": self.message,
        }


@dataclass
class AgreementReport:
    """Agreement overall (``exact``, ``overlap``: span F1 over both layers), per layer and label
    (``layers``), per claim attribute (``attributes``) and per link label (``links``).

    ``skipped`` counts the records and documents left out, by reason; ``seconds`` the time taken.
    """

    documents: int
    annotators: list[str]
    pair_documents: dict[Pair, int]  # documents each annotator pair both annotated
    exact: SpanScores
    overlap: SpanScores
    layers: dict[str, LayerAgreement]
    attributes: dict[str, Measure]  # n = matched claim groups with the attribute from >= 2 annotators
    links: dict[str, LinkAgreement]
    claim_groups: int
    ambiguous_claim_groups: int
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def warnings(
        self, threshold: float = 0.667, measures: Sequence[str] = DEFAULT_WARNING_MEASURES
    ) -> list[AgreementWarning]:
        """Figures below ``threshold``, lowest first; undefined figures are not warned about.

        ``measures`` picks from :data:`WARNING_MEASURES`; by default token alpha (per layer and
        label), attribute alpha and link agreement. 0.667 is Krippendorff's lowest bar for
        drawing tentative conclusions.
        """
        unknown = set(measures) - set(WARNING_MEASURES)
        if unknown:
            raise ValueError(f"unknown warning measures {sorted(unknown)}; known: {list(WARNING_MEASURES)}")
        found: list[AgreementWarning] = []

        def check(subject: str, measure: str, m: Measure) -> None:
            if measure in measures and m.value is not None and m.value < threshold:
                found.append(AgreementWarning(subject, measure, m.value, m.n, m.unit, threshold))

        for layer in self.layers.values():
            targets = [(f"{layer.layer} layer", layer.tokens, layer.exact, layer.overlap)]
            targets += [
                (f"{lab.label} ({layer.layer})", lab.tokens, lab.exact, lab.overlap) for lab in layer.labels.values()
            ]
            for subject, tokens, exact, overlap in targets:
                check(subject, "alpha", tokens.alpha)
                check(subject, "kappa", tokens.kappa)
                check(subject, "f1_exact", exact.f1_measure())
                check(subject, "f1_overlap", overlap.f1_measure())
        for name, m in self.attributes.items():
            check(f"attribute {name}", "attribute_alpha", m)
        for label, link in self.links.items():
            check(f"{label} links", "link_agreement", link.agreement)
        return sorted(found, key=lambda w: (w.value, w.subject))

    def headline(self) -> dict[str, str | int]:
        """The headline figures, each with the sample it rests on (a release card quotes them);
        empty when no document was annotated by two or more people."""
        if not self.documents:
            return {}
        facts: dict[str, str | int] = {"documents annotated by two or more": self.documents}
        for name, layer in self.layers.items():
            exact, overlap = layer.exact.f1, layer.overlap.f1
            if exact is not None:
                facts[f"{name}: span F1 exact / overlap"] = f"{exact:.2f} / {overlap:.2f}"
            facts[f"{name}: token Krippendorff's alpha"] = layer.tokens.alpha.describe("alpha")
            facts[f"{name}: token Cohen's kappa"] = layer.tokens.kappa.describe("kappa")
        for name, measure in self.attributes.items():
            facts[f"claim attribute {name}"] = measure.describe("alpha")
        for label, link in self.links.items():
            facts[f"claim -> {label} links"] = link.agreement.describe("agreement")
        return facts

    def to_record(self) -> dict:
        return {
            "documents": self.documents,
            "annotators": self.annotators,
            "pairs": [{"annotators": list(p), "documents": n} for p, n in self.pair_documents.items()],
            "exact": self.exact.to_record(),
            "overlap": self.overlap.to_record(),
            "layers": {name: layer.to_record() for name, layer in self.layers.items()},
            "attributes": {name: m.to_record() for name, m in self.attributes.items()},
            "links": {label: link.to_record() for label, link in self.links.items()},
            "claim_groups": {"matched": self.claim_groups, "ambiguous": self.ambiguous_claim_groups},
            "skipped": self.skipped,
            "seconds": self.seconds,
            "conventions": CONVENTIONS,
        }


CONVENTIONS = {
    "pairs": "sorted annotator names; the first of a pair is the reference for precision and recall",
    "span_match": "exact: same label, start, end; overlap: same label, >= 1 shared character; one-to-one",
    "tokens": "corpus.tokens.tokenize; IO labels (label of the covering span or 'O'); innermost span wins",
    "kappa": "Cohen's kappa per annotator pair (scikit-learn's formula); layer/label figure = pair mean weighted by tokens",
    "alpha": "Krippendorff's alpha, nominal, all annotators; a document an annotator did not annotate is missing",
    "per_label": "binary: the label vs everything else; n = tokens any annotator gave the label",
    "attributes": "Krippendorff's alpha (krippendorff package, nominal) over matched claim groups",
    "links": "matched claim pairs whose link targets match one-to-one by overlap (or both have none)",
}


# --- numbers from counts ------------------------------------------------------------------------


def alpha_from_coincidences(o: np.ndarray, n_units: int, unit: str) -> Measure:
    """Nominal Krippendorff's alpha from a coincidence matrix.

    The same arithmetic as ``krippendorff.alpha(..., level_of_measurement="nominal")`` (the tests
    prove they agree), but from the summed coincidence matrix: the package builds one V x V matrix
    per unit, which for millions of tokens does not fit in memory.
    ``alpha = 1 - (n - 1) * sum_{c != k} o_ck / (n^2 - sum_c n_c^2)``.
    """
    n_c = o.sum(axis=0)
    n = n_c.sum()
    if n <= 1:
        return Measure(None, n_units, unit, UNDEFINED_NO_PAIRS)
    if np.count_nonzero(n_c > 1e-9) < 2:
        return Measure(None, n_units, unit, UNDEFINED_ONE_VALUE)
    observed = n - np.trace(o)
    expected = (n * n - np.square(n_c).sum()) / (n - 1)
    return Measure.of(1.0 - observed / expected, n_units, unit)


def kappa_from_confusion(conf: np.ndarray, n_items: int, unit: str) -> Measure:
    """Cohen's kappa from a confusion matrix ``conf[label_a, label_b]``: (p_o - p_e) / (1 - p_e).

    The formula scikit-learn's ``cohen_kappa_score`` applies (tested equal to it), on the V x V
    matrix instead of millions of tokens; importing scikit-learn alone took a second of every
    validation, and calling it another second at 100k documents.
    """
    rows, cols = np.nonzero(conf)
    if rows.size == 0:
        return Measure(None, n_items, unit, "no tokens both annotators annotated")
    if np.union1d(rows, cols).size < 2:  # one label only: p_e is 1 and kappa undefined
        return Measure(None, n_items, unit, UNDEFINED_ONE_VALUE)
    total = conf.sum()
    observed = np.trace(conf) / total
    expected = float(conf.sum(axis=1) @ conf.sum(axis=0)) / (total * total)
    return Measure.of((observed - expected) / (1.0 - expected), n_items, unit)


def _binary(matrix: np.ndarray, code: int) -> np.ndarray:
    """Collapse a V x V count matrix to 2 x 2: ``code`` (index 1) against everything else (index 0)."""
    both = matrix[code, code]
    row = matrix[code].sum() - both
    col = matrix[:, code].sum() - both
    return np.array([[matrix.sum() - both - row - col, col], [row, both]])


def _weighted_mean(measures: Iterable[Measure], n_total: int, unit: str) -> Measure:
    defined = [m for m in measures if m.value is not None and m.n > 0]
    if not defined:
        return Measure(None, n_total, unit, "no annotator pair has a defined kappa")
    weight = sum(m.n for m in defined)
    return Measure.of(sum(m.value * m.n for m in defined) / weight, n_total, unit)


# --- matching ------------------------------------------------------------------------------------

_EMPTY = np.zeros(0, dtype=np.int64)


def one_to_one(allowed: np.ndarray, overlap: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (rows, cols) of a one-to-one matching within ``allowed`` (a boolean matrix).

    The matching has as many pairs as possible, then the most ``overlap`` in total. The usual case
    (every span has at most one candidate) needs no solver.
    """
    if not allowed.any():
        return _EMPTY, _EMPTY
    if allowed.sum(axis=0).max() <= 1 and allowed.sum(axis=1).max() <= 1:
        return np.nonzero(allowed)
    gain = np.zeros(allowed.shape, dtype=np.int64) if overlap is None else np.where(allowed, overlap, 0)
    # One more match always outweighs any amount of extra overlap.
    weight = np.where(allowed, gain + gain.sum() + 1, 0)
    rows, cols = linear_sum_assignment(weight, maximize=True)
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]


# --- per-record arrays -----------------------------------------------------------------------------


class _Labels:
    """Every label of both layers as one integer code; each layer has its own "O".

    Codes are ``[O, entity labels..., O, CLAIM, CUE, SOURCE]``. A record's token codes are one
    array of twice the document's tokens (entities layer, then claims layer), so one bincount
    gives both layers' confusion matrices as the blocks of one matrix.
    """

    def __init__(self, schema: LabelSchema):
        self.layer_names = {layer: [OUTSIDE, *schema.labels(layer)] for layer in LAYERS}
        self.layer_codes: dict[str, np.ndarray] = {}
        self.code: dict[tuple[str, str], int] = {}
        self.names: list[str] = []
        for layer in LAYERS:
            base = len(self.names)
            self.layer_codes[layer] = np.arange(base, base + len(self.layer_names[layer]))
            for i, name in enumerate(self.layer_names[layer]):
                self.code[(layer, name)] = base + i
            self.names += self.layer_names[layer]
        self.size = len(self.names)
        self.outside = np.array([self.code[(layer, OUTSIDE)] for layer in LAYERS])
        self.claim = self.code[(CLAIM_LAYER, CLAIM)]

    def block(self, matrix: np.ndarray, layer: str) -> np.ndarray:
        codes = self.layer_codes[layer]
        return matrix[np.ix_(codes, codes)]


@dataclass
class _Annotation:
    """One annotator's record on one document as arrays, ready for comparison."""

    annotator: str
    start: np.ndarray
    end: np.ndarray
    code: np.ndarray  # label codes (see _Labels)
    layer: np.ndarray  # index into LAYERS
    ids: list[str]
    targets: dict[str, dict[str, list[tuple[int, int]]]]  # link label -> claim span id -> target offsets
    attributes: dict[str, dict[str, str]]  # claim span id -> attribute -> value

    def tokens(self, tok_start: np.ndarray, tok_end: np.ndarray, labels: _Labels) -> np.ndarray:
        """IO codes: the covering span's code per token and layer, the layer's "O" where none covers it."""
        n = tok_start.size
        out = np.repeat(labels.outside, n)
        offset = self.layer * n
        first = np.searchsorted(tok_end, self.start, side="right") + offset  # first token ending after the start
        stop = np.searchsorted(tok_start, self.end, side="left") + offset  # first token starting at/after the end
        for i in np.argsort(self.start - self.end, kind="stable").tolist():  # longest first: the innermost wins
            out[first[i] : stop[i]] = self.code[i]
        return out


def _prepare(records: list[AnnotationRecord], labels: _Labels, skipped: dict[str, int]) -> list[_Annotation]:
    """Each record as arrays (its spans of a known label; the targets of its links; its claims'
    attributes). The spans of all records are read field by field and made arrays at once, then
    cut per record: building an array per record was a third of agreement at 10k documents."""
    spans = list(chain.from_iterable(r.spans for r in records))
    ids, layers, names, starts, ends = transposed(spans, 5)  # Span: id, layer, label, start, end, text
    codes = list(map(labels.code.get, zip(layers, names)))
    known = [code is not None and name != OUTSIDE for code, name in zip(codes, names)]
    unknown = known.count(False)
    if unknown:
        skipped["spans_with_unknown_label"] += unknown
    else:
        known = None  # every span: nothing to leave out
    if known is not None:
        ids, layers, starts, ends, codes = (list(compress(v, known)) for v in (ids, layers, starts, ends, codes))
    layer_index = {layer: i for i, layer in enumerate(LAYERS)}
    table = np.array([starts, ends, codes, [layer_index[layer] for layer in layers]], dtype=np.int64).reshape(4, -1)
    counts = [len(r.spans) for r in records]
    if known is not None:  # spans kept per record
        owner = np.repeat(np.arange(len(records)), counts)
        counts = np.bincount(owner[np.array(known, bool)], minlength=len(records)).tolist()
    cuts = np.cumsum(counts)[:-1].tolist()
    prepared = []
    for record, start, end, code, layer, first, n in zip(
        records, *(np.split(row, cuts) for row in table), [0, *cuts], counts
    ):
        prepared.append(
            _Annotation(record.annotator, start, end, code, layer, ids[first : first + n], *_links_and_choices(record))
        )
    return prepared


def _links_and_choices(record: AnnotationRecord) -> tuple[dict, dict]:
    """A record's link targets (link label -> claim span id -> target offsets) and its claims' attributes."""
    targets: dict[str, dict[str, list[tuple[int, int]]]] = {label: {} for label in LINK_LABELS}
    if record.links:
        where = {s.id: (s.start, s.end) for s in record.spans}
        for link in record.links:
            if link.label in targets and link.to_id in where:
                targets[link.label].setdefault(link.from_id, []).append(where[link.to_id])
    attributes: dict[str, dict[str, str]] = {}
    for c in record.choices:
        if c.values:
            attributes.setdefault(c.region_id, {})[c.name] = "|".join(sorted(c.values))
    return targets, attributes


def _current_records(
    records: Iterable[AnnotationRecord], texts: dict[str, str], min_annotators: int, skipped: dict[str, int]
) -> dict[str, list[AnnotationRecord]]:
    """The documents to compare: each annotator's latest own record, by annotator name.

    The latest record is an annotator's current work: when it was made on another text, that
    annotator is left out of the document (its older records are not used in its place).
    """
    latest: dict[tuple[str, str], AnnotationRecord] = {}
    for rec in records:
        if rec.origin in NON_ANNOTATOR_ORIGINS:
            skipped[f"origin {rec.origin}"] += 1
        elif rec.cancelled:
            skipped["cancelled"] += 1
        elif rec.provenance:
            skipped["adjudicated"] += 1
        else:
            key = (rec.doc_id, rec.annotator)
            old = latest.get(key)
            if old is not None:
                skipped["superseded"] += 1
            if old is None or (rec.updated_at or "", rec.record_id) > (old.updated_at or "", old.record_id):
                latest[key] = rec
    by_doc: dict[str, list[AnnotationRecord]] = defaultdict(list)
    for (doc_id, _), rec in sorted(latest.items()):
        by_doc[doc_id].append(rec)
    out: dict[str, list[AnnotationRecord]] = {}
    for doc_id, recs in by_doc.items():
        if len(recs) >= min_annotators:  # only then is the text needed, and worth hashing
            text = texts.get(doc_id)
            if text is None:
                skipped["records_without_text"] += len(recs)
                continue
            sha = sha256_hex(text)
            current = [rec for rec in recs if rec.text_sha256 == sha]
            if len(current) < len(recs):
                skipped["stale_records"] += len(recs) - len(current)
            recs = current
        if len(recs) >= min_annotators:
            out[doc_id] = recs
        else:
            skipped["documents_below_min_annotators"] += 1
    return out


# --- the accumulation ----------------------------------------------------------------------------


class _Tally:
    """Running sums over documents: span matches, coincidences, pair confusions, claim groups."""

    def __init__(self, labels: _Labels):
        self.labels = labels
        v = labels.size
        self.annotators: dict[str, int] = {}
        self.pair_documents: dict[Pair, int] = defaultdict(int)
        self.documents = 0
        self.tokens = 0  # per layer: every token is labelled once in each layer
        self.matched = {"exact": np.zeros(v, dtype=np.int64), "overlap": np.zeros(v, dtype=np.int64)}
        self.reference = np.zeros(v, dtype=np.int64)
        self.other = np.zeros(v, dtype=np.int64)
        self.coincidences = np.zeros((v, v))
        self.touched = np.zeros(v, dtype=np.int64)  # tokens any annotator gave each label
        self.confusion: dict[Pair, np.ndarray] = {}
        self.link_pairs = {label: 0 for label in LINK_LABELS}
        self.link_agreeing = {label: 0 for label in LINK_LABELS}
        self.link_both_unlinked = {label: 0 for label in LINK_LABELS}
        self.attribute_units: list[dict[int, dict[str, str]]] = []  # annotator -> the claim's attributes
        self.ambiguous_groups = 0

    def add_documents(self, documents: list[tuple[np.ndarray, list[_Annotation]]]) -> None:
        """:meth:`add_document` for each (tokens, annotations), in order; the token figures of the
        documents two annotators annotated are counted for all of them at once (:meth:`_add_pair_tokens`)."""
        counted = self._add_pair_tokens(documents)
        for k, (tokens, anns) in enumerate(documents):
            self.add_document(tokens, anns, tokens_counted=counted[k])

    def _add_pair_tokens(self, documents: list[tuple[np.ndarray, list[_Annotation]]]) -> np.ndarray:
        """The token codes, touched labels, pair confusions and coincidences of the documents two
        annotators annotated, as :meth:`add_document` counts them one document at a time, for all
        at once; returns which documents were counted. Left to :meth:`add_document`: documents with
        another number of annotators, or whose spans of one layer share a token (the innermost
        span's label wins there, which painting the spans in one pass does not decide).

        The counts are integers (a coincidence weighs 1 / (m - 1) = 1), so adding them in another
        order gives the very same figures; not where a document has four annotators or more,
        whose coincidences (thirds, ...) are rounded: then every document is left to add_document.
        """
        counted = np.zeros(len(documents), bool)
        pairs = [k for k, (_, anns) in enumerate(documents) if len(anns) == 2]
        if not pairs or any(len(anns) > 3 for _, anns in documents):
            return counted
        labels, v = self.labels, self.labels.size
        tokens = [documents[k][0] for k in pairs]
        n = np.array([t.shape[0] for t in tokens], np.int64)
        lo = np.cumsum(n) - n  # each document's first token among all
        # Offsets made increasing over all documents: each shifted past the last token end of those before.
        last = np.array([t[-1, 1] if t.shape[0] else 0 for t in tokens], np.int64)
        shift = np.cumsum(last + 1) - (last + 1)
        every = np.concatenate(tokens + [np.zeros((0, 2), np.int64)]) + np.repeat(shift, n)[:, None]
        slow = np.zeros(len(pairs), bool)
        ranges = []  # per annotator slot: each span's first and stop position among the codes, its code, its document
        for slot in (0, 1):
            mine = [documents[k][1][slot] for k in pairs]
            doc = np.repeat(np.arange(len(pairs)), [a.start.size for a in mine])
            start, end, code, layer = (
                np.concatenate([getattr(a, name) for a in mine] + [np.zeros(0, np.int64)])
                for name in ("start", "end", "code", "layer")
            )
            # As ann.tokens finds them in its document: first token ending after the start, first
            # starting at or after the end; where an offset lies outside its document, clipped to it.
            floor, ceiling = lo[doc], lo[doc] + n[doc]
            first = np.clip(np.searchsorted(every[:, 1], start + shift[doc], "right"), floor, ceiling) - lo[doc]
            stop = np.clip(np.searchsorted(every[:, 0], end + shift[doc], "left"), floor, ceiling) - lo[doc]
            block = 2 * lo[doc] + layer * n[doc]  # a document's codes are 2 blocks of its tokens, one per layer
            filled = first < stop
            first, stop, code, doc = (
                block[filled] + first[filled],
                block[filled] + stop[filled],
                code[filled],
                doc[filled],
            )
            order = np.argsort(first, kind="stable")
            shared = np.flatnonzero(first[order][1:] < stop[order][:-1])  # blocks never overlap: within one layer
            slow[doc[order][shared]] = True
            ranges.append((first, stop, code))
        # Codes are constant between span edges: count runs of tokens (cut at every edge of either
        # annotator's spans and of the blocks), not tokens, each weighing its length.
        blocks = np.append(2 * lo[:, None] + np.arange(2) * n[:, None], 2 * n.sum())
        edges = np.unique(np.concatenate([blocks, *(r[0] for r in ranges), *(r[1] for r in ranges)]))
        length = np.diff(edges)
        # Each run's "O": that of the layer of its block (block 2 * k + layer).
        run_block = np.searchsorted(blocks, edges[:-1], "right") - 1
        outside = labels.outside[run_block % 2]
        codes = []
        for first, stop, code in ranges:
            change = np.bincount(np.searchsorted(edges, first), code, edges.size) - np.bincount(
                np.searchsorted(edges, stop), code, edges.size
            )
            painted = np.cumsum(change[:-1]).round().astype(np.int64)  # no span's code is 0 (an "O"): 0 is uncovered
            codes.append(np.where(painted == 0, outside, painted))
        keep = ~slow[run_block // 2] & (length > 0)
        ca, cb, weight = codes[0][keep], codes[1][keep], length[keep]
        touched = (
            np.bincount(ca, weight, v) + np.bincount(cb, weight, v) - np.bincount(ca[ca == cb], weight[ca == cb], v)
        )
        self.touched += touched.round().astype(np.int64)
        names: dict[Pair, int] = {}
        pair_of = np.array(
            [names.setdefault((documents[k][1][0].annotator, documents[k][1][1].annotator), len(names)) for k in pairs],
            np.int64,
        )
        together = np.bincount((pair_of[run_block // 2][keep] * v + ca) * v + cb, weight, len(names) * v * v)
        together = together.round().astype(np.int64)
        counting = set(pair_of[~slow].tolist())  # a pair all of whose documents add_document counts has none here
        for pair, p in names.items():
            if p not in counting:
                continue
            conf = together[p * v * v : (p + 1) * v * v].reshape(v, v)
            if pair in self.confusion:
                self.confusion[pair] += conf
            else:
                self.confusion[pair] = conf
            self.coincidences += (conf + conf.T) / 1
        counted[np.array(pairs)[~slow]] = True
        return counted

    def add_document(self, tokens: np.ndarray, annotations: list[_Annotation], tokens_counted: bool = False) -> None:
        """``tokens``: the document's tokens as (start, end) rows (:func:`corpus.tokens.token_offsets`);
        ``tokens_counted``: its token figures were counted already (:meth:`_add_pair_tokens`)."""
        self.documents += 1
        v = self.labels.size
        self.tokens += tokens.shape[0]
        codes = None if tokens_counted else [ann.tokens(tokens[:, 0], tokens[:, 1], self.labels) for ann in annotations]
        for ann in annotations:
            self.annotators.setdefault(ann.annotator, len(self.annotators))
        m = len(annotations)
        if codes is None:
            pass
        elif m == 2:
            ca, cb = codes
            self.touched += np.bincount(ca, minlength=v) + np.bincount(cb, minlength=v)
            self.touched -= np.bincount(ca[ca == cb], minlength=v)
        else:
            given = np.zeros((codes[0].size, v), dtype=bool)
            for c in codes:
                given[np.arange(c.size), c] = True
            self.touched += given.sum(axis=0)
        claim_matches: list[tuple[int, int, np.ndarray, np.ndarray]] = []
        for i, j in combinations(range(m), 2):
            a, b = annotations[i], annotations[j]
            pair = (a.annotator, b.annotator)
            self.pair_documents[pair] += 1
            if codes is not None:
                conf = np.bincount(codes[i] * v + codes[j], minlength=v * v).reshape(v, v)
                if pair in self.confusion:
                    self.confusion[pair] += conf
                else:
                    self.confusion[pair] = conf
                # Each ordered pair of values within a token is one coincidence, weighted 1 / (m - 1).
                self.coincidences += (conf + conf.T) / (m - 1)
            rows, cols = self._match_spans(a, b)
            claims = a.code[rows] == self.labels.claim
            if claims.any():
                claim_matches.append((i, j, rows[claims], cols[claims]))
        if claim_matches:
            self._compare_claims(annotations, claim_matches)

    def _match_spans(self, a: _Annotation, b: _Annotation) -> tuple[np.ndarray, np.ndarray]:
        """Counts exact and overlap matches; returns the overlap matching."""
        v = self.labels.size
        self.reference += np.bincount(a.code, minlength=v)
        self.other += np.bincount(b.code, minlength=v)
        overlap = np.minimum(a.end[:, None], b.end[None, :]) - np.maximum(a.start[:, None], b.start[None, :])
        allowed = (overlap > 0) & (a.code[:, None] == b.code[None, :])  # one code: same label, same layer
        if not allowed.any():
            return _EMPTY, _EMPTY
        exact = allowed & (a.start[:, None] == b.start[None, :]) & (a.end[:, None] == b.end[None, :])
        rows, _ = one_to_one(exact)
        self.matched["exact"] += np.bincount(a.code[rows], minlength=v)
        rows, cols = one_to_one(allowed, overlap)
        self.matched["overlap"] += np.bincount(a.code[rows], minlength=v)
        return rows, cols

    def _compare_claims(
        self, annotations: list[_Annotation], matches: list[tuple[int, int, np.ndarray, np.ndarray]]
    ) -> None:
        # Links: per matched claim pair.
        edges: list[tuple[tuple[int, str], tuple[int, str]]] = []
        for i, j, rows, cols in matches:
            a, b = annotations[i], annotations[j]
            for row, col in zip(rows.tolist(), cols.tolist()):
                a_id, b_id = a.ids[row], b.ids[col]
                edges.append(((i, a_id), (j, b_id)))
                for label in LINK_LABELS:
                    ta, tb = a.targets[label].get(a_id), b.targets[label].get(b_id)
                    self.link_pairs[label] += 1
                    if not ta and not tb:
                        self.link_both_unlinked[label] += 1
                        self.link_agreeing[label] += 1
                    elif ta and tb and len(ta) == len(tb) and _targets_match(ta, tb):
                        self.link_agreeing[label] += 1
        # Attributes: matched claims chain into groups (union-find over (annotator, claim id)).
        parent: dict[tuple[int, str], tuple[int, str]] = {}

        def find(node: tuple[int, str]) -> tuple[int, str]:
            parent.setdefault(node, node)
            while parent[node] != node:
                parent[node] = parent[parent[node]]
                node = parent[node]
            return node

        for x, y in edges:
            parent[find(x)] = find(y)
        groups: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        for node in list(parent):
            groups[find(node)].append(node)
        for members in groups.values():
            owners = [i for i, _ in members]
            if len(set(owners)) != len(owners):
                self.ambiguous_groups += 1
                continue
            self.attribute_units.append(
                {
                    self.annotators[annotations[i].annotator]: annotations[i].attributes.get(claim, {})
                    for i, claim in members
                }
            )


def _targets_match(ta: list[tuple[int, int]], tb: list[tuple[int, int]]) -> bool:
    if len(ta) == 1:  # the usual case: one source each
        return min(ta[0][1], tb[0][1]) > max(ta[0][0], tb[0][0])
    a, b = np.array(ta, dtype=np.int64), np.array(tb, dtype=np.int64)
    overlap = np.minimum(a[:, 1, None], b[None, :, 1]) - np.maximum(a[:, 0, None], b[None, :, 0])
    rows, _ = one_to_one(overlap > 0, overlap)
    return rows.size == len(ta)


# --- the report ------------------------------------------------------------------------------------


def _token_agreement(tally: _Tally, layer: str, label: str | None) -> TokenAgreement:
    """Token-wise alpha and kappa on a layer (``label`` None) or on one label of it (binary)."""
    labels = tally.labels
    o = labels.block(tally.coincidences, layer)
    if label is None:
        n_units = tally.tokens
        alpha = alpha_from_coincidences(o, n_units, "tokens")
    else:
        local = labels.layer_names[layer].index(label)
        n_units = int(tally.touched[labels.code[(layer, label)]])
        alpha = (
            alpha_from_coincidences(_binary(o, local), n_units, "tokens")
            if n_units
            else Measure(None, 0, "tokens", "no annotator used this label")
        )
    pair_kappa: dict[Pair, Measure] = {}
    for pair, confusion in sorted(tally.confusion.items()):
        conf = labels.block(confusion, layer)
        if label is None:
            pair_kappa[pair] = kappa_from_confusion(conf, int(conf.sum()), "tokens")
        else:
            binary = _binary(conf, local)
            n = int(binary.sum() - binary[0, 0])
            pair_kappa[pair] = (
                kappa_from_confusion(binary, n, "tokens")
                if n
                else Measure(None, 0, "tokens", "neither annotator of the pair used this label")
            )
    kappa = _weighted_mean(pair_kappa.values(), n_units, "tokens")
    return TokenAgreement(alpha, kappa, pair_kappa)


def _scores(tally: _Tally, codes: np.ndarray) -> tuple[SpanScores, SpanScores]:
    ref, oth = int(tally.reference[codes].sum()), int(tally.other[codes].sum())
    return (
        SpanScores(int(tally.matched["exact"][codes].sum()), ref, oth),
        SpanScores(int(tally.matched["overlap"][codes].sum()), ref, oth),
    )


def _attribute_alpha(tally: _Tally, schema: LabelSchema) -> dict[str, Measure]:
    out: dict[str, Measure] = {}
    units = tally.attribute_units
    for attr in schema.claim_attributes:
        domain: dict[str, int] = {value: i for i, value in enumerate(attr.values)}
        if not attr.required:
            domain.setdefault(NO_VALUE, len(domain))
        data = np.full((len(tally.annotators), len(units)), np.nan)
        for unit, members in enumerate(units):
            for who, values in members.items():
                value = values.get(attr.name, None if attr.required else NO_VALUE)
                if value is not None:
                    data[who, unit] = domain.setdefault(value, len(domain))
        data = data[:, np.count_nonzero(~np.isnan(data), axis=0) >= 2]  # units with two values or more
        n = data.shape[1]
        if n == 0:
            out[attr.name] = Measure(None, 0, "claims", "no matched claim has this attribute from two annotators")
        elif np.unique(data[~np.isnan(data)]).size < 2:
            out[attr.name] = Measure(None, n, "claims", UNDEFINED_ONE_VALUE)
        else:
            value = krippendorff.alpha(
                reliability_data=data, value_domain=np.arange(len(domain)), level_of_measurement="nominal"
            )
            out[attr.name] = Measure.of(value, n, "claims")
    return out


def agreement(
    records: list[AnnotationRecord],
    texts: dict[str, str],
    schema: LabelSchema,
    min_annotators: int = 2,
    skipped: Mapping[str, int] | None = None,
) -> AgreementReport:
    """Agreement between annotators on the documents at least ``min_annotators`` of them annotated.

    ``records``: annotation records of any origin (predictions, cancelled, adjudicated gold and
    stale records are left out and counted in ``skipped``); ``texts``: the current clean text of
    each document, by id (records of documents without a text are left out); ``schema``: the
    workspace's label schema; ``skipped``: records the caller has left out already, by reason.
    Returns an :class:`AgreementReport`; the module docstring states every convention it uses.
    """
    if min_annotators < 2:
        raise ValueError("agreement needs min_annotators >= 2")
    started = time.perf_counter()
    skipped: dict[str, int] = defaultdict(int, skipped or {})
    labels = _Labels(schema)
    tally = _Tally(labels)
    compared = _current_records(records, texts, min_annotators, skipped)
    tokens = token_offsets_many([texts[doc_id] for doc_id in compared])
    prepared = iter(_prepare([rec for recs in compared.values() for rec in recs], labels, skipped))
    tally.add_documents([(t, [next(prepared) for _ in recs]) for t, recs in zip(tokens, compared.values())])

    layers: dict[str, LayerAgreement] = {}
    for layer in LAYERS:
        per_label = {}
        for name in labels.layer_names[layer][1:]:
            exact, overlap = _scores(tally, np.array([labels.code[(layer, name)]]))
            per_label[name] = LabelAgreement(name, layer, exact, overlap, _token_agreement(tally, layer, name))
        exact, overlap = _scores(tally, labels.layer_codes[layer])
        layers[layer] = LayerAgreement(
            layer, tally.tokens, exact, overlap, _token_agreement(tally, layer, None), per_label
        )
    links = {}
    for label in LINK_LABELS:
        pairs = tally.link_pairs[label]
        share = (
            Measure(tally.link_agreeing[label] / pairs, pairs, "claim pairs")
            if pairs
            else Measure(None, 0, "claim pairs", "no claims were matched between annotators")
        )
        links[label] = LinkAgreement(label, share, tally.link_both_unlinked[label])
    return AgreementReport(
        documents=tally.documents,
        annotators=sorted(tally.annotators),
        pair_documents=dict(sorted(tally.pair_documents.items())),
        exact=layers[ENTITY_LAYER].exact + layers[CLAIM_LAYER].exact,
        overlap=layers[ENTITY_LAYER].overlap + layers[CLAIM_LAYER].overlap,
        layers=layers,
        attributes=_attribute_alpha(tally, schema),
        links=links,
        claim_groups=len(tally.attribute_units),
        ambiguous_claim_groups=tally.ambiguous_groups,
        skipped=dict(sorted(skipped.items())),
        seconds=time.perf_counter() - started,
    )


def agreement_workspace(workspace: Workspace, min_annotators: int = 2) -> AgreementReport:
    """:func:`agreement` over a workspace's annotation records, documents and label schema."""
    records = AnnotationStore(workspace).records()
    annotators: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        if rec.origin not in NON_ANNOTATOR_ORIGINS and not rec.cancelled and not rec.provenance:
            annotators[rec.doc_id].add(rec.annotator)
    wanted = {doc_id for doc_id, names in annotators.items() if len(names) >= min_annotators}
    # Raw store rows: building Document objects for 100k articles to read 10k texts is wasted work.
    texts = {row["id"]: row["text"] for row in CorpusStore(workspace).documents if row["id"] in wanted}
    return agreement(records, texts, LabelSchema.load(workspace), min_annotators)
