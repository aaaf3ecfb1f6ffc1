"""How unsure a model is of a document, for ``annotate push --order uncertain``.

spaCy's greedy NER keeps no scores, so each layer's NER parses the document again with a small
beam: an entity's probability is the share of the beam's mass that holds it. A document's
uncertainty is the mean, over its spans, of how far each is from certain (1 - p), plus the
mass the beam put on spans the greedy parse did not keep: both rise where the model hesitates.
"""

from __future__ import annotations

BEAM_WIDTH = 4


def document_uncertainty(pipelines: dict, text: str) -> float:
    total, n = 0.0, 0
    for nlp in pipelines.values():
        ner = nlp.get_pipe("ner")
        doc = nlp.make_doc(text)
        for name, proc in nlp.pipeline:
            if name != "ner":
                doc = proc(doc)
        beams = ner.beam_parse([doc], beam_width=BEAM_WIDTH)
        for ents in ner.scored_ents(beams):
            for (_start, _end, _label), p in ents.items():
                total += min(p, 1 - p)  # 0 for a span the beam is sure of either way
                n += 1
    return total / n if n else 0.0
