"""``quote_spacing``: the space machine translation drops beside typographic double quotes."""

from __future__ import annotations

import re

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext

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
                after = text[i + 1 : i + 2]
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
