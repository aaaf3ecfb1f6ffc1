"""How unsure a model is of a document, for ``annotate push --order uncertain``.

A span's probability comes from the layer's span component. spaCy's greedy NER keeps no scores,
so it parses the document again with a small beam: an entity's probability is the share of the
beam's mass that holds it. The span tagger (:mod:`annotation.models.span_tagger`) has each
token's tag probabilities: a span's is the lowest of its tokens' decoded tags. A document's
uncertainty is the mean, over its spans, of how far each is from certain, min(p, 1 - p): it
rises where the model hesitates.
"""

from __future__ import annotations

import numpy as np

from annotation.models.span_tagger import FACTORY, spans_of, viterbi

BEAM_WIDTH = 4


def _span_probabilities(nlp, text: str) -> list[float]:
    name, component = nlp.pipeline[-1]
    doc = nlp.make_doc(text)
    for _, proc in nlp.pipeline[:-1]:
        doc = proc(doc)
    if nlp.get_pipe_meta(name).factory == FACTORY:
        logp = component.tag_log_probs([doc])[0]
        tags = viterbi([logp], len(component.labels))[0]
        chosen = np.exp(logp[np.arange(len(tags)), tags]) if len(tags) else np.zeros(0)
        return [float(chosen[a:b].min()) for _, a, b in spans_of(tags)]
    beams = component.beam_parse([doc], beam_width=BEAM_WIDTH)
    return [p for ents in component.scored_ents(beams) for p in ents.values()]


def document_uncertainty(pipelines: dict, text: str) -> float:
    found = [p for nlp in pipelines.values() for p in _span_probabilities(nlp, text)]
    return sum(min(p, 1 - p) for p in found) / len(found) if found else 0.0
