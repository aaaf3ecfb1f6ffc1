"""docs/extending.md's worked examples run: a new import format, written as the page shows it."""

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
    spans = [(text.index(words), text.index(words) + len(words), label)
             for words, label in (("Anna Berg", "PERSON"), ("Red Cross", "ORG"), ("Geneva", "GPE"))]
    (folder / "a.spans").write_text("".join(f"{start}\t{end}\t{label}\n" for start, end, label in spans))
    ws = Workspace.init(tmp_path / "ws")
    report = import_annotations(ws, folder, "tsv-spans", annotator="lab")
    assert report.ok and report.spans_carried == 3
    (record,) = AnnotationStore(ws).records()
    assert [(s.label, s.text) for s in record.spans] == [("PERSON", "Anna Berg"), ("ORG", "Red Cross"),
                                                         ("GPE", "Geneva")]
