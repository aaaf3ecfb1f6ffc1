"""``unicode_repair``: ftfy on the few lines that can need it, with the exact pre-filter that finds them."""

from __future__ import annotations

import os
import re
import sys
import unicodedata
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

import numpy as np

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext
from corpus.tokens import all_code_points, code_points_matching

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
        options = {
            "uncurl_quotes": False,
            "fix_line_breaks": False,
            "explain": False,
            "fix_character_width": False,
            "normalization": "NFC",
        }
        options.update(ftfy_options)
        self._config = ftfy.TextFixerConfig(**options)
        self._fix = ftfy.fix_text
        self._may_change = _FtfyLineTest.for_config(self._config)

    def propose_many(self, texts: list[str], contexts: list[CleaningContext]) -> list[list[Edit]]:
        """``propose`` of each text, with the characters the line test looks at found for all at once."""
        return [
            self.propose(text, ctx, unusual)
            for text, ctx, unusual in zip(texts, contexts, self._may_change.unusual_many(texts))
        ]

    def propose(self, text: str, ctx: CleaningContext, unusual: _Unusual | None = None) -> list[Edit]:
        if text.isascii() and "&" not in text and not _has_controls(text):
            return []
        if not self._may_change(text, unusual):  # the line test on the whole text: most articles stop here
            return []
        edits = []
        for start, line, unusual in self._lines_to_test(text):
            if not self._may_change(line, unusual):
                continue
            fixed = self._fixed(line, unusual)
            if fixed != line:
                edits.extend(_fine_edits(line, fixed, start))
        return edits

    def _fixed(self, line: str, unusual: _Unusual | None) -> str:
        """``ftfy.fix_text`` of a line the test passed. A line whose one fault is that it is not
        NFC (decomposed accents: 140 of a real batch's 327 lines, ~200 µs each in ftfy) is
        normalised here: ftfy's first round then changes it by normalising alone, and its second
        leaves the result as it is when the test passes nothing in it."""
        if self._config.normalization == "NFC" and self._may_change.only_normalisation(line, unusual):
            fixed = unicodedata.normalize("NFC", line)
            if not self._may_change(fixed):
                return fixed
        return self._fix(line, self._config)

    def _lines_to_test(self, text: str) -> list[tuple[int, str, _Unusual | None]]:
        """(start, line, its unusual characters) of every line the line test could pass: those
        with an unusual character or an "&" (without either the test says no at once); every line
        when the test has no such shortcut (the unusual characters None: the test scans itself).

        The unusual characters of all lines are found at once, by ``unusual_many``: a text that
        gets here has many (a page in a script outside ASCII: hundreds of lines), and scanning each
        line, and searching the text for the lines to scan, cost up to 18 ms a real page.
        """
        lines = text.split("\n")
        starts = accumulate([len(line) + 1 for line in lines[:-1]], initial=0)
        if self._may_change.badness is None:
            return [(start, line, None) for start, line in zip(starts, lines)]
        found = self._may_change.unusual_many(lines)
        if found[0] is None:  # a lone surrogate: each line scanned as it is tested
            return [(start, line, None) for start, line in zip(starts, lines) if line]
        return [
            (start, line, unusual) for start, line, unusual in zip(starts, lines, found) if unusual.found or "&" in line
        ]


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

    def __init__(
        self,
        mapped: frozenset[str],
        ordinary: re.Pattern | None,
        badness: re.Pattern | None,
        width: int,
        exposed: re.Pattern | None = None,
        nfc: _NfcSafe | None = None,
    ):
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
    def for_config(cls, config) -> _FtfyLineTest:
        from ftfy import chardata
        from ftfy.badness import BADNESS_RE

        mapped = {
            *chardata.CONTROL_CHARS,
            *chardata.LIGATURES,
            *range(0x80, 0xA0),
            *range(0xD800, 0xE000),
            0x1B,
            *(chardata.WIDTH_MAP if config.fix_character_width else ()),
        }
        mapped = frozenset(chr(c) for c in mapped)
        # Characters no mojibake pattern of ftfy needs (checked below): ASCII, curly quotes, dashes.
        ordinary = "\t\n\r" + "".join(chr(c) for c in range(0x20, 0x7F)) + "‘’“”–—…"
        known_fixers = not config.uncurl_quotes and not config.fix_line_breaks and config.normalization in ("NFC", None)
        shape = _badness_shape(BADNESS_RE, ordinary, _PLAIN) if known_fixers else None
        # An unknown case (or a mapped character among the ordinary ones, which the test
        # below never looks at): any non-ASCII character sends the line to ftfy.
        if shape is None or mapped.intersection(ordinary):
            return cls(mapped, re.compile("[^\x00-\x7f]"), None, 0)
        width, exposed = shape
        ordinary_re = re.compile("[^" + "".join(_class_escape(c) for c in ordinary) + "]")
        nfc = _NfcSafe()
        # MULTILINE: on a whole text, "^" must match where each of its lines starts.
        return cls(
            mapped,
            ordinary_re,
            re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE),
            width,
            exposed,
            nfc if all(map(nfc, ordinary)) else None,
        )

    def __call__(self, text: str, unusual: _Unusual | None = None) -> bool:
        """The test; ``unusual``, when given, is ``self.scan(text)``, found for a batch by ``unusual_many``."""
        if "&" in text and self.entity.search(text):
            return True
        if self.badness is None:
            return bool(
                self.mapped.search(text) or not unicodedata.is_normalized("NFC", text) or self.ordinary.search(text)
            )
        # Only the characters outside ASCII (tab and line ends aside) and the curly quotes and
        # dashes can be mapped, denormalised or part of mojibake: most news text has a few.
        found, mapped, nfc_doubt, exposed = unusual if unusual is not None else self.scan(text)
        if not found:
            return False
        if mapped or (nfc_doubt and not unicodedata.is_normalized("NFC", text)):
            return True
        return self._mojibake_near(text, exposed)

    def only_normalisation(self, text: str, unusual: _Unusual | None = None) -> bool:
        """True when the one thing a fixer would change in ``text`` is that it is not NFC: no HTML
        entity, no mapped character, no mojibake by ftfy's detector (False when this test does
        not know ftfy's fixers: ``badness`` None)."""
        if self.badness is None or ("&" in text and self.entity.search(text)):
            return False
        found, mapped, nfc_doubt, exposed = unusual if unusual is not None else self.scan(text)
        return (
            found
            and not mapped
            and nfc_doubt
            and not unicodedata.is_normalized("NFC", text)
            and not self._mojibake_near(text, exposed)
        )

    def _mojibake_near(self, text: str, exposed: list[int]) -> bool:
        """Whether ftfy's mojibake pattern matches ``text`` (around the ``exposed`` characters)."""
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
        exposed = [
            p
            for p in unusual
            if self.exposed is None
            or self.exposed.match(text[p])
            or (p > 0 and text[p - 1] not in _PLAIN)
            or (p < last and text[p + 1] not in _PLAIN)
        ]
        nfc_doubt = self.nfc is None or not all(self.nfc(text[p]) for p in unusual)
        return _Unusual(
            bool(unusual), any(text[p] in self.mapped_chars for p in unusual), bool(unusual) and nfc_doubt, exposed
        )

    def unusual_many(self, texts: list[str]) -> list[_Unusual | None]:
        """``scan`` of each text, found with numpy for many at once (a regex scan cost 16 µs of a
        3 KB article). None for every text without the mojibake test (it scans itself) and for
        every text of a group with a lone surrogate."""
        if self.badness is None:
            return [None] * len(texts)
        # Read in groups of about SCAN_GROUP characters: the code points of a whole batch of pages
        # (18 MB for 512) are fresh memory at every step, and cost 60-75 µs a real text against 38.
        found, group, size = [], [], 0
        for text in texts:
            if group and size + len(text) > SCAN_GROUP:
                found += self._unusual_joined(group)
                group, size = [], 0
            group.append(text)
            size += len(text) + 1
        return found + self._unusual_joined(group) if group else found

    def _unusual_joined(self, texts: list[str]) -> list[_Unusual | None]:
        """``unusual_many`` of a group of texts, read as one array of code points."""
        try:  # joined by newlines (plain, not unusual), with one more at each end: every character has neighbours
            codes = np.frombuffer("\n".join(["", *texts, ""]).encode("utf-32-le"), np.uint32)
        except UnicodeEncodeError:
            return [None] * len(texts)
        unusual = _code_point_table(self.ordinary)
        if unusual[0x20:0x7F].any():
            found = np.flatnonzero(unusual[codes])
        else:  # (always, as made) printable ASCII is never unusual: only the rest is looked up
            rest = np.flatnonzero((codes - np.uint32(0x20)) > 0x5E)
            found = rest[unusual[codes[rest]]]
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
        exposed_at = exposed_at.tolist()  # (sliced as a list: a numpy slice per text cost 2 µs a line of a page)
        return [
            _Unusual(
                cuts[i + 1] > cuts[i],
                mapped_before[cuts[i + 1]] > mapped_before[cuts[i]],
                doubt_before[cuts[i + 1]] > doubt_before[cuts[i]],
                [p - base for p in exposed_at[exposed_cuts[i] : exposed_cuts[i + 1]]]
                if exposed_cuts[i + 1] > exposed_cuts[i]
                else [],
            )
            for i, base in enumerate(bases.tolist())
        ]


SCAN_GROUP = 256_000  # characters read at once by unusual_many: 1 MB of code points


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
        self.safe[code] = (
            unicodedata.combining(char) == 0 and code not in self.seconds and unicodedata.normalize("NFC", char) == char
        )
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
        if unicodedata.is_normalized("NFD", every[first : first + 256]):
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
        from re import _compiler, _parser
        from re import _constants as C

        tree = _parser.parse(badness.pattern, badness.flags)
        ((op, (_, alternatives)),) = tree.data
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
                exposed += [
                    item
                    for i, item in enumerate(sequence)
                    if (i == 0 or takes_plain[i - 1]) and (i == last or takes_plain[i + 1])
                ]
                width = max(width, len(sequence))
        either = _parser.SubPattern(
            tree.state, [(C.BRANCH, (None, [_parser.SubPattern(tree.state, [item]) for item in exposed]))]
        )
        return width, _compiler.compile(either, badness.flags)
    except Exception:  # private modules of re: when they differ, fall back to the safe test
        return None


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def _fine_edits(old: str, new: str, offset: int) -> list[Edit]:
    """The smallest edits turning ``old`` into ``new``, so untouched words keep exact offsets.

    The edits are those of ``difflib.SequenceMatcher(None, old, new, autojunk=False)``'s opcodes
    (the definition, held to it by a test), found by :func:`_matching_blocks`. The common start
    and end are set aside first: a repair changes a few characters of a line.
    """
    head = len(os.path.commonprefix([old, new]))
    tail = len(os.path.commonprefix([old[head:][::-1], new[head:][::-1]]))
    old_mid, new_mid = old[head : len(old) - tail], new[head : len(new) - tail]
    offset += head
    edits, i, j = [], 0, 0
    for ai, bj, size in _matching_blocks(old_mid, new_mid):
        if i < ai or j < bj:
            edits.append(Edit(offset + i, offset + ai, new_mid[j:bj]))
        i, j = ai + size, bj + size
    return edits


def _matching_blocks(a: str, b: str) -> list[tuple[int, int, int]]:
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()``, as plain tuples.

    The same recursion (the longest common block, then each side of it) with the longest block
    found by str.find instead of difflib's table of every pair of equal characters, which cost
    half of this rule on German mojibake (0.2 ms a real text).
    """
    queue, blocks = [(0, len(a), 0, len(b))], []
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        i, j, k = _longest_match(a, b, alo, ahi, blo, bhi)
        if k:
            blocks.append((i, j, k))
            if alo < i and blo < j:
                queue.append((alo, i, blo, j))
            if i + k < ahi and j + k < bhi:
                queue.append((i + k, ahi, j + k, bhi))
    blocks.sort()
    # Adjacent blocks joined, and the sentinel (len(a), len(b), 0), as difflib gives them.
    joined, (i1, j1, k1) = [], (0, 0, 0)
    for i2, j2, k2 in blocks:
        if i1 + k1 == i2 and j1 + k1 == j2:
            k1 += k2
        else:
            if k1:
                joined.append((i1, j1, k1))
            i1, j1, k1 = i2, j2, k2
    if k1:
        joined.append((i1, j1, k1))
    joined.append((len(a), len(b), 0))
    return joined


def _longest_match(a: str, b: str, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int]:
    """``SequenceMatcher.find_longest_match`` with no junk: the longest block ``a[i:i+k] ==
    b[j:j+k]`` inside the ranges, the earliest in ``a``, then the earliest in ``b``; (alo, blo, 0)
    when there is none.

    Going through ``a`` once, the best length grows at ``i`` only while ``a[i:i+k+1]`` occurs
    in ``b``: the first ``i`` where it reaches its final length is the earliest block of that length.
    """
    find = b.find
    best_i, k, i = alo, 0, alo
    while i + k < ahi:
        if find(a[i : i + k + 1], blo, bhi) >= 0:
            best_i, k = i, k + 1
            while i + k < ahi and find(a[i : i + k + 1], blo, bhi) >= 0:
                k += 1
        i += 1
    if not k:
        return alo, blo, 0
    return best_i, find(a[best_i : best_i + k], blo, bhi), k
