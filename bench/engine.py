"""Benchmark: the edit engine alone on the real texts' edits, a baseline commit's against this one.

Cleans the real texts of ../shared/data once and keeps each text's rules' edits as the pipeline
hands them to the :class:`~corpus.offsets.EditEngine`; then replays them through the baseline's
``corpus/offsets.py`` and the working tree's, alternating, as cleaning does it (every rule
applied, then all settled at once when the log is asked for). CPU µs a text for apply, settle
and the offset map, best of ``--rounds`` each; the text, log and offset map of every text must be
the same either side.

    .venv/bin/python bench/engine.py --baseline main
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def real_edits() -> list[tuple[str, list]]:
    """Each real text and its rules' edits, (rule, edits) in the order the pipeline applied them."""
    import pages
    from clean import RealText, _articles

    from corpus.cleaning import CleaningPipeline

    captured = []
    document = CleaningPipeline._document

    def keep(self, article, text, ctx, engine, flags):
        captured.append((engine.raw, [(rule, list(edits)) for rule, edits, _ in engine._pending]))
        return document(self, article, text, ctx, engine, flags)

    CleaningPipeline._document = keep
    try:
        CleaningPipeline().clean_many(_articles([RealText(f"real-{i}", t) for i, t in enumerate(pages.real_texts())]))
    finally:
        CleaningPipeline._document = document
    return captured


def baseline_module(rev: str, folder: Path):
    """The baseline commit's corpus/offsets.py, loaded on its own (it needs only the standard library)."""
    path = folder / "offsets_baseline.py"
    path.write_text(
        subprocess.run(
            ["git", "show", f"{rev}:corpus/offsets.py"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
    )
    spec = importlib.util.spec_from_file_location("offsets_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replay(engine_class, jobs) -> tuple[list[float], list]:
    """CPU seconds of apply, settle and the offset map over all texts, and each text's outputs."""
    clock, spent, outputs = time.process_time, [0.0, 0.0, 0.0], []
    for raw, rules in jobs:
        t0 = clock()
        engine = engine_class(raw)
        for rule, edits in rules:
            engine.apply(rule, edits)
        t1 = clock()
        log = engine.log
        t2 = clock()
        offset_map = engine.offset_map()
        t3 = clock()
        spent[0] += t1 - t0
        spent[1] += t2 - t1
        spent[2] += t3 - t2
        outputs.append((engine.text, [list(line) for line in log], offset_map.to_record()))
    return spent, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", default="main", help="git commit whose corpus/offsets.py is the reference")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import pages

    if not pages.data_available():
        sys.exit("../shared/data is not there: nothing to measure")
    import corpus.offsets

    jobs = real_edits()
    with tempfile.TemporaryDirectory(prefix="newsdesk-engine-") as folder:
        sides = {
            args.baseline: baseline_module(args.baseline, Path(folder)).EditEngine,
            "this": corpus.offsets.EditEngine,
        }
    print(
        f"{len(jobs):,} real texts, {sum(len(e) for _, r in jobs for _, e in r) / len(jobs):.0f} edits a text; load average {os.getloadavg()[0]:.1f}"
    )
    best: dict[str, list[float]] = {}
    gc.disable()  # as cleaning runs (corpus.cleaning.without_cyclic_gc)
    try:
        for _ in range(args.rounds):
            outputs = []
            for name, engine_class in sides.items():
                spent, out = replay(engine_class, jobs)
                outputs.append(out)
                if name not in best or sum(spent) < sum(best[name]):
                    best[name] = spent
            if outputs[0] != outputs[1]:
                sys.exit("the two engines' outputs differ")
    finally:
        gc.enable()
    for name, spent in best.items():
        us = [s / len(jobs) * 1e6 for s in spent]
        print(
            f"{name}: {sum(us):.1f} µs a text (apply {us[0]:.1f}, settle {us[1]:.1f}, offset map {us[2]:.1f}), best of {args.rounds}"
        )
    print(f"outputs identical; load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
