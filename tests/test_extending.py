"""docs/extending.md's worked examples run as the page shows them.

Each Python block of the page whose first line is ``# new file PATH`` or ``# in REGISTRY of PATH``
is applied to a copy of the code: the new file written, the registration line put at the end of
the registry. Then, from the command line of that copy, a text is cleaned with the new rule, a
file imported with the new format, and a release built with the new config and loaded with
plain `datasets`.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from corpus_helpers import REPO

PAGE = REPO / "docs" / "extending.md"
PACKAGES = ("newsdesk", "corpus", "annotation", "validation", "releases", "training")
HEADER = re.compile(r"# (?:new file (?P<file>\S+)|in (?P<registry>\w+) of (?P<module>\S+))\n")


def page_blocks() -> list[tuple[re.Match, str]]:
    """The page's placed blocks: where each goes (the header) and its code."""
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    return [(m, block[m.end() :]) for block in blocks if (m := HEADER.match(block))]


def add_to_registry(source: str, registry: str, line: str) -> str:
    """``source`` with ``line`` put last in ``registry`` (``NAME... = (`` or ``{`` up to the ``)``/``}`` closing it)."""
    opening = re.search(rf"^{registry}\b[^\n]*= [({{]\n", source, flags=re.M)
    assert opening, f"no registry {registry}"
    closing = re.compile(r"^[)}]\n", flags=re.M).search(source, opening.end())
    return source[: closing.start()] + line + source[closing.start() :]


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> Path:
    """A copy of the code with every example of the page added as the page says."""
    root = tmp_path_factory.mktemp("extended")
    for package in PACKAGES:
        shutil.copytree(REPO / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
    placed = []
    for where, code in page_blocks():
        if where["file"]:
            target = root / where["file"]
            assert not target.exists(), f"{where['file']} is not a new file"
            target.write_text(code, encoding="utf-8")
        else:
            target = root / where["module"]
            target.write_text(add_to_registry(target.read_text(encoding="utf-8"), where["registry"], code))
        placed.append(where.group(0).strip())
    assert placed == [
        "# new file annotation/importers/tsv_spans.py",
        "# in FORMATS of annotation/importers/__init__.py",
        "# new file releases/configs/headlines.py",
        "# in CONFIGS of releases/configs/__init__.py",
        "# new file corpus/rules/repeated_paragraph.py",
        "# in RULES of corpus/rules/__init__.py",
    ]
    for where, code in page_blocks():  # a registration is one entry of its registry
        if where["registry"]:
            entry = ast.parse(("{%s}" if ": " in code.splitlines()[0] else "(%s)") % code, mode="eval").body
            assert len(entry.keys if isinstance(entry, ast.Dict) else entry.elts) == 1, code
    return root


def newsdesk(extended: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    """`newsdesk ARGS` run from the extended copy of the code."""
    env = {**os.environ, "PYTHONPATH": str(extended), "COLUMNS": "200", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "newsdesk", *args], cwd=extended, env=env, capture_output=True, text=True, timeout=300
    )
    assert (out.returncode == 0) == ok, out.stdout + out.stderr
    return out


REPEATED = "The harbour reopened on Monday after a week of strikes over pay, Anna Berg said."
ARTICLE = (
    f"Port reopens\n\n{REPEATED}\n\nOfficials of the Red Cross met in Geneva.\n\nAdvertisement\n\n"
    f"Trade resumed at once.\n\n{REPEATED}\n"
)


def test_each_example_is_a_new_file_and_one_registration(extended):
    # The copy's registries name the new parts, and the original's do not: the page is what added them.
    program = (
        "from annotation.importers import FORMATS; from releases.configs import CONFIG_NAMES; "
        "from corpus.rules import RULES; print(list(FORMATS)[-1], CONFIG_NAMES[-1], RULES[-1].name)"
    )
    env = {**os.environ, "PYTHONPATH": str(extended)}
    out = subprocess.run([sys.executable, "-c", program], cwd=extended, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["tsv-spans", "headlines", "repeated_paragraph"], out.stderr
    assert not (REPO / "annotation" / "importers" / "tsv_spans.py").exists()


def test_the_new_rule_format_and_config_work_end_to_end(extended, tmp_path):
    from datasets import load_dataset

    ws = tmp_path / "ws"
    newsdesk(extended, "init", str(ws))
    config = ws / "newsdesk.toml"
    config.write_text(config.read_text().replace('"not_an_article"]', '"not_an_article", "repeated_paragraph"]'))
    assert "[cleaning.repeated_paragraph]\nmin_words = 8" in re.sub(r" +#.*", "", config.read_text())

    # A new cleaning rule: the second copy of the paragraph is flagged, and `docs show` names the rule.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(ARTICLE)
    newsdesk(extended, "ingest", str(corpus / "a.txt"), "-w", str(ws))
    (doc,) = json.loads(newsdesk(extended, "docs", "list", "--json", "-w", str(ws)).stdout)
    shown = newsdesk(extended, "docs", "show", doc["id"], "--raw", "-w", str(ws)).stdout
    assert "flag repeated_paragraph" in shown
    record = json.loads(newsdesk(extended, "docs", "show", doc["id"], "--json", "-w", str(ws)).stdout)
    record = record[0] if isinstance(record, list) else record
    flags = [f for f in record["flags"] if f["rule"] == "repeated_paragraph"]
    assert [record["text"][f["start"] : f["end"]] for f in flags] == [REPEATED]
    assert flags[0]["start"] == record["text"].rindex(REPEATED)  # the second copy, not the first

    # A new import format: listed in --help, and a file of it imported onto the clean text.
    assert "tsv-spans" in newsdesk(extended, "annotate", "import", "--help").stdout
    spans = [
        (ARTICLE.index(w), ARTICLE.index(w) + len(w), label)
        for w, label in (("Anna Berg", "PERSON"), ("Red Cross", "ORG"), ("Geneva", "GPE"))
    ]
    (corpus / "a.spans").write_text("".join(f"{s}\t{e}\t{label}\n" for s, e, label in spans))
    report = newsdesk(
        extended,
        "annotate",
        "import",
        str(corpus),
        "--format",
        "tsv-spans",
        "--annotator",
        "lab",
        "--json",
        "-w",
        str(ws),
    )
    report = json.loads(report.stdout)
    assert report["spans_carried"] == 3 and report["documents_added"] == 0, report

    # A new release config: built with the others, loaded with plain `datasets`.
    newsdesk(extended, "adjudicate", "--strategy", "single", "-w", str(ws))
    newsdesk(extended, "release", "build", "0.1.0", "-w", str(ws))
    (folder,) = (ws / "releases").glob("0.1.0")
    rows = [row for split in load_dataset(str(folder), "headlines").values() for row in split]
    assert rows == [{"doc_id": doc["id"], "title": "Port reopens", "language": "en"}]
    card = (folder / "README.md").read_text()
    assert "config_name: headlines" in card and "a document's title and language" in card
    entities = [row for split in load_dataset(str(folder), "entities").values() for row in split]
    assert [len(row["spans"]) for row in entities] == [3]
