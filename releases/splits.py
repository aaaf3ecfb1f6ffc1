"""Train / validation / test assignment: deterministic, stable across versions, clusters kept whole.

A document's split comes from a hash of its near-duplicate cluster id (or its own id), so
near-duplicates never straddle train and test. Once released, a document keeps its split:
the previous version's ``splits.json`` wins over the hash, and a new member of a released
cluster joins that cluster's split.
"""

from __future__ import annotations

import hashlib

from corpus.model import Document

SPLIT_SHARES = (("train", 0.8), ("validation", 0.1), ("test", 0.1))


def hashed_split(key: str) -> str:
    point = int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) / 16**12
    total = 0.0
    for name, share in SPLIT_SHARES:
        total += share
        if point < total:
            return name
    return SPLIT_SHARES[-1][0]


def assign_splits(docs: list[Document], previous: dict[str, str] | None = None) -> dict[str, str]:
    previous = previous or {}
    by_cluster: dict[str, str] = {}
    for doc in docs:  # clusters with a released member keep that member's split
        if doc.cluster and doc.id in previous:
            by_cluster.setdefault(doc.cluster, previous[doc.id])
    splits = {}
    for doc in docs:
        if doc.id in previous:
            splits[doc.id] = previous[doc.id]
        elif doc.cluster in by_cluster:
            splits[doc.id] = by_cluster[doc.cluster]
        else:
            splits[doc.id] = hashed_split(doc.cluster or doc.id)
    return splits
