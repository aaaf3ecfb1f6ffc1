"""CoNLL-2003 files (also WNUT's `token<TAB>tag` and WikiANN's `en:token<TAB>tag`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from annotation.importers.base import (
    ForeignDocument,
    ImportFormat,
    Reading,
    files,
    has_words,
    read_text,
    record_id,
)
from annotation.model import AnnotationRecord, Origin, Span
from corpus.errors import Errors, NewsdeskError

# --- CoNLL-2003 ------------------------------------------------------------------------------------------

_TAG = re.compile(r"^(?:O|(?P<prefix>[BIES])-(?P<type>.+))$")


def read_conll(path: Path, reading: Reading) -> list[ForeignDocument]:
    """Documents of CoNLL-2003 files (a file, or every file of a folder).

    One token per line, the token first and the tag last (so both ``token POS chunk NER`` and
    ``token NER`` work); columns are split at tabs when the line has one (WNUT's
    ``token<TAB>tag``), else at spaces. A language prefix on every token of a file
    (WikiANN's ``en:token``) is not part of the text. A blank line (or one of only zero-width
    characters) ends a sentence; ``-DOCSTART-`` starts a document. A file without ``-DOCSTART-``
    (WikiANN, WNUT-17: sentences or posts, no documents) is cut into documents of
    ``reading.sentences_per_document`` sentences, news-sized, not one document of the whole file
    (a task nobody can annotate, a corpus no split can divide). Tags may be IOB1 (``I-``
    starts a chunk unless it continues one of its type), IOB2 (``B-`` always starts one) or
    IOBES. The text is rebuilt as the tokens joined by single spaces, one sentence per line:
    the original spacing is not in the file, so no better text exists.
    """
    return reading.each(files(path, ()), lambda found: _read_conll_file(*found, reading))


def _read_conll_file(file: Path, key: str, reading: Reading) -> list[ForeignDocument]:
    annotator = reading.annotator_of(file, Origin.CONLL)
    docs = []
    source = read_text(file)
    documents = _conll_documents(source, str(file))
    if reading.sentences_per_document and not _DOCSTART.search(source):
        documents = _in_pieces(next(documents, []), reading.sentences_per_document)
    for number, sentences in enumerate(documents, start=1):
        text, chunks = _conll_text(sentences)
        record = AnnotationRecord(
            doc_id="",
            text_sha256="",
            annotator=annotator,
            origin=Origin.CONLL,
            record_id=record_id(annotator, key, f"doc{number}"),
        )
        for tag_type, start, end in chunks:
            label = reading.mapping.label(tag_type, str(file))
            if label:
                record.spans.append(
                    Span(
                        f"s{len(record.spans) + 1}",
                        reading.mapping.schema.layer_of(label),
                        label,
                        start,
                        end,
                        text[start:end],
                    )
                )
        docs.append(ForeignDocument(file, key, f"doc{number}", text, [record]))
    return docs


_DOCSTART = re.compile(r"^\s*-DOCSTART-", re.MULTILINE)


def _in_pieces(sentences: list, size: int) -> Iterator[list]:
    """The sentences of a file without documents, ``size`` at a time."""
    for start in range(0, len(sentences), size):
        yield sentences[start : start + size]


# WikiANN writes the language before every token: "en:Sioux".
_LANGUAGE_PREFIX = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?:(?=.)")


def _conll_rows(source: str, where: str) -> list[tuple[int, str, str] | None]:
    """(line number, token, tag) per token line, None per blank line or ``-DOCSTART-``
    (``(number, "-DOCSTART-", "")``) in order."""
    rows: list[tuple[int, str, str] | None] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if not has_words(line):
            rows.append(None)
            continue
        cols = [c.strip() for c in line.split("\t")] if "\t" in line else line.split()
        cols = [c for c in cols if c]
        if cols[0] == "-DOCSTART-":
            rows.append((number, cols[0], ""))
            continue
        if len(cols) < 2:
            raise NewsdeskError(Errors.E209, where=f"{where}:{number}", detail="a token line needs a tag column")
        if not _TAG.match(cols[-1]):
            raise NewsdeskError(
                Errors.E209, where=f"{where}:{number}", detail=f"tag {cols[-1]!r} is not O, B-X, I-X, E-X or S-X"
            )
        rows.append((number, cols[0], cols[-1]))
    prefixes = {m.group() if (m := _LANGUAGE_PREFIX.match(row[1])) else None for row in rows if row and row[2]}
    if len(prefixes) == 1 and None not in prefixes:  # the same prefix on every token: not text
        cut = len(prefixes.pop())
        rows = [(row[0], row[1][cut:], row[2]) if row and row[2] else row for row in rows]
    return rows


def _conll_documents(source: str, where: str) -> Iterator[list[list[tuple[str, str]]]]:
    """Per document, its sentences, each a list of (token, tag)."""
    doc: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for row in _conll_rows(source, where):
        if row is None or not row[2]:
            if sentence:
                doc.append(sentence)
                sentence = []
            if row is not None and doc:  # -DOCSTART-
                yield doc
                doc = []
            continue
        sentence.append((row[1], row[2]))
    if sentence:
        doc.append(sentence)
    if doc:
        yield doc


def _conll_text(sentences: list[list[tuple[str, str]]]) -> tuple[str, list[tuple[str, int, int]]]:
    """The rebuilt text and its chunks (type, start, end)."""
    parts: list[str] = []
    chunks: list[tuple[str, int, int]] = []
    pos = 0
    for number, sentence in enumerate(sentences):
        if number:
            parts.append("\n")
            pos += 1
        current: list | None = None  # [type, start, end] of the chunk being read
        for index, (token, tag) in enumerate(sentence):
            if index:
                parts.append(" ")
                pos += 1
            start, pos = pos, pos + len(token)
            parts.append(token)
            m = _TAG.match(tag)
            prefix, tag_type = m.group("prefix"), m.group("type")
            if prefix is None:
                current = None
                continue
            if prefix in "BS" or current is None or current[0] != tag_type:
                current = [tag_type, start, pos]
                chunks.append(tuple(current))
            else:
                current[2] = pos
                chunks[-1] = tuple(current)
            if prefix in "ES":
                current = None
    return "".join(parts), chunks


FORMAT = ImportFormat("conll", Origin.CONLL, read_conll)
