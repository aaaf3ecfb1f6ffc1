"""Given any sequence of rule edits, the offset map points every kept character at itself in the raw text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.cleaning import CleaningPipeline
from corpus.model import Article, sha256_hex
from corpus.offsets import Edit, EditEngine, OffsetMap

ALPHABET = "ab .\n“”’é🎉\t"


@st.composite
def text_and_passes(draw):
    """A raw text and several rule passes, each a list of non-overlapping edits on the text it sees."""
    raw = draw(st.text(alphabet=ALPHABET, max_size=40))
    passes = []
    length = len(raw)
    for _ in range(draw(st.integers(0, 4))):
        cuts = sorted(draw(st.lists(st.integers(0, length), max_size=6)))
        edits, delta = [], 0
        for s, e in zip(cuts[::2], cuts[1::2]):
            repl = draw(st.text(alphabet="xy \n", max_size=3))
            edits.append(Edit(s, e, repl))
            delta += len(repl) - (e - s)
        if len(cuts) % 2:  # a lone cut is a pure insertion
            if not edits or cuts[-1] > edits[-1].end:
                repl = draw(st.text(alphabet="z ", min_size=1, max_size=2))
                edits.append(Edit(cuts[-1], cuts[-1], repl))
                delta += len(repl)
        passes.append(edits)
        length += delta
    return raw, passes


def simulate(raw: str, passes: list[list[Edit]]):
    """The slow, obviously right model: each clean character with the raw index it came from."""
    chars = [(c, i) for i, c in enumerate(raw)]
    for edits in passes:
        # Right to left, in the engine's order reversed, so earlier edits keep their positions.
        for e in reversed(sorted(edits, key=lambda e: (e.start, e.end))):
            chars[e.start : e.end] = [(c, None) for c in e.replacement]
    return chars


@settings(max_examples=400, deadline=None)
@given(text_and_passes())
def test_every_copied_character_maps_to_the_identical_raw_character(case):
    raw, passes = case
    engine = EditEngine(raw)
    for i, edits in enumerate(passes):
        engine.apply(f"rule{i}", edits)
    chars = simulate(raw, passes)
    assert engine.text == "".join(c for c, _ in chars)
    omap = engine.offset_map()
    for clean_pos, (char, origin) in enumerate(chars):
        if origin is None:
            continue
        assert omap.clean_to_raw(clean_pos, clean_pos + 1) == (origin, origin + 1)
        assert raw[origin] == char
        assert omap.raw_to_clean(origin, origin + 1) == (clean_pos, clean_pos + 1)
        assert not omap.inserted(clean_pos)


@settings(max_examples=400, deadline=None)
@given(text_and_passes(), st.data())
def test_an_untouched_clean_span_maps_to_the_identical_raw_substring(case, data):
    raw, passes = case
    engine = EditEngine(raw)
    for i, edits in enumerate(passes):
        engine.apply(f"rule{i}", edits)
    chars = simulate(raw, passes)
    if not chars:
        return
    start = data.draw(st.integers(0, len(chars) - 1))
    end = data.draw(st.integers(start + 1, len(chars)))
    origins = [o for _, o in chars[start:end]]
    untouched = None not in origins and origins == list(range(origins[0], origins[0] + len(origins)))
    raw_start, raw_end = engine.offset_map().clean_to_raw(start, end)
    if untouched:
        assert raw[raw_start:raw_end] == engine.text[start:end]
    # Touched or not, the mapped raw span covers every raw character the span came from.
    kept = [o for o in origins if o is not None]
    if kept:
        assert raw_start <= min(kept) and max(kept) < raw_end


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="Ab .,\n“”’\u00a0\u200b\r\t!", max_size=200))
def test_the_real_pipeline_keeps_its_offset_map_exact(raw):
    doc = CleaningPipeline(language="en").clean(Article("0" * 16, "t", raw, sha256_hex(raw), "utf-8", "txt"))
    omap = doc.cleaning.offset_map
    assert omap.clean_length == len(doc.text) and omap.raw_length == len(raw)
    for i, ch in enumerate(doc.text):
        if not omap.inserted(i):
            rs, re_ = omap.clean_to_raw(i, i + 1)
            assert raw[rs:re_] == ch


def test_offset_map_survives_serialisation():
    engine = EditEngine("a  b\n\nsource site")
    engine.apply("whitespace", [Edit(1, 3, " ")])
    engine.apply("residue", [Edit(3, len(engine.text), "")])
    omap = engine.offset_map()
    again = OffsetMap.from_record(omap.to_record())
    assert engine.text == "a b"
    assert again.clean_to_raw(0, 3) == omap.clean_to_raw(0, 3) == (0, 4)
    assert again.raw_to_clean(6, 17) == (3, 3)  # the removed footer maps to an empty span


def test_edits_that_overlap_are_refused_with_the_rule_name():
    import pytest

    for edits in (
        [Edit(0, 3, ""), Edit(2, 4, "")],
        [Edit(2, 4, ""), Edit(0, 3, "")],  # overlapping, either order
        [Edit(4, 7, "")],
        [Edit(3, 2, "")],
        [Edit(-1, 1, "")],  # past the end, backwards, before the start
        [Edit(1, 9, ""), Edit(9, 9, "")],
    ):  # past the end before the last edit
        engine = EditEngine("abcdef")
        with pytest.raises(ValueError, match="greedy_rule") as refused:
            engine.apply("greedy_rule", edits)
        first_bad = Edit(2, 4, "") if len(edits) == 2 and edits[0].start != 1 else edits[0]
        assert str(first_bad) in str(refused.value)  # the message names the edit to look at
        assert engine.text == "abcdef" and engine.log == []
