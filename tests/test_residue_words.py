"""A residue model trained with hashed words (bench/train_residue.py, WORD_BITS) reads what each
line says: the weights of its words' and word pairs' buckets move its score; a model without them
scores as before. Made-up text; the spec is the shipped model's with word weights added by hand."""

import json
from importlib import resources

import numpy as np
import pytest
from test_residue import ARTICLE, FOOTER, MENU

from corpus.rules.residue_features import FEATURES, WORDS_SAID, lines_word_buckets
from corpus.rules.residue_model import MODEL_FILE, ResidueModel

BITS = 10
NEWSLETTER = "Sign up for our weekly newsletter and never miss a story"


def shipped_spec() -> dict:
    return json.loads(resources.files("corpus.rules").joinpath(MODEL_FILE).read_text("utf-8"))


def with_words(spec: dict, weights: np.ndarray) -> dict:
    """The spec with word weights and a stage-1 weight of 1 on words_said (taken as it is)."""
    stage1 = spec["stage1"]
    return {
        **spec,
        "features": FEATURES + [WORDS_SAID],
        "word_weights": weights.tolist(),
        "stage1": {
            "mean": stage1["mean"] + [0.0],
            "scale": stage1["scale"] + [1.0],
            "coef": stage1["coef"] + [1.0],
            "intercept": stage1["intercept"],
        },
    }


def page() -> list[str]:
    return MENU + ARTICLE[:3] + [NEWSLETTER] + ARTICLE[3:] + FOOTER


def test_zero_word_weights_score_as_the_model_without_words():
    lines = page()
    plain = ResidueModel(shipped_spec()).probabilities(lines)
    zero = ResidueModel(with_words(shipped_spec(), np.zeros(1 << BITS))).probabilities(lines)
    np.testing.assert_allclose(zero, plain, rtol=0, atol=1e-12)


def test_the_weights_of_a_lines_words_move_its_score():
    lines = page()
    at = lines.index(NEWSLETTER)
    line, bucket, _ = lines_word_buckets([NEWSLETTER], BITS)
    weights = np.zeros(1 << BITS)
    weights[bucket] = -2.0  # every word and pair of the newsletter ask leans to residue
    plain = ResidueModel(shipped_spec()).probabilities(lines)
    said = ResidueModel(with_words(shipped_spec(), weights)).probabilities(lines)
    assert said[at] < plain[at] - 0.2
    # The same model, batched, scores each text as alone.
    model = ResidueModel(with_words(shipped_spec(), weights))
    np.testing.assert_allclose(model.probabilities_many([lines, lines[:5]])[0], said, rtol=0, atol=1e-12)


def test_a_model_with_word_weights_must_name_the_feature():
    spec = with_words(shipped_spec(), np.zeros(1 << BITS))
    with pytest.raises(ValueError, match="retrain"):
        ResidueModel({**spec, "features": FEATURES})
    assert ResidueModel(spec).version != ResidueModel(shipped_spec()).version
