"""The word-frequency feature (`TrainSettings(frequency=True)`): each token carries how common
its word is in the language (wordfreq, offline); a model trained with it saves, loads in a fresh
process and predicts the same with the numpy decoder and the fast tok2vec as with spaCy's own
loop; a model trained without it keeps spaCy's plain embedding."""

from __future__ import annotations

from dataclasses import replace

import pytest
from model_fixtures import predict_in_fresh_process
from test_models import QUICK, gold_workspace

from annotation.models import ner_decode
from annotation.models.predictor import ModelPredictor
from annotation.models.quote_context import ARCHITECTURE as QUOTES
from annotation.models.word_frequency import ARCHITECTURE, frequency_code
from annotation.schema import CLAIM_LAYER, ENTITY_LAYER
from corpus.store import CorpusStore
from training.train import TrainSettings, _tok2vec_config, train_model


def test_a_common_word_codes_higher_than_a_rare_one_and_an_unknown_one_is_zero():
    the, said, lagos, unknown = (frequency_code(w, "en") for w in ("The", "said", "Lagos", "Qxzvwq"))
    assert the > said > lagos > unknown == 0
    assert frequency_code("Lagos", "en") == frequency_code("lagos", "en")  # the word, not its case
    assert 0 < frequency_code("Regierung", "de") and frequency_code("x", "zz") == 0  # no list: 0


@pytest.fixture(scope="module")
def with_frequency(tmp_path_factory):
    ws = gold_workspace(tmp_path_factory.mktemp("frequency"), n=24)
    settings = replace(QUICK, max_epochs=4, frequency=True, claim_frequency=True)
    return ws, train_model(ws, "frequency", 3, settings=settings)


def test_a_model_trained_with_frequency_saves_loads_and_predicts_the_same_either_way(with_frequency, monkeypatch):
    ws, result = with_frequency
    assert result.meta.settings["frequency"] is True
    for layer in result.meta.layers:
        assert ARCHITECTURE in (result.path / layer / "config.cfg").read_text()
    model = ModelPredictor(str(result.path))
    texts = [d.text for d in CorpusStore(ws).iter_documents()] + ["", "Qxzvwq Lund of Nordbank said so."]
    decoded = model.layer_spans_many(texts)
    assert sum(len(spans) for found in decoded for spans in found.values()) > len(texts)
    monkeypatch.setattr(ner_decode, "ENABLED", False)
    assert model.layer_spans_many(texts) == decoded
    expected = {k: [list(s) for s in v] for k, v in decoded[0].items()}
    assert predict_in_fresh_process(result.path, texts[0]) == expected  # registered by load_pipeline


def test_the_loaded_model_reads_the_frequency_code_of_each_token(with_frequency):
    _, result = with_frequency
    nlp = ModelPredictor(str(result.path)).pipelines[result.meta.layers[0]]
    tok2vec = nlp.pipeline[0][1].model.get_ref("tok2vec")
    nodes = {node.name: node for node in tok2vec.walk()}
    doc = nlp.make_doc("Qxzvwq said the bridge in Lagos was safe.")
    features = nodes["extract_features_with_frequency"].predict([doc])[0]
    assert features[:, -1].tolist() == [frequency_code(t.text, "en") for t in doc]
    assert features[0, -1] == 0 and features[2, -1] > features[5, -1] > 0
    assert features[:, :-1].tolist() == doc.to_array(["NORM", "PREFIX", "SUFFIX", "SHAPE"]).tolist()


def test_frequency_and_plain_embeddings_are_chosen_by_the_setting():
    assert _tok2vec_config(TrainSettings(frequency=False))["embed"]["@architectures"] == "spacy.MultiHashEmbed.v2"
    embed = _tok2vec_config(TrainSettings(frequency=True), "de")["embed"]
    assert (embed["@architectures"], embed["lang"]) == (ARCHITECTURE, "de")
    # One extra column at a time: the quote state takes its place.
    assert _tok2vec_config(TrainSettings(quotes=True))["embed"]["@architectures"] == QUOTES
    # By default the entity layer has it, the claim layer not (a draw on PolNeAR); the flag sets both.
    assert (TrainSettings().frequency_of(ENTITY_LAYER), TrainSettings().frequency_of(CLAIM_LAYER)) == (True, False)
    both = TrainSettings(frequency=True, claim_frequency=True)
    assert (both.frequency_of(CLAIM_LAYER), replace(both, quotes=True).frequency_of(ENTITY_LAYER)) == (True, False)
