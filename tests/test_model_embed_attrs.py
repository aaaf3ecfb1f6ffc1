"""Which token attributes the network embeds (`TrainSettings.embed_attrs`): given a model trained with
the case-sensitive ORTH beside spaCy's four, it embeds five columns, saves, loads in a fresh
process and predicts the same with the numpy tok2vec and decoder as with spaCy's and thinc's own
code; a setting that gives rows for fewer attributes than it names is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from model_fixtures import predict_in_fresh_process
from test_models import QUICK, gold_workspace

from annotation.models import fast_tok2vec, ner_decode
from annotation.models.predictor import ModelPredictor
from corpus.errors import NewsdeskError
from corpus.store import CorpusStore
from training.train import TrainSettings, train_model

WITH_ORTH = ("NORM", "PREFIX", "SUFFIX", "SHAPE", "ORTH")


@pytest.fixture(scope="module")
def with_orth(tmp_path_factory):
    ws = gold_workspace(tmp_path_factory.mktemp("orth"), n=24)
    settings = replace(
        QUICK, max_epochs=5, embed_attrs=WITH_ORTH, embed_rows=(5000, 1000, 2000, 500, 5000), frequency=False
    )
    return ws, train_model(ws, "orth", 3, settings=settings)


def test_the_default_embeds_spacys_four_attributes():
    assert TrainSettings().embed_attrs == ("NORM", "PREFIX", "SUFFIX", "SHAPE")
    assert len(TrainSettings().embed_rows) == 4


def test_a_model_trained_with_orth_embeds_it_saves_loads_and_predicts_the_same_either_way(with_orth, monkeypatch):
    ws, result = with_orth
    assert tuple(result.meta.settings["embed_attrs"]) == WITH_ORTH
    model = ModelPredictor(str(result.path))
    nlp = model.pipelines["entities"]
    tok2vec = nlp.pipeline[0][1].model.layers[0].layers[0]  # tok2vec >> list2array >> linear: its first
    assert sum(node.name == "hashembed" for node in tok2vec.walk()) == 5
    # "Berg" and "berg" share their NORM but not their ORTH: the fifth column tells them apart
    upper, lower = (nlp.make_doc(w).to_array(list(WITH_ORTH))[0] for w in ("Berg", "berg"))
    assert upper[0] == lower[0] and upper[4] != lower[4]
    assert fast_tok2vec.plan_of(tok2vec) is not None, "the numpy tok2vec reads any number of columns"
    texts = [d.text for d in CorpusStore(ws).iter_documents()]
    decoded = model.layer_spans_many(texts)
    assert sum(len(found["entities"]) for found in decoded) > len(texts)
    assert result.meta.scores["entities"]["exact"]["f1"] > 0.5
    monkeypatch.setattr(ner_decode, "ENABLED", False)
    monkeypatch.setattr(fast_tok2vec, "ENABLED", False)
    assert model.layer_spans_many(texts) == decoded
    expected = {k: [list(s) for s in v] for k, v in decoded[0].items()}
    assert predict_in_fresh_process(result.path, texts[0]) == expected


def test_rows_for_fewer_attributes_than_named_are_refused(with_orth):
    ws, _ = with_orth
    with pytest.raises(NewsdeskError) as refused:
        train_model(ws, "bad", 1, settings=replace(QUICK, embed_attrs=WITH_ORTH))
    assert refused.value.code == "E221" and "ORTH" in str(refused.value)
