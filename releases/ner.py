"""The `ner` config: every gold document's tokens and IOB2 tags, made for a batch of documents at once.

Tokens are the matches of :data:`corpus.tokens.TOKEN_PATTERN` (:func:`corpus.tokens.tokenize`).
Finding them with ``re`` one document and one match at a time, and handing Arrow a Python
string per token, was the largest step of a release build (22 of 52 s at 100k documents).
Here the pattern's own rules are applied to a batch's code points with numpy
(:func:`corpus.tokens.token_bounds`), Arrow cuts the token strings out of the text's UTF-8 bytes, and spans
become tag ranges by binary search. A document whose entity spans overlap (or lie outside its
text) is tagged by :func:`ner_tokens`, the plain definition, span by span.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasets import Features

from corpus.model import Document
from corpus.tokens import JoinedTokens, tokenize
from releases.rows import EntitySpans


@dataclass
class NerStats:
    spans: int = 0
    misaligned: int = 0  # spans whose edges fall inside a token: counted, tagged as far as they align


def ner_tokens(doc: Document, spans: list, stats: NerStats, iob2: dict[str, int]) -> tuple[list[str], list[int]]:
    """Tokens and IOB2 tag ids of one document, by the definition: the tokens inside each of its
    entity spans (in text order: see :func:`releases.rows.entity_spans`) are tagged, a later span
    over an earlier one; a span whose edges are not token edges is counted."""
    text = doc.text
    tokens = tokenize(text)
    starts, ends = [s for s, _ in tokens], [e for _, e in tokens]
    tags = [0] * len(tokens)
    for span in spans:
        first, last = bisect_left(starts, span.start), bisect_right(ends, span.end)
        stats.spans += 1
        stats.misaligned += not (
            first < len(starts) and starts[first] == span.start and 0 < last and ends[last - 1] == span.end
        )
        if first < last:
            tags[first] = iob2[f"B-{span.label}"]
            tags[first + 1 : last] = [iob2[f"I-{span.label}"]] * (last - first - 1)
    return [text[s:e] for s, e in tokens], tags


def ner_table(
    docs: list[Document],
    spans: EntitySpans,
    stats: NerStats,
    iob2: dict[str, int],
    features: Features,
    batch: int = 500,
) -> pa.Table:
    """The `ner` rows (id, tokens, IOB2 tag ids) of each document with its gold record's entity
    spans (those of record k are the spans of ``docs[k]``).

    ``batch`` documents at a time: a batch's arrays (a few per character) then stay small enough
    for the allocator to reuse their memory; those of 10k documents were mapped afresh and
    faulted in page by page each time, which made the whole 2.3x slower. The table keeps a chunk
    per batch (see :func:`releases.rows.in_batches`): joining them took 1.8 s at 100k documents.
    """
    schema = features.arrow_schema
    parts = [
        _batch_table(
            docs[first : first + batch], spans.take(range(first, min(first + batch, len(docs)))), stats, iob2
        ).cast(schema)
        for first in range(0, len(docs), batch)
    ]
    return pa.concat_tables(parts) if parts else schema.empty_table()


def _batch_table(docs: list[Document], spans: EntitySpans, stats: NerStats, iob2: dict[str, int]) -> pa.Table:
    texts = [doc.text for doc in docs]
    found = JoinedTokens.of(texts)  # None also for a lone surrogate, which Arrow's UTF-8 strings cannot hold
    if found is None:
        return _table_by_definition(docs, spans, stats, iob2)
    starts, ends, row_offsets = found.starts, found.ends, found.cuts
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    tags = _tags(docs, spans, starts, ends, found.bases, lengths, row_offsets, stats, iob2)
    return pa.table(
        {
            "id": pa.array([doc.id for doc in docs], pa.string()),
            "tokens": pa.ListArray.from_arrays(
                pa.array(row_offsets, pa.int32()), _token_strings(found.joined, found.codes, starts, ends)
            ),
            "ner_tags": pa.ListArray.from_arrays(pa.array(row_offsets, pa.int32()), pa.array(tags, pa.int64())),
        }
    )


def _token_strings(joined: str, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """The tokens as one Arrow string array, cut from the UTF-8 bytes of ``joined``."""
    data = joined.encode("utf-8")
    if len(data) != codes.size:  # not ASCII: a code point's byte offset counts the extra bytes of those before it
        wide = np.flatnonzero(codes >= 0x80)
        extra = 1 + (codes[wide] >= 0x800).astype(np.int64) + (codes[wide] >= 0x10000)
        starts, ends = starts + _before(wide, extra, starts), ends + _before(wide, extra, ends)
    # The text as pieces: the gap before each token, the token, ..., the rest; the tokens are the odd pieces.
    offsets = np.empty(2 * starts.size + 2, np.int64)
    offsets[0], offsets[-1] = 0, len(data)
    offsets[1:-1:2], offsets[2:-1:2] = starts, ends
    pieces = pa.Array.from_buffers(
        pa.large_string(), offsets.size - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return pieces.take(pa.array(np.arange(1, offsets.size - 1, 2))).cast(pa.string())


def _before(at: np.ndarray, extra: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """For each of the sorted ``offsets``, the sum of ``extra`` over the positions ``at`` (sorted) before it.

    Each position is placed among the offsets, not each offset among the positions: the wide
    characters of a text are few, its tokens many.
    """
    added = np.zeros(offsets.size + 1, np.int64)
    np.add.at(added, np.searchsorted(offsets, at, "right"), extra)
    return np.cumsum(added[:-1])


def _tags(
    docs, spans: EntitySpans, starts, ends, bases, lengths, row_offsets, stats: NerStats, iob2: dict[str, int]
) -> np.ndarray:
    """The tag id of every token; entity spans tag the tokens inside them (as :func:`ner_tokens` does)."""
    tags = np.zeros(starts.size, np.int64)
    if not spans.owners.size:
        return tags
    owner, span_start, span_end = spans.owners, spans.starts, spans.ends
    labels = pc.dictionary_encode(spans.labels)
    names = labels.dictionary.to_pylist()
    codes = labels.indices.to_numpy(zero_copy_only=False)
    begin = np.array([iob2[f"B-{name}"] for name in names], np.int64)[codes]
    inside = np.array([iob2[f"I-{name}"] for name in names], np.int64)[codes]
    # Documents whose spans lie outside the text or tag a token twice are tagged by the definition.
    odd = np.zeros(len(docs), bool)
    odd[owner[(span_start < 0) | (span_start > span_end) | (span_end > lengths[owner])]] = True
    at_start, at_end = bases[owner] + span_start, bases[owner] + span_end
    first = np.searchsorted(starts, at_start, "left")
    last = np.searchsorted(ends, at_end, "right")
    tagging = first < last
    cover = np.zeros(starts.size + 1, np.int64)
    np.add.at(cover, first[tagging], 1)
    np.add.at(cover, last[tagging], -1)
    twice = np.flatnonzero(np.cumsum(cover)[:-1] > 1)
    odd[np.searchsorted(row_offsets, twice, "right") - 1] = True
    regular = ~odd[owner]
    aligned = (
        (first < starts.size)
        & (starts[np.minimum(first, starts.size - 1)] == at_start)
        & (last > 0)
        & (ends[np.maximum(last - 1, 0)] == at_end)
    )
    stats.spans += int(regular.sum())
    stats.misaligned += int((regular & ~aligned).sum())
    tagging &= regular
    ranges = np.zeros(starts.size + 1, np.int64)  # each span's I id over its tokens, B on the first
    np.add.at(ranges, first[tagging], inside[tagging])
    np.add.at(ranges, last[tagging], -inside[tagging])
    tags[:] = np.cumsum(ranges)[:-1]
    tags[first[tagging]] = begin[tagging]
    for k in np.flatnonzero(odd).tolist():
        words, doc_tags = ner_tokens(docs[k], spans.of_record(k), stats, iob2)
        lo, hi = row_offsets[k], row_offsets[k + 1]
        if len(words) != hi - lo:
            raise AssertionError(f"ner: the batch tokeniser disagrees with tokenize() on document {docs[k].id}")
        tags[lo:hi] = doc_tags
    return tags


def _table_by_definition(docs: list[Document], spans: EntitySpans, stats: NerStats, iob2: dict[str, int]) -> pa.Table:
    rows = [ner_tokens(doc, spans.of_record(k), stats, iob2) for k, doc in enumerate(docs)]
    return pa.table(
        {
            "id": pa.array([doc.id for doc in docs], pa.string()),
            "tokens": pa.array([words for words, _ in rows], pa.list_(pa.string())),
            "ner_tags": pa.array([tags for _, tags in rows], pa.list_(pa.int64())),
        }
    )
