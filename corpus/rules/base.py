"""What every cleaning rule is: a small named unit that *proposes* edits or flags, never edits text itself.

An editing rule has ``propose(text, ctx) -> list[Edit]``; a flagging rule has
``flag(text, ctx) -> list[Flag]`` and never changes the text (suspected translation artefacts are
for a human to judge). :mod:`corpus.cleaning` runs them in order and one engine applies the
edits, so the offset map and the edit log stay exact. A rule that can do a whole batch at once
faster may add ``propose_many(texts, contexts)`` or ``flag_many(texts, contexts)``, with the
same answers as one text at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from corpus.model import Flag
from corpus.offsets import Edit


@dataclass
class CleaningContext:
    """What rules learn about one document while cleaning it (byline, dates, language)."""

    language: str = "en"
    metadata: dict = field(default_factory=dict)
    format: str = "txt"  # the input's format: "html" text was already extracted from its page
    source: str = ""  # the site or feed it came from (corpus.rules.repeated_lines.source_of)
    repeated_lines: frozenset[str] = frozenset()  # the lines the workspace found repeated across that source
    first_line_is_title: bool = True  # False: the cleaned text's first line is furniture, not a title


class EditingRule(Protocol):
    """Proposes edits; the rule's options are its constructor's keyword arguments."""

    name: str

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]: ...


class FlaggingRule(Protocol):
    """Flags what a human should judge, with offsets and a message; the text is left as it is."""

    name: str

    def flag(self, text: str, ctx: CleaningContext) -> list[Flag]: ...


def _lines(text: str):
    """(start, end) of every line, without its newline."""
    pos = 0
    for line in text.split("\n"):
        yield pos, pos + len(line)
        pos += len(line) + 1


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


def remove_lines(lines: list[tuple[int, int]], first: int, last: int) -> Edit:
    """The edit removing the (start, end) lines ``first`` to ``last`` (the non-empty lines of a text).

    The lines go with the line break after them (at the very end, before them), so no empty
    paragraph is left behind.
    """
    if last + 1 < len(lines):
        return Edit(lines[first][0], lines[last + 1][0], "")
    if first > 0:
        return Edit(lines[first - 1][1], lines[last][1], "")
    return Edit(lines[first][0], lines[last][1], "")
