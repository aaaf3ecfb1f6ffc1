"""Proof that a change to the release build changed no released data: build a release of one
workspace with the code of a baseline commit and with the working tree, and compare the files.

    .venv/bin/python bench/check_release_identical.py --workspace /tmp/ws-20k --baseline main

The workspace is a generated one (``bench/release.py --keep``) or any workspace that validates.
Each side runs in its own process (the baseline's code exported from git and put first on
PYTHONPATH) and builds version 0.1.0 into the workspace, whose ``releases/`` folder is removed
before and after each side (and ``DATASHEET.md`` put back as it was). Compared: the sha256 of
every data file (``data/<config>/<split>-*.parquet``) and of ``splits.json``; the card, the
manifest and Croissant carry the build's time and commit, so they are not. The working tree
builds twice: validating, and again with the clean verdict the first recorded
(``validation/verdict.py``), without validation; all three must agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import revision  # bench/revision.py (a script's folder is first on sys.path)

REPO = Path(__file__).resolve().parent.parent

SIDE = """
import hashlib, json, os, resource, sys, time
from pathlib import Path
from corpus.workspace import Workspace
from releases import build
from releases.build import build_release
print(build.__file__)
def cpu():
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
load, wall, started = os.getloadavg()[0], time.perf_counter(), cpu()
report = build_release(Workspace.open(sys.argv[1]), "0.1.0")
print(f"  build: {time.perf_counter() - wall:.1f} s wall, {cpu() - started:.1f} s CPU, load {load:.1f}", file=sys.stderr)
folder = Path(report.path)
files = sorted(folder.glob("data/*/*.parquet")) + [folder / "splits.json"]
print(json.dumps({str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}))
print(json.dumps(any(name.startswith("validate") for name in report.timings.wall)))
"""


def build_side(code: Path, workspace: Path, remembered: bool = False) -> dict[str, str]:
    """sha256 of each released data file, built by the code in ``code`` (a checkout's root).

    ``remembered``: with the clean verdict of an earlier build (validation/verdict.py), which must then
    not validate; otherwise the verdict is removed first, and the build validates.
    """
    datasheet = workspace / "DATASHEET.md"
    kept = datasheet.read_bytes() if datasheet.exists() else None
    shutil.rmtree(workspace / "releases", ignore_errors=True)
    if not remembered:
        (workspace / "validation" / "clean.json").unlink(missing_ok=True)
    try:
        env = {**os.environ, "PYTHONPATH": str(code)}
        done = subprocess.run(
            [sys.executable, "-c", SIDE, str(workspace)], cwd=code, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"the build with {code} failed:\n{done.stderr[-4000:]}")
        print(f"{code}{' (remembered)' if remembered else ''}\n{done.stderr.strip()}")  # its time, for what it is worth
        lines = done.stdout.strip().splitlines()
        if not Path(lines[0]).resolve().is_relative_to(code.resolve()):  # the side ran its own code, not ours
            raise SystemExit(f"the build meant to run {code} imported {lines[0]}")
        if remembered and json.loads(lines[-1]):
            raise SystemExit(f"the build with {code} validated again: no clean verdict of these inputs")
        return json.loads(lines[-2])
    finally:
        shutil.rmtree(workspace / "releases", ignore_errors=True)
        if kept is None:
            datasheet.unlink(missing_ok=True)
        else:
            datasheet.write_bytes(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--baseline", default="main", help="git commit whose code is the reference")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="release-baseline-") as scratch:
        baseline = build_side(revision.export(args.baseline, Path(scratch)), args.workspace)
    current = build_side(REPO, args.workspace)  # validating; it records its clean verdict
    remembered = build_side(REPO, args.workspace, remembered=True)  # knowing it: claims made without its frame
    names = sorted(set(baseline) | set(current) | set(remembered))
    differing = [n for n in names if not baseline.get(n) == current.get(n) == remembered.get(n)]
    for name in names:
        mark = "same" if name not in differing else "DIFFERENT"
        print(f"{mark:9s} {name}  {current.get(name, '(missing)')[:16]}  {remembered.get(name, '(missing)')[:16]}")
    digest = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    if differing:
        print(f"DIFFERENT: {len(differing)} of {len(names)} files")
        return 1
    print(f"IDENTICAL: {len(names)} files (all sums: {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
