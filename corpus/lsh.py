"""Near-duplicate clusters on an engine: MinHash per shard, LSH banding by a shuffle, components.

The same answer as :func:`corpus.dedup.near_duplicate_clusters`, computed so that no
process holds the corpus:

1. per partition of shards (on workers): every document's MinHash, by
   ``corpus.dedup.signatures`` itself (the whole partition at once); each signature cut into
   the bands datasketch's ``MinHashLSH`` uses for the workspace's threshold and ``num_perm``
   (``corpus.dedup.new_lsh``);
2. shuffle: every (band index, band values) record goes to the reducer its hash names; a
   reducer sorts its records and emits every pair of documents that share a band exactly
   (what ``MinHashLSH.query`` would return);
3. the anchor signature (``corpus.anchors``: names, numbers, rare words in order, for
   translations of one story): each partition computes its documents' anchor sequences as
   hashes (small); the driver gathers them and finds the pairs by
   ``corpus.anchors.story_pairs`` itself, so both engines join exactly the same documents;
4. on the driver: only the candidate documents' signatures and ingest times are fetched; a
   pair is an edge when its estimated Jaccard reaches the threshold (``MinHash.jaccard``'s
   arithmetic); clusters are the connected components (union-find), keyed by the
   first-ingested member;
5. per partition (on workers, beside its signatures): the marks (``duplicate_of``,
   ``cluster``, the flag) by ``corpus.dedup.mark_near_duplicates``, on the marked documents
   the partition kept and on new members read back from their shards; the driver writes the
   shards that changed.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corpus.anchors import StoryAnchors, story_pairs
from corpus.dedup import NearDuplicateConfig, _UnionFind, has_text, mark_near_duplicates, new_lsh, signatures
from corpus.engines import Engine
from corpus.ingest import Progress, near_duplicate_config
from corpus.model import Document
from corpus.store import CorpusStore, ShardedJsonl, StoreLocation
from corpus.workspace import Workspace

_ROUTE = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Banding:
    """datasketch's LSH parameters for a threshold: ``bands`` bands of ``rows`` hash values."""

    bands: int
    rows: int

    @classmethod
    def of(cls, config: NearDuplicateConfig) -> Banding:
        return _banding(config)


@lru_cache(maxsize=8)
def _banding(config: NearDuplicateConfig) -> Banding:
    lsh = new_lsh(config)  # its parameter search takes a while
    return Banding(lsh.b, lsh.r)


@dataclass
class PartitionSignatures:
    """One partition's MinHashes (kept on the worker) and what the driver asks of them."""

    partition: int
    location: StoreLocation  # where the partition's shards are
    shards: list[int]
    ids: list[str]  # documents with text, in store order
    values: np.ndarray  # (len(ids), num_perm) hash values, uint32
    marked: dict[str, dict]  # the records of the documents that carry near-duplicate marks now
    anchors: StoryAnchors | None  # the documents' anchor sequences (None when that signature is off)


def partition_signatures(
    location, partition: int, shards: list[int], config: NearDuplicateConfig
) -> PartitionSignatures:
    """Every document's MinHash in some shards, all computed at once, and the marked documents (on a worker).

    Marked documents are few and kept whole, so that marking after clustering reads a shard
    again only for a document that joins a cluster.
    """
    ids, texts, marked = [], [], {}
    for shard in shards:
        for rec in location.document_records(shard).values():
            if _is_marked(rec):
                marked[rec["id"]] = rec
            if not has_text(rec["text"]):
                continue  # as the local path: an empty text duplicates nothing
            ids.append(rec["id"])
            texts.append(rec["text"])
    anchors = StoryAnchors.of(texts, config.anchors) if config.anchors.enabled else None
    return PartitionSignatures(partition, location, shards, ids, signatures(texts, config), marked, anchors)


def partition_anchors(sigs: PartitionSignatures) -> StoryAnchors | None:
    return sigs.anchors


def _is_marked(rec: dict) -> bool:
    return (
        rec.get("duplicate_of") is not None
        or rec.get("cluster") is not None
        or any(f["rule"] == "near_duplicate" for f in rec["flags"])
    )


def marked_ids(sigs: PartitionSignatures) -> list[str]:
    return list(sigs.marked)


def band_records(sigs: PartitionSignatures, banding: Banding, reducers: int) -> list[tuple[np.ndarray, ...]]:
    """Per reducer, the (band index, document reference, band values) records this partition sends it."""
    n = len(sigs.ids)
    refs = (np.uint64(sigs.partition) << np.uint64(32)) | np.arange(n, dtype=np.uint64)
    bands = np.repeat(np.arange(banding.bands, dtype=np.uint64), n)
    vals = np.concatenate([sigs.values[:, b * banding.rows : (b + 1) * banding.rows] for b in range(banding.bands)])
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


def signature_rows(sigs: PartitionSignatures, rows: list[int]) -> tuple[list[str], np.ndarray, list[tuple]]:
    """The ids, hash values and order keys (ingest time) of some documents of the partition.

    Only these documents' article lines are parsed: the order matters for candidates only.
    """
    ids = [sigs.ids[r] for r in rows]
    found = ShardedJsonl(sigs.location.articles, sigs.location.shards).get_many(ids)
    order = [(found[i]["metadata"].get("ingested_at", 0.0),) if i in found else () for i in ids]
    return ids, sigs.values[rows], order


def mark_partition(sigs: PartitionSignatures, clusters: dict[str, list[str]]) -> list[dict]:
    """Set or clear the marks of the partition's marked documents and cluster members; the changed records."""
    documents = ShardedJsonl(sigs.location.documents, sigs.location.shards)
    mine = set(sigs.shards)
    records = list(sigs.marked.values())
    unmarked = {m for ms in clusters.values() for m in ms} - sigs.marked.keys()  # members that carry no marks yet
    records.extend(documents.get_many(d for d in unmarked if documents.shard_of(d) in mine).values())
    docs = [Document.from_record(rec) for rec in records]
    return [d.to_record() for d in mark_near_duplicates(docs, clusters)]


def shard_groups(shards: int, engine: Engine) -> list[list[int]]:
    """Shards dealt into a few partitions per worker: enough to balance, few enough that tasks stay cheap."""
    count = max(1, min(shards, 4 * engine.workers))
    return [list(range(p, shards, count)) for p in range(count)]


def near_duplicate_clusters(
    store: CorpusStore, config: NearDuplicateConfig, engine: Engine, progress: Progress | None = None
) -> tuple[dict[str, list[str]], list[str]]:
    """Clusters as :func:`corpus.dedup.near_duplicate_clusters` finds them over the store's documents,
    and the documents that carry marks now."""
    clusters, marked, sigs = _clusters(store, config, engine, progress)
    for task in sigs.values():
        engine.release(task)
    return clusters, marked


def _clusters(store: CorpusStore, config: NearDuplicateConfig, engine: Engine, progress: Progress | None):
    """:func:`near_duplicate_clusters`, and the partitions' signatures, still on the workers."""

    location = StoreLocation.of(store)
    banding = Banding.of(config)
    groups = shard_groups(location.shards, engine)
    sigs = {
        p: engine.submit(partition_signatures, location, p, shards, config, key="minhash")
        for p, shards in enumerate(groups)
    }
    marked_tasks = {p: engine.submit(marked_ids, sigs[p], key="marked") for p in sigs}
    for done, _task in enumerate(engine.as_completed(marked_tasks.values()), start=1):
        if progress:
            progress(done, len(groups))
    marked: list[str] = []
    for task in marked_tasks.values():
        marked.extend(engine.result(task))
        engine.release(task)
    # The shuffle: each reducer takes its records from every partition.
    reducers = max(1, min(len(groups), 2 * engine.workers))
    reduce_tasks = []
    routed = [engine.submit(band_records, sigs[p], banding, reducers, key="band-records") for p in sigs]
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
    anchor_found = _anchor_pairs(sigs, config, engine)
    # Only documents in some candidate pair are verified; only their signatures come back.
    refs = np.unique(np.concatenate([pairs.ravel(), anchor_found.ravel()]))
    part_of, row_of = (refs >> np.uint64(32)).astype(np.int64), (refs & np.uint64(0xFFFFFFFF)).astype(np.int64)
    fetch = {}
    for p in np.unique(part_of).tolist():
        fetch[p] = engine.submit(signature_rows, sigs[p], row_of[part_of == p].tolist(), key="candidate-signatures")
    ids, values, order = [], [], {}
    for p in sorted(fetch):
        got_ids, got_values, got_order = engine.result(fetch[p])
        ids.extend(got_ids)
        values.append(got_values)
        order.update(zip(got_ids, got_order))
        engine.release(fetch[p])
    # refs is sorted and so is the concatenation by partition then row: position = index in refs.
    matrix = np.concatenate(values) if values else np.empty((0, config.num_perm), dtype=np.uint32)
    a, b = np.searchsorted(refs, pairs[:, 0]), np.searchsorted(refs, pairs[:, 1])
    # MinHash.jaccard: the share of equal hash values, as count / num_perm.
    same = np.count_nonzero(matrix[a] == matrix[b], axis=1) / float(config.num_perm)
    uf = _UnionFind()
    linked = set()
    for i, j in zip(a[same >= config.threshold].tolist(), b[same >= config.threshold].tolist()):
        uf.union(ids[i], ids[j])
        linked.update((i, j))
    for i, j in zip(
        np.searchsorted(refs, anchor_found[:, 0]).tolist(), np.searchsorted(refs, anchor_found[:, 1]).tolist()
    ):
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
    return clusters, marked, sigs


def _anchor_pairs(sigs: dict, config: NearDuplicateConfig, engine: Engine) -> np.ndarray:
    """The anchor signature's pairs, as (ref, ref) rows: the partitions' anchor sets, joined on the driver."""
    if not config.anchors.enabled:
        return np.empty((0, 2), dtype=np.uint64)
    parts, refs = [], []
    tasks = {p: engine.submit(partition_anchors, sigs[p], key="anchor-sequences") for p in sorted(sigs)}
    for p, task in tasks.items():
        part = engine.result(task)
        engine.release(task)
        parts.append(part)
        refs.append((np.uint64(p) << np.uint64(32)) | np.arange(len(part), dtype=np.uint64))
    ref = np.concatenate(refs) if refs else np.zeros(0, dtype=np.uint64)
    found = story_pairs(StoryAnchors.concatenate(parts), config.anchors)
    pairs = np.array(found, dtype=np.int64).reshape(-1, 2)
    return np.sort(ref[pairs], axis=1) if len(pairs) else np.empty((0, 2), dtype=np.uint64)


def update_near_duplicates(
    workspace: Workspace, store: CorpusStore, engine: Engine, progress: Progress | None = None
) -> int:
    """:func:`corpus.ingest.update_near_duplicates` on an engine: the caller holds the lock."""
    clusters, marked, sigs = _clusters(store, near_duplicate_config(workspace), engine, progress)
    try:
        touched: dict[int, dict[str, list[str]]] = {store.documents.shard_of(m): {} for m in marked}
        for first, members in clusters.items():
            for m in members:
                touched.setdefault(store.documents.shard_of(m), {})[first] = members
        tasks = []
        for p, shards in enumerate(shard_groups(store.documents.shards, engine)):
            mine = [s for s in shards if s in touched]
            if mine:
                tasks.append(
                    engine.submit(
                        mark_partition, sigs[p], {k: v for s in mine for k, v in touched[s].items()}, key="mark-shards"
                    )
                )
        for task in engine.as_completed(tasks):
            records = engine.result(task)
            engine.release(task)
            if records:
                store.documents.upsert(records)  # each shard it touches: one atomic rewrite
    finally:
        for task in sigs.values():
            engine.release(task)
    return sum(len(m) - 1 for m in clusters.values())
