"""The quotation feature (`TrainSettings(quotes=True)`): given texts quoted in several conventions,
each token knows whether it is inside a quote, on an opening or a closing mark; a model trained
with it saves, loads in a fresh process, and predicts the same with the numpy decoder as with
spaCy's own loop; a model trained without it has spaCy's plain embedding, as before."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest
from model_fixtures import predict_in_fresh_process
from test_models import QUICK, gold_workspace

from annotation.models import ner_decode
from annotation.models.predictor import ModelPredictor
from annotation.models.quote_context import ARCHITECTURE, char_codes, quote_marks, token_codes
from corpus.store import CorpusStore
from training.train import train_model

SYMBOLS = ".i<>"  # OUTSIDE, INSIDE, OPENING, CLOSING


def _drawn(text: str) -> str:
    return "".join(SYMBOLS[int(c)] for c in char_codes(text)[: len(text)])


@pytest.mark.parametrize(
    "text, drawn",
    [
        ('He said "we will win" today.', "........<iiiiiiiiiii>......."),
        ("“Yes,” said Lars.", "<iiii>..........."),
        ("„Nein“, sagte er.", "<iiii>..........."),  # German: „ closed by “
        ("„Nie”, rzekł.", "<iii>........"),  # Polish: „ closed by ”
        ("«Oui», dit-il.", "<iii>........."),
        ("”Hej” sa han.", "<iii>........"),  # Swedish: ” both ways
        ('"A" and "B"', "<i>.....<i>"),  # straight marks pair by what flanks them
        ('Mixed “styles" end.', "......<iiiiii>....."),
    ],
)
def test_quotes_of_each_convention_are_paired(text, drawn):
    assert _drawn(text) == drawn


def test_unbalanced_quotes_stop_at_the_paragraph_and_stray_marks_open_nothing():
    # A quote left open at a paragraph's end (the next paragraph continues it with its own mark).
    text = "He said “we will\n\n“And more” then."
    assert _drawn(text) == "........<iiiiiii..<iiiiiiii>......"
    # A closing mark with no quote open is a stray CLOSING; the text after it stays outside.
    assert _drawn("a stray ” here") == "........>....."
    # An opening mark inside an open quote: the first was never closed, the text stays inside.
    assert _drawn("“one “two” x") == "<iiii<iii>.."
    # An unclosed quote runs to the end of the text, and a blank line with spaces is a paragraph break.
    assert _drawn("“open to the end") == "<" + "i" * 15
    assert _drawn("“open\n  \nout") == "<iiii" + "...." + "..."
    inside, roles = quote_marks("no quotes at all, it's fine")
    assert (inside, roles) == ([], {})


def test_each_token_gets_its_first_characters_code():
    import spacy

    nlp = spacy.blank("en")
    doc = nlp.make_doc("Lars said: “We will build the bridge,” and left.")
    codes = dict(zip((t.text for t in doc), token_codes(doc).tolist()))
    assert (codes["said"], codes["“"], codes["We"], codes["bridge"], codes["”"], codes["left"]) == (0, 2, 1, 1, 3, 0)
    span = doc[3:6]
    assert token_codes(span).tolist() == token_codes(doc)[3:6].tolist()
    assert token_codes(nlp.make_doc("")).tolist() == []


@pytest.fixture(scope="module")
def with_quotes(tmp_path_factory):
    ws = gold_workspace(tmp_path_factory.mktemp("quotes"), n=24)
    return ws, train_model(ws, "quotes", 3, settings=replace(QUICK, max_epochs=4, quotes=True))


def test_a_model_trained_with_quotes_saves_loads_and_predicts_the_same_either_way(with_quotes, monkeypatch):
    ws, result = with_quotes
    assert result.meta.settings["quotes"] is True
    assert ARCHITECTURE in (result.path / "claims" / "config.cfg").read_text()
    model = ModelPredictor(str(result.path))
    texts = [d.text for d in CorpusStore(ws).iter_documents()]
    texts += ["", "“Yes,” said Lars Lund of Nordbank.\n\n“Open and never closed", '"Straight," he said.']
    decoded = model.layer_spans_many(texts)
    assert sum(len(found["claims"]) for found in decoded) > 2 * len(texts) - 6
    assert ner_decode.can_decode(model.pipelines["claims"], check_version=False)
    monkeypatch.setattr(ner_decode, "ENABLED", False)
    assert model.layer_spans_many(texts) == decoded
    # A fresh process loads the folder offline: the architecture is registered by load_pipeline.
    expected = {k: [list(s) for s in v] for k, v in decoded[0].items()}
    assert predict_in_fresh_process(result.path, texts[0]) == expected


def test_the_loaded_model_reads_the_quote_code_of_each_token(with_quotes):
    ws, result = with_quotes
    nlp = ModelPredictor(str(result.path)).pipelines["claims"]
    tok2vec = nlp.pipeline[0][1].model.get_ref("tok2vec")
    nodes = {node.name: node for node in tok2vec.walk()}
    doc = nlp.make_doc("He said: “we will build it now.”")
    features = nodes["extract_features_with_quotes"].predict([doc])[0]
    assert features[:, -1].tolist() == token_codes(doc).tolist() == [0, 0, 0, 2, 1, 1, 1, 1, 1, 1, 3]
    assert features[:, :-1].tolist() == doc.to_array(["NORM", "PREFIX", "SUFFIX", "SHAPE"]).tolist()
    assert sum(name == "hashembed" for name in (n.name for n in tok2vec.walk())) == 5


def test_a_model_without_quotes_keeps_spacys_plain_embedding(tmp_path):
    from training.train import TrainSettings, _tok2vec_config

    assert TrainSettings().quotes is False
    plain = TrainSettings(frequency=False)  # the claim layer's default network
    assert _tok2vec_config(plain)["embed"]["@architectures"] == "spacy.MultiHashEmbed.v2"
    assert _tok2vec_config(TrainSettings(quotes=True))["embed"]["@architectures"] == ARCHITECTURE


def test_model_train_takes_the_quote_feature_from_the_command_line(tmp_path):
    from test_models import runner

    from newsdesk.cli import app

    ws = gold_workspace(tmp_path, n=12)
    args = ["model", "train", "--name", "q", "--max-minutes", "0.1", "--depth", "2", "--quotes"]
    out = runner.invoke(app, [*args, "--workspace", str(ws.root), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["settings"]["quotes"] is True
    assert ARCHITECTURE in (ws.path("models") / "q" / "claims" / "config.cfg").read_text()


def test_a_model_saved_without_quotes_loads_in_a_process_that_never_heard_of_them(with_quotes, monkeypatch):
    # A model of the plain embedding (every model trained before the feature) names only spaCy's
    # own architectures: spaCy loads it by itself, and newsdesk predicts with it as before.
    ws, _ = with_quotes
    plain = train_model(ws, "plain", 3, settings=replace(QUICK, max_epochs=1))
    config = (plain.path / "claims" / "config.cfg").read_text()
    assert "newsdesk." not in config and "spacy.MultiHashEmbed.v2" in config
    code = "import sys, spacy; nlp = spacy.load(sys.argv[1]); print(len(nlp('“Yes,” said Lars.')))"
    done = subprocess.run([sys.executable, "-c", code, str(plain.path / "claims")], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == "7", done.stderr
    model = ModelPredictor(str(plain.path))
    texts = [d.text for d in CorpusStore(ws).iter_documents()][:6]
    decoded = model.layer_spans_many(texts)
    monkeypatch.setattr(ner_decode, "ENABLED", False)
    assert model.layer_spans_many(texts) == decoded
