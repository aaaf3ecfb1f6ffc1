"""Claim -> cue and claim -> source links drawn by rules over predicted spans.

PolNeAR-style attributions put the cue (the reporting verb) next to its claim and the source
next to the cue ("[Trump] [said] [the polls were rigged]"), so the rules are: a claim's cue is
the nearest CUE within ``cue_max_distance``; its source is the source span (SOURCE, or an
entity whose label may be a source) nearest that cue and outside the claim, within
``source_window`` characters; a claim without a cue takes the source nearest the claim itself.
A source before the cue is the head of its phrase: in "[Anna Berg] of [Nordbank] said", the
person, not the organisation next to the verb (another source span ending at most ``head_gap``
characters before the nearest one wins). Training picks both numbers on held-out gold
(``training.evaluate.tune_link_rules``); they go to meta.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotation.schema import CLAIM, CUE, SOURCE

DEFAULT_SOURCE_WINDOW = 60
DEFAULT_HEAD_GAP = 4


@dataclass(frozen=True)
class SpanRef:
    id: str
    label: str
    start: int
    end: int


def gap(a: SpanRef, b: SpanRef) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(b.start - a.end, a.start - b.end, 0)


def inside(a: SpanRef, b: SpanRef) -> bool:
    return b.start <= a.start and a.end <= b.end


def draw_links(
    spans: list[SpanRef],
    source_labels: set[str],
    cue_max_distance: int,
    source_window: int = DEFAULT_SOURCE_WINDOW,
    head_gap: int = DEFAULT_HEAD_GAP,
) -> list[tuple[str, str, str]]:
    """``(claim id, target id, "cue" | "source")`` for each link the rules draw."""
    claims = [s for s in spans if s.label == CLAIM]
    cues = [s for s in spans if s.label == CUE]
    sources = [s for s in spans if s.label == SOURCE or s.label in source_labels]
    links = []
    for claim in claims:
        near_cues = [c for c in cues if gap(claim, c) <= cue_max_distance]
        cue = min(near_cues, key=lambda c: (gap(claim, c), c.start), default=None)
        if cue is not None:
            links.append((claim.id, cue.id, "cue"))
        anchor = cue or claim
        candidates = [s for s in sources if not inside(s, claim) and gap(anchor, s) <= source_window]
        # A SOURCE span beats an entity inside it ("a spokesman for [Exxon]"); then the nearest wins.
        source = min(candidates, key=lambda s: (gap(anchor, s), s.label != SOURCE, s.start), default=None)
        while source is not None and source.end <= anchor.start:
            head = [s for s in candidates if s.end <= source.start and source.start - s.end <= head_gap]
            if not head:
                break
            source = max(head, key=lambda s: s.end)
        if source is not None:
            links.append((claim.id, source.id, "source"))
    return links
