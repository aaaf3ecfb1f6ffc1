"""Models from the annotators' gold: given a small adjudicated corpus, when I train a model for a few
seconds, it is written whole, scores itself on held-out documents, pre-annotates documents with
predictions that validate, and refuses what it cannot use with a clear error."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from model_fixtures import write_brat_corpus
from typer.testing import CliRunner

from annotation.importers import import_annotations
from annotation.models.folder import META_FILE, ModelMeta, read_model_meta
from annotation.predict import make_predictor, resolve_predictor_spec
from annotation.schema import CLAIM, DEFAULT_SCHEMA, LINK_CUE, LINK_SOURCE, SCHEMA_FILE, LabelSchema
from corpus.errors import NewsdeskError
from corpus.store import CorpusStore
from corpus.workspace import Workspace
from newsdesk.cli import app
from training.evaluate import evaluate_model, match_spans, score
from training.examples import MIN_TRAIN_DOCUMENTS, chunks, gold_documents
from training.train import TRAINED_DOCUMENTS_FILE, TrainSettings, train_model
from validation.adjudicate import adjudicate_workspace
from validation.gold import save_gold
from validation.integrity import check_records

runner = CliRunner()
# Small and quick: the corpus's patterns are clear, the machine may be busy.
# Stopped by epochs, with a budget of CPU time, so that a busy machine trains the same model, only slower.
QUICK = TrainSettings(
    width=64,
    depth=2,
    embed_rows=(5000, 1000, 2000, 500),
    eval_seconds=3.0,
    patience=50,
    learn_rate=0.005,
    batch_words=(100, 500),
    max_epochs=8,
    clock="cpu",
    # the tiny corpus's claims learnt as the tests below were written for (at the default 0.25 a
    # bias of +50 on every opening move runs one CUE over a whole document instead of opening more)
    claim_dropout=0.1,
    # the same model whatever the machine's speed: a learn rate falling with the clock would not be
    learn_rate_schedule="constant",
)


def gold_workspace(path, n: int = 40, seed: int = 7) -> Workspace:
    ws = Workspace.init(path / "ws")
    # The corpus answers none of our claim questions: its maintainer makes them optional, as for
    # PolNeAR, or adjudication leaves its claims out of gold (it never writes gold that fails validation).
    labels = LabelSchema.write_default(ws)
    labels.write_text(labels.read_text().replace("required = true", "required = false"))
    import_annotations(ws, write_brat_corpus(path / "brat", n=n, seed=seed), "brat")
    save_gold(ws, adjudicate_workspace(ws, strategy="single"))
    return ws


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    ws = gold_workspace(tmp_path_factory.mktemp("models"))
    result = train_model(ws, "tiny", max_minutes=3, settings=QUICK)
    return ws, result


def test_training_writes_a_whole_model_folder_with_its_meta(trained):
    ws, result = trained
    assert result.path == ws.path("models", "tiny")
    meta = read_model_meta(result.path)
    assert meta.layers == ["entities", "claims"]
    assert meta.schema_hash == LabelSchema.load(ws).fingerprint()
    assert len(meta.data_fingerprint) == 16 and meta.version.startswith(meta.data_fingerprint[:8])
    assert meta.libraries["spacy"].startswith("3.")
    assert 0 < meta.settings["cpu_seconds"] < 3 * 60 + 60
    assert result.stopped == "converged" and min(meta.settings["epochs"].values()) >= 8
    gold = gold_documents(ws)
    held = {g.doc.id for g in gold if g.held_out}
    trained_on = set((result.path / TRAINED_DOCUMENTS_FILE).read_text().split())
    assert held and not held & trained_on, "no held-out document was trained on"
    assert meta.documents == {
        "train": len(gold) - len(held),
        "held_out": len(held),
        "train_examples": meta.documents["train_examples"],
    }
    assert not list(ws.path("models").glob(".*")), "no temporary folder is left behind"


def test_evaluate_prints_per_label_scores_links_and_edits_as_json(trained):
    ws, _ = trained
    out = runner.invoke(app, ["model", "evaluate", "tiny", "--workspace", str(ws.root), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    for layer in ("entities", "claims"):
        for mode in ("exact", "overlap"):
            scores = report[layer][mode]
            assert {"p", "r", "f1", "by_label"} <= set(scores)
            for label, s in scores["by_label"].items():
                assert all(s[k] is None or 0.0 <= s[k] <= 1.0 for k in ("p", "r", "f1")), (label, s)
        assert report[layer]["overlap"]["f1"] >= report[layer]["exact"]["f1"]
    assert set(report["claims"]["overlap"]["by_label"]) == {"CLAIM", "CUE", "SOURCE"}
    # The corpus's patterns are plain: a few seconds of training find most of them.
    assert report["entities"]["overlap"]["f1"] > 0.5
    assert report["claims"]["overlap"]["by_label"]["CUE"]["f1"] > 0.5
    assert {"cue", "source", "attributions", "attributions_whole"} <= set(report["links"])
    assert report["links"]["attributions"] > 0
    assert report["documents"] == report["trained_on_left_out"] * 0 + report["documents"] > 0
    assert report["trained_on_left_out"] == len([g for g in gold_documents(ws) if not g.held_out])
    assert report["speed"]["documents_per_second"] > 0
    edits = report["edits"]["per_1000_words"]
    assert set(edits) == {
        "spans_to_add",
        "spans_to_delete",
        "spans_to_relabel",
        "spans_to_resize",
        "links_to_add",
        "links_to_delete",
    }
    assert set(report["baseline"]) == {"entities", "claims", "links", "edits"}
    assert report["edits"]["total_per_1000_words"] < report["baseline"]["edits"]["total_per_1000_words"]


def test_model_list_shows_the_trained_model(trained):
    ws, result = trained
    out = runner.invoke(app, ["model", "list", "--workspace", str(ws.root), "--json"])
    assert out.exit_code == 0, out.output
    [row] = json.loads(out.stdout)
    assert row["name"] == "tiny" and row["model_version"] == result.meta.model_version
    assert row["layers"] == ["entities", "claims"] and row["entities_f1"] is not None


def test_the_model_predictor_pre_annotates_with_predictions_that_validate(trained):
    ws, result = trained
    schema = LabelSchema.load(ws)
    spec = resolve_predictor_spec("model:tiny", ws.root)
    assert spec == f"model:{result.path}"
    model = make_predictor(spec)
    assert model.model_version == result.meta.model_version
    docs = list(CorpusStore(ws).iter_documents())
    records = [model.predict(d, schema) for d in docs]
    assert all(r.origin == "prediction" and r.model_version == model.model_version for r in records)
    assert sum(len(r.spans) for r in records) > 5 * len(docs)
    assert check_records(records, {d.id: d for d in docs}, schema) == []
    claims = [s for r in records for s in r.spans if s.label == CLAIM]
    linked = {lk.from_id for r in records for lk in r.links if lk.label == LINK_SOURCE}
    assert claims and len(linked) > len(claims) / 2, "most claims get their source"
    assert any(lk.label == LINK_CUE for r in records for lk in r.links)
    uncertain = [model.uncertainty(d) for d in docs[:5]]
    assert all(0.0 <= u <= 0.5 for u in uncertain)


def test_predicting_a_batch_of_documents_gives_each_document_its_own_prediction(trained):
    # The batch path (each layer's NER over many documents at once) is the fast path of predict
    # and evaluate: it must give what one document at a time gives.
    ws, result = trained
    schema = LabelSchema.load(ws)
    model = make_predictor(f"model:{result.path}")
    docs = list(CorpusStore(ws).iter_documents())
    one_by_one = [model.predict(d, schema).to_record() for d in docs]
    assert [r.to_record() for r in model.predict_many(docs, schema)] == one_by_one
    assert model.predict_many([], schema) == []
    baseline = make_predictor("baseline")  # a predictor without a batch path is called per document
    assert [r.to_record() for r in baseline.predict_many(docs[:3], schema)] == [
        baseline.predict(d, schema).to_record() for d in docs[:3]
    ]


def _spacy_entities(nlp, docs, batch_size: int) -> list[list[tuple[str, int, int]]]:
    """The plain definition: what spaCy's own NER loop sets as ``doc.ents``."""
    done = nlp.pipeline[0][1].pipe([d.copy() for d in docs], batch_size=batch_size)
    return [[(e.label_, e.start, e.end) for e in d.ents] for d in done]


def test_the_ner_decoded_in_numpy_finds_what_spacy_finds(trained):
    # The fast path of a model's prediction decodes spaCy's NER in numpy: it must find exactly the
    # entities spaCy finds, in every batch size, on empty and whitespace documents, with classes the
    # model never saw in training, and with weights that make it guess wildly (every move, everywhere).
    import numpy as np

    from annotation.models.ner_decode import _Decoder, can_decode, decode_entities
    from annotation.models.predictor import load_pipeline

    ws, result = trained
    texts = [d.text for d in CorpusStore(ws).iter_documents()]
    texts += ["", "   ", "\n\n", "Oslo", "Anna Berg said so.\n\n  \n“Yes,” said Lars Lund of Nordbank.", texts[0] * 6]
    for layer in read_model_meta(result.path).layers:
        nlp = load_pipeline(result.path / layer)
        assert can_decode(nlp, check_version=False)
        docs = [nlp.make_doc(t) for t in texts]
        for batch_size in (1, 5, 64):
            assert decode_entities(nlp, docs, batch_size) == _spacy_entities(nlp, docs, batch_size)
        assert sum(map(len, _spacy_entities(nlp, docs, 64))) > len(docs), layer
        model = nlp.pipeline[0][1].model
        model.attrs["unseen_classes"] = {0, 3}  # spaCy's token-by-token steps, in its sub-batches
        assert decode_entities(nlp, docs, 8) == _spacy_entities(nlp, docs, 8)
        model.attrs["unseen_classes"] = set()
        decoder = _Decoder(nlp.pipeline[0][1])
        decoder.by_steps = True  # the steps (over documents sorted by length) give what the jumps give
        by_length = sorted(docs, key=len)
        assert decoder.decode(by_length) == _Decoder(nlp.pipeline[0][1]).decode(by_length)
        upper = model.get_ref("upper")
        noise = np.random.default_rng(0).normal(0, 3, upper.get_param("W").shape).astype("f")
        upper.set_param("W", upper.get_param("W") + noise)
        wild = _spacy_entities(nlp, docs, 16)
        assert decode_entities(nlp, docs, 16) == wild
        assert len({label for ents in wild for label, a, b in ents if b - a > 1}) > 1, "long entities of each label"
    import spacy

    assert not can_decode(spacy.blank("en"), check_version=False), "a pipeline without an NER goes through spaCy"


def test_a_model_predicts_the_same_records_with_the_numpy_decoder_and_with_spacys_loop(trained, monkeypatch):
    from annotation.models import fast_tok2vec, ner_decode
    from annotation.models.predictor import ModelPredictor

    ws, result = trained
    schema = LabelSchema.load(ws)
    docs = list(CorpusStore(ws).iter_documents())
    model = ModelPredictor(str(result.path))
    fast = [r.to_record() for r in model.predict_many(docs, schema)]
    monkeypatch.setattr(fast_tok2vec, "ENABLED", False)  # thinc's forward pass, then spaCy's loop too
    assert [r.to_record() for r in model.predict_many(docs, schema)] == fast
    monkeypatch.setattr(ner_decode, "ENABLED", False)
    assert [r.to_record() for r in model.predict_many(docs, schema)] == fast


def test_a_start_bias_opens_more_spans_alike_in_both_decoders_and_leaves_the_pipeline_as_it_was(trained):
    # The bias on opening a span is added where spaCy's loop reads it (the output layer's bias), for
    # the time of one prediction: the numpy decoder must find what that loop finds, the pipeline on
    # disk and in memory keeps its own weights, and a bias up opens more spans, a bias down none.
    from annotation.models.ner_decode import decode_entities
    from annotation.models.predictor import load_pipeline
    from annotation.models.start_bias import biased

    ws, result = trained
    texts = [d.text for d in CorpusStore(ws).iter_documents()] + ["", "Oslo", "Anna Berg said so."]
    nlp = load_pipeline(result.path / "claims")
    upper = nlp.pipeline[0][1].model.get_ref("upper")
    weights = upper.get_param("b").copy()
    docs = [nlp.make_doc(t) for t in texts]
    plain = _spacy_entities(nlp, docs, 16)
    assert decode_entities(nlp, docs, 16, {}) == decode_entities(nlp, docs, 16, {"CUE": 0.0}) == plain
    # the tiny corpus is learnt with confidence: it takes a large bias (20 or more) to move the model
    for bias in ({"CLAIM": 50.0, "CUE": 50.0, "SOURCE": 50.0}, {"SOURCE": 50.0}, {"CUE": -10.0}):
        with biased(nlp, bias):
            spacy_found = _spacy_entities(nlp, docs, 16)
        assert (upper.get_param("b") == weights).all(), "the weights are restored"
        assert decode_entities(nlp, docs, 16, bias) == spacy_found, bias
    more = decode_entities(nlp, docs, 16, {"CLAIM": 50.0, "CUE": 50.0, "SOURCE": 50.0})
    assert sum(map(len, more)) > sum(map(len, plain))
    sources = decode_entities(nlp, docs, 16, {"SOURCE": 50.0})
    assert sum(e[0] == "SOURCE" for d in sources for e in d) > sum(e[0] == "SOURCE" for d in plain for e in d)
    assert not any(decode_entities(nlp, docs, 16, {"CLAIM": -50.0, "CUE": -50.0, "SOURCE": -50.0}))


def test_training_chooses_the_start_bias_that_scores_best_on_held_out_gold(trained):
    from annotation.models.predictor import ModelPredictor
    from training.evaluate import START_BIAS_TOLERANCE, _layer_score, tune_start_bias

    ws, result = trained
    meta = read_model_meta(result.path)
    assert meta.settings["start_bias"] is True
    held = [g for g in gold_documents(ws) if g.held_out]
    model = ModelPredictor(str(result.path))
    assert tune_start_bias(model.pipelines, meta, held) == meta.start_bias, "chosen the same way again"
    for layer, bias in meta.start_bias.items():
        assert set(bias) <= set(model.pipelines[layer].pipeline[0][1].labels)
    for layer in meta.layers:
        unbiased = ModelPredictor.of(model.pipelines, replace(meta, start_bias={}))
        assert _layer_score(model, layer, held) >= _layer_score(unbiased, layer, held) - START_BIAS_TOLERANCE


def test_model_tune_chooses_the_bias_again_and_gives_the_model_a_new_version(trained, tmp_path):
    ws, result = trained
    meta = read_model_meta(result.path)
    record = meta.to_record()
    del record["start_bias"]
    assert ModelMeta.from_record(record).start_bias == {}, "a model from before the bias predicts without one"
    older = tmp_path / "older"
    shutil.copytree(result.path, older)
    chosen_elsewhere = {"claims": {"CLAIM": 30.0}}  # as if chosen on another workspace's gold
    (older / META_FILE).write_text(json.dumps({**record, "start_bias": chosen_elsewhere}))
    out = runner.invoke(app, ["model", "tune", str(older), "--workspace", str(ws.root), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["before"] == chosen_elsewhere and report["start_bias"] == meta.start_bias
    assert report["documents"] == len([g for g in gold_documents(ws) if g.held_out])
    tuned = read_model_meta(older)
    assert tuned.start_bias == meta.start_bias
    assert tuned.version != meta.version and tuned.version[:8] == meta.version[:8]
    assert report["version"] == tuned.model_version
    assert not list(older.glob(".*")), "meta.json is written whole (temporary file, then renamed)"
    # every gold document trained on: nothing left to choose on, and meta.json is left as it was
    every = "".join(f"{g.doc.id}\n" for g in gold_documents(ws))
    (older / TRAINED_DOCUMENTS_FILE).write_text(every)
    before = (older / META_FILE).read_text()
    out = runner.invoke(app, ["model", "tune", str(older), "--workspace", str(ws.root)])
    assert out.exit_code == 1 and "[E220]" in out.output and "0 not trained on" in out.output
    assert (older / META_FILE).read_text() == before


def test_annotate_predict_runs_the_model_by_its_name(trained):
    ws, result = trained
    out = runner.invoke(
        app, ["annotate", "predict", "--predictor", "model:tiny", "--workspace", str(ws.root), "--json"]
    )
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["model_version"] == result.meta.model_version
    assert report["predicted"] == report["documents"] == 40


def test_each_layer_trains_with_its_own_dropout(tmp_path, monkeypatch):
    # Claims over-fit at spaCy's 0.1 where entities did not gain from more (bench/README.md, tenth round).
    from training import train as training

    seen: dict[str, set[float]] = {}
    step = training._Layer.step

    def record(self, rng, dropout):
        seen.setdefault(self.layer, set()).add(dropout)
        return step(self, rng, dropout)

    monkeypatch.setattr(training._Layer, "step", record)
    ws = gold_workspace(tmp_path, n=24)
    train_model(ws, "drop", max_minutes=1, settings=replace(QUICK, max_epochs=1, dropout=0.1, claim_dropout=0.3))
    assert seen == {"entities": {0.1}, "claims": {0.3}}
    assert TrainSettings(claim_dropout=None).dropout_of("claims") == TrainSettings().dropout
    assert TrainSettings().dropout_of("claims") == 0.25


def recorded_steps(monkeypatch, read) -> list:
    """What ``read(layer)`` gives at each training step of a layer (its learn rate, its epoch...)."""
    from training import train as training

    seen: list = []
    step = training._Layer.step

    def record(self, rng, dropout):
        seen.append(read(self))
        return step(self, rng, dropout)

    monkeypatch.setattr(training._Layer, "step", record)
    return seen


def test_the_learn_rate_falls_with_the_time_spent(tmp_path, monkeypatch):
    # On WikiANN a rate falling to a tenth over the budget scored higher than a constant one (bench/README.md,
    # eleventh round): each step's rate is the start's share of the budget left, never under a tenth.
    rates = recorded_steps(monkeypatch, lambda layer: layer.optimizer.learn_rate)
    ws = gold_workspace(tmp_path, n=24)
    # by the clock alone: with an epoch horizon each layer would fall at its own pace
    settings = replace(
        QUICK,
        learn_rate_schedule="linear",
        learn_rate_epochs=None,
        claim_learn_rate_epochs=None,
        max_epochs=None,
        patience=1000,
    )
    train_model(ws, "falling", max_minutes=0.2, settings=settings)
    assert 0.5 * QUICK.learn_rate <= rates[0] <= QUICK.learn_rate  # reading the gold counts as time spent
    assert all(a >= b for a, b in zip(rates, rates[1:]))
    assert rates[-1] < 0.8 * rates[0] and min(rates) >= 0.1 * QUICK.learn_rate - 1e-12
    assert TrainSettings().learn_rate_schedule == "linear"
    rates.clear()
    train_model(ws, "steady", max_minutes=1, settings=replace(QUICK, max_epochs=1))
    assert set(rates) == {QUICK.learn_rate}
    with pytest.raises(NewsdeskError) as err:
        train_model(ws, "bad", max_minutes=1, settings=replace(QUICK, learn_rate_schedule="cosine"))
    assert err.value.code == "E221" and "linear" in err.value.detail
    with pytest.raises(NewsdeskError) as err:
        train_model(ws, "bad", max_minutes=1, settings=replace(QUICK, claim_learn_rate_epochs=0))
    assert err.value.code == "E221" and "claim_learn_rate_epochs" in err.value.where


def test_the_learn_rate_reaches_its_floor_by_the_epochs_given(tmp_path, monkeypatch):
    # Over a 20-minute budget a rate falling with the clock alone stays high long after the model has
    # learnt what it can (WikiANN: ~10 epochs of ~70; bench/README.md, twelfth round).
    from training import train as training

    at = replace(QUICK, learn_rate=1.0, learn_rate_epochs=10, claim_learn_rate_epochs=5)
    assert training._falling_rate(at, "entities", 0.2, 10) == pytest.approx(0.1)  # the floor by epoch 10
    assert training._falling_rate(at, "entities", 0.2, 5) == pytest.approx(0.5)
    assert training._falling_rate(at, "entities", 0.7, 1) == pytest.approx(0.3)  # or by the clock, if sooner
    assert training._falling_rate(at, "claims", 0.2, 5) == pytest.approx(0.1)  # the claim layer's own
    budget = replace(at, learn_rate_epochs=None, claim_learn_rate_epochs=None)
    assert training._falling_rate(budget, "claims", 0.2, 50) == pytest.approx(0.8)

    rates = recorded_steps(monkeypatch, lambda layer: (layer.epoch, layer.optimizer.learn_rate))
    ws = gold_workspace(tmp_path, n=24)
    settings = replace(
        QUICK,
        learn_rate_schedule="linear",
        learn_rate_epochs=1,
        claim_learn_rate_epochs=None,
        max_epochs=3,
        patience=1000,
    )
    train_model(ws, "by-epochs", max_minutes=5, settings=settings)  # three epochs take seconds, not minutes
    after_one = [rate for epoch, rate in rates if epoch >= 1]
    assert after_one and all(rate == pytest.approx(0.1 * QUICK.learn_rate) for rate in after_one)
    assert max(rate for epoch, rate in rates if epoch < 1) > 0.5 * QUICK.learn_rate
    assert (TrainSettings().learn_rate_epochs, TrainSettings().learn_rate_epochs_of("claims")) == (10, 6)


def test_training_without_enough_gold_says_how_much_there_is(tmp_path):
    ws = Workspace.init(tmp_path / "empty")
    with pytest.raises(NewsdeskError) as err:
        train_model(ws, "m", max_minutes=0.1)
    assert err.value.code == "E220" and "0 documents" in err.value.detail
    small = gold_workspace(tmp_path / "small", n=4)
    out = runner.invoke(app, ["model", "train", "--max-minutes", "0.1", "--workspace", str(small.root)])
    assert out.exit_code == 1
    assert "[E220]" in out.output and "4 documents" in out.output and f"at least {MIN_TRAIN_DOCUMENTS}" in out.output
    assert not small.path("models").exists()


def test_training_again_under_a_taken_name_is_refused_unless_forced(tmp_path):
    # A user's 2-minute model was silently replaced by a 6-second one: a taken name now needs --force.
    ws = gold_workspace(tmp_path, n=24)
    first = train_model(ws, "news", max_minutes=1, settings=replace(QUICK, max_epochs=1))
    trained_first = (first.path / META_FILE).read_text()
    with pytest.raises(NewsdeskError) as err:
        train_model(ws, "news", max_minutes=1, settings=replace(QUICK, max_epochs=1))
    assert err.value.code == "E225" and "--force" in err.value.hint and first.meta.model_version in err.value.detail
    args = ["model", "train", "--name", "news", "--max-minutes", "0.05", "--depth", "2", "--workspace", str(ws.root)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "[E225]" in refused.output and "--force" in refused.output
    assert (first.path / META_FILE).read_text() == trained_first, "the model is as it was"
    forced = runner.invoke(app, [*args, "--force", "--json"])
    assert forced.exit_code == 0, forced.output
    assert read_model_meta(first.path).settings["max_minutes"] == 0.05, "replaced by the new one"
    assert not list(ws.path("models").glob(".*")), "no temporary or moved-aside folder is left behind"


def test_the_default_name_is_refused_too_once_taken(trained, tmp_path):
    # Without --name every run writes models/default: the second would replace the first.
    _, result = trained
    ws = Workspace.init(tmp_path / "ws")
    shutil.copytree(result.path, ws.path("models", "default"))
    out = runner.invoke(app, ["model", "train", "--max-minutes", "0.1", "--workspace", str(ws.root)])
    assert out.exit_code == 1 and "[E225]" in out.output and "models/default" in out.output
    assert "--name" in out.output  # the hint: replace it, or keep both


def test_a_model_folder_is_replaced_whole_or_not_at_all(trained, tmp_path, monkeypatch):
    import spacy

    from annotation.models import folder

    _, result = trained
    target = tmp_path / "models" / "m"
    shutil.copytree(result.path, target)
    before = read_model_meta(target)
    newer = replace(before, version="newer")
    # Writing fails half-way (disk full, Ctrl-C): the old model stays whole, no half folder is left.
    broken = spacy.blank("en")
    monkeypatch.setattr(broken, "to_disk", lambda path: (path.mkdir(), 1 / 0))
    with pytest.raises(ZeroDivisionError):
        folder.write_model_folder(target, newer, {"entities": broken}, replace_existing=True)
    assert read_model_meta(target).version == before.version and not list(target.parent.glob(".*"))
    # A run killed between moving the old model aside and renaming the new one in: the next one puts it back.
    target.rename(target.with_name(".m.old"))
    with pytest.raises(NewsdeskError) as err:
        folder.check_name_free(target)
    assert err.value.code == "E225" and read_model_meta(target).version == before.version


def test_training_from_an_unknown_annotator_lists_the_annotators(trained, tmp_path):
    ws, _ = trained
    with pytest.raises(NewsdeskError) as err:
        train_model(ws, "m", max_minutes=0.1, source="nobody@example.org")
    assert err.value.code == "E221" and "brat" in err.value.detail


def test_a_model_of_another_label_schema_is_refused(trained, tmp_path):
    ws, result = trained
    other = gold_workspace(tmp_path, n=10, seed=3)
    other.path(SCHEMA_FILE).write_text(DEFAULT_SCHEMA.replace('"LAW",', '"LAW", "TEAM",'))
    with pytest.raises(NewsdeskError) as err:
        evaluate_model(other, str(result.path))
    assert err.value.code == "E222" and result.meta.schema_hash in err.value.detail
    out = runner.invoke(
        app, ["annotate", "predict", "--predictor", f"model:{result.path}", "--workspace", str(other.root)]
    )
    assert out.exit_code == 1 and "[E222]" in out.output


def test_a_folder_that_is_not_a_model_names_what_is_missing(trained, tmp_path):
    ws, result = trained
    bare = tmp_path / "bare"
    bare.mkdir()
    out = runner.invoke(app, ["model", "evaluate", str(bare), "--workspace", str(ws.root)])
    assert out.exit_code == 1 and "[E224]" in out.output and META_FILE in out.output
    half = tmp_path / "half"
    shutil.copytree(result.path, half)
    shutil.rmtree(half / "claims")
    with pytest.raises(NewsdeskError) as err:
        read_model_meta(half)
    assert err.value.code == "E224" and "claims pipeline" in err.value.detail
    out = runner.invoke(app, ["model", "evaluate", "no-such-model", "--workspace", str(ws.root)])
    assert out.exit_code == 1 and "[E223]" in out.output and "tiny" in out.output


def test_span_matching_is_one_to_one_and_overlap_needs_a_shared_character():
    from annotation.model import AnnotationRecord, Link, Span

    text = "Anna Berg said that the bridge was safe ."
    gold = AnnotationRecord(
        "d",
        "x",
        "g",
        "brat",
        "1",
        spans=[
            Span("p", "entities", "PERSON", 0, 9, "Anna Berg"),
            Span("c", "claims", "CLAIM", 20, 39, text[20:39]),
            Span("q", "claims", "CUE", 10, 14, "said"),
        ],
        links=[Link("c", "q", "cue"), Link("c", "p", "source")],
    )
    pred = AnnotationRecord(
        "d",
        "x",
        "m",
        "prediction",
        "1",
        spans=[
            Span("p1", "entities", "PERSON", 0, 4, "Anna"),
            Span("p2", "entities", "PERSON", 5, 9, "Berg"),
            Span("c1", "claims", "CLAIM", 15, 39, text[15:39]),
            Span("q1", "claims", "SOURCE", 10, 14, "said"),
        ],
        links=[Link("c1", "p1", "source")],
    )
    assert len(match_spans(gold.spans[:1], pred.spans[:2], exact=False)) == 1
    report = score([(text, gold, pred)], LabelSchema.default())
    assert report["entities"]["exact"]["tp"] == 0 and report["entities"]["overlap"]["tp"] == 1
    assert report["entities"]["overlap"]["p"] == 0.5 and report["entities"]["overlap"]["r"] == 1.0
    assert report["claims"]["overlap"]["by_label"]["CLAIM"]["f1"] == 1.0
    assert report["links"]["source"]["tp"] == 1 and report["links"]["cue"]["tp"] == 0
    assert report["links"]["attributions_whole"] == 0.0  # its cue was not found
    counts = report["edits"]["counts"]
    assert counts == {
        "spans_to_add": 0,
        "spans_to_delete": 1,
        "spans_to_relabel": 1,
        "spans_to_resize": 2,
        "links_to_add": 1,
        "links_to_delete": 0,
    }


def test_long_documents_are_cut_where_no_span_crosses():
    text = ("a" * 10 + "\n") * 400
    spans = [("CLAIM", 5, 30)]
    pieces = chunks(text, spans, target=100)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a < b for a, b in pieces) and all(p[1] == q[0] for p, q in zip(pieces, pieces[1:]))
    assert not any(a < 30 < b and a > 5 for a, b in pieces)


@pytest.mark.studio
def test_push_with_the_model_sends_its_predictions_least_sure_documents_first(trained, studio):
    from annotation.push import push

    ws, result = trained
    model = make_predictor(resolve_predictor_spec("model:tiny", ws.root))
    client = studio.admin_client()
    report = push(ws, client=client, predictor="model:tiny", order="uncertain")
    assert report.tasks_created == 40 and any("least-sure first" in n for n in report.notes)
    tasks = sorted(client.tasks.list(project=report.project_id, fields="all"), key=lambda t: t.id)
    docs = {d.id: d for d in CorpusStore(ws).iter_documents()}
    unsure = [model.uncertainty(docs[t.data["doc_id"]]) for t in tasks]
    assert unsure == sorted(unsure, reverse=True)
    preds = list(client.predictions.list(task=tasks[0].id))
    assert [p.model_version for p in preds] == [result.meta.model_version]
    assert any(r.get("from_name") == "claims" for r in preds[0].result)
    out = runner.invoke(
        app, ["annotate", "push", "--predictor", "baseline", "--order", "uncertain", "--workspace", str(ws.root)]
    )
    assert out.exit_code == 1 and "[E221]" in out.output and "model:NAME" in out.output


@pytest.mark.studio
def test_pushing_with_another_predictor_refills_only_the_tasks_nobody_annotated(trained, studio):
    """After `model train`, push with the model: the work left gets its pre-annotations; a task
    someone annotated keeps the prediction they saw."""
    from annotation.push import push

    ws, result = trained
    client = studio.admin_client()
    first = push(ws, client=client, predictor="model:tiny")  # the tasks, each with the model's prediction
    tasks = sorted(client.tasks.list(project=first.project_id), key=lambda t: t.id)
    done = tasks[0]
    client.annotations.create(id=done.id, result=[], lead_time=1.0)
    baseline = make_predictor(resolve_predictor_spec("baseline", ws.root)).model_version

    switched = push(ws, client=client, predictor="baseline")
    assert (switched.predictions_replaced, switched.predictions_added, switched.tasks_created) == (len(tasks) - 1, 0, 0)
    versions = {t.id: [p.model_version for p in client.predictions.list(task=t.id)] for t in tasks}
    assert versions[done.id] == [result.meta.model_version]  # what the annotator saw
    assert all(versions[t.id] == [baseline] for t in tasks[1:])
    assert push(ws, client=client, predictor="baseline").predictions_replaced == 0  # the same predictor: nothing
