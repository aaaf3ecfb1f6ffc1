"""``quote_spacing``: the space machine translation drops beside typographic double quotes."""

from __future__ import annotations

from corpus.offsets import Edit
from corpus.rules.base import CleaningContext

# Machine translation drops the space between a closing quote and the next word
# (`”he added`) and between a word and an opening quote (`said“we`). Only the typographic
# double quotes are candidates: ’ is also the apostrophe in "don’t". Which way a quote faces
# depends on the language's style, so a quote is judged with the quotes before it in its paragraph:
# German „schwarze Schaf“ closes with “, German and Danish »Wort« open with », Swedish ”så” opens
# and closes with ”. Scripts written without spaces (Chinese 第五届“沧州好人”提名) get none.
# A quoted word can take a suffix (English plurals: no “if”s, “and”s or “but”s), and in markup a
# quote after "=" delimits an attribute (href=”https://...): neither is a lost space.
_GUILLEMETS = "«»"
_CURLY = "“”„"


class QuoteSpacing:
    """Inserts the missing space after a closing and before an opening double quote."""

    name = "quote_spacing"

    def propose(self, text: str, ctx: CleaningContext) -> list[Edit]:
        if "”" not in text and "“" not in text and "»" not in text and "«" not in text:
            return []
        # str.find, not a regex scan (which cost more than the whole rule). No position can need
        # both spaces, so no edit is proposed twice.
        positions = []
        for quote in "”»":
            i = text.find(quote)
            while i >= 0:
                after = text[i + 1 : i + 2]
                # A quote after a space opens a quotation, whatever its shape (Spanish ”Haré ...).
                closes = i > 0 and not text[i - 1].isspace()
                if (
                    after.isalnum()
                    and not after.isdecimal()
                    and closes
                    and text[i - 1] != "="
                    and not _unspaced(after)
                    and not _suffix(text, i + 1)
                    and not _opens(text, i)
                ):
                    positions.append(i + 1)
                i = text.find(quote, i + 1)
        for quote in "“«":
            i = text.find(quote, 1)
            while i >= 0:
                before, after = text[i - 1], text[i + 1 : i + 2]
                # After a digit “ is an inch mark (a 10,25“ screen), not a quote; a quote that a
                # comma, a space or the line's end follows closes one (German „...“ over two lines).
                opens = before.isalpha() and after.isalnum()
                if opens and not _unspaced(before) and not _closes(text, i):
                    positions.append(i)
                i = text.find(quote, i + 1)
        return [Edit(i, i, " ") for i in sorted(positions)]


def _suffix(text: str, i: int) -> bool:
    """Whether the word at i is the plural suffix of the quoted word before it: a lone "s"."""
    return text[i] == "s" and not text[i + 1 : i + 2].isalnum()


def _unspaced(char: str) -> bool:
    """A letter of a script written without spaces around quotes: Chinese 第五届“沧州好人”提名,
    Japanese, Korean (particles follow the quote), Thai, Lao, Myanmar, Khmer; and the Arabic tatweel
    that joins a prefix to its quote (لـ«الصباح»)."""
    return (
        char == "\u0640"
        or char >= "\u2e80"
        or "\u0e00" <= char <= "\u109f"
        or "\u1100" <= char <= "\u11ff"
        or "\u1780" <= char <= "\u17ff"
    )


def _quotes_before(text: str, i: int, family: str) -> tuple[int, str]:
    """How many quotes of one family (guillemets or curly quotes) stand before position i in its
    paragraph, and the last of them ("" if none). Counted with str.count and str.rfind: a
    Python loop over every character of the paragraph was most of this rule."""
    start = text.rfind("\n", 0, i) + 1
    count = sum(text.count(quote, start, i) for quote in family)
    if not count:
        return 0, ""
    return count, text[max(text.rfind(quote, start, i) for quote in family)]


def _opens(text: str, i: int) -> bool:
    """A ” or » that opens a quotation: the first of a pair in its paragraph (Swedish ”…”, German »…«)."""
    quote = text[i]
    count, _ = _quotes_before(text, i, _GUILLEMETS if quote == "»" else _CURLY)
    if quote == "»":
        return count % 2 == 0
    # An English ” is a closing quote even when the opening one is missing; only a paragraph whose
    # quotes are all ” (the Swedish style) has ” opening.
    if count % 2:
        return False
    start = text.rfind("\n", 0, i) + 1
    if text.find("“", start, i) >= 0 or text.find("„", start, i) >= 0:
        return False
    end = text.find("\n", i)
    after = text[i + 1 : end if end >= 0 else len(text)]
    return "”" in after and "“" not in after


def _closes(text: str, i: int) -> bool:
    """A “ or « that closes a quotation: German „…“, or « after a » that opened (»…«)."""
    quote = text[i]
    count, last = _quotes_before(text, i, _GUILLEMETS if quote == "«" else _CURLY)
    if quote == "«":
        return count % 2 == 1 and last == "»"
    return last == "„"
