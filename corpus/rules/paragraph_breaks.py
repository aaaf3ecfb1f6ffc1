"""``paragraph_breaks``: each line a paragraph, separated by exactly one blank line."""

from __future__ import annotations

from corpus.offsets import Edit, EveryOccurrence
from corpus.rules.base import CleaningContext


class ParagraphBreaks:
    """Each line is a paragraph: separate paragraphs by exactly one blank line, trim the ends."""

    name = "paragraph_breaks"

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        s = text.find("\n")
        if s < 0:
            return []
        # The counts settle a text whose every run of line breaks is one blank line already (the
        # counts are equal and no run is longer only then). A first run of another length says at
        # once that they will not: most texts have single breaks, and counting costs more than the walk.
        if (
            text.startswith("\n\n", s)
            and not text.startswith("\n\n\n", s)
            and text.count("\n") == 2 * text.count("\n\n")
            and "\n\n\n" not in text
        ):
            return _edge_newline_edits(text)  # every break is already one blank line
        if not text.startswith("\n\n", s):
            # Whole-page text has a single break after every line, each an edit: when no run is
            # longer, they are every line break's, made and applied by str and map calls.
            single = EveryOccurrence.of(text, "\n", "\n\n", "")
            if single is not None:
                return single
        # Every run of newlines (str.find goes from one to the next; a regex would stop on
        # each and build a match object for the many runs that are already right), each edit
        # made without Edit's Python-level __new__ (the same tuple, in 85% of the time).
        edits, n = [], len(text)
        append, edit = edits.append, tuple.__new__
        while s >= 0:
            e = s + 1
            while e < n and text[e] == "\n":
                e += 1
            if s == 0 or e == n:
                append(edit(Edit, (s, e, "")))
            elif e - s != 2:
                append(edit(Edit, (s, e, "\n\n")))
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
