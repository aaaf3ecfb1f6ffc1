"""Cleaning rules. Each is a small named unit that *proposes* edits or flags; none edits text itself.

An editing rule has ``propose(text, ctx) -> list[Edit]``; a flagging rule has
``flag(text, ctx) -> list[Flag]`` and never changes the text (suspected translation
artefacts are for a human to judge). :mod:`corpus.cleaning` applies them in order.
"""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from corpus.model import Flag
from corpus.offsets import Edit
from corpus.tokens import all_code_points, code_points_matching, text_pieces


@dataclass
class CleaningContext:
    """What rules learn about one document while cleaning it (byline, dates, language)."""

    language: str = "en"
    metadata: dict = field(default_factory=dict)
    format: str = "txt"  # the input's format: "html" text was already extracted from its page


def _lines(text: str):
    """(start, end) of every line, without its newline."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


# --- Unicode repair -----------------------------------------------------------------------

# Most news text needs no repair, and ftfy is slow: a line goes to it only when one of its
# fixers could change it. That test is derived from ftfy's own tables, so it is exact: a line
# is sent unless it has no HTML entity, no character a fixer maps (controls, C1,
# ligatures, width forms, surrogates), is NFC, and has no mojibake by ftfy's own detector
# (BADNESS_RE), which is only run around the characters that can take part in a match where
# they stand (worked out from the pattern: see _badness_shape).


class UnicodeRepair:
    """Repairs mojibake, HTML entities and similar with ftfy, line by line, offsets preserved."""

    name = "unicode_repair"

    def __init__(self, **ftfy_options):
        import ftfy

        # Curly quotes are legitimate in news text and the quote rules rely on them. Full-width
        # forms are the punctuation of Chinese and Japanese text (（，：；！？), not damage:
        # ftfy's width fix made them ASCII; every script keeps its own.
        options = {"uncurl_quotes": False, "fix_line_breaks": False, "explain": False,
                   "fix_character_width": False, "normalization": "NFC"}
        options.update(ftfy_options)
        self._config = ftfy.TextFixerConfig(**options)
        self._fix = ftfy.fix_text
        self._may_change = _FtfyLineTest.for_config(self._config)

    def propose_many(self, texts: list[str], contexts: list[CleaningContext]) -> list[list[Edit]]:
        """``propose`` of each text, with the characters the line test looks at found for all at once."""
        return [self.propose(text, ctx, unusual)
                for text, ctx, unusual in zip(texts, contexts, self._may_change.unusual_many(texts))]

    def propose(self, text: str, ctx: CleaningContext, unusual: _Unusual | None = None) -> list[Edit]:
        if text.isascii() and "&" not in text and not _has_controls(text):
            return []
        if not self._may_change(text, unusual):  # the line test on the whole text: most articles stop here
            return []
        edits = []
        for start, end in _lines(text):
            line = text[start:end]
            if not self._may_change(line):
                continue
            fixed = self._fix(line, self._config)
            if fixed != line:
                edits.extend(_fine_edits(line, fixed, start))
        return edits


class _Unusual(NamedTuple):
    """What the line test needs of a text's unusual characters (those outside ``ordinary``)."""

    found: bool  # the text has one
    mapped: bool  # one of them is a character a fixer maps
    nfc_doubt: bool  # one of them could make the text fail NFC (see _NfcSafe)
    exposed: list[int]  # where those are that can be part of a mojibake match


class _FtfyLineTest:
    """False only for a text that ftfy.fix_text (with the fixers this test knows) leaves as it is.

    On a whole text it is a superset of the test on each of its lines (a line break only ever
    adds matches), so a False for the text means False for every line.
    """

    def __init__(self, mapped: frozenset[str], ordinary: re.Pattern | None, badness: re.Pattern | None,
                 width: int, exposed: re.Pattern | None = None, nfc: _NfcSafe | None = None):
        from ftfy.chardata import HTML_ENTITY_RE

        self.entity = HTML_ENTITY_RE  # what ftfy's unescape_html replaces, and nothing else
        self.mapped_chars = mapped
        self.mapped = re.compile("[" + "".join(_class_escape(c) for c in sorted(mapped)) + "]")
        self.ordinary, self.badness, self.width = ordinary, badness, width
        # An unusual character outside `exposed` whose neighbours are both plain cannot be
        # part of a mojibake match (None: every unusual character can).
        self.exposed = exposed
        self.nfc = nfc  # None: every text with an unusual character is checked for NFC

    @classmethod
    @lru_cache(maxsize=8)
    def for_config(cls, config) -> "_FtfyLineTest":
        from ftfy import chardata
        from ftfy.badness import BADNESS_RE

        mapped = {*chardata.CONTROL_CHARS, *chardata.LIGATURES, *range(0x80, 0xA0), *range(0xD800, 0xE000), 0x1B,
                  *(chardata.WIDTH_MAP if config.fix_character_width else ())}
        mapped = frozenset(chr(c) for c in mapped)
        # Characters no mojibake pattern of ftfy needs (checked below): ASCII, curly quotes, dashes.
        ordinary = "\t\n\r" + "".join(chr(c) for c in range(0x20, 0x7F)) + "‘’“”–—…"
        known_fixers = (not config.uncurl_quotes and not config.fix_line_breaks
                        and config.normalization in ("NFC", None))
        shape = _badness_shape(BADNESS_RE, ordinary, _PLAIN) if known_fixers else None
        # An unknown case (or a mapped character among the ordinary ones, which the test
        # below never looks at): any non-ASCII character sends the line to ftfy.
        if shape is None or mapped.intersection(ordinary):
            return cls(mapped, re.compile("[^\x00-\x7f]"), None, 0)
        width, exposed = shape
        ordinary_re = re.compile("[^" + "".join(_class_escape(c) for c in ordinary) + "]")
        nfc = _NfcSafe()
        # MULTILINE: on a whole text, "^" must match where each of its lines starts.
        return cls(mapped, ordinary_re, re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE), width,
                   exposed, nfc if all(map(nfc, ordinary)) else None)

    def __call__(self, text: str, unusual: _Unusual | None = None) -> bool:
        """The test; ``unusual``, when given, is ``self.scan(text)``, found for a batch by ``unusual_many``."""
        if "&" in text and self.entity.search(text):
            return True
        if self.badness is None:
            return bool(self.mapped.search(text) or not unicodedata.is_normalized("NFC", text)
                        or self.ordinary.search(text))
        # Only the characters outside ASCII (tab and line ends aside) and the curly quotes and
        # dashes can be mapped, denormalised or part of mojibake: most news text has a few.
        found, mapped, nfc_doubt, exposed = unusual if unusual is not None else self.scan(text)
        if not found:
            return False
        if mapped or (nfc_doubt and not unicodedata.is_normalized("NFC", text)):
            return True
        # A mojibake match has an exposed character and is at most `width` long: search
        # only around those characters (overlapping stretches merged).
        w, lo, hi = self.width, 0, -1
        for p in exposed:
            if p - w + 1 > hi:
                if hi >= 0 and self.badness.search(text, lo, hi):
                    return True
                lo = max(p - w + 1, 0)
            hi = p + w
        return hi >= 0 and self.badness.search(text, lo, hi) is not None

    def scan(self, text: str) -> _Unusual:
        """The unusual characters of one text: whether any, whether one is mapped, whether one casts
        doubt on NFC, which are exposed."""
        unusual = [m.start() for m in self.ordinary.finditer(text)]
        last = len(text) - 1
        exposed = [p for p in unusual
                   if self.exposed is None or self.exposed.match(text[p])
                   or (p > 0 and text[p - 1] not in _PLAIN) or (p < last and text[p + 1] not in _PLAIN)]
        nfc_doubt = self.nfc is None or not all(self.nfc(text[p]) for p in unusual)
        return _Unusual(bool(unusual), any(text[p] in self.mapped_chars for p in unusual), bool(unusual) and nfc_doubt,
                        exposed)

    def unusual_many(self, texts: list[str]) -> list[_Unusual | None]:
        """``scan`` of each text, found with numpy for all at once (a regex scan cost 16 µs of a
        3 KB article). None for every text without the mojibake test (it scans itself) and for
        a batch with a lone surrogate."""
        if self.badness is None:
            return [None] * len(texts)
        try:  # joined by newlines (plain, not unusual), with one more at each end: every character has neighbours
            codes = np.frombuffer("\n".join(["", *texts, ""]).encode("utf-32-le"), np.uint32)
        except UnicodeEncodeError:
            return [None] * len(texts)
        found = np.flatnonzero(_code_point_table(self.ordinary)[codes])
        chars = codes[found]
        mapped = _code_point_table(self.mapped)[chars]
        exposed = ~(_PLAIN_TABLE[codes[found - 1]] & _PLAIN_TABLE[codes[found + 1]])
        if self.exposed is None:
            exposed[:] = True
        else:
            exposed |= _code_point_table(self.exposed)[chars]
        exposed_at = found[exposed]
        doubt = np.ones(chars.size, bool) if self.nfc is None else ~self.nfc.of_codes(chars)
        # how many mapped (and doubtful) characters come before each found one
        mapped_before = np.concatenate([[0], np.cumsum(mapped)]).tolist()
        doubt_before = np.concatenate([[0], np.cumsum(doubt)]).tolist()

        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        bases = np.cumsum(lengths + 1) - lengths  # where each text starts in `codes`
        cuts = np.searchsorted(found, bases).tolist() + [found.size]
        exposed_cuts = np.searchsorted(exposed_at, bases).tolist() + [exposed_at.size]
        return [_Unusual(cuts[i + 1] > cuts[i], mapped_before[cuts[i + 1]] > mapped_before[cuts[i]],
                         doubt_before[cuts[i + 1]] > doubt_before[cuts[i]],
                         (exposed_at[exposed_cuts[i]:exposed_cuts[i + 1]] - base).tolist())
                for i, base in enumerate(bases.tolist())]


class _NfcSafe:
    """Whether a character can never make a text fail NFC: a starter (combining class 0) that NFC
    leaves as it is and that no canonical composition takes as its second character. A text of
    such characters only passes NFC's quick check (every character "Yes", nothing to reorder), so
    ``unicodedata.is_normalized`` need not read it (5 µs of a 3 KB article). Each character is
    worked out once, when first met."""

    def __init__(self):
        self.seconds = _composition_seconds()
        self.known = np.zeros(sys.maxunicode + 1, bool)
        self.safe = np.zeros(sys.maxunicode + 1, bool)

    def __call__(self, char: str) -> bool:
        code = ord(char)
        if not self.known[code]:
            self._learn(code)
        return bool(self.safe[code])

    def of_codes(self, codes: np.ndarray) -> np.ndarray:
        for code in np.unique(codes[~self.known[codes]]).tolist():
            self._learn(code)
        return self.safe[codes]

    def _learn(self, code: int) -> None:
        char = chr(code)
        self.safe[code] = (unicodedata.combining(char) == 0 and code not in self.seconds
                           and unicodedata.normalize("NFC", char) == char)
        self.known[code] = True


@lru_cache(maxsize=1)
def _composition_seconds() -> frozenset[int]:
    """Every character a canonical composition can take as its second: the second of each
    two-character canonical decomposition, and the Hangul vowels and final consonants (their
    syllables compose by rule, with no decomposition in the table)."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    every = all_code_points()
    for first in range(0, len(every), 256):
        # A block that NFD leaves as it is holds no decomposition: 95 of 4,352 blocks need reading
        # character by character (0.02 s in all, against 0.1-0.16 s for every character).
        if unicodedata.is_normalized("NFD", every[first:first + 256]):
            continue
        for code in range(first, min(first + 256, len(every))):
            decomposition = unicodedata.decomposition(chr(code))
            if decomposition and decomposition[0] != "<":
                parts = decomposition.split()
                if len(parts) == 2:
                    seconds.add(int(parts[1], 16))
    return frozenset(seconds)


# Neighbours that take no part in a mojibake match next to most characters: ASCII and the
# apostrophe ("l’été"). Which characters still can, beside them, is worked out from the pattern.
_PLAIN = frozenset(chr(c) for c in range(0x80)) | {"’"}
_PLAIN_TABLE = np.zeros(sys.maxunicode + 1, bool)
_PLAIN_TABLE[[ord(c) for c in _PLAIN]] = True


# For every code point, whether a one-character pattern matches it (built once per pattern).
_code_point_table = lru_cache(maxsize=8)(code_points_matching)


def _class_escape(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _badness_shape(badness: re.Pattern, ordinary: str, plain: frozenset[str]) -> tuple[int, re.Pattern] | None:
    """How ftfy's mojibake pattern can match: (longest match, the *exposed* characters).

    Each alternative of the pattern is a sequence of single-character items (an optional item
    makes two sequences). Two facts are read off them, and None is returned when either does
    not hold or the pattern has another shape:

    - one item in every sequence matches no ``ordinary`` character, so text made of ordinary
      characters only cannot match, and a match is at most the longest sequence long;
    - a character can be part of a match with ``plain`` characters on both sides only if
      it can stand in an item whose neighbouring items each accept a plain character (or
      that starts or ends its sequence). Those are the exposed characters: any other one,
      between two plain characters, is in no match.
    """
    try:
        from re import _compiler, _constants as C, _parser

        tree = _parser.parse(badness.pattern, badness.flags)
        (op, (_, alternatives)), = tree.data
        if op is not C.BRANCH:
            return None

        def single(item):
            return _compiler.compile(_parser.SubPattern(tree.state, [item]), badness.flags)

        exposed, width = [], 0
        for alternative in alternatives:
            sequences = [[]]
            for item in alternative.data:
                if item[0] is C.AT and item[1] is C.AT_BEGINNING:
                    continue  # leaving out a condition only allows more matches
                if item[0] is C.MAX_REPEAT and item[1][:2] == (0, 1) and len(item[1][2].data) == 1:
                    item = item[1][2].data[0]
                    sequences += [s + [item] for s in sequences]
                else:
                    sequences = [s + [item] for s in sequences]
            for sequence in sequences:
                if any(item[0] not in (C.LITERAL, C.IN, C.ANY) for item in sequence):
                    return None
                singles = [single(item) for item in sequence]
                if all(any(r.fullmatch(c) for c in ordinary) for r in singles):
                    return None
                takes_plain = [any(r.fullmatch(c) for c in plain) for r in singles]
                last = len(sequence) - 1
                exposed += [item for i, item in enumerate(sequence)
                            if (i == 0 or takes_plain[i - 1]) and (i == last or takes_plain[i + 1])]
                width = max(width, len(sequence))
        either = _parser.SubPattern(tree.state, [(C.BRANCH, (None, [_parser.SubPattern(tree.state, [item])
                                                                    for item in exposed]))])
        return width, _compiler.compile(either, badness.flags)
    except Exception:  # private modules of re: when they differ, fall back to the safe test
        return None


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def _fine_edits(old: str, new: str, offset: int) -> list[Edit]:
    """The smallest edits turning ``old`` into ``new``, so untouched words keep exact offsets.

    The common start and end are set aside first: a repair changes a few characters of a
    line, and SequenceMatcher's cost grows with the square of what it is given.
    """
    head = len(os.path.commonprefix([old, new]))
    tail = len(os.path.commonprefix([old[head:][::-1], new[head:][::-1]]))
    old_mid, new_mid = old[head:len(old) - tail], new[head:len(new) - tail]
    offset += head
    matcher = SequenceMatcher(None, old_mid, new_mid, autojunk=False)
    return [Edit(offset + i1, offset + i2, new_mid[j1:j2])
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


# --- Whitespace ------------------------------------------------------------------------------

# The definition: every edit of WhitespaceNormalisation is one match of this pattern.
_WS_EDITS = re.compile(
    r"(?P<cr>\r\n?)"                               # Windows / old Mac line ends
    r"|(?P<zw>[\u200b\u200c\u200d\u2060\ufeff\u00ad]+)"  # zero-width and soft hyphens
    r"|(?P<sp>[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+)"  # any run of spaces
)
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_SPACES = frozenset(" \t\u00a0\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200b))))
# Everything _WS_EDITS can act on except the plain space and the newline.
_UNUSUAL_WS = re.compile("[\r\u200b\u200c\u200d\u2060\ufeff\u00ad\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")


class WhitespaceNormalisation:
    """One space between words, no spaces at line ends, paragraphs joined with one blank line."""

    name = "whitespace"

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        return _space_edits(text, [m.start() for m in _UNUSUAL_WS.finditer(text)])


def _space_edits(text: str, unusual: list[int]) -> list[Edit]:
    """The edits _WS_EDITS describes, for a text whose unusual spacing characters are at ``unusual``.

    Most news text has none of those, and a regex would stop at every space between two
    words only to leave it alone (the whole pattern scanned one text with some in 270 µs).
    The space runs that need an edit hold two or more characters, an unusual one, or stand
    at a line edge; str.find goes straight to the first and last kinds. Line ends, zero-width
    characters and spaces are never taken for one another, so runs of each kind can be found apart.
    """
    n = len(text)
    spaces = _SPACES
    found: dict[int, Edit] = {}  # start -> the edit of the run or line end starting there

    def space_run(i: int) -> int:  # records the run of spaces around text[i]; returns its end
        s = e = i
        while s > 0 and text[s - 1] in spaces:
            s -= 1
        while e < n and text[e] in spaces:
            e += 1
        if s not in found:
            if s == 0 or e == n or text[s - 1] in "\r\n" or text[e] in "\r\n":
                found[s] = Edit(s, e, "")
            elif e - s > 1 or text[s] != " ":
                found[s] = Edit(s, e, " ")
        return e

    for needle in ("  ", " \n", "\n ") + ((" \r", "\r ") if unusual else ()):
        i = text.find(needle)
        while i >= 0:
            i = text.find(needle, space_run(i if needle[0] == " " else i + 1))
    if text[:1] in spaces:
        space_run(0)
    if text[-1:] in spaces:
        space_run(n - 1)
    for i in unusual:
        char = text[i]
        if char == "\r":
            found[i] = Edit(i, i + 2 if text[i + 1:i + 2] == "\n" else i + 1, "\n")
        elif char in _ZERO_WIDTH:
            s = e = i
            while s > 0 and text[s - 1] in _ZERO_WIDTH:
                s -= 1
            while e < n and text[e] in _ZERO_WIDTH:
                e += 1
            found[s] = Edit(s, e, "")
        else:
            space_run(i)
    return [found[s] for s in sorted(found)] if len(found) > 1 else list(found.values())


class ParagraphBreaks:
    """Each line is a paragraph: separate paragraphs by exactly one blank line, trim the ends."""

    name = "paragraph_breaks"

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        # The counts first: they settle most texts (a single line break somewhere), and a
        # search for three line breaks costs more than counting one.
        if text.count("\n") == 2 * text.count("\n\n") and "\n\n\n" not in text:
            return _edge_newline_edits(text)  # every break is already one blank line
        # Every run of newlines (str.find goes from one to the next; a regex would stop on
        # each and build a match object for the many runs that are already right).
        edits, n = [], len(text)
        s = text.find("\n")
        while s >= 0:
            e = s + 1
            while e < n and text[e] == "\n":
                e += 1
            if s == 0 or e == n:
                edits.append(Edit(s, e, ""))
            elif e - s != 2:
                edits.append(Edit(s, e, "\n\n"))
            s = text.find("\n", e)
        return edits


def _edge_newline_edits(text: str) -> list[Edit]:
    """ParagraphBreaks' edits for a text whose inner breaks are all exactly two newlines.

    With no run of three, the counts match only if no run is a single newline; then only
    the runs at the very start and end, which go, are left to edit.
    """
    edits = []
    lead = len(text) - len(text.lstrip("\n"))
    if lead:
        edits.append(Edit(0, lead, ""))
    trail = len(text) - len(text.rstrip("\n"))
    if trail and trail < len(text):
        edits.append(Edit(len(text) - trail, len(text), ""))
    return edits


# --- Scraping residue ------------------------------------------------------------------------

_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december"
           "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATE = (rf"(?:\d{{4}}-\d{{2}}-\d{{2}}(?:[ T]\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?"
         rf"|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}"
         rf"|(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,? )?\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\.?,? \d{{4}}"
         rf"|(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,? )?(?:{_MONTHS})\.? \d{{1,2}}(?:st|nd|rd|th)?,? \d{{4}})"
         rf"(?:,? (?:at )?\d{{1,2}}[:.]\d{{2}}(?: ?[ap]\.?m\.?)?(?: [A-Z]{{2,4}})?)?")
DATE_LINE = re.compile(rf"(?i)^(?:(?:published|updated|posted|last updated|date)(?: on)?:? )?{_DATE}"
                       rf"(?:,? (?:updated|last updated):? {_DATE})?\.?$")
BYLINE = re.compile(r"^(?:[Bb]y|BY|[Ww]ritten by|[Rr]eporting by) (?P<name>[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}"
                    r"(?:(?:,| and| &) [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}){0,3})"
                    r"(?:\s*[,|/–-]\s*(?P<org>[\w .&'’-]{1,40}))?$")

# Lines that are residue wherever they stand: nothing but punctuation, share and follow
# buttons, cookie and newsletter banners, "Read more" teasers, advertisement markers.
_ANYWHERE = [
    ("lone_punctuation", re.compile(r"^[^\w\s]{1,5}$")),
    ("share_line", re.compile(
        r"(?i)^(?:share(?: this)?(?: article| story| page| on)?|follow us(?: on)?|tweet|print|e-?mail"
        r"|copy link|whatsapp|facebook|twitter|linkedin|x)(?:\s*[:|/,•·-]?\s*"
        r"(?:facebook|twitter|x|whatsapp|linkedin|e-?mail|print|copy link|telegram|reddit|instagram|youtube|tiktok))*\s*[.:]?$")),
    ("cookie_banner", re.compile(
        r"(?i)^.{0,120}\b(?:(?:we|this (?:site|website)) uses? cookies|accept (?:all )?cookies"
        r"|cookie (?:settings|policy|preferences))\b.{0,200}$")),
    ("newsletter", re.compile(
        r"(?i)^(?:sign up|subscribe|register)\b.{0,80}\bnewsletters?\b.{0,80}$|^newsletters?:?$")),
    ("read_more", re.compile(r"(?i)^(?:read more|read also|also read|see also|related(?: articles?| stories)?"
                             r"|more on this(?: story)?|recommended)\b.{0,160}$")),
    ("advertisement", re.compile(r"(?i)^(?:advertisement|advertising|sponsored(?: content)?|ad)$")),
]


def _one_line_scanner(patterns: list[tuple[str, re.Pattern]]) -> re.Pattern:
    """One regex trying ``patterns`` in order on the line ``text[start:end]``, the kind as group name.

    Used as ``scanner.match(text, start, end)``: ``^`` needs MULTILINE to match at a line
    start inside the text, and ``end`` keeps every pattern inside its line.
    """
    parts = []
    for kind, pattern in patterns:
        source, flags = pattern.pattern.removeprefix("(?i)"), "i" if pattern.flags & re.IGNORECASE else ""
        parts.append(f"(?P<{kind}>(?{flags}:{source}))" if flags else f"(?P<{kind}>(?:{source}))")
    return re.compile("|".join(parts), re.MULTILINE)


def _max_width(pattern: re.Pattern) -> float:
    """The longest text ``pattern`` can match (inf when unbounded or unknown)."""
    try:
        from re import _parser

        width = _parser.parse(pattern.pattern, pattern.flags).getwidth()[1]
    except Exception:  # a private module: without it, assume any length
        return float("inf")
    return float("inf") if width >= _parser.MAXREPEAT else width


# Every _ANYWHERE pattern spans its whole line (^...$), so a long line is only tried against
# the kinds that can be that long (a paragraph only against the share buttons): same answers,
# and the cookie pattern's backtracking over every paragraph is spared.
def _scanners_by_width(patterns: list[tuple[str, re.Pattern]]) -> list[tuple[float, re.Pattern]]:
    widths = sorted({_max_width(p) for _, p in patterns})
    return [(width, _one_line_scanner([(k, p) for k, p in patterns if _max_width(p) >= width]))
            for width in widths]


_ANYWHERE_SCANNERS = _scanners_by_width(_ANYWHERE)
# The cookie banner still backtracks over `.{0,120}` on every line of up to ~345 characters,
# and every one of its alternatives contains "cookie": a text without that word (as (?i)
# reads it) is scanned without the kind.
_ANYWHERE_SCANNERS_NO_COOKIE = _scanners_by_width([(k, p) for k, p in _ANYWHERE if k != "cookie_banner"])
# The characters outside ASCII that (?i) lets stand for a letter of "cookie": İ and ı for i,
# the Kelvin sign for k (a test checks this against re on every code point).
_COOKIE_LOOKALIKES = ("\u0130", "\u0131", "\u212a")
_NON_EMPTY_LINE = re.compile(r"[^\n]+")


def _may_mention_cookies(text: str) -> bool:
    """False only when no stretch of ``text`` matches ``(?i)cookie``.

    A regex search for that costs as much as the scan it would spare; the ASCII letters
    lower-cased as bytes cost a third. Dropping the other characters keeps an ASCII match
    in one piece (and may join a few false ones, which only cost the full scan).
    """
    i_dotted, i_dotless, kelvin = _COOKIE_LOOKALIKES
    return (b"cookie" in text.encode("ascii", "ignore").lower()
            or i_dotted in text or i_dotless in text or kelvin in text)


def _anywhere_scanner(length: int, scanners=_ANYWHERE_SCANNERS) -> re.Pattern | None:
    """The scanner of every kind in ``scanners`` that can match a line of ``length`` characters."""
    for width, scanner in scanners:
        if length <= width:
            return scanner
    return None


# Lines that are residue only at the very end: the scraper's "source" footer, copyright.
_TAIL = [
    ("source_footer", re.compile(r"(?i)^(?:source(?: site)?|source: .{1,80}|via .{1,60})$")),
    ("copyright", re.compile(r"(?i)^(?:©|\(c\)|copyright\b|all rights reserved).{0,160}$")),
]


class ResidueLines:
    """Removes whole lines of scraping residue; keeps bylines and date lines as metadata.

    Share/cookie/newsletter/"Read more"/advertisement and punctuation-only lines go
    wherever they are. Footers go only from the end; bylines and date lines only from the
    lines right after the title or at the end, where scrapers leave them.
    """

    name = "residue_lines"

    def __init__(self, head_lines: int = 3, drop: list[str] | None = None):
        self.head_lines = head_lines
        self.drop = set(drop) if drop is not None else None  # None: every kind

    def _wanted(self, kind: str) -> bool:
        return self.drop is None or kind in self.drop

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        lines = [m.span() for m in _NON_EMPTY_LINE.finditer(text)]
        if not lines:
            return []
        residue: dict[int, str] = {}  # line index -> kind
        scanners = _ANYWHERE_SCANNERS if _may_mention_cookies(text) else _ANYWHERE_SCANNERS_NO_COOKIE
        for i, (s, e) in enumerate(lines):
            scanner = _anywhere_scanner(e - s, scanners)
            m = scanner.match(text, s, e) if scanner is not None else None
            if m:
                residue[i] = m.lastgroup
        # From the end: footers, bylines and dates, and anything already known as residue.
        i = len(lines) - 1
        while i > 0:
            line = text[lines[i][0]:lines[i][1]]
            kind = residue.get(i) or self._tail_kind(line) or self._meta_kind(line, ctx)
            if not kind:
                break
            residue[i] = kind
            i -= 1
        # After the title (the first line that is not residue): bylines and date lines.
        title = next((i for i in range(len(lines)) if i not in residue), len(lines))
        for i in range(title + 1, min(len(lines), title + 1 + self.head_lines)):
            line = text[lines[i][0]:lines[i][1]]
            kind = residue.get(i) or self._meta_kind(line, ctx)
            if not kind:
                break
            residue[i] = kind
        wanted = [i for i in sorted(residue) if self._wanted(residue[i])]
        return [self._remove_lines(lines, first, last) for first, last in _runs(wanted)]

    def _tail_kind(self, line: str) -> str | None:
        for kind, pattern in _TAIL:
            if pattern.match(line):
                return kind
        return None

    def _meta_kind(self, line: str, ctx: CleaningContext) -> str | None:
        m = BYLINE.match(line)
        if m:
            ctx.metadata.setdefault("byline", m.group("name"))
            if m.group("org"):
                ctx.metadata.setdefault("byline_org", m.group("org").strip())
            return "byline"
        if DATE_LINE.match(line):
            ctx.metadata.setdefault("dateline", line)
            return "dateline"
        return None

    @staticmethod
    def _remove_lines(lines: list[tuple[int, int]], first: int, last: int) -> Edit:
        # Take the lines with the line break after them (or, at the very end, before them),
        # so no empty paragraph is left behind.
        if last + 1 < len(lines):
            return Edit(lines[first][0], lines[last + 1][0], "")
        if first > 0:
            return Edit(lines[first - 1][1], lines[last][1], "")
        return Edit(lines[first][0], lines[last][1], "")


def _runs(indices: list[int]):
    """Consecutive runs in sorted indices: [1, 2, 5] -> (1, 2), (5, 5)."""
    start = prev = None
    for i in indices:
        if prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None:
            yield start, prev
        start = prev = i
    if start is not None:
        yield start, prev


# --- Quotation marks -----------------------------------------------------------------------------

# Machine translation drops the space between a closing quote and the next word
# (`”he added`) and between a word and an opening quote (`said“we`). Only the typographic
# double quotes are unambiguous: ’ is also the apostrophe in "don’t".
_AFTER_CLOSE = re.compile(r"[”»](?=[^\W\d_])")
_BEFORE_OPEN = re.compile(r"(?<=[^\W_])[“«]")


class QuoteSpacing:
    """Inserts the missing space after a closing and before an opening double quote."""

    name = "quote_spacing"

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        if "”" not in text and "“" not in text and "»" not in text and "«" not in text:
            return []
        # The two regexes above, with str.find (a regex scan costs more than the whole rule):
        # [^\W\d_] is exactly "isalnum and not isdecimal", [^\W_] exactly "isalnum".
        # No position can need both spaces, so no edit is proposed twice.
        positions = []
        for quote in "”»":
            i = text.find(quote)
            while i >= 0:
                after = text[i + 1:i + 2]
                if after.isalnum() and not after.isdecimal():
                    positions.append(i + 1)
                i = text.find(quote, i + 1)
        for quote in "“«":
            i = text.find(quote, 1)
            while i >= 0:
                if text[i - 1].isalnum():
                    positions.append(i)
                i = text.find(quote, i + 1)
        return [Edit(i, i, " ") for i in sorted(positions)]


# --- Flags: suspected machine-translation artefacts --------------------------------------------

# Words that may legitimately stand alone between two quotations.
CONNECTORS = frozenset(
    "and but or nor yet so then while whereas although though because before after adding "
    "added said says continued insisted explained noted stressed he she they it we i also "
    "even plus as if when where until unless".split())
# Known mistranslations of conjunctions, for a helpful message.
KNOWN_MISTRANSLATIONS = {"corn": "French 'mais' (but) read as 'maïs' (corn)",
                         "more": "French 'mais' (but) read as 'mais' (more)?"}
_BETWEEN_QUOTES = re.compile(r"”[ ,]*(?P<word>[^\W\d_]+)[ ,]*“")


class MistranslatedConjunction:
    """Flags a lexical word standing where a conjunction belongs between two quotations."""

    name = "mistranslated_conjunction"

    def flag(self, text: str, ctx: CleaningContext) -> list[Flag]:
        flags = []
        for m in _BETWEEN_QUOTES.finditer(text):
            word = m.group("word")
            if word.lower() in CONNECTORS:
                continue
            why = KNOWN_MISTRANSLATIONS.get(word.lower(), "a conjunction such as 'but' or 'and' was expected")
            flags.append(Flag(self.name, m.start("word"), m.end("word"),
                              f"'{word}' between two quotations looks like a mistranslated conjunction: {why}"))
        return flags


_LOWER_WORD = re.compile(r"(?<![\w’'-])[a-z]{7,}(?![\w’'-])")
# Finds every word _LOWER_WORD finds (and a few more), several times faster: the engine
# gives up at once inside a word instead of testing a look-behind at every position.
_LOWER_WORD_CANDIDATE = re.compile(r"\b[a-z]{7,}")


def _is_lower_word(text: str, start: int, end: int) -> bool:
    """Whether a _LOWER_WORD_CANDIDATE match is a _LOWER_WORD match (a regex \\w is isalnum or "_")."""
    if start and text[start - 1] in "’'-":
        return False
    after = text[end:end + 1]
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
_BYTE_PLANES = np.array([0x001F001F001F001F, 0x1F001F001F001F00, 0x000003FF000003FF, 0x03FF000003FF0000,
                         0x00000000000FFFFF, 0x000FFFFF00000000], dtype=np.uint64)
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

    None for a text whose language has no list, and for every text when one has a lone
    surrogate (those are for RunTogetherWords.flag to read). A candidate is a run of a-z,
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
            in_piece, = _unknown_lower_words_at_once([piece], [languages[i]])
            if in_piece is None:
                found = None
                break
            found += [(start + offset, end + offset) for start, end in in_piece]
            offset += len(piece)
        out[i] = found
    return out


def _unknown_lower_words_at_once(texts: list[str], languages: list[str]) -> list[list[tuple[int, int]] | None]:
    """:func:`_unknown_lower_words` with every text in one set of arrays."""
    from corpus.tokens import WORD, character_classes

    try:
        joined = "\n".join(texts)  # "\n" is not \w: no word runs from one text into the next
        codes = np.frombuffer(joined.encode("utf-32-le"), np.uint32)
    except UnicodeEncodeError:
        return [None] * len(texts)
    n = codes.size
    lower = np.zeros(n + 2, bool)
    np.less(codes - np.uint32(97), 26, out=lower[1:-1])
    edges = np.flatnonzero(lower[1:] != lower[:-1])  # runs of a-z: [start, end) pairs
    starts, ends = edges[0::2], edges[1::2]
    lengths = ends - starts
    before = codes[np.maximum(starts - 1, 0)]
    keep = (lengths >= 7) & (((character_classes()[before] & WORD) == 0) | (starts == 0))
    starts, ends, lengths = starts[keep], ends[keep], lengths[keep]
    text_lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    bases = np.cumsum(text_lengths + 1) - text_lengths - 1  # where each text starts in `joined`
    cuts = np.searchsorted(starts, bases).tolist() + [starts.size]

    data = np.zeros(n + 16, np.uint8)
    data[:n] = codes  # a-z keep their byte; other characters are never read as letters
    windows = np.ndarray((n + 9,), "<u8", data, 0, (1,))  # the 8 bytes from each position
    keys = _pack_letters(windows[starts], windows[starts + 8], lengths).astype(np.int64)
    # A longer word is looked up as itself, and its key says the answer: 0 is in every
    # packed list, -1 in none.
    longer = np.flatnonzero(lengths > _PACKED)
    for j, t in zip(longer.tolist(), (np.searchsorted(bases, starts[longer], side="right") - 1).tolist()):
        try:
            keys[j] = 0 if joined[starts[j]:ends[j]] in _frequencies(languages[t]) else -1
        except (LookupError, ValueError):
            keys[j] = -1
    keys, bases = keys.tolist(), bases.tolist()
    known_by_language: dict[str, frozenset[int] | None] = {}
    out: list[list[tuple[int, int]] | None] = []
    for t, language in enumerate(languages):
        if language not in known_by_language:
            try:
                known_by_language[language] = _packed_known_words(language)
            except (LookupError, ValueError):
                known_by_language[language] = None
        known = known_by_language[language]
        lo, hi = cuts[t], cuts[t + 1]
        if known is None:
            out.append(None)
        elif known.issuperset(keys[lo:hi]):
            out.append([])  # the usual case: every long lower-case word is a known word
        else:
            base = bases[t]
            out.append([(start - base, end - base)
                        for key, start, end in zip(keys[lo:hi], starts[lo:hi].tolist(), ends[lo:hi].tolist())
                        if key not in known])
    return out


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

    def __init__(self, min_part_zipf: float = 4.5, min_common_part_zipf: float = 6.0,
                 languages: list[str] | tuple[str, ...] = SPACED_LANGUAGES):
        # zipf 4.5 = 30 per million words: "nation" 4.9, "of" 7.4; "mega" 4.0, "knuckle" 3.2.
        self.min_part_frequency = 10 ** (min_part_zipf - 9)
        # One part must be among the commonest words ("for", "by", "not", "very": zipf 6 and
        # more): a lost space is mostly next to a function word, while a compound ("antitax",
        # "skywriters", "yearslong") joins two content words.
        self.min_common_part_frequency = 10 ** (min_common_part_zipf - 9)
        self.languages = frozenset(languages)
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
        return [Flag(self.name, start, end, f"'{word}' is not a known word; probably '{split[0]} {split[1]}' run together")]

    def _best_split(self, word: str, freq: dict[str, float]):
        best, best_score = None, 0.0
        for i in range(2, len(word) - 1):
            left, right = word[:i], word[i:]
            fl, fr = freq.get(left, 0.0), freq.get(right, 0.0)
            if (fl >= self.min_part_frequency and fr >= self.min_part_frequency
                    and max(fl, fr) >= self.min_common_part_frequency and min(fl, fr) > best_score):
                best, best_score = (left, right), min(fl, fr)
        return best


def _in_link_or_markup(text: str, start: int, end: int) -> bool:
    """Whether a word is part of a URL, e-mail address, handle, hashtag, path or tag name (`@edhenry`,
    `bostonherald.com`, `/etc/stunnel/`, `</blockquote>`): names there are written without spaces."""
    before, after = text[start - 1:start], text[end:end + 2]
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


class TruncatedEnding:
    """Flags a text whose last paragraph stops mid-sentence (scraper cut it off)."""

    name = "truncated_ending"

    def flag(self, text: str, ctx: CleaningContext) -> list[Flag]:
        stripped = text.rstrip()
        if not stripped or "\n" not in stripped:
            return []
        last_start = stripped.rfind("\n") + 1
        last = stripped[last_start:]
        if len(last.split()) >= 8 and last[-1] not in ".!?…\"”’»)]:;":
            return [Flag(self.name, last_start, len(stripped),
                         "the last paragraph ends without final punctuation; the article may be truncated")]
        return []
