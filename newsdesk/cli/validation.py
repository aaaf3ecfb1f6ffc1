"""Validation commands: `validate`, `agreement`, `adjudicate`.

Thin wrappers over :mod:`validation.validate`, :mod:`validation.agreement` and
:mod:`validation.adjudicate`, each imported where it is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from newsdesk.cli.common import JsonOpt, WorkspaceOpt, app, console, emit_json, err_console, user_errors


@app.command()
def validate(
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    fix: Annotated[
        bool, typer.Option("--fix", help="Apply the safe fixes (whitespace trimming, offset repair the text proves).")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
):
    """Check documents and annotations: schemas, spans, links, claims. Exit 0 clean, 1 errors, 2 could not run.

    Example: newsdesk validate --fix -w my-ws
    """
    from corpus.workspace import Workspace
    from validation import validate as validation_validate

    with user_errors(code=2):
        report = validation_validate.validate(Workspace.open(workspace), fix=fix)
    if as_json:
        emit_json(report.to_record())
        raise typer.Exit(report.exit_status(strict))
    # One block per code, one line per example: readable at 80 columns, and each says where.
    for code, group in report.by_code().items():
        style = "red" if group["severity"] == "error" else "yellow"
        fixable = f", {group['fixable']} fixable" if group["fixable"] else ""
        console.print(
            Text.assemble(
                (f"{code} {group['severity']}", f"bold {style}"), f" ×{group['count']}{fixable}: {group['title']}"
            )
        )
        for example in group["examples"]:
            console.print(Text(f"  {_where(example)}: {example['message']}"))
        if group["count"] > len(group["examples"]):
            console.print(
                Text(f"  … and {group['count'] - len(group['examples'])} more (--json lists them all)", style="dim")
            )
        console.print(Text(f"  hint: {group['hint']}", style="dim"))
    status = (
        "[green]clean[/]"
        if not report.findings
        else f"[red]{len(report.errors)} errors[/], [yellow]{len(report.warnings)} warnings[/]"
    )
    console.print(
        f"{status}: {report.documents} documents, {report.records} annotation records, {report.spans} spans, "
        f"{report.claims} claims, {report.links} links"
        + (f"; fixed {report.fixed} spans" if report.fixed else "")
        + f" in {report.seconds:.2f}s (pandera {report.pandera_seconds:.2f}s)"
    )
    if report.removed_document_records:
        console.print(
            f"[dim]{report.removed_document_records} annotation records of documents removed with `newsdesk docs "
            "remove` left out (kept in the store, in no release)[/]"
        )
    raise typer.Exit(report.exit_status(strict))


def _where(finding: dict) -> str:
    """Document, task and annotator of a finding, or what it is about when it is about no one record."""
    parts = [
        f"doc {finding['doc_id']}" if finding.get("doc_id") else None,
        f"task {finding['task_id']}" if finding.get("task_id") is not None else None,
        "gold" if finding.get("origin") == "gold" else finding.get("annotator"),
    ]
    named = " · ".join(p for p in parts if p)
    return named or finding.get("where") or finding.get("record") or "the whole workspace"


@app.command()
def agreement(
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
    threshold: Annotated[
        float | None, typer.Option(help="Warn below this value (default: [validation] agreement_threshold).")
    ] = None,
):
    """Inter-annotator agreement on documents annotated by two or more people, overall and per label.

    Example: newsdesk agreement --json -w my-ws
    """
    from corpus.workspace import Workspace
    from validation.agreement import agreement_workspace
    from validation.validate import agreement_threshold

    with user_errors():
        ws = Workspace.open(workspace)
        report = agreement_workspace(ws)
        limit = agreement_threshold(ws) if threshold is None else threshold
    warnings = report.warnings(limit)
    if as_json:
        emit_json({**report.to_record(), "warnings": [w.to_record() for w in warnings]})
        return
    if not report.documents:
        console.print("no document was annotated by two or more annotators")
        return

    def show(value) -> str:
        return "—" if value is None else f"{value:.2f}"

    table = Table(
        "layer / label",
        "F1 exact",
        "F1 overlap",
        "token alpha",
        "token kappa",
        "tokens",
        title=f"agreement on {report.documents} documents, annotators {', '.join(report.annotators)}",
    )
    for layer in report.layers.values():
        table.add_row(
            f"[bold]{layer.layer}[/]",
            show(layer.exact.f1),
            show(layer.overlap.f1),
            show(layer.tokens.alpha.value),
            show(layer.tokens.kappa.value),
            str(layer.tokens.alpha.n),
        )
        for label in layer.labels.values():
            if label.exact.reference or label.exact.other:
                table.add_row(
                    f"  {label.label}",
                    show(label.exact.f1),
                    show(label.overlap.f1),
                    show(label.tokens.alpha.value),
                    show(label.tokens.kappa.value),
                    str(label.tokens.alpha.n),
                )
    console.print(table)
    for name, measure in report.attributes.items():
        console.print(f"claim attribute {measure.describe(name + ' alpha')}")
    for label, link in report.links.items():
        console.print(f"claim -> {label} links: {link.agreement.describe('agreement')}")
    for w in warnings:
        err_console.print(Text(f"[V301] {w.message}", style="yellow"), soft_wrap=True)


@app.command()
def adjudicate(
    workspace: WorkspaceOpt = Path("."),
    strategy: Annotated[str, typer.Option(help="ground-truth | majority | single")] = "majority",
    min_agree: Annotated[int, typer.Option("--min-agree", "-k", help="Annotators who must agree (majority).")] = 2,
    push_review: Annotated[
        bool,
        typer.Option(
            "--push-review", help="Send conflicts to Label Studio as review tasks, each version as a prediction."
        ),
    ] = False,
    prefer: Annotated[
        list[str] | None,
        typer.Option(
            "--prefer",
            help="An email (or a role: reviewer) whose version wins where they made one; "
            "repeat for an order of preference.",
        ),
    ] = None,
    as_json: JsonOpt = False,
):
    """Make one gold annotation per document from all annotators' versions; list what no rule settles.

    When conflicts were pushed for review (--push-review), submitted reviews are pulled first:
    under --strategy ground-truth each settles its document.

    Example: newsdesk adjudicate --strategy majority -k 2 --push-review -w my-ws
    """
    from annotation.store import AnnotationStore
    from corpus.errors import NewsdeskError
    from corpus.workspace import Workspace
    from validation.adjudicate import adjudicate_workspace
    from validation.gold import save_gold
    from validation.review import REVIEW_MAP, pull_reviews, push_review_tasks

    with user_errors():
        ws = Workspace.open(workspace)
        if ws.path(*REVIEW_MAP).exists():
            try:
                pulled = pull_reviews(ws)
                err_console.print(f"{len(pulled)} reviews from the review project")
            except NewsdeskError as exc:  # offline: adjudicate what is stored, and say so
                err_console.print(
                    Text(f"reviews not pulled, the stored ones are used: {exc.one_line()}", style="yellow")
                )
        result = adjudicate_workspace(ws, strategy, min_agree, prefer or ())
        save_gold(ws, result)
        pushed = (
            push_review_tasks(ws, result.conflicts, AnnotationStore(ws).records())
            if (push_review and result.conflicts)
            else 0
        )
    if as_json:
        emit_json({**result.to_record(), "review_tasks_pushed": pushed})
        return
    c = result.counts
    console.print(
        f"{c['gold']} gold documents ({c['gold_spans']} spans, {c['gold_links']} links, "
        f"{c['gold_choices']} choices) by {strategy}, of {c['documents']} annotated documents"
        + (f"; {pushed} review tasks pushed" if push_review else "")
    )
    if not result.conflicts:
        console.print("no conflicts: every document is resolved")
        return
    # "Unresolved" is exactly what the table lists: the documents with a conflict no rule settles.
    console.print(
        f"{c['unresolved']} unresolved documents, {c['conflicts']} conflicts no rule settles: gold leaves "
        f"out what they dispute ({c['claims_left_out']} claims with an undecided attribute or source)"
        + (f" and {c['without_gold']} documents have no gold" if c["without_gold"] else "")
        + "; a reviewer settles them in Label Studio (--push-review), then --strategy ground-truth"
    )
    for name, n in sorted(result.unanswered.items()):
        # Nobody was asked: an imported corpus without this question, not a disagreement.
        console.print(
            Text(
                f"hint: {n} claims left out because no annotator answered the required attribute {name!r}; "
                f"if your annotations never ask it (an imported corpus), set required = false for it "
                f"in labels.toml and adjudicate again"
            )
        )
    shown = result.conflicts[:30]
    table = Table(
        "document",
        "kind",
        "what",
        "versions",
        title=f"conflicts no rule settles ({len(result.conflicts)} in {c['unresolved']} unresolved documents"
        + (
            f"; the first {len(shown)}, all in gold/conflicts.jsonl and --json"
            if len(shown) < len(result.conflicts)
            else ""
        )
        + ")",
    )
    for conflict in shown:
        versions = "; ".join(", ".join(v.get("annotators", [])) for v in conflict.versions)
        table.add_row(conflict.doc_id, conflict.kind, conflict.description[:80], versions)
    console.print(table)
