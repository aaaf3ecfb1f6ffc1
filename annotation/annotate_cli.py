"""``newsdesk annotate ...``: thin CLI wrappers over the annotation stage's library functions.

``newsdesk/cli.py`` mounts ``annotate_app``; this module does not import it back (that would
be a cycle, and the annotation stage does not depend on the top-level CLI), so the one-line
error printing that ``newsdesk.cli`` uses is repeated here in three lines.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from annotation.importers import FORMATS, import_annotations, parse_label_map
from corpus.errors import NewsdeskError
from corpus.terminal import LineConsole
from corpus.workspace import Workspace

annotate_app = typer.Typer(no_args_is_help=True)

console = LineConsole(soft_wrap=True)
err_console = LineConsole(stderr=True, soft_wrap=True)

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines instead of a summary.")]


@contextmanager
def user_errors():
    """Turn a NewsdeskError into its one-line message and exit status 1."""
    try:
        yield
    except NewsdeskError as exc:
        err_console.print(Text(exc.one_line(), style="red"))
        raise typer.Exit(1) from None


@annotate_app.callback()
def annotate() -> None:
    """Annotate in Label Studio: push documents, pull and export annotations, import corpora made elsewhere."""
    # A callback keeps `annotate` a group of commands even while it has only one.


@annotate_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A file, or a folder of files, of the given format.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS)}.")],
    annotator: Annotated[str | None, typer.Option(
        help="Annotator of every record (default: the file's own, else the format name).")] = None,
    label_map: Annotated[list[str] | None, typer.Option(
        "--map", help="Rename foreign names onto labels.toml: \\[label:|role:|attr:|value:]FOREIGN=OURS,... "
                      "(OURS - skips the name); may be repeated.")] = None,
    workspace: WorkspaceOpt = Path("."),
    as_json: JsonOpt = False,
):
    """Import annotations made elsewhere (Label Studio export, CoNLL-2003, brat) onto the clean texts."""
    with user_errors():
        report = import_annotations(Workspace.open(workspace), path, fmt, annotator=annotator,
                                    label_map=parse_label_map(label_map))
    if as_json:
        sys.stdout.write(json.dumps(report.to_record(), ensure_ascii=False, indent=2) + "\n")
        return
    skipped = ", ".join(f"{n} {what}" for what, n in sorted(report.skipped.items())) or "nothing"
    console.print(f"documents {report.documents} ({report.documents_added} new), records {report.records} "
                  f"({report.records_written} written), spans carried [green]{report.spans_carried}[/] "
                  f"({len(report.spans_noted)} edited inside), reported [yellow]{len(report.spans_reported)}[/], "
                  f"skipped {escape(skipped)}, notes {len(report.problems)}")
    for note in report.spans_reported:
        console.print(Text(f"reported {note.one_line()}", style="yellow"))
    for note in report.spans_noted:
        console.print(Text(f"carried {note.one_line()}"))
    for problem in report.problems:
        console.print(Text(f"note {problem}", style="dim"))
