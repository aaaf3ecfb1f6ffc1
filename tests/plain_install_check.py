"""Does a plain install work? Run by `./run test` with the Python of a virtualenv holding only
`pip install .` (no extras, no -e, the pip the virtualenv came with), never by pytest.

The suite runs where the test extras and an up-to-date pip are installed too, so a runtime
dependency that arrives only through them would pass there and fail for a user. This imports
every module of newsdesk's packages and ingests the sample corpus (HTML included) with the
installed `newsdesk` command; any failure exits non-zero with what failed.

    python tests/plain_install_check.py SAMPLE_CORPUS
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGES = ("newsdesk", "corpus", "annotation", "validation", "releases")


def import_every_module() -> list[str]:
    """Every module of our packages, imported: a module that needs an undeclared package fails here."""
    names = []
    for package in PACKAGES:
        module = importlib.import_module(package)
        where = Path(module.__file__).parent
        if "site-packages" not in where.parts:  # the check is about the installed copy, not a checkout
            raise SystemExit(f"{package} was imported from {where}, not from the installed package")
        names.append(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}."):
            if info.name.endswith(".__main__"):
                continue  # runs the command line when imported
            importlib.import_module(info.name)
            names.append(info.name)
    return names


def ingest_sample_corpus(corpus: Path) -> list[dict]:
    """`newsdesk init`, `ingest` and `docs export` as a user runs them; the exported documents."""
    newsdesk = Path(sys.executable).parent / "newsdesk"
    with tempfile.TemporaryDirectory(prefix="newsdesk-plain-") as tmp:
        workspace, exported = Path(tmp) / "ws", Path(tmp) / "docs.jsonl"
        for args in (
            ["init", str(workspace)],
            ["ingest", str(corpus), "--workspace", str(workspace)],
            ["docs", "export", "--out", str(exported), "--workspace", str(workspace)],
        ):
            done = subprocess.run([str(newsdesk), *args], capture_output=True, text=True, cwd=tmp)
            if done.returncode != 0:  # ingest exits 1 when any file failed
                raise SystemExit(f"`newsdesk {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}")
        return [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    corpus = Path(sys.argv[1]).resolve()
    modules = import_every_module()
    docs = ingest_sample_corpus(corpus)
    html = [p for p in corpus.iterdir() if p.suffix in (".html", ".htm")]
    if not html:
        raise SystemExit(f"{corpus} holds no HTML page: the check would not cover HTML extraction")
    paths = {Path(d["metadata"]["path"]).name for d in docs}
    missing = [p.name for p in html if p.name not in paths]
    if missing:
        raise SystemExit(f"not ingested by the plain install: {', '.join(missing)}")
    print(
        f"plain install: {len(modules)} modules import; the sample corpus ingests as {len(docs)} documents "
        f"({len(html)} from HTML)"
    )


if __name__ == "__main__":
    main()
