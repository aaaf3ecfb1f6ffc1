"""The residue model as a cleaning rule: lines it scores as page furniture are proposed for removal.

Applied to every text input (.txt, .jsonl, and HTML after extraction), after the pattern
rules (residue_lines) have taken what they know by name. Each removed run of lines is one
edit of the EditEngine, so the offset map and the edit log say what went and which rule took it.
"""

from __future__ import annotations

import re

from corpus.offsets import Edit
from corpus.residue_model import NOT_ARTICLE, ResidueModel, known_residue

_NON_EMPTY_LINE = re.compile(r"[^\n]+")
# A writer's social handle at the foot of an article ("Follow Jane Doe on Twitter @janedoe."): residue
# in articles as on pages (the model's feature of known shapes stays as it was trained).
_FOLLOW_THE_WRITER = re.compile(r"(?i)^follow [\w .'’-]{2,60} on (?:twitter|x|facebook|instagram)\b[^\n]{0,40}@\w+\.?$")


# A text left with fewer words than this that says "page not found" or "log in to read" is no article.
NOT_ARTICLE_WORDS = 120


class ResidueModelRule:
    """Removes the lines the residue model gives a probability of article text under ``threshold``
    (``html_threshold`` for text extracted from a page), and lines of known residue shapes."""

    name = "residue_model"

    def __init__(self, threshold: float = 0.5, html_threshold: float = 0.15, keep_words: int = 60,
                 page_share: float = 0.5, page_word_share: float = 0.1, model: str | None = None):
        self.threshold = threshold
        # Text extracted from a page (trafilatura) has lost most of its furniture already: only
        # lines the model is sure of go (on the development pages, 0.5 there cost must-keep
        # snippets, 0.883 kept against 0.915, for no gain in F1).
        self.html_threshold = html_threshold
        # A line of this many words is a paragraph whatever its neighbours: never taken (a
        # one-line article, as machine translations and feeds deliver them, is kept whole).
        self.keep_words = keep_words
        # The model takes lines from a page, not from an article: from a text (not extracted from
        # HTML) only when at least ``page_share`` of its lines and ``page_word_share`` of its words
        # score as residue. Whole-page text of real news pages passes (95% of the development
        # pages); real article texts do not (99.3% of PolNeAR's, 98% of the newspaper
        # fixtures' texts), where the lines the model took were article sentences ("It
        # shouldn't take long.") with annotations on them. In an article only lines of known
        # residue shapes ("Follow ... on Twitter @...") go.
        self.page_share = page_share
        self.page_word_share = page_word_share
        self.model = ResidueModel.from_file(model)

    def propose(self, text: str, ctx) -> list[Edit]:
        spans = [m.span() for m in _NON_EMPTY_LINE.finditer(text)]
        if not spans:
            return []
        lines = [text[s:e] for s, e in spans]
        probabilities = self.model.probabilities(lines)
        threshold = self.html_threshold if ctx.format == "html" else self.threshold
        words = [line.count(" ") + 1 for line in lines]
        scored = [i for i, (p, n) in enumerate(zip(probabilities.tolist(), words)) if n < self.keep_words and p < threshold]
        known = [i for i, (line, n) in enumerate(zip(lines, words))
                 if n <= 40 and (known_residue(line) or _FOLLOW_THE_WRITER.match(line))]
        a_page = ctx.format == "html" or (len(scored) >= self.page_share * len(lines)
                                          and sum(words[i] for i in scored) >= self.page_word_share * sum(words))
        residue = sorted(set(known) | set(scored)) if a_page else known
        if residue and residue[0] == 0 and (len(residue) == 1 or residue[1] != 1) and _headline(lines[0]):
            residue.pop(0)  # the title of a text whose opening paragraph is article: kept as its title
        kept_words = sum(words) - sum(words[i] for i in residue)
        if len(residue) == len(lines):
            ctx.metadata["not_article"] = "every line scored as residue"
        elif kept_words < NOT_ARTICLE_WORDS and any(NOT_ARTICLE.search(line) for line in lines[:40]):
            ctx.metadata["not_article"] = "it reads as an error page or a login wall"
        return [_remove_lines(text, spans, first, last) for first, last in _runs(residue)]


_NOT_HEADLINE = re.compile(r"https?://|www\.|@\w|pic\.twitter|[|•»›]|:$")


def _headline(line: str) -> bool:
    return 2 <= line.count(" ") + 1 <= 25 and not _NOT_HEADLINE.search(line.strip())


def _remove_lines(text: str, spans: list[tuple[int, int]], first: int, last: int) -> Edit:
    # The lines go with the line breaks after them (at the very end, before them), so no
    # empty paragraph is left behind.
    if last + 1 < len(spans):
        return Edit(spans[first][0], spans[last + 1][0], "")
    if first > 0:
        return Edit(spans[first - 1][1], spans[last][1], "")
    return Edit(spans[first][0], spans[last][1], "")


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
