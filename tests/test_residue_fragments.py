"""Pieces of a sentence cut at its links (whole-page text with each text node on its own line)
are read as pieces of a paragraph, not as menu items: made-up text of the shape real pages have."""

import numpy as np
from test_residue import ARTICLE, FOOTER, MENU

from corpus.rules.base import CleaningContext
from corpus.rules.residue_model import FEATURES, ResidueModel, ResidueModelRule, line_features

# ARTICLE[3], as get_text("\n") gives it when "docks" and "gates" are links.
PIECES = [
    "Local shops near the",
    "docks",
    "said trade had already fallen, as lorry drivers who usually stop for lunch were turned away at the",
    "gates",
    "and told to park on the ring road until further notice.",
]


def page_lines() -> list[str]:
    return MENU + ["Harbour strike leaves ships waiting at anchor"] + ARTICLE[:3] + PIECES + ARTICLE[4:] + FOOTER


def column(lines: list[str], name: str) -> list[float]:
    return line_features(lines, ResidueModel.from_file().stopwords)[:, FEATURES.index(name)].tolist()


def test_each_piece_of_a_cut_sentence_is_a_fragment_and_menu_items_are_not():
    lines = page_lines()
    fragment = dict(zip(lines, column(lines, "sentence_fragment")))
    assert all(fragment[piece] == 1.0 for piece in PIECES)
    assert not any(fragment[item] for item in MENU)
    assert not any(fragment[paragraph] for paragraph in ARTICLE[:3] + ARTICLE[4:])


def test_a_line_starting_lower_case_or_with_a_comma_goes_on_from_an_open_line_only():
    lines = ["Read the", "report", ", which came out today.", "Home", "news", "Sport."]
    assert column(lines, "starts_lower") == [0, 1, 1, 0, 1, 0]
    assert column(lines, "next_starts_lower") == [1, 1, 0, 1, 0, 0]
    # "Home" ends like no sentence before "news": both are pieces by their shape; the model weighs it.
    assert column(lines, "sentence_fragment") == [1, 1, 1, 1, 1, 0]
    # A text's last line has nothing after it to go on into (texts computed together: test_residue_features).
    assert column(["A line without an end"], "sentence_fragment") == [0]


def test_the_pieces_of_a_cut_paragraph_stay_and_the_menu_goes():
    lines = page_lines()
    text = "\n".join(lines)
    edits = ResidueModelRule().propose(text, CleaningContext())
    gone = np.zeros(len(text), bool)
    for start, end, *_ in edits:
        gone[start:end] = True
    at = 0
    kept = {}
    for line in lines:
        kept[line] = not gone[at : at + len(line)].any()
        at += len(line) + 1
    assert all(kept[piece] for piece in PIECES)
    assert not any(kept[item] for item in MENU)
