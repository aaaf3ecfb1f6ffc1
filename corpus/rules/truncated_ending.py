"""``truncated_ending``: flags a last paragraph that stops mid-sentence."""

from __future__ import annotations

from corpus.model import Flag
from corpus.rules.base import CleaningContext


class TruncatedEnding:
    """Flags a text whose last paragraph stops mid-sentence (scraper cut it off)."""

    name = "truncated_ending"

    def flag(self, text: str, ctx: CleaningContext) -> list[Flag]:
        stripped = text.rstrip()
        if not stripped or "\n" not in stripped:
            return []
        last_start = stripped.rfind("\n") + 1
        last = stripped[last_start:]
        if len(last.split()) >= 8 and last[-1] not in '.!?…"”’»)]:;':
            return [
                Flag(
                    self.name,
                    last_start,
                    len(stripped),
                    "the last paragraph ends without final punctuation; the article may be truncated",
                )
            ]
        return []
