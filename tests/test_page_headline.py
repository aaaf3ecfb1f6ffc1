"""A whole page's headline becomes the document's title (corpus/rules/page_headline.py).

The residue model learned from extracted article text, which leaves the headline out, so it takes
a page's headline with the menus and bylines around it; the title then came from whatever short
line survived. Made-up pages of the shape real ones have (test_residue.py's).
"""

from dataclasses import replace

import numpy as np
from corpus_helpers import clean_text
from test_residue import ARTICLE, FOOTER, MENU, whole_page

from corpus.rules.base import CleaningContext
from corpus.rules.page_headline import page_headline
from corpus.rules.residue_model import ResidueModelRule

HEADLINE = "Harbour strike leaves ships waiting at anchor"
STOP = frozenset({"the", "and", "after", "with", "that", "this", "from", "over", "were"})


def headline_of(lines: list[str], residue) -> str | None:
    words = np.array([line.count(" ") + 1 for line in lines])
    return page_headline(lines, words, list(residue), STOP)


def test_a_whole_page_has_its_headline_as_title():
    doc = clean_text(whole_page())
    assert doc.title == HEADLINE
    assert doc.metadata["headline"] == HEADLINE
    for paragraph in ARTICLE:  # the text is what the model left
        assert paragraph in doc.text


def test_a_teaser_of_another_story_and_the_byline_are_not_the_headline():
    teaser = "Council votes to close the central library on Sundays"
    lines = MENU + [teaser, HEADLINE, "By Harbour Desk Reporter Jane", "12.03.24 | 10:41"] + ARTICLE + FOOTER
    residue = range(len(MENU) + 4)  # every line above the article goes, as on a page
    assert headline_of(lines, residue) == HEADLINE
    # the nearest of two equally good lines: a repeated headline in a breadcrumb trail is the same text
    assert headline_of(MENU + [HEADLINE, HEADLINE] + ARTICLE, range(len(MENU) + 2)) == HEADLINE


def test_no_headline_when_no_line_above_shares_the_articles_words():
    lines = MENU + ["Council votes to close the central library on Sundays"] + ARTICLE
    assert headline_of(lines, range(len(MENU) + 1)) is None
    assert headline_of(ARTICLE, []) is None  # the article starts at the first line: nothing above


def test_the_option_turns_it_off_and_an_article_gets_no_headline():
    ctx = CleaningContext()
    ResidueModelRule(headline=False).propose(whole_page(), ctx)
    assert "headline" not in ctx.metadata
    off = clean_text(whole_page(), options={"residue_model": {"headline": False}})
    assert off.title == "" and "headline" not in off.metadata  # the headline went with the menu
    ctx = CleaningContext()
    ResidueModelRule().propose(whole_page(), ctx)
    assert ctx.metadata["headline"] == HEADLINE
    article = clean_text("\n".join([HEADLINE] + ARTICLE))  # not a page: its first line is its title
    assert article.title == HEADLINE and "headline" not in article.metadata


def test_the_sources_own_title_comes_first():
    from corpus.cleaning import CleaningPipeline
    from corpus.model import Article, document_id, sha256_hex

    raw = whole_page()
    data = raw.encode("utf-8")
    article = Article(document_id(None, data), "feed.jsonl", raw, sha256_hex(data), "utf-8", "jsonl")
    doc = CleaningPipeline(language="en").clean(replace(article, title="Ships wait as harbour strike goes on"))
    assert doc.title == "Ships wait as harbour strike goes on"
    assert doc.metadata["headline"] == HEADLINE  # found, and the source's title still came first
