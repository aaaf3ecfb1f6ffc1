"""How often each flagging rule is right on real text: a sample to hand-check, then precision per rule.

Runs the default cleaning pipeline (every flagging rule switched on, whatever the defaults say)
over real text read from ``../shared/data`` (never copied into the repository):

- mt-news/txt: machine-translated news and the human reference translations;
- attribution/polnear/*/text: real news articles;
- boilerplate/newspaper-fixtures/text: the article text of real news pages;
- the whole-page text (bench/pages.py) of every development HTML page.

A folder that is not there is skipped; with none there, it says so and stops.

    python bench/flags.py sample [--per-rule 100] [--out /tmp/flags-sample.txt]
        writes up to N flags per rule (fixed seed), each with its context, for a human to judge;
    python bench/flags.py precision
        precision per rule from bench/flags-judgements.json.

The judgements file holds, per flag id: source, rule, offsets, the flagged word (for a word
flag), the verdict and a one-line reason for a wrong flag; never the article text. The ids
are stable as long as the text and the rule do not change (source, rule and offsets).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages as P  # noqa: E402

from corpus.cleaning import CLEAN_BATCH, FLAGGING_RULES, CleaningPipeline  # noqa: E402
from corpus.model import Article, document_id, sha256_hex  # noqa: E402

JUDGEMENTS = ROOT / "bench" / "flags-judgements.json"
WORD_FLAGS = {"run_together_words", "mistranslated_conjunction"}  # a word is flagged, not a passage
SEED = 16


def real_texts() -> list[tuple[str, str]]:
    """(source, text) of every real text there is; the source is a path under ../shared/data."""
    data = P.DATA
    texts = []
    for path in sorted((data / "mt-news" / "txt").glob("*.txt")):
        texts.append((str(path.relative_to(data)), path.read_text("utf-8")))
    for path in sorted((data / "attribution" / "polnear").glob("*/text/*.txt")):
        texts.append((str(path.relative_to(data)), path.read_text("utf-8")))
    for path in sorted((data / "boilerplate" / "newspaper-fixtures" / "text").glob("*.txt")):
        texts.append((str(path.relative_to(data)), path.read_text("utf-8", "replace")))
    if P.data_available():
        for page in P.newspaper_pages():
            texts.append(
                (
                    f"boilerplate/newspaper-fixtures/html/{page.name}.html.gz#page_text_blocks",
                    P.page_text_blocks(page.html),
                )
            )
        for page in P.trafilatura_pages():
            texts.append(
                (f"boilerplate/trafilatura-eval/pages/{page.name}#page_text_blocks", P.page_text_blocks(page.html))
            )
    return [(source, text) for source, text in texts if text.strip()]


def flag_id(source: str, rule: str, start: int, end: int) -> str:
    return hashlib.sha1(f"{source}|{rule}|{start}|{end}".encode()).hexdigest()[:12]


def all_flags(rules: list[str] | None = None) -> list[dict]:
    """Every flag the flagging rules raise on the real texts, with the cleaned text to read it in."""
    texts = real_texts()
    if not texts:
        sys.exit(f"no real text under {P.DATA} (see its README): nothing to measure")
    editing = [r for r in CleaningPipeline().rule_names if r not in FLAGGING_RULES]
    pipeline = CleaningPipeline(editing + (rules or list(FLAGGING_RULES)))
    articles = []
    for source, text in texts:
        raw = text.encode("utf-8")
        articles.append(
            Article(
                id=document_id(None, raw),
                source=source,
                raw_text=text,
                raw_sha256=sha256_hex(raw),
                encoding="utf-8",
                format="txt",
            )
        )
    flags = []
    for i in range(0, len(articles), CLEAN_BATCH):
        for article, doc in zip(articles[i : i + CLEAN_BATCH], pipeline.clean_many(articles[i : i + CLEAN_BATCH])):
            for f in doc.flags:
                flags.append(
                    {
                        "id": flag_id(article.source, f.rule, f.start, f.end),
                        "source": article.source,
                        "rule": f.rule,
                        "start": f.start,
                        "end": f.end,
                        "message": f.message,
                        "text": doc.text,
                        "language": doc.language,
                    }
                )
    return flags


def context(flag: dict, width: int = 160) -> str:
    text, start, end = flag["text"], flag["start"], flag["end"]
    if flag["rule"] == "not_an_article":
        return f"[{len(text)} chars] " + text[:700] + (" ..." if len(text) > 700 else "")
    if flag["rule"] == "truncated_ending":
        return text[max(0, start - width) : start] + "[[" + text[start:end] + "]] <END>"
    return text[max(0, start - width) : start] + "[[" + text[start:end] + "]]" + text[end : end + width]


def sample(per_rule: int, out: Path) -> None:
    by_rule = defaultdict(list)
    for flag in all_flags():
        by_rule[flag["rule"]].append(flag)
    rng = random.Random(SEED)
    lines = []
    for rule in FLAGGING_RULES:
        found = by_rule.get(rule, [])
        chosen = found if len(found) <= per_rule else rng.sample(found, per_rule)
        print(f"{rule}: {len(found)} flags, {len(chosen)} sampled")
        for flag in chosen:
            word = flag["text"][flag["start"] : flag["end"]] if rule in WORD_FLAGS else None
            lines.append(
                json.dumps(
                    {
                        "id": flag["id"],
                        "rule": rule,
                        "source": flag["source"],
                        "start": flag["start"],
                        "end": flag["end"],
                        "word": word,
                        "language": flag["language"],
                        "message": flag["message"],
                        "context": context(flag),
                    },
                    ensure_ascii=False,
                )
            )
    out.write_text("\n".join(lines) + "\n", "utf-8")
    print(f"{len(lines)} flags to judge in {out} (outside the repository: it quotes the texts)")


def precision(judgements: dict) -> dict:
    """Right / checked per rule and variant ("as shipped", or a rule before and after a fix)."""
    counts = defaultdict(Counter)
    for entry in judgements.values():
        counts[entry["rule"], entry.get("variant", "as shipped")][entry["verdict"]] += 1
    out = {}
    for (rule, variant), c in sorted(counts.items()):
        right, checked = c["right"], c["right"] + c["wrong"]
        out[f"{rule} ({variant})"] = {"right": right, "checked": checked, "precision": round(right / checked, 3)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--per-rule", type=int, default=100)
    s.add_argument("--out", type=Path, default=Path("/tmp/flags-sample.jsonl"))
    sub.add_parser("precision")
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.per_rule, args.out)
    else:
        for rule, p in precision(json.loads(JUDGEMENTS.read_text("utf-8"))["judgements"]).items():
            print(f"{rule:42} {p['right']:3}/{p['checked']:3} right = {p['precision']:.0%}")


if __name__ == "__main__":
    main()
