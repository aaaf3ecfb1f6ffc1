"""Importing annotations made elsewhere: Label Studio exports, CoNLL-2003 files, brat folders.

For bootstrapping from existing corpora. A reader turns its format into annotation records
whose offsets point into the *original* text that came with them. The texts then go through
our own ingest and cleaning like any article (:func:`corpus.ingest.ingest_articles`), and
every span is carried onto the clean text through the document's offset map (raw -> clean):

- a span cleaning left alone lands on the same characters of the clean text;
- a span cleaning edited inside (a double space, a repaired character) but removed no word
  of is carried, and listed in ``ImportReport.spans_noted``;
- a span that lies wholly or partly in text cleaning removed (a "Source: ..." footer) is not
  carried: it is listed in ``ImportReport.spans_reported`` and noted on its record, and so
  are the links and choices that hung on it.

Foreign names are renamed onto the schema by a :class:`LabelMap` (``--map``). A name that is
neither ours nor mapped stops the import before anything is written (E210): a corpus
imported with some labels quietly missing would look complete and not be. Skipping a label
on purpose is one entry away (``--map MISC=-``) and is counted in the report.

Records are stored append-only with ids ``ANNOTATOR/FILE#POSITION@DOC_ID`` (the annotator,
the file's name relative to the imported path, the annotation's place in it, the document
holding the text), so importing the same file again adds nothing, and annotators whose folders
hold files of the same names (the usual layout) each keep their records.

A file that cannot be read is reported (``ImportReport.failed``, one line each) and the other
files are imported, as ingest does; a repeated region id is kept once (the first) and reported
(``ImportReport.repeated``). ``ImportReport.ok`` is false when anything read was not stored.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from annotation.importers.base import ImportFormat

# The registry: `--format NAME` -> the module of this folder whose FORMAT reads it. A new format is
# one module with a FORMAT and one line here. The CLI's help lists these names, so reading them
# imports no reader (each is imported by `import_format`, when used).
FORMATS: dict[str, str] = {
    "labelstudio": "labelstudio",
    "conll": "conll",
    "brat": "brat",
}

# A CoNLL file without -DOCSTART- lines (WikiANN, WNUT-17) is cut into documents of this many
# sentences (`annotate import --sentences-per-document`): news-sized, not one document of the file.
SENTENCES_PER_DOCUMENT = 15


def import_format(name: str) -> ImportFormat:
    """The format ``--format NAME`` names, its module imported now (KeyError for a name not in FORMATS)."""
    return importlib.import_module(f"annotation.importers.{FORMATS[name]}").FORMAT


# What the package offers, each imported when first asked for, so importing the package is cheap.
_OFFERED = {
    "ForeignDocument": "base",
    "ImportFormat": "base",
    "ImportReport": "base",
    "Reading": "base",
    "SpanNote": "base",
    "carry_span": "carry",
    "import_annotations": "importing",
    "LabelMap": "label_map",
    "parse_label_map": "label_map",
}


def __getattr__(name: str):
    if name in _OFFERED:
        return getattr(importlib.import_module(f"annotation.importers.{_OFFERED[name]}"), name)
    raise AttributeError(f"module 'annotation.importers' has no attribute {name!r}")


__all__ = ["FORMATS", "SENTENCES_PER_DOCUMENT", "import_format", *_OFFERED]
