"""The residue model's features: what each line of a text is and where it stands, as numbers.

:func:`line_features` gives one row of :data:`FEATURES` per line (the model in
:mod:`corpus.rules.residue_model` was trained on them, bench/train_residue.py). Each feature is
defined on one line on its own (the patterns below, a word count, a share of stop words), but
computed for all the lines of a text at once: character classes with numpy over the code points,
each pattern by a few passes over the whole text with its matches counted per line, the words by
one split of the text. A loop over the lines cost ~16 µs a line, 3 ms a page, most of cleaning
real text. tests/test_residue_features.py holds the plain per-line definition and checks that
the two agree, feature by feature, on generated and tricky lines.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from itertools import repeat
from operator import itemgetter

import numpy as np

# --- What a line says: the definitions, each on one line on its own --------------------------

# Sentence-final punctuation, with closing quotes and brackets after it allowed.
_SENTENCE_END = re.compile(r"[.!?…。！？](?:[\"'”’»)\]]*)\s*$")
# The patterns below run on the lower-cased line.
_URL = re.compile(r"https?://|www\.|\.(?:com|org|net|co\.uk|de|fr|html?|php)\b")
_HANDLE = re.compile(r"(?:^|\s)[@#]\w{2,}|pic\.twitter\.com|\(@\w+\)")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_MONTH_NAMES = (
    "januar|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|septembre"
    "|octobre|novembre|décembre"
)
_DATE = re.compile(
    r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}\b"
    rf"|\b(?:{_MONTHS})[a-z]*\.? \d{{1,2}}\b"
    rf"|\b\d{{1,2}}\.? (?:{_MONTHS}|{_MONTH_NAMES})"
)
# Words and phrases of page furniture, in the languages of the development pages.
_FURNITURE_WORDS = frozenset(
    "share tweet follow subscribe subscription newsletter login register cookie cookies privacy terms sponsored "
    "copyright related comment comments reply click photo image credit getty reuters shutterstock loading "
    "menu home search next previous print email e-mail download app facebook twitter instagram whatsapp "
    "linkedin youtube tiktok impressum datenschutz kontakt anmelden teilen abonnieren weiterlesen partager "
    "connexion abonnez suivez compartir udostępnij zaloguj reklama condividi accedi iscriviti".split()
)
_FURNITURE_PHRASES = (
    "sign in",
    "sign up",
    "log in",
    "rights reserved",
    "read more",
    "more stories",
    "contact us",
    "about us",
    "skip to",
    "mehr zum thema",
    "lire aussi",
    "iniciar sesión",
    "czytaj też",
    "czytaj także",
    "©",
    "»",
    "›",
    "|",
    "advertis",
    "kommentar",
    "suscr",
)
_FURNITURE_PHRASE = re.compile("|".join(map(re.escape, _FURNITURE_PHRASES)))
# A word of the stop-word and furniture counts: a run of characters between spaces and these.
_WORD_SEPARATORS = "\"'()[]“”‘’«».,;:!?"
_WORD = re.compile("[^\\s" + re.escape(_WORD_SEPARATORS) + "]+")
# Lines that are residue wherever they stand, by shapes that recur across sites: follow and
# subscribe prompts, tweet embeds and their attribution, reporter contact lines, loading
# placeholders, image credits. A feature of the model, and taken by the rule whatever it scores.
KNOWN_RESIDUE = re.compile(
    r"(?i)^(?:follow|like) us\b|pic\.twitter\.com/\w+|^[—–-]\s*[^()]{1,80}\(@\w+\)\s*\w+\.? \d{1,2},? \d{4}$"
    r"|^to contact the (?:reporters?|editors?|authors?|writers?)\b.{0,40}\bthis (?:story|article)"
    r"|^(?:loading|please wait)\b.{0,60}(?:\.\.\.|…)$"
    r"|^(?:photo|image|picture|illustration|photograph|foto|bild|zdjęcie)s?(?: credit)?\s*[:©/]"
    r"|^(?:subscribe|sign up|already a (?:subscriber|member)|become a (?:subscriber|member)|log in to)\b.{0,160}$"
    r"|^(?:click|tap) here\b|^(?:share|tweet) (?:this|on)\b.{0,60}$"
)
_KNOWN_RESIDUE_START = re.compile(KNOWN_RESIDUE.pattern.replace("pic\\.twitter\\.com/\\w+|", ""))


def known_residue(line: str) -> bool:
    """KNOWN_RESIDUE.search(line), faster: every alternative but one is anchored at the start."""
    return "pic.twitter.com/" in line or _KNOWN_RESIDUE_START.match(line) is not None


# --- The same, over a whole text ---------------------------------------------------------------
# Each pattern above as passes over the lines joined by line breaks. No match may run across a
# line break (\s and [^()] could), "^" and "$" are the line's ends, and each pass starts with a
# literal where it can: re finds a literal with a fast search, but tests a class of characters at
# every position (5-10 times slower; the furniture phrases as one alternation, 200 µs a page).

_URL_PASSES = (
    re.compile(r"https?://"),
    re.compile(r"www\."),
    re.compile(r"\.(?:com|org|net|co\.uk|de|fr|html?|php)\b"),
)
# "(?:^|\s)" before "@" or "#" is "not after a non-space": the line break before a line is a space.
_HANDLE_PASSES = (
    re.compile(r"@(?<!\S@)\w{2,}"),
    re.compile(r"#(?<!\S#)\w{2,}"),
    re.compile(r"pic\.twitter\.com"),
    re.compile(r"\(@\w+\)"),
)
# Dates, on the lines with a digit only (each date has one). "\b" before a digit or a month is
# "not after a word character", looked for behind the first digit or the month's three letters.
_DATE_PASSES = (
    re.compile(
        r"\d(?<!\w\d)(?:\d?[./]\d{1,2}[./]\d{2,4}\b|\d{3}-\d{2}-\d{2}\b|\d?:\d{2}\b"
        rf"|\d?\.? (?:{_MONTHS}|{_MONTH_NAMES}))"
    ),
    *(re.compile(rf"{month}(?<!\w\w\w\w)[a-z]*\.? \d{{1,2}}\b") for month in _MONTHS.split("|")),
)
# The first characters of KNOWN_RESIDUE's alternatives: a line starting with none is passed over
# by one look-ahead (re tried each group's first letter in turn, case-insensitively: -25%).
_KNOWN_RESIDUE_FIRST = "abcfilpstz—–-"
# KNOWN_RESIDUE over "\n" + the text: its anchor at a line's start is the line break before it. The
# alternatives are grouped by their first letter: re tries each alternative at every line break, and
# one failed letter rules out a group (the pass took half the time). Any match suffices, and none
# runs past its line's end, so the order of the alternatives does not matter.
_KNOWN_RESIDUE_PASSES = (
    re.compile(
        r"\n(?=(?i:[" + _KNOWN_RESIDUE_FIRST + r"]))(?i:"
        r"a(?:lready a (?:subscriber|member)\b.{0,160}$)"
        r"|b(?:ild(?:s?(?: credit)?[^\S\n]*[:©/])|ecome a (?:subscriber|member)\b.{0,160}$)"
        r"|c(?:lick here\b)"
        r"|f(?:ollow us\b|oto(?:s?(?: credit)?[^\S\n]*[:©/]))"
        r"|i(?:mage|llustration)s?(?: credit)?[^\S\n]*[:©/]"
        r"|l(?:ike us\b|oading\b.{0,60}(?:\.\.\.|…)$|og in to\b.{0,160}$)"
        r"|p(?:lease wait\b.{0,60}(?:\.\.\.|…)$|(?:hoto|icture|hotograph)s?(?: credit)?[^\S\n]*[:©/])"
        r"|s(?:ubscribe\b.{0,160}$|ign up\b.{0,160}$|hare (?:this|on)\b.{0,60}$)"
        r"|t(?:o contact the (?:reporters?|editors?|authors?|writers?)\b.{0,40}\bthis (?:story|article)"
        r"|ap here\b|weet (?:this|on)\b.{0,60}$)"
        r"|zdjęcie(?:s?(?: credit)?[^\S\n]*[:©/])"
        r"|[—–-][^\S\n]*[^()\n]{1,80}\(@\w+\)[^\S\n]*\w+\.? \d{1,2},? \d{4}$)",
        re.M,
    ),
)
_PIC_TWITTER = re.compile(re.escape("pic.twitter.com/"))


FEATURES = [
    "log_chars",
    "log_words",
    "sentence_end",
    "ends_colon",
    "starts_upper",
    "stopword_share",
    "digit_share",
    "upper_share",
    "punct_share",
    "url",
    "handle",
    "date",
    "furniture",
    "furniture_share",
    "title_case_share",
    "mean_word_len",
    "cjk_share",
    "known_residue",
    "starts_lower",
    "position",
    "char_position",
    "rel_length",
    "is_first",
    "is_last",
    "prev_log_chars",
    "next_log_chars",
    "prev_sentence_end",
    "next_sentence_end",
    "short_run",
    "dist_sentence_line",
    "window_sentence_lines",
    "doc_sentence_share",
    "doc_log_lines",
    "block_share",
    "in_densest_block",
    "dist_densest_block",
    "before_densest_block",
    "after_densest_block",
    "words_outside_densest",
    "words_after_densest",
    "minor_block_sentence",
    "repeated_in_text",
    "window_title_case",
    "window_furniture",
    "window_date",
    "next_starts_lower",
    "sentence_fragment",
]
# A model trained with hashed words (word_weights) reads one feature more, after FEATURES.
WORDS_SAID = "words_said"


def line_features(
    lines: list[str],
    stopwords: frozenset[str],
    known: np.ndarray | None = None,
    sentence_end: np.ndarray | None = None,
    word_weights: np.ndarray | None = None,
) -> np.ndarray:
    """One row of FEATURES for each line of one text (lines without their line breaks, none empty).
    ``known`` (known_residue_lines) and ``sentence_end`` (sentence_ends): when the caller has them;
    ``word_weights``: the weight of each hashed word bucket, for a last column, WORDS_SAID."""
    if not lines:
        return np.zeros((0, len(FEATURES) + (word_weights is not None)))
    own, said = _own_features(lines, stopwords, known, sentence_end, word_weights)
    return _with_context(own, [lines], lines, said)


def texts_line_features(
    texts: list[list[str]],
    stopwords: frozenset[str],
    known: list[np.ndarray] | None = None,
    sentence_end: list[np.ndarray] | None = None,
    word_weights: np.ndarray | None = None,
) -> list[np.ndarray]:
    """line_features() of each of many texts (each a list of lines, none empty), with ``known`` and
    ``sentence_end`` for each when given. What each line is on its own is computed for the lines of
    several texts at once (about _CHUNK_CHARS characters): the ~50 regex passes and numpy calls
    cost ~100 µs a text however short it is."""
    found = []
    first = 0
    while first < len(texts):
        last, chars = first, 0
        while last < len(texts) and (last == first or chars < _CHUNK_CHARS):
            chars += sum(map(len, texts[last]))
            last += 1
        lines = [line for text in texts[first:last] for line in text]
        own, said = _own_features(
            lines,
            stopwords,
            None if known is None else np.concatenate(known[first:last]),
            None if sentence_end is None else np.concatenate(sentence_end[first:last]),
            word_weights,
        )
        features = _with_context(own, texts[first:last], lines, said)
        at = 0
        for text in texts[first:last]:
            found.append(features[at : at + len(text)])
            at += len(text)
        first = last
    return found


# Texts whose own features are computed together: enough to pay the fixed cost once for many
# real pages (~10,000 characters each), few enough for the arrays to stay in the CPU's cache.
_CHUNK_CHARS = 1 << 18


def _own_features(
    lines: list[str],
    stopwords: frozenset[str],
    known: np.ndarray | None = None,
    sentence_end: np.ndarray | None = None,
    word_weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The first 19 FEATURES, what each line is on its own, and WORDS_SAID (None without ``word_weights``)."""
    n = len(lines)
    own = np.zeros((n, 19))
    text = "\n".join(lines)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    classes = _class_table().take(codes)
    counts = _character_counts(lines, codes, classes)
    chars = np.maximum(counts[:, _CHARS], 1)
    words = np.maximum(counts[:, _WORDS], 1)  # runs between spaces, as str.split() counts them
    own[:, 0] = np.log1p(counts[:, _CHARS])
    own[:, 1] = _log1p_of_counts(words)
    own[:, 3] = counts[:, _ENDS_COLON]
    own[:, 4] = counts[:, _STARTS_UPPER]
    own[:, 18] = counts[:, _STARTS_LOWER]
    own[:, 6] = counts[:, _DIGITS] / chars
    own[:, 7] = counts[:, _UPPERS] / np.maximum(counts[:, _LETTERS], 1)
    own[:, 8] = counts[:, _PUNCTS] / chars
    own[:, 14] = np.minimum(counts[:, _TITLE_WORDS] / words, 1.0)
    own[:, 15] = np.minimum((counts[:, _CHARS] - counts[:, _SPACES]) / words, 20) / 20
    own[:, 16] = counts[:, _CJKS] / chars
    own[:, 17] = known_residue_lines(lines, line_starts_of(lines)) if known is None else known
    # On the lower-cased line by definition, the same on the line: lower-casing moves no sentence end.
    own[:, 2] = sentence_ends(lines) if sentence_end is None else sentence_end
    # The rest is read from the lower-cased text, whose lines may be longer than the lines ("İ"
    # lower-cases to two characters): positions in it count against its own line starts.
    lower_text, separated = _lowered(text, codes, classes)
    if len(lower_text) == len(text):  # each character lower-cased into one: the same line starts
        lengths = counts[:, _CHARS].astype(np.int64)
        lower_starts = np.cumsum(lengths + 1) - (lengths + 1)
        lowers = None
    else:
        lowers = lower_text.split("\n")
        lower_starts = line_starts_of(lowers)
    words_of_text = _Words(separated)
    stop_words, furniture_words = _word_counts(words_of_text, counts[:, _TOKENS], stopwords)
    own[:, 5] = stop_words / np.maximum(counts[:, _TOKENS], 1)
    said = None if word_weights is None else words_said(words_of_text, counts[:, _TOKENS], word_weights)
    own[:, 9] = lines_matching(_URL_PASSES, lower_text, lower_starts)
    own[:, 10] = lines_matching(_HANDLE_PASSES, lower_text, lower_starts)
    if lowers is None:
        ends = lower_starts + lengths
        for passes, lines_to_try in zip(
            (_DATE_PASSES[:1], _DATE_PASSES[1:]), _date_lines(codes, classes, lower_starts)
        ):
            if lines_to_try.size:
                starts, stops = lower_starts[lines_to_try].tolist(), ends[lines_to_try].tolist()
                tried = [lower_text[start:stop] for start, stop in zip(starts, stops)]
                own[lines_to_try, 11] += lines_matching(passes, "\n".join(tried), line_starts_of(tried))
        own[:, 11] = own[:, 11] > 0
    else:
        with_digits = np.flatnonzero(counts[:, _DIGITS] > 0)
        digit_lines = [lowers[i] for i in with_digits.tolist()]
        own[with_digits, 11] = lines_matching(_DATE_PASSES, "\n".join(digit_lines), line_starts_of(digit_lines))
    # The one-character phrases where the text has them (the same places in lower_text, when it is as long).
    characters = np.flatnonzero((classes & _FURNITURE_CHARACTER) > 0) if lowers is None else None
    furniture = furniture_words + _furniture_phrases(lower_text, lower_starts, characters, words_of_text)
    own[:, 12] = furniture > 0
    own[:, 13] = np.minimum(furniture / words, 1.0)
    return own, said


def _date_lines(codes: np.ndarray, classes: np.ndarray, line_starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lines where the first of _DATE_PASSES can match, and where the others (a month, then a
    day) can: a superset read off the code points around each digit (``codes``, ``classes``: of
    the text whose lines start at line_starts; lower-cased by the table, they are the lower-cased
    text's). Every date of the first pass has a digit followed by one of "./:-" and a digit, or by
    a space (or ". ") and the first letter of a month; of the others, a digit after a space after a
    letter or a full stop. A regex pass that starts with a digit tries every character (~5 µs a
    page on the ~20% of lines with a digit); these lines are a third to a half of those."""
    digits = np.flatnonzero((classes & _DIGIT) > 0)
    if not digits.size:
        return digits, digits
    lower = _lower_table()

    def after(k: int) -> np.ndarray:  # the code point k after each digit, lower-cased (clipped at the end)
        return lower.take(codes.take(digits + k, mode="clip"))

    next1, next2 = after(1), after(2)
    first = (
        (_DATE_SEPARATOR.take(np.minimum(next1, 127)) & ((classes.take(digits + 2, mode="clip") & _DIGIT) > 0))
        | ((next1 == ord(" ")) & _MONTH_LETTER.take(np.minimum(next2, 127)))
        | ((next1 == ord(".")) & (next2 == ord(" ")) & _MONTH_LETTER.take(np.minimum(after(3), 127)))
    )
    month_day = (after(-1) == ord(" ")) & _MONTH_END.take(np.minimum(after(-2), 127))
    line = np.searchsorted(line_starts, digits, side="right") - 1
    return np.unique(line[first]), np.unique(line[month_day])


def _ascii_set(characters: str) -> np.ndarray:
    table = np.zeros(128, bool)
    table[[ord(c) for c in characters]] = True
    return table


_DATE_SEPARATOR = _ascii_set("./:-")
_MONTH_LETTER = _ascii_set("".join({name[0] for name in (_MONTHS + "|" + _MONTH_NAMES).split("|")}))
_MONTH_END = _ascii_set("abcdefghijklmnopqrstuvwxyz.")


def _with_context(
    own: np.ndarray, texts: list[list[str]], lines: list[str], said: np.ndarray | None = None
) -> np.ndarray:
    """The own features of each line of the texts (``lines``: theirs one after the other, ``own``
    their rows) and the rest of
    FEATURES, where it stands among the other lines of its text. Every text at once: numpy calls
    over the lines of all texts, with each text's ends as walls (per text, their fixed cost was
    most of this step); only sums of fractions stay per text, so that each adds up in the order
    a text alone adds it up, to the bit."""
    n_all = own.shape[0]
    sizes = np.fromiter(map(len, texts), np.int64, len(texts))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    text_of = np.repeat(np.arange(sizes.size), sizes)
    first = starts.take(text_of)  # each line's text's first line
    n = sizes.take(text_of)  # and its number of lines
    idx = np.arange(n_all) - first  # each line's place in its text
    out = np.zeros((n_all, len(FEATURES) + (said is not None)))
    out[:, : own.shape[1]] = own
    if said is not None:
        out[:, -1] = said
    ctx = out[:, own.shape[1] :]
    log_chars, log_words, sentence_end = own[:, 0], own[:, 1], own[:, 2]
    chars = np.exp(log_chars) - 1
    # A "sentence line" is what a paragraph looks like: long enough and ending like a sentence
    # (or long, for a text in a script without spaces).
    sentence_line = ((log_words >= _LOG1P_10) & (sentence_end > 0)) | (log_chars >= _LOG1P_400)
    cum_chars = np.empty(n_all)
    for a, b in zip(starts.tolist(), ends.tolist()):
        np.cumsum(chars[a:b], out=cum_chars[a:b])
    ctx[:, 0] = idx / np.maximum(n - 1, 1)
    ctx[:, 1] = (cum_chars - chars) / np.maximum(cum_chars.take(ends - 1), 1.0).take(text_of)
    ctx[:, 2] = log_chars - np.maximum.reduceat(log_chars, starts).take(text_of)
    ctx[starts, 3] = 1.0
    ctx[ends - 1, 4] = 1.0
    _shifted(log_chars, starts, ends, out=ctx[:, 5:7])
    _shifted(sentence_end, starts, ends, out=ctx[:, 7:9])
    short = log_words <= _LOG1P_4
    ctx[:, 9] = np.log1p(_run_lengths(short, starts) * short)
    sentence_count = np.add.reduceat(sentence_line.astype(np.int64), starts)
    ctx[:, 10] = np.log1p(np.minimum(_distance_to(sentence_line, first, n), 50))
    ctx[:, 11] = window_mean(sentence_line.astype(float), 3, 0.0, text_of)
    ctx[:, 12] = (sentence_count / sizes).take(text_of)
    ctx[:, 13] = np.array([math.log1p(k) for k in sizes.tolist()]).take(text_of)
    ctx[:, 14:19] = densest_block(sentence_line, chars, text_of, sizes)
    # Interactions a linear model cannot make itself: a paragraph outside the article's body (a
    # comment, a teaser of another story) is residue where the same paragraph inside is not.
    ctx[:, 19] = log_words * (1 - ctx[:, 15])
    ctx[:, 20] = log_words * ctx[:, 18]
    ctx[:, 21] = sentence_line & (ctx[:, 14] < 0.1)
    ctx[:, 22] = _repeated(texts, n_all)
    ctx[:, 23] = window_mean(own[:, 14], 2, 0.0, text_of)
    # A comment section: paragraphs among time stamps and "Reply" lines.
    ctx[:, 24] = window_mean(own[:, 12], 3, 0.0, text_of)
    ctx[:, 25] = window_mean(own[:, 11], 3, 0.0, text_of)
    # A piece of a sentence: whole-page text that puts each text node on its own line cuts a
    # paragraph at its links ("Die" / "Bedeutungen der" / "Lizenzen ..."); its pieces go on from
    # a line that does not end like a sentence, lower-case, where menu items start anew.
    starts_lower = own[:, 18] > 0
    next_lower = np.zeros(n_all, bool)
    next_lower[:-1] = starts_lower[1:]
    next_lower[ends - 1] = False
    open_before = np.zeros(n_all, bool)
    open_before[1:] = sentence_end[:-1] == 0
    open_before[starts] = False
    ctx[:, 26] = next_lower
    ctx[:, 27] = (starts_lower & open_before) | (next_lower & (sentence_end == 0))
    return out


def _shifted(values: np.ndarray, starts: np.ndarray, ends: np.ndarray, out: np.ndarray) -> None:
    """Into ``out``'s two columns: each line's value of the line before it and after it in its text
    (0 for the first, the last line of a text)."""
    out[1:, 0] = values[:-1]
    out[starts, 0] = 0.0
    out[:-1, 1] = values[1:]
    out[ends - 1, 1] = 0.0


_LOG1P_4, _LOG1P_10, _LOG1P_400 = math.log1p(4), math.log1p(10), math.log1p(400)


def line_starts_of(lines: list[str]) -> np.ndarray:
    """Where each line starts in the lines joined by line breaks."""
    lengths = np.fromiter(map(len, lines), np.int64, len(lines)) + 1
    return np.cumsum(lengths) - lengths


def known_residue_lines(lines: list[str], line_starts: np.ndarray) -> np.ndarray:
    """known_residue() of each line (lines starting at line_starts when joined by line breaks)."""
    text = "\n".join(lines)
    return lines_matching(_KNOWN_RESIDUE_PASSES, "\n" + text, line_starts) | lines_matching(
        (_PIC_TWITTER,), text, line_starts
    )


def sentence_ends(lines: list[str]) -> np.ndarray:
    """_SENTENCE_END.search() of each line (none empty): its last character once the spaces
    (str.rstrip strips what ``\\s`` matches) and then the closing quotes and brackets after it are
    stripped is a sentence end. A regex pass tried every full stop of the text; this looks at each
    line's last character, and strips only the few lines ending with a space or a closer."""
    kind = np.fromiter(map(_LAST_CHARACTER.get, map(itemgetter(-1), lines), repeat(0)), np.int8, len(lines))
    ends = kind == 1
    for i in np.flatnonzero(kind == 2).tolist():
        ends[i] = lines[i].rstrip().rstrip(_CLOSERS)[-1:] in _SENTENCE_END_CHARS
    return ends


_SENTENCE_END_CHARS = frozenset(".!?…。！？")
_CLOSERS = "\"'”’»)]"
# A line's last character: 1 a sentence end, 2 a space or a closer (strip and look again), else 0.
_LAST_CHARACTER = {
    **dict.fromkeys(_SENTENCE_END_CHARS, 1),
    **dict.fromkeys(_CLOSERS, 2),
    **dict.fromkeys((chr(c) for c in range(0x3001) if chr(c).isspace()), 2),
}


def lines_matching(passes: tuple[re.Pattern, ...], text: str, line_starts: np.ndarray) -> np.ndarray:
    """Whether any of the passes matches in each line of ``text`` (lines starting at line_starts)."""
    return _per_line([m.start() for p in passes for m in p.finditer(text)], line_starts, line_starts.size) > 0


def lines_containing(literal: str, text: str, line_starts: np.ndarray) -> list[int]:
    """The lines of ``text`` (starting at line_starts) in which ``literal`` occurs, found by str.find."""
    found = []
    at = text.find(literal)
    while at >= 0:
        found.append(at)
        at = text.find(literal, at + 1)
    if not found:
        return []
    return np.unique(np.searchsorted(line_starts, found, side="right") - 1).tolist()


def _furniture_phrases(
    lower_text: str, line_starts: np.ndarray, characters: np.ndarray | None = None, words: _Words | None = None
) -> np.ndarray:
    """How many matches of _FURNITURE_PHRASE fall in each line: each phrase found with str.find,
    then taken as the alternation's scan takes them (leftmost first, at one place the phrase listed
    first, none overlapping the one taken before). A str.find pass costs ~1 ns a character (its
    skips are short on text), ~7 µs a page for each phrase; so, when the caller has them:
    ``characters``, where the one-character phrases are (each is taken: no other phrase holds
    one, so none overlaps them), and ``words``, the _WORDs of lower_text, from which the phrases
    of two words or more are found (_phrases_between_words)."""
    if characters is None and words is None:
        phrases = _PHRASE_RANKS
    else:
        phrases = [(phrase, rank) for phrase, rank in _PHRASE_RANKS if len(phrase) > 1 or characters is None]
        if words is not None:
            phrases = [(phrase, rank) for phrase, rank in phrases if " " not in phrase]
    found = []
    for phrase, rank in phrases:
        at = lower_text.find(phrase)
        while at >= 0:
            found.append((at, rank))
            at = lower_text.find(phrase, at + 1)
    if words is not None:
        found += _phrases_between_words(lower_text, words)
    taken, end = [], 0
    for at, rank in sorted(found):
        if at >= end:
            taken.append(at)
            end = at + len(_FURNITURE_PHRASES[rank])
    if characters is not None and characters.size:
        taken = np.concatenate((np.array(taken, np.int64), characters))
    return _per_line(taken, line_starts, line_starts.size)


_PHRASE_RANKS = [(phrase, rank) for rank, phrase in enumerate(_FURNITURE_PHRASES)]


def _phrases_between_words(lower_text: str, words: _Words) -> list[tuple[int, int]]:
    """(where, rank) of every match of each furniture phrase with a space in lower_text (``words``:
    its _WORDs). Its letters are _WORD characters and its space is a separator, so the part before
    the space ends a word and the part after starts the next: a pair of neighbouring words whose
    last two and first two letters are a phrase's there is tried with str.startswith; a pair that
    only shares their hash is tried and fails, as does any pair that is no match."""
    if words.starts.size < 2:
        return []
    table = _phrase_table()
    keys = words.keys
    pairs = table.hash((keys[3][:-1], keys[4][:-1], keys[1][1:], keys[2][1:]))
    candidates = table.slot.take(pairs)
    found = []
    for k in np.flatnonzero(candidates >= 0).tolist():
        space = int(words.ends[k])
        for phrase, rank, before in table.phrases[candidates[k]]:
            if space >= before and lower_text.startswith(phrase, space - before):
                found.append((space - before, rank))
    return found


class _PhraseTable:
    """The furniture phrases with a space, by the hash of their letters around the first space."""

    def __init__(self, bits: int = 16):
        self.shift = np.uint64(64 - bits)
        self.multipliers = np.random.default_rng(0).integers(1, 1 << 63, 4, dtype=np.uint64) * 2 + 1
        self.slot = np.full(1 << bits, -1, np.int16)
        # of each slot used: (phrase, rank, letters before the space)
        self.phrases: list[list[tuple[str, int, int]]] = []
        for phrase, rank in _PHRASE_RANKS:
            if " " not in phrase:
                continue
            before, after = phrase.split(" ", 1)
            if len(before) < 2 or len(after.split(" ")[0]) < 2:
                raise AssertionError(f"furniture phrase {phrase!r}: two letters or more on either side of its space")
            fields = [np.array([ord(c)], np.uint64) for c in (before[-2], before[-1], after[0], after[1])]
            slot = int(self.hash(fields)[0])
            if self.slot[slot] < 0:
                self.slot[slot] = len(self.phrases)
                self.phrases.append([])
            self.phrases[self.slot[slot]].append((phrase, rank, len(before)))

    def hash(self, fields) -> np.ndarray:
        h = fields[0] * self.multipliers[0]
        for field, multiplier in zip(fields[1:], self.multipliers[1:]):
            h = h + field * multiplier
        return h >> self.shift


@lru_cache(maxsize=1)
def _phrase_table() -> _PhraseTable:
    return _PhraseTable()


def _lowered(text: str, codes: np.ndarray, classes: np.ndarray) -> tuple[str, np.ndarray]:
    """``text.lower()``, and the code points of the same with each space and word separator a
    space " " (its _WORDs are the runs between those); ``codes``: the text's code points,
    ``classes``: their class bits. Read off a table by code point (str.lower and a regex
    substitution took twice as long), but for the two code points str.lower() lower-cases by their
    context ("Σ") or into two ("İ")."""
    if "\u0130" in text or "\u03a3" in text:
        lower = text.lower()
        lowered = _utf32(lower).copy()
        lowered[(_class_table().take(lowered) & _WORD_SEPARATOR_BIT) > 0] = ord(" ")
        return lower, lowered
    lowered = _lower_table().take(codes)
    lower = lowered.tobytes().decode("utf-32-le", "surrogatepass")
    lowered[(classes & _WORD_SEPARATOR_BIT) > 0] = ord(" ")  # no character lower-cases into a space
    return lower, lowered


def _utf32(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


@lru_cache(maxsize=1)
def _lower_table() -> np.ndarray:
    """For every code point, str.lower() of it on its own (itself for "İ" and "Σ", see _lowered)."""
    from corpus.tokens import all_code_points

    every = all_code_points().replace("\u0130", "").replace("\u03a3", "")
    table = np.arange(len(every) + 2, dtype=np.uint32)
    table[np.frombuffer(every.encode("utf-32-le", "surrogatepass"), np.uint32)] = np.frombuffer(
        every.lower().encode("utf-32-le", "surrogatepass"), np.uint32
    )
    return table


def _word_counts(words: _Words, per_line: np.ndarray, stopwords: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per line, given how many of the ``words`` (_WORDs of the lower-cased text) each has: how many
    are stop words and how many words of page furniture. Each word is looked up by its key
    (WordTable: a split and a dict lookup a word cost ~80 ns a word, most of the model's reading of
    a page)."""
    line = np.repeat(np.arange(per_line.size), per_line.astype(np.int64))
    if line.size != words.starts.size:  # cannot be (lower-casing keeps each word a word), but never misalign
        raise AssertionError("the residue model's words per line disagree with its words")
    kind = _word_table(stopwords).kinds(words)
    return (
        np.bincount(line, weights=kind & _STOP_WORD, minlength=per_line.size),
        np.bincount(line, weights=(kind & _FURNITURE_WORD) > 0, minlength=per_line.size),
    )


# --- What a line says, learned ----------------------------------------------------------------
# Each _WORD of the lower-cased line, and each pair of neighbouring words, is hashed into one of
# 2**bits buckets (the hashing trick of fastText / Vowpal Wabbit); each bucket has a weight the
# training learned with the other features (bench/train_residue.py), so "newsletter", "abonnez",
# "all rights" or "photo:" count without a list of them in any language. A word is its key
# (_key_fields: its length and its first and last two characters), hashed with fixed
# multipliers: the model file's weights mean the same buckets in every process.
_BUCKET_MULTIPLIERS = np.random.default_rng(16).integers(1, 1 << 63, 5, dtype=np.uint64) * 2 + 1
_PAIR_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def word_buckets(words: _Words, per_line: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The line and the bucket of each word and of each pair of neighbouring words of one line
    (``per_line``: how many of the ``words`` each line has, one line after the other)."""
    line = np.repeat(np.arange(per_line.size), per_line.astype(np.int64))
    keys = words.keys
    h = keys[0] * _BUCKET_MULTIPLIERS[0]
    for field, multiplier in zip(keys[1:], _BUCKET_MULTIPLIERS[1:]):
        h += field * multiplier
    shift = np.uint64(64 - bits)
    same_line = np.flatnonzero(line[1:] == line[:-1])
    pairs = h.take(same_line) * _PAIR_MULTIPLIER + h.take(same_line + 1)
    return np.concatenate((line, line.take(same_line))), np.concatenate((h >> shift, pairs >> shift))


def words_said(words: _Words, per_line: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per line, the weights of its words' and word pairs' buckets, summed, over the square root of
    its words (``weights``: 2**bits of them)."""
    lines, buckets = word_buckets(words, per_line, int(weights.size).bit_length() - 1)
    said = np.bincount(lines, weights=weights.take(buckets), minlength=per_line.size)
    return said / np.sqrt(np.maximum(per_line, 1))


def lines_word_buckets(lines: list[str], bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For training: the line and bucket of each word and word pair of the lines, and each line's
    number of words (words_said's divisor is its square root)."""
    text = "\n".join(lines)
    codes = _utf32(text)
    classes = _class_table().take(codes)
    per_line = _character_counts(lines, codes, classes)[:, _TOKENS]
    line, bucket = word_buckets(_Words(_lowered(text, codes, classes)[1]), per_line, bits)
    return line, bucket, per_line


class _Words:
    """The _WORDs of a lower-cased text given as code points with each space and word separator
    " " (_lowered): where each starts and ends (end-exclusive), and its key (_key_fields)."""

    __slots__ = ("codes", "starts", "ends", "keys")

    def __init__(self, separated: np.ndarray):
        self.codes = separated
        self.starts, self.ends = _word_bounds(separated)
        self.keys = _key_fields(separated, self.starts, self.ends)


def _word_bounds(separated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each word (a run of code points other than " ") starts and ends (end-exclusive)."""
    space = separated == ord(" ")
    bounds = np.flatnonzero(space[1:] != space[:-1]) + 1
    if space.size and not space[0]:
        bounds = np.concatenate(([0], bounds))
    if space.size and not space[-1]:
        bounds = np.concatenate((bounds, [space.size]))
    return bounds[0::2], bounds[1::2]


_STOP_WORD, _FURNITURE_WORD = 1, 2


@lru_cache(maxsize=4)
def _word_kinds(stopwords: frozenset[str]) -> dict[str, int]:
    """The stop words and the words of page furniture, each with its kind bits."""
    kinds = dict.fromkeys(stopwords, _STOP_WORD)
    for word in _FURNITURE_WORDS:
        kinds[word] = kinds.get(word, 0) | _FURNITURE_WORD
    return kinds


@lru_cache(maxsize=4)
def _word_table(stopwords: frozenset[str]) -> WordTable:
    return WordTable(_word_kinds(stopwords))


class WordTable:
    """The kind bits of a few hundred words, looked up for all the words of a text at once.

    A word's key is its length and its first two and last two characters (all of a word of four
    or fewer): read for every word by a few gathers, where a split made a string of each word.
    The key's hash leads to a slot of a table, the slot to the one known word with that hash; the
    word is that one when its key is the same and, past four characters, its middle too, compared
    character by character. A slot that two known words share (the same key, or two keys with
    one hash: ``bits`` sets how likely) sends its words to a dict lookup of the word itself."""

    def __init__(self, kinds: dict[str, int], bits: int = 16):
        self.by_word = kinds
        self.words = sorted(word for word in kinds if _WORD.fullmatch(word))  # no other word is ever found
        self.longest = max(map(len, self.words))
        self.shift = np.uint64(64 - bits)
        self.keys = _Words(_utf32(" ".join(self.words))).keys
        self.kind = np.array([kinds[w] for w in self.words], np.uint8)
        self.middle = np.zeros((len(self.words), self.longest), np.uint32)  # each known word's code points
        for i, word in enumerate(self.words):
            self.middle[i, : len(word)] = _utf32(word)
        # Multipliers that leave no two keys in one slot, when a few tries find them (fewer
        # shared slots, fewer dict lookups: either way each word is looked up exactly).
        best = None
        for seed in range(64):
            multipliers = np.random.default_rng(seed).integers(1, 1 << 63, 5, dtype=np.uint64) * 2 + 1
            slots = self._hash(self.keys, multipliers)
            shared = len(self.words) - np.unique(slots).size
            if best is None or shared < best[0]:
                best = (shared, multipliers, slots)
            if not shared:
                break
        _, self.multipliers, slots = best
        self.slot = np.full(1 << bits, -1, np.int16)  # the known word in each slot, -2 for two or more
        for i, slot in enumerate(slots.tolist()):
            self.slot[slot] = i if self.slot[slot] == -1 else -2

    def _hash(self, keys: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
        """The top bits of the sum of each key field times its multiplier (modulo 2**64)."""
        h = keys[0] * multipliers[0]
        for field, multiplier in zip(keys[1:], multipliers[1:]):
            h += field * multiplier
        return h >> self.shift

    def kinds(self, words: _Words) -> np.ndarray:
        """The kind bits of each of the words (0 for a word not known)."""
        kind = np.zeros(words.starts.size, np.uint8)
        if not words.starts.size:
            return kind
        keys, codes = words.keys, words.codes
        slot = self.slot.take(self._hash(keys, self.multipliers))
        hit = np.flatnonzero(slot >= 0)
        known = slot.take(hit).astype(np.int64)
        same = np.ones(hit.size, bool)
        for field, of_known in zip(keys, self.keys):
            same &= field.take(hit) == of_known.take(known)
        hit, known = hit[same], known[same]
        # The middle of the longer words, character by character: column j of the words longer than j + 2.
        at = words.starts.take(hit)
        length = self.keys[0].take(known)
        rows = np.flatnonzero(length > 4)
        for j in range(2, self.longest - 2):
            rows = rows[length.take(rows) > j + 2]
            if not rows.size:
                break
            same = codes.take(at.take(rows) + j) == self.middle[known.take(rows), j]
            if not same.all():
                known[rows[~same]] = -1
                rows = rows[same]
        found = known >= 0
        kind[hit[found]] = self.kind.take(known[found])
        for i in np.flatnonzero(slot == -2).tolist():
            word = codes[words.starts[i] : words.ends[i]].tobytes().decode("utf-32-le", "surrogatepass")
            kind[i] = self.by_word.get(word, 0)
        return kind


def _key_fields(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each word's length and its first two and last two code points (of a one-character word,
    its one four times; of a two-character word, each twice; for a word of four or fewer, the key
    says which word it is), as five rows of uint64."""
    last = ends - 1
    return np.stack(
        [
            (ends - starts).astype(np.uint64),
            codes.take(starts),
            codes.take(np.minimum(starts + 1, last)),
            codes.take(np.maximum(last - 1, starts)),
            codes.take(last),
        ]
    ).astype(np.uint64)


def _repeated(texts: list[list[str]], n: int) -> np.ndarray:
    """Whether each of the ``n`` lines of the texts occurs more than once in its text (a menu at the
    head and the foot, "Reply"). Text by text: lines of two texts are no repetition."""
    out = np.zeros(n)
    at = 0
    for lines in texts:
        seen = Counter(lines)
        if len(seen) < len(lines):
            out[at : at + len(lines)] = np.fromiter(map(seen.__getitem__, lines), np.int64, len(lines)) > 1
        at += len(lines)
    return out


def _per_line(positions: list[int], line_starts: np.ndarray, n: int) -> np.ndarray:
    """How many of the character positions fall in each of the n lines starting at line_starts."""
    if not len(positions):
        return np.zeros(n, int)
    return np.bincount(np.searchsorted(line_starts, positions, side="right") - 1, minlength=n)


# Sentence lines this many lines apart or closer are one block (a subheading, a photo caption
# between two paragraphs).
BLOCK_GAP = 2


def densest_block(sentence_line: np.ndarray, chars: np.ndarray, text_of: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Where each line stands relative to the blocks of sentence lines of its text (``text_of``: each
    line's text, ``sizes``: each text's lines), as the heuristic "keep the densest block" sees them:
    the share of the text's sentence characters in its block, whether it is in the densest block,
    how far from it (log lines), and whether before or after it."""
    n = sentence_line.size
    out = np.zeros((n, 5))
    where = np.flatnonzero(sentence_line)
    block_of_text = np.zeros(sizes.size + 1, np.int64)  # the blocks of text t: block_of_text[t:t + 2]
    if where.size:
        text = text_of.take(where)
        new_block = np.empty(where.size, bool)
        new_block[0] = True
        np.greater(where[1:] - where[:-1], BLOCK_GAP + 1, out=new_block[1:])
        new_block[1:] |= text[1:] != text[:-1]
        first_of_block = np.flatnonzero(new_block)
        last_of_block = np.empty_like(first_of_block)
        last_of_block[:-1] = first_of_block[1:] - 1
        last_of_block[-1] = where.size - 1
        starts, ends = where[first_of_block], where[last_of_block]
        block_chars = np.add.reduceat(chars[where], first_of_block)
        block_of_text[1:] = np.cumsum(np.bincount(text[first_of_block], minlength=sizes.size))
        # Per text, as a text alone sums its blocks (numpy's sum adds up in pairs) and finds the densest.
        total = np.ones(sizes.size)
        lo = np.full(sizes.size, n)
        hi = np.full(sizes.size, -1)
        bounds = block_of_text.tolist()
        for t in np.flatnonzero(block_of_text[1:] > block_of_text[:-1]).tolist():
            mine = block_chars[bounds[t] : bounds[t + 1]]
            total[t] = max(mine.sum(), 1.0)
            densest = bounds[t] + int(np.argmax(mine))
            lo[t], hi[t] = starts[densest], ends[densest]
        share = block_chars / total.take(text[first_of_block])
        # Each line's block: +1 where a block starts, -1 after it ends; a line inside one has a sum of 1.
        # (Blocks of two texts may touch: the last line of one, the first of the next.)
        edges = np.zeros(n + 1, np.int64)
        edges[starts] = 1
        block = np.cumsum(edges[:n]) - 1  # the last block starting at or before the line
        edges[ends + 1] -= 1
        inside = np.cumsum(edges[:n]) > 0
        out[inside, 0] = share[block[inside]]
        at = np.arange(n)
        lo, hi = lo.take(text_of), hi.take(text_of)
        before, after = at < lo, at > hi
        out[:, 1] = ~before & ~after
        out[:, 3] = before
        out[:, 4] = after
        distance = np.where(before, lo - at, 0) + np.where(after, at - hi, 0)
        out[:, 2] = np.log1p(np.minimum(distance, 50))
    # A text without a sentence line: no block, far from one.
    none = (block_of_text[1:] == block_of_text[:-1]).take(text_of)
    out[none, 1:] = 0.0
    out[none, 2] = math.log1p(50)
    return out


# The columns of _character_counts.
_CHARS, _LETTERS, _DIGITS, _UPPERS, _PUNCTS, _CJKS, _SPACES, _TITLE_WORDS, _WORDS, _TOKENS = range(10)
_STARTS_UPPER, _ENDS_COLON, _STARTS_LOWER = 10, 11, 12


def _character_counts(lines: list[str], codes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Per line: characters, letters, digits, upper-case letters, punctuation, CJK characters,
    spaces, words starting upper-case, words (runs between spaces, as str.split() finds them),
    _WORDs (lower-casing keeps each a word: tests/test_residue_features.py), whether it starts with
    an upper-case letter or a digit (str.isupper, str.isdigit), whether it ends with a colon,
    whether it starts with a lower-case letter or _CONTINUATION_START;
    counted with numpy over the code points of all lines at once (``codes``, of the lines joined by
    line breaks, and their class bits ``classes``)."""
    n = len(lines)
    out = np.zeros((n, 13))
    lengths = np.fromiter(map(len, lines), np.int64, n)
    out[:, _CHARS] = lengths
    filled = lengths > 0  # reduceat would give an empty line its next neighbour's count
    if not filled.any():
        return out
    starts = (np.cumsum(lengths + 1) - (lengths + 1))[filled]
    # Each line's counts run to the next line's start: over the line breaks after it, each a space.
    breaks = np.diff(starts, append=codes.size) - lengths[filled]
    rows = slice(None) if filled.all() else filled
    word_start = _run_starts((classes & _SPACE) > 0, starts)
    title_word = word_start & ((classes & _UPPER) > 0)
    if (lengths[filled] + breaks).max() < 1 << 16:
        # Four counts of under 2**16 in each 64-bit sum: two reduceats count eight things at once,
        # the class bits 0-3 (letter, digit, upper, punctuation), then 4-5 (CJK, space) and the word starts.
        word_bits = title_word.view(np.uint8) | (word_start.view(np.uint8) << np.uint8(1))
        for first, four_bits in (
            (_LETTERS, classes & np.uint8(15)),
            (_CJKS, ((classes >> np.uint8(4)) & np.uint8(3)) | (word_bits << np.uint8(2))),
        ):
            sums = np.add.reduceat(_FOUR_FIELDS.take(four_bits), starts)
            out[rows, first : first + 4] = (sums[:, None] >> _FIELD_SHIFTS) & np.uint64(0xFFFF)
    else:
        for k, counted in enumerate([classes & bit for bit in _COUNTED_BITS] + [title_word, word_start]):
            out[rows, _LETTERS + k] = np.add.reduceat(counted > 0, starts)
    out[rows, _SPACES] -= breaks
    out[rows, _TOKENS] = np.add.reduceat(_run_starts((classes & _WORD_SEPARATOR_BIT) > 0, starts), starts)
    out[rows, _STARTS_UPPER] = _starts_upper_table()[codes[starts]]
    out[rows, _ENDS_COLON] = codes[starts + lengths[filled] - 1] == ord(":")
    out[rows, _STARTS_LOWER] = _starts_lower_table()[codes[starts]]
    return out


def _run_starts(between: np.ndarray, line_starts: np.ndarray) -> np.ndarray:
    """Where a run of characters not ``between`` starts (a word between spaces), lines starting at line_starts."""
    start = ~between
    start[1:] &= between[:-1]
    start[line_starts] = ~between[line_starts]
    return start


_LETTER, _DIGIT, _UPPER, _PUNCT, _CJK_BIT, _SPACE, _WORD_SEPARATOR_BIT, _FURNITURE_CHARACTER = (
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
)
# The class bits counted per line, in the order of _character_counts' columns from _LETTERS.
_COUNTED_BITS = (_LETTER, _DIGIT, _UPPER, _PUNCT, _CJK_BIT, _SPACE)


# Four bits -> each as a 16-bit field of a 64-bit integer, so that one sum counts four things.
_FIELD_SHIFTS = np.array([0, 16, 32, 48], dtype=np.uint64)
_FOUR_FIELDS = (
    ((np.arange(16, dtype=np.uint64)[:, None] >> np.arange(4, dtype=np.uint64)) & np.uint64(1)) << _FIELD_SHIFTS
).sum(axis=1, dtype=np.uint64)


@lru_cache(maxsize=1)
def _class_table() -> np.ndarray:
    """The class bits above of every code point, as ``re`` sees them."""
    from corpus.tokens import class_bits

    return class_bits(
        (
            (_LETTER, r"[^\W\d_]"),
            (_DIGIT, r"\d"),
            (_UPPER, r"[A-ZÀ-ÞА-Я]"),
            (_PUNCT, r"[^\w\s]"),
            (_CJK_BIT, r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"),
            (_SPACE, r"\s"),
            (_WORD_SEPARATOR_BIT, "[\\s" + re.escape(_WORD_SEPARATORS) + "]"),
            # The one-character furniture phrases (each lower-cases into itself, and nothing else into one).
            (_FURNITURE_CHARACTER, "[" + re.escape("".join(p for p in _FURNITURE_PHRASES if len(p) == 1)) + "]"),
        )
    )


@lru_cache(maxsize=1)
def _starts_upper_table() -> np.ndarray:
    """For every code point, str.isupper() or str.isdigit()."""
    from corpus.tokens import all_code_points

    return np.fromiter((c.isupper() or c.isdigit() for c in all_code_points()), bool)


# What a line that goes on with the sentence of the line before it starts with, besides a lower-case letter.
_CONTINUATION_START = ",.;:)]"


@lru_cache(maxsize=1)
def _starts_lower_table() -> np.ndarray:
    """For every code point, str.islower() or one of _CONTINUATION_START."""
    from corpus.tokens import all_code_points

    return np.fromiter((c.islower() or c in _CONTINUATION_START for c in all_code_points()), bool)


@lru_cache(maxsize=1)
def _log1p_table() -> np.ndarray:
    return np.array([math.log1p(k) for k in range(_LOG1P_TABLE)])


_LOG1P_TABLE = 4096


def _log1p_of_counts(counts: np.ndarray) -> np.ndarray:
    """math.log1p of each count, read from a table (numpy's log1p may differ from it in the last
    bit, and the model was trained on math.log1p's)."""
    k = counts.astype(np.int64)
    if k.size and k.max() >= _LOG1P_TABLE:
        return np.array([math.log1p(v) for v in k.tolist()])
    return _log1p_table()[k]


def window_mean(values: np.ndarray, half: int, fill: float, text_of: np.ndarray | None = None) -> np.ndarray:
    """The mean of each value and ``half`` values on either side, ``fill`` past the ends (of its text,
    with ``text_of`` saying each value's text: the texts are laid out with ``half`` fills on either
    side of each, and each mean is the same dot product as on the text alone)."""
    texts = 1 if text_of is None or not text_of.size else int(text_of[-1]) + 1
    padded = np.full(values.size + 2 * half * texts, fill)
    if texts == 1:
        padded[half : half + values.size] = values
        return np.convolve(padded, _window(half), "valid")
    at = np.arange(values.size) + 2 * half * text_of
    padded[at + half] = values
    return np.convolve(padded, _window(half), "valid").take(at)


@lru_cache(maxsize=8)
def _window(half: int) -> np.ndarray:
    return np.ones(2 * half + 1) / (2 * half + 1)


def _run_lengths(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of equal mask values it belongs to (runs end where
    a text ends: ``starts``, where each text starts)."""
    n = mask.size
    change = np.empty(n, bool)
    change[0] = True
    np.not_equal(mask[1:], mask[:-1], out=change[1:])
    change[starts] = True
    bounds = np.flatnonzero(change)
    lengths = np.diff(bounds, append=n)
    return np.repeat(lengths, lengths).astype(float)


def _distance_to(mask: np.ndarray, first: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each position, how many lines away the nearest True of its text is (its text's number of
    lines when there is none); ``first`` and ``sizes``: each position's text's first line and size."""
    n = mask.size
    at = np.arange(n)
    before = np.where(mask, at, -1)
    np.maximum.accumulate(before, out=before)  # the nearest True at or before each position
    after = np.where(mask, at, _FAR)[::-1]
    after = np.minimum.accumulate(after)[::-1]  # and at or after it
    distance = np.minimum(
        np.where(before >= first, at - before, _FAR), np.where(after < first + sizes, after - at, _FAR)
    )
    return np.where(distance == _FAR, sizes, distance).astype(float)


_FAR = 1 << 62
