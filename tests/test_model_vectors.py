"""Word vectors learnt from the workspace's own text (`model train --vectors N`): given articles where
"said" and "stated" are used alike, their vectors are alike; a model trained with them keeps them
in its folder, loads in a fresh process, and predicts the same with the numpy decoder as with
spaCy's own loop."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import numpy as np
import pytest
from model_fixtures import predict_in_fresh_process
from test_models import QUICK, gold_workspace, runner

from annotation.models import ner_decode
from annotation.models.predictor import ModelPredictor
from corpus.store import CorpusStore
from newsdesk.cli import app
from training.train import train_model
from training.vectors import learn_vectors

NAMES = ["Anna", "Lars", "Maria", "Tomas", "Ingrid", "Peter"]
THINGS = ["bridge", "harbour", "airport", "ferry", "road", "station"]
STATES = ["safe", "closed", "too small", "busy", "new", "empty"]


def _articles(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    articles = []
    for _ in range(n):
        lines = []
        for _ in range(8):
            verb = rng.choice(["said", "stated"])
            lines.append(f"{rng.choice(NAMES)} {verb} that the {rng.choice(THINGS)} was {rng.choice(STATES)}.")
            lines.append(f"The {rng.choice(THINGS)} near the {rng.choice(THINGS)} was {rng.choice(STATES)}.")
        articles.append(" ".join(lines))
    return articles


def _vector(nlp, vectors, word: str) -> np.ndarray:
    return vectors.data[vectors.find(key=nlp.vocab.strings[word])]


def test_words_used_alike_get_vectors_alike():
    import spacy

    nlp = spacy.blank("en")
    vectors = learn_vectors(nlp, _articles(40), dim=8)
    assert vectors.shape[1] == 8 and vectors.shape[0] >= len(NAMES) + len(THINGS)
    assert np.allclose(np.linalg.norm(vectors.data, axis=1), 1.0, atol=1e-5)
    said, stated, bridge = (_vector(nlp, vectors, w) for w in ("said", "stated", "bridge"))
    assert said @ stated > 0.8 > said @ bridge
    # Keyed by the lower-case form: "Said" at a sentence start reads the same vector.
    assert vectors.find(key=nlp.vocab.strings["said"]) == vectors.find(key=nlp("Said").to_array(["NORM"])[0])
    again = learn_vectors(spacy.blank("en"), _articles(40), dim=8)
    assert np.array_equal(again.data, vectors.data), "the same text gives the same vectors"


def test_too_little_text_gives_no_vectors():
    import spacy

    assert learn_vectors(spacy.blank("en"), ["Anna said so."], dim=8) is None
    assert learn_vectors(spacy.blank("en"), [], dim=8) is None


@pytest.fixture(scope="module")
def with_vectors(tmp_path_factory):
    ws = gold_workspace(tmp_path_factory.mktemp("vectors"), n=24)
    return ws, train_model(ws, "vec", 3, settings=replace(QUICK, max_epochs=5, vectors=16))


def test_a_model_trained_with_vectors_keeps_them_and_predicts_the_same_either_way(with_vectors, monkeypatch):
    ws, result = with_vectors
    assert result.meta.settings["vectors"] == 16
    config = (result.path / "claims" / "config.cfg").read_text()
    assert "include_static_vectors = true" in config
    model = ModelPredictor(str(result.path))
    assert model.pipelines["claims"].vocab.vectors.shape[1] == 16
    assert model.pipelines["entities"].vocab is model.pipelines["claims"].vocab
    texts = [d.text for d in CorpusStore(ws).iter_documents()]
    decoded = model.layer_spans_many(texts)
    assert sum(len(found["claims"]) for found in decoded) > 2 * len(texts)
    assert result.meta.scores["claims"]["overlap"]["by_label"]["CUE"]["f1"] > 0.5
    monkeypatch.setattr(ner_decode, "ENABLED", False)
    assert model.layer_spans_many(texts) == decoded
    # A new process reads the vectors from the folder.
    expected = {k: [list(s) for s in v] for k, v in decoded[0].items()}
    assert predict_in_fresh_process(result.path, texts[0]) == expected


def test_model_train_takes_the_encoder_depth_and_the_vectors_from_the_command_line(tmp_path):
    ws = gold_workspace(tmp_path, n=12)
    args = ["model", "train", "--name", "flags", "--max-minutes", "0.1", "--depth", "3", "--vectors", "8"]
    out = runner.invoke(app, [*args, "--workspace", str(ws.root), "--json"])
    assert out.exit_code == 0, out.output
    settings = json.loads(out.stdout)["settings"]
    assert (settings["depth"], settings["vectors"]) == (3, 8)
    config = (ws.path("models") / "flags" / "claims" / "config.cfg").read_text()
    assert "depth = 3" in config and "include_static_vectors = true" in config
    out = runner.invoke(app, ["model", "train", "--depth", "0", "--workspace", str(ws.root)])
    assert out.exit_code == 2 and "--depth" in out.output
