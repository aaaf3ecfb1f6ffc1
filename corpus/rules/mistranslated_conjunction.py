"""``mistranslated_conjunction``: flags a lexical word where a conjunction belongs between two quotations."""

from __future__ import annotations

import re

from corpus.model import Flag
from corpus.rules.base import CleaningContext

# Words that may legitimately stand alone between two quotations.
CONNECTORS = frozenset(
    "and but or nor yet so then while whereas although though because before after adding "
    "added said says continued insisted explained noted stressed he she they it we i also "
    "even plus as if when where until unless".split()
)
# Known mistranslations of conjunctions, for a helpful message.
KNOWN_MISTRANSLATIONS = {
    "corn": "French 'mais' (but) read as 'maïs' (corn)",
    "more": "French 'mais' (but) read as 'mais' (more)?",
}
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
            flags.append(
                Flag(
                    self.name,
                    m.start("word"),
                    m.end("word"),
                    f"'{word}' between two quotations looks like a mistranslated conjunction: {why}",
                )
            )
        return flags
