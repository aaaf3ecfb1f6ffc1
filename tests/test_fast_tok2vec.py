"""Prediction's tok2vec, computed once per distinct token: given any network training builds, it
returns the very arrays thinc's own forward pass returns, for any documents, in any grouping."""

from __future__ import annotations

import numpy as np
import pytest

from annotation.models import fast_tok2vec
from annotation.schema import CLAIM, CUE, SOURCE
from training.train import TrainSettings, blank_pipeline

TEXTS = [
    "",
    "   ",
    "Oslo",
    "Anna Berg said so.\n\n  \n“Yes,” said Lars Lund of Nordbank, “the bridge is safe.”",
    '"It will rain," the forecast said. The ferry said it would run, as it said every day.',
    " ".join(["The minister said the port would close", "and the mayor said it would not."] * 40),
]


@pytest.fixture(autouse=True)
def installed_versions_count_as_verified(monkeypatch):
    """These tests are the check a spaCy or thinc release needs before it joins ``VERIFIED``: they
    run the fast path on whatever is installed (prediction falls back to thinc until it is added)."""
    import spacy
    import thinc

    monkeypatch.setattr(fast_tok2vec, "VERIFIED", {"spacy": (spacy.__version__,), "thinc": (thinc.__version__,)})


def _nlp(settings: TrainSettings):
    from spacy.training import Example

    nlp = blank_pipeline("en", [CLAIM, CUE, SOURCE], settings)
    text = "Anna Berg said the bridge was safe."
    example = Example.from_dict(nlp.make_doc(text), {"entities": [(0, 9, SOURCE), (10, 14, CUE), (15, 34, CLAIM)]})
    nlp.initialize(lambda: [example])
    return nlp


def _network(nlp):
    """What prediction runs before the span decoder: the NER's tok2vec >> list2array >> linear,
    or the tagger's whole tok2vec >> softmax."""
    model = nlp.pipeline[0][1].model
    return model.layers[0] if model.name == "parser_model" else model


def _same(expected, got) -> bool:
    if isinstance(expected, list):
        return len(expected) == len(got) and all(
            a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(expected, got)
        )
    return expected.shape == got.shape and expected.dtype == got.dtype and np.array_equal(expected, got)


@pytest.mark.parametrize(
    "settings",
    [
        TrainSettings(),
        TrainSettings(depth=2),
        TrainSettings(window=2, depth=3),
        TrainSettings(quotes=True),
        TrainSettings(frequency=False),
        TrainSettings(architecture="tagger"),
    ],
    ids=["default", "depth2", "window2", "quotes", "no-frequency", "tagger"],
)
def test_the_fast_tok2vec_returns_thincs_arrays(settings, monkeypatch):
    monkeypatch.setattr(fast_tok2vec, "CHUNK_ROWS", 64)  # many chunks, and a document longer than one
    nlp = _nlp(settings)
    network = _network(nlp)
    assert fast_tok2vec.plan_of(network.layers[0]) is not None
    docs = [nlp.make_doc(t) for t in TEXTS]
    for batch in (docs, docs[::-1], docs[3:4], docs[:2], [docs[5], docs[0], docs[4]]):
        assert _same(network.predict(batch), fast_tok2vec.predict(network, batch))


def test_another_architecture_goes_through_thinc():
    import spacy
    from spacy.ml.models.tok2vec import MishWindowEncoder, MultiHashEmbed, build_Tok2Vec_model
    from thinc.api import chain, list2array

    nlp = spacy.blank("en")
    tok2vec = build_Tok2Vec_model(
        MultiHashEmbed(width=32, attrs=["NORM", "SHAPE"], rows=[500, 50], include_static_vectors=False),
        MishWindowEncoder(width=32, window_size=1, depth=2),
    )
    network = chain(tok2vec, list2array())
    docs = [nlp.make_doc(t) for t in TEXTS]
    network.initialize(X=docs)
    assert fast_tok2vec.plan_of(tok2vec) is None
    assert _same(network.predict(docs), fast_tok2vec.predict(network, docs))


def test_each_row_of_a_blis_product_depends_only_on_its_own_input_row():
    # What computing a layer once per distinct token, and grouping documents freely, rests on:
    # thinc's gemm gives a row the same bits whatever other rows are multiplied with it.
    from thinc.api import NumpyOps

    ops = NumpyOps()
    rng = np.random.default_rng(0)
    for n_out, n_in in [(192, 256), (192, 320), (192, 192), (192, 320), (64, 64), (384, 64), (14, 64)]:
        X = rng.normal(0, 1, (2500, n_in)).astype("f")
        W = rng.normal(0, 0.1, (n_out, n_in)).astype("f")
        whole = ops.gemm(X, W, trans2=True)
        for rows in ([0], [7, 3], list(range(31)), sorted(rng.choice(2500, 700, replace=False)), [2499]):
            assert np.array_equal(ops.gemm(np.ascontiguousarray(X[rows]), W, trans2=True), whole[rows])
