"""A second near-duplicate signature: a story's anchors (names, numbers, rare words).

Translations of one article (several machine translations and the human reference) share
few word 5-grams (Jaccard 0.02-0.20 on real ones) but the same people, places, figures and
uncommon terms. A document's anchors are its tokens that are numbers, capitalised words not
at the start of a sentence and not among the most common words, and words rare in the
language (wordfreq's Zipf scale). Candidates come from MinHash LSH over the anchor sets at
a low threshold; a pair is joined only when its exact anchor sets reach the Jaccard
threshold and share enough anchors (few anchors in common is chance, not one story).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from datasketch import MinHash, MinHashLSH

# A number (commas dropped: "1,000" and "1000" are one anchor) or a word.
_TOKEN = re.compile(r"\d[\d,.]*\d|\d|[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE_BREAK = frozenset('.!?\n|:"“”')


@dataclass(frozen=True)
class AnchorConfig:
    # Off by default: on same-topic news (PolNeAR) about 5 of its 13 joins were different stories,
    # and 20k generated articles did not finish within the bench's time (bench/README.md).
    enabled: bool = False
    threshold: float = 0.3  # exact Jaccard of two anchor sets
    min_shared: int = 8  # anchors two documents must share
    rare_zipf: float = 3.5  # a word below this frequency is an anchor
    name_zipf: float = 5.5  # a capitalised word (not sentence-initial) below this is an anchor
    language: str = "en"
    num_perm: int = 64
    candidate_threshold: float = 0.15  # LSH threshold: below the exact one, candidates are verified


@lru_cache(maxsize=4)
def _zipf_table(language: str) -> dict[str, float]:
    import wordfreq

    try:
        freq = wordfreq.get_frequency_dict(language, wordlist="best")
    except (LookupError, ValueError):
        return {}
    return {w: math.log10(f) + 9 for w, f in freq.items() if f > 0}


def anchor_set(text: str, config: AnchorConfig) -> frozenset[str]:
    """The anchors of one text, lower-cased."""
    zipf = _zipf_table(config.language)
    out: set[str] = set()
    prev_end = 0
    for m in _TOKEN.finditer(text):
        token = m.group()
        starts_sentence = prev_end == 0 or any(c in _SENTENCE_BREAK for c in text[prev_end : m.start()])
        prev_end = m.end()
        if token[0].isdigit():
            out.add(token.replace(",", "").rstrip("."))
            continue
        low = token.lower().replace("’", "'").removesuffix("'s")  # Ukraine's is Ukraine
        if len(low) < 3:
            continue
        z = zipf.get(low, 0.0)
        if z < config.rare_zipf or (token[0].isupper() and not starts_sentence and z < config.name_zipf):
            out.add(low)
    return frozenset(out)


def same_story(a: frozenset[str], b: frozenset[str], config: AnchorConfig) -> bool:
    shared = len(a & b)
    return shared >= config.min_shared and shared / len(a | b) >= config.threshold


def anchor_pairs(ids: Sequence[str], anchors: Sequence[frozenset[str]], config: AnchorConfig) -> list[tuple[str, str]]:
    """Every pair of documents whose anchor sets say they tell one story (LSH candidates, verified exactly)."""
    lsh = MinHashLSH(threshold=config.candidate_threshold, num_perm=config.num_perm, weights=(0.05, 0.95))
    kept: dict[str, frozenset[str]] = {}
    pairs = []
    for doc_id, anchor in zip(ids, anchors):
        if len(anchor) < config.min_shared:
            continue  # cannot share enough with anything
        sig = MinHash(num_perm=config.num_perm, seed=1)
        sig.update_batch([a.encode() for a in anchor])
        for other in lsh.query(sig):
            if same_story(anchor, kept[other], config):
                pairs.append((other, doc_id))
        lsh.insert(doc_id, sig)
        kept[doc_id] = anchor
    return pairs
