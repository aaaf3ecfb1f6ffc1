"""spaCy's greedy NER decoding, done over a batch of documents in numpy: the same entities, faster.

A trained ``--architecture ner`` model is spaCy's transition-based NER. spaCy decodes it in
compiled code whose helpers take and release the GIL for every hidden unit of every token (they
were built with profiling hooks): on PolNeAR that loop was half of the prediction time. Here the
same steps run over all of a batch's documents at once. For a BILUO NER every action moves one
token, so at step t every unfinished document is at its token t; the state is one open entity
(start, label) per document. Each step computes what spaCy's ``predict_states`` computes, in the
same order of float operations - the three precomputed features (the token, the open entity's
first token, the previous token), the bias, maxout, the output layer through the same BLIS gemm
- and takes the best action that spaCy's ``BiluoPushDown`` allows. Each row of those products
depends only on its own input row (BLIS computes every output element alike whatever the number
of rows: ``tests/test_fast_tok2vec.py`` checks it), so a whole batch of documents is decoded at
once, and not token by token: outside an entity the move does not depend on the state (it is
computed for every token in one product), inside one a token's scores depend only on where the
entity opened (a window of its next tokens in one product; it ends at the first L):
``_Decoder._decode_events``. A model with unseen classes, whose scores spaCy sets to the minimum
of the sub-batch's, is decoded token by token in spaCy's sub-batches (sorted by length, a
quarter of the batch each: ``_decode_steps``). The tok2vec runs through
:mod:`annotation.models.fast_tok2vec`.

This reads spaCy internals (the TransitionModel's layers, the move table, the feature layout,
the validity rules), so it runs only on the spaCy versions it was checked on
(``VERIFIED_SPACY``) and on the plain case: a pipeline of one greedy ``ner``, documents fresh
from the tokenizer (no preset entities, no sentence starts); the tok2vec runs as it is, so its
features (the quotation state too) are spaCy's. Anything else goes through
``nlp.pipe``. ``tests/test_models.py`` checks that both give the same entities.
"""

from __future__ import annotations

import numpy as np

VERIFIED_SPACY = ("3.8.18",)
ENABLED = True  # off: spaCy's own loop everywhere (``bench/models.py speed --spacy-loop`` measures both)
ENTITY_WINDOW = 16  # tokens of an open entity scored at once (four times more each time none is its last)
MOVES = "BILU"  # the move letters of spaCy's BILUO NER; "O" and "M" (missing) have no label


def can_decode(nlp, check_version: bool = True) -> bool:
    """Whether :func:`decode_entities` reproduces ``nlp.pipe`` for this pipeline."""
    import spacy

    if not ENABLED or (check_version and spacy.__version__ not in VERIFIED_SPACY):
        return False
    from annotation.models.start_bias import ner_component

    component = ner_component(nlp)  # a beam NER set to decode greedily is decoded like a greedy one
    if component is None:
        return False
    model = component.model
    if component.cfg.get("beam_width", 1) != 1 or component.postprocesses or model.name != "parser_model":
        return False
    if not model.attrs.get("has_upper") or not all(model.has_ref(r) for r in ("tok2vec", "lower", "upper")):
        return False
    lower = model.get_ref("lower")
    if lower.get_dim("nF") != 3 or not lower.has_dim("nP") or lower.get_dim("nP") < 2:
        return False
    names = [component.moves.get_class_name(i) for i in range(component.moves.n_moves)]
    return all(n in ("O", "M") or (n[:1] in MOVES and n[1:2] == "-") for n in names)


def _fresh(doc) -> bool:
    from spacy.attrs import ENT_IOB, SENT_START

    marks = doc.to_array([ENT_IOB, SENT_START])
    return not marks[:, 0].any() and not (marks[1:, 1] == 1).any()


def decode_entities(
    nlp, docs: list, batch_size: int, start_bias: dict[str, float] | None = None
) -> list[list[tuple[str, int, int]]]:
    """``[(label, start token, end token)]`` per document, as ``nlp.pipe(docs, batch_size)``
    would set ``doc.ents`` (in order; with ``start_bias`` as under
    :func:`annotation.models.start_bias.biased`); the documents are not changed."""
    from annotation.models.start_bias import move_bias

    if not all(_fresh(d) for d in docs):
        raise ValueError("decode_entities needs documents fresh from the tokenizer")
    component = nlp.pipeline[0][1]
    decoder = _Decoder(component, move_bias(component, start_bias))
    found: dict[int, list] = {}
    # Parser.pipe: batches of batch_size, sorted by length, in quarters; rows are independent
    # unless unseen classes tie the scores of a sub-batch together
    step = max(batch_size // 4, 2) if decoder.by_steps else batch_size
    for start in range(0, len(docs), batch_size):
        batch = sorted(range(start, min(start + batch_size, len(docs))), key=lambda i: len(docs[i]))
        for sub in range(0, len(batch), step):
            ids = batch[sub : sub + step]
            for i, ents in zip(ids, decoder.decode([docs[i] for i in ids])):
                found[i] = ents
    return [found[i] for i in range(len(docs))]


class _Decoder:
    def __init__(self, component, extra_bias: np.ndarray | None = None) -> None:
        model = component.model
        self.embed, self.lower, upper = model.layers  # tok2vec (with its projection), features, output
        self.ops = model.ops
        self.W, self.b = upper.get_param("W"), upper.get_param("b")
        if extra_bias is not None:  # the start bias, added where spaCy's loop would find it (in b)
            self.b = self.b + extra_bias
        self.bias = self.lower.get_param("b").reshape(-1)  # (hidden * pieces)
        self.unseen = np.array(sorted(model.attrs["unseen_classes"]), dtype=int)
        self.by_steps = len(self.unseen) > 0  # unseen classes tie a sub-batch's rows together: spaCy's steps
        names = [component.moves.get_class_name(i) for i in range(component.moves.n_moves)]
        self.labels = sorted({n[2:] for n in names if n[:1] in MOVES and n[2:]})
        code = {label: k for k, label in enumerate(self.labels)}
        kind = np.array([n[0] if n not in ("O", "M") else n for n in names])
        label = np.array([code.get(n[2:], -1) if n[:1] in MOVES else -1 for n in names])
        self.kind, self.label = kind, label
        self.changes = np.isin(kind, ["B", "L", "U"])  # I and O leave the state as it is
        self.penalty = self._penalties(kind, label)

    def _penalties(self, kind, label) -> np.ndarray:
        """0 where spaCy's BiluoPushDown allows a move, -inf where it does not, for every state a
        fresh document can be in: row (open label + 1) * 4 + 2 * (last token) + (space token)."""
        labelled = label >= 0
        rows = []
        for open_label in range(-1, len(self.labels)):
            opened = open_label >= 0
            same = labelled & (label == open_label)
            for last in (False, True):
                for space in (False, True):
                    valid = (
                        ((kind == "B") & labelled & (not opened) & (not last) & (not space))
                        | ((kind == "I") & same & opened & (not last))
                        | ((kind == "L") & same & opened)
                        | ((kind == "U") & labelled & (not opened) & (not space))
                        | ((kind == "O") & (not opened))
                    )
                    rows.append(np.where(valid, 0.0, -np.inf).astype(np.float32))
        return np.array(rows)

    def decode(self, docs: list) -> list[list[tuple[str, int, int]]]:
        """The entities of documents sorted by length (the shortest finish first, as in spaCy)."""
        from spacy.attrs import IS_SPACE

        from annotation.models import fast_tok2vec

        lengths = np.array([len(d) for d in docs])
        out: list[list] = [[] for _ in docs]
        if not lengths.any():
            return out
        table = self.lower.predict(fast_tok2vec.predict(self.embed, docs))  # (tokens + 1, 3, hidden, pieces)
        n_rows, _, n_hidden, n_pieces = table.shape  # row 0 is the padding
        f0, f1, f2 = (table[:, f].reshape(n_rows, n_hidden * n_pieces) for f in range(3))  # views, not copies
        space = np.concatenate([[0], *(d.to_array([IS_SPACE]).reshape(-1) for d in docs if len(d))]).astype(int)
        base = np.concatenate([[1], 1 + np.cumsum(lengths)[:-1]])  # the table row of each document's token 0
        if self.by_steps:
            return self._decode_steps(out, lengths, f0, f1, f2, space, base, n_pieces)
        return self._decode_events(out, lengths, f0, f1, f2, space, base, n_pieces)

    def _scores(self, unmaxed: np.ndarray, n_pieces: int) -> np.ndarray:
        """Maxout (the largest piece: the value Vec.arg_max picks), then the output layer."""
        unmaxed += self.bias
        hidden = unmaxed[:, 0::n_pieces]
        for piece in range(1, n_pieces):
            hidden = np.maximum(hidden, unmaxed[:, piece::n_pieces])
        scores = self.ops.gemm(hidden, self.W, trans2=True)
        scores += self.b
        return scores

    def _decode_events(self, out, lengths, f0, f1, f2, space, base, n_pieces) -> list[list]:
        """The same moves as :meth:`_decode_steps`, computed where they can change something.

        Outside an entity a token's scores do not depend on the state (the open entity's features
        are the padding), so the move there is computed for every token at once, and a document
        jumps to its next token whose move is B or U. Inside an entity opened at token s, the
        scores of token t depend only on s and t (its features, s's, t - 1's), so the entity's next
        tokens are scored a window at a time and it ends at the first L, which is where spaCy's
        steps end it. Rows are independent without unseen classes, so the result is the same."""
        n_rows = len(f0)
        last = np.zeros(n_rows, dtype=int)
        ends = base + lengths
        last[ends[lengths > 0] - 1] = 1
        outside = np.empty(n_rows, dtype=int)  # each token's move when no entity is open
        for a in range(0, n_rows, 8192):
            unmaxed = f0[a : a + 8192] + f1[0]
            unmaxed += f2[0]
            scores = self._scores(unmaxed, n_pieces)
            scores += self.penalty[last[a : a + 8192] * 2 + space[a : a + 8192]]
            outside[a : a + 8192] = scores.argmax(axis=1)
        events = np.append(np.flatnonzero(self.changes[outside]), n_rows)  # rows where an entity starts
        pos = base.copy()  # each document's current token, as a table row
        open_row = np.zeros(len(out), dtype=int)  # the open entity's first row (0: none)
        state_base = np.zeros(len(out), dtype=int)  # (open label + 1) * 4: the penalty table's block
        window = np.full(len(out), ENTITY_WINDOW)  # tokens of an open entity scored at once
        active = np.flatnonzero(lengths > 0)
        while len(active):
            closed = active[open_row[active] == 0]
            if len(closed):  # jump to the next B or U, and take it
                pos[closed] = np.minimum(events[np.searchsorted(events, pos[closed])], ends[closed])
                hit = closed[pos[closed] < ends[closed]]
                for d, row in zip(hit.tolist(), pos[hit].tolist()):
                    move = outside[row]
                    label = self.label[move]
                    if self.kind[move] == "B":
                        open_row[d], state_base[d] = row, (label + 1) * 4
                    else:
                        t = row - int(base[d])
                        out[d].append((self.labels[label], t, t + 1))
                pos[hit] += 1
            opened = active[open_row[active] > 0]
            if len(opened):  # the open entities' next tokens, a window each: I or L
                size = np.minimum(window[opened], ends[opened] - pos[opened])
                first = np.cumsum(size) - size
                row = np.repeat(pos[opened] - first, size) + np.arange(int(size.sum()))
                unmaxed = f0[row]
                unmaxed += f1[np.repeat(open_row[opened], size)]
                unmaxed += f2[row - 1]
                scores = self._scores(unmaxed, n_pieces)
                scores += self.penalty[np.repeat(state_base[opened], size) + last[row] * 2 + space[row]]
                guess = scores.argmax(axis=1)
                closing = np.flatnonzero(self.kind[guess] == "L")
                which, at = np.unique(np.repeat(np.arange(len(opened)), size)[closing], return_index=True)
                for j, k in zip(which.tolist(), closing[at].tolist()):  # the first L of each window
                    d, end = opened[j], int(row[k])
                    label = self.labels[self.label[guess[k]]]
                    out[d].append((label, int(open_row[d] - base[d]), end - int(base[d]) + 1))
                    open_row[d] = state_base[d] = 0
                    pos[d], window[d] = end + 1, ENTITY_WINDOW
                going = np.ones(len(opened), dtype=bool)
                going[which] = False
                pos[opened[going]] += size[going]  # no L yet: a longer window next
                window[opened[going]] *= 4
            active = active[pos[active] < ends[active]]
        return out

    def _decode_steps(self, out, lengths, f0, f1, f2, space, base, n_pieces) -> list[list]:
        """spaCy's order: every unfinished document moves one token per step."""
        # per document: the open entity's first token (-1: none), its table row (0: padding), its label code
        open_start = np.full(len(out), -1)
        open_row = np.zeros(len(out), dtype=int)
        open_label = np.full(len(out), -1)
        state_base = np.zeros(len(out), dtype=int)  # (open label + 1) * 4: the penalty table's block
        k = 0
        for t in range(int(lengths.max())):
            while lengths[k] <= t:  # finished: spaCy drops them from the batch
                k += 1
            row = base[k:] + t
            unmaxed = f0[row]
            unmaxed += f1[open_row[k:]]  # the open entity's first token, or padding
            unmaxed += f2[(row - 1) * (open_row[k:] > 0)]  # the token before, inside an open entity, or padding
            scores = self._scores(unmaxed, n_pieces)
            scores[:, self.unseen] = scores.min()  # spaCy: the sub-batch's lowest score
            scores += self.penalty[state_base[k:] + (lengths[k:] == t + 1) * 2 + space[row]]
            guess = scores.argmax(axis=1)
            for j in np.flatnonzero(self.changes[guess]):
                d, move = k + j, guess[j]
                kind = self.kind[move]
                if kind == "B":
                    open_start[d], open_row[d], open_label[d] = t, base[d] + t, self.label[move]
                    state_base[d] = (self.label[move] + 1) * 4
                elif kind == "L":
                    out[d].append((self.labels[open_label[d]], int(open_start[d]), t + 1))
                    open_start[d] = open_label[d] = -1
                    open_row[d] = state_base[d] = 0
                else:
                    out[d].append((self.labels[self.label[move]], t, t + 1))
        return out
