"""Near-duplicate clusters on an engine: MinHash per shard, LSH banding by a shuffle, components.

The same answer as :func:`corpus.dedup.near_duplicate_clusters`, computed so that no
process holds the corpus:

1. per shard (on workers): each document's MinHash, by ``corpus.dedup.signature`` itself;
   each signature cut into the bands datasketch's ``MinHashLSH`` would use for the
   workspace's threshold and ``num_perm``;
2. shuffle: every (band index, band values) record goes to the reducer its hash names; a
   reducer sorts its records and emits every pair of documents that share a band exactly
   (what ``MinHashLSH.query`` would return);
3. on the driver: only the candidate documents' signatures are fetched; a pair is an edge
   when its estimated Jaccard reaches the threshold (``MinHash.jaccard``'s arithmetic);
   clusters are the connected components (union-find), keyed by the first-ingested member;
4. per shard (on workers): the marks (``duplicate_of``, ``cluster``, the flag) by
   ``corpus.dedup.mark_near_duplicates``; the driver writes the shards that changed.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np
from datasketch import MinHashLSH

from corpus.dedup import NearDuplicateConfig, _UnionFind, mark_near_duplicates, signature
from corpus.engines import Engine
from corpus.ingest import Progress, near_duplicate_config
from corpus.model import Document
from corpus.store import CorpusStore
from corpus.workspace import Workspace

_ROUTE = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Banding:
    """datasketch's LSH parameters for a threshold: ``bands`` bands of ``rows`` hash values."""

    bands: int
    rows: int

    @classmethod
    def of(cls, config: NearDuplicateConfig) -> "Banding":
        lsh = MinHashLSH(threshold=config.threshold, num_perm=config.num_perm)
        return cls(lsh.b, lsh.r)


@dataclass
class ShardSignatures:
    """One shard's MinHashes (kept on the worker) and what the driver asks of them."""

    shard: int
    ids: list[str]  # documents with text, in the shard's order
    values: np.ndarray  # (len(ids), num_perm) hash values
    order: list[tuple]  # per document, its ingest-order key
    marked: list[str]  # documents that carry near-duplicate marks now


def shard_signatures(location, shard: int, config: NearDuplicateConfig) -> ShardSignatures:
    """Every document's MinHash in one shard, and which documents are marked (on a worker)."""
    ids, values, marked = [], [], []
    for rec in location.document_records(shard).values():
        if (rec.get("duplicate_of") is not None or rec.get("cluster") is not None
                or any(f["rule"] == "near_duplicate" for f in rec["flags"])):
            marked.append(rec["id"])
        if not rec["text"].strip():
            continue  # as the local path: an empty text duplicates nothing
        ids.append(rec["id"])
        values.append(signature(rec["text"], config).hashvalues)
    articles = location.article_records(shard)
    order = [(articles[i]["metadata"].get("ingested_at", 0.0),) if i in articles else () for i in ids]
    matrix = np.array(values, dtype=np.uint64).reshape(len(ids), config.num_perm)
    return ShardSignatures(shard, ids, matrix, order, marked)


def marked_ids(sigs: ShardSignatures) -> list[str]:
    return sigs.marked


def band_records(sigs: ShardSignatures, banding: Banding, reducers: int) -> list[tuple[np.ndarray, ...]]:
    """Per reducer, the (band index, document reference, band values) records this shard sends it."""
    n = len(sigs.ids)
    refs = (np.uint64(sigs.shard) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    bands = np.repeat(np.arange(banding.bands, dtype=np.uint64), n)
    vals = np.concatenate([sigs.values[:, b * banding.rows:(b + 1) * banding.rows] for b in range(banding.bands)])
    vals = vals.reshape(-1, banding.rows)
    refs = np.tile(refs, banding.bands)
    route = bands.copy()
    for column in vals.T:  # a polynomial hash of (band, values), modulo 2**64
        route = route * _ROUTE + column
    to = route % np.uint64(reducers)
    return [(bands[to == j], refs[to == j], vals[to == j]) for j in range(reducers)]


def candidate_pairs(*parts: tuple[np.ndarray, ...]) -> np.ndarray:
    """Every pair of documents that share one band's values exactly, as (ref, ref) rows, smaller first."""
    bands = np.concatenate([p[0] for p in parts])
    refs = np.concatenate([p[1] for p in parts])
    vals = np.concatenate([p[2] for p in parts])
    if len(refs) < 2:
        return np.empty((0, 2), dtype=np.uint64)
    keys = np.column_stack([bands, vals])
    order = np.lexsort(keys.T[::-1])
    keys, refs = keys[order], refs[order]
    new_run = np.ones(len(refs), dtype=bool)
    new_run[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    starts = np.flatnonzero(new_run)
    ends = np.append(starts[1:], len(refs))
    pairs = []
    for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
        members = np.sort(refs[start:end])
        i, j = np.triu_indices(len(members), k=1)
        pairs.append(np.column_stack([members[i], members[j]]))
    if not pairs:
        return np.empty((0, 2), dtype=np.uint64)
    return np.unique(np.concatenate(pairs), axis=0)


def signature_rows(sigs: ShardSignatures, rows: list[int]) -> tuple[list[str], np.ndarray, list[tuple]]:
    """The ids, hash values and order keys of some documents of the shard."""
    return [sigs.ids[r] for r in rows], sigs.values[rows], [sigs.order[r] for r in rows]


def mark_shard(location, shard: int, clusters: dict[str, list[str]]) -> list[dict]:
    """Set or clear the marks of the shard's marked documents and cluster members; the changed records."""
    members = {m for ms in clusters.values() for m in ms}
    docs = [Document.from_record(rec) for rec in location.document_records(shard).values()
            if rec["id"] in members or rec.get("duplicate_of") is not None or rec.get("cluster") is not None
            or any(f["rule"] == "near_duplicate" for f in rec["flags"])]
    return [d.to_record() for d in mark_near_duplicates(docs, clusters)]


def near_duplicate_clusters(store: CorpusStore, config: NearDuplicateConfig, engine: Engine,
                            progress: Progress | None = None) -> tuple[dict[str, list[str]], dict[int, list[str]]]:
    """Clusters as :func:`corpus.dedup.near_duplicate_clusters` finds them over the store's documents,
    and the marked documents of each shard."""
    from corpus.partitioned import StoreLocation  # the drivers import this module

    location = StoreLocation.of(store)
    banding = Banding.of(config)
    shards = range(location.shards)
    sigs = {s: engine.submit(shard_signatures, location, s, config, key="minhash-shard") for s in shards}
    marked_tasks = {s: engine.submit(marked_ids, sigs[s], key="marked") for s in shards}
    marked: dict[int, list[str]] = {}
    for done, task in enumerate(engine.as_completed(marked_tasks.values()), start=1):
        if progress:
            progress(done, len(shards))
    for s, task in marked_tasks.items():
        marked[s] = engine.result(task)
        engine.release(task)
    # The shuffle: each reducer takes its records from every shard.
    reducers = max(1, min(len(shards), 2 * engine.workers))
    reduce_tasks = []
    routed = [engine.submit(band_records, sigs[s], banding, reducers, key="band-records") for s in shards]
    for j in range(reducers):
        parts = [engine.submit(operator.getitem, r, j, key="band-records-to") for r in routed]
        reduce_tasks.append(engine.submit(candidate_pairs, *parts, key="lsh-buckets"))
        for part in parts:
            engine.release(part)
    for r in routed:
        engine.release(r)
    found = [engine.result(t) for t in reduce_tasks]
    for t in reduce_tasks:
        engine.release(t)
    pairs = np.unique(np.concatenate(found), axis=0) if found else np.empty((0, 2), dtype=np.uint64)
    # Only documents in some candidate pair are verified; only their signatures come back.
    refs = np.unique(pairs.ravel())
    shard_of, row_of = (refs >> np.uint64(32)).astype(np.int64), (refs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    fetch = {}
    for s in np.unique(shard_of).tolist():
        fetch[s] = engine.submit(signature_rows, sigs[s], row_of[shard_of == s].tolist(), key="candidate-signatures")
    ids, values, order = [], [], {}
    for s in sorted(fetch):
        got_ids, got_values, got_order = engine.result(fetch[s])
        ids.extend(got_ids)
        values.append(got_values)
        order.update(zip(got_ids, got_order))
        engine.release(fetch[s])
    for task in sigs.values():
        engine.release(task)
    # refs is sorted and so is the concatenation by shard then row: position = index in refs.
    matrix = np.concatenate(values) if values else np.empty((0, config.num_perm), dtype=np.uint64)
    a, b = np.searchsorted(refs, pairs[:, 0]), np.searchsorted(refs, pairs[:, 1])
    # MinHash.jaccard: the share of equal hash values, as count / num_perm.
    same = np.count_nonzero(matrix[a] == matrix[b], axis=1) / float(config.num_perm)
    uf = _UnionFind()
    linked = set()
    for i, j in zip(a[same >= config.threshold].tolist(), b[same >= config.threshold].tolist()):
        uf.union(ids[i], ids[j])
        linked.update((i, j))
    groups: dict[str, list[str]] = {}
    for i in sorted(linked):
        groups.setdefault(uf.find(ids[i]), []).append(ids[i])
    clusters = {}
    for members in groups.values():
        if len(members) > 1:
            members.sort(key=lambda i: (order.get(i, ()), i))
            clusters[members[0]] = members
    return clusters, marked


def update_near_duplicates(workspace: Workspace, store: CorpusStore, engine: Engine,
                           progress: Progress | None = None) -> int:
    """:func:`corpus.ingest.update_near_duplicates` on an engine: the caller holds the lock."""
    from corpus.partitioned import StoreLocation, map_unordered

    location = StoreLocation.of(store)
    clusters, marked = near_duplicate_clusters(store, near_duplicate_config(workspace), engine, progress)
    per_shard: dict[int, dict[str, list[str]]] = {s: {} for s, ids in marked.items() if ids}
    for first, members in clusters.items():
        for m in members:
            per_shard.setdefault(store.documents.shard_of(m), {})[first] = members
    calls = ((location, s, per_shard[s]) for s in sorted(per_shard))
    for records in map_unordered(engine, mark_shard, calls, key="mark-shard"):
        if records:
            store.documents.upsert(records)  # one shard: one atomic rewrite
    return sum(len(m) - 1 for m in clusters.values())
