"""Language identification: the opening-first, batched reading gives py3langid's own answers."""

from __future__ import annotations

import py3langid
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import _get_identifier

from corpus.cleaning import CleaningPipeline
from corpus.language import (
    LANGUAGE_MARGIN,
    LANGUAGE_OPENING,
    LANGUAGE_SAMPLE,
    _best_languages,
    _language_identifier,
    detect_language,
    detect_languages,
)
from corpus.model import Article

NEWS = {
    "en": "The government announced on Tuesday a new plan to reduce energy prices for households, after weeks of "
    "protests in several cities. The finance minister said the measures would cost around two billion euros "
    "and would be paid for by a tax on the profits of energy companies. Opposition parties called the plan "
    "too little, too late, and said families had already paid the price of a cold winter.",
    "fr": "Le gouvernement a annoncé mardi un nouveau plan pour réduire les prix de l'énergie des ménages, après "
    "plusieurs semaines de manifestations dans plusieurs villes. Le ministre des finances a déclaré que les "
    "mesures coûteraient environ deux milliards d'euros et seraient financées par une taxe sur les bénéfices "
    "des entreprises du secteur. L'opposition a jugé le plan insuffisant et trop tardif.",
    "de": "Die Regierung hat am Dienstag einen neuen Plan angekündigt, um die Energiepreise für Haushalte zu senken, "
    "nachdem es wochenlang in mehreren Städten Proteste gegeben hatte. Der Finanzminister sagte, die "
    "Maßnahmen würden rund zwei Milliarden Euro kosten und durch eine Steuer auf die Gewinne der "
    "Energieunternehmen bezahlt. Die Opposition nannte den Plan zu wenig und zu spät.",
    "es": "El gobierno anunció el martes un nuevo plan para reducir los precios de la energía de los hogares, tras "
    "semanas de protestas en varias ciudades. El ministro de Hacienda dijo que las medidas costarían unos dos "
    "mil millones de euros y se pagarían con un impuesto sobre los beneficios de las empresas energéticas. "
    "La oposición calificó el plan de insuficiente y tardío.",
    "it": "Il governo ha annunciato martedì un nuovo piano per ridurre i prezzi dell'energia per le famiglie, dopo "
    "settimane di proteste in diverse città. Il ministro delle finanze ha detto che le misure costeranno "
    "circa due miliardi di euro e saranno pagate con una tassa sui profitti delle aziende energetiche. "
    "L'opposizione ha definito il piano troppo poco e troppo tardi.",
    "nl": "De regering heeft dinsdag een nieuw plan aangekondigd om de energieprijzen voor huishoudens te verlagen, "
    "na weken van protesten in verschillende steden. De minister van Financiën zei dat de maatregelen "
    "ongeveer twee miljard euro zouden kosten en betaald zouden worden met een belasting op de winsten van "
    "energiebedrijven. De oppositie noemde het plan te weinig en te laat.",
    "ru": "Правительство во вторник объявило о новом плане по снижению цен на энергию для домохозяйств после "
    "нескольких недель протестов в ряде городов. Министр финансов заявил, что эти меры обойдутся примерно "
    "в два миллиарда евро и будут оплачены за счёт налога на прибыль энергетических компаний. Оппозиция "
    "назвала план недостаточным и запоздалым, а семьи уже заплатили за холодную зиму.",
    "pl": "Rząd ogłosił we wtorek nowy plan obniżenia cen energii dla gospodarstw domowych, po tygodniach protestów "
    "w kilku miastach. Minister finansów powiedział, że środki będą kosztować około dwóch miliardów euro i "
    "zostaną sfinansowane z podatku od zysków firm energetycznych. Opozycja nazwała plan zbyt skromnym i "
    "spóźnionym, a rodziny już zapłaciły cenę mroźnej zimy.",
}


def _reference(text: str) -> str:
    """py3langid's public API on the longer sample: what the opening-first reading must agree with."""
    return py3langid.classify(text[:LANGUAGE_SAMPLE])[0] if text.strip() else "und"


def _article(language: str) -> str:
    return NEWS[language] + "\n\n" + NEWS[language]  # two paragraphs: longer than the opening


def test_news_in_eight_languages_batched_and_alone():
    texts = [_article(language) for language in NEWS] * 2  # 16 texts: the batched path
    assert all(len(t) > LANGUAGE_OPENING for t in texts)
    assert type(_language_identifier()).__name__ == "BulkLanguageIdentifier"
    expected = list(NEWS) * 2
    assert detect_languages(texts) == expected
    assert [detect_language(t) for t in texts[:8]] == list(NEWS)  # one by one
    assert [detect_language(t) for t in NEWS.values()] == list(NEWS)  # shorter than the opening
    assert [_reference(t) for t in texts] == expected
    # ...and the openings decided them (the batched pass, not the fallback to the longer sample).
    decided = _best_languages(_language_identifier(), [t[:LANGUAGE_OPENING] for t in texts])
    assert [language for language, _ in decided] == expected
    assert all(margin >= LANGUAGE_MARGIN for _, margin in decided)


def test_short_empty_and_featureless_texts_get_py3langids_answer():
    texts = (
        [
            "",
            "   \n",
            "Le gouvernement a annoncé un plan.",
            "Die Regierung hat einen Plan.",
            "." * 900,
            "2024 12 31 " * 60,
        ]
        + list(NEWS.values())
        + [_article(language) for language in NEWS]
    )
    assert detect_languages(texts) == [_reference(t) for t in texts]
    assert detect_languages(texts)[:2] == ["und", "und"]


def test_an_undecided_opening_reads_on():
    # A long opening of figures and names decides nothing by a wide margin; the French after it decides.
    opening = "Paris 2024 — 12:30 — A. B. C. — 15% — 3,5 — 7 — 9 — " * 8
    assert len(opening) >= LANGUAGE_OPENING
    text = opening + NEWS["fr"] * 2
    assert detect_languages([text] * 10) == ["fr"] * 10


@pytest.mark.parametrize("language", ["en", "fr", "ru"])
def test_cleaning_a_batch_gives_each_document_as_alone(language):
    articles = [
        Article(
            id=f"{language}{i}",
            source="t.txt",
            raw_text=_article(language) + f"\n\nParagraph {i}.",
            raw_sha256="0",
            encoding="utf-8",
            format="txt",
        )
        for i in range(12)
    ]
    pipeline = CleaningPipeline()
    batch = pipeline.clean_many(articles)
    alone = [CleaningPipeline().clean(a) for a in articles]
    assert [d.to_record() for d in batch] == [d.to_record() for d in alone]
    assert {d.language for d in batch} == {language}


def test_an_identifier_without_log_likelihoods_decides_on_the_longer_sample(monkeypatch):
    # A py3langid of another layout (or normalised probabilities) gives no lead in nats: the
    # opening decides nothing and every text gets py3langid's answer on the longer sample.
    identifier = _NormalisedProbabilities(_get_identifier())
    monkeypatch.setattr("corpus.language._language_identifier", lambda: identifier)
    texts = [_article(language) for language in NEWS] * 2
    assert detect_languages(texts) == list(NEWS) * 2
    assert identifier.read == [min(len(t), LANGUAGE_SAMPLE) for t in texts]  # the longer sample, once per text


class _NormalisedProbabilities:
    """py3langid's identifier as one configured with norm_probs=True would answer the opening pass."""

    _norm_probs = True

    def __init__(self, plain):
        self._plain = plain
        self.read: list[int] = []  # how many characters each classify call was given

    def classify(self, text):
        self.read.append(len(text))
        return self._plain.classify(text)


def test_answers_equal_py3langids_public_api_in_many_scripts():
    # corpus/language.py reads py3langid's model tables (pinned exactly in pyproject.toml):
    # whatever the path taken, the answer is the public classify's on the longer sample.
    others = [
        "日本政府は火曜日、家庭向けのエネルギー価格を引き下げる新たな計画を発表した。" * 12,
        "أعلنت الحكومة يوم الثلاثاء عن خطة جديدة لخفض أسعار الطاقة للأسر بعد أسابيع من الاحتجاجات. " * 8,
        "सरकार ने मंगलवार को घरों के लिए ऊर्जा की कीमतें कम करने की एक नई योजना की घोषणा की। " * 8,
        "政府周二宣布了一项降低家庭能源价格的新计划，此前多个城市发生了数周的抗议活动。" * 12,
    ]
    texts = [_article(language) for language in NEWS] + others + [t[:120] for t in others]
    assert detect_languages(texts * 2) == [_reference(t) for t in texts] * 2
    assert [detect_language(t) for t in texts] == [_reference(t) for t in texts]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(-1, 40), max_size=30),
        min_size=1,
        max_size=8,
    )
)
def test_feature_counts_of_a_batch_are_scipys_summed_duplicates(texts):
    """The count rows made with one sort are scipy's (duplicates summed, indices sorted), and
    their product with the weights is equal to the last bit."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from corpus.language import _feature_count_rows

    features = np.array([f for text in texts for f in text], dtype=np.intp)
    lengths = np.array([len(text) for text in texts], dtype=np.intp)
    found = features >= 0
    text_of = np.repeat(np.arange(len(texts)), lengths)[found]
    expected = csr_matrix((np.ones(len(text_of), dtype=np.float32), (text_of, features[found])), shape=(len(texts), 41))
    expected.sum_duplicates()
    expected.data = np.log1p(expected.data)
    rows = _feature_count_rows(features, lengths, 41)
    assert np.array_equal(rows.indptr, expected.indptr)
    assert np.array_equal(rows.indices, expected.indices)
    assert rows.data.dtype == expected.data.dtype and np.array_equal(rows.data, expected.data)
    weights = np.random.default_rng(len(features)).standard_normal((41, 5)).astype(np.float32)
    assert np.array_equal(rows @ weights, expected @ weights)
