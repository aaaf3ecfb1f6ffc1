"""Character offsets between the raw text and the clean text.

The one offset convention of newsdesk, stated once: offsets are Python ``str`` indices
(Unicode code points), end-exclusive, so ``text[start:end]`` is the span.

Cleaning never rewrites text wholesale. A rule proposes :class:`Edit` s (replace
``text[start:end]`` by ``replacement``) and :class:`EditEngine` applies them while keeping
*pieces*: a tiling of the raw text where each piece is either copied unchanged or
replaced. From the pieces we get the clean text, the :class:`OffsetMap` and the edit log
at no extra cost, and they cannot disagree with each other.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple


# Edits, log lines and blocks are immutable records made by the tens per article: named
# tuples, which are built four times faster than frozen dataclasses.


class Edit(NamedTuple):
    """A change proposed on the text a rule sees: ``text[start:end]`` becomes ``replacement``."""

    start: int
    end: int
    replacement: str = ""


class AppliedEdit(NamedTuple):
    """One line of the cleaning log: what a rule removed and inserted, located in the raw text."""

    rule: str
    raw_start: int
    raw_end: int
    removed: str
    inserted: str

    def to_record(self) -> list:
        return [self.rule, self.raw_start, self.raw_end, self.removed, self.inserted]

    @classmethod
    def from_record(cls, rec: list) -> "AppliedEdit":
        return cls(*rec)


class OffsetMap:
    """Maps spans of the clean text to the raw text and back.

    Stored as the *changed* segments only, each ``(raw_start, raw_end, clean_start, clean_end)``;
    everything between them was copied unchanged, so a clean character there maps to the
    identical raw character. A span that touches a changed segment widens to cover it whole
    (a deleted footer maps to nothing in the clean text; an inserted space maps to the empty
    raw span where it was inserted).
    """

    __slots__ = ("changed", "raw_length", "clean_length", "_pieces_clean", "_pieces_raw")

    def __init__(self, changed: list[tuple[int, int, int, int]], raw_length: int, clean_length: int):
        self.changed = [tuple(c) for c in changed]
        self.raw_length = raw_length
        self.clean_length = clean_length
        self._pieces_clean: tuple[list[int], list[tuple[int, int, int, int, bool]]] | None = None
        self._pieces_raw: tuple[list[int], list[tuple[int, int, int, int, bool]]] | None = None

    @classmethod
    def identity(cls, length: int) -> "OffsetMap":
        return cls([], length, length)

    def to_record(self) -> dict:
        return {"raw_length": self.raw_length, "clean_length": self.clean_length,
                "changed": [list(c) for c in self.changed]}

    @classmethod
    def from_record(cls, rec: dict) -> "OffsetMap":
        return cls(rec["changed"], rec["raw_length"], rec["clean_length"])

    def _all_pieces(self) -> list[tuple[int, int, int, int, bool]]:
        """Changed segments plus the copied stretches between them: (rs, re, cs, ce, copied)."""
        pieces = []
        raw_pos = clean_pos = 0
        for rs, re_, cs, ce in self.changed:
            if rs > raw_pos:
                pieces.append((raw_pos, rs, clean_pos, cs, True))
            pieces.append((rs, re_, cs, ce, False))
            raw_pos, clean_pos = re_, ce
        if raw_pos < self.raw_length:
            pieces.append((raw_pos, self.raw_length, clean_pos, self.clean_length, True))
        return pieces

    def _index(self, side: str):
        # Pieces with no characters on `side` can hold no position of that side: skip them.
        attr = "_pieces_clean" if side == "clean" else "_pieces_raw"
        cached = getattr(self, attr)
        if cached is None:
            k = 2 if side == "clean" else 0
            pieces = [p for p in self._all_pieces() if p[k + 1] > p[k]]
            cached = ([p[k] for p in pieces], pieces)
            setattr(self, attr, cached)
        return cached

    def _map(self, start: int, end: int, side: str) -> tuple[int, int]:
        src = 2 if side == "clean" else 0  # index of the source-side start in a piece
        dst = 0 if side == "clean" else 2
        length = self.clean_length if side == "clean" else self.raw_length
        other_length = self.raw_length if side == "clean" else self.clean_length
        if not 0 <= start <= end <= length:
            raise IndexError(f"span ({start}, {end}) outside a {side} text of length {length}")
        starts, pieces = self._index(side)
        if not pieces:
            return (other_length, other_length) if start == length else (start, end)

        def locate(pos: int):
            return pieces[max(bisect_right(starts, pos) - 1, 0)]

        def map_start(pos: int) -> int:
            if pos >= length:
                return other_length
            p = locate(pos)
            return p[dst] + (pos - p[src]) if p[4] else p[dst]

        def map_end(pos: int) -> int:  # the end of the character at pos-1
            p = locate(pos - 1)
            return p[dst] + (pos - p[src]) if p[4] else p[dst + 1]

        if start == end:
            point = map_start(start)
            return point, point
        return map_start(start), map_end(end)

    def clean_to_raw(self, start: int, end: int) -> tuple[int, int]:
        """The raw span that the clean span ``[start, end)`` came from."""
        return self._map(start, end, "clean")

    def raw_to_clean(self, start: int, end: int) -> tuple[int, int]:
        """Where the raw span ``[start, end)`` ended up in the clean text (empty if removed)."""
        return self._map(start, end, "raw")

    def inserted(self, clean_pos: int) -> bool:
        """True when the clean character at ``clean_pos`` was written by a rule, not copied."""
        starts, pieces = self._index("clean")
        if not pieces:
            return False
        return not pieces[max(bisect_right(starts, clean_pos) - 1, 0)][4]

    def raw_touched(self, raw_start: int, raw_end: int) -> bool:
        """True when some edit removed or replaced raw text inside ``[raw_start, raw_end)``."""
        return any(rs < raw_end and re_ > raw_start or (rs == re_ and raw_start < rs < raw_end)
                   for rs, re_, _, _ in self.changed)


class EditEngine:
    """Applies rules' edits to a text while tracking where every piece came from.

    ``pieces`` tile the raw text in order: ``[raw_start, raw_end, None]`` for a copied
    stretch, ``[raw_start, raw_end, "new text"]`` for a replaced one.
    """

    def __init__(self, raw: str):
        self.raw = raw
        self.text = raw
        self._pieces: list[list] = [[0, len(raw), None]] if raw else []
        self._log: list[AppliedEdit] = []
        # Edits applied to the text but not yet to the pieces: (rule, edits, removed texts).
        # Cleaning runs one rule over a whole batch before the next, so an article's pieces
        # would be cold at every rule; they are brought up to date at once when asked for.
        self._pending: list[tuple[str, list[Edit], list[str]]] = []

    @property
    def pieces(self) -> list[list]:
        self._settle()
        return self._pieces

    @property
    def log(self) -> list[AppliedEdit]:
        """One :class:`AppliedEdit` per edit, in the order applied."""
        self._settle()
        return self._log

    def apply(self, rule: str, edits: list[Edit]) -> None:
        """Apply one rule's edits, all proposed on the current text, non-overlapping."""
        if not edits:
            return
        text = self.text
        if not _in_order(edits, len(text)):  # rules propose them in order: sorting is for the others
            edits = sorted(edits, key=lambda e: (e.start, e.end))
            prev_end = 0
            for e in edits:
                if e.start < prev_end or e.end < e.start or e.end > len(text):
                    raise ValueError(f"rule {rule!r} proposed overlapping or out-of-range edit {e}")
                prev_end = e.end
        parts, removed, pos = [], [], 0
        for e in edits:
            parts.append(text[pos:e.start])
            parts.append(e.replacement)
            removed.append(text[e.start:e.end])
            pos = e.end
        parts.append(text[pos:])
        self.text = "".join(parts)
        self._pending.append((rule, edits, removed))

    def _settle(self) -> None:
        for rule, edits, removed in self._pending:
            self._pieces = self._rebuild(edits, rule, removed)
        self._pending.clear()

    def _rebuild(self, edits: list[Edit], rule: str, removed: list[str]) -> list[list]:
        """The pieces after ``edits`` (on the text the pieces make) and their log lines."""
        # A piece's length in the current text is written out where it is needed (a helper
        # function called for every piece and edit cost a third of the time).
        raw, pieces, log = self.raw, self._pieces, self._log
        out: list[list] = []
        count, k = len(pieces), 0  # pieces[k:] are still to come after `piece`
        piece, n = None, 0  # the current piece and its length
        if count:
            piece, k = pieces[0], 1
            n = piece[1] - piece[0] if piece[2] is None else len(piece[2])
        pos = 0  # current-text start of `piece`

        for (s, e, replacement), was in zip(edits, removed):
            # Everything that ends before the edit is kept as it is.
            while piece is not None and pos + n <= s and not (n == 0 and pos == s < e):
                out.append(piece)
                pos += n
                if k < count:
                    piece, k = pieces[k], k + 1
                    n = piece[1] - piece[0] if piece[2] is None else len(piece[2])
                else:
                    piece = None
            if piece is not None and piece[2] is None and pos < s:
                cut = piece[0] + (s - pos)
                out.append([piece[0], cut, None])
                piece, pos = [cut, piece[1], None], s
                n = piece[1] - cut
            raw_lo = piece[0] if piece is not None else len(raw)
            raw_hi, prefix = raw_lo, ""
            while piece is not None and (pos < e or (piece[2] is not None and pos < s)):
                if piece[2] is not None and pos < s:
                    prefix = piece[2][:s - pos]
                if pos + n <= e:
                    raw_hi = piece[1]
                    pos += n
                    if k < count:
                        piece, k = pieces[k], k + 1
                        n = piece[1] - piece[0] if piece[2] is None else len(piece[2])
                    else:
                        piece = None
                    continue
                if piece[2] is None:
                    raw_hi = piece[0] + (e - pos)
                    piece, pos = [raw_hi, piece[1], None], e
                    n = piece[1] - raw_hi
                else:
                    # The edit ends inside replaced text: the rest of it stays current (later
                    # edits of this rule may touch it) as a piece of no raw width; _merge joins them.
                    raw_hi = piece[1]
                    piece, pos = [raw_hi, raw_hi, piece[2][e - pos:]], e
                    n = len(piece[2])
                break
            out.append([raw_lo, raw_hi, prefix + replacement])
            log.append(AppliedEdit(rule, raw_lo, raw_hi, was, replacement))
        if piece is not None:
            out.append(piece)
        out.extend(pieces[k:])
        return _merge(out, raw)

    def offset_map(self) -> OffsetMap:
        changed, clean_pos = [], 0
        for rs, re_, new in self.pieces:
            n = re_ - rs if new is None else len(new)
            if new is not None:
                changed.append((rs, re_, clean_pos, clean_pos + n))
            clean_pos += n
        return OffsetMap(changed, len(self.raw), clean_pos)


def _in_order(edits: list[Edit], length: int) -> bool:
    """Whether ``edits`` are valid as given: in order, not overlapping, inside the text.

    Such a list is already sorted by (start, end), so applying it as it is changes nothing.
    """
    prev_end = 0
    for e in edits:
        if e.start < prev_end or e.end < e.start or e.end > length:
            return False
        prev_end = e.end
    return True


def _merge(pieces: list[list], raw: str) -> list[list]:
    """Join neighbours of the same kind; drop empty copies; a replacement equal to its raw is a copy."""
    merged: list[list] = []
    last = None
    for p in pieces:
        new = p[2]
        if new is None:
            if p[1] == p[0]:
                continue
        elif new == raw[p[0]:p[1]]:
            p, new = [p[0], p[1], None], None
        if last is not None and (last[2] is None) == (new is None):
            last = merged[-1] = [last[0], p[1], None if new is None else last[2] + new]
        else:
            merged.append(p)
            last = p
    return merged
