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

from annotation.importers import brat, conll, labelstudio
from annotation.importers.base import (
    ForeignDocument,
    ImportFormat,
    ImportReport,
    Reading,
    SpanNote,
)
from annotation.importers.carry import carry_span
from annotation.importers.importing import import_annotations
from annotation.importers.label_map import LabelMap, parse_label_map

# The registry: `--format NAME` -> its format. A new format is one module with a FORMAT and one entry here.
FORMATS: dict[str, ImportFormat] = {f.name: f for f in (labelstudio.FORMAT, conll.FORMAT, brat.FORMAT)}

__all__ = [
    "FORMATS",
    "ForeignDocument",
    "ImportFormat",
    "ImportReport",
    "LabelMap",
    "Reading",
    "SpanNote",
    "carry_span",
    "import_annotations",
    "parse_label_map",
]
