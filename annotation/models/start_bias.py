"""A per-label bias on opening a span, for a greedy NER that finds too little.

spaCy's transition-based NER decides at each token outside a span whether to open one (a ``B-``
or ``U-`` move of a label) or not (``O``); inside a span its choices (``I``, ``L``) are about where
the span ends. Trained on PolNeAR it is precise and finds too little: of the CUEs and SOURCEs it
misses on dev, 38-60% belong to attributions it predicted nothing of (bench/README.md, "Why
CUE and SOURCE are missed"). Adding ``bias[label]`` to the scores of that label's ``B-`` and ``U-``
moves opens a span where the model hesitated; where spans end is left as it is.

Training chooses one bias per layer, for all its labels, on its held-out documents
(:func:`training.evaluate.tune_start_bias`), and ``meta.json`` keeps it per label (``start_bias``:
``{layer: {label: bias}}``); a model without it predicts as before. The numpy decoder
(:mod:`annotation.models.ner_decode`) adds them to its output bias; spaCy's own loop gets them
for the time of one prediction (:func:`biased`). A pipeline that is not a plain NER (the span
tagger) has no moves to bias and is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

OPENING_MOVES = ("B-", "U-")
NER_FACTORIES = ("ner", "beam_ner")  # the greedy NER, and spaCy's beam NER (the same moves and network)


def ner_component(nlp):
    """The pipeline's NER component, or None (a span tagger, or several components)."""
    if len(nlp.pipeline) != 1 or nlp.get_pipe_meta(nlp.pipeline[0][0]).factory not in NER_FACTORIES:
        return None
    return nlp.pipeline[0][1]


def move_bias(component, bias: dict[str, float] | None) -> np.ndarray | None:
    """The bias of each of the NER's moves (None when there is nothing to add)."""
    if not bias or not any(bias.values()):
        return None
    names = [component.moves.get_class_name(i) for i in range(component.moves.n_moves)]
    return np.array(
        [bias.get(n[2:], 0.0) if n[:2] in OPENING_MOVES else 0.0 for n in names],
        dtype=np.float32,
    )


@contextmanager
def biased(nlp, bias: dict[str, float] | None) -> Iterator[None]:
    """``nlp``'s NER with ``bias`` added to its output layer while the block runs (spaCy's own
    loop reads the parameters), restored afterwards: the pipeline on disk never holds it."""
    component = ner_component(nlp)
    extra = move_bias(component, bias) if component is not None else None
    if extra is None:
        yield
        return
    upper = component.model.get_ref("upper")
    original = upper.get_param("b").copy()
    upper.set_param("b", original + extra)
    try:
        yield
    finally:
        upper.set_param("b", original)
