"""Shared test helpers for the corpus stage: where the sample corpus is, and how to read one article."""

from pathlib import Path

from corpus.cleaning import CleaningPipeline
from corpus.model import Article, Document, document_id, sha256_hex

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "corpus"
SEED = SAMPLES / "000_7f6624b96359c901.txt"


def clean_text(raw: str, **pipeline_args) -> Document:
    """Clean one raw text with the default pipeline (language fixed, so no detection noise)."""
    pipeline_args.setdefault("language", "en")
    data = raw.encode("utf-8")
    article = Article(document_id(None, data), "test", raw, sha256_hex(data), "utf-8", "txt")
    return CleaningPipeline(**pipeline_args).clean(article)
