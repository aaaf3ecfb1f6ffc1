"""Near-duplicate detection: MinHash signatures, LSH candidates, clusters by connected components.

Near-duplicates are kept, not removed: each is flagged with the document it repeats (the
first ingested of its cluster) and carries a cluster id, so releases can keep a whole
cluster in one split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha1
from itertools import accumulate

import numpy as np
from datasketch import MinHash, MinHashLSH

from corpus.model import Document, Flag

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class NearDuplicateConfig:
    threshold: float = 0.8
    num_perm: int = 128
    shingle_words: int = 5


def shingles(text: str, n: int) -> set[bytes]:
    """The text's word n-grams, lower-cased, each as its words joined by one space, UTF-8."""
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


def signature(text: str, config: NearDuplicateConfig) -> MinHash:
    """datasketch's MinHash of the shingles with its default SHA-1 hash, computed in bulk.

    Same values as ``MinHash(num_perm, seed=1).update_batch(shingles)``: the SHA-1 prefixes
    are taken in one pass, and the permutations (a seeded draw datasketch repeats for every
    new MinHash) are drawn once.
    """
    digests = b"".join(sha1(s).digest()[:4] for s in shingles(text, config.shingle_words))
    m = MinHash(num_perm=config.num_perm, seed=1, hashfunc=int, permutations=_permutations(config.num_perm),
                scheme="affine32")
    # sha1_hash32 reads the first four digest bytes as a little-endian unsigned int.
    m.update_batch(np.frombuffer(digests, dtype="<u4").tolist())
    return m


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    return MinHash(num_perm=num_perm, seed=1).permutations


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


def near_duplicate_clusters(documents: list[Document], config: NearDuplicateConfig,
                            order: dict[str, tuple] | None = None) -> dict[str, list[str]]:
    """Clusters of two or more near-duplicate documents, keyed by the member that comes first.

    ``order`` gives each id a sort key (ingest time); the first member is the original that
    the others are flagged as duplicating.
    """
    order = order or {}
    lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
    signatures: dict[str, MinHash] = {}
    uf = _UnionFind()
    for doc in documents:
        if not doc.text.strip():
            continue
        sig = signature(doc.text, config)
        for other in lsh.query(sig):
            if sig.jaccard(signatures[other]) >= config.threshold:
                uf.union(doc.id, other)
        lsh.insert(doc.id, sig)
        signatures[doc.id] = sig
    groups: dict[str, list[str]] = {}
    for doc_id in signatures:
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
            flags.append(Flag("near_duplicate", 0, len(doc.text),
                              f"near-duplicate of document {duplicate_of} (cluster {cluster})"))
        if (doc.duplicate_of, doc.cluster, doc.flags) != (duplicate_of, cluster, flags):
            doc.duplicate_of, doc.cluster, doc.flags = duplicate_of, cluster, flags
            changed.append(doc)
    return changed


def estimated_jaccard(a: str, b: str, config: NearDuplicateConfig) -> float:
    return float(np.mean(signature(a, config).hashvalues == signature(b, config).hashvalues))
