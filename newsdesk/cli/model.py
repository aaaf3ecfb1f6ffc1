"""Model commands: `model train|evaluate|list`, over :mod:`training` and :mod:`annotation.models`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.cli.common import JsonOpt, WorkspaceOpt, app, console, emit_json, user_errors

model_app = typer.Typer(
    help="Train models from the workspace's gold, evaluate them, pre-annotate with them.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(model_app, name="model")


@model_app.command("train")
def train(
    name: Annotated[
        str, typer.Option(help="The model's folder name under models/ (a name taken already needs --force).")
    ] = "default",
    max_minutes: Annotated[float, typer.Option(help="Stop training after this many minutes.")] = 20.0,
    source: Annotated[str, typer.Option("--from", help="gold, or one annotator's records.")] = "gold",
    architecture: Annotated[
        str,
        typer.Option(
            help="ner (spaCy's transition-based NER: fewest edits, the default) or tagger (BILUO tags per token: "
            "faster, splits more spans); see docs/models.md."
        ),
    ] = "ner",
    depth: Annotated[
        int | None,
        typer.Option(
            help="Convolution layers of the token encoder, each one more word of context each side (default 4; "
            "2 predicts a third faster and finds less); see docs/models.md.",
            min=1,
        ),
    ] = None,
    vectors: Annotated[
        int | None,
        typer.Option(
            help="Dimensions of word vectors learnt from the workspace's own text before training (default 0: "
            "none; on PolNeAR they did not help); see docs/models.md.",
            min=0,
        ),
    ] = None,
    quotes: Annotated[
        bool | None,
        typer.Option(
            "--quotes/--no-quotes",
            help="Give the token encoder each token's quotation state (outside, inside, opening or closing mark), "
            "which its window cannot see; see docs/models.md.",
        ),
    ] = None,
    frequency: Annotated[
        bool | None,
        typer.Option(
            "--frequency/--no-frequency",
            help="Give the token encoder how common each word is in the language (wordfreq, offline), both "
            "layers (default: the entity layer only); see docs/models.md.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace models/NAME if it exists (else E225, before training).")
    ] = False,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """Train entity and claim models from gold; held-out documents by the release's splits; writes models/NAME.

    Example: newsdesk model train --name news --max-minutes 20 -w my-ws
    """
    from corpus.workspace import Workspace
    from training.train import TrainSettings, train_model

    with user_errors():
        ws = Workspace.open(workspace)
        chosen = {"depth": depth, "vectors": vectors, "quotes": quotes, "frequency": frequency}
        if frequency is not None:
            chosen["claim_frequency"] = frequency  # both layers, as the flag says
        settings = TrainSettings(architecture=architecture, **{k: v for k, v in chosen.items() if v is not None})
        if console.is_terminal and not as_json:
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[info]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("training", total=max_minutes * 60, info="")

                def update(p):
                    info = "  ".join(
                        f"{layer}: epoch {p.epoch[layer]:.1f}, held-out F1 {p.scores[layer]:.3f}" for layer in p.epoch
                    )
                    bar.update(task, completed=min(p.elapsed, p.budget), info=info)

                result = train_model(ws, name, max_minutes, source, settings, progress=update, replace_existing=force)
        else:
            result = train_model(ws, name, max_minutes, source, settings, replace_existing=force)
    meta = result.meta
    if as_json:
        emit_json({"path": str(result.path), "stopped": result.stopped, **meta.to_record()})
        return
    console.print(
        f"model {meta.name} ({meta.model_version}) written to {result.path}: layers {meta.layers}, "
        f"{meta.documents['train']} train / {meta.documents['held_out']} held-out documents, "
        f"{meta.training_seconds:.0f}s ({result.stopped})"
    )
    _print_scores(meta.scores)


def _f(x) -> str:
    return "-" if x is None else f"{x:.3f}"


def _print_scores(scores: dict) -> None:
    table = Table("layer", "label", "exact P", "R", "F1", "overlap P", "R", "F1", title="held-out scores")
    for key in ("entities", "claims"):
        exact, overlap = scores[key]["exact"], scores[key]["overlap"]
        if not exact["gold"] and not exact["predicted"]:
            continue
        table.add_row(
            key, "all", *(_f(exact[m]) for m in ("p", "r", "f1")), *(_f(overlap[m]) for m in ("p", "r", "f1"))
        )
        for label, s in overlap["by_label"].items():
            e = exact["by_label"].get(label, {})
            table.add_row("", label, *(_f(e.get(m)) for m in ("p", "r", "f1")), *(_f(s[m]) for m in ("p", "r", "f1")))
    console.print(table)
    links = scores["links"]
    if links["attributions"]:
        console.print(
            f"links: cue F1 {_f(links['cue']['f1'])}, source F1 {_f(links['source']['f1'])}; "
            f"attributions found whole {_f(links['attributions_whole'])} of {links['attributions']}"
        )
    edits = scores["edits"]
    line = f"edits per 1,000 words: {edits['total_per_1000_words']}"
    if "baseline" in scores:
        line += f" (baseline {scores['baseline']['edits']['total_per_1000_words']})"
    console.print(line + "  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in edits["per_1000_words"].items()))
    if "speed" in scores and scores["speed"]["documents_per_second"]:
        speed = scores["speed"]
        console.print(
            f"speed: {speed['documents_per_second']} documents/s ({speed['words_per_second']} words/s, "
            f"one process); per CPU second {speed.get('documents_per_cpu_second')} documents"
        )


@model_app.command("evaluate")
def evaluate(
    model: Annotated[str, typer.Argument(help="A model name in the workspace, or a model folder's path.")],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    baseline: Annotated[bool, typer.Option(help="Score the baseline beside the model.")] = True,
):
    """Score a model on the workspace's gold (documents it was trained on left out), baseline beside it.

    Example: newsdesk model evaluate news --json -w other-ws
    """
    from corpus.workspace import Workspace
    from training.evaluate import evaluate_model

    with user_errors():
        result = evaluate_model(Workspace.open(workspace), model, with_baseline=baseline)
    if as_json:
        emit_json(result)
        return
    console.print(
        f"model {result['model']} ({result['model_version']}) on {result['documents']} gold documents"
        f" ({result['trained_on_left_out']} it was trained on left out)"
    )
    _print_scores(result)
    if "baseline" in result:
        b = result["baseline"]
        console.print(
            f"baseline: entities overlap F1 {_f(b['entities']['overlap']['f1'])}, claims overlap F1 "
            f"{_f(b['claims']['overlap']['f1'])}, attributions whole {_f(b['links']['attributions_whole'])}"
        )


@model_app.command("tune")
def tune(
    model: Annotated[str, typer.Argument(help="A model name in the workspace, or a model folder's path.")],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """Choose the model's bias on opening spans again, on the workspace's gold it was not trained on
    (training does it on its held-out documents; a model trained before has none). Rewrites meta.json.

    Example: newsdesk model tune news -w my-ws
    """
    from corpus.workspace import Workspace
    from training.tune import tune_model

    with user_errors():
        result = tune_model(Workspace.open(workspace), model)
    if as_json:
        emit_json(result)
        return
    console.print(
        f"start bias of {result['version']} on {result['documents']} gold documents: "
        f"{result['start_bias'] or 'none'} (was {result['before'] or 'none'})"
    )


@model_app.command("list")
def list_(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """The workspace's trained models with their held-out scores.

    Example: newsdesk model list --json -w my-ws
    """
    from annotation.models.folder import list_models
    from corpus.workspace import Workspace

    with user_errors():
        ws = Workspace.open(workspace)
    models = list_models(ws.root)
    rows = [
        {
            "name": m.name,
            "model_version": m.model_version,
            "layers": m.layers,
            "trained_from": m.trained_from,
            "documents": m.documents,
            "created_at": m.created_at,
            "training_seconds": m.training_seconds,
            "entities_f1": (m.scores.get("entities", {}).get("overlap", {}) or {}).get("f1"),
            "claims_f1": (m.scores.get("claims", {}).get("overlap", {}) or {}).get("f1"),
        }
        for m in models
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table("name", "version", "layers", "from", "train docs", "entities F1", "claims F1", "created")
    for r in rows:
        table.add_row(
            r["name"],
            r["model_version"],
            ",".join(r["layers"]),
            r["trained_from"],
            str(r["documents"].get("train", "")),
            _f(r["entities_f1"]),
            _f(r["claims_f1"]),
            r["created_at"],
        )
    console.print(table if rows else "no models yet: `newsdesk model train`")
