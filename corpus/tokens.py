"""The project's one tokenisation, for token-level agreement and the CoNLL-style release config.

A token is a number ("8,500", "2.1"), a run of word characters with inner hyphens
("de-escalation"), a clitic starting with an apostrophe ("’s" of "Ukraine’s", so the entity
"Ukraine" aligns with tokens), or a single other non-space character. Offsets are the
project's convention: ``str`` indices, end-exclusive. Stated in the dataset card, so consumers
can reproduce it. :func:`tokenize` is the definition (one regular expression);
:func:`token_bounds` finds the same tokens with numpy, for many characters at once, and is
tested equal to it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache

import numpy as np

TOKEN_PATTERN = r"\d+(?:[.,]\d+)*(?![\w])|\w+(?:-\w+)*|['’]\w+|[^\w\s]"
_TOKEN = re.compile(TOKEN_PATTERN)


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of every token in ``text``."""
    return [m.span() for m in _TOKEN.finditer(text)]


def token_offsets(text: str) -> np.ndarray:
    """:func:`tokenize` as an (n, 2) array of (start, end), by :func:`token_bounds` where it applies."""
    return token_offsets_many([text])[0]


def token_offsets_many(texts: list[str], batch: int = 500) -> list[np.ndarray]:
    """:func:`token_offsets` of each text, ``batch`` texts per pass of :func:`token_bounds`
    (per text, the numpy calls cost more than the tokens of a 3 KB article: 10k texts, 1.6 s)."""
    out: list[np.ndarray] = []
    for first in range(0, len(texts), batch):
        part = texts[first : first + batch]
        found = JoinedTokens.of(part)
        if found is None:  # another pattern, or a lone surrogate somewhere: each text by the pattern
            out += [np.array(tokenize(text), dtype=np.int64).reshape(-1, 2) for text in part]
            continue
        cuts = found.cuts.tolist()
        for k, base in enumerate(found.bases.tolist()):
            lo, hi = cuts[k], cuts[k + 1]
            out.append(np.stack([found.starts[lo:hi] - base, found.ends[lo:hi] - base], axis=1))
    return out


def text_pieces(text: str, size: int):
    """``text`` in consecutive pieces of about ``size`` characters, each cut after a space or a line
    break, for steps whose arrays take several bytes a character to read a long text a piece at
    a time. No word (``\\w`` run, a-z run, token) runs from one piece into the next, and a
    piece lower-cases as it does inside the text (``str.lower``'s one context rule, the final
    sigma, stops at a space). A text without a break after ``size`` characters is one piece from
    there on."""
    start, length = 0, len(text)
    while start < length:
        end = start + size
        if end >= length:
            yield text[start:]
            return
        cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
        if cut < 0:
            later = [i for i in (text.find(" ", end), text.find("\n", end)) if i >= 0]
            if not later:
                yield text[start:]
                return
            cut = min(later)
        yield text[start : cut + 1]
        start = cut + 1


@dataclass
class JoinedTokens:
    """The tokens of many texts, found in one pass of :func:`token_bounds` over the texts joined
    by spaces (and one before and after), so no token crosses from one text into the next.

    Offsets are into ``joined``; text k begins at ``bases[k]`` and its tokens are
    ``starts[cuts[k]:cuts[k + 1]]`` and ``ends[...]``.
    """

    joined: str
    codes: np.ndarray  # the code points of `joined`
    starts: np.ndarray
    ends: np.ndarray
    bases: np.ndarray
    cuts: np.ndarray

    @classmethod
    def of(cls, texts: list[str]) -> JoinedTokens | None:
        """None when :func:`token_bounds` does not implement the pattern, or a text holds a lone surrogate."""
        if not bounds_implemented():
            return None
        joined = " " + " ".join(texts) + " "
        try:
            codes = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
        except UnicodeEncodeError:
            return None
        starts, ends = token_bounds(codes)
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        bases = np.cumsum(lengths + 1) - lengths
        return cls(joined, codes, starts, ends, bases, np.append(np.searchsorted(starts, bases), starts.size))


# --- The same tokens for many characters at once ----------------------------------------------
# Finding tokens with ``re`` one match at a time was the largest step of a release build and of
# token-level agreement; :func:`token_bounds` applies the pattern's own rules to code points with numpy.

# The pattern token_bounds implements; with another TOKEN_PATTERN, callers tokenise with `re`.
IMPLEMENTED_PATTERN = r"\d+(?:[.,]\d+)*(?![\w])|\w+(?:-\w+)*|['’]\w+|[^\w\s]"

# Character classes, as bits (a digit is also a word character).
SPACE, WORD, DIGIT, APOSTROPHE, SEPARATOR, HYPHEN = 1, 2, 4, 8, 16, 32


def bounds_implemented() -> bool:
    """Whether :func:`token_bounds` implements :data:`TOKEN_PATTERN` (else tokenise with ``re``)."""
    return TOKEN_PATTERN == IMPLEMENTED_PATTERN


def all_code_points() -> str:
    """Every code point in order, lone surrogates included: the string a table by code point is read off."""
    # Decoded in one piece: joining a million one-character strings took 100 MB for a moment.
    return np.arange(sys.maxunicode + 1, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


def code_points_matching(char_class: str | re.Pattern, every: str | None = None) -> np.ndarray:
    """For every code point, whether the one-character pattern ``char_class`` matches it, as ``re`` sees it."""
    every = all_code_points() if every is None else every
    table = np.zeros(len(every), bool)
    table[[m.start() for m in re.finditer(char_class, every)]] = True
    return table


def class_bits(patterns: tuple[tuple[int, str], ...]) -> np.ndarray:
    """For every code point, the OR of the bits whose one-character pattern matches it, as ``re`` sees it."""
    every = all_code_points()
    table = np.zeros(len(every), np.uint8)
    for bit, pattern in patterns:
        table[code_points_matching(pattern, every)] |= bit
    return table


@cache
def character_classes() -> np.ndarray:
    """The class bits of every code point, as ``re`` sees them (``\\w`` is WORD: also what
    :func:`corpus.dedup.shingles` splits words on)."""
    return class_bits(
        (
            (SPACE, r"\s"),
            (WORD, r"\w"),
            (DIGIT, r"\d"),
            (APOSTROPHE, r"['’]"),
            (SEPARATOR, r"[.,]"),
            (HYPHEN, r"-"),
        )
    )


# What token_bounds reads of each character: one of four kinds (a digit is a word character too).
SPACE_KIND, OTHER_KIND, LETTER_KIND, DIGIT_KIND = 0, 1, 2, 3


@cache
def character_kinds():
    """The kind of every code point (``*_KIND``), as an Arrow array: Arrow's take reads it at
    uint32 code points directly, where numpy's indexing first copies them into 64-bit indices."""
    import pyarrow as pa

    classes = character_classes()
    kinds = np.where(
        (classes & SPACE) != 0,
        SPACE_KIND,
        np.where((classes & WORD) == 0, OTHER_KIND, np.where((classes & DIGIT) != 0, DIGIT_KIND, LETTER_KIND)),
    )
    return pa.array(kinds.astype(np.uint8))


def token_bounds(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the tokens in a text given as code points, which must begin and end with whitespace.

    The pattern's alternatives, tried at a token's first character, in order:
    a number ``\\d+(?:[.,]\\d+)*(?![\\w])``, a word with inner hyphens ``\\w+(?:-\\w+)*``, a
    clitic ``['’]\\w+``, a single other character ``[^\\w\\s]``. Tokens never cross whitespace
    and cover every other character. In terms of chunks (maximal runs of word characters):
    a chunk right after an apostrophe ends a clitic; a number is all-digit chunks joined by
    single "." or ","  (a chunk that starts with digits and goes on with letters ends the
    number before its separator: the lookahead backtracks there); a word is chunks joined by
    single hyphens, from a chunk that is not a number's; any other character is a token of its own.

    Each character's kind is read once (:func:`character_kinds`), and every rule from there.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kinds = pc.take(character_kinds(), pa.array(codes)).to_numpy()
    word, space = kinds >= LETTER_KIND, kinds == SPACE_KIND
    # Where a chunk begins or ends (they alternate: the text begins and ends with whitespace).
    edges = np.flatnonzero(word[1:] != word[:-1]) + 1
    first, stop = edges[0::2], edges[1::2]  # each chunk's first and one-past-last character
    # A chunk is all digits when it holds as many digits as characters (digits are few: counted where they are).
    digits = np.flatnonzero(kinds == DIGIT_KIND)
    all_digits = np.bincount(np.searchsorted(first, digits, "right") - 1, minlength=first.size) == stop - first
    before = character_classes()[codes[first - 1]]  # the character before each chunk (never a word character)
    joined = np.zeros(first.size, bool)  # the character before is directly after the previous chunk
    joined[1:] = stop[:-1] == first[1:] - 1
    clitic = (before & APOSTROPHE) != 0
    hyphened = joined & ((before & HYPHEN) != 0)
    separated = joined & ((before & SEPARATOR) != 0)
    # Which token a chunk belongs to: a word's or a number's. An all-digit chunk after a hyphen
    # continues the word before it, or starts a number; every other chunk's kind is its own.
    inherits = hyphened & all_digits
    in_word = ~all_digits & ~clitic
    in_word = in_word[np.maximum.accumulate(np.where(inherits, 0, np.arange(first.size)))]
    in_number = np.where(inherits, ~in_word, all_digits & ~clitic)
    previous_word, previous_number = np.roll(in_word, 1), np.roll(in_number, 1)  # used only where joined
    continues = clitic | (hyphened & previous_word) | (separated & all_digits & previous_number)
    starts = kinds == OTHER_KIND  # every other character starts a token ...
    starts[first[continues & ~clitic] - 1] = False  # ... but a hyphen or separator inside a word or number
    starts[first[~continues]] = True
    # A token ends where the next one starts or whitespace begins, right after a character that is not whitespace.
    ends = np.zeros(codes.size, bool)
    np.logical_or(starts[1:], space[1:], out=ends[1:])
    ends[1:] &= ~space[:-1]
    return np.flatnonzero(starts), np.flatnonzero(ends)
