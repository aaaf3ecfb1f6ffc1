"""Word vectors learnt from the workspace's own text, offline: counts of words seen near each other,
weighed by positive pointwise mutual information and reduced by a truncated SVD (Levy, Goldberg and
Dagan 2015: as good as word2vec on small corpora, and a few seconds of numpy and scipy).

A model's hashed embeddings only learn a word from the sentences annotated with it; these vectors
also learn from the rest of the text (a word used like "said" looks like "said"), and spaCy's
``StaticVectors`` layer feeds them to the tok2vec beside the hashed embeddings. Keyed by NORM
(lower case), so a word and its capitalised form share a vector.
"""

from __future__ import annotations

import numpy as np

# Which words get a vector: seen at least MIN_COUNT times, the most frequent MAX_WORDS of them.
MIN_COUNT = 3
MAX_WORDS = 30000
WINDOW = 4  # words each side that count as context, weighed 1/distance
SMOOTHING = 0.75  # context counts raised to this power: rare contexts weigh less (word2vec's trick)


def _norm_ids(nlp, texts: list[str]) -> list[np.ndarray]:
    from spacy.attrs import NORM

    return [nlp.make_doc(t).to_array([NORM]).reshape(-1).astype(np.uint64) for t in texts]


def cooccurrences(ids: list[np.ndarray], n_words: int, window: int = WINDOW):
    """A symmetric sparse matrix of how often word i has word j within ``window`` words (1/distance each)."""
    from scipy.sparse import coo_matrix

    rows, cols, weights = [], [], []
    for seq in ids:
        for d in range(1, window + 1):
            if len(seq) <= d:
                break
            a, b = seq[:-d], seq[d:]
            keep = (a >= 0) & (b >= 0)
            rows.append(a[keep])
            cols.append(b[keep])
            weights.append(np.full(int(keep.sum()), 1.0 / d, dtype=np.float32))
    if not rows:
        return coo_matrix((n_words, n_words), dtype=np.float32).tocsr()
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    counts = coo_matrix((np.concatenate([w, w]), (np.concatenate([r, c]), np.concatenate([c, r]))), (n_words,) * 2)
    return counts.tocsr()


def ppmi_svd(counts, dim: int) -> np.ndarray:
    """Rows of unit length: the SVD of the positive PMI of ``counts`` (U times the root of the singular values)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.linalg import svds

    counts = counts.tocoo()
    total = counts.sum()
    word = np.asarray(counts.sum(axis=1)).ravel()
    context = np.asarray(counts.sum(axis=0)).ravel() ** SMOOTHING
    context_share = context / context.sum()
    pmi = np.log(counts.data / total) - np.log(word[counts.row] / total) - np.log(context_share[counts.col])
    keep = pmi > 0
    ppmi = csr_matrix((pmi[keep].astype(np.float32), (counts.row[keep], counts.col[keep])), counts.shape)
    k = min(dim, min(ppmi.shape) - 1)
    u, s, _ = svds(ppmi, k=k, random_state=0)
    vectors = u * np.sqrt(s)
    if k < dim:  # a tiny corpus: fewer directions than asked for
        vectors = np.hstack([vectors, np.zeros((len(vectors), dim - k))])
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-8)).astype(np.float32)


def learn_vectors(nlp, texts: list[str], dim: int, window: int = WINDOW):
    """A spaCy ``Vectors`` table (keyed by NORM) of the words of ``texts``, tokenized by ``nlp``;
    None when the texts have too few words to learn from."""
    from spacy.vectors import Vectors

    sequences = _norm_ids(nlp, texts)
    if not sequences:
        return None
    keys, counts = np.unique(np.concatenate(sequences), return_counts=True)
    frequent = np.argsort(-counts, kind="stable")[:MAX_WORDS]
    frequent = frequent[counts[frequent] >= MIN_COUNT]
    if len(frequent) <= 2:
        return None
    kept = keys[frequent]
    order = np.argsort(kept)
    sorted_keys = kept[order]
    ids = []
    for seq in sequences:  # each token's row, -1 for a word without a vector
        pos = np.minimum(np.searchsorted(sorted_keys, seq), len(sorted_keys) - 1)
        ids.append(np.where(sorted_keys[pos] == seq, order[pos], -1).astype(np.int64))
    matrix = ppmi_svd(cooccurrences(ids, len(kept), window), dim)
    return Vectors(strings=nlp.vocab.strings, data=matrix, keys=[int(k) for k in kept], attr="NORM")
