"""``whitespace``: CRLF, odd spaces, zero-width characters, spaces at line ends."""

from __future__ import annotations

import re

import numpy as np

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext

# The definition: every edit of WhitespaceNormalisation is one match of this pattern.
_WS_EDITS = re.compile(
    r"(?P<cr>\r\n?)"  # Windows / old Mac line ends
    r"|(?P<zw>[\u200b\u200c\u200d\u2060\ufeff\u00ad]+)"  # zero-width and soft hyphens
    r"|(?P<sp>[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+)"  # any run of spaces
)
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_SPACES = frozenset(" \t\u00a0\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))
# Everything _WS_EDITS can act on except the plain space and the newline.
_UNUSUAL_WS = re.compile("[\r\u200b\u200c\u200d\u2060\ufeff\u00ad\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_LINE_START_SPACE = re.compile("\n ")
_UNUSUAL_NON_ASCII = (_ZERO_WIDTH | _SPACES) - {" ", "\t"}
# The same characters by UTF-16 code unit (all of them are in the Basic Multilingual Plane).
_UNUSUAL_UNIT = np.zeros(0x10000, bool)
_UNUSUAL_UNIT[[ord(c) for c in _UNUSUAL_NON_ASCII]] = True


class WhitespaceNormalisation:
    """One space between words, no spaces at line ends, paragraphs joined with one blank line."""

    name = "whitespace"

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        # Most texts have none of the unusual characters: the regex scan for them (a third of
        # the rule) is made only when "\r", a tab or one of the others outside ASCII is there
        # (those by a table of UTF-16 units, read from the array the spaces are then read from).
        if "\r" in text or "\t" in text:
            return _space_edits(text, [m.start() for m in _UNUSUAL_WS.finditer(text)])
        units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), np.uint16)
        if not text.isascii() and _UNUSUAL_UNIT[units[units > 0x7F]].any():
            return _space_edits(text, [m.start() for m in _UNUSUAL_WS.finditer(text)])
        # Then only plain spaces can need an edit, and 9 texts in 10 have none that does.
        return _space_edits(text, []) if _a_space_needs_an_edit(units) else []


def _a_space_needs_an_edit(units: np.ndarray) -> bool:
    """Whether a text of ``units`` (UTF-16), with no spacing character but the plain space and
    the line break, has a space :func:`_space_edits` edits: one beside another space, a line
    break or an edge of the text (a run of two or more, or at a line's edge).

    A few numpy steps over the text instead of a search for each kind, which stops at every
    space between two words: the rule 60 -> 35 µs a real page. A character outside the
    Basic Multilingual Plane is two units here, neither a space nor a line break: what stands
    beside what is unchanged.
    """
    if not units.size:
        return False
    space = units == 0x20
    if space[0] or space[-1]:
        return True
    space_or_break = space | (units == 0x0A)
    return bool((space[1:] & space_or_break[:-1]).any() or (space[:-1] & space_or_break[1:]).any())


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

    for needle in ("  ", " \n") + ((" \r", "\r ") if unusual else ()):
        i = text.find(needle)
        while i >= 0:
            i = text.find(needle, space_run(i if needle[0] == " " else i + 1))
    # re finds a line break then a space faster than str.find, which stops at every space.
    m = _LINE_START_SPACE.search(text)
    while m is not None:
        m = _LINE_START_SPACE.search(text, space_run(m.start() + 1))
    if text[:1] in spaces:
        space_run(0)
    if text[-1:] in spaces:
        space_run(n - 1)
    for i in unusual:
        char = text[i]
        if char == "\r":
            found[i] = Edit(i, i + 2 if text[i + 1 : i + 2] == "\n" else i + 1, "\n")
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
