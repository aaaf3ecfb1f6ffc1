"""A tiny annotated corpus of our own making, for training models in tests.

Short news items with clear patterns: people, organisations and places (entities), and
attributions "PERSON said (that) CLAIM." / "“CLAIM,” said a spokeswoman for ORG." (CLAIM, CUE,
SOURCE and their links). Written as brat standoff, so a test imports and adjudicates them as a
user would (``newsdesk annotate import --format brat``, ``newsdesk adjudicate --strategy single``).
And `predict_in_fresh_process`, how a test shows a model folder loads on its own.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

FIRST = ["Anna", "Lars", "Maria", "Tomas", "Ingrid", "Peter", "Sofia", "Erik", "Helga", "Jonas", "Clara", "Mikael"]
LAST = ["Berg", "Lund", "Holm", "Strand", "Dahl", "Nyberg", "Vik", "Sand", "Moen", "Bakken"]
ORGS = ["Nordbank", "Harbour Authority", "Fjord Energy", "Baltic Shipping", "Polar Airlines", "Union of Fishers"]
PLACES = ["Oslo", "Bergen", "Tromso", "Gdansk", "Riga", "Aarhus", "Turku", "Malmo"]
CLAIMS = [
    "the harbour will reopen in May",
    "prices would fall next year",
    "the bridge was safe",
    "the strike had cost millions",
    "more ferries were needed",
    "the plan would create jobs",
    "the talks had failed",
    "fishing quotas must be cut",
    "the airport was too small",
    "the merger would go ahead",
]
FILLER = [
    "The weather was cold.",
    "Traffic was light on the main road.",
    "Markets opened calmly.",
    "The meeting lasted two hours.",
    "Reporters waited outside.",
]


class _Doc:
    def __init__(self):
        self.text = ""
        self.ann: list[str] = []
        self.t = self.r = 0

    def add(self, piece: str, label: str | None = None) -> str | None:
        start = len(self.text)
        self.text += piece
        if label is None:
            return None
        self.t += 1
        self.ann.append(f"T{self.t}\t{label} {start} {start + len(piece)}\t{piece}")
        return f"T{self.t}"

    def link(self, kind: str, claim: str, target: str) -> None:
        self.r += 1
        self.ann.append(f"R{self.r}\t{kind} Arg1:{claim} Arg2:{target}")


def _document(rng: random.Random) -> _Doc:
    d = _Doc()
    d.add("In ")
    d.add(rng.choice(PLACES), "GPE")
    d.add(", " + rng.choice(FILLER).lower() + "\n")
    for _ in range(3):
        kind = rng.random()
        if kind < 0.5:
            person = d.add(f"{rng.choice(FIRST)} {rng.choice(LAST)}", "PERSON")
            d.add(" of ")
            d.add(rng.choice(ORGS), "ORG")
            d.add(" ")
            cue = d.add("said", "CUE")
            d.add(" that ")
            claim = d.add(rng.choice(CLAIMS), "CLAIM")
            d.add(".\n")
            d.link("source", claim, person)
        else:
            d.add("“")
            claim = d.add(rng.choice(CLAIMS).capitalize(), "CLAIM")
            d.add(",” ")
            cue = d.add("said", "CUE")
            d.add(" ")
            source = d.add("a spokeswoman for " + rng.choice(ORGS), "SOURCE")
            d.add(" in ")
            d.add(rng.choice(PLACES), "GPE")
            d.add(".\n")
            d.link("source", claim, source)
        d.link("cue", claim, cue)
        d.add(rng.choice(FILLER) + "\n")
    return d


def write_brat_corpus(folder: Path, n: int = 40, seed: int = 7) -> Path:
    """``n`` documents as ``doc-NNN.txt`` + ``doc-NNN.ann`` in ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        d = _document(rng)
        (folder / f"doc-{k:03d}.txt").write_text(d.text, encoding="utf-8")
        (folder / f"doc-{k:03d}.ann").write_text("\n".join(d.ann) + "\n", encoding="utf-8")
    return folder


def predict_in_fresh_process(model_path: Path, text: str) -> dict[str, list[list]]:
    """The layer spans a new Python process predicts for `text` from the model folder alone:
    what a user's later session sees, with nothing registered or cached by this one."""
    code = (
        "import sys, json; from annotation.models.predictor import ModelPredictor; "
        "m = ModelPredictor(sys.argv[1]); print(json.dumps(m.layer_spans(sys.argv[2])))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(model_path), text], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
