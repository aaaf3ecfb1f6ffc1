"""Output piped to a file or another program: one finding, one line, however long its path.

Given articles deep in folders with long names, when the commands run with stdout and stderr
piped (as in a CI log, `2> errors.txt` or `| grep E102`), every error is exactly one line, so
it can be counted, grepped and copied whole.
"""

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.text import Text
from typer.testing import CliRunner

from newsdesk.cli import app
from newsdesk.cli.common import LineConsole

NEWSDESK = [sys.executable, "-m", "newsdesk"]
LONG = ("a-folder-of-articles-scraped-from-a-regional-news-site-in-march", "another-rather-long-subfolder-name-2024")


def run_piped(*args: str, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS")}
    env["COLUMNS"] = "80"  # what rich assumes for a stream that is not a terminal
    return subprocess.Popen(
        [*NEWSDESK, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_every_error_is_one_line_when_stderr_is_piped(tmp_path):
    CliRunner().invoke(app, ["init", str(tmp_path / "ws")])
    deep = tmp_path.joinpath(*LONG)
    deep.mkdir(parents=True)
    (deep / "photo-of-the-minister-at-the-press-conference-after-the-vote.txt").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
    )
    (deep / "an-article-that-the-scraper-saved-empty-on-the-first-try.txt").write_bytes(b"")
    (deep / "an-ordinary-article.txt").write_text("A title\n\nA sentence of the article.\n", encoding="utf-8")
    relative = Path(*LONG)
    runs = {
        "ingest": run_piped("ingest", str(relative), "-w", "ws", cwd=tmp_path),
        "annotate import": run_piped(
            "annotate",
            "import",
            str(relative / "annotations-of-the-second-annotator"),
            "--format",
            "brat",
            "-w",
            "ws",
            cwd=tmp_path,
        ),
        "release publish": run_piped("release", "publish", "9.9.9", "--repo", "org/name", "-w", "ws", cwd=tmp_path),
    }
    outputs = {name: run.communicate(timeout=120) + (run.returncode,) for name, run in runs.items()}

    out, err, status = outputs["ingest"]
    assert status == 1
    errors = err.splitlines()
    assert [line[:6] for line in errors] == ["[E101]", "[E102]"], err
    assert all(str(relative) in line and len(line) > 160 for line in errors)
    assert errors[0].split(": ")[0].endswith("an-article-that-the-scraper-saved-empty-on-the-first-try.txt")
    (summary,) = out.splitlines()  # the summary too is one line
    assert "added 1" in summary and "failed 2" in summary
    for name, code in (("annotate import", "[E110]"), ("release publish", "[E303]")):
        out, err, status = outputs[name]
        (line,) = err.splitlines()
        assert status == 1 and line.startswith(code) and len(line) > 80, (name, err)


def test_a_person_at_a_terminal_still_gets_wrapped_lines():
    long_line = "[E102] " + "/".join(LONG * 2) + ": binary file, not text"
    piped, terminal = io.StringIO(), io.StringIO()
    LineConsole(file=piped).print(Text(long_line))
    LineConsole(file=terminal, force_terminal=True, width=80).print(Text(long_line))
    assert piped.getvalue() == long_line + "\n"
    assert len(terminal.getvalue().splitlines()) > 1


def test_a_table_in_a_pipe_keeps_each_row_on_one_line(tmp_path):
    """`docs list --source | grep NAME` finds the document: rich fitted tables to 80 columns there."""
    CliRunner().invoke(app, ["init", str(tmp_path / "ws")])
    deep = tmp_path.joinpath(*LONG)
    deep.mkdir(parents=True)
    (deep / "an-ordinary-article-with-a-long-name.txt").write_text("A title\n\nA sentence.\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["ingest", str(deep), "-w", str(tmp_path / "ws")]).exit_code == 0
    run = run_piped("docs", "list", "--source", "-w", "ws", cwd=tmp_path)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    (row,) = [line for line in out.splitlines() if "an-ordinary-article-with-a-long-name.txt" in line]
    assert str(deep / "an-ordinary-article-with-a-long-name.txt") in row and len(row) > 160
