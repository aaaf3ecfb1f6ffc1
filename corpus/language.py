"""Language identification with py3langid's model, read in bulk.

Every cleaned document gets a language. Identification reads the opening of the text
(title and standfirst, usually) and reads further only when that opening leaves the choice
open: langid's cost grows with the text, and on news prose a few hundred characters
separate languages by a wide margin. :func:`detect_languages` does the openings of many
texts in one pass over the model (its tables stay in the cache; one sparse product scores
them all), which is how cleaning calls it; :func:`detect_language` is the same for one text.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

LANGUAGE_OPENING = 400  # characters read first
LANGUAGE_SAMPLE = 1500  # characters read when the opening is not decisive
LANGUAGE_MARGIN = 20.0  # lead in log-likelihood (nats) of the best language over the next that decides
BATCH_WORTH_IT = 8  # fewer texts than this are scored one by one (the sparse product has a set-up cost)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language of ``text``; "und" when there is nothing to read."""
    return detect_languages([text])[0]


def detect_languages(texts: list[str]) -> list[str]:
    """:func:`detect_language` of every text, the openings identified together."""
    identifier = _language_identifier()
    # (not text.strip(), without a copy of each text)
    languages: list[str | None] = ["und" if not text or text.isspace() else None for text in texts]
    long = [i for i, text in enumerate(texts) if languages[i] is None and len(text) > LANGUAGE_OPENING]
    if long:
        openings = [texts[i][:LANGUAGE_OPENING] for i in long]
        for i, (language, margin) in zip(long, _best_languages(identifier, openings)):
            if margin >= LANGUAGE_MARGIN:
                languages[i] = language
    # Short texts and undecided openings: py3langid's own answer on the longer sample.
    return [language or identifier.classify(text[:LANGUAGE_SAMPLE])[0] for language, text in zip(languages, texts)]


def _best_languages(identifier, texts: list[str]) -> list[tuple[str, float]]:
    """For each text, the most likely language and its lead over the next one (nats)."""
    if getattr(identifier, "_norm_probs", True) or not hasattr(identifier, "_decide"):
        # Scores that are probabilities, or a py3langid of another layout: no lead in nats to read,
        # so every text is decided on the longer sample by py3langid's own classify.
        return [("und", float("-inf"))] * len(texts)
    if hasattr(identifier, "opening_scores") and len(texts) >= BATCH_WORTH_IT:
        scores, read = identifier.opening_scores(texts)
    else:  # py3langid as it is, one text at a time
        scores, read = np.stack([identifier._decide(t) for t in texts]), np.ones(len(texts), dtype=bool)
    best = scores.argmax(axis=1)
    second, first = np.partition(scores, -2, axis=1)[:, -2:].T
    margins = np.where(read, first - second, -np.inf)  # a text without features decides nothing
    labels = identifier.nb_classes
    return [(labels[b], float(m)) for b, m in zip(best.tolist(), margins)]


# Texts the bulk identifier must classify exactly as py3langid does before it is used.
_LANGUAGE_PROBES = (
    "Joe Biden maintained pressure on Moscow on Friday.",
    "Le gouvernement a annoncé un plan.",
    "Die Regierung hat am Dienstag einen Plan angekündigt.",
    "Правительство объявило план.",
    "東京で地震があった。",
    "x",
    "“”",
    "3.5 %",
)


@lru_cache(maxsize=1)
def _language_identifier():
    """py3langid's classifier, in its bulk form (same answers, several times faster) when possible."""
    from py3langid.langid import _get_identifier

    plain = _get_identifier()
    try:
        bulk = _bulk_identifier(plain)
    except (AttributeError, TypeError, ValueError):  # a py3langid with another layout: use it as it is
        return plain
    if not all(bulk.classify(p) == plain.classify(p) for p in _LANGUAGE_PROBES):
        return plain
    scores, read = bulk.opening_scores(list(_LANGUAGE_PROBES))
    decided = [bulk.nb_classes[i] for i in scores.argmax(axis=1)]
    expected = [plain.classify(p)[0] for p in _LANGUAGE_PROBES]
    return bulk if all(d == e for d, e, r in zip(decided, expected, read) if r) and read.sum() >= 5 else plain


def _bulk_identifier(plain):
    """A py3langid identifier whose slow steps are done in bulk.

    py3langid walks its byte n-gram automaton one byte at a time in Python and, on every
    call, casts the float16 weight rows it needs to float32 before the dot product; the
    two were most of the cost of cleaning. The automaton is Aho-Corasick, so the state
    after a byte depends only on the last ``depth`` bytes (the depth of its deepest state):
    numpy computes every position's state at once. Each weight row is cast once.
    ``classify`` keeps py3langid's counts, rows, order and dtypes, so its scores are
    bit-identical; ``opening_scores`` scores many texts in one sparse product, equal to
    py3langid's up to float rounding (far below the margin that decides).
    """
    from py3langid.langid import RAW_FLOOR, LanguageIdentifier

    class BulkLanguageIdentifier(LanguageIdentifier):
        __slots__ = ("_depth", "_weights32", "_cast", "_moves", "_rows", "_features", "_after_two", "_next_row")

        def _raw_score(self, text):
            found = self._feature_counts(text)
            if found is None:
                return super()._raw_score(text)  # no features: py3langid's own answer
            rows, counts = found
            self._cast_rows(rows)
            # py3langid's _sparse_score, on the float32 rows it would have cast itself.
            return np.log1p(counts.astype(np.float32)) @ self._weights32[rows] + self.nb_pc

        def opening_scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
            """Raw scores of every text (aliases folded, as ``_decide``), and which had features."""
            data = [self._encode(t) for t in texts]
            lengths = np.fromiter(map(len, data), dtype=np.intp, count=len(data))
            buffer = np.frombuffer(b"".join(data), dtype=np.uint8)
            states = self._window_states(buffer)  # as if the texts were one...
            # ...so each text's first bytes were read after the text before it: walk them
            # again from the start state, every text at once.
            starts, state = np.cumsum(lengths) - lengths, np.zeros(len(data), dtype=np.intp)
            for k in range(self._depth - 1):
                live = np.flatnonzero(lengths > k)
                at = starts[live] + k
                state[live] = self._moves[self._rows[state[live]] + buffer[at]]
                states[at] = state[live]
            counts = _feature_count_rows(self._features[states], lengths, len(self.nb_ptc))
            self._cast_rows(None)
            scores = np.asarray(counts @ self._weights32) + self.nb_pc
            for i, j in self._alias_pairs:
                scores[:, i] = np.maximum(scores[:, i], scores[:, j])
                scores[:, j] = RAW_FLOOR
            return scores, np.diff(counts.indptr) > 0

        def _cast_rows(self, rows) -> None:
            """Cast the weight rows a text needs (None: all) to float32, once each."""
            if rows is None:
                if not self._cast.all():
                    self._weights32[:] = self.nb_ptc
                    self._cast[:] = True
                return
            new = rows[~self._cast[rows]]
            if len(new):
                self._weights32[new] = self.nb_ptc[new]
                self._cast[new] = True

        def _window_states(self, b: np.ndarray) -> np.ndarray:
            """The automaton's state after every byte, for bytes ``depth - 1`` and later.

            The first two bytes of every window at once, from a table of all byte pairs;
            then, for the bytes between, only the row of the next state is looked up (a
            table half the size of the moves, kept hot), and the state at the last. The
            first ``depth - 1`` entries are left for the caller to walk.
            """
            depth, n = self._depth, len(b)
            states = np.zeros(n, dtype=np.intp)
            if n >= depth:
                m = n - depth + 1
                row = self._after_two[(b[:m].astype(np.intp) << 8) | b[1 : m + 1]]
                for k in range(2, depth - 1):
                    row = self._next_row[(row.astype(np.intp) << 8) | b[k : m + k]]
                states[depth - 1 :] = self._moves[(row.astype(np.intp) << 8) | b[depth - 1 : m + depth - 1]]
            return states

        def _feature_counts(self, data: bytes):
            """Features and their counts in order of first occurrence, as py3langid's ``visit_counts``."""
            moves, rows, n = self.tk_nextmove, self._rowbase, len(data)
            states = self._window_states(np.frombuffer(data, dtype=np.uint8))
            state = 0
            for i in range(min(n, self._depth - 1)):  # the first bytes: walk from the start
                state = moves[rows[state] + data[i]]
                states[i] = state
            features = self._features[states]
            positions = np.flatnonzero(features >= 0)
            if not len(positions):
                return None
            # One sort of (feature, position) keys gives each feature's count and first position.
            shift = n.bit_length()
            keys = np.sort((features[positions] << shift) | positions)
            feature = keys >> shift
            starts = np.flatnonzero(np.concatenate(([True], feature[1:] != feature[:-1])))
            counts = np.diff(np.append(starts, len(keys)))
            order = np.argsort(keys[starts] & ((1 << shift) - 1))
            return feature[starts][order], counts[order]

    bulk = BulkLanguageIdentifier(
        plain.nb_ptc,
        plain.nb_pc,
        plain.nb_classes,
        plain.tk_nextmove,
        plain.tk_output,
        norm_probs=plain._norm_probs,
        min_confidence=plain.min_confidence,
        tk_row=plain.tk_row,
    )
    bulk._moves = np.frombuffer(plain.tk_nextmove, dtype=f"u{plain.tk_nextmove.itemsize}")
    bulk._rows = np.asarray(plain._rowbase, dtype=np.intp)
    bulk._features = np.asarray(plain.tk_output, dtype=np.intp)
    if len(bulk._rows) != len(bulk._features):
        raise ValueError("one output per automaton state expected")
    bulk._depth = _automaton_depth(bulk._moves, bulk._rows)
    row_of = np.asarray(plain.tk_row)
    if bulk._depth < 3 or row_of.max() >= 1 << 16 or not np.array_equal(bulk._rows, row_of.astype(np.intp) << 8):
        raise ValueError("an automaton of depth three or more with 256-wide rows expected")
    row_of = row_of.astype(np.uint16)
    bulk._next_row = row_of[bulk._moves]  # row of the state each move leads to
    first = bulk._moves[bulk._rows[0] + np.arange(256)]
    bulk._after_two = row_of[bulk._moves[(bulk._rows[first][:, None] + np.arange(256)).ravel()]]
    # What py3langid casts the rows it uses to on every call; filled in as rows are needed.
    bulk._weights32 = np.empty(plain.nb_ptc.shape, dtype=np.float32)
    bulk._cast = np.zeros(len(plain.nb_ptc), dtype=bool)
    return bulk


def _feature_count_rows(features: np.ndarray, lengths: np.ndarray, n_features: int):
    """The log1p count of every feature in every text, one sparse row per text, features in order.

    ``features`` holds the feature at each byte of the texts laid end to end (-1: none),
    ``lengths`` each text's bytes. What ``csr_matrix((ones, (text, feature))).sum_duplicates()``
    gives, whose per-row sort of the indices was two thirds of identifying a batch: one sort of
    (text, feature) keys instead. The rows' indices come out in the same (ascending) order, so
    the product with the weights adds in the same order, to the same bits.
    """
    from scipy.sparse import csr_matrix

    texts = len(lengths)
    key_type = np.int32 if texts * n_features < 2**31 else np.int64  # (a narrower sort is faster)
    found = features >= 0
    keys = np.repeat(np.arange(texts, dtype=key_type) * key_type(n_features), lengths)[found]
    keys += features[found].astype(key_type)
    keys.sort()
    first = np.flatnonzero(np.concatenate(([keys.size > 0], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(first, keys.size)).astype(np.float32)
    distinct = keys[first]
    text_of = distinct // key_type(n_features)
    indptr = np.searchsorted(text_of, np.arange(texts + 1, dtype=key_type))
    return csr_matrix((np.log1p(counts), distinct - text_of * key_type(n_features), indptr), shape=(texts, n_features))


def _automaton_depth(moves, rows) -> int:
    """How many bytes from the start the deepest state of the automaton is (breadth-first)."""
    seen = np.zeros(len(rows), dtype=bool)
    seen[0] = True
    frontier, depth, byte = np.array([0]), 0, np.arange(256)
    while True:
        reached = np.zeros(len(rows), dtype=bool)
        reached[moves[(rows[frontier][:, None] + byte).ravel()]] = True
        reached &= ~seen
        if not reached.any():
            return depth
        seen |= reached
        frontier, depth = np.flatnonzero(reached), depth + 1
