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

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate, repeat
from operator import add, eq, gt, sub
from typing import NamedTuple

# Edits, log lines and blocks are immutable records made by the tens per article: named
# tuples, which are built four times faster than frozen dataclasses.


class Edit(NamedTuple):
    """A change proposed on the text a rule sees: ``text[start:end]`` becomes ``replacement``."""

    start: int
    end: int
    replacement: str = ""


class EveryOccurrence(Sequence):
    """The edits replacing every occurrence of one character in a text, where no two occurrences
    stand side by side: each by ``inner``, one at the very start or end of the text by ``edge``.

    A sequence of :class:`Edit` like any rule's list (made when first read), which also carries
    the text after it and its columns, made by numpy and str calls: the engine applies it without
    reading or even making each edit (paragraph_breaks on a page of single line breaks: ~180
    edits, cut and composed one by one in ~110 µs). Made only by :meth:`of`, which checks what
    it promises.
    """

    __slots__ = ("text", "after", "starts", "ends", "replacements", "removed", "_at", "_growth", "_edits")

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):
        return self.edits()[i]

    def __iter__(self):
        return iter(self.edits())

    def __eq__(self, other) -> bool:
        return self.edits() == (other.edits() if isinstance(other, EveryOccurrence) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"EveryOccurrence({self.edits()!r})"

    def edits(self) -> list[Edit]:
        """The edits as a list (the same each time)."""
        if self._edits is None:
            self._edits = list(map(tuple.__new__, repeat(Edit), zip(self.starts, self.ends, self.replacements)))
        return self._edits

    def pieces(self) -> list[tuple[int, int, str]]:
        """The engine's replaced pieces on a text nothing has replaced yet: the edits' own
        columns, as plain tuples (a third of the time of making the Edit named tuples)."""
        return list(zip(self.starts, self.ends, self.replacements))

    @classmethod
    def of(cls, text: str, char: str, inner: str, edge: str) -> EveryOccurrence | None:
        """The edits, or None when two occurrences touch, a replacement is ``char`` itself or
        ``char`` is outside the Basic Multilingual Plane."""
        if len(char) != 1 or ord(char) > 0xFFFF or char in (inner, edge):
            return None
        import numpy as np  # (here: reading documents and offsets needs no numpy)

        units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), np.uint16)
        if units.size != len(text):  # a character outside the BMP: units are not str indices
            if char * 2 in text:
                return None
            at = np.array(_occurrences(text, char), np.int64)
        else:
            at = np.flatnonzero(units == ord(char))
            if at.size > 1 and (at[1:] - at[:-1]).min() == 1:
                return None
        starts, ends = at.tolist(), (at + 1).tolist()
        replacements = [inner] * len(starts)
        last = len(text) - 1
        lead = trail = 0
        if starts and starts[0] == 0:
            replacements[0], lead = edge, 1
        if starts and starts[-1] == last and last >= lead:
            replacements[-1], trail = edge, 1
        edits = cls()
        edits._edits = None
        middle = text[lead : len(text) - trail].replace(char, inner)
        edits.after = (edge if lead else "") + middle + (edge if trail else "")
        edits.text, edits.starts, edits.ends, edits.replacements = text, starts, ends, replacements
        edits.removed = [char] * len(starts)
        edits._at, edits._growth = at, (len(inner) - 1, len(edge) - 1, lead, trail)
        return edits

    def ends_after(self) -> list[int]:
        """Where each edit's replacement ends in the text after them all: what ``_ends`` of the
        columns gives, in numpy."""
        import numpy as np

        at, (inner, edge, lead, trail) = self._at, self._growth
        growth = np.full(at.size, inner, np.int64)
        if lead:
            growth[0] = edge
        if trail:
            growth[-1] = edge
        return (at + np.cumsum(growth) + 1).tolist()


def _occurrences(text: str, char: str) -> list[int]:
    starts, find, at = [], text.find, text.find(char)
    while at >= 0:
        starts.append(at)
        at = find(char, at + 1)
    return starts


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
    def from_record(cls, rec: list) -> AppliedEdit:
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
    def identity(cls, length: int) -> OffsetMap:
        return cls([], length, length)

    def to_record(self) -> dict:
        return {
            "raw_length": self.raw_length,
            "clean_length": self.clean_length,
            "changed": [list(c) for c in self.changed],
        }

    @classmethod
    def from_record(cls, rec: dict) -> OffsetMap:
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
        return any(
            rs < raw_end and re_ > raw_start or (rs == re_ and raw_start < rs < raw_end)
            for rs, re_, _, _ in self.changed
        )


class EditEngine:
    """Applies rules' edits to a text while tracking where every piece came from.

    ``pieces`` tile the raw text in order: ``[raw_start, raw_end, None]`` for a copied
    stretch, ``[raw_start, raw_end, "new text"]`` for a replaced one. Only the replaced ones
    are kept (``_changed``, lists or the :class:`Edit` s themselves, never changed in place):
    the copied stretches are what lies between them. No two replaced pieces touch (they are
    joined), and none replaces raw text by itself.
    """

    def __init__(self, raw: str):
        self.raw = raw
        self.text = raw
        self._changed: list = []
        # Where each replaced piece ends in the text of the rules settled so far (None: not
        # known yet). Later rules find their edits' pieces by bisection over it instead of a
        # walk past every piece before them (a real page has a piece at each of ~180 breaks).
        self._ends: list[int] | None = None
        self._log: list[AppliedEdit] = []
        # Edits applied to the text but not yet to the pieces: (rule, edits, removed texts).
        # Cleaning runs one rule over a whole batch before the next, so an article's pieces
        # would be cold at every rule; they are brought up to date at once when asked for.
        self._pending: list[tuple[str, list[Edit], list[str]]] = []

    @property
    def pieces(self) -> list[list]:
        self._settle()
        return [list(piece) for piece in _tiling(self._changed, len(self.raw))]

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
        if type(edits) is EveryOccurrence and edits.text is text:  # (made on this very text)
            self.text = edits.after
            self._pending.append((rule, edits, edits.removed))
            return
        parts, removed, bad = _cut(text, edits)
        if bad is not None:  # rules propose them in order: sorting is for the others
            edits = sorted(edits, key=lambda e: (e.start, e.end))
            parts, removed, bad = _cut(text, edits)
            if bad is not None:
                raise ValueError(f"rule {rule!r} proposed overlapping or out-of-range edit {bad}")
        self.text = "".join(parts)
        self._pending.append((rule, edits, removed))

    def _settle(self) -> None:
        pending = self._pending
        for i, (rule, edits, removed) in enumerate(pending):
            keep_ends = i < len(pending) - 1  # the last rule need not leave its pieces' ends
            if not self._insert_apart(edits, rule, removed, keep_ends):
                pieces, log = _rebuild(_tiling(self._changed, len(self.raw)), edits, rule, removed, self.raw)
                self._changed = [p for p in pieces if p[2] is not None]
                self._ends = None
                self._log += log
        self._pending.clear()

    def _insert_apart(self, edits: list[Edit], rule: str, removed: list[str], keep_ends: bool = False) -> bool:
        """Apply ``edits`` the short way when each starts and ends in copied text or next to a
        replaced piece (joined with it), covering others whole (most do); False, with nothing
        changed, when one does not: the general :func:`_rebuild` takes those. ``keep_ends``: a
        later rule follows, which finds its pieces by where these end."""
        raw, changed = self.raw, self._changed
        if not changed and _into_copies(self, edits, rule, removed, keep_ends):
            return True
        ends = self._ends
        if ends is None:
            ends = _current_ends(changed)
        out: list = []
        # Where out's pieces end in the text after this rule: for the rules after it (a list
        # that only takes appends, thrown away, after the last rule).
        out_ends: list[int] = [] if keep_ends else _NoEnds()
        log = []
        new_line = tuple.__new__  # AppliedEdit(...) without its Python-level __new__: half the time
        count, k, shift = len(changed), 0, 0  # shift: current minus raw offset before changed[k]
        grown = 0  # the text after this rule minus the current text, after the edits so far
        last_end = -1  # where the text this rule has replaced so far ends
        for (s, e, replacement), was in zip(edits, removed):
            if s <= last_end:
                return False
            # Replaced pieces that end before the edit stay as they are, joined with it if they
            # touch; an emptied stretch ending at the edit's start is covered by it. (Pieces end
            # in strictly increasing places: no two touch, so at most one ends at s.)
            passed = k
            if k < count and ends[k] <= s:  # (a rule of many edits passes none before most)
                k = bisect_left(ends, s, k)
                while k < count and ends[k] == s and (changed[k][2] or s == e):
                    k += 1
                if k > passed:
                    shift = ends[k - 1] - changed[k - 1][1]
                    out += changed[passed:k]
                    if keep_ends:
                        if k - passed == 1:  # (a map costs more than it saves on one piece)
                            out_ends.append(ends[passed] + grown)
                        else:
                            out_ends += map(add, ends[passed:k], repeat(grown)) if grown else ends[passed:k]
            touch_before = k > passed and changed[k - 1][1] + shift == s
            raw_start, covered = s - shift, False
            # Replaced pieces inside the edit are covered by it: those that end by its end,
            # start at or after its start and before its end (starts and ends only grow).
            if k < count and ends[k] <= e:
                inside = bisect_right(ends, e, k)
                if ends[k] - len(changed[k][2]) < s:
                    inside = k
                while inside > k and ends[inside - 1] - len(changed[inside - 1][2]) >= e:
                    inside -= 1
                if inside > k:
                    k, covered = inside, True
                    shift = ends[k - 1] - changed[k - 1][1]
            raw_end = e - shift
            touch_after = False
            if k < count:
                start = changed[k][0] + shift
                if start < e:
                    return False
                touch_after = start == e
            grown += len(replacement) - (e - s)
            # (A raw slice only when the lengths agree: the residue rules' deletions span thousands.)
            if (
                replacement == raw[raw_start:raw_end]
                if covered and len(replacement) == raw_end - raw_start
                else not covered and replacement == was
            ):
                # The raw text restored: the general case, unless it stands alone.
                if covered or touch_before or touch_after or s == e:
                    return False
            else:
                # Joined with the replaced pieces it touches, as _merge would (each join may
                # give back the raw text: a copy).
                piece = [raw_start, raw_end, replacement]
                piece_end = e + grown
                if touch_before:
                    before = out.pop()
                    out_ends.pop()
                    piece = [before[0], raw_end, before[2] + replacement]
                    if len(piece[2]) == raw_end - before[0] and piece[2] == raw[before[0] : raw_end]:
                        piece = None
                if touch_after:
                    after = changed[k]
                    shift = ends[k] - after[1]
                    piece_end += len(after[2])
                    k, last_end = k + 1, e + len(after[2])
                    if piece is None:
                        piece = after
                    else:
                        piece = [piece[0], after[1], piece[2] + after[2]]
                        if len(piece[2]) == piece[1] - piece[0] and piece[2] == raw[piece[0] : piece[1]]:
                            piece = None
                if piece is not None:
                    out.append(piece)
                    out_ends.append(piece_end)
            log.append(new_line(AppliedEdit, (rule, raw_start, raw_end, was, replacement)))
            last_end = max(last_end, e)
        out += changed[k:]
        if keep_ends:
            out_ends += map(add, ends[k:], repeat(grown)) if grown else ends[k:]
        self._changed, self._ends = out, out_ends if keep_ends else None
        self._log += log
        return True

    def offset_map(self) -> OffsetMap:
        self._settle()
        changed, shift = [], 0
        for rs, re_, new in self._changed:
            changed.append((rs, re_, rs + shift, rs + shift + len(new)))
            shift += len(new) - (re_ - rs)
        return OffsetMap(changed, len(self.raw), len(self.raw) + shift)


def _into_copies(engine: EditEngine, edits: list[Edit], rule: str, removed: list[str], keep_ends: bool) -> bool:
    """:meth:`EditEngine._insert_apart` on a text nothing has replaced yet, for edits that each
    stand apart from the next and change what they cover: each edit's span is its raw span and
    its piece the edit itself, so pieces and log lines are made by maps, in C (paragraph_breaks'
    edit on every line of a page: 30 µs of its 130 a real text). False, with nothing changed,
    for any other edits. (:class:`EveryOccurrence` brings its columns, checked when made.)"""
    if type(edits) is EveryOccurrence and removed is edits.removed:  # (applied the short way too)
        starts, ends, replacements = edits.starts, edits.ends, edits.replacements
        engine._changed = edits.pieces()
        engine._ends = edits.ends_after() if keep_ends else None
    else:
        starts, ends, replacements = zip(*edits)
        if not all(map(gt, starts[1:], ends)) or any(map(eq, replacements, removed)):
            return False
        engine._changed = list(edits)  # the edits are the pieces (named tuples: never changed in place)
        engine._ends = _ends(starts, ends, replacements) if keep_ends else None
    engine._log += map(tuple.__new__, repeat(AppliedEdit), zip(repeat(rule), starts, ends, removed, replacements))
    return True


def _current_ends(changed: list) -> list[int]:
    """Where each replaced piece ends in the current text: its raw end plus every piece's growth
    up to it, by maps in C (~20 µs for a real page's ~180 pieces, a walk past them ~35)."""
    return _ends(*zip(*changed)) if changed else []


def _ends(starts: tuple[int, ...], ends: tuple[int, ...], news: tuple[str, ...]) -> list[int]:
    return list(map(add, ends, accumulate(map(sub, map(len, news), map(sub, ends, starts)))))


class _NoEnds:
    """Stands for the pieces' ends after the last rule: nobody reads them."""

    __slots__ = ()

    def append(self, end: int) -> None:
        pass

    def pop(self) -> None:
        pass


def _tiling(changed: list[list], raw_length: int) -> list[list]:
    """The replaced pieces with the copied stretches between them."""
    pieces, pos = [], 0
    for piece in changed:
        if piece[0] > pos:
            pieces.append([pos, piece[0], None])
        pieces.append(piece)
        pos = piece[1]
    if pos < raw_length:
        pieces.append([pos, raw_length, None])
    return pieces


def _rebuild(
    pieces: list[list], edits: list[Edit], rule: str, removed: list[str], raw: str
) -> tuple[list[list], list[AppliedEdit]]:
    """The pieces after ``edits`` (on the text the pieces make) and their log lines, the general
    way: for the rules' edits that :meth:`EditEngine._insert_apart` leaves (about 1 in 100)."""
    out: list[list] = []
    log: list[AppliedEdit] = []
    rest = iter(pieces)
    piece, pos = next(rest, None), 0  # the current piece and where it starts in the current text
    for (s, e, replacement), was in zip(edits, removed):
        # Everything that ends before the edit is kept as it is.
        while piece is not None and pos + _length(piece) <= s and not (_length(piece) == 0 and pos == s < e):
            out.append(piece)
            pos += _length(piece)
            piece = next(rest, None)
        if piece is not None and piece[2] is None and pos < s:
            cut = piece[0] + (s - pos)
            out.append([piece[0], cut, None])
            piece, pos = [cut, piece[1], None], s
        raw_lo = piece[0] if piece is not None else len(raw)
        raw_hi, prefix = raw_lo, ""
        while piece is not None and (pos < e or (piece[2] is not None and pos < s)):
            n = _length(piece)
            if piece[2] is not None and pos < s:
                prefix = piece[2][: s - pos]
            if pos + n <= e:
                raw_hi = piece[1]
                pos += n
                piece = next(rest, None)
                continue
            if piece[2] is None:
                raw_hi = piece[0] + (e - pos)
                piece, pos = [raw_hi, piece[1], None], e
            else:
                # The edit ends inside replaced text: the rest of it stays current (later
                # edits of this rule may touch it) as a piece of no raw width; _merge joins them.
                raw_hi = piece[1]
                piece, pos = [raw_hi, raw_hi, piece[2][e - pos :]], e
            break
        out.append([raw_lo, raw_hi, prefix + replacement])
        log.append(AppliedEdit(rule, raw_lo, raw_hi, was, replacement))
    if piece is not None:
        out.append(piece)
    out.extend(rest)
    return _merge(out, raw), log


def _length(piece: list) -> int:
    """A piece's length in the current text."""
    return piece[1] - piece[0] if piece[2] is None else len(piece[2])


def _cut(text: str, edits: list[Edit]) -> tuple[list[str], list[str], Edit | None]:
    """The pieces of the text after ``edits``, the texts they remove, and the first edit that is
    not valid as given (in order, not overlapping, inside ``text``): None when all are."""
    parts, removed, pos, length = [], [], 0, len(text)
    for edit in edits:
        s, e, replacement = edit
        if s < pos or e < s or e > length:
            return parts, removed, edit
        parts.append(text[pos:s])
        parts.append(replacement)
        removed.append(text[s:e])
        pos = e
    parts.append(text[pos:])
    return parts, removed, None


def _merge(pieces: list[list], raw: str) -> list[list]:
    """The pieces in their one form: none replaces raw text by itself (that is a copy), no two
    replaced pieces touch (they are joined), copies are joined and never empty."""
    merged: list[list] = []
    for start, end, new in pieces:
        if new is not None and new == raw[start:end]:
            new = None
        elif new is not None and merged and merged[-1][2] is not None:
            before = merged.pop()
            start, new = before[0], before[2] + new
            if new == raw[start:end]:  # joined, it may be the raw text again
                new = None
        if new is None:
            if end == start:
                continue
            if merged and merged[-1][2] is None:
                start = merged.pop()[0]
        merged.append([start, end, new])
    return merged
