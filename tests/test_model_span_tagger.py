"""The span tagger (`model train --architecture tagger`): when it scores every token's BILUO
tag, the decoder gives the best sequence whose spans are whole, never a broken one; a model
trained with it, or with spaCy's transition NER (the other architecture, and every model trained
before the tagger existed), loads in a fresh process and pre-annotates predictions that validate."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from test_models import QUICK, gold_workspace, runner

from annotation.models import fast_tok2vec, ner_decode
from annotation.models.span_tagger import allowed_transitions, spans_of, tag_names, viterbi
from annotation.predict import make_predictor
from annotation.schema import LabelSchema
from corpus.errors import NewsdeskError
from corpus.store import CorpusStore
from newsdesk.cli import app
from training.train import train_model
from validation.integrity import check_records

TAGS = tag_names(["CLAIM", "CUE"])  # O, B-CLAIM, I-CLAIM, L-CLAIM, U-CLAIM, B-CUE, ...


def _log_probs(rows: list[dict[str, float]]) -> np.ndarray:
    """Tokens' log-probabilities with the named tags likely and the rest not."""
    x = np.full((len(rows), len(TAGS)), np.log(0.01), dtype=np.float32)
    for t, row in enumerate(rows):
        for tag, p in row.items():
            x[t, TAGS.index(tag)] = np.log(p)
    return x


def _valid(tags: np.ndarray, n_labels: int) -> bool:
    ok, start, end = allowed_transitions(n_labels)
    return bool(start[tags[0]] and end[tags[-1]] and all(ok[a, b] for a, b in zip(tags, tags[1:])))


def test_decoding_repairs_what_the_best_tag_of_each_token_would_break():
    # Token by token the likeliest tags are O I-CLAIM L-CLAIM O: a span without its beginning.
    x = _log_probs([{"O": 0.9}, {"I-CLAIM": 0.6, "B-CLAIM": 0.3}, {"L-CLAIM": 0.9}, {"O": 0.9}])
    assert [TAGS[i] for i in x.argmax(axis=1)] == ["O", "I-CLAIM", "L-CLAIM", "O"]
    [tags] = viterbi([x], 2)
    assert [TAGS[i] for i in tags] == ["O", "B-CLAIM", "L-CLAIM", "O"]
    assert spans_of(tags) == [(0, 1, 3)]
    # A span may not change its label half way: the likelier label wins the whole span.
    x = _log_probs([{"B-CUE": 0.5, "B-CLAIM": 0.4}, {"I-CLAIM": 0.9}, {"L-CLAIM": 0.9}])
    assert spans_of(viterbi([x], 2)[0]) == [(0, 0, 3)]


def test_decoding_a_batch_gives_each_document_its_best_valid_sequence():
    rng = np.random.default_rng(0)
    docs = [rng.normal(size=(n, len(TAGS))).astype(np.float32) for n in (7, 1, 0, 30, 12)]
    together = viterbi(docs, 2)
    assert [len(t) for t in together] == [7, 1, 0, 30, 12]
    for x, tags in zip(docs, together):
        assert np.array_equal(tags, viterbi([x], 2)[0]), "a document's tags do not depend on its batch"
        if len(x):
            assert _valid(tags, 2)
    # Exhaustively on a short document: no valid sequence scores higher than the decoded one.
    x = docs[0][:4]
    decoded = x[np.arange(4), viterbi([x], 2)[0]].sum()
    valid = [np.array(seq) for seq in itertools.product(range(len(TAGS)), repeat=4) if _valid(np.array(seq), 2)]
    assert max(x[np.arange(4), seq].sum() for seq in valid) == pytest.approx(decoded)


def test_spans_of_a_valid_sequence():
    tags = np.array([TAGS.index(t) for t in ["U-CUE", "O", "B-CLAIM", "I-CLAIM", "I-CLAIM", "L-CLAIM", "U-CLAIM"]])
    assert spans_of(tags) == [(1, 0, 1), (0, 2, 6), (0, 6, 7)]


@pytest.fixture(scope="module")
def tagger_and_ner(tmp_path_factory):
    ws = gold_workspace(tmp_path_factory.mktemp("architectures"), n=24)
    fast = replace(QUICK, max_epochs=5)
    kinds = {arch: replace(fast, architecture=arch) for arch in ("tagger", "ner")}
    kinds["beam"] = replace(fast, beam_width=2)  # spaCy's beam NER, trained with its global objective
    return ws, {kind: train_model(ws, kind, 3, settings=settings) for kind, settings in kinds.items()}


@pytest.mark.parametrize("architecture", ["tagger", "ner", "beam"])
def test_each_architecture_loads_in_a_fresh_process_and_its_predictions_validate(tagger_and_ner, architecture):
    ws, models = tagger_and_ner
    result = models[architecture]
    assert result.meta.settings["architecture"] == ("ner" if architecture == "beam" else architecture)
    curve = result.meta.settings["curve"]
    assert set(curve) == {"entities", "claims"} and all(len(points) >= 2 for points in curve.values())
    config = (result.path / "claims" / "config.cfg").read_text()
    assert ("newsdesk_span_tagger" in config) == (architecture == "tagger")
    assert ("beam_ner" in config) == (architecture == "beam")
    # A new process knows nothing of the tagger's factory until the predictor registers it.
    code = (
        "import sys, json; from annotation.models.predictor import ModelPredictor; "
        "m = ModelPredictor(sys.argv[1]); print(json.dumps(m.layer_spans('Anna Berg said that the bridge was safe.')))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(result.path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"entities", "claims"}
    schema = LabelSchema.load(ws)
    docs = list(CorpusStore(ws).iter_documents())
    model = make_predictor(f"model:{result.path}")
    records = model.predict_many(docs, schema)
    assert check_records(records, {d.id: d for d in docs}, schema) == []
    with pytest.MonkeyPatch.context() as patch:  # thinc's own forward pass and spaCy's loop: the same
        patch.setattr(fast_tok2vec, "ENABLED", False)
        patch.setattr(ner_decode, "ENABLED", False)
        assert [r.to_record() for r in model.predict_many(docs, schema)] == [r.to_record() for r in records]
    assert sum(len(r.spans) for r in records) > 3 * len(docs)
    for r, d in zip(records, docs):
        for layer in ("entities", "claims"):
            spans = sorted((s.start, s.end) for s in r.spans if s.layer == layer)
            assert all(a < b and d.text[a:b].strip() == d.text[a:b] for a, b in spans)
            assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:])), "one layer's spans never cross"
    assert all(0.0 <= model.uncertainty(d) <= 0.5 for d in docs[:4])
    out = runner.invoke(
        app, ["model", "evaluate", architecture, "--workspace", str(ws.root), "--json", "--no-baseline"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["claims"]["overlap"]["by_label"]["CUE"]["f1"] > 0.5


def test_an_unknown_architecture_is_refused(tmp_path):
    ws = gold_workspace(tmp_path, n=10)
    with pytest.raises(NewsdeskError) as err:
        train_model(ws, "m", 0.1, settings=replace(QUICK, architecture="crf"))
    assert err.value.code == "E221" and "tagger" in err.value.detail
    out = runner.invoke(app, ["model", "train", "--architecture", "crf", "--workspace", str(ws.root)])
    assert out.exit_code == 1 and "[E221]" in out.output


def test_a_beam_ner_is_biased_and_tuned_like_the_greedy_one_and_decodes_greedily_in_numpy(tagger_and_ner):
    # The beam NER has the greedy one's moves and network: its start bias is chosen in training,
    # the bias opens spans in its beam too, and set to a beam of 1 the numpy decoder runs it and
    # finds what spaCy's greedy loop finds (bench/beam.py scores a beam-trained model both ways).
    from test_models import _spacy_entities

    from annotation.models.predictor import load_pipeline
    from annotation.models.start_bias import biased, ner_component

    ws, models = tagger_and_ner
    result = models["beam"]
    assert result.meta.settings["beam_width"] == 2
    nlp = load_pipeline(result.path / "claims")
    assert ner_component(nlp) is not None, "training and model tune choose its start bias"
    assert nlp.get_pipe("ner").cfg["beam_width"] == 2
    assert not ner_decode.can_decode(nlp, check_version=False), "its beam: spaCy's loop"
    texts = [d.text for d in CorpusStore(ws).iter_documents()] + ["", "Oslo", "Anna Berg said so."]
    docs = [nlp.make_doc(t) for t in texts]
    beam = _spacy_entities(nlp, docs, 16)
    with biased(nlp, {"CLAIM": 50.0, "CUE": 50.0, "SOURCE": 50.0}):
        assert sum(map(len, _spacy_entities(nlp, docs, 16))) > sum(map(len, beam))
    nlp.get_pipe("ner").cfg["beam_width"] = 1
    assert ner_decode.can_decode(nlp, check_version=False)
    greedy = _spacy_entities(nlp, docs, 16)
    assert ner_decode.decode_entities(nlp, docs, 16) == greedy
    assert sum(map(len, greedy)) > len(docs)
