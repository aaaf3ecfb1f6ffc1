"""The claim error table's run-on count: given gold CUEs that a predicted CLAIM runs over, when
bench/claim_errors.py counts them, each is placed by where it sits in that claim, whether it is
inside a quotation, and whether gold cut the claim in pieces around it."""

from __future__ import annotations

from types import SimpleNamespace

from bench_modules import bench_module

from annotation.model import AnnotationRecord, Link, Span

TEXT = 'Rates will rise, the minister said, and stay high. "Growth is back," Ann Lee said. Jo agreed.'


def _claim_errors():
    return bench_module("claim_errors")


def _span(label: str, piece: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(piece, start + 1)
    return Span(f"{label}:{start}", "claims", label, start, start + len(piece), piece)


def _record(spans: list[Span], links: list[Link] = ()) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id="d1", text_sha256="", annotator="a", origin="gold", record_id="r1", spans=spans, links=list(links)
    )


def test_cues_inside_a_predicted_claim_are_counted_by_where_they_sit():
    first, after = _span("CLAIM", "Rates will rise"), _span("CLAIM", "and stay high")
    said, quote, said2 = _span("CUE", "said"), _span("CLAIM", "Growth is back,"), _span("CUE", "said", 1)
    agreed = _span("CUE", "agreed")
    gold = _record(
        [first, _span("SOURCE", "the minister"), said, after, quote, _span("SOURCE", "Ann Lee"), said2, agreed],
        [Link(first.id, said.id, "cue"), Link(after.id, said.id, "cue"), Link(quote.id, said2.id, "cue")],
    )
    predicted = _record(
        [
            _span("CLAIM", "Rates will rise, the minister said, and stay high"),  # over its cue, in the middle
            _span("CLAIM", 'Growth is back," Ann Lee said'),  # over its cue, the last word, past the quote
            _span("CUE", "agreed"),  # found: not a run-on
        ]
    )
    doc = SimpleNamespace(doc=SimpleNamespace(text=TEXT), record=gold)
    counts = _claim_errors().run_on_cues([doc], [predicted])
    assert counts == {
        "all": 2,
        "at the claim's middle": 1,
        "at the claim's last word": 1,
        "outside quotations": 2,
        "gold claim in pieces on both sides of the cue": 1,
        "gold claim on one side": 1,
    }
