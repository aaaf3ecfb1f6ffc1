"""``run_together_words``: flags an unknown word that splits into two frequent ones (numpy for a batch)."""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from corpus.model import Flag
from corpus.rules.base import CleaningContext
from corpus.tokens import text_pieces

_LOWER_WORD = re.compile(r"(?<![\w’'-])[a-z]{7,}(?![\w’'-])")
# Finds every word _LOWER_WORD finds (and a few more), several times faster: the engine
# gives up at once inside a word instead of testing a look-behind at every position.
_LOWER_WORD_CANDIDATE = re.compile(r"\b[a-z]{7,}")


def _is_lower_word(text: str, start: int, end: int) -> bool:
    """Whether a _LOWER_WORD_CANDIDATE match is a _LOWER_WORD match (a regex \\w is isalnum or "_")."""
    if start and text[start - 1] in "’'-":
        return False
    after = text[end : end + 1]
    return after == "" or not (after.isalnum() or after in "_’'-")


@lru_cache(maxsize=8)
def _frequencies(language: str) -> dict[str, float]:
    import wordfreq

    return wordfreq.get_frequency_dict(language, wordlist="best")


# --- Long lower-case words, for many texts at once --------------------------------------------
# The usual answer of RunTogetherWords is "every candidate word is a known word", and finding
# the candidates with _LOWER_WORD_CANDIDATE (one regex attempt per letter, then a str per word)
# was the largest step of cleaning. For a batch of texts it is found with numpy on code points:
# a word of up to _PACKED letters a-z is packed into one integer, 5 bits a letter (1-26; 0 ends
# it), and looked up among the packed known words; a longer word is looked up as a str.

_PACKED = 12  # letters in one packed word: 60 bits
_BYTE_PLANES = np.array(
    [
        0x001F001F001F001F,
        0x1F001F001F001F00,
        0x000003FF000003FF,
        0x03FF000003FF0000,
        0x00000000000FFFFF,
        0x000FFFFF00000000,
    ],
    dtype=np.uint64,
)
# _LOW_BYTES[k]: the k lowest bytes of a 64-bit word set.
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _pack_letters(lo: np.ndarray, hi: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Words whose first eight letters are the bytes of ``lo`` (the rest in ``hi``) as one integer each.

    ``lo`` and ``hi`` are 8-byte windows of the text's bytes (little-endian: the first letter is
    the lowest byte); bytes past a word's length are masked off. Letters a-z become 1-26.
    """
    b = _BYTE_PLANES
    letters = np.uint64(0x6060606060606060)
    packed = []
    for window, keep in ((lo, np.minimum(lengths, 8)), (hi, np.clip(lengths - 8, 0, _PACKED - 8))):
        # Subtracting 0x60 from every byte borrows only from bytes past the word, then masked off.
        x = (window - letters) & _LOW_BYTES[keep]
        x = (x & b[0]) | ((x & b[1]) >> np.uint64(3))  # two letters in each 16 bits
        x = (x & b[2]) | ((x & b[3]) >> np.uint64(6))  # four in each 32
        x = (x & b[4]) | ((x & b[5]) >> np.uint64(12))  # eight in 40
        packed.append(x)
    return packed[0] | (packed[1] << np.uint64(40))


@lru_cache(maxsize=8)
def _packed_known_words(language: str) -> frozenset[int]:
    """Every word of the language's frequency list made of 7 to _PACKED letters a-z, packed; and 0."""
    fits = re.compile(f"[a-z]{{7,{_PACKED}}}")
    words = [w for w in _frequencies(language) if fits.fullmatch(w)]
    if not words:
        return frozenset({0})
    rows = np.frombuffer("".join(w.ljust(16, "`") for w in words).encode("ascii"), np.uint8).reshape(-1, 16)
    lengths = np.fromiter(map(len, words), np.int64, len(words))
    lo, hi = rows[:, :8].copy().view("<u8").ravel(), rows[:, 8:].copy().view("<u8").ravel()
    return frozenset(_pack_letters(lo, hi, lengths).tolist()) | {0}


# A longer text is read a piece at a time: the arrays below take about 20 bytes a character.
_LONG_TEXT = 250_000


def _unknown_lower_words(texts: list[str], languages: list[str]) -> list[list[tuple[int, int]] | None]:
    """For each text, (start, end) of every _LOWER_WORD_CANDIDATE match not in its language's word list.

    None for a text whose language has no list. A candidate is a run of a-z,
    7 letters or more, at a word start (``\\b``: after a character that is not ``\\w``, by
    the code-point table built from ``re`` itself); in text order, as finditer finds them.
    """
    long = [i for i, text in enumerate(texts) if len(text) > _LONG_TEXT]
    if not long:
        return _unknown_lower_words_at_once(texts, languages)
    short = [i for i, text in enumerate(texts) if len(text) <= _LONG_TEXT]
    out: list[list[tuple[int, int]] | None] = [None] * len(texts)
    for i, found in zip(short, _unknown_lower_words_at_once([texts[i] for i in short], [languages[i] for i in short])):
        out[i] = found
    for i in long:
        # Pieces are cut after a space or line break: a candidate at a piece's start is at a word start.
        found, offset = [], 0
        for piece in text_pieces(texts[i], _LONG_TEXT):
            (in_piece,) = _unknown_lower_words_at_once([piece], [languages[i]])
            if in_piece is None:
                found = None
                break
            found += [(start + offset, end + offset) for start, end in in_piece]
            offset += len(piece)
        out[i] = found
    return out


def _unknown_lower_words_at_once(texts: list[str], languages: list[str]) -> list[list[tuple[int, int]] | None]:
    """:func:`_unknown_lower_words` with every text in one set of arrays.

    Only the few runs of seven letters or more are ever listed (a text has three times as many
    shorter ones): they are found as the starts of seven letters in a row, and each one's length
    read off the next few positions. The text is read one byte a character (Latin-1, anything
    else as "?"): a fourth of the memory code points take, which the kernel hands out afresh
    for every batch.
    """
    from corpus.tokens import WORD, character_classes

    # "\n" is not \w: no word runs from one text into the next; the last ones pad the windows below.
    joined = "\n".join([*texts, _PADDING])
    # One byte a character, a-z as themselves: every character outside Latin-1 becomes "?".
    data = np.frombuffer(joined.encode("latin-1", "replace"), np.uint8)
    n = data.size
    # letter[p + 1]: the character at p is one of a-z (letter[0] and the end: False).
    letter = np.zeros(n + 2, bool)
    np.less(data - np.uint8(97), 26, out=letter[1:-1])
    two = letter[:-1] & letter[1:]
    four = two[:-2] & two[2:]
    seven = four[:-3] & four[3:]  # seven[q]: letter[q] to letter[q + 6] all set
    text_end = n - len(_PADDING)
    starts = np.flatnonzero(seven[1 : text_end + 1] & ~letter[:text_end])  # a run of 7 letters or more starts here
    # A word starts after a character that is not \w; a "?" may stand for any character: read it.
    before = data[np.maximum(starts - 1, 0)].astype(np.int64)
    for j in np.flatnonzero(before == ord("?")).tolist():
        before[j] = ord(joined[starts[j] - 1])
    starts = starts[((character_classes()[before] & WORD) == 0) | (starts == 0)]
    lengths = np.full(starts.size, 7, np.int64)
    running = np.ones(starts.size, bool)
    for k in range(7, _PACKED + 1):  # the padding keeps every position read inside the text
        running &= letter[starts + (k + 1)]
        lengths += running
    text_lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    bases = np.cumsum(text_lengths + 1) - text_lengths - 1  # where each text starts in `joined`
    cuts = np.searchsorted(starts, bases).tolist() + [starts.size]
    windows = np.ndarray((n - 7,), "<u8", data, 0, (1,))  # the 8 bytes from each position
    keys = _pack_letters(windows[starts], windows[starts + 8], lengths).astype(np.int64)
    # A longer word is looked up as itself, and its key says the answer: 0 is in every
    # packed list, -1 in none.
    longer = np.flatnonzero(lengths > _PACKED)
    for j, t in zip(longer.tolist(), (np.searchsorted(bases, starts[longer], side="right") - 1).tolist()):
        start = int(starts[j])
        end = _LETTERS.match(joined, start).end()
        lengths[j] = end - start
        try:
            keys[j] = 0 if joined[start:end] in _frequencies(languages[t]) else -1
        except (LookupError, ValueError):
            keys[j] = -1
    unknown, known_by_language = _unknown_keys(keys, cuts, languages)
    unknown_before = np.concatenate(([0], np.cumsum(unknown))).tolist()
    bases = bases.tolist()
    out: list[list[tuple[int, int]] | None] = []
    for t, language in enumerate(languages):
        lo, hi = cuts[t], cuts[t + 1]
        if known_by_language[language] is None:
            out.append(None)
        elif unknown_before[hi] == unknown_before[lo]:
            out.append([])  # the usual case: every long lower-case word is a known word
        else:
            base = bases[t]
            out.append(
                [
                    (start - base, start - base + length)
                    for is_unknown, start, length in zip(
                        unknown[lo:hi].tolist(), starts[lo:hi].tolist(), lengths[lo:hi].tolist()
                    )
                    if is_unknown
                ]
            )
    return out


def _unknown_keys(
    keys: np.ndarray, cuts: list[int], languages: list[str]
) -> tuple[np.ndarray, dict[str, frozenset[int] | None]]:
    """Whether each packed word ``keys[j]`` is missing from the list of its text's language (text
    ``t`` has ``keys[cuts[t]:cuts[t + 1]]``), and each language's packed list (None: it has none).

    A batch repeats its words: each distinct word is looked up once (a lookup per word, in a
    list of 150,000, was a fifth of the rule).
    """
    unknown = np.zeros(keys.size, bool)
    known_by_language: dict[str, frozenset[int] | None] = {}
    one_language = len(set(languages)) == 1  # (the usual batch)
    for language in dict.fromkeys(languages):
        try:
            known = known_by_language[language] = _packed_known_words(language)
        except (LookupError, ValueError):
            known_by_language[language] = None
            continue
        chosen = (
            slice(None)
            if one_language
            else np.concatenate(
                [np.arange(cuts[t], cuts[t + 1]) for t, other in enumerate(languages) if other == language]
            )
        )
        words = keys[chosen]
        distinct = np.unique(words)
        missing = distinct[np.fromiter((key not in known for key in distinct.tolist()), bool, distinct.size)]
        if missing.size:
            unknown[chosen] = np.isin(words, missing)
    return unknown, known_by_language


_PADDING = "\n" * 16
_LETTERS = re.compile("[a-z]+")


class RunTogetherWords:
    """Flags an unknown word that splits into two frequent words (`oninternational`).

    Measured on real text (bench/flags.py) the first version was right on 3 of 100 flags: it
    flagged compounds (German, Finnish, Hungarian write them as one word; English `megadeal`),
    words of another language than the text's, and names in links, e-mail addresses and
    handles. So it now looks only at languages that write compounds apart, only at running
    text, only at words no common language knows, and only at splits into two frequent words.
    """

    name = "run_together_words"
    # Languages that write their compounds as separate words: an unknown joined word there is
    # a lost space, where in German or Finnish it is usually a compound.
    SPACED_LANGUAGES = ("en", "fr", "es", "it", "pt")
    # A word any of these knows is not flagged: texts mix languages, and detection errs.
    KNOWN_IN = ("en", "fr", "es", "it", "pt", "de", "nl")

    def __init__(
        self,
        min_part_zipf: float = 4.5,
        min_common_part_zipf: float = 6.0,
        languages: list[str] | tuple[str, ...] = SPACED_LANGUAGES,
    ):
        # zipf 4.5 = 30 per million words: "nation" 4.9, "of" 7.4; "mega" 4.0, "knuckle" 3.2.
        self.min_part_frequency = 10 ** (min_part_zipf - 9)
        # One part must be among the commonest words ("for", "by", "not", "very": zipf 6 and
        # more): a lost space is mostly next to a function word, while a compound ("antitax",
        # "skywriters", "yearslong") joins two content words.
        self.min_common_part_frequency = 10 ** (min_common_part_zipf - 9)
        self.languages = frozenset(languages)

    def flag_many(self, texts: list[str], contexts: list[CleaningContext]) -> list[list[Flag]]:
        """``flag`` of each text, with the unknown candidate words of all found at once."""
        found: list[list[Flag]] = [[] for _ in texts]
        chosen = [i for i, ctx in enumerate(contexts) if ctx.language in self.languages]
        languages = [contexts[i].language for i in chosen]
        for i, unknown in zip(chosen, _unknown_lower_words([texts[i] for i in chosen], languages)):
            text, ctx = texts[i], contexts[i]
            if unknown is None:
                found[i] = self.flag(text, ctx)
                continue
            flags = []
            if unknown:
                freq = _frequencies(ctx.language)
                for start, end in unknown:
                    if _is_lower_word(text, start, end):
                        flags += self._flag_word(text, start, end, freq)
            found[i] = flags
        return found

    def flag(self, text: str, ctx: CleaningContext) -> list[Flag]:
        if ctx.language not in self.languages:
            return []
        try:
            freq = _frequencies(ctx.language)
        except (LookupError, ValueError):
            return []  # wordfreq has no list for this language
        if not set(_LOWER_WORD_CANDIDATE.findall(text)).difference(freq):
            return []  # every long lower-case word is a known word: the usual case
        flags = []
        for m in _LOWER_WORD_CANDIDATE.finditer(text):
            word = m.group()
            if word in freq or not _is_lower_word(text, m.start(), m.end()):
                continue
            flags += self._flag_word(text, m.start(), m.end(), freq)
        return flags

    def _flag_word(self, text: str, start: int, end: int, freq: dict[str, float]) -> list[Flag]:
        word = text[start:end]
        if _in_link_or_markup(text, start, end):
            return []
        split = self._best_split(word, freq)
        if not split or _known_in_any_language(word, self.KNOWN_IN):
            return []
        return [
            Flag(self.name, start, end, f"'{word}' is not a known word; probably '{split[0]} {split[1]}' run together")
        ]

    def _best_split(self, word: str, freq: dict[str, float]):
        best, best_score = None, 0.0
        for i in range(2, len(word) - 1):
            left, right = word[:i], word[i:]
            fl, fr = freq.get(left, 0.0), freq.get(right, 0.0)
            if (
                fl >= self.min_part_frequency
                and fr >= self.min_part_frequency
                and max(fl, fr) >= self.min_common_part_frequency
                and min(fl, fr) > best_score
            ):
                best, best_score = (left, right), min(fl, fr)
        return best


def _in_link_or_markup(text: str, start: int, end: int) -> bool:
    """Whether a word is part of a URL, e-mail address, handle, hashtag, path or tag name (`@edhenry`,
    `bostonherald.com`, `/etc/stunnel/`, `</blockquote>`): names there are written without spaces."""
    before, after = text[start - 1 : start], text[end : end + 2]
    if before and before in "/@#.:\\<_=&?~$" or after[:1] == "=":
        return True
    return len(after) == 2 and after[0] in "./@_\\:=?&" and after[1].isalnum()


def _known_in_any_language(word: str, languages: tuple[str, ...]) -> bool:
    for language in languages:
        try:
            if word in _frequencies(language):
                return True
        except (LookupError, ValueError):
            continue
    return False
