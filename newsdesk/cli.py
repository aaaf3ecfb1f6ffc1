"""The `newsdesk` command line: thin wrappers over the library functions of each stage.

Every command takes ``--workspace`` (default: the current folder); listing commands take
``--json``. A user-facing error prints one line ``[CODE] where: what - hint`` and exits 1.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from annotation import pull as annotation_pull
from annotation import push as annotation_push
from annotation.annotate_cli import annotate_app
from annotation.schema import LabelSchema
from annotation.store import AnnotationStore
from releases.publish_cli import publish_command
from annotation.studio_cli import studio_app
from corpus import partitioned as corpus_partitioned
from validation import validate as validation_validate
from corpus.errors import NewsdeskError
from corpus.store import CorpusStore
from corpus.workspace import Workspace, atomic_write_text

app = typer.Typer(help="Turn scraped news articles into an annotated, documented, versioned dataset.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
docs_app = typer.Typer(help="The corpus: list, show, export and remove documents.", no_args_is_help=True)
app.add_typer(docs_app, name="docs")
app.add_typer(studio_app, name="studio")
app.add_typer(annotate_app, name="annotate")  # `import` lives in annotation/annotate_cli.py

console = Console()
err_console = Console(stderr=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a table.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="Where the per-document work runs: local | dask.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of a running Dask scheduler (tcp://HOST:8786); default: a local cluster.")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", help="Worker processes of the local Dask cluster (default: one per core).")]


def fail(exc: NewsdeskError, code: int = 1):
    err_console.print(Text(exc.one_line(), style="red"), soft_wrap=True)  # one line, greppable
    raise typer.Exit(code)


@contextmanager
def user_errors():
    """Turn a NewsdeskError into its one-line message and exit status 1."""
    try:
        yield
    except NewsdeskError as exc:
        fail(exc)


@contextmanager
def progress_bar(description: str):
    """A rich progress bar, or nothing when output is not a terminal (CI logs stay readable)."""
    if not console.is_terminal:
        yield None
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _emit_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _engine(engine: str, scheduler: str | None, workers: int | None):
    """The engine options and the callback that prints the Dask dashboard address (on stderr: --json stays clean)."""
    from corpus.engines import EngineOptions

    return EngineOptions(engine, scheduler, workers), lambda line: err_console.print(line, soft_wrap=True)


@app.command()
def init(directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")] = Path(".")):
    """Create a workspace: a newsdesk.toml config, the label schema and the store folders."""
    ws = Workspace.init(directory)
    labels = LabelSchema.write_default(ws)
    console.print(f"workspace ready at [bold]{ws.root}[/] (config: {ws.path('newsdesk.toml')}, labels: {labels})")


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Files or folders (.txt, .html, .jsonl).")],
           workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False, engine: EngineOpt = "local",
           scheduler: SchedulerOpt = None, workers: WorkersOpt = None):
    """Read articles, skip exact duplicates, clean what is new, flag near-duplicates."""
    with user_errors(), progress_bar("ingesting") as bar:
        options, notify = _engine(engine, scheduler, workers)
        report = corpus_partitioned.run_ingest(options, Workspace.open(workspace), paths, progress=bar, notify=notify)
    if as_json:
        _emit_json(report.to_record())
    else:
        skipped = ", ".join(f"{n} {why}" for why, n in report.skipped.items()) or "none"
        console.print(f"files {report.files}, read {report.read}, added [green]{report.added}[/], "
                      f"updated {report.updated}, skipped {sum(report.skipped.values())} ({skipped}), "
                      f"failed [red]{len(report.failed)}[/], near-duplicates {report.near_duplicates} "
                      f"in {report.seconds:.1f}s")
        if report.interrupted:
            console.print(f"completed {report.completed} documents of an interrupted {report.interrupted} "
                          f"and recomputed its near-duplicates")
    for exc in report.notes:
        err_console.print(Text(exc.one_line(), style="yellow"))
    for exc in report.failed:
        err_console.print(Text(exc.one_line(), style="red"))
    if report.failed:
        raise typer.Exit(1)


@app.command()
def clean(workspace: WorkspaceOpt = Path("."),
          force: Annotated[bool, typer.Option(help="Re-clean every document, changed or not.")] = False,
          as_json: JsonOpt = False, engine: EngineOpt = "local", scheduler: SchedulerOpt = None,
          workers: WorkersOpt = None):
    """Re-clean documents whose raw text or cleaning pipeline changed."""
    with user_errors(), progress_bar("cleaning") as bar:
        options, notify = _engine(engine, scheduler, workers)
        report = corpus_partitioned.run_clean(options, Workspace.open(workspace), force=force, progress=bar,
                                              notify=notify)
    if as_json:
        _emit_json(report.to_record())
        return
    console.print(f"documents {report.documents}: re-cleaned {report.recleaned} "
                  f"({report.text_changed} with a new text), unchanged {report.unchanged}, "
                  f"near-duplicates {report.near_duplicates} in {report.seconds:.1f}s")
    if report.interrupted:
        console.print(f"completed an interrupted {report.interrupted}: every article has its document, "
                      f"near-duplicates recomputed")
    if report.cleaning.edits or report.cleaning.flags:
        table = Table("rule", "edits", "flags", title="what the rules did")
        for rule in sorted(set(report.cleaning.edits) | set(report.cleaning.flags)):
            table.add_row(rule, str(report.cleaning.edits.get(rule, 0)), str(report.cleaning.flags.get(rule, 0)))
        console.print(table)


@app.command("near-duplicates")
def near_duplicates(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False, engine: EngineOpt = "local",
                    scheduler: SchedulerOpt = None, workers: WorkersOpt = None):
    """Recompute the near-duplicate clusters of the whole corpus (ingest and clean do it when texts change)."""
    with user_errors(), progress_bar("signatures") as bar:
        options, notify = _engine(engine, scheduler, workers)
        count = corpus_partitioned.run_near_duplicates(options, Workspace.open(workspace), progress=bar, notify=notify)
    if as_json:
        _emit_json({"near_duplicates": count})
    else:
        console.print(f"near-duplicates {count}")


@docs_app.command("list")
def docs_list(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """One row per document: id, title, language, length, flags, duplicate-of."""
    with user_errors():
        docs = list(CorpusStore(Workspace.open(workspace)).iter_documents())
    rows = [{"id": d.id, "title": d.title, "language": d.language, "length": len(d.text),
             "flags": len(d.flags), "duplicate_of": d.duplicate_of} for d in docs]
    if as_json:
        _emit_json(rows)
        return
    table = Table("id", "title", "lang", "length", "flags", "duplicate of", title=f"{len(rows)} documents")
    for r in rows:
        table.add_row(r["id"], r["title"][:60], r["language"], str(r["length"]), str(r["flags"]),
                      r["duplicate_of"] or "")
    console.print(table)


@docs_app.command("show")
def docs_show(doc_id: Annotated[str, typer.Argument(help="Document id (or a unique prefix).")],
              workspace: WorkspaceOpt = Path("."),
              raw: Annotated[bool, typer.Option("--raw", help="Show the raw text with removed parts marked.")] = False,
              as_json: JsonOpt = False):
    """The clean text with edits and flags highlighted (or the raw text with --raw)."""
    with user_errors():
        store = CorpusStore(Workspace.open(workspace))
        doc = store.document(doc_id)
        article = store.article(doc.id)
    if as_json:
        rec = doc.export_record()
        rec["edits"] = [e.to_record() for e in doc.cleaning.edits]
        if raw:
            rec["raw_text"] = article.raw_text
        _emit_json(rec)
        return
    console.print(f"[bold]{doc.title}[/]  [dim]{doc.id} · {doc.source} · {doc.language} · "
                  f"{doc.encoding} · pipeline {doc.cleaning.pipeline_version}[/]")
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
def docs_export(out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
                workspace: WorkspaceOpt = Path(".")):
    """Write every document as one JSON object per line."""
    with user_errors():
        docs = CorpusStore(Workspace.open(workspace)).iter_documents()
        lines = [json.dumps(d.export_record(), ensure_ascii=False) for d in docs]
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    console.print(f"wrote {len(lines)} documents to {out}")


@docs_app.command("remove")
def docs_remove(doc_ids: Annotated[list[str], typer.Argument(help="Document ids (or unique prefixes).")],
                workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Remove documents and their articles for good; a later ingest of the same file skips it and says so."""
    from corpus.ingest import remove_documents

    with user_errors():
        ws = Workspace.open(workspace)
        report = remove_documents(ws, doc_ids)
        gone = {rec["id"] for rec in report.removed + report.already}
        annotated = sum(1 for r in AnnotationStore(ws).current().values() if r.doc_id in gone)
    if as_json:
        _emit_json({**report.to_record(), "annotation_records_kept": annotated})
        return
    for rec in report.removed:
        console.print(f"removed {rec['id']}  {(rec['title'] or '')[:60]}  [dim]{rec['path'] or rec['source']}[/]")
    for rec in report.already:
        console.print(f"{rec['id']} was removed on {rec['removed_at']}")
    if report.removed:
        console.print(f"removed {len(report.removed)} documents (recorded in store/removed.jsonl: ingest skips "
                      f"them from now on), near-duplicates {report.near_duplicates}")
    if annotated:
        console.print(f"[yellow]{annotated} annotation records of these documents are kept; `newsdesk validate` "
                      f"reports them (V214) until they are dropped[/]")


@annotate_app.command("predict")
def annotate_predict(workspace: WorkspaceOpt = Path("."),
                     predictor: Annotated[str | None, typer.Option(
                         help="'baseline' or 'spacy:<pipeline>' (default: from newsdesk.toml).")] = None,
                     as_json: JsonOpt = False, engine: EngineOpt = "local", scheduler: SchedulerOpt = None,
                     workers: WorkersOpt = None):
    """Pre-annotate every document without Label Studio: records in annotations/predictions/ (idempotent)."""
    from annotation.predictions import predict
    from corpus.engines import open_engine

    with user_errors(), progress_bar("predicting") as bar:
        options, notify = _engine(engine, scheduler, workers)
        ws = Workspace.open(workspace)
        with open_engine(options, notify) as runner:
            report = predict(ws, runner, predictor, progress=bar)
    if as_json:
        _emit_json(report.to_record())
        return
    console.print(f"{report.model_version}: {report.documents} documents, predicted {report.predicted} "
                  f"({report.spans} spans), unchanged {report.unchanged}, {report.shards_written} files written "
                  f"in {report.seconds:.1f}s")


@annotate_app.command("push")
def annotate_push(workspace: WorkspaceOpt = Path("."),
                  predictor: Annotated[str | None, typer.Option(
                      help="Pre-annotation: 'baseline', 'spacy:<pipeline>' or 'none' (default: from newsdesk.toml).")] = None,
                  as_json: JsonOpt = False):
    """Create or update the Label Studio project and push every document as a task (idempotent)."""
    with user_errors(), progress_bar("pushing") as bar:
        report = annotation_push.push(Workspace.open(workspace), predictor=predictor, progress=bar)
    if as_json:
        _emit_json(report.to_record())
        return
    console.print(f"project {report.project_id}{' (created)' if report.project_created else ''}"
                  f"{', config updated' if report.config_updated else ''}: {report.documents} documents, "
                  f"{report.tasks_created} tasks created, {report.tasks_present} already there, "
                  f"{report.predictions_added} predictions repaired, {report.duplicates_removed} duplicate tasks removed, "
                  f"{report.texts_migrated} texts migrated ({report.annotations_migrated} annotations) "
                  f"in {report.seconds:.1f}s")
    for note in report.notes:
        console.print(f"[yellow]note[/] {note}")


@annotate_app.command("pull")
def annotate_pull(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Pull every annotator's annotations (append-only; only new or changed records are written)."""
    with user_errors():
        report = annotation_pull.pull(Workspace.open(workspace))
    if as_json:
        _emit_json(report.to_record())
    else:
        console.print(f"{report.tasks} tasks, {report.annotations} annotations by {len(report.annotators)} "
                      f"annotators, {report.predictions} predictions; {report.new_or_changed} new or changed "
                      f"records in {report.seconds:.1f}s")
    for problem in report.problems:
        err_console.print(Text(problem, style="yellow"))


@annotate_app.command("status")
def annotate_status(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Progress per annotator and overall; tasks over or under their wanted number of annotations."""
    with user_errors():
        report = annotation_pull.status(Workspace.open(workspace))
    if as_json:
        _emit_json(report.to_record())
        return
    table = Table("annotator", "completed", "cancelled", title=f"{report.tasks} tasks")
    for who, counts in report.per_annotator.items():
        table.add_row(who, str(counts.get("completed", 0)), str(counts.get("cancelled", 0)))
    console.print(table)
    console.print(f"tasks with 0 / 1 / 2+ annotations: {report.by_count['0']} / {report.by_count['1']} / "
                  f"{report.by_count['2+']}; under target {len(report.under_target)}, over target {len(report.over_target)}")


@annotate_app.command("export")
def annotate_export(out: Annotated[Path, typer.Option("--out", help="JSONL file to write.")],
                    workspace: WorkspaceOpt = Path(".")):
    """Write every stored annotation record (all annotators, cancelled too), one JSON object per line."""
    with user_errors():
        records = AnnotationStore(Workspace.open(workspace)).records()
    atomic_write_text(out, "".join(json.dumps(r.export_record(), ensure_ascii=False) + "\n" for r in records))
    console.print(f"wrote {len(records)} annotation records to {out}")


@app.command()
def validate(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False,
             fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes (whitespace trimming, "
                                                             "offset repair the text proves).")] = False,
             strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False):
    """Check documents and annotations: schemas, spans, links, claims. Exit 0 clean, 1 errors, 2 could not run."""
    try:
        report = validation_validate.validate(Workspace.open(workspace), fix=fix)
    except NewsdeskError as exc:
        fail(exc, code=2)
    if as_json:
        _emit_json(report.to_record())
        raise typer.Exit(report.exit_status(strict))
    grouped = report.by_code()
    if grouped:
        table = Table("code", "severity", "count", "what", "first examples (document · task · annotator)", "hint",
                      title="validation findings", show_lines=True)
        for code, group in grouped.items():
            examples = "\n".join(f"{e['doc_id']} · {e['task_id']} · {e['annotator']}: {e['message'][:80]}"
                                 for e in group["examples"])
            style = "red" if group["severity"] == "error" else "yellow"
            fixable = f" ({group['fixable']} fixable)" if group["fixable"] else ""
            table.add_row(f"[{style}]{code}[/]", group["severity"], f"{group['count']}{fixable}", group["title"],
                          examples, group["hint"])
        console.print(table)
    status = "[green]clean[/]" if not report.findings else f"[red]{len(report.errors)} errors[/], " \
             f"[yellow]{len(report.warnings)} warnings[/]"
    console.print(f"{status}: {report.documents} documents, {report.records} annotation records, {report.spans} spans, "
                  f"{report.claims} claims, {report.links} links"
                  + (f"; fixed {report.fixed} spans" if report.fixed else "")
                  + f" in {report.seconds:.2f}s (pandera {report.pandera_seconds:.2f}s)")
    raise typer.Exit(report.exit_status(strict))


@app.command()
def agreement(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False,
              threshold: Annotated[float | None, typer.Option(help="Warn below this value "
                                                              "(default: [validation] agreement_threshold).")] = None):
    """Inter-annotator agreement on documents annotated by two or more people, overall and per label."""
    from validation.agreement import agreement_workspace
    from validation.validate import agreement_threshold

    with user_errors():
        ws = Workspace.open(workspace)
        report = agreement_workspace(ws)
        limit = agreement_threshold(ws) if threshold is None else threshold
    warnings = report.warnings(limit)
    if as_json:
        _emit_json({**report.to_record(), "warnings": [w.to_record() for w in warnings]})
        return
    if not report.documents:
        console.print("no document was annotated by two or more annotators")
        return

    def show(value) -> str:
        return "—" if value is None else f"{value:.2f}"

    table = Table("layer / label", "F1 exact", "F1 overlap", "token alpha", "token kappa", "tokens",
                  title=f"agreement on {report.documents} documents, annotators {', '.join(report.annotators)}")
    for layer in report.layers.values():
        table.add_row(f"[bold]{layer.layer}[/]", show(layer.exact.f1), show(layer.overlap.f1),
                      show(layer.tokens.alpha.value), show(layer.tokens.kappa.value), str(layer.tokens.alpha.n))
        for label in layer.labels.values():
            if label.exact.reference or label.exact.other:
                table.add_row(f"  {label.label}", show(label.exact.f1), show(label.overlap.f1),
                              show(label.tokens.alpha.value), show(label.tokens.kappa.value),
                              str(label.tokens.alpha.n))
    console.print(table)
    for name, measure in report.attributes.items():
        console.print(f"claim attribute {measure.describe(name + ' alpha')}")
    for label, link in report.links.items():
        console.print(f"claim -> {label} links: {link.agreement.describe('agreement')}")
    for w in warnings:
        err_console.print(Text(f"[V301] {w.message}", style="yellow"), soft_wrap=True)


@app.command()
def adjudicate(workspace: WorkspaceOpt = Path("."),
               strategy: Annotated[str, typer.Option(help="ground-truth | majority | single")] = "majority",
               min_agree: Annotated[int, typer.Option("--min-agree", "-k",
                                                      help="Annotators who must agree (majority).")] = 2,
               push_review: Annotated[bool, typer.Option("--push-review", help="Send conflicts to Label Studio as "
                                                         "review tasks, each version as a prediction.")] = False,
               as_json: JsonOpt = False):
    """Make one gold annotation per document from all annotators' versions; list what no rule settles."""
    from validation.adjudicate import adjudicate_workspace, push_review_tasks, save_gold

    with user_errors():
        ws = Workspace.open(workspace)
        try:
            result = adjudicate_workspace(ws, strategy, min_agree)
        except ValueError as exc:
            err_console.print(Text(f"adjudicate: {exc}", style="red"))
            raise typer.Exit(2) from None
        save_gold(ws, result)
        pushed = push_review_tasks(ws, result.conflicts, AnnotationStore(ws).records()) if (
            push_review and result.conflicts) else 0
    if as_json:
        _emit_json({**result.to_record(), "review_tasks_pushed": pushed})
        return
    c = result.counts
    console.print(f"{c['gold']} gold documents ({c['gold_spans']} spans, {c['gold_links']} links, "
                  f"{c['gold_choices']} choices) by {strategy}; {c['conflicts']} conflicts in "
                  f"{c['documents_with_conflicts']} documents; {c['unresolved']} unresolved"
                  + (f"; {pushed} review tasks pushed" if push_review else ""))
    if result.conflicts:
        table = Table("document", "kind", "what", "versions", title="conflicts no rule settles")
        for conflict in result.conflicts[:30]:
            versions = "; ".join(", ".join(v.get("annotators", [])) for v in conflict.versions)
            table.add_row(conflict.doc_id, conflict.kind, conflict.description[:80], versions)
        console.print(table)


release_app = typer.Typer(help="Versioned releases: build, diff, list, verify, publish.", no_args_is_help=True)
app.add_typer(release_app, name="release")
release_app.command("publish")(publish_command)


@release_app.command("build")
def release_build(version: Annotated[str | None, typer.Argument(help="MAJOR.MINOR.PATCH; with --bump, optional.")] = None,
                  workspace: WorkspaceOpt = Path("."),
                  bump: Annotated[bool, typer.Option("--bump", help="Use the version the diff calls for.")] = False,
                  as_json: JsonOpt = False):
    """Build a new immutable release folder (refused on validation errors or an existing version)."""
    from releases.build import build_release

    with user_errors():
        report = build_release(Workspace.open(workspace), version, bump=bump)
    if as_json:
        _emit_json(report.to_record())
    else:
        table = Table("config", "train", "validation", "test", title=f"release {report.version} ({report.level} change"
                      + (f" from {report.previous})" if report.previous else ", first release)"))
        for config, splits in report.rows.items():
            table.add_row(config, *(str(splits.get(s, 0)) for s in ("train", "validation", "test")))
        console.print(table)
        console.print(f"written to [bold]{report.path}[/] in {report.seconds:.1f}s")
    for warning in report.warnings:
        err_console.print(Text(f"warning: {warning}", style="yellow"))


@release_app.command("diff")
def release_diff(old: str, new: str, workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """What changed between two versions: documents, spans and claims per label, schema."""
    from releases.versions import diff_releases, release_path

    with user_errors():
        ws = Workspace.open(workspace)
        diff = diff_releases(release_path(ws, old), release_path(ws, new))
    if as_json:
        _emit_json(diff.to_record())
    else:
        console.print(diff.markdown())


@release_app.command("list")
def release_list(workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Every built version, oldest first."""
    from releases.versions import list_versions, release_path

    with user_errors():
        ws = Workspace.open(workspace)
        manifests = [json.loads((release_path(ws, v) / "manifest.json").read_text()) for v in list_versions(ws)]
    rows = [{"version": m["version"], "created": m["created"], "previous": m["previous"],
             "change": m.get("change_level"), "documents": m["counts"]["documents"], "claims": m["counts"]["claims"]}
            for m in manifests]
    if as_json:
        _emit_json(rows)
        return
    table = Table("version", "created", "previous", "change", "documents", "claims", title=f"{len(rows)} releases")
    for r in rows:
        table.add_row(r["version"], r["created"], r["previous"] or "", r["change"] or "", str(r["documents"]),
                      str(r["claims"]))
    console.print(table)


@release_app.command("verify")
def release_verify(version: str, workspace: WorkspaceOpt = Path("."), as_json: JsonOpt = False):
    """Check every file of a release against its SHA256SUMS; names any changed, missing or extra file."""
    from releases.versions import release_path, verify_release

    with user_errors():
        report = verify_release(release_path(Workspace.open(workspace), version))
    if as_json:
        _emit_json(report.to_record())
    elif report.ok:
        console.print(f"[green]{version}: {report.files} files match SHA256SUMS[/]")
    else:
        for kind in ("changed", "missing", "unlisted"):
            for name in getattr(report, kind):
                err_console.print(Text(f"[E305] {version}/{name}: {kind}", style="red"))
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def demo(workspace: WorkspaceOpt = Path(".demo"),
         keep_server: Annotated[bool, typer.Option("--keep-server", help="Leave Label Studio running to look around.")] = False):
    """The main job on the bundled sample corpus: ingest, annotate in Label Studio, validate, release, load."""
    from newsdesk.demo import run_demo

    with user_errors():
        run_demo(workspace, keep_server=keep_server)


def main() -> None:
    app()

