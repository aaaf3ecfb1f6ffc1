"""Corpus commands: `init`, `ingest`, `clean`, `near-duplicates`, `docs list|show|export`.

Thin wrappers over :mod:`corpus.ingest`, :mod:`corpus.partitioned` and :class:`corpus.store.CorpusStore`;
the stage modules are imported inside each command, so `newsdesk --help` starts fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

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
    print_error,
    progress_bar,
    user_errors,
    with_carried,
)

docs_app = typer.Typer(
    help="The corpus: list, show, export and remove documents.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(docs_app, name="docs")


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")] = Path(".")):
    """Create a workspace: a newsdesk.toml config, the label schema and the store folders.

    Example: newsdesk init my-ws
    """
    from annotation.schema import LabelSchema
    from corpus.workspace import Workspace
    from releases.settings import config_template

    ws = Workspace.init(directory, more_config=config_template())
    labels = LabelSchema.write_default(ws)
    console.print(f"workspace ready at [bold]{ws.root}[/] (config: {ws.path('newsdesk.toml')}, labels: {labels})")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt, .html, .jsonl).")],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
):
    """Read articles, skip exact duplicates, clean what is new, flag near-duplicates.

    Example: newsdesk ingest scraped/ feed.jsonl -w my-ws
    """
    from corpus import partitioned as corpus_partitioned
    from corpus.workspace import Workspace

    with user_errors(), progress_bar("ingesting") as bar:
        options, notify = engine_options(engine, scheduler, workers)
        report = corpus_partitioned.run_ingest(options, Workspace.open(workspace), paths, progress=bar, notify=notify)
    # Documents cleaned again as their source's repeated lines changed have a new text.
    texts_changed = bool(report.repeated_lines_recleaned or report.interrupted)
    if as_json:
        carried = carry_annotations(workspace, quiet=True) if texts_changed else None
        emit_json(with_carried(report.to_record(), carried))
    else:
        skipped = ", ".join(f"{n} {why}" for why, n in report.skipped.items()) or "none"
        console.print(
            f"files {report.files}, read {report.read}, added [green]{report.added}[/], "
            f"updated {report.updated}, skipped {sum(report.skipped.values())} ({skipped}), "
            f"failed [red]{len(report.failed)}[/], near-duplicates {report.near_duplicates} "
            f"in {report.seconds:.1f}s"
        )
        if report.interrupted:
            console.print(
                f"completed {report.completed} documents of an interrupted {report.interrupted} "
                f"and recomputed its near-duplicates"
            )
        if report.repeated_lines_recleaned:
            console.print(
                f"re-cleaned {report.repeated_lines_recleaned} documents whose source's repeated lines "
                "changed (store/repeated_lines.json)"
            )
        if texts_changed:
            carry_annotations(workspace)
    for exc in report.notes:
        print_error(exc, warning=True)
    for exc in report.failed:
        print_error(exc)
    if report.failed:
        raise typer.Exit(1)


@app.command()
def clean(
    workspace: WorkspaceOpt = Path("."),
    force: Annotated[bool, typer.Option(help="Re-clean every document, changed or not.")] = False,
    as_json: JsonOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
):
    """Re-clean documents whose raw text or cleaning pipeline changed.

    Example: newsdesk clean --force -w my-ws
    """
    from corpus import partitioned as corpus_partitioned
    from corpus.workspace import Workspace

    with user_errors(), progress_bar("cleaning") as bar:
        options, notify = engine_options(engine, scheduler, workers)
        report = corpus_partitioned.run_clean(
            options, Workspace.open(workspace), force=force, progress=bar, notify=notify
        )
    texts_changed = bool(report.text_changed or report.interrupted)
    if as_json:
        carried = carry_annotations(workspace, quiet=True) if texts_changed else None
        emit_json(with_carried(report.to_record(), carried))
        return
    console.print(
        f"documents {report.documents}: re-cleaned {report.recleaned} "
        f"({report.text_changed} with a new text), unchanged {report.unchanged}, "
        f"near-duplicates {report.near_duplicates} in {report.seconds:.1f}s"
    )
    if report.interrupted:
        console.print(
            f"completed an interrupted {report.interrupted}: every article has its document, near-duplicates recomputed"
        )
    if report.cleaning.edits or report.cleaning.flags:
        table = Table("rule", "edits", "flags", title="what the rules did")
        for rule in sorted(set(report.cleaning.edits) | set(report.cleaning.flags)):
            table.add_row(rule, str(report.cleaning.edits.get(rule, 0)), str(report.cleaning.flags.get(rule, 0)))
        console.print(table)
    if texts_changed:
        carry_annotations(workspace)


@app.command("near-duplicates")
def near_duplicates(
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
):
    """Recompute the near-duplicate clusters of the whole corpus (ingest and clean do it when texts change).

    Example: newsdesk near-duplicates --engine dask --workers 2 -w my-ws
    """
    from corpus import partitioned as corpus_partitioned
    from corpus.workspace import Workspace

    with user_errors(), progress_bar("signatures") as bar:
        options, notify = engine_options(engine, scheduler, workers)
        count = corpus_partitioned.run_near_duplicates(options, Workspace.open(workspace), progress=bar, notify=notify)
    if as_json:
        emit_json({"near_duplicates": count})
    else:
        console.print(f"near-duplicates {count}")


@docs_app.command("list")
def docs_list(
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    source: Annotated[
        bool, typer.Option("--source", help="Show the file (or URL) each came from instead of the title.")
    ] = False,
):
    """One row per document: id, title, language, length, flags, duplicate-of.

    Example: newsdesk docs list --source -w my-ws
    """
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    with user_errors():
        docs = list(CorpusStore(Workspace.open(workspace)).iter_documents())
    rows = [
        {
            "id": d.id,
            "title": d.title,
            "language": d.language,
            "length": len(d.text),
            "flags": len(d.flags),
            "duplicate_of": d.duplicate_of,
            "source": d.metadata.get("path", d.source),
        }
        for d in docs
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} documents")
    # Ids are what people copy: never cut, whatever the terminal's width; the title (or the
    # source, folded so that a path stays whole) takes what is left.
    table.add_column("id", no_wrap=True, min_width=16)
    duplicates = any(r["duplicate_of"] for r in rows)
    # In a pipe or a file nothing is fitted to a width: each row stays one line to grep.
    rest = (
        max(12, console.width - (16 + 4 + 6 + 5) - (3 * 5 + 1) - (19 if duplicates else 0))
        if console.is_terminal
        else None
    )
    if source:
        table.add_column("source", overflow="fold", max_width=rest)
    else:
        table.add_column("title", overflow="ellipsis", no_wrap=True, max_width=rest)
    for name in ("lang", "length", "flags"):
        table.add_column(name, no_wrap=True)
    if duplicates:
        table.add_column("duplicate of", no_wrap=True, min_width=16)
    for r in rows:
        table.add_row(
            r["id"],
            r["source"] if source else r["title"],
            r["language"],
            str(r["length"]),
            str(r["flags"]),
            *([r["duplicate_of"] or ""] if duplicates else []),
        )
    console.print(table)


@docs_app.command("show")
def docs_show(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (or unique prefixes).")],
    workspace: WorkspaceOpt = Path("."),
    raw: Annotated[bool, typer.Option("--raw", help="Show the raw text with removed parts marked.")] = False,
    as_json: JsonOpt = False,
):
    """The clean text with edits and flags highlighted (or the raw text with --raw).

    Example: newsdesk docs show 5fad4439 0a1b2c3d --raw -w my-ws
    """
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace

    with user_errors():
        store = CorpusStore(Workspace.open(workspace))
        shown = [(doc, store.article(doc.id)) for doc in map(store.document, doc_ids)]
    if as_json:
        records = []
        for doc, article in shown:
            rec = doc.export_record()
            rec["edits"] = [e.to_record() for e in doc.cleaning.edits]
            if raw:
                rec["raw_text"] = article.raw_text
            records.append(rec)
        emit_json(records[0] if len(records) == 1 else records)  # one id: the object, as before
        return
    for doc, article in shown:
        _show_document(doc, article, raw)


def _show_document(doc, article, raw: bool) -> None:
    console.print(
        f"[bold]{doc.title}[/]  [dim]{doc.id} · {doc.source} · {doc.language} · "
        f"{doc.encoding} · pipeline {doc.cleaning.pipeline_version}[/]"
    )
    changed = doc.cleaning.offset_map.changed
    if raw:
        body = Text(article.raw_text)
        for rs, re_, _, _ in changed:
            body.stylize("strike red", rs, re_)
        console.print(body)
        console.print("[dim]struck through: removed or replaced by cleaning[/]")
    else:
        body = Text(doc.text)
        for _, _, cs, ce in changed:
            body.stylize("on green", cs, ce)
        for f in doc.flags:
            if f.rule != "near_duplicate":
                body.stylize("underline bold yellow", f.start, f.end)
        console.print(body)
        console.print("[dim]green: written by cleaning · yellow underline: flagged[/]")
    for f in doc.flags:
        console.print(f"[yellow]flag[/] {f.rule} [{f.start}:{f.end}] {f.message}")
    for e in doc.cleaning.edits:
        console.print(f"[green]edit[/] {e.rule} raw[{e.raw_start}:{e.raw_end}] {e.removed!r} -> {e.inserted!r}")


@docs_app.command("export")
def docs_export(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")], workspace: WorkspaceOpt = Path(".")
):
    """Write every document as one JSON object per line.

    Example: newsdesk docs export --out docs.jsonl -w my-ws
    """
    from corpus.store import CorpusStore
    from corpus.workspace import Workspace, atomic_write_lines

    with user_errors():
        docs = CorpusStore(Workspace.open(workspace)).iter_documents()
        lines = [json.dumps(d.export_record(), ensure_ascii=False) for d in docs]
    atomic_write_lines(out, lines)
    console.print(f"wrote {len(lines)} documents to {out}")


@docs_app.command("remove")
def docs_remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (or unique prefixes).")],
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """Remove documents and their articles for good; a later ingest of the same file skips it and says so.

    Example: newsdesk docs remove 5fad4439 -w my-ws
    """
    from annotation.store import AnnotationStore
    from corpus.ingest import remove_documents
    from corpus.workspace import Workspace

    with user_errors():
        ws = Workspace.open(workspace)
        report = remove_documents(ws, doc_ids)
        gone = {rec["id"] for rec in report.removed + report.already}
        annotated = sum(1 for r in AnnotationStore(ws).current().values() if r.doc_id in gone)
    if as_json:
        emit_json({**report.to_record(), "annotation_records_kept": annotated})
        return
    for rec in report.removed:
        console.print(f"removed {rec['id']}  {(rec['title'] or '')[:60]}  [dim]{rec['path'] or rec['source']}[/]")
    for rec in report.already:
        console.print(f"{rec['id']} was removed on {rec['removed_at']}")
    if report.removed:
        console.print(
            f"removed {len(report.removed)} documents (recorded in store/removed.jsonl: ingest skips "
            f"them from now on), near-duplicates {report.near_duplicates}"
        )
    if annotated:
        console.print(
            f"[yellow]{annotated} annotation records of these documents stay in the store (`annotate export` "
            "writes them) and are left out of validation, adjudication, agreement, training and releases "
            "from now on[/]"
        )
