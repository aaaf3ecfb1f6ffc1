"""``not_an_article``: pages that are not articles (error pages, login walls, index pages) are
flagged, never kept silently.

The residue model's rule notes in the cleaning context when it found no article in a text (every
line scored as residue, or an error-page or login-wall message with little else); this flag puts
that on the document, over its whole text, for a human to judge or a filter to drop.
"""

from __future__ import annotations

from corpus.model import Flag
from corpus.rules.base import CleaningContext


class NotAnArticle:
    """Flags the whole text of a document the residue model found no article in."""

    name = "not_an_article"

    def flag(self, text: str, ctx: CleaningContext) -> list[Flag]:
        reason = ctx.metadata.get("not_article")
        if not reason:
            return []
        return [
            Flag(
                self.name,
                0,
                len(text),
                f"this does not look like an article ({reason}); "
                "check the source page, and drop the document if it is an error page, index or login wall",
            )
        ]
