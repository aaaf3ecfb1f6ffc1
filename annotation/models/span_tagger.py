"""A span tagger: spans as one BILUO tag per token, without spaCy's transition loop.

spaCy's NER builds spans with a transition system: a Python-free but sequential loop over each
token's state, about half of its prediction time on articles (bench/README.md). This component
scores every token's BILUO tag at once (the tok2vec, then one softmax layer: spaCy's
``spacy.Tagger.v2`` network) and decodes the best *valid* tag sequence: a B or I is followed
by the I or L of its label, an L or U or O by O, B or U; the sequence starts and ends outside a
span. The decoding is Viterbi over the tags' log-probabilities with those transitions allowed,
run over a batch of documents at once (a few array operations per token position), so it never
produces a broken span and costs no loop per document and token in Python.

The component is registered as the spaCy factory ``newsdesk_span_tagger`` when this module is
imported: a pipeline written with it loads once :func:`register` ran (``load_pipeline`` does).
"""

from __future__ import annotations

from itertools import islice

import numpy as np

FACTORY = "newsdesk_span_tagger"
OUTSIDE = "O"
PREFIXES = "BILU"


def tag_names(labels: list[str]) -> list[str]:
    """``O`` then ``B-X I-X L-X U-X`` for each label, in that order (the decoder relies on it)."""
    return [OUTSIDE] + [f"{p}-{label}" for label in labels for p in PREFIXES]


def allowed_transitions(n_labels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(previous tag, next tag) pairs a BILUO sequence may hold, and the tags it may start and end with."""
    n = 1 + 4 * n_labels
    ok = np.zeros((n, n), dtype=bool)
    outside_or_start = [0] + [1 + 4 * i for i in range(n_labels)] + [4 + 4 * i for i in range(n_labels)]  # O, B, U
    closing = [0] + [3 + 4 * i for i in range(n_labels)] + [4 + 4 * i for i in range(n_labels)]  # O, L, U
    for prev in closing:
        ok[prev, outside_or_start] = True
    for i in range(n_labels):
        b, inside, last = 1 + 4 * i, 2 + 4 * i, 3 + 4 * i
        ok[b, [inside, last]] = True
        ok[inside, [inside, last]] = True
    start = np.zeros(n, dtype=bool)
    start[outside_or_start] = True
    end = np.zeros(n, dtype=bool)
    end[closing] = True
    return ok, start, end


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def viterbi(batch: list[np.ndarray], n_labels: int) -> list[np.ndarray]:
    """The best valid tag sequence of each document's ``(tokens, tags)`` log-probabilities,
    decoded for the whole batch at once, one step per token position.

    A step needs no (tags x tags) max: O, B and U follow any closing tag (O, L, U), so the best
    path into them is the best closing tag's; I and L of a label follow its B or I. That is 2.6x
    faster than the general product on articles (same result: tests/test_model_span_tagger.py)."""
    _, start, end = allowed_transitions(n_labels)
    lengths = np.array([len(x) for x in batch], dtype=np.int64)
    if not len(batch) or lengths.max() == 0:
        return [np.zeros(0, dtype=np.int64) for _ in batch]
    n_docs, n_tags, steps = len(batch), 1 + 4 * n_labels, int(lengths.max())
    emit = np.zeros((n_docs, steps, n_tags), dtype=np.float32)
    for k, x in enumerate(batch):
        emit[k, : len(x)] = x
    b_tags = 1 + 4 * np.arange(n_labels)
    i_tags, l_tags, u_tags = b_tags + 1, b_tags + 2, b_tags + 3
    opening = np.concatenate([[0], b_tags, u_tags])  # O, B, U: what may follow a closing tag
    closing = np.concatenate([[0], l_tags, u_tags])  # O, L, U
    ending: dict[int, list[int]] = {}  # position -> the documents whose last token it is
    for k, n in enumerate(lengths.tolist()):
        ending.setdefault(n - 1, []).append(k)
    rows = np.arange(n_docs)
    best = np.where(start, emit[:, 0], -np.inf).astype(np.float32)
    back = np.zeros((n_docs, steps, n_tags), dtype=np.int8 if n_tags < 128 else np.int32)
    final = np.full((n_docs, n_tags), -np.inf, dtype=np.float32)
    if 0 in ending:
        final[ending[0]] = best[ending[0]]
    step = np.empty_like(best)
    for t in range(1, steps):
        closed = best[:, closing]
        which = closed.argmax(axis=1)
        from_b = best[:, b_tags] >= best[:, i_tags]
        inside = np.where(from_b, best[:, b_tags], best[:, i_tags])
        step[:, opening] = closed[rows, which][:, None]
        step[:, i_tags] = inside
        step[:, l_tags] = inside
        best = step + emit[:, t]
        came = back[:, t]
        came[:, opening] = closing[which][:, None]
        came[:, i_tags] = came[:, l_tags] = np.where(from_b, b_tags, i_tags)
        if t in ending:
            final[ending[t]] = best[ending[t]]
    last = np.where(end, final, -np.inf).argmax(axis=1)
    # Back from each document's own last token, all documents at once (a shorter document's
    # padding is overwritten when its last token is reached).
    tags = np.zeros((n_docs, steps), dtype=np.int64)
    tag = np.zeros(n_docs, dtype=np.int64)
    for t in range(steps - 1, -1, -1):
        if t in ending:
            tag[ending[t]] = last[ending[t]]
        tags[:, t] = tag
        tag = back[rows, t, tag].astype(np.int64)
    return [tags[k, :n] if n else np.zeros(0, dtype=np.int64) for k, n in enumerate(lengths.tolist())]


def spans_of(tags: np.ndarray) -> list[tuple[int, int, int]]:
    """``(label index, first token, end token)`` of a valid BILUO sequence (see :func:`tag_names`)."""
    found = []
    kind = (tags - 1) % 4  # 0 B, 1 I, 2 L, 3 U (meaningless where the tag is O)
    for t in np.flatnonzero((tags > 0) & ((kind == 0) | (kind == 3))).tolist():
        label = (int(tags[t]) - 1) // 4
        if kind[t] == 3:
            found.append((label, t, t + 1))
            continue
        stop = t + 1
        while stop < len(tags) and kind[stop] != 2:
            stop += 1
        found.append((label, t, stop + 1))
    return found


def register() -> None:
    """Make the ``newsdesk_span_tagger`` factory known to spaCy (once per process)."""
    from spacy.language import Language

    if Language.has_factory(FACTORY):
        return
    Language.factory(
        FACTORY,
        default_config={
            "labels": [],
            "scorer": {"@scorers": "spacy.ner_scorer.v1"},
        },
        default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
    )(_make)


def _make(nlp, name: str, model, labels: list[str], scorer):
    return _component_class()(nlp.vocab, model, name, labels=labels, scorer=scorer)


_CLASS = None


def _component_class():
    """The TrainablePipe subclass, made on first use so that importing this module needs no spaCy."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    from spacy.pipeline import TrainablePipe
    from spacy.tokens import Span
    from spacy.training import validate_examples
    from thinc.api import SequenceCategoricalCrossentropy, set_dropout_rate

    class SpanTagger(TrainablePipe):
        """BILUO tags per token (tok2vec + softmax), decoded to ``doc.ents`` (see the module docstring)."""

        def __init__(self, vocab, model, name: str = FACTORY, *, labels: list[str], scorer=None):
            self.vocab, self.model, self.name = vocab, model, name
            self.cfg = {"labels": list(labels)}
            self.scorer = scorer

        @property
        def labels(self) -> tuple[str, ...]:
            return tuple(self.cfg["labels"])

        @property
        def tags(self) -> list[str]:
            return tag_names(self.cfg["labels"])

        def add_label(self, label: str) -> int:
            if label in self.cfg["labels"]:
                return 0
            self._allow_extra_label()
            self.cfg["labels"].append(label)
            return 1

        def tag_log_probs(self, docs) -> list[np.ndarray]:
            """Each document's ``(tokens, tags)`` log-probabilities."""
            if not any(len(d) for d in docs):
                return [np.zeros((len(d), len(self.tags)), dtype=np.float32) for d in docs]
            from annotation.models import fast_tok2vec

            return [log_softmax(self.model.ops.to_numpy(x)) for x in fast_tok2vec.predict(self.model, docs)]

        def predict(self, docs):
            return viterbi(self.tag_log_probs(docs), len(self.labels))

        def set_annotations(self, docs, batch_tags) -> None:
            labels = self.labels
            for doc, tags in zip(docs, batch_tags):
                doc.set_ents([Span(doc, a, b, label=labels[k]) for k, a, b in spans_of(tags)], default="outside")

        def _truths(self, examples) -> list[list[str | None]]:
            # "-" (a token the gold does not say) and misaligned tokens teach nothing
            return [[t if t and t != "-" else None for t in eg.get_aligned_ner()] for eg in examples]

        def get_loss(self, examples, scores):
            validate_examples(examples, "SpanTagger.get_loss")
            loss_func = SequenceCategoricalCrossentropy(names=self.tags, normalize=False)
            d_scores, loss = loss_func(scores, self._truths(examples))
            return float(loss), d_scores

        def update(self, examples, *, drop: float = 0.0, sgd=None, losses=None):
            losses = {} if losses is None else losses
            losses.setdefault(self.name, 0.0)
            validate_examples(examples, "SpanTagger.update")
            if not any(len(eg.predicted) for eg in examples):
                return losses
            set_dropout_rate(self.model, drop)
            scores, backprop = self.model.begin_update([eg.predicted for eg in examples])
            loss, d_scores = self.get_loss(examples, scores)
            backprop(d_scores)
            if sgd not in (None, False):
                self.finish_update(sgd)
            losses[self.name] += loss
            return losses

        def initialize(self, get_examples, *, nlp=None, labels=None):
            if labels is not None:
                for label in labels:
                    self.add_label(label)
            tags = self.tags
            docs, truths = [], []
            for eg in islice(get_examples(), 10):
                docs.append(eg.x)
                rows = [[1.0 if tag == t else 0.0 for tag in tags] for t in self._truths([eg])[0]]
                truths.append(self.model.ops.asarray(rows, dtype="float32").reshape(-1, len(tags)))
            self._require_labels()
            self.model.initialize(X=docs, Y=truths)

    _CLASS = SpanTagger
    return _CLASS
