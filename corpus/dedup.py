"""Near-duplicate detection: MinHash signatures, LSH candidates, clusters by connected components.

Near-duplicates are kept, not removed: each is flagged with the document it repeats (the
first ingested of its cluster) and carries a cluster id, so releases can keep a whole
cluster in one split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

import numpy as np
from datasketch import MinHash, MinHashLSH

from corpus.anchors import AnchorConfig, StoryAnchors, story_pairs
from corpus.model import Document, Flag
from corpus.tokens import WORD, character_classes, text_pieces

_WORD = re.compile(r"\w+")

# LSH bands are chosen by datasketch for the threshold, weighting a missed pair 19 times a
# spurious candidate: every candidate is verified against the threshold afterwards, so a
# spurious one costs a comparison while a missed one is lost. With its default equal weights
# (9 bands of 13 values at 0.8) a pair at Jaccard 0.88 was missed one time in seven.
LSH_WEIGHTS = (0.05, 0.95)


@dataclass(frozen=True)
class NearDuplicateConfig:
    threshold: float = 0.8
    num_perm: int = 128
    shingle_words: int = 5
    anchors: AnchorConfig = AnchorConfig()  # the second signature: names, numbers, rare words


def shingles(text: str, n: int) -> set[bytes]:
    """The text's word n-grams, lower-cased, each as its words joined by one space, UTF-8.

    The reference definition of what :func:`signatures` hashes (it never builds these strings).
    """
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words).encode()} if words else set()
    # Every n-gram is a slice of the words joined once (the join per n-gram was most of the cost).
    joined = " ".join(words)
    starts = list(accumulate((len(w) + 1 for w in words), initial=0))  # word i starts at starts[i]
    ends = [start - 1 for start in starts[n:]]  # the n-gram from word i ends at ends[i]
    if joined.isascii():  # then character and byte offsets agree
        data = joined.encode()
        return {data[start:end] for start, end in zip(starts, ends)}
    return {joined[start:end].encode() for start, end in zip(starts, ends)}


def has_text(text: str) -> bool:
    """Whether ``text`` holds more than whitespace (as ``text.strip()`` would say, without copying it)."""
    return bool(text) and not text.isspace()


def new_lsh(config: NearDuplicateConfig) -> MinHashLSH:
    return MinHashLSH(threshold=config.threshold, num_perm=config.num_perm, weights=LSH_WEIGHTS)


# --- MinHash signatures, many texts at once ------------------------------------------------------
#
# A signature is datasketch's MinHash, scheme "affine32" (seed 1): each shingle's 32-bit hash
# goes through MurmurHash3's finaliser and then the 128 affine maps ``a * h + b mod 2**32``;
# the signature is the minimum of each. The values are exactly
# ``MinHash(num_perm, seed=1, scheme="affine32", hashfunc=<shingle hash>).update_batch(shingles)``
# (tests/test_dedup.py checks it), computed with numpy over a batch of texts, because building
# one MinHash per document and hashing each shingle with SHA-1 in Python (datasketch's default
# hash function) was most of the time of near-duplicate detection. The shingle hash is
# therefore not SHA-1 but a polynomial over the words' code points, computed for a whole batch
# of texts in a few passes (no shingle string is ever built), mixed to 32 bits.

_CHAR_BASE = 0x100000001B3  # any odd constant: invertible modulo 2**64
_CHAR_BASE_INVERSE = pow(_CHAR_BASE, -1, 1 << 64)
_WORD_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)
_FMIX32 = np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35)
_BATCH_CHARS = 250_000  # texts are hashed about this many characters at a time (bounds the temporaries)
_BLOCK = 16384  # shingles per permutation block: few numpy calls, an 8 MB buffer (measured: 4096 was slower)
_EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's initial value: a text without words keeps it


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, in place."""
    x ^= x >> _S30
    x *= _MIX1
    x ^= x >> _S27
    x *= _MIX2
    x ^= x >> _S31
    return x


def _fmix32(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, as datasketch's affine32 scheme applies it to each input."""
    s1, m1, s2, m2 = _FMIX32
    x = x ^ (x >> s1)
    x *= m1
    x ^= x >> s2
    x *= m2
    x ^= x >> s1
    return x


@lru_cache(maxsize=1)
def _word_characters() -> np.ndarray:
    """By code point: does ``re``'s ``\\w`` match it (the tokeniser of :func:`shingles`)."""
    return (character_classes() & WORD) != 0


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: int, length: int) -> np.ndarray:
    """base**k modulo 2**64 for k < length (at least), cached and grown by doubling up to a
    few batches' worth (a longer table, for a text with no line break to cut it at, is not kept)."""
    have = _POWERS.get(base)
    if have is None or len(have) < length:
        size = max(length, 2 * len(have) if have is not None else _BATCH_CHARS + 1)
        steps = np.full(size, np.uint64(base), dtype=np.uint64)
        steps[0] = 1
        powers = np.cumprod(steps)
        if size > 4 * _BATCH_CHARS:
            return powers
        _POWERS[base] = have = powers
    return have


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    """datasketch's (a, b) for seed 1, scheme affine32: drawn once, not for every MinHash."""
    return MinHash(num_perm=num_perm, seed=1).permutations


def _word_hashes(joined: str) -> tuple[np.ndarray, np.ndarray]:
    """The hash of every word of ``joined`` (a run of ``\\w`` characters; ``joined`` starts and ends
    with another character) and where each starts."""
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = _word_characters()[points]
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    starts, ends = edges[0::2], edges[1::2]  # runs of word characters: start, end, start, end...
    # A word's hash: sum of c_k * base**(k - start); prefix sums of c_k * base**-k give every
    # word's at once.
    prefix = np.zeros(len(points) + 1, dtype=np.uint64)
    np.cumsum(points * _powers(_CHAR_BASE_INVERSE, len(points))[: len(points)], out=prefix[1:])
    words = (prefix[ends] - prefix[starts]) * _powers(_CHAR_BASE, len(points))[starts]
    words ^= (ends - starts).astype(np.uint64)
    return _mix64(words), starts


def _grams(words: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` word hashes from each word on, folded: one per word that has ``n - 1`` after it."""
    grams = words[: max(len(words) - n + 1, 0)].copy()  # an array: it wraps without a warning
    for j in range(1, n):
        grams *= _WORD_BASE
        grams += words[j : len(words) - n + 1 + j]
    return grams


def _shingle_value(grams: np.ndarray) -> np.ndarray:
    """A folded n-gram's 32-bit shingle hash."""
    return (_mix64(grams) >> _S32).astype(np.uint32)


def shingle_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """The 32-bit hash of each word n-gram of each text (as :func:`shingles` cuts them, repeats
    kept): text i's are ``hashes[offsets[i]:offsets[i + 1]]``."""
    lowered = [t.lower() for t in texts]
    # Spaces around and between texts: never part of a word, so words stay inside their text.
    words, starts = _word_hashes(" " + " ".join(lowered) + " ")
    # Where each text's words start: text t begins at 1 + text_starts[t] in the joined text.
    text_starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) + 1 for t in lowered], out=text_starts[1:])
    first_word = np.searchsorted(starts, text_starts + 1)
    counts = np.diff(first_word)
    # The n-gram from word i is kept when its last word is in i's text.
    grams = _grams(words, n)
    per_text = np.where(counts >= n, counts - n + 1, np.minimum(counts, 1))
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(per_text, out=offsets[1:])
    take = np.arange(offsets[-1]) - np.repeat(offsets[:-1] - first_word[:-1], per_text)
    hashes = grams[np.minimum(take, max(len(grams) - 1, 0))] if len(grams) else np.zeros(offsets[-1], np.uint64)
    for t in np.flatnonzero((counts > 0) & (counts < n)).tolist():
        # Fewer than n words: one shingle of all of them, folded the same way.
        count = int(counts[t])
        hashes[offsets[t]] = _grams(words[first_word[t] : first_word[t] + count], count)[0]
    return _shingle_value(hashes), offsets


def signatures(texts: Sequence[str], config: NearDuplicateConfig) -> np.ndarray:
    """The MinHash values of each text, one row per text: ``(len(texts), num_perm)`` uint32."""
    out = np.empty((len(texts), config.num_perm), dtype=np.uint32)
    start = 0
    while start < len(texts):
        if len(texts[start]) > _BATCH_CHARS:
            out[start] = _long_text_signature(texts[start], config)
            start += 1
            continue
        stop, chars = start, 0
        while stop < len(texts) and (stop == start or chars + len(texts[stop]) <= _BATCH_CHARS):
            chars += len(texts[stop]) + 1
            stop += 1
        out[start:stop] = _batch_signatures(texts[start:stop], config)
        start = stop
    return out


def _batch_signatures(texts: Sequence[str], config: NearDuplicateConfig) -> np.ndarray:
    hashes, offsets = shingle_hashes(texts, config.shingle_words)
    hashes = _fmix32(hashes)
    a, b = (p.astype(np.uint32)[:, None] for p in _permutations(config.num_perm))
    out = np.full((len(texts), config.num_perm), _EMPTY, dtype=np.uint32)
    have = np.flatnonzero(offsets[1:] > offsets[:-1])  # texts with at least one shingle
    ends = offsets[have + 1]
    buffer = np.empty((config.num_perm, _BLOCK), dtype=np.uint32)
    i = 0
    while i < len(have):
        # As many whole texts as fit in one block (a longer text is taken a block at a time).
        j = max(int(np.searchsorted(ends, offsets[have[i]] + _BLOCK, side="right")), i + 1)
        lo, hi = offsets[have[i]], ends[j - 1]
        if hi - lo > _BLOCK:
            _minimum_into(out[have[i]], hashes[lo:hi], a, b, buffer)
        else:
            block = buffer[:, : hi - lo]
            np.multiply(a, hashes[lo:hi], out=block)
            block += b
            out[have[i:j]] = np.minimum.reduceat(block, offsets[have[i:j]] - lo, axis=1).T
        i = j
    return out


def _minimum_into(row: np.ndarray, hashes: np.ndarray, a: np.ndarray, b: np.ndarray, buffer: np.ndarray) -> None:
    """Lower ``row`` to the MinHash values of ``hashes`` (fmix32'ed), a block of them at a time:
    the minimum over a whole long text at once took ``num_perm`` values per shingle (87 times a
    5 MB article's size)."""
    for lo in range(0, len(hashes), _BLOCK):
        chunk = hashes[lo : lo + _BLOCK]
        block = buffer[:, : len(chunk)]
        np.multiply(a, chunk, out=block)
        block += b
        np.minimum(row, block.min(axis=1), out=row)


def _long_text_signature(text: str, config: NearDuplicateConfig) -> np.ndarray:
    """The MinHash values of one text longer than a batch, read a piece at a time.

    Every array of :func:`shingle_hashes` holds a number or more per character (37 bytes a
    character in all), so a long text is hashed in pieces of about a batch, each cut after a
    space or line break: no word runs from one piece into the next, and lower-casing a piece
    gives what lower-casing the text gives there (its one context rule, the final sigma, stops
    at a space). The n-grams that end in a piece are those of the words carried over from the
    pieces before it and its own. The values are those of ``_batch_signatures([text])``.
    """
    n = config.shingle_words
    a, b = (p.astype(np.uint32)[:, None] for p in _permutations(config.num_perm))
    buffer = np.empty((config.num_perm, _BLOCK), dtype=np.uint32)
    row = np.full(config.num_perm, _EMPTY, dtype=np.uint32)
    carried = np.zeros(0, dtype=np.uint64)  # the last n - 1 words: their n-grams end in a later piece
    any_gram = False
    for piece in text_pieces(text, _BATCH_CHARS):
        words = np.concatenate([carried, _word_hashes(" " + piece.lower() + " ")[0]])
        grams = _grams(words, n)
        if len(grams):
            _minimum_into(row, _fmix32(_shingle_value(grams)), a, b, buffer)
            any_gram = True
        carried = words[len(words) - min(n - 1, len(words)) :]
    if not any_gram and len(carried):  # fewer than n words in all: one shingle of all of them
        _minimum_into(row, _fmix32(_shingle_value(_grams(carried, len(carried)))), a, b, buffer)
    return row


def signature(text: str, config: NearDuplicateConfig) -> MinHash:
    """One text's MinHash as a datasketch object (see :func:`signatures`)."""
    return _minhash(signatures([text], config)[0], config)


def _minhash(values: np.ndarray, config: NearDuplicateConfig) -> MinHash:
    return MinHash(seed=1, hashvalues=values, permutations=_permutations(config.num_perm), scheme="affine32")


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while x != root:  # path compression
            self.parent[x], x = root, self.parent.get(x, x)
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def near_duplicate_clusters(
    documents: list[Document], config: NearDuplicateConfig, order: dict[str, tuple] | None = None
) -> dict[str, list[str]]:
    """Clusters of two or more near-duplicate documents, keyed by the member that comes first.

    ``order`` gives each id a sort key (ingest time); the first member is the original that
    the others are flagged as duplicating.
    """
    order = order or {}
    lsh = new_lsh(config)
    with_text = [doc for doc in documents if has_text(doc.text)]
    values = signatures([doc.text for doc in with_text], config)
    sigs: dict[str, MinHash] = {}
    uf = _UnionFind()
    for doc, row in zip(with_text, values):
        sig = _minhash(row, config)
        for other in lsh.query(sig):
            if sig.jaccard(sigs[other]) >= config.threshold:
                uf.union(doc.id, other)
        lsh.insert(doc.id, sig)
        sigs[doc.id] = sig
    if config.anchors.enabled:
        anchors = StoryAnchors.of([doc.text for doc in with_text], config.anchors)
        for i, j in story_pairs(anchors, config.anchors):
            uf.union(with_text[i].id, with_text[j].id)
    groups: dict[str, list[str]] = {}
    for doc_id in sigs:
        groups.setdefault(uf.find(doc_id), []).append(doc_id)
    clusters = {}
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=lambda i: (order.get(i, ()), i))
            clusters[members[0]] = members
    return clusters


def mark_near_duplicates(documents: list[Document], clusters: dict[str, list[str]]) -> list[Document]:
    """Set ``duplicate_of``, ``cluster`` and the near-duplicate flag; returns the documents that changed."""
    assignment = {m: (first, first) for first, members in clusters.items() for m in members}
    changed = []
    for doc in documents:
        first, cluster = assignment.get(doc.id, (None, None))
        duplicate_of = first if first != doc.id else None
        flags = [f for f in doc.flags if f.rule != "near_duplicate"]
        if duplicate_of:
            flags.append(
                Flag(
                    "near_duplicate", 0, len(doc.text), f"near-duplicate of document {duplicate_of} (cluster {cluster})"
                )
            )
        if (doc.duplicate_of, doc.cluster, doc.flags) != (duplicate_of, cluster, flags):
            doc.duplicate_of, doc.cluster, doc.flags = duplicate_of, cluster, flags
            changed.append(doc)
    return changed


def estimated_jaccard(a: str, b: str, config: NearDuplicateConfig) -> float:
    first, second = signatures([a, b], config)
    return float(np.mean(first == second))
