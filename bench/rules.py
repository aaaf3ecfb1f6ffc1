"""Benchmark: each editing rule alone on the real texts, as the pipeline hands them to it, a
baseline commit's ``corpus/`` against the working tree's.

The real texts of ../shared/data (bench/pages.py: whole-page text of the development pages and
the mt-news articles, each once; never copied) are cleaned once, and the text each editing rule
was given is kept. Then each side runs in its own process (the baseline's ``corpus`` exported
from git and put first on PYTHONPATH), alternating, ``--pairs`` times: every rule's
``propose_many`` / ``propose`` over those texts in the pipeline's batches, and paragraph_breaks
with the engine's apply and settle of its edits (a rule after it, as cleaning has). CPU µs a
text, the best of ``--rounds`` passes in each process; every rule's edits must be the same
either side.

    .venv/bin/python bench/rules.py --baseline main
    .venv/bin/python bench/rules.py --baseline main --rules whitespace,unicode_repair --pairs 3
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import revision  # bench/revision.py (a script's folder is first on sys.path)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BATCH = 512  # corpus.cleaning.CLEAN_BATCH


def capture(out: Path) -> None:
    """Clean the real texts once with the working tree; keep what each editing rule was given."""
    sys.path.insert(0, str(HERE))
    import pages
    from clean import RealText, _articles

    from corpus.cleaning import CleaningPipeline

    pipeline = CleaningPipeline()
    given: dict[str, list[str]] = {rule.name: [] for rule in pipeline.editors}
    for rule in pipeline.editors:
        many = getattr(rule, "propose_many", None)
        if many is not None:

            def keep_many(texts, contexts, _many=many, _name=rule.name):
                given[_name] += texts
                return _many(texts, contexts)

            rule.propose_many = keep_many
        else:

            def keep(text, context, _one=rule.propose, _name=rule.name):
                given[_name].append(text)
                return _one(text, context)

            rule.propose = keep
    raw = pages.real_texts()
    pipeline.clean_many(_articles([RealText(f"real-{i}", t) for i, t in enumerate(raw)]))
    out.write_bytes(pickle.dumps({"raw": raw, "given": given}))


def time_side(data_path: Path, rules: list[str], rounds: int) -> dict:
    """Runs inside one side's process: CPU µs a text of each rule, and a digest of its edits."""
    from corpus.cleaning import CleaningPipeline
    from corpus.offsets import EditEngine
    from corpus.rules.base import CleaningContext

    data = pickle.loads(data_path.read_bytes())
    pipeline = CleaningPipeline()
    clock, result = time.process_time, {}
    gc.disable()  # as cleaning runs (corpus.runtime.without_cyclic_gc)
    for rule in pipeline.editors:
        if rule.name not in rules:
            continue
        texts = data["given"][rule.name]
        many = getattr(rule, "propose_many", None)
        best, edits = float("inf"), []
        for _ in range(rounds):
            contexts = [CleaningContext() for _ in texts]
            t0 = clock()
            edits = []
            for i in range(0, len(texts), BATCH):
                batch, batch_contexts = texts[i : i + BATCH], contexts[i : i + BATCH]
                edits += many(batch, batch_contexts) if many else map(rule.propose, batch, batch_contexts)
            best = min(best, clock() - t0)
        digest = hashlib.sha1(repr([list(e) for e in edits]).encode()).hexdigest()[:12]
        result[rule.name] = {"us": best / len(texts) * 1e6, "edits": digest}
    if "paragraph_breaks" in rules:
        result["paragraph_breaks + engine"] = _breaks_and_engine(data, pipeline, rounds, EditEngine, CleaningContext)
    return result


def _breaks_and_engine(data, pipeline, rounds, EditEngine, CleaningContext) -> dict:
    """paragraph_breaks' propose, and the engine's apply and settle of its edits, on each text as
    the rules before it left it (their edits applied first), with a rule after it."""
    rule = next(r for r in pipeline.editors if r.name == "paragraph_breaks")
    before = pipeline.editors[: pipeline.editors.index(rule)]
    engines_before = []
    for raw, text in zip(data["raw"], data["given"]["paragraph_breaks"]):
        engine = EditEngine(raw)
        for earlier in before:  # the earlier rules' own edits, proposed again on the texts they saw
            given = engine.text
            edits = earlier.propose(given, CleaningContext())
            if edits:
                engine.apply(earlier.name, edits)
        assert engine.text == text
        engine._settle()
        engines_before.append(engine)
    clock, best, outputs = time.process_time, float("inf"), []
    for _ in range(rounds):
        spent, outputs = 0.0, []
        for settled in engines_before:
            engine = EditEngine(settled.raw)
            engine.text, engine._changed, engine._log = settled.text, list(settled._changed), list(settled._log)
            t0 = clock()
            edits = rule.propose(engine.text, CleaningContext())
            engine.apply(rule.name, edits)
            engine._pending.append(("after", [], []))  # a rule after it: its pieces' ends are kept
            engine._settle()
            spent += clock() - t0
            outputs.append((engine.text, [list(line) for line in engine.log], engine.offset_map().to_record()))
        best = min(best, spent)
    digest = hashlib.sha1(repr(outputs).encode()).hexdigest()[:12]
    return {"us": best / len(engines_before) * 1e6, "edits": digest}


def run_side(corpus_root: Path | None, data_path: Path, rules: list[str], rounds: int) -> dict:
    env = dict(os.environ)
    if corpus_root is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(corpus_root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--time", str(data_path), "--rules", ",".join(rules)]
    cmd += ["--rounds", str(rounds)]
    out = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main", help="git commit whose corpus/ is the reference")
    parser.add_argument(
        "--rules",
        default="unicode_repair,whitespace,paragraph_breaks,residue_lines",
        help="editing rules to time (comma-separated; the residue model is timed by residue_cv.py)",
    )
    parser.add_argument("--pairs", type=int, default=2, help="baseline / this process pairs, alternating")
    parser.add_argument("--rounds", type=int, default=5, help="passes in each process, the best kept")
    parser.add_argument("--time", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rules = args.rules.split(",")
    if args.time:
        print(json.dumps(time_side(args.time, rules, args.rounds)))
        return 0
    sys.path.insert(0, str(HERE))
    import pages

    if not pages.data_available():
        raise SystemExit(f"real text not found under {pages.BOILERPLATE} (../shared/data): nothing to measure")
    with tempfile.TemporaryDirectory(prefix="newsdesk-rules-") as tmp:
        tmp = Path(tmp)
        baseline_root = revision.export(args.baseline, tmp / "baseline-src", "corpus")
        data_path = tmp / "given.pickle"
        capture(data_path)
        print(f"load average {os.getloadavg()[0]:.1f}; CPU µs a real text, best of {args.rounds} passes", flush=True)
        same = True
        for pair in range(args.pairs):
            sides = {args.baseline: run_side(baseline_root, data_path, rules, args.rounds)}
            sides["this"] = run_side(None, data_path, rules, args.rounds)
            for name in sides[args.baseline]:
                base, this = sides[args.baseline][name], sides["this"][name]
                same &= base["edits"] == this["edits"]
                print(f"  {name}: {base['us']:.1f} -> {this['us']:.1f}", flush=True)
            print(f"pair {pair + 1} done; load average {os.getloadavg()[0]:.1f}", flush=True)
    print("edits identical" if same else "EDITS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
