"""Annotation commands: `annotate push|pull|status|export|import|predict`.

Thin wrappers over the annotation stage (:mod:`annotation.push`, :mod:`annotation.pull`,
:mod:`annotation.importers`, :mod:`annotation.predictions`), each imported where it is used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from annotation.importers import FORMATS, SENTENCES_PER_DOCUMENT  # no reader is imported
from newsdesk.cli.common import (
    EngineOpt,
    JsonOpt,
    SchedulerOpt,
    WorkersOpt,
    WorkspaceOpt,
    app,
    carry_annotations,
    console,
    emit_json,
    engine_options,
    err_console,
    print_error,
    progress_bar,
    user_errors,
    with_carried,
)

annotate_app = typer.Typer(
    help="Annotate in Label Studio: push documents, pull and export annotations, import "
    "corpora made elsewhere, pre-annotate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(annotate_app, name="annotate")


@annotate_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A file, or a folder of files, of the given format.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")],
    annotator: Annotated[
        str | None, typer.Option(help="Annotator of every record (default: the file's own, else the format name).")
    ] = None,
    annotator_from_name: Annotated[
        bool,
        typer.Option(
            "--annotator-from-name",
            help="Read each file's annotator from its name, NAME_ANNOTATOR.ext (PolNeAR); "
            "a brat file's text is then NAME.txt.",
        ),
    ] = False,
    sentences_per_document: Annotated[
        int,
        typer.Option(
            min=0,
            help="CoNLL files without -DOCSTART- lines (WikiANN, WNUT-17): a document every N sentences; "
            "0: the whole file is one document.",
        ),
    ] = SENTENCES_PER_DOCUMENT,
    keep_annotated_text: Annotated[
        bool,
        typer.Option(
            "--keep-annotated-text/--clean-annotated-text",
            help="Cleaning deletes no text an imported span covers, so every span is carried (default); "
            "or clean it like any text and report the spans in what is removed.",
        ),
    ] = True,
    label_map: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Rename foreign names onto labels.toml: [label:|role:|attr:|value:]FOREIGN=OURS,... "
            "(OURS - skips the name); may be repeated.",
        ),
    ] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """Import annotations made elsewhere (Label Studio export, CoNLL-2003, brat) onto the clean texts.

    Exits 1 when something read was not stored: a file it could not read, a span it could not
    carry onto the clean text, a region id used twice (each is listed).

    Example: newsdesk annotate import corpus/ --format brat --map Source=SOURCE,Cue=CUE,Content=CLAIM -w my-ws
    """
    from annotation.importers import import_annotations, parse_label_map
    from corpus.workspace import Workspace

    if annotator and annotator_from_name:
        raise typer.BadParameter("give --annotator or --annotator-from-name, not both", param_hint="--annotator")
    with user_errors():
        report = import_annotations(
            Workspace.open(workspace),
            path,
            fmt,
            annotator=annotator,
            label_map=parse_label_map(label_map),
            annotator_from_name=annotator_from_name,
            sentences_per_document=sentences_per_document,
            keep_annotated_text=keep_annotated_text,
        )
    if as_json:
        carried = carry_annotations(workspace, quiet=True) if report.texts_recleaned else None
        emit_json(with_carried(report.to_record(), carried))
    else:
        _print_import(report)
        if report.texts_recleaned:
            carry_annotations(workspace)
    for exc in report.failed:
        print_error(exc)
    if not report.ok:
        raise typer.Exit(1)


def _print_import(report) -> None:
    skipped = ", ".join(f"{n} {what}" for what, n in sorted(report.skipped.items())) or "nothing"
    console.print(
        # One text per file and annotator (or per CoNLL document): several annotators' files of one
        # text make one document, so "documents 919" of 840 PolNeAR articles read as a miscount.
        f"texts read {report.documents} ({report.documents_added} new documents), records {report.records} "
        f"({report.records_written} written), spans carried [green]{report.spans_carried}[/] "
        f"({len(report.spans_noted)} edited inside), reported [yellow]{len(report.spans_reported)}[/], "
        f"repeated ids [yellow]{len(report.repeated)}[/], failed [red]{len(report.failed)}[/], "
        f"left out to keep the schema's rules [yellow]{report.left_out}[/] "
        f"({report.conformed.get('claim marked unattributed', 0)} claims marked unattributed), "
        f"skipped {escape(skipped)}, notes {len(report.problems)}"
    )
    for note in report.spans_reported:
        console.print(Text(f"reported {note.one_line()}", style="yellow"))
    for line in report.repeated:
        console.print(Text(f"repeated {line}", style="yellow"))
    for note in report.spans_noted:
        console.print(Text(f"carried {note.one_line()}"))
    for problem in report.problems:
        console.print(Text(f"note {problem}", style="dim"))
    for line in report.same_text_twice:
        console.print(Text(f"note {line}", style="yellow"))
    if report.unanswered:
        # Last: the one thing to settle before adjudicating a corpus without our attributes.
        counts = ", ".join(f"{name} {n}" for name, n in sorted(report.unanswered.items()))
        console.print(
            Text(
                f"warning: of {report.claims} claims, some have no answer to a required attribute ({counts}): "
                "validate reports each (V212) and adjudication leaves such claims out of gold; if this corpus "
                "does not annotate them, set `required = false` for them in labels.toml before adjudicating",
                style="yellow",
            )
        )


@annotate_app.command("predict")
def annotate_predict(
    workspace: WorkspaceOpt = Path("."),
    predictor: Annotated[
        str | None, typer.Option(help="'baseline', 'model:<name>' or 'spacy:<pipeline>' (default: from newsdesk.toml).")
    ] = None,
    as_json: JsonOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
):
    """Pre-annotate every document without Label Studio: records in annotations/predictions/ (idempotent).

    Example: newsdesk annotate predict --engine dask --workers 2 -w my-ws
    """
    from annotation.predictions import predict
    from corpus.engines import open_engine
    from corpus.workspace import Workspace

    with user_errors(), progress_bar("predicting") as bar:
        options, notify = engine_options(engine, scheduler, workers)
        ws = Workspace.open(workspace)
        with open_engine(options, notify) as runner:
            report = predict(ws, runner, predictor, progress=bar)
    if as_json:
        emit_json(report.to_record())
        return
    console.print(
        f"{report.model_version}: {report.documents} documents, predicted {report.predicted} "
        f"({report.spans} spans), unchanged {report.unchanged}, {report.shards_written} files written "
        f"in {report.seconds:.1f}s"
    )


@annotate_app.command("push")
def annotate_push(
    workspace: WorkspaceOpt = Path("."),
    predictor: Annotated[
        str | None,
        typer.Option(
            help="Pre-annotation: 'baseline', 'model:<name>', 'spacy:<pipeline>' or 'none' "
            "(default: from newsdesk.toml)."
        ),
    ] = None,
    order: Annotated[
        str, typer.Option(help="Order of new tasks: corpus, or uncertain (the model's least-sure documents first).")
    ] = "corpus",
    as_json: JsonOpt = False,
):
    """Create or update the Label Studio project and push every document as a task (idempotent).

    Example: newsdesk annotate push --predictor baseline -w my-ws
    """
    from annotation import push as annotation_push
    from corpus.workspace import Workspace

    with user_errors(), progress_bar("pushing") as bar:
        report = annotation_push.push(Workspace.open(workspace), predictor=predictor, progress=bar, order=order)
    if as_json:
        emit_json(report.to_record())
        return
    console.print(
        f"project {report.project_id}{' (created)' if report.project_created else ''}"
        f"{', config updated' if report.config_updated else ''}: {report.documents} documents, "
        f"{report.tasks_created} tasks created, {report.tasks_present} already there, "
        f"{report.predictions_added} predictions repaired, {report.predictions_replaced} replaced by this "
        f"predictor's on tasks nobody annotated, {report.duplicates_removed} duplicate tasks removed, "
        f"{report.texts_migrated} texts migrated ({report.annotations_migrated} annotations) "
        f"in {report.seconds:.1f}s"
    )
    if report.imports_failed:  # the server was slow or failing: say what push did about it
        console.print(
            f"[yellow]note[/] {report.imports_failed} imports failed or got no answer: "
            f"{report.imports_found_landed} found on the server, {report.imports_resent} sent again "
            f"(batches down to {report.smallest_batch} tasks)"
        )
    for note in report.notes:
        console.print(f"[yellow]note[/] {note}")


@annotate_app.command("pull")
def annotate_pull(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Pull every annotator's annotations (append-only; only new or changed records are written).

    Example: newsdesk annotate pull -w my-ws
    """
    from annotation import pull as annotation_pull
    from corpus.workspace import Workspace

    with user_errors():
        report = annotation_pull.pull(Workspace.open(workspace))
    if as_json:
        emit_json(report.to_record())
    else:
        console.print(
            f"{report.tasks} tasks, {report.annotations} annotations by {len(report.annotators)} "
            f"annotators, {report.predictions} predictions; {report.new_or_changed} new or changed "
            f"records in {report.seconds:.1f}s"
        )
    for problem in report.problems:
        err_console.print(Text(problem, style="yellow"))


@annotate_app.command("migrate")
def annotate_migrate(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Carry annotations made on a document's earlier text over to its text now (clean, ingest and
    import do it when they change a text; Label Studio tasks: annotate push).

    Exits 1 when a record could not be carried (a span's words are gone): it stays stale, listed.

    Example: newsdesk annotate migrate -w my-ws
    """
    report = carry_annotations(workspace, quiet=as_json)
    if as_json:
        emit_json(report)
    elif not report["records"] and not report["left"]:
        console.print("nothing to carry: no record was made on a text a re-clean replaced")
    if report["left"]:
        raise typer.Exit(1)


@annotate_app.command("status")
def annotate_status(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Progress per annotator and overall; tasks over or under their wanted number of annotations.

    Example: newsdesk annotate status --json -w my-ws
    """
    from annotation import pull as annotation_pull
    from corpus.workspace import Workspace

    with user_errors():
        report = annotation_pull.status(Workspace.open(workspace))
    if as_json:
        emit_json(report.to_record())
        return
    table = Table("annotator", "completed", "cancelled", title=f"{report.tasks} tasks")
    for who, counts in report.per_annotator.items():
        table.add_row(who, str(counts.get("completed", 0)), str(counts.get("cancelled", 0)))
    console.print(table)
    console.print(
        f"tasks with 0 / 1 / 2+ annotations: {report.by_count['0']} / {report.by_count['1']} / "
        f"{report.by_count['2+']}; under target {len(report.under_target)}, over target {len(report.over_target)}"
    )


@annotate_app.command("export")
def annotate_export(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")], workspace: WorkspaceOpt = Path(".")
):
    """Write every stored annotation record (all annotators, cancelled too, of removed documents too), one JSON
    object per line.

    Example: newsdesk annotate export --out records.jsonl -w my-ws
    """
    from annotation.store import AnnotationStore
    from corpus.workspace import Workspace, atomic_write_lines

    with user_errors():
        # Nothing stored is lost: records that left the dataset with their document are written too.
        records = AnnotationStore(Workspace.open(workspace)).records(of_removed_documents=True)
    atomic_write_lines(out, (json.dumps(r.export_record(), ensure_ascii=False) for r in records))
    console.print(f"wrote {len(records)} annotation records to {out}")
