"""A second near-duplicate signature: a story's anchors (names, numbers, rare words) in order.

Translations of one article (several machine translations and the human reference) share
few word 5-grams (Jaccard 0.02-0.20 on real ones) but the same people, places, figures and
uncommon terms, told in the same order. A document's anchors are its tokens that are
numbers of two digits or more, capitalised words not at the start of a sentence and not
among the most common words, and words rare in the language (wordfreq's Zipf scale); its
anchor sequence is each anchor once, where it first occurs.

Two documents tell one story when they share at least ``min_shared`` anchors, their lengths
are within ``length_ratio`` of each other, and the longest common subsequence of their
anchor sequences covers ``order_threshold`` of the larger anchor set. The order is what
tells a translation from another story on the same topic: same-topic recaps share the names
(Trump, Clinton, Iowa) but not their order, nor a similar number of anchors
(bench/README.md, "Translations as near-duplicates", has the figures it was chosen on).

Candidates come from an inverted index over the anchors that are in few documents
(``candidate_max_df``): a pair is verified only when it shares ``candidate_min_shared`` of
them. Anchors that most documents of a corpus share (its famous names, small numbers) say
nothing about which story a text tells, and their postings are what made candidate
generation quadratic. The pairs depend only on the set of documents, never on their order,
so the local and the Dask engines (which gather the anchor sequences on the driver) join
the same documents.
"""

from __future__ import annotations

import hashlib
import math
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import TYPE_CHECKING

# numpy is imported inside the functions that use it: the workspace reads this module's settings,
# and `docs list` or `--help` should not pay for numpy.
if TYPE_CHECKING:
    import numpy as np

# A number (its digit groups one: "1,000" is "1000") or a word ("FY2021" is a word and a number).
_TOKEN = re.compile(r"\d+(?:[,.]\d+)*|[^\W\d_]+")
# A word that starts a sentence (after a break; the text's first word is one too).
_SENTENCE_START = re.compile(r'[.!?\n|:"“”][^\w]*(\w+)')


@dataclass(frozen=True)
class AnchorConfig:
    enabled: bool = True
    order_threshold: float = 0.34  # common anchors in the same order, over the larger anchor set
    min_shared: int = 8  # anchors two documents must share
    length_ratio: float = 0.5  # the shorter text's characters over the longer's
    rare_zipf: float = 3.5  # a word below this frequency is an anchor
    name_zipf: float = 5.5  # a capitalised word (not sentence-initial) below this is an anchor
    language: str = "en"
    candidate_max_df: int = 50  # an anchor in more documents than this proposes no candidates
    candidate_min_shared: int = 2  # such rarer anchors a pair must share to be verified


# The [near_duplicates] keys of newsdesk.toml for the fields above, with their comments: the
# template and the reader are both made from this one list.
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("anchors", "enabled", "translations of one story (5-gram Jaccard 0.02-0.20) by their anchors"),
    ("anchor_order_threshold", "order_threshold", "shared anchors in the same order / the larger anchor set"),
    ("anchor_min_shared", "min_shared", "anchors two documents must share"),
    ("anchor_length_ratio", "length_ratio", "shorter text / longer text, in characters"),
    ("anchor_rare_zipf", "rare_zipf", "a word below this wordfreq Zipf frequency is an anchor"),
    ("anchor_name_zipf", "name_zipf", "a capitalised word inside a sentence below this is an anchor"),
    ("anchor_language", "language", "the language whose word frequencies say what is rare"),
    ("anchor_candidate_max_df", "candidate_max_df", "an anchor in more documents proposes no pair"),
    ("anchor_candidate_min_shared", "candidate_min_shared", "such rarer anchors a pair shares to be checked"),
)


def settings_toml() -> str:
    """The anchor lines of newsdesk.toml's [near_duplicates], with the defaults."""
    default = AnchorConfig()
    lines = []
    for key, field, comment in SETTINGS:
        value = getattr(default, field)
        shown = ("true" if value else "false") if isinstance(value, bool) else repr(value).replace("'", '"')
        lines.append(f"{f'{key} = {shown}':<36}# {comment}")
    return "\n".join(lines) + "\n"


def config_from_settings(section: dict) -> AnchorConfig:
    """An AnchorConfig from newsdesk.toml's [near_duplicates] (missing keys: the defaults)."""
    default = AnchorConfig()
    types = {f.name: type(getattr(default, f.name)) for f in fields(AnchorConfig)}
    return AnchorConfig(
        **{field: types[field](section.get(key, getattr(default, field))) for key, field, _ in SETTINGS}
    )


@lru_cache(maxsize=4)
def _zipf_table(language: str) -> dict[str, float]:
    import wordfreq

    try:
        freq = wordfreq.get_frequency_dict(language, wordlist="best")
    except (LookupError, ValueError):
        return {}
    return {w: math.log10(f) + 9 for w, f in freq.items() if f > 0}


@lru_cache(maxsize=8)
def _common_words(language: str, zipf: float) -> frozenset[str]:
    return frozenset(w for w, z in _zipf_table(language).items() if z >= zipf)


def anchor_sequence(text: str, config: AnchorConfig) -> tuple[str, ...]:
    """The anchors of one text, lower-cased, each once, in the order they first occur."""
    not_rare = _common_words(config.language, config.rare_zipf)
    not_name = _common_words(config.language, config.name_zipf)
    # Two whole-text passes and their counts (in C), then one look at each distinct token: a
    # loop over every token was most of the time.
    tokens = Counter(_TOKEN.findall(text))
    starts = Counter(_SENTENCE_START.findall("\n" + text))
    # A name: capitalised at least once where no sentence starts.
    names = {t.lower() for t, n in tokens.items() if t[0].isupper() and n > starts.get(t, 0)}
    out: dict[str, None] = {}  # first occurrences, in order
    for token in tokens:
        if token[0].isdigit():
            number = token.replace(",", "").replace(".", "")
            if len(number) > 1 and number[0] != "0":  # one digit, times' "05": in every text
                out[number] = None
            continue
        word = token.lower()
        if len(word) > 2 and (word not in not_rare or (word in names and word not in not_name)):
            out[word] = None
    return tuple(out)


def anchor_set(text: str, config: AnchorConfig) -> frozenset[str]:
    """The anchors of one text, lower-cased."""
    return frozenset(anchor_sequence(text, config))


@lru_cache(maxsize=1 << 20)
def _anchor_hash(anchor: str) -> int:
    """A hash that every process agrees on (``hash`` of a str is salted per process)."""
    return int.from_bytes(hashlib.blake2b(anchor.encode(), digest_size=8).digest(), "little")


@dataclass
class StoryAnchors:
    """Some documents' anchor sequences as hashes (document i's: ``hashes[offsets[i]:offsets[i + 1]]``) and
    their lengths in characters: small enough to gather from every partition on the driver."""

    hashes: np.ndarray  # uint64
    offsets: np.ndarray  # int64, len(documents) + 1
    lengths: np.ndarray  # int64

    @classmethod
    def of(cls, texts: Sequence[str], config: AnchorConfig) -> StoryAnchors:
        import numpy as np

        sequences = [anchor_sequence(t, config) for t in texts]
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sequences], out=offsets[1:])
        hashes = np.fromiter((_anchor_hash(a) for s in sequences for a in s), dtype=np.uint64, count=int(offsets[-1]))
        return cls(hashes, offsets, np.array([len(t) for t in texts], dtype=np.int64))

    @classmethod
    def concatenate(cls, parts: Sequence[StoryAnchors]) -> StoryAnchors:
        import numpy as np

        if not parts:
            return cls(np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(0, np.int64))
        starts = np.cumsum([0] + [int(p.offsets[-1]) for p in parts[:-1]])
        offsets = np.concatenate([[0]] + [p.offsets[1:] + s for p, s in zip(parts, starts)])
        return cls(
            np.concatenate([p.hashes for p in parts]),
            offsets.astype(np.int64),
            np.concatenate([p.lengths for p in parts]),
        )

    def __len__(self) -> int:
        return len(self.lengths)

    def sequence(self, i: int) -> np.ndarray:
        return self.hashes[self.offsets[i] : self.offsets[i + 1]]


def candidate_pairs(anchors: StoryAnchors, config: AnchorConfig) -> np.ndarray:
    """(i, j) rows, i < j: documents sharing ``candidate_min_shared`` anchors that at most
    ``candidate_max_df`` documents have."""
    import numpy as np

    counts = np.diff(anchors.offsets)
    doc = np.repeat(np.arange(len(anchors), dtype=np.int64), counts)
    _, inverse, df = np.unique(anchors.hashes, return_inverse=True, return_counts=True)
    keep = (df[inverse] >= 2) & (df[inverse] <= config.candidate_max_df)
    anchor, doc = inverse[keep], doc[keep]
    order = np.lexsort((doc, anchor))  # postings: each anchor's documents, in index order
    anchor, doc = anchor[order], doc[order]
    if len(doc) < 2:
        return np.empty((0, 2), dtype=np.int64)
    # Every posting's pairs at once: entry k pairs with the entries after it in its posting.
    new = np.ones(len(anchor), dtype=bool)
    new[1:] = anchor[1:] != anchor[:-1]
    ends = np.append(np.flatnonzero(new)[1:], len(anchor))
    end_of = np.repeat(ends, np.diff(np.append(np.flatnonzero(new), len(anchor))))
    partners = end_of - np.arange(len(anchor)) - 1
    left = np.repeat(np.arange(len(anchor)), partners)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(partners) - partners, partners)
    keys = doc[left] * len(anchors) + doc[right]
    keys, shared = np.unique(keys, return_counts=True)
    keys = keys[shared >= config.candidate_min_shared]
    return np.column_stack([keys // len(anchors), keys % len(anchors)])


def ordered_overlap(a: np.ndarray, b: np.ndarray) -> int:
    """The longest common subsequence of two anchor sequences (each anchor once in each): the
    longest increasing run of b's positions taken in a's order, in n log n."""
    position = {h: k for k, h in enumerate(b.tolist())}
    tails: list[int] = []
    for h in a.tolist():
        k = position.get(h)
        if k is None:
            continue
        at = bisect_left(tails, k)
        if at == len(tails):
            tails.append(k)
        else:
            tails[at] = k
    return len(tails)


def same_story(anchors: StoryAnchors, i: int, j: int, config: AnchorConfig) -> bool:
    """Whether documents i and j tell one story: enough shared anchors, similar lengths, the same order."""
    import numpy as np

    short, long = sorted((int(anchors.lengths[i]), int(anchors.lengths[j])))
    if short < config.length_ratio * long:
        return False
    a, b = anchors.sequence(i), anchors.sequence(j)
    larger = max(len(a), len(b))
    shared = len(np.intersect1d(a, b, assume_unique=True))
    if shared < config.min_shared or shared < config.order_threshold * larger:
        return False  # the order can only lower what is shared
    return ordered_overlap(a, b) >= config.order_threshold * larger


def story_pairs(anchors: StoryAnchors, config: AnchorConfig) -> list[tuple[int, int]]:
    """Every pair of documents (by index) whose anchors say they tell one story."""
    return [(i, j) for i, j in candidate_pairs(anchors, config).tolist() if same_story(anchors, i, j, config)]
