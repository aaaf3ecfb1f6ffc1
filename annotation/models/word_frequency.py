"""How common a word is in the language: a feature for words the gold never showed.

A name the training gold never held ("Xiaomi", "Lagos") gets from the hashed NORM / PREFIX /
SUFFIX / SHAPE embeddings only its shape and affixes; whether the word is a rare one, in a
language's general use, is what tells a capitalised name from a capitalised common word at a
sentence's start. wordfreq (a dependency already: cleaning's run_together_words) gives each
word's Zipf frequency in ~40 languages, offline; the feature is that frequency, lower-cased, in
half-Zipf steps (0 for a word wordfreq does not know, or a language it has no list for).

``newsdesk.FrequencyMultiHashEmbed.v1`` embeds it beside spaCy's hashed columns, as
:mod:`annotation.models.quote_context` embeds the quote state: computed inside the model from
each token's text, so training, evaluation, prediction and the numpy decoder read the same.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from annotation.models.extra_column import feature_extractor, multi_hash_embed

ARCHITECTURE = "newsdesk.FrequencyMultiHashEmbed.v1"
FREQUENCY_ROWS = 64  # hash rows of the frequency column: 17 values


@lru_cache(maxsize=1 << 18)
def frequency_code(word: str, lang: str) -> int:
    """Round(2 x Zipf frequency) of the lower-cased word: 0 (unknown) to ~16 ("the")."""
    from wordfreq import zipf_frequency

    try:
        return round(2 * zipf_frequency(word.lower(), lang))
    except (LookupError, ValueError):
        return 0


def _known_language(lang: str) -> str | None:
    from wordfreq import available_languages

    return lang if lang in available_languages() else None


def token_codes(doc, lang: str | None) -> np.ndarray:
    """frequency_code() of each token of a spaCy ``Doc`` (each distinct word looked up once)."""
    from spacy.attrs import ORTH

    if not lang or not len(doc):
        return np.zeros(len(doc), dtype=np.uint64)
    orths = doc.to_array([ORTH]).reshape(-1)
    distinct, where = np.unique(orths, return_inverse=True)
    strings = doc.vocab.strings
    codes = np.array([frequency_code(strings[int(orth)], lang) for orth in distinct], dtype=np.uint64)
    return codes[where.reshape(-1)]


def FrequencyFeatureExtractor(columns: list, lang: str):
    """spaCy's ``FeatureExtractor`` with one more column: the token's frequency code."""
    return feature_extractor("extract_features_with_frequency", columns, token_codes, lang=_known_language(lang))


def FrequencyMultiHashEmbed(
    width: int, attrs: list, rows: list[int], include_static_vectors: bool, frequency_rows: int, lang: str
):
    """``spacy.MultiHashEmbed.v2`` over ``attrs`` and the frequency code (its own hashed table)."""
    return multi_hash_embed(
        width, attrs, rows, include_static_vectors, FrequencyFeatureExtractor(attrs, lang), frequency_rows
    )


def register() -> None:
    from spacy import registry

    if ARCHITECTURE not in registry.architectures:
        registry.architectures.register(ARCHITECTURE, func=FrequencyMultiHashEmbed)
