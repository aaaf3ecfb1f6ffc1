"""Readers turn one input file into articles: .txt in any encoding, .html pages, .jsonl lines,
each also as a .gz, .bz2 or .xz file (scraped pages are often kept compressed).

Each bad input raises (or, for a JSONL line, yields) a :class:`NewsdeskError` that names the
file and line and says what to do; the ingest step reports it and goes on with other files.
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import Errors, NewsdeskError
from corpus.html_text import extract_html
from corpus.model import Article, document_id, sha256_hex

SUFFIXES = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}
# A compressed input is read as the file it holds: "page.html.gz" as a page.
COMPRESSIONS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# What a damaged archive raises while it is read: gzip's BadGzipFile is an OSError, a cut-off
# stream raises EOFError, lzma its own error; zlib.error and bz2's OSError for corrupt data.
_DAMAGED = (OSError, EOFError, lzma.LZMAError, zlib.error)

# On a page with no article, trafilatura falls back to menu links ("Home"): fewer words
# than this is not an article.
HTML_MIN_WORDS = 15
# Scripts written without spaces between words (Chinese, Japanese kana and kanji, Thai, Lao,
# Burmese, Khmer): there every two characters count as a word, so that a Japanese article of
# 600 characters is not "11 words".
_UNSPACED = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Text versus binary is read from this much of a file (git reads 8,000 bytes for the same question).
_SNIFF_BYTES = 65_536
# Bytes that text does not hold: NUL and the other C0 control characters but tab, line feed,
# vertical tab, form feed, carriage return and escape (ISO-2022-JP's shifts); and DEL.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
# UTF-16 and UTF-32 text holds NULs as part of its characters; it starts with a byte-order mark.
_WIDE_UNICODE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
# PDF is the one binary format whose bytes may all be printable: told by its header and object syntax.
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d\s")
_PDF_OBJECT = re.compile(rb"\b\d+\s+\d+\s+obj\b")


@dataclass
class JsonlFields:
    text_field: str = "text"
    title_field: str = "title"
    url_field: str = "url"
    published_field: str = "published"


def input_kind(path: Path) -> tuple[str, str | None] | None:
    """(kind, compression suffix or None) of a file newsdesk reads, from its name; None for any other."""
    compression = path.suffix.lower() if path.suffix.lower() in COMPRESSIONS else None
    kind = SUFFIXES.get(Path(path.stem).suffix.lower() if compression else path.suffix.lower())
    return (kind, compression) if kind else None


def suffix_of(path: Path) -> str:
    """ ".pdf", or ".tar.gz" for a compressed file: the type a file is told as."""
    compressed = path.suffix.lower() in COMPRESSIONS
    return "".join(path.suffixes[-2:] if compressed else path.suffixes[-1:]).lower()


def read_file(path: Path, max_bytes: int, fields: JsonlFields) -> Iterator[Article | NewsdeskError]:
    """Articles read from ``path``; a problem with the whole file is raised, with one JSONL line yielded."""
    found = input_kind(path)
    if found is None:
        raise NewsdeskError(Errors.E108, where=str(path), detail=f"suffix {suffix_of(path) or '(none)'!r}")
    kind, compression = found
    data = _read_bytes(path, compression, max_bytes)
    if not data.strip():
        raise NewsdeskError(Errors.E101, where=str(path))
    if _looks_binary(data):
        raise NewsdeskError(Errors.E102, where=str(path))
    text, encoding = decode(data, str(path))
    # What is yielded is cleaned and stored while this generator waits: the file's bytes (and a
    # page's HTML) are let go first, not held beside a long article all that time.
    if kind == "jsonl":
        del data
        yield from _jsonl_articles(path, text, encoding, fields)
        return
    article = (
        _article(str(path), text, data, encoding, "txt") if kind == "txt" else _html_article(path, text, data, encoding)
    )
    del data, text
    yield article


def _read_bytes(path: Path, compression: str | None, max_bytes: int) -> bytes:
    """The file's bytes, decompressed; E103 past ``max_bytes`` (of the text, not of the archive),
    E114 for a damaged archive. A compressed file is read no further than the limit, so an
    archive that inflates without end costs ``max_bytes`` of memory at most."""
    if compression is None:
        size = path.stat().st_size
        if size > max_bytes:
            raise NewsdeskError(Errors.E103, where=str(path), detail=f"{size:,} bytes > {max_bytes:,}")
        return path.read_bytes()
    try:
        with COMPRESSIONS[compression](path, "rb") as stream:
            data = stream.read(max_bytes + 1)
    except _DAMAGED as exc:
        if isinstance(exc, OSError) and exc.errno is not None:  # the file itself cannot be read
            raise
        raise NewsdeskError(Errors.E114, where=str(path), detail=str(exc) or type(exc).__name__) from None
    if len(data) > max_bytes:
        raise NewsdeskError(Errors.E103, where=str(path), detail=f"more than {max_bytes:,} bytes once decompressed")
    return data


def _looks_binary(data: bytes) -> bool:
    """Whether the file is an image, PDF, archive, executable... rather than text.

    Read from the content, not from a file signature: an article may start with "BMW", "GIF8",
    "RIFF", "PK" or "%PDF-based" (the signatures of bitmaps, GIFs, RIFF media, zip files and
    PDFs). Binary formats hold NUL bytes in their headers and lengths, and compressed data is
    about one byte in ten a control character; text holds at most a stray one (a real news
    page has a run of 11 NULs in 190 KB), so more than one byte in a hundred is binary.
    Whether the rest decodes as text is :func:`decode`'s question (E104).
    """
    sample = data[:_SNIFF_BYTES]
    if sample.startswith(_WIDE_UNICODE_BOMS):
        return False
    if _PDF_HEADER.match(sample) and (_PDF_OBJECT.search(sample) or b"%%EOF" in data[-1024:]):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(2, len(sample) // 100)


def decode(data: bytes, where: str) -> tuple[str, str]:
    """The text and the encoding it was read with: UTF-8 when valid, else charset-normalizer's guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise NewsdeskError(Errors.E104, where=where)
    # Short texts often fit several single-byte code pages equally well; on a tie, take
    # the one most common on the web (Windows-1252 is what "Latin-1" pages really are).
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    tied.sort(
        key=lambda m: _WEB_PREFERENCE.index(m.encoding) if m.encoding in _WEB_PREFERENCE else len(_WEB_PREFERENCE)
    )
    return str(tied[0]), tied[0].encoding


_WEB_PREFERENCE = [
    "utf_8",
    "cp1252",
    "latin_1",
    "iso8859_15",
    "utf_16",
    "cp1251",
    "cp1250",
    "iso8859_2",
    "shift_jis",
    "gb18030",
    "euc_kr",
    "big5",
]


def _article(
    source: str,
    text: str,
    raw_bytes: bytes,
    encoding: str,
    fmt: str,
    *,
    url: str | None = None,
    title: str | None = None,
    published: str | None = None,
    metadata: dict | None = None,
) -> Article:
    return Article(
        id=document_id(url, raw_bytes),
        source=url or source,
        raw_text=text,
        raw_sha256=sha256_hex(raw_bytes),
        encoding=encoding,
        format=fmt,
        url=url,
        title=title,
        published=published,
        metadata={"path": source, **(metadata or {})},
    )


def _word_count(text: str) -> int:
    """Words of ``text``: runs between spaces, and in scripts without spaces one per two characters."""
    unspaced = len(_UNSPACED.findall(text))
    if not unspaced:
        return len(text.split())
    return len(_UNSPACED.sub(" ", text).split()) + unspaced // 2


def _with_title(title: str | None, text: str) -> str:
    """Put a separately given title on the first line, where cleaning expects it. When one of the
    text's opening lines is the headline (under a "Loading..." line or a kicker), that line is
    moved up instead: the headline once, without the site's name a page's <title> adds."""
    if not title or text.lstrip().startswith(title.strip()):
        return text
    lines = text.splitlines()
    at = _headline_at(lines, title)
    if at is None:
        return f"{title.strip()}\n\n{text}"
    headline = lines.pop(at).strip()
    return f"{headline}\n\n" + "\n".join(lines)


# A page's <title> often ends with its site's name: "Headline | Site", "Headline - Site".
_SITE_NAME_AFTER = re.compile(r"\s+[|\u2013\u2014-]\s+(?!.*\s[|\u2013\u2014-]\s)")
TITLE_SEARCH_LINES = 8  # the headline is looked for in this many opening lines


def _headline_at(lines: list[str], title: str) -> int | None:
    """The index of the first opening line that is the title, or the title without its site's name."""
    key = " ".join(title.split()).lower()
    headline = _SITE_NAME_AFTER.split(key, maxsplit=1)[0]
    wanted = {key} | ({headline} if len(headline.split()) >= 3 else set())
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if " ".join(line.split()).lower() in wanted:
            return i
        seen += 1
        if seen >= TITLE_SEARCH_LINES:
            return None
    return None


def _html_article(path: Path, html: str, data: bytes, encoding: str) -> Article:
    doc, text = extract_html(html)
    words = _word_count(text or "")
    if words < HTML_MIN_WORDS:
        raise NewsdeskError(Errors.E105, where=str(path), detail=f"{words} words extracted")
    meta = {k: getattr(doc, k, None) for k in ("author", "sitename", "hostname", "description")}
    return _article(
        str(path),
        _with_title(doc.title, text),
        data,
        encoding,
        "html",
        url=getattr(doc, "url", None) or None,
        title=doc.title,
        published=getattr(doc, "date", None),
        metadata={k: v for k, v in meta.items() if v},
    )


_JSON_KINDS = {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true or false"}


def _no_text(rec, field: str, where: str) -> NewsdeskError:
    """E107 for a JSONL line without article text, saying what the line holds instead."""
    if not isinstance(rec, dict):
        kind = _JSON_KINDS.get(type(rec), "null")
        return NewsdeskError(
            Errors.E107,
            where=where,
            detail=f"the line is {kind}, not a JSON object",
            hint=f"write each article as one object per line, its text in {field!r}",
        )
    if field not in rec:
        keys = ", ".join(map(repr, list(rec)[:8])) + (", ..." if len(rec) > 8 else "")
        return NewsdeskError(Errors.E107, where=where, detail=f"no {field!r}; the line has {keys or 'no fields'}")
    value = rec[field]
    if isinstance(value, str):
        return NewsdeskError(
            Errors.E107, where=where, detail=f"{field!r} is empty", hint="remove the line, or scrape the article again"
        )
    return NewsdeskError(
        Errors.E107,
        where=where,
        detail=f"{field!r} holds {_JSON_KINDS.get(type(value), 'null' if value is None else 'an object')}, not text",
        hint="the article text must be a string",
    )


def _jsonl_articles(path: Path, text: str, encoding: str, fields: JsonlFields) -> Iterator[Article | NewsdeskError]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield NewsdeskError(Errors.E106, where=where, detail=exc.msg)
            continue
        body = rec.get(fields.text_field) if isinstance(rec, dict) else None
        if not isinstance(body, str) or not body.strip():
            yield _no_text(rec, fields.text_field, where)
            continue
        title, url = rec.get(fields.title_field), rec.get(fields.url_field)
        published = rec.get(fields.published_field)
        yield _article(
            where,
            _with_title(title, body),
            body.encode("utf-8"),
            encoding,
            "jsonl",
            url=url if isinstance(url, str) and url else None,
            title=title if isinstance(title, str) else None,
            published=str(published) if published else None,
        )
