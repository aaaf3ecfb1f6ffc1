"""docs/extending.md's worked examples run as the page shows them: a new import format, a new cleaning rule."""

from __future__ import annotations

import importlib.util
import re

from corpus_helpers import REPO

from annotation import importers
from annotation.importers import import_annotations
from annotation.store import AnnotationStore
from corpus.workspace import Workspace


def _example_module(tmp_path, name: str, first_line: str):
    """The page's Python block that starts with ``first_line``, loaded as a module."""
    page = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", page, flags=re.S) if b.startswith(first_line))
    path = tmp_path / f"{name}.py"
    path.write_text(block, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_new_import_format_is_one_module_and_one_registration(tmp_path, monkeypatch):
    module = _example_module(tmp_path, "tsv_spans", '"""Span lists')
    monkeypatch.setitem(importers.FORMATS, module.FORMAT.name, module.FORMAT)
    folder = tmp_path / "corpus"
    folder.mkdir()
    text = "Anna Berg met officials of the Red Cross in Geneva on Monday.\n"
    (folder / "a.txt").write_text(text)
    spans = [
        (text.index(words), text.index(words) + len(words), label)
        for words, label in (("Anna Berg", "PERSON"), ("Red Cross", "ORG"), ("Geneva", "GPE"))
    ]
    (folder / "a.spans").write_text("".join(f"{start}\t{end}\t{label}\n" for start, end, label in spans))
    ws = Workspace.init(tmp_path / "ws")
    report = import_annotations(ws, folder, "tsv-spans", annotator="lab")
    assert report.ok and report.spans_carried == 3
    (record,) = AnnotationStore(ws).records()
    assert [(s.label, s.text) for s in record.spans] == [
        ("PERSON", "Anna Berg"),
        ("ORG", "Red Cross"),
        ("GPE", "Geneva"),
    ]


def test_a_new_cleaning_rule_is_one_module_and_one_registry_line(tmp_path, monkeypatch):
    import sys
    import tomllib

    from corpus import cleaning, rules
    from corpus.cleaning import DEFAULT_RULES, CleaningPipeline
    from corpus.model import Article, document_id, sha256_hex

    module = _example_module(tmp_path, "repeated_paragraph", '"""``repeated_paragraph``')
    page = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")
    line = next(b for b in re.findall(r"```python\n(.*?)```", page, flags=re.S) if b.lstrip().startswith("RuleSpec("))
    # The module is where the registry looks for it, corpus/rules/repeated_paragraph.py.
    monkeypatch.setitem(sys.modules, "corpus.rules.repeated_paragraph", module)
    spec = eval(line.strip().rstrip(","), vars(rules))
    monkeypatch.setattr(rules, "RULES", (*rules.RULES, spec))
    monkeypatch.setitem(cleaning.FLAGGING_RULES, spec.name, spec.load())

    template = tomllib.loads(rules.cleaning_toml())
    assert template["cleaning"]["repeated_paragraph"] == {"min_words": 8}
    assert "repeated_paragraph" not in template["cleaning"]["rules"]  # default_on=False
    assert "| `repeated_paragraph` | *flags* a paragraph that repeats" in rules.markdown_table()

    repeated = "The harbour reopened on Monday after a week of strikes over pay."
    raw = f"Port reopens\n\n{repeated}\n\nAdvertisement\n\nTrade resumed at once.\n\n{repeated}\n"
    article = Article(
        id=document_id(None, raw.encode()),
        source="a.txt",
        raw_text=raw,
        raw_sha256=sha256_hex(raw.encode()),
        encoding="utf-8",
        format="txt",
    )
    doc = CleaningPipeline([*DEFAULT_RULES, "repeated_paragraph"], language="en").clean(article)
    flags = [f for f in doc.flags if f.rule == "repeated_paragraph"]
    assert [doc.text[f.start : f.end] for f in flags] == [repeated]
    assert flags[0].start == doc.text.rindex(repeated)  # the second one, not the first
    assert not [f for f in CleaningPipeline(language="en").clean(article).flags if f.rule == "repeated_paragraph"]
