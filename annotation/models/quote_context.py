"""Whether a token is inside a quotation: a feature the window encoder cannot see for itself.

A claim is mostly a quote or reported speech. The NER reads the tok2vec at a few tokens of its
state, and the window encoder gives each token a few words each side, so a quote opened thirty
tokens earlier is invisible where the claim's extent is decided. This module computes, from the
text alone, one code per token:

    OUTSIDE, INSIDE (between an opening and its closing mark), OPENING, CLOSING (the marks)

and ``newsdesk.QuoteMultiHashEmbed.v1`` embeds it beside spaCy's hashed NORM / PREFIX / SUFFIX /
SHAPE (the same network as ``spacy.MultiHashEmbed.v2``, one more hashed column). The code is
computed inside the model, from each document's text, so training, ``model evaluate``,
``annotate predict`` and the numpy NER decoder all read the same feature with no extra pipeline
component; a model trained without it has spaCy's own embedding and loads as before.

Pairing: ``“`` ``„`` ``«`` open, ``”`` ``»`` close (``“`` also closes a ``„``, ``«`` a ``»``, and a
``”`` with a word after it and a space or the start before it opens, as in Swedish); a straight
``"`` opens or closes by what flanks it (a space or the start before and a word after: opens; a
word or punctuation before and a space, punctuation or the end after: closes), else it toggles.
A mark that cannot close while no quote is open is a stray CLOSING; an opening mark inside an open
quote keeps it open (an unclosed quote before it). A paragraph break (a blank line) closes any
open quote: news writers leave a quote open at a paragraph's end when the next paragraph
continues it, and that paragraph starts with its own opening mark. Single quotes (``'`` ``‘``
``’``) are left out: the same characters are apostrophes.
"""

from __future__ import annotations

import re

import numpy as np

from annotation.models.extra_column import feature_extractor, multi_hash_embed

ARCHITECTURE = "newsdesk.QuoteMultiHashEmbed.v1"
OUTSIDE, INSIDE, OPENING, CLOSING = 0, 1, 2, 3
QUOTE_ROWS = 64  # hash rows of the quote column: four values

# an open quote's mark -> the marks that close it (a straight mark may close any: mixed styles)
_CLOSERS = {"“": "”", "„": "“”", "«": "»", "»": "«", "”": "”", '"': '"”'}
_MARKS = re.compile(r'["“”„«»]|\n[^\S\n]*\n')


def _opens(text: str, i: int) -> bool:
    """A space (or the start, or an opening bracket) before, and no space after."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-") and not after.isspace()


def _closes(text: str, i: int) -> bool:
    """No space before, and a space, punctuation or the end after."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or not after.isalnum())


def _opens_quote(text: str, i: int) -> bool:
    mark = text[i]
    if mark in "“„«":
        return True
    if mark == '"':
        return _opens(text, i) or not _closes(text, i)  # flanked either way or neither: it opens
    return _opens(text, i)  # ” and » open only between a space and a word (Swedish, Danish)


def _closes_quote(text: str, i: int, opener: str) -> bool:
    mark = text[i]
    if mark == '"':
        return _closes(text, i) or not _opens(text, i)
    return mark in _CLOSERS[opener]


def quote_marks(text: str) -> tuple[list[tuple[int, int]], dict[int, int]]:
    """The quoted stretches ``[(start, end)]`` of ``text`` (between the marks, end-exclusive) and
    the role of each quotation mark ``{offset: OPENING or CLOSING}``."""
    inside: list[tuple[int, int]] = []  # with an unclosed quote before an opening mark: touching stretches
    roles: dict[int, int] = {}
    opener, opened_at = "", -1  # the open quote's mark and where its text starts; "" when none is open

    def close(at: int) -> None:
        nonlocal opener, opened_at
        if opened_at < at:
            inside.append((opened_at, at))
        opener, opened_at = "", -1

    for m in _MARKS.finditer(text):
        i, mark = m.start(), m.group()
        if mark[0] == "\n":
            if opener:
                close(i)  # a paragraph break ends a quote left open
            continue
        if opener:
            if _closes_quote(text, i, opener):
                roles[i] = CLOSING
                close(i)
                continue
            close(i)  # an opening mark: the quote before it was never closed, a new one starts
        if _opens_quote(text, i):
            roles[i] = OPENING
            opener, opened_at = mark, i + 1
        else:
            roles[i] = CLOSING  # a stray closing mark: no quote is open
    if opener:
        close(len(text))
    return inside, roles


def char_codes(text: str) -> np.ndarray:
    """One code per character of ``text``: OUTSIDE, INSIDE, OPENING or CLOSING."""
    codes = np.zeros(len(text) + 1, dtype=np.uint64)  # one more: a token may start at the end
    inside, roles = quote_marks(text)
    for start, end in inside:
        codes[start:end] = INSIDE
    for i, role in roles.items():
        codes[i] = role
    return codes


def token_codes(doc) -> np.ndarray:
    """One code per token of a spaCy ``Doc`` (or ``Span``): the code of its first character."""
    from spacy.attrs import IDX

    whole = doc.doc if hasattr(doc, "doc") and doc.doc is not doc else doc
    starts = whole.to_array([IDX]).reshape(-1).astype(np.int64)
    codes = char_codes(whole.text)[starts] if len(whole) else np.zeros(0, dtype=np.uint64)
    if whole is not doc:
        codes = codes[doc.start : doc.end]
    return codes


def QuoteFeatureExtractor(columns: list):
    """spaCy's ``FeatureExtractor`` with one more column: the token's quote code."""
    return feature_extractor("extract_features_with_quotes", columns, token_codes)


def QuoteMultiHashEmbed(width: int, attrs: list, rows: list[int], include_static_vectors: bool, quote_rows: int):
    """``spacy.MultiHashEmbed.v2`` over ``attrs`` and the quote code (its own hashed table of
    ``quote_rows`` rows), built the same way, so the two differ only by that column."""
    return multi_hash_embed(width, attrs, rows, include_static_vectors, QuoteFeatureExtractor(attrs), quote_rows)


def register() -> None:
    """Make ``newsdesk.QuoteMultiHashEmbed.v1`` known to spaCy (once per process): a model saved
    with it loads once this ran (``load_pipeline`` and ``blank_pipeline`` do)."""
    from spacy import registry

    if ARCHITECTURE not in registry.architectures:
        registry.architectures.register(ARCHITECTURE, func=QuoteMultiHashEmbed)
