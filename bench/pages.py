"""Real development pages for the quality benchmark and the residue model's training.

Reads ``../shared/data/boilerplate`` (see its README; never copied into the repository):

- newspaper-fixtures: real news pages with the article text an extractor is expected to give;
- trafilatura-eval: real pages with snippets that must stay (``with``) and must go (``without``).

Also: the *whole-page text* a naive scraper keeps of a page (every visible line, menus and
footers included), in two variants, since scrapers differ in where they break lines; the
bag-of-words F1 of the scrapinghub article-extraction benchmark; and line labels.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # /work/shared/data beside the worktrees
if not DATA.exists():
    DATA = ROOT.parent / "shared" / "data"
BOILERPLATE = DATA / "boilerplate"
MT_NEWS = DATA / "mt-news"


@dataclass
class Page:
    name: str
    site: str  # for cross-validation by site
    html: str
    expected: str | None = None  # the article text (newspaper-fixtures)
    keep: list[str] = field(default_factory=list)  # snippets that must stay (trafilatura-eval)
    drop: list[str] = field(default_factory=list)  # snippets that must go


def data_available() -> bool:
    return (BOILERPLATE / "newspaper-fixtures").is_dir() and (BOILERPLATE / "trafilatura-eval").is_dir()


def _read_gz(path: Path) -> str:
    data = gzip.decompress(path.read_bytes())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from corpus.readers import decode

        return decode(data, str(path))[0]


def newspaper_pages(limit: int | None = None) -> list[Page]:
    """The newspaper-fixtures pages that have expected text."""
    base = BOILERPLATE / "newspaper-fixtures"
    pages = []
    for html_path in sorted((base / "html").glob("*.html.gz")):
        name = html_path.name.removesuffix(".html.gz")
        text_path = base / "text" / f"{name}.txt"
        if not text_path.exists():
            continue
        site = re.sub(r"\d+$", "", name)
        pages.append(Page(name, site, _read_gz(html_path), expected=text_path.read_text("utf-8", "replace")))
        if limit and len(pages) >= limit:
            break
    return pages


def trafilatura_pages(limit: int | None = None) -> list[Page]:
    base = BOILERPLATE / "trafilatura-eval"
    evaldata = json.loads((base / "evaldata.json").read_text("utf-8"))
    pages = []
    for url, entry in sorted(evaldata.items()):
        path = base / "pages" / f"{Path(entry['file']).name}.gz"
        if not path.exists():
            path = base / "pages" / entry["file"]
            if not path.exists():
                continue
        site = urlparse(url).netloc.removeprefix("www.") or entry["file"]
        pages.append(
            Page(
                entry["file"],
                site,
                _read_gz(path),
                keep=list(entry.get("with", [])),
                drop=list(entry.get("without", [])),
            )
        )
        if limit and len(pages) >= limit:
            break
    return pages


def mt_news_articles() -> list[tuple[str, str, str]]:
    """(story, version, text) of every English version of every mt-news article."""
    out = []
    for path in sorted((MT_NEWS / "txt").glob("*.txt")):
        story, _, version = path.name.removesuffix(".en.txt").rpartition(".")
        out.append((story, version, path.read_text("utf-8")))
    return out


# --- Whole-page text, as naive scrapers make it -------------------------------------------------

_INVISIBLE = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object", "canvas"}
_BLOCK = {
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "br",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "option",
    "select",
    "button",
    "label",
    "title",
    "html",
}


def _tree(html: str):
    import lxml.html

    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)
    try:
        return lxml.html.document_fromstring(html)
    except Exception:
        return None


def page_text_blocks(html: str) -> str:
    """Every visible line: the text of each block element on a line of its own, inline elements
    (links, emphasis) joined into their line (what an html2text-like scraper keeps)."""
    root = _tree(html)
    if root is None:
        return ""
    lines: list[str] = []
    current: list[str] = []

    def flush():
        line = " ".join("".join(current).split())
        if line:
            lines.append(line)
        current.clear()

    def walk(el):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _INVISIBLE or not isinstance(el.tag, str):
            if el.tail:
                current.append(el.tail)
            return
        block = tag in _BLOCK
        if block:
            flush()
        if el.text:
            current.append(el.text)
        for child in el:
            walk(child)
        if block:
            flush()
        else:
            current.append(" " if tag in ("td", "th") else "")
        if el.tail:
            current.append(el.tail)

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return "\n".join(lines)


def page_text_nodes(html: str) -> str:
    """Every visible text node on a line of its own (BeautifulSoup's ``get_text("\\n", strip=True)``):
    a paragraph with links comes out in pieces."""
    root = _tree(html)
    if root is None:
        return ""
    lines = []
    body = root.find("body")
    for el in (body if body is not None else root).iter():
        if not isinstance(el.tag, str):
            continue
        hidden = any(isinstance(a.tag, str) and a.tag in _INVISIBLE for a in (el, *el.iterancestors()))
        if not hidden and el.text and el.text.strip():
            lines.append(" ".join(el.text.split()))
        parent_hidden = any(isinstance(a.tag, str) and a.tag in _INVISIBLE for a in el.iterancestors())
        if not parent_hidden and el.tail and el.tail.strip():
            lines.append(" ".join(el.tail.split()))
    return "\n".join(lines)


PAGE_TEXT = {"blocks": page_text_blocks, "nodes": page_text_nodes}


# --- Scoring ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def bow_prf(predicted: str, expected: str) -> tuple[float, float, float]:
    """Bag-of-words precision, recall, F1 (tokens as a multiset), as the scrapinghub
    article-extraction-benchmark scores one page."""
    from collections import Counter

    p, e = Counter(tokens(predicted)), Counter(tokens(expected))
    tp = sum((p & e).values())
    np_, ne = sum(p.values()), sum(e.values())
    if ne == 0:
        return (1.0, 1.0, 1.0) if np_ == 0 else (0.0, 1.0, 0.0)
    if np_ == 0:
        return 0.0, 0.0, 0.0
    precision, recall = tp / np_, tp / ne
    f1 = 0.0 if tp == 0 else 2 * precision * recall / (precision + recall)
    return precision, recall, f1


def squash(text: str) -> str:
    return " ".join((text or "").split()).lower()


def snippet_shares(outputs: list[str], pages: list[Page]) -> dict:
    """Share of must-stay snippets found in the output and of must-go snippets not found."""
    kept = kept_n = dropped = dropped_n = 0
    for text, page in zip(outputs, pages):
        t = squash(text)
        for s in page.keep:
            kept_n += 1
            kept += squash(s) in t
        for s in page.drop:
            dropped_n += 1
            dropped += squash(s) not in t
    return {
        "with_kept": kept / max(kept_n, 1),
        "without_dropped": dropped / max(dropped_n, 1),
        "with_n": kept_n,
        "without_n": dropped_n,
    }


# --- Line labels for training -------------------------------------------------------------------


def line_labels(lines: list[str], page: Page) -> list[int | None]:
    """1 article, 0 residue, None unknown, for each line of a page's whole-page text.

    With expected text: a line is article when its words occur, in order, in the expected text
    (short lines of one or two words, such as "Home", are only article inside a run of article
    lines, since they occur anywhere). With snippets: a line holding a must-stay snippet is
    article, one holding a must-go snippet residue, the others unknown.
    """
    if page.expected is not None:
        expected = " " + " ".join(tokens(page.expected)) + " "
        labels: list[int | None] = []
        for line in lines:
            words = tokens(line)
            if not words:
                labels.append(0)
                continue
            labels.append(1 if f" {' '.join(words)} " in expected else 0)
        # A one- or two-word line "found" in the text is article only next to article lines.
        out = list(labels)
        for i, line in enumerate(lines):
            if labels[i] == 1 and len(tokens(line)) <= 2:
                near = [labels[j] for j in (i - 1, i + 1) if 0 <= j < len(lines) and len(tokens(lines[j])) > 2]
                out[i] = 1 if any(near) else 0
        return out
    labels = []
    keep = [squash(s) for s in page.keep if len(squash(s)) >= 8]
    drop = [squash(s) for s in page.drop if len(squash(s)) >= 4]
    for line in lines:
        s = squash(line)
        if any(k in s for k in keep) and not any(d in s for d in drop):
            labels.append(1)
        elif any(d == s or (d in s and len(s) < 3 * len(d) + 20) for d in drop):
            labels.append(0)
        else:
            labels.append(None)
    return labels


def real_texts() -> list[str]:
    """The real texts the speed benchmarks clean: the whole-page text (``blocks`` variant) of every
    development page and every mt-news article, in a fixed order, empty ones left out (as
    bench/quality.py's ``--speed`` makes them). Read from ../shared/data: check data_available() first."""
    texts = [page_text_blocks(p.html) for p in newspaper_pages() + trafilatura_pages()]
    if MT_NEWS.is_dir():
        texts += [text for _, _, text in mt_news_articles()]
    return [t for t in texts if t.strip()]
