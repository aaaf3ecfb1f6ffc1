"""A maintainer ingests news pages: the article's body comes out whole, the page's furniture does not.

The pages are written for these tests in the shape real pages have: a menu, an article whose
list of tools sits in a box between its paragraphs (trafilatura's precision setting drops
such a box with the menus), a results table, a "most read" list and a footer.
"""

import warnings

import pytest

from corpus.html_text import extract_html, with_body_lines, with_lines_of
from corpus.ingest import ingest
from corpus.store import CorpusStore
from corpus.workspace import Workspace

INTRO = [
    "The village bakery in Elmstead has baked the same mole cake for forty years, and on Saturday its "
    "owner shared the recipe with the town's cooking club for the first time.",
    "Anna Berger, who took over the bakery from her father in 2009, said the cake was never meant to be "
    "a secret. Nobody had asked, she said, until the club wrote to her in spring.",
]
OUTRO = [
    "Start by heating the oven to 180 degrees. Mix the flour with the baking powder, add the sugar and "
    "the butter, and beat in four eggs one after another until the batter is smooth.",
    "The club's members tried the recipe the same evening. Most of the cakes collapsed a little in the "
    "middle, which Berger said was exactly how it should look.",
    "The bakery will hold a second evening in June for anyone who missed the first one.",
]
TOOLS_BOX = (
    '<div class="box"><h2>Tools</h2><ul><li>Whisk</li><li><a href="/shop/scraper">Dough scraper</a></li>'
    "<li>Springform tin, 26 cm</li></ul></div>"
)
RESULTS_TABLE = (
    "<table><tr><td>Team</td><td>Points</td></tr><tr><td></td><td></td></tr>"
    "<tr><td>Elmstead Rovers</td><td>12</td></tr><tr><td>Harbour United</td><td>9</td></tr></table>"
)
MENU = '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></nav>'
MOST_READ = (
    '<aside><h3>Most read</h3><ul><li><a href="/a">Council approves new bus route</a></li>'
    '<li><a href="/b">Harbour festival draws record crowd</a></li></ul></aside>'
)


def page(middle: str, title: str = "A bakery shares its mole cake recipe") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in INTRO) + middle + "".join(f"<p>{p}</p>" for p in OUTRO)
    return (
        f"<html><head><title>{title}</title></head><body>{MENU}<article><h1>{title}</h1>{paragraphs}</article>"
        f"{MOST_READ}<footer><p>© 2024 Elmstead Courier. All rights reserved.</p></footer></body></html>"
    )


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace.init(tmp_path / "ws")


def ingested_text(workspace: Workspace, tmp_path, html: str) -> str:
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    report = ingest(workspace, [path])
    assert report.ok, [e.one_line() for e in report.failed]
    (doc,) = CorpusStore(workspace).iter_documents()
    return doc.text


def test_a_list_boxed_inside_the_article_stays_and_the_menus_around_it_go(workspace, tmp_path):
    text = ingested_text(workspace, tmp_path, page(TOOLS_BOX))
    for item in ("Whisk", "Dough scraper", "Springform tin, 26 cm"):
        assert item in text
    assert text.index(INTRO[-1]) < text.index("Dough scraper") < text.index(OUTRO[0])  # where the page has it
    for furniture in ("Home", "Sport", "Most read", "Council approves", "All rights reserved"):
        assert furniture not in text
    assert text.count("A bakery shares its mole cake recipe") == 1  # the title once, not again from the body


def test_a_results_table_is_kept_as_text_without_its_empty_rows():
    _, text = extract_html(page(RESULTS_TABLE, title="Rovers win the county cup"))
    assert "Elmstead Rovers" in text and "| 12 |" in text.replace("  ", " ") and "Harbour United" in text
    assert all(line.strip("| ") for line in text.splitlines() if "|" in line)  # no row of empty cells


def test_what_the_fuller_text_adds_is_taken_only_between_lines_both_texts_share():
    precise = "Title\nFirst paragraph.\nSecond paragraph.\nLast paragraph."
    fuller = "Home | News\nTitle\nFirst paragraph.\n- a list item\nSecond paragraph.\nLast paragraph.\nMost read"
    assert with_body_lines(precise, fuller) == (
        "Title\nFirst paragraph.\n- a list item\nSecond paragraph.\nLast paragraph."
    )


def test_nothing_of_the_precise_text_is_lost_nor_taken_twice():
    precise = "Opening line.\nA  paragraph   with odd spacing.\nA line only this text has.\nClosing line."
    fuller = (
        "Opening line.\nA paragraph with odd spacing.\nAnother version of a line only this text has.\n"
        "Opening line.\nThe Title\nSomething the precise setting dropped.\nClosing line."
    )
    merged = with_body_lines(precise, fuller, title="The Title").splitlines()
    assert [line for line in merged if line in precise.splitlines()] == precise.splitlines()
    assert merged.count("Opening line.") == 1 and "The Title" not in merged  # already there: not again
    assert "Another version of a line only this text has." not in merged  # the same line in another form
    assert "Something the precise setting dropped." in merged


def test_a_text_that_shares_too_little_with_the_fuller_one_is_left_as_it_is():
    assert with_body_lines("One line.\nTwo lines.", "Something else.\nOne line.\nMore.") == "One line.\nTwo lines."
    assert with_body_lines("Only line.", "") == "Only line."


def test_a_fuller_text_taken_instead_keeps_what_only_the_precise_text_found():
    # A gallery: the precise setting found its opening paragraph only, the default its captions only.
    precise = "Opening paragraph of the gallery.\nSecond paragraph of the gallery."
    fuller = "Second paragraph of the gallery.\nCaption one.\nCaption two.\nCaption three."
    assert with_lines_of(fuller, precise).splitlines() == [
        "Opening paragraph of the gallery.",
        "Second paragraph of the gallery.",
        "Caption one.",
        "Caption two.",
        "Caption three.",
    ]
    assert with_lines_of(fuller, "") == fuller


def test_a_headline_already_in_the_text_moves_up_and_is_not_repeated(workspace, tmp_path):
    # The page's <title> carries the site's name; its article opens with a kicker, then the headline.
    headline = "A bakery shares its mole cake recipe"
    html = page(TOOLS_BOX).replace(f"<title>{headline}</title>", f"<title>{headline} | Elmstead Courier</title>")
    html = html.replace(f"<h1>{headline}</h1>", f"<p>Food and drink</p><h1>{headline}</h1>")
    text = ingested_text(workspace, tmp_path, html)
    assert text.count(headline) == 1 and "Elmstead Courier" not in text
    (doc,) = CorpusStore(workspace).iter_documents()
    assert doc.title == headline and text.startswith(headline)  # the title, not the kicker above it


# Inline link teasers: a short label (any language) and one link to another article of the site.
TEASERS = [
    '<p><strong>Lea más:</strong> <a href="/politica/otra-nota">El concejo aprueba la nueva ruta de buses</a></p>',
    '<h3>MIRA:&nbsp;<a href="https://www.elmstead-courier.example/sport/cup">Rovers celebrate their third '
    "county cup in a row</a></h3>",
    '<blockquote><b>PUEDES VER: </b><a href="/fiestas/festival">¿Qué se sabe del festival del puerto este año?</a>'
    "</blockquote>",
    '<p>Czytaj też: <a href="/kraj/inny">Sejm przyjął ustawę o komunikacji w małych gminach</a></p>',
    '<p>À lire aussi » <a href="/sante/autre">Ballonnements, lourdeurs : comment y remédier au quotidien</a></p>',
]
# Article lines with a link: words around the link, a link elsewhere, a label and a short name.
LINKED_PARAGRAPHS = [
    '<p>The recipe was first printed in <a href="/archive/1984">the Courier\'s own cookbook of 1984</a>, '
    "which Berger still keeps behind the counter.</p>",
    '<p>Quelle: <a href="https://www.statistik.example/report">Bericht des Landesamts zur Lage der Bäckereien</a></p>',
    '<p>Rezept: <a href="/rezepte/maulwurf">Anna</a></p>',
]


def test_link_teasers_inside_the_body_go_in_any_language_and_linked_sentences_stay():
    html = page("".join(TEASERS[:3]) + "".join(LINKED_PARAGRAPHS) + "".join(TEASERS[3:])).replace(
        "<head>", '<head><link rel="canonical" href="https://www.elmstead-courier.example/food/mole-cake">'
    )
    _, text = extract_html(html)
    for teaser in ("El concejo aprueba", "Rovers celebrate", "festival del puerto", "Sejm przyjął", "Ballonnements"):
        assert teaser not in text
    for kept in ("the Courier's own cookbook of 1984", "Bericht des Landesamts", "Rezept: Anna", INTRO[0], OUTRO[-1]):
        assert kept in " ".join(text.split())


def test_a_teaser_is_a_label_and_a_link_to_another_page_of_the_site():
    from corpus.html_text import link_teasers

    html = "<html><body>" + "".join(TEASERS + LINKED_PARAGRAPHS) + "</body></html>"
    url = "https://www.elmstead-courier.example/food/mole-cake"
    keys = link_teasers(html, url)
    assert len(keys) == len(TEASERS) and all(key.split()[-1] not in ("bäckereien", "anna") for key in keys)
    assert "lea más: el concejo aprueba la nueva ruta de buses" in keys
    # a target without a page (an anchor, an address) or on another site is no teaser
    others = (
        '<p>Korinna Hennig: <a name="q1">Die kritischen Stimmen beziehen sich auch auf andere Daten</a></p>'
        '<p>Mail: <a href="mailto:desk@example.org">Write to the desk of the paper</a></p>'
        '<p>Read more: <a href="https://elsewhere.example/x">A story on a site that is not this one</a></p>'
        '<p>Infos: <a href="/sommercard">https://www.elmstead-courier.example/sommercard/bike-and-hike</a></p>'
    )
    assert link_teasers(f"<html><body>{others}</body></html>", url) == set()
    assert len(link_teasers(f"<html><body>{others}</body></html>", None)) == 1  # no URL: any site


def test_line_breaks_of_the_page_source_inside_a_paragraph_are_spaces_and_code_keeps_its_lines():
    # The shape of a live blog's entry: an (unknown) <image> element, then the words in <i>, hard-wrapped.
    wrapped = (
        '<p>\n<image align="left" src="/logo.gif" name="logo"></image>\n<i>I have just spoken to one of the '
        "relatives who has come to a Disaster Victim \n  Identification centre set up beside the hospital, where "
        "families wait for news. </i>\n</p>"
    )
    code = "<pre><code>for cake in cakes:\n    bake(cake)</code></pre>"
    _, text = extract_html(page(wrapped + code))
    assert (
        "I have just spoken to one of the relatives who has come to a Disaster Victim Identification centre set up"
        in text
    )
    assert "for cake in cakes:\n    bake(cake)" in text
    assert INTRO[0] in text and OUTRO[-1] in text


def test_a_page_dated_in_a_time_zone_dateutil_does_not_know_prints_nothing():
    """ "EST" in a page's date made dateutil warn in three lines on stderr, page after page."""
    paragraph = "<p>Dockers at the northern harbour stayed out on day {}, the union said, as talks stalled.</p>"
    page = (
        '<html><head><title>Harbour strike</title><meta name="last-modified" content="2014-12-29 08:57:25 EST">'
        "</head><body><article><h1>Harbour strike enters third week</h1>"
        + "".join(paragraph.format(i) for i in range(8))
        + "</article></body></html>"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, text = extract_html(page)
    assert "Dockers at the northern harbour" in text
    assert [str(w.message) for w in caught if "tzname" in str(w.message)] == []
