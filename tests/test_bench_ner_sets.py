"""The entity benchmark's sets (bench/models.py prepare wikiann|wnut17): given a Token<TAB>TAG file
as WNUT-17 writes it (sentences ended by a blank line, a line of one tab or a stray byte-order
mark) or as WikiANN does (``en:`` before every token), when it is made news-sized, every sentence
is kept whole, a document holds 15 of them, and the CoNLL importer reads the entities back."""

from __future__ import annotations

from bench_modules import bench_module

from annotation.importers.conll import _conll_documents, _conll_text


def _models_bench():
    return bench_module("models")


def _sentence(k: int, prefix: str = "") -> list[str]:
    return [f"{prefix}Lena\tB-person", f"{prefix}Holm{k}\tI-person", f"{prefix}visited\tO", f"{prefix}Oslo\tB-location"]


def test_wnut_sentence_ends_of_every_kind_make_documents_of_fifteen_sentences():
    ends = ["", "\t", "\ufeff"]
    lines = []
    for k in range(32):
        lines += _sentence(k) + [ends[k % 3]]
        if k == 4:
            lines.append("")  # two ends in a row are one
    conll = _models_bench().news_sized_conll("\n".join(lines))
    docs = list(_conll_documents(conll, "wnut.conll"))
    assert [len(doc) for doc in docs] == [15, 15, 2]
    text, chunks = _conll_text(docs[1])
    assert text.splitlines()[0] == "Lena Holm15 visited Oslo"
    assert [(label, text[a:b]) for label, a, b in chunks[:2]] == [("person", "Lena Holm15"), ("location", "Oslo")]
    assert len(chunks) == 30


def test_a_language_prefix_on_every_token_is_removed():
    lines = [*_sentence(0, "en:"), "", *_sentence(1, "en:")]
    conll = _models_bench().news_sized_conll("\n".join(lines), strip="en:")
    assert "en:" not in conll
    (doc,) = _conll_documents(conll, "wikiann")
    assert _conll_text(doc)[0] == "Lena Holm0 visited Oslo\nLena Holm1 visited Oslo"
