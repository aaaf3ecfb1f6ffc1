"""Issue 17's model benchmark: import a corpus's train and dev sets, adjudicate, train, evaluate on dev.

Reads ../shared/data (never copied into the repository); the workspaces go where --out says.

    .venv/bin/python bench/models.py prepare polnear --out /tmp/models-bench   # pn-train, pn-dev
    .venv/bin/python bench/models.py prepare wikiann --out /tmp/models-bench   # wa-train, wa-dev
    .venv/bin/python bench/models.py prepare wnut17 --out /tmp/models-bench    # wn-train, wn-dev
    .venv/bin/python bench/models.py run /tmp/models-bench/pn-train /tmp/models-bench/pn-dev \\
        --minutes 20 --json-out bench/models-polnear-results.json

``prepare`` does what a user does with the CLI (``newsdesk init``, ``annotate import``,
``adjudicate --strategy single``) on copies shaped as the first rounds needed them, kept so that
figures stay comparable: WikiANN's ``en:Token<TAB>TAG`` lines lose their ``en:`` and get a
``-DOCSTART-`` every 15 sentences (so a document is news-sized, not the whole file); PolNeAR's
``text/NAME.txt`` and ``attributions/NAME_ANNOTATOR.ann`` are paired as ``NAME.txt`` + ``NAME.ann``
(the first annotator of an article), and three ``.ann`` files with a span text broken over two
lines lose the broken line. The importer now reads PolNeAR's own layout (``annotate import
polnear/dev --format brat --annotator-from-name``: every annotator's record, broken span texts read
by offsets); ``adjudicate --strategy single`` then leaves out the articles several people annotated
(2 of dev's 84), which a user settles with ``--strategy majority`` or a reviewer. It reads WikiANN's
files as they are too: the ``en:`` prefix dropped, 15 sentences a document where a file has no
``-DOCSTART-`` (``--sentences-per-document``), as the copies here are cut.

``run --clock cpu`` counts the budget in this process's CPU seconds: on a shared machine the wall
clock also measures the neighbours (training is one process, one core).

``run`` without ``--name`` trains the scratch model ``models/bench``, which the next such run
replaces (the sweeps here re-run it with other settings); a named run refuses to replace an
existing model (E225) unless given ``--force``, like ``newsdesk model train``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

# ../shared/data beside a clone, or two levels up from a worktree (/work/wt/NAME -> /work/shared/data)
DATA = next(
    (p / "shared" / "data" for p in Path(__file__).resolve().parents[1:4] if (p / "shared" / "data").exists()),
    Path(__file__).resolve().parents[2] / "shared" / "data",
)
NEWSDESK = [sys.executable, "-m", "newsdesk"]
POLNEAR_MAP = (
    "Source=SOURCE,Cue=CUE,Content=CLAIM,Attribution=CUE,Attribution-no-source=CUE,Discuss=-,"
    "Discard=-,role:Source=source,role:Cue=cue,role:Content=-"
)
BRAT_LINE = re.compile(r"^[TERAMN#*]\d*\s")


def _cli(*args: str, ok: tuple[int, ...] = (0,)) -> None:
    done = subprocess.run([*NEWSDESK, *args], stdout=subprocess.DEVNULL)
    if done.returncode not in ok:
        raise subprocess.CalledProcessError(done.returncode, done.args)


def _workspace(path: Path, entity_labels: list[str] | None, claim_attributes_required: bool = True) -> None:
    shutil.rmtree(path, ignore_errors=True)
    _cli("init", str(path))
    if not claim_attributes_required:  # a corpus without them (PolNeAR): gold would leave every claim out
        schema = path / "labels.toml"
        schema.write_text(schema.read_text().replace("required = true", "required = false"))
    if entity_labels:
        schema = path / "labels.toml"
        text = re.sub(
            r"labels = \[.*?\]\n", f"labels = {json.dumps(entity_labels)}\n", schema.read_text(), count=1, flags=re.S
        )
        text = re.sub(r"source_labels = \[.*?\]\n", f"source_labels = {json.dumps(entity_labels[:2])}\n", text, count=1)
        schema.write_text(text)


def prepare_polnear(out: Path) -> None:
    for split in ("train", "dev"):
        folder = out / f"polnear-{split}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        by_article = defaultdict(list)
        for ann in sorted((DATA / "attribution/polnear" / split / "attributions").glob("*.ann")):
            by_article[ann.stem.rsplit("_", 1)[0]].append(ann)
        for name, anns in by_article.items():
            shutil.copy(DATA / "attribution/polnear" / split / "text" / f"{name}.txt", folder / f"{name}.txt")
            lines = anns[0].read_text(encoding="utf-8").splitlines()
            (folder / f"{name}.ann").write_text(
                "\n".join(x for x in lines if BRAT_LINE.match(x)) + "\n", encoding="utf-8"
            )
        ws = out / f"pn-{split}"
        _workspace(ws, None, claim_attributes_required=False)
        # exit 1 would be a span reported (not carried onto the clean text): the rest is imported, as a
        # user's would be. Since session 13 cleaning deletes no annotated text, and none is.
        _cli("annotate", "import", str(folder), "--format", "brat", "--map", POLNEAR_MAP, "-w", str(ws), ok=(0, 1))
        _cli("adjudicate", "--strategy", "single", "-w", str(ws))


SENTENCES_PER_DOCUMENT = 15


def news_sized_conll(source: str, strip: str = "") -> str:
    """``Token<TAB>TAG`` lines as the CoNLL importer reads them: ``token TAG``, ``strip`` (a prefix
    on every token, such as WikiANN's ``en:``) removed, one blank line per sentence end and a
    ``-DOCSTART-`` every 15 sentences, so that a document is news-sized, not the whole file."""
    lines, sentences = ["-DOCSTART- O", ""], 0
    for line in source.splitlines():
        if not line.strip().strip("\ufeff"):  # WNUT-17 ends sentences with a tab or a stray BOM too
            if lines[-1]:
                lines.append("")
                sentences += 1
                if sentences % SENTENCES_PER_DOCUMENT == 0:
                    lines += ["-DOCSTART- O", ""]
            continue
        token, tag = line.lstrip("\ufeff").split("\t")
        lines.append(f"{token.removeprefix(strip)} {tag}")
    return "\n".join(lines) + "\n"


def _conll_workspace(
    out: Path, name: str, short: str, files: dict[str, Path], labels: list[str], strip: str = ""
) -> None:
    """A workspace ``SHORT-SPLIT`` per split of a ``Token<TAB>TAG`` corpus (see :func:`news_sized_conll`)."""
    for split, source in files.items():
        conll = out / f"{name}-{split}.conll"
        conll.parent.mkdir(parents=True, exist_ok=True)
        conll.write_text(news_sized_conll(source.read_text(encoding="utf-8-sig"), strip), encoding="utf-8")
        ws = out / f"{short}-{split}"
        _workspace(ws, labels)
        _cli("annotate", "import", str(conll), "--format", "conll", "-w", str(ws), ok=(0, 1))  # exit 1: see PolNeAR
        _cli("adjudicate", "--strategy", "single", "-w", str(ws))


def prepare_wikiann(out: Path) -> None:
    folder = DATA / "ner/wikiann-en"
    _conll_workspace(
        out, "wikiann", "wa", {s: folder / s for s in ("train", "dev")}, ["PER", "ORG", "LOC"], strip="en:"
    )


WNUT17_LABELS = ["person", "location", "corporation", "product", "creative-work", "group"]


def prepare_wnut17(out: Path) -> None:
    """WNUT-17: tweets (train) and Reddit, YouTube and StackExchange comments (dev): names in text
    unlike Wikipedia's, many lower-cased, few seen in training."""
    folder = DATA / "ner/wnut17"
    files = {"train": folder / "wnut17train.conll", "dev": folder / "emerging.dev.conll"}
    _conll_workspace(out, "wnut17", "wn", files, WNUT17_LABELS)


def _summary(scores: dict) -> dict:
    out = {}
    for layer in ("entities", "claims"):
        if scores[layer]["exact"]["gold"]:
            out[layer] = {
                mode: {
                    "f1": scores[layer][mode]["f1"],
                    "by_label": {k: v["f1"] for k, v in scores[layer][mode]["by_label"].items()},
                }
                for mode in ("exact", "overlap")
            }
    links = scores["links"]
    out["links"] = {
        "cue_f1": links["cue"]["f1"],
        "source_f1": links["source"]["f1"],
        "attributions_whole": links["attributions_whole"],
    }
    out["edits_per_1000_words"] = scores["edits"]["per_1000_words"]
    out["edits_total_per_1000_words"] = scores["edits"]["total_per_1000_words"]
    return out


SCRATCH_NAME = "bench"  # the model a run without --name writes, and the next one replaces


def run(
    train_ws: Path, dev_ws: Path, minutes: float, clock: str, name: str, settings: dict, force: bool = False
) -> dict:
    from corpus.workspace import Workspace
    from training.evaluate import evaluate_model
    from training.train import TrainSettings, train_model

    last = [-1.0]

    def report(p) -> None:  # the held-out curve as it grows, for a run that may be stopped (Ctrl-C keeps it)
        if p.elapsed - last[0] >= 30:
            last[0] = p.elapsed
            layers = " ".join(f"{k}: epoch {p.epoch[k]:.2f} best {p.scores[k]:.4f}" for k in p.epoch)
            print(f"{p.elapsed:.0f}s {layers} load {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)

    result = train_model(
        Workspace.open(train_ws),
        name,
        minutes,
        settings=TrainSettings(clock=clock, **settings),
        progress=report,
        replace_existing=force or name == SCRATCH_NAME,
    )
    meta = result.meta
    dev = evaluate_model(Workspace.open(dev_ws), str(result.path))
    return {
        "train_workspace": str(train_ws),
        "dev_workspace": str(dev_ws),
        "minutes": minutes,
        "clock": clock,
        "settings": meta.settings,
        "documents": meta.documents,
        "wall_seconds": meta.training_seconds,
        "stopped": result.stopped,
        "link_rules": meta.link_rules,
        "held_out": _summary(meta.scores),
        "dev": _summary(dev),
        "dev_baseline": _summary(dev["baseline"]),
        "dev_documents": dev["documents"],
        "prediction_speed": dev["speed"],
    }


def speed(
    models: list[Path],
    dev_ws: Path,
    repeats: int,
    spacy_loop: bool = False,
    records_out: Path | None = None,
    same_as: Path | None = None,
) -> dict:
    """Prediction speed of model folders on DEV's documents (what ``annotate predict`` runs: the
    pipelines, links, attributes and ``conform``), interleaved and best of ``repeats`` in CPU
    seconds, so each model meets the same neighbours on a shared machine. ``spacy_loop`` also
    runs each model with spaCy's and thinc's own code (spaCy's NER loop instead of
    ``annotation.models.ner_decode``, thinc's forward pass instead of
    ``annotation.models.fast_tok2vec``: the NAME+spacy-loop rows) and says whether every record
    came out the same. ``records_out`` writes each model's records as JSON; ``same_as`` compares
    them with such a file written by another checkout (run this script with that checkout first
    on ``PYTHONPATH``: ``PYTHONPATH=/tmp/main-export .venv/bin/python bench/models.py speed ...``)."""
    import time

    from annotation.models import ner_decode

    try:
        from annotation.models import fast_tok2vec
    except ImportError:  # an older checkout on PYTHONPATH: its own code only
        fast_tok2vec = None
    from annotation.models.predictor import ModelPredictor
    from annotation.predict import ConformingPredictor
    from annotation.schema import LabelSchema
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    ws = Workspace.open(dev_ws)
    schema = LabelSchema.load(ws)
    docs = list(CorpusStore(ws).iter_documents())
    words = sum(len(d.text.split()) for d in docs)
    predictors = {str(m): ConformingPredictor(ModelPredictor(str(m))) for m in models}
    runs = [(name, name, True) for name in predictors]
    if spacy_loop:
        runs += [(name + "+spacy-loop", name, False) for name in predictors]
    best: dict[str, float] = {}
    records: dict[str, list] = {}
    for _ in range(repeats):
        for label, name, decoder in runs:
            ner_decode.ENABLED = decoder
            if fast_tok2vec is not None:
                fast_tok2vec.ENABLED = decoder
            cpu, wall = time.process_time(), time.perf_counter()
            out = predictors[name].predict_many(docs, schema)
            took = time.process_time() - cpu
            if took < best.get(label, float("inf")):
                best[label] = took
                best[label + ":wall"] = time.perf_counter() - wall
            records.setdefault(label, [json.dumps(r.to_record(), sort_keys=True) for r in out])
    ner_decode.ENABLED = True
    if fast_tok2vec is not None:
        fast_tok2vec.ENABLED = True
    result = {
        "documents": len(docs),
        "words": words,
        "repeats": repeats,
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "models": {
            label: {
                "cpu_seconds": round(best[label], 3),
                "wall_seconds": round(best[label + ":wall"], 3),
                "documents_per_cpu_second": round(len(docs) / best[label], 1),
                "words_per_cpu_second": round(words / best[label]),
            }
            for label, _, _ in runs
        },
    }
    if spacy_loop:
        result["same_records_as_spacy_loop"] = {
            name: records[name] == records[name + "+spacy-loop"] for name in predictors
        }
    if records_out:
        records_out.write_text(json.dumps({name: records[name] for name in predictors}) + "\n")
    if same_as:
        other = json.loads(same_as.read_text())
        result[f"same_records_as:{same_as}"] = {name: records[name] == other.get(name) for name in predictors}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare")
    prep.add_argument("corpus", choices=["polnear", "wikiann", "wnut17"])
    prep.add_argument("--out", type=Path, required=True)
    go = sub.add_parser("run")
    go.add_argument("train", type=Path)
    go.add_argument("dev", type=Path)
    go.add_argument("--minutes", type=float, default=20.0)
    go.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    go.add_argument("--name", default=SCRATCH_NAME, help="the model's folder (default: the scratch model, replaced)")
    go.add_argument("--force", action="store_true", help="replace models/NAME if it exists")
    go.add_argument("--settings", default="{}", help='TrainSettings as JSON, e.g. {"width": 64, "depth": 2}')
    go.add_argument("--json-out", type=Path)
    fast = sub.add_parser("speed", help="prediction speed of model folders on DEV's documents, interleaved")
    fast.add_argument("dev", type=Path)
    fast.add_argument("models", type=Path, nargs="+")
    fast.add_argument("--repeats", type=int, default=3)
    fast.add_argument(
        "--spacy-loop", action="store_true", help="also each model with spaCy's NER loop and thinc's forward pass"
    )
    fast.add_argument("--records-out", type=Path, help="write each model's records here (JSON)")
    fast.add_argument("--same-as", type=Path, help="compare the records with a --records-out file")
    args = parser.parse_args()
    if args.command == "speed":
        result = speed(args.models, args.dev, args.repeats, args.spacy_loop, args.records_out, args.same_as)
        print(json.dumps(result, indent=2))
        return
    if args.command == "prepare":
        if not DATA.exists():
            sys.exit(f"{DATA} is not here: the benchmark needs the shared development data")
        {"polnear": prepare_polnear, "wikiann": prepare_wikiann, "wnut17": prepare_wnut17}[args.corpus](args.out)
        return
    settings = json.loads(args.settings)
    for key in ("embed_attrs", "embed_rows", "batch_words"):
        if key in settings:
            settings[key] = tuple(settings[key])
    result = run(args.train, args.dev, args.minutes, args.clock, args.name, settings, args.force)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n")


if __name__ == "__main__":
    main()
