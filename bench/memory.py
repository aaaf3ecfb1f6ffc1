"""Peak memory of ingesting one long article, as a multiple of its size (issue 15, item 7).

Builds one article of ``--mb`` megabytes from the benchmark's generated articles (residue lines,
curly quotes, some mojibake: one long page), then, in a fresh process for each size, ingests a
short article (modules, models and tables loaded) and the long one with ``ingest.max_bytes``
raised, and prints how much the process's peak RSS grew over that warmed-up baseline.

    .venv/bin/python bench/memory.py --mb 5 20 50
    PYTHONPATH=/tmp/old-src .venv/bin/python bench/memory.py --mb 5     # another commit's corpus/
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = """
import re, resource, sys
from pathlib import Path
import corpus
from corpus.ingest import ingest
from corpus.workspace import Workspace

folder = Path(sys.argv[1])
ws = Workspace.init(folder / "ws")
config = ws.path("newsdesk.toml")
config.write_text(re.sub(r"(?m)^max_bytes = .*$", "max_bytes = 1_000_000_000", config.read_text()))
ws = Workspace.open(folder / "ws")
ingest(ws, [folder / "short.txt"])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = ingest(ws, [folder / "long.txt"])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scale = 1 if sys.platform == "darwin" else 1024
print({"corpus": corpus.__file__, "added": report.added, "baseline": before * scale, "peak": after * scale})
"""


def long_article(megabytes: float, seed: int) -> str:
    sys.path.insert(0, str(HERE))
    from articles import generate

    articles, parts, size = generate(3000, seed), [], 0
    while size < megabytes * 1e6:
        text = articles[len(parts) % len(articles)].text
        parts.append(text)
        size += len(text.encode("utf-8")) + 2
    return "\n\n".join(parts)


def measure(megabytes: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="newsdesk-memory-") as tmp:
        folder = Path(tmp)
        (folder / "long.txt").write_text(long_article(megabytes, seed), encoding="utf-8")
        (folder / "short.txt").write_text("A short title\n\nA short article, to warm up.\n", encoding="utf-8")
        size = (folder / "long.txt").stat().st_size
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
    result = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    grew = result["peak"] - result["baseline"]
    return {
        "bytes": size,
        "seconds": round(seconds, 1),
        "baseline_mb": round(result["baseline"] / 1e6),
        "peak_mb": round(result["peak"] / 1e6),
        "multiple": round(grew / size, 1),
        "corpus": result["corpus"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[5.0, 20.0, 50.0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    results = []
    for megabytes in args.mb:
        r = measure(megabytes, args.seed)
        results.append(r)
        print(
            f"{r['bytes'] / 1e6:6.1f} MB article: peak {r['peak_mb']:,} MB, {r['baseline_mb']:,} MB warmed up: "
            f"grew {r['multiple']}x its size in {r['seconds']}s ({r['corpus']})",
            flush=True,
        )
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
