"""Silver labels for the residue model (bench/train_residue.py) and the silver proxy
(bench/residue_cv.py --silver): given a snippet-labelled page, the lines its snippets leave
unlabelled are labelled from trafilatura's extraction, a gold label always wins, and with no
silver weight the model is trained as without them. Made-up text."""

from __future__ import annotations

from bench_modules import bench_module
from test_residue import ARTICLE, FOOTER, MENU

LINES = ["Home", "News", "Sign up for our newsletter today", ARTICLE[0], ARTICLE[1]]
EXTRACTED = "\n".join(ARTICLE)


def test_silver_labels_fill_only_the_lines_the_snippets_leave_unlabelled():
    train = bench_module("train_residue")
    gold = [None, None, 0, 1, None]
    assert train.silver_labels(LINES, gold, [EXTRACTED]) == [0, 0, None, None, 1]


def test_from_two_extractions_only_the_lines_they_agree_on_are_labelled():
    train = bench_module("train_residue")
    gold = [None] * len(LINES)
    only_first = "\n".join(ARTICLE[:1])
    assert train.silver_labels(LINES, gold, [EXTRACTED, only_first]) == [0, 0, 0, 1, None]


def test_without_silver_weight_the_model_is_trained_as_without_silver_examples(monkeypatch):
    train = bench_module("train_residue")
    page = MENU + ARTICLE + FOOTER
    gold = [0] * len(MENU) + [1] + [None] * (len(ARTICLE) - 1) + [0] * len(FOOTER)
    examples = [(page, gold, train.SNIPPETS), (ARTICLE, [1] * len(ARTICLE), train.EXPECTED)]
    silver = (page, train.silver_labels(page, gold, [EXTRACTED]), train.SILVER)
    monkeypatch.setattr(train, "SILVER_WEIGHT", 0.0)
    assert train.fit(examples + [silver], []) == train.fit(examples, [])
    monkeypatch.setattr(train, "SILVER_WEIGHT", 1.0)
    assert train.fit(examples + [silver], []) != train.fit(examples, [])


def test_the_silver_proxy_scores_against_the_extraction_and_leaves_out_empty_ones():
    cv = bench_module("residue_cv")
    silver = {"default": [EXTRACTED, ""], "favor_precision": [ARTICLE[0], ""]}
    groups = {"all": [0, 1]}
    figures = cv.silver_score(["\n".join(MENU + ARTICLE), "Home"], silver, groups)
    precision, recall, f1, pages = figures["default"]["all"]
    assert recall == 1.0 and precision < 1.0 and pages == 1
    assert cv.silver_score([EXTRACTED, ""], silver, groups)["default"]["all"] == (1.0, 1.0, 1.0, 1)


def test_outside_only_leaves_what_the_extraction_skips_inside_the_article_unlabelled(monkeypatch):
    train = bench_module("train_residue")
    lines = ["Home", ARTICLE[0], "Photo: Jane Doe", ARTICLE[1], *FOOTER[:1]]
    gold = [None] * len(lines)
    assert train.silver_labels(lines, gold, [EXTRACTED]) == [0, 1, 0, 1, 0]
    monkeypatch.setattr(train, "SILVER_OUTSIDE_ONLY", True)
    assert train.silver_labels(lines, gold, [EXTRACTED]) == [0, 1, None, 1, 0]


def test_a_snippet_page_gets_a_silver_copy_of_each_chosen_variant_only(monkeypatch):
    import sys
    from types import SimpleNamespace

    train, pages = bench_module("train_residue"), bench_module("pages")
    extracted = SimpleNamespace(trafilatura_outputs=lambda ps, setting: [EXTRACTED] * len(ps))
    monkeypatch.setitem(sys.modules, "quality", extracted)  # trafilatura's text, without trafilatura
    body = "".join(f"<li><a href='/{w}'>{w}</a></li>" for w in MENU) + "".join(f"<p>{p}</p>" for p in ARTICLE)
    page = pages.Page("p1", "example.org", f"<html><body><ul>{body}</ul></body></html>", keep=[ARTICLE[0]])
    monkeypatch.setattr(train, "SILVER_VARIANTS", ("nodes",))
    examples = train.examples_of([page])
    assert [e[3] for e in examples] == [train.SNIPPETS, train.SNIPPETS, train.SILVER, train.SNIPPETS, train.SNIPPETS]
    _, lines, silver, _ = examples[2]
    assert lines == examples[1][1] == pages.page_text_nodes(page.html).split("\n")
    assert silver[: len(MENU)] == [0] * len(MENU) and silver[len(MENU)] is None  # the snippet's own line: gold
